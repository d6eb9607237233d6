"""Readings of the win/loss analysis: one generated sentence per table, in the report's language."""

from __future__ import annotations

import pandas as pd

from kamlib import i18n
from kamlib.i18n import format_money, format_month
from kamlib.winloss.analysis import GroupTest

__all__ = ["reading"]


def _pct(x: float) -> str:
    return "–" if x is None or pd.isna(x) else f"{x:.0%}"


def _label(group: str, value: object, lang: str) -> str:
    return "–" if value is None or pd.isna(value) else i18n.value_label(group, value, lang)


def reading(kind: str, table: pd.DataFrame | GroupTest | dict, *, lang: str = "en", by: str | None = None) -> str:
    """One sentence that reads a win/loss table, generated from the data, in *lang*.

    *kind* names the table: ``win_rates, test, loss_table, pareto, competitors,
    cycle, funnel, showroom, sources, reps, addressable, backtest, pipeline``.
    *by* is the grouping column where the table has one.

    Examples
    --------
    >>> pareto = pd.DataFrame({"loss_reason": ["price", "brand", "quote"], "lost": [5, 3, 2],
    ...                        "share": [0.5, 0.3, 0.2], "cumulative_share": [0.5, 0.8, 1.0]})
    >>> reading("pareto", pareto, lang="zh")
    '前2个战败原因（价格、品牌）占全部战败商机的80%。'
    """
    i18n.check_lang(lang)
    return _READERS[kind](table, lang, by)


def _read_win_rates(rates: pd.DataFrame, lang: str, by: str | None) -> str:
    rated = rates[rates["closed"] > 0].sort_values("win_rate", ascending=False)
    if rated.empty:
        return i18n.t("text.wl_no_closed", lang)
    best, worst = rated.iloc[0], rated.iloc[-1]
    return i18n.t(
        "text.wl_win_rates_level", lang,
        overall=_pct(rated["won"].sum() / rated["closed"].sum()), closed=f"{int(rated['closed'].sum()):,}",
        best=_label(by, best[by], lang), best_rate=_pct(best["win_rate"]), low=_pct(best["ci_low"]),
        high=_pct(best["ci_high"]), level=_pct(rates.attrs.get("level", 0.95)), worst=_label(by, worst[by], lang), worst_rate=_pct(worst["win_rate"]),
    )


def _read_test(test: GroupTest, lang: str, by: str | None) -> str:
    if test.test == "none":
        return i18n.t("text.wl_test_none", lang)
    key = "text.wl_test_significant" if test.p_value < 0.05 else "text.wl_test_not_significant"
    text = i18n.t(key, lang, p=f"{test.p_value:.3f}", test=i18n.t(f"wl.{test.test}", lang), groups=test.groups)
    return text + (" " + i18n.t("text.wl_test_small", lang) if test.small_expected else "")


def _read_loss_table(reasons: pd.DataFrame, lang: str, by: str | None) -> str:
    recorded = reasons[~reasons["loss_reason"].isin(["not_recorded"])]
    if recorded["lost"].sum() == 0:
        return i18n.t("text.wl_no_losses", lang)
    biggest = recorded.groupby(by, dropna=False, observed=True)["group_lost"].first().idxmax()
    rows = recorded[recorded[by] == biggest].sort_values("lost", ascending=False)
    top = rows.iloc[0]
    return i18n.t("text.wl_top_reason", lang, reason=_label("loss_reason", top["loss_reason"], lang),
                  group=_label(by, biggest, lang), share=_pct(top["share"]), lost=int(top["group_lost"]))


def _read_pareto(pareto: pd.DataFrame, lang: str, by: str | None) -> str:
    if pareto.empty:
        return i18n.t("text.wl_no_losses", lang)
    n = int((pareto["cumulative_share"] < 0.8).sum()) + 1 if len(pareto) > 1 else 1
    n = min(n, 3, len(pareto))
    names = "、".join if lang == "zh" else ", ".join
    return i18n.t("text.wl_pareto", lang, n=n, share=_pct(pareto["share"].head(n).sum()),
                  reasons=names([_label("loss_reason", r, lang) for r in pareto["loss_reason"].head(n)]))


