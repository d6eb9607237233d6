"""Text behind notebook 02 (customer classification): the tables in scope and the day the
sections are computed for, the rule each section applied (with the notes that go with it)
and a one-sentence reading of each result, in English or Chinese.

Every sentence comes from ``labels.csv`` (``text.cc_*``) filled with figures from the
tables; nothing here computes a classification.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from kamlib import i18n
from kamlib.classify.grades import LEVEL_QUANTILES, VIP_CLASS, top_share
from kamlib.i18n import format_count, format_money, format_number, format_percent

__all__ = ["grid_notes", "profit_peak", "reading", "rule", "selection_notes", "source_text", "stage_source",
           "weights_text", "with_strategies"]


def _counts(series: pd.Series, lang: str) -> dict[str, str]:
    """How many rows hold each value of *series*, as counts are written (``1,234``)."""
    return {str(k): format_count(v, lang) for k, v in series.value_counts().items()}


def rule(kind: str, lang: str = "en", **values: object) -> str:
    """The rule a section applied, as one sentence (label ``text.cc_rule_<kind>``), in italics.

    Examples
    --------
    >>> rule("pareto", "en", value="revenue", a="80%", b="95%")
    '*Rule: accounts ranked by revenue; cumulative share up to 80% → A, up to 95% → B, the rest → C.*'
    """
    return i18n.rule(f"text.cc_rule_{kind}", lang, **values)


def reading(kind: str, table: pd.DataFrame, *, lang: str = "en", **options: object) -> str:
    """One sentence reading a section's result, generated from its table.

    Parameters
    ----------
    kind : str
        ``pareto, xy, portfolio, profit, selection, whitespace, man, temperature,
        stages``.
    table : DataFrame
        That section's :mod:`kamlib.classify` output.
    lang : {"en", "zh"}
    **options
        ``value`` (pareto), ``top`` (pareto share, default 0.2).

    Examples
    --------
    >>> from kamlib.classify import pareto_abc
    >>> p = pareto_abc(pd.DataFrame({"account_id": list("abcde"), "revenue": [60.0, 20, 10, 5, 5]}))
    >>> reading("pareto", p, lang="en")
    'The top 20% of accounts (1) bring 60% of revenue; 2 accounts are A, 2 B and 1 C.'
    """
    i18n.check_lang(lang)
    return _READERS[kind](table, lang, **options)


def _read_pareto(table, lang, value="revenue", top=0.2):
    n = max(1, math.ceil(top * len(table) - 1e-9))
    c = _counts(table["abc_class"], lang)
    label = i18n.header([value], lang)[0]
    return i18n.t("text.cc_read_pareto", lang, top=format_percent(top, lang), n=format_count(n, lang),
                  share=format_percent(top_share(table, top), lang), value=label.lower() if lang == "en" else label,
                  na=c.get("A", "0"), nb=c.get("B", "0"), nc=c.get("C", "0"))


def _read_xy(table, lang):
    c = _counts(table["xy_class"], lang)
    vip = table["xy_class"].astype("string").eq(VIP_CLASS).fillna(False).to_numpy(dtype=bool)
    cells = table[(table["check"] == "ok").to_numpy() & ~vip].groupby(["purchase_level", "capacity_level"]).size()
    (x, y), n = (cells.idxmax(), cells.max()) if len(cells) else (("–", "–"), 0)
    key = "text.cc_read_xy_vip" if vip.any() else "text.cc_read_xy"
    return i18n.t(key, lang, nv=c.get(VIP_CLASS, "0"), na=c.get("A", "0"), nb=c.get("B", "0"), nc=c.get("C", "0"),
                  x=x, y=y, n=format_count(n, lang), errors=format_count((table["check"] == "x_above_y").sum(), lang))


def _read_portfolio(table, lang):
    c = _counts(table["portfolio"], lang)
    return i18n.t("text.cc_read_portfolio", lang, **{q: c.get(q, "0") for q in ("invest", "selective", "maintain",
                                                                                 "harvest")})


def profit_peak(whale: pd.DataFrame, lang: str = "en") -> tuple[int, str]:
    """Where the whale curve peaks: how many accounts (most profitable first) and their share of the
    total profit, as the sentence and the chart's annotation both show it.

    Examples
    --------
    >>> profit_peak(pd.DataFrame({"cumulative_profit_share": [0.8, 1.005, 1.0]}), "zh")
    (2, '100.5%')
    """
    y = whale["cumulative_profit_share"]
    peak = int(y.to_numpy().argmax())
    return peak + 1, format_percent(y.iloc[peak], lang, 1)


def _read_profit(table, lang):
    y = table["cumulative_profit_share"]
    peak = int(y.to_numpy().argmax())
    n, share = profit_peak(table, lang)
    return i18n.t("text.cc_read_profit", lang, peak=share, n=format_count(n, lang),
                  loss=format_count((table["profit_segment"] == "loss_making").sum(), lang),
                  drag=format_percent(y.iloc[peak] - y.iloc[-1], lang, 1))


def _read_selection(table, lang):
    first = table.iloc[0]
    name = first.get("account_name", first["account_id"])
    weights = table.attrs.get("weights", {})
    points = {c: w * table[f"{c}_score"].head(10).sum() for c, w in weights.items()}
    best = max(points, key=points.get) if points else "volume"
    return i18n.t("text.cc_read_selection", lang, name=name, score=format_number(first["ka_score"], lang),
                  criterion=i18n.t(best, lang))


def _read_whitespace(table, lang):
    total = table["headroom"].sum()
    demand = table["potential"].sum()
    return i18n.t("text.cc_read_whitespace", lang, total=format_money(total, lang),
                  top=format_percent(table["headroom"].head(10).sum() / total if total else None, lang),
                  wallet=format_percent(table["current"].sum() / demand if demand else None, lang))


def _read_man(table, lang):
    c = {str(k): int(v) for k, v in zip(table["man"], table["leads"])}
    n = sum(c.values())
    return i18n.t("text.cc_read_man", lang, ideal=format_count(c.get("MAN", 0), lang), n=format_count(n, lang),
                  share=format_percent(c.get("MAN", 0) / n if n else None, lang),
                  stop=format_count(c.get("none", 0), lang))


def _read_temperature(table, lang):
    c = _counts(table["temperature"], lang)
    return i18n.t("text.cc_read_temperature", lang, hot=c.get("hot", "0"), promising=c.get("promising", "0"),
                  overdue=format_count(table["overdue"].fillna(False).sum(), lang), n=format_count(len(table), lang))


def _read_stages(table, lang):
    total = table.groupby("relationship_stage", observed=False)["accounts"].sum()
    share = total / max(total.sum(), 1)
    top = share.idxmax()
    return i18n.t("text.cc_read_stages", lang, stage=i18n.value_label("relationship_stage", top, lang),
                  share=format_percent(share[top], lang),
                  collab=format_percent(share[["partnership", "synergistic"]].sum(), lang),
                  uncoupling=format_percent(share["uncoupling"], lang))


_READERS = {"pareto": _read_pareto, "xy": _read_xy, "portfolio": _read_portfolio, "profit": _read_profit,
            "selection": _read_selection, "whitespace": _read_whitespace, "man": _read_man,
            "temperature": _read_temperature, "stages": _read_stages}


def weights_text(weights: Mapping[str, float], lang: str = "en") -> str:
    """``Purchase volume 20%, …`` for the rule sentence.

    Examples
    --------
    >>> weights_text({"volume": 0.5, "partnership": 0.5}, "zh")
    '采购量 50%，长期合作意愿 50%'
    """
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{i18n.t(k, lang)} {format_percent(w, lang)}" for k, w in weights.items())


def grid_notes(graded: pd.DataFrame, lang: str = "en", *, grid: str | None = None,
               as_of: object = None) -> list[str]:
    """The rule of the purchase-state grid, and how X and Y were derived when they were.

    Parameters
    ----------
    graded : DataFrame
        :func:`kamlib.classify.xy_grade` output (``attrs["derived"]``).
    lang : {"en", "zh"}
    grid : str, optional
        The grid file used; None = the default grid.
    as_of : date-like, optional
        End of the 12 months X was derived from.

    Examples
    --------
    >>> graded = pd.DataFrame({"xy_class": ["A"]})
    >>> graded.attrs["derived"] = True
    >>> [note[:22] for note in grid_notes(graded, "en", as_of="2025-12-31")]
    ['*Rule: X = current pur', 'X and Y were derived: ']
    """
    source = grid or i18n.t("text.cc_grid_default", lang)
    notes = [rule("xy_vip", lang, source=source, vip=i18n.value_label("abc_class", VIP_CLASS, lang))]
    if graded.attrs.get("derived"):
        quantiles = i18n.join([format_percent(q, lang) for q in LEVEL_QUANTILES], lang)
        notes.append(i18n.t("text.cc_levels_derived", lang, as_of=as_of, quantiles=quantiles))
    return notes


def selection_notes(scores: pd.DataFrame, lang: str = "en") -> list[str]:
    """The rule of the selection score, where each criterion came from and which are missing.

    Examples
    --------
    >>> scores = pd.DataFrame({"account_id": ["a"]})
    >>> scores.attrs.update(weights={"volume": 1.0}, sources={"volume": "orders: revenue", "partnership": None})
    >>> selection_notes(scores, "en")[1:]
    ['Where each criterion comes from: Purchase volume ← orders: revenue.', 'Not in the data and left out (weights renormalised): Wish for partnership.']
    """
    sources = scores.attrs["sources"]
    found = i18n.join([f"{i18n.t(k, lang)} ← {source_text(v, lang)}" for k, v in sources.items() if v], lang,
                      clauses=True)
    missing = [i18n.t(k, lang) for k, v in sources.items() if v is None]
    notes = [rule("selection", lang, weights=weights_text(scores.attrs["weights"], lang)),
             i18n.t("text.cc_selection_sources", lang, sources=found)]
    return notes + ([i18n.t("text.cc_selection_missing", lang, missing=i18n.join(missing, lang))] if missing else [])


#: What :func:`kamlib.classify.selection_criteria` says a criterion came from, and its label.
SOURCE_LABELS = {
    "orders: revenue": "selection_source.revenue",
    "orders × products: revenue, high-margin weighted": "selection_source.margin_weighted",
    "orders: revenue per order": "selection_source.revenue_per_order",
    "visits: count": "selection_source.visits",
    "orders × products: mean discount": "selection_source.discount",
}


def source_text(source: str, lang: str = "en") -> str:
    """Where a selection criterion came from, in *lang*: a derivation, or the column it was read from.

    Examples
    --------
    >>> source_text("orders: revenue per order", "zh"), source_text("accounts.relationship_stage", "zh")
    ('订单：每笔订单的平均销售额', '客户表：关系阶段')
    >>> source_text("somewhere else", "zh")
    'somewhere else'
    """
    if source in SOURCE_LABELS:
        return i18n.t(SOURCE_LABELS[source], lang)
    table, _, column = source.partition(".")
    if column and i18n.has(f"table.{table}"):
        return i18n.t("text.column_of", lang, table=i18n.t(f"table.{table}", lang), column=i18n.header([column], lang)[0])
    return source


def stage_source(stages: pd.DataFrame, lang: str = "en") -> str:
    """Where the relationship stages came from: the column, or the indicators that scored them.

    Examples
    --------
    >>> from kamlib.classify import relationship_stages
    >>> stage_source(relationship_stages(pd.DataFrame({"account_id": ["a"], "trust": [1.0]})), "en")
    'scored from trust: the mean of the indicators scaled 0–1, cut at 0.2/0.4/0.6/0.8'
    >>> stage_source(relationship_stages(pd.DataFrame({"account_id": ["a"], "trust": [1.0]}),
    ...                                  thresholds=(0.1, 0.3, 0.5, 0.75)), "en")[-19:]
    'at 0.1/0.3/0.5/0.75'
    """
    if stages.attrs["source"] == "column":
        return i18n.t("text.cc_stage_read_from", lang, column=source_text("accounts.relationship_stage", lang))
    names = i18n.header(stages.attrs["indicators"], lang)
    cuts = "/".join(format_number(x, lang, significant=3) for x in stages.attrs["thresholds"])
    return i18n.t("text.cc_stage_indicators", lang, thresholds=cuts,
                  indicators=i18n.join([n.lower() for n in names] if lang == "en" else names, lang))


def with_strategies(totals: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """*totals* per profit segment with the ``strategy`` each segment calls for, in *lang*.

    Examples
    --------
    >>> totals = pd.DataFrame({"profit_segment": ["loss_making"], "accounts": [3]})
    >>> with_strategies(totals, "en")["strategy"].str[:8].tolist()
    ['Analyse ']
    """
    return totals.assign(strategy=[i18n.t(f"profit_strategy.{s}", lang) for s in totals["profit_segment"]])
