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
from kamlib.classify.grades import LEVEL_QUANTILES, top_share
from kamlib.i18n import format_money

__all__ = ["grid_notes", "reading", "rule", "selection_notes", "stage_source",
           "weights_text", "with_strategies"]

def _pct(x: float) -> str:
    return "–" if x is None or pd.isna(x) else f"{x:.0%}"


def _counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.value_counts().items()}


def rule(kind: str, lang: str = "en", **values: object) -> str:
    """The rule a section applied, as one sentence (label ``text.cc_rule_<kind>``), in italics.

    Examples
    --------
    >>> rule("pareto", "en", value="revenue", a="80%", b="95%")
    '*Rule: accounts ranked by revenue; cumulative share up to 80% → A, up to 95% → B, the rest → C.*'
    """
    return f"*{i18n.t(f'text.cc_rule_{kind}', lang, **values)}*"


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
    c = _counts(table["abc_class"])
    label = i18n.header([value], lang)[0]
    return i18n.t("text.cc_read_pareto", lang, top=_pct(top), n=n, share=_pct(top_share(table, top)),
                  value=label.lower() if lang == "en" else label,
                  na=c.get("A", 0), nb=c.get("B", 0), nc=c.get("C", 0))


def _read_xy(table, lang):
    c = _counts(table["xy_class"])
    cells = table[table["check"] == "ok"].groupby(["purchase_level", "capacity_level"]).size()
    (x, y), n = (cells.idxmax(), cells.max()) if len(cells) else (("–", "–"), 0)
    return i18n.t("text.cc_read_xy", lang, na=c.get("A", 0), nb=c.get("B", 0), nc=c.get("C", 0), x=x, y=y, n=n,
                  errors=int((table["check"] == "x_above_y").sum()))


def _read_portfolio(table, lang):
    c = _counts(table["portfolio"])
    return i18n.t("text.cc_read_portfolio", lang, **{q: c.get(q, 0) for q in ("invest", "selective", "maintain",
                                                                               "harvest")})


def _read_profit(table, lang):
    y = table["cumulative_profit_share"]
    peak = int(y.to_numpy().argmax())
    return i18n.t("text.cc_read_profit", lang, peak=f"{y.iloc[peak]:.1%}", n=peak + 1,
                  loss=int((table["profit_segment"] == "loss_making").sum()), drag=f"{y.iloc[peak] - y.iloc[-1]:.1%}")


def _read_selection(table, lang):
    first = table.iloc[0]
    name = first.get("account_name", first["account_id"])
    weights = table.attrs.get("weights", {})
    points = {c: w * table[f"{c}_score"].head(10).sum() for c, w in weights.items()}
    best = max(points, key=points.get) if points else "volume"
    return i18n.t("text.cc_read_selection", lang, name=name, score=f"{first['ka_score']:.0f}",
                  criterion=i18n.t(best, lang))


def _read_whitespace(table, lang):
    total = table["headroom"].sum()
    demand = table["potential"].sum()
    return i18n.t("text.cc_read_whitespace", lang, total=format_money(total, lang),
                  top=_pct(table["headroom"].head(10).sum() / total if total else None),
                  wallet=_pct(table["current"].sum() / demand if demand else None))


def _read_man(table, lang):
    c = {str(k): int(v) for k, v in zip(table["man"], table["leads"])}
    n = sum(c.values())
    return i18n.t("text.cc_read_man", lang, ideal=c.get("MAN", 0), n=n, share=_pct(c.get("MAN", 0) / n if n else None),
                  stop=c.get("none", 0))


def _read_temperature(table, lang):
    c = _counts(table["temperature"])
    return i18n.t("text.cc_read_temperature", lang, hot=c.get("hot", 0), promising=c.get("promising", 0),
                  overdue=int(table["overdue"].fillna(False).sum()), n=len(table))


def _read_stages(table, lang):
    total = table.groupby("relationship_stage", observed=False)["accounts"].sum()
    share = total / max(total.sum(), 1)
    top = share.idxmax()
    return i18n.t("text.cc_read_stages", lang, stage=i18n.value_label("relationship_stage", top, lang),
                  share=_pct(share[top]), collab=_pct(share[["partnership", "synergistic"]].sum()),
                  uncoupling=_pct(share["uncoupling"]))


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
    return sep.join(f"{i18n.t(k, lang)} {_pct(w)}" for k, w in weights.items())


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
    notes = [rule("xy", lang, source=source, vip="A")]
    if graded.attrs.get("derived"):
        quantiles = ", ".join(f"{q:.0%}" for q in LEVEL_QUANTILES)
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
    found = "; ".join(f"{i18n.t(k, lang)} ← {v}" for k, v in sources.items() if v)
    missing = [i18n.t(k, lang) for k, v in sources.items() if v is None]
    notes = [rule("selection", lang, weights=weights_text(scores.attrs["weights"], lang)),
             i18n.t("text.cc_selection_sources", lang, sources=found)]
    return notes + ([i18n.t("text.cc_selection_missing", lang, missing=", ".join(missing))] if missing else [])


def stage_source(stages: pd.DataFrame, lang: str = "en") -> str:
    """Where the relationship stages came from: the column, or the indicators that scored them.

    Examples
    --------
    >>> from kamlib.classify import relationship_stages
    >>> stage_source(relationship_stages(pd.DataFrame({"account_id": ["a"], "trust": [1.0]})), "en")
    'scored from trust: the mean of the indicators scaled 0–1, cut at 0.2/0.4/0.6/0.8'
    """
    if stages.attrs["source"] == "column":
        return i18n.t("text.cc_stage_column", lang)
    return i18n.t("text.cc_stage_indicators", lang, indicators=", ".join(stages.attrs["indicators"]),
                  thresholds="0.2/0.4/0.6/0.8")


def with_strategies(totals: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """*totals* per profit segment with the ``strategy`` each segment calls for, in *lang*.

    Examples
    --------
    >>> totals = pd.DataFrame({"profit_segment": ["loss_making"], "accounts": [3]})
    >>> with_strategies(totals, "en")["strategy"].str[:8].tolist()
    ['Analyse ']
    """
    return totals.assign(strategy=[i18n.t(f"profit_strategy.{s}", lang) for s in totals["profit_segment"]])