def _read_competitors(table: pd.DataFrame, lang: str, by: str | None) -> str:
    if table.empty:
        return i18n.t("text.wl_no_competitor", lang)
    top = table.sort_values("lost", ascending=False).iloc[0]
    return i18n.t("text.wl_competitor", lang, competitor=top["competitor"], lost=int(top["lost"]),
                  share=_pct(top["lost"] / table["lost"].sum()))


def _read_cycle(table: pd.DataFrame, lang: str, by: str | None) -> str:
    med = table.groupby("status")["median_days"].median()
    return i18n.t("text.wl_cycle", lang, won=_days(med.get("won")), lost=_days(med.get("lost")))


def _days(value: float | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.0f}"


def _read_funnel(table: pd.DataFrame, lang: str, by: str | None) -> str:
    steps = table.dropna(subset=["conversion_rate"])
    if steps.empty:
        return i18n.t("text.wl_no_closed", lang)
    i = steps["conversion_rate"].idxmin()
    return i18n.t("text.wl_funnel", lang, a=_label("stage", table.loc[i, "stage"], lang),
                  b=_label("stage", table.loc[i + 1, "stage"], lang), rate=_pct(table.loc[i, "conversion_rate"]))


def _read_showroom(kpis: pd.DataFrame, lang: str, by: str | None) -> str:
    rated = kpis.dropna(subset=["close_rate"]) if "close_rate" in kpis.columns else kpis.iloc[0:0]
    if rated.empty:
        return i18n.t("text.wl_no_showroom", lang)
    last12, best = rated.tail(12), rated.loc[rated["close_rate"].idxmax()]
    return i18n.t("text.wl_showroom", lang, avg=_pct(last12["close_rate"].mean()),
                  month=format_month(best["month"], lang), rate=_pct(best["close_rate"]))


def _read_sources(table: pd.DataFrame, lang: str, by: str | None) -> str:
    if table.empty:
        return i18n.t("text.wl_no_closed", lang)
    top = table.iloc[0]
    referral = float(table.loc[table["source"] == "referral", "share"].sum())
    if top["source"] == "referral":
        return i18n.t("text.wl_sources_referral", lang, share=_pct(referral))
    return i18n.t("text.wl_sources", lang, source=_label("source", top["source"], lang),
                  share=_pct(top["share"]), referral=_pct(referral))


def _read_reps(mix: pd.DataFrame, lang: str, by: str | None) -> str:
    share = mix.set_index("performance")["share"]
    return i18n.t("text.wl_reps", lang, high=_pct(share.get("high")), medium=_pct(share.get("medium")),
                  low=_pct(share.get("low")), reps=int(mix["reps"].sum()))


def _read_addressable(table: pd.DataFrame, lang: str, by: str | None) -> str:
    if table.empty or table["recorded"].sum() == 0:
        return i18n.t("text.wl_no_losses", lang)
    top = table.dropna(subset=["sales_side_share"]).iloc[0]
    return i18n.t("text.wl_addressable", lang, share=_pct(table["sales_side"].sum() / table["recorded"].sum()),
                  group=_label(by, top[by], lang), top=_pct(top["sales_side_share"]),
                  none=_pct(1 - table["recorded"].sum() / table["lost"].sum()))


def _read_backtest(scores: dict, lang: str, by: str | None) -> str:
    key = "text.wl_backtest_better" if scores["brier"] < scores["brier_base_rate"] else "text.wl_backtest_worse"
    return i18n.t(key, lang, brier=f"{scores['brier']:.3f}", base=f"{scores['brier_base_rate']:.3f}",
                  test=int(scores["test"]), train=int(scores["train"]))


def _read_pipeline(scored: pd.DataFrame, lang: str, by: str | None) -> str:
    weighted = format_money(scored["weighted_amount"].sum(), lang) if "weighted_amount" in scored.columns else "–"
    return i18n.t("text.wl_pipeline", lang, deals=len(scored), wins=f"{scored['probability'].sum():.0f}", weighted=weighted)


_READERS = {
    "win_rates": _read_win_rates, "test": _read_test, "loss_table": _read_loss_table, "pareto": _read_pareto,
    "competitors": _read_competitors, "cycle": _read_cycle, "funnel": _read_funnel, "showroom": _read_showroom,
    "sources": _read_sources, "reps": _read_reps, "addressable": _read_addressable, "backtest": _read_backtest,
    "pipeline": _read_pipeline,
}
