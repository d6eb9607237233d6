"""Readings of the win/loss analysis: one generated sentence per table, in the report's language."""

from __future__ import annotations

import pandas as pd

from kamlib import i18n
from kamlib.errors import ConfigError
from kamlib.i18n import (
    format_count,
    format_days,
    format_money,
    format_month,
    format_number,
    format_percent,
)
from kamlib.winloss.analysis import GroupTest
from kamlib.winloss.model import FEATURES

__all__ = ["reading"]


def _label(group: str, value: object, lang: str) -> str:
    return "–" if value is None or pd.isna(value) else i18n.value_label(group, value, lang)


def reading(kind: str, table: pd.DataFrame | GroupTest | dict, *, lang: str = "en", by: str | None = None) -> str:
    """One sentence that reads a win/loss table, generated from the data, in *lang*.

    *kind* names the table: ``win_rates, test, loss_table, pareto, competitors,
    cycle, funnel, showroom, sources, reps, addressable, backtest, pipeline``.
    *by* is the grouping column where the table has one. ``cycle`` reads
    :func:`~kamlib.winloss.cycle_times` per status (``by=None``): its medians are those
    of the deals, which the medians of the stages do not give. ``backtest`` reads the
    scores of :func:`~kamlib.winloss.backtest`, with ``inputs``, the number of model
    inputs the deals have (none: every deal gets the base rate), when known.

    Every figure is written as :mod:`kamlib.i18n` formats it, as the tables show it.

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
        overall=format_percent(rated["won"].sum() / rated["closed"].sum(), lang),
        closed=format_count(rated["closed"].sum(), lang), best=_label(by, best[by], lang),
        best_rate=format_percent(best["win_rate"], lang), low=format_percent(best["ci_low"], lang),
        high=format_percent(best["ci_high"], lang), level=format_percent(rates.attrs.get("level", 0.95), lang),
        worst=_label(by, worst[by], lang), worst_rate=format_percent(worst["win_rate"], lang),
    )


def _read_test(test: GroupTest, lang: str, by: str | None) -> str:
    if test.test == "none":
        return i18n.t("text.wl_test_none", lang)
    key = "text.wl_test_significant" if test.p_value < 0.05 else "text.wl_test_not_significant"
    text = i18n.t(key, lang, p=i18n.format_p_value(test.p_value, lang), test=i18n.t(f"wl.{test.test}", lang),
                  groups=format_count(test.groups, lang))
    return i18n.join([text, i18n.t("text.wl_test_small", lang)], lang, sentences=True) if test.small_expected else text


def _read_loss_table(reasons: pd.DataFrame, lang: str, by: str | None) -> str:
    recorded = reasons[~reasons["loss_reason"].isin(["not_recorded"])]
    if recorded["lost"].sum() == 0:
        return i18n.t("text.wl_no_losses", lang)
    biggest = recorded.groupby(by, dropna=False, observed=True)["group_lost"].first().idxmax()
    rows = recorded[recorded[by] == biggest].sort_values("lost", ascending=False)
    top = rows.iloc[0]
    return i18n.t("text.wl_top_reason", lang, reason=_label("loss_reason", top["loss_reason"], lang),
                  group=_label(by, biggest, lang), share=format_percent(top["share"], lang),
                  lost=format_count(top["group_lost"], lang))


def _read_pareto(pareto: pd.DataFrame, lang: str, by: str | None) -> str:
    if pareto.empty:
        return i18n.t("text.wl_no_losses", lang)
    n = int((pareto["cumulative_share"] < 0.8).sum()) + 1 if len(pareto) > 1 else 1
    n = min(n, 3, len(pareto))
    return i18n.t("text.wl_pareto", lang, n=format_count(n, lang), share=format_percent(pareto["share"].head(n).sum(), lang),
                  reasons=i18n.join([_label("loss_reason", r, lang) for r in pareto["loss_reason"].head(n)], lang))


def _read_competitors(table: pd.DataFrame, lang: str, by: str | None) -> str:
    if table.empty:
        return i18n.t("text.wl_no_competitor", lang)
    top = table.sort_values("lost", ascending=False).iloc[0]
    return i18n.t("text.wl_competitor", lang, competitor=top["competitor"], lost=format_count(top["lost"], lang),
                  share=format_percent(top["lost"] / table["lost"].sum(), lang))


def _read_cycle(table: pd.DataFrame, lang: str, by: str | None) -> str:
    if table["status"].duplicated().any():
        raise ConfigError("reading('cycle'): pass cycle_times(opportunities, by=None), one row per status; the "
                          "median of the deals is not the median of the medians per stage.")
    med = table.set_index("status")["median_days"]
    return i18n.t("text.wl_cycle", lang, won=format_days(med.get("won"), lang), lost=format_days(med.get("lost"), lang))


def _read_funnel(table: pd.DataFrame, lang: str, by: str | None) -> str:
    steps = table.dropna(subset=["conversion_rate"])
    if steps.empty:
        return i18n.t("text.wl_no_closed", lang)
    i = steps["conversion_rate"].idxmin()
    return i18n.t("text.wl_funnel", lang, a=_label("stage", table.loc[i, "stage"], lang),
                  b=_label("stage", table.loc[i + 1, "stage"], lang),
                  rate=format_percent(table.loc[i, "conversion_rate"], lang))


def _read_showroom(kpis: pd.DataFrame, lang: str, by: str | None) -> str:
    rated = kpis.dropna(subset=["close_rate"]) if "close_rate" in kpis.columns else kpis.iloc[0:0]
    if rated.empty:
        return i18n.t("text.wl_no_showroom", lang)
    last12 = rated.tail(12)  # the months the table shows: the average and the best month are of these
    best = last12.loc[last12["close_rate"].idxmax()]
    return i18n.t("text.wl_showroom", lang, avg=format_percent(last12["close_rate"].mean(), lang),
                  month=format_month(best["month"], lang), rate=format_percent(best["close_rate"], lang))


def _read_sources(table: pd.DataFrame, lang: str, by: str | None) -> str:
    if table.empty:
        return i18n.t("text.wl_no_closed", lang)
    top = table.iloc[0]
    referral = float(table.loc[table["source"] == "referral", "share"].sum())
    if top["source"] == "referral":
        return i18n.t("text.wl_sources_referral", lang, share=format_percent(referral, lang))
    return i18n.t("text.wl_sources", lang, source=_label("source", top["source"], lang),
                  share=format_percent(top["share"], lang), referral=format_percent(referral, lang))


def _read_reps(mix: pd.DataFrame, lang: str, by: str | None) -> str:
    share = mix.set_index("performance")["share"]
    return i18n.t("text.wl_reps", lang, high=format_percent(share.get("high"), lang),
                  medium=format_percent(share.get("medium"), lang), low=format_percent(share.get("low"), lang),
                  reps=format_count(mix["reps"].sum(), lang))


def _read_addressable(table: pd.DataFrame, lang: str, by: str | None) -> str:
    if table.empty or table["recorded"].sum() == 0:
        return i18n.t("text.wl_no_losses", lang)
    top = table.dropna(subset=["sales_side_share"]).iloc[0]
    return i18n.t("text.wl_addressable", lang,
                  share=format_percent(table["sales_side"].sum() / table["recorded"].sum(), lang),
                  group=_label(by, top[by], lang), top=format_percent(top["sales_side_share"], lang),
                  none=format_percent(1 - table["recorded"].sum() / table["lost"].sum(), lang))


def _read_backtest(scores: dict, lang: str, by: str | None) -> str:
    if scores.get("inputs", 1) == 0:
        return i18n.t("text.wl_backtest_no_inputs", lang, inputs=i18n.join(i18n.header(FEATURES, lang), lang))
    brier, base = format_number(scores["brier"], lang, 3), format_number(scores["brier_base_rate"], lang, 3)
    # compared as shown: two scores that read the same are the same to the reader
    key = ("text.wl_backtest_same" if brier == base else
           "text.wl_backtest_better" if scores["brier"] < scores["brier_base_rate"] else "text.wl_backtest_worse")
    return i18n.t(key, lang, brier=brier, base=base, test=format_count(scores["test"], lang),
                  train=format_count(scores["train"], lang))


def _read_pipeline(scored: pd.DataFrame, lang: str, by: str | None) -> str:
    weighted = format_money(scored["weighted_amount"].sum(), lang) if "weighted_amount" in scored.columns else "–"
    return i18n.t("text.wl_pipeline", lang, deals=format_count(len(scored), lang),
                  wins=format_number(scored["probability"].sum(), lang), weighted=weighted)


_READERS = {
    "win_rates": _read_win_rates, "test": _read_test, "loss_table": _read_loss_table, "pareto": _read_pareto,
    "competitors": _read_competitors, "cycle": _read_cycle, "funnel": _read_funnel, "showroom": _read_showroom,
    "sources": _read_sources, "reps": _read_reps, "addressable": _read_addressable, "backtest": _read_backtest,
    "pipeline": _read_pipeline,
}
