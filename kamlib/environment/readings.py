"""Readings of the environment analysis: one generated sentence per section, in the report's
language (the closing "what this means" lists them, see :mod:`kamlib.environment.sections`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from kamlib import i18n
from kamlib.environment.analysis import (
    BCG_QUADRANTS,
    OBJECTIVE_KINDS,
    SWOT_KINDS,
    target_units,
)
from kamlib.errors import ConfigError
from kamlib.i18n import format_count

__all__ = ["objective_targets", "reading"]


def _pct(x: float, lang: str) -> str:
    """A share in a sentence: whole percent, a decimal below 10 % (:func:`kamlib.i18n.format_percent`)."""
    return i18n.format_percent(x, lang, decimals=None)


def _mid_sentence(label: str, lang: str) -> str:
    """An English label lower-cased for use inside a sentence ("a cash cow")."""
    return label.lower() if lang == "en" else label


def _names(values: Sequence[Any], group: str, lang: str, limit: int = 3) -> str:
    return i18n.join([i18n.value_label(group, v, lang) for v in list(values)[:limit]], lang)


def reading(section: str, table: pd.DataFrame, *, lang: str = "en", by: str = "region") -> str:
    """One sentence reading a section's table, in *lang*, for under its chart.

    Parameters
    ----------
    section : {"market", "bcg", "ansoff", "swot", "coverage", "risk", "objectives"}
        Which table *table* is (the output of the matching function of this module;
        ``market`` is :func:`bcg_matrix` too, read for shares).
    table : DataFrame
        The section's table.
    lang : {"en", "zh"}
        Language.
    by : str, default "region"
        The grouping column of a ``market`` / ``bcg`` table.

    Returns
    -------
    str
        A sentence (Markdown), empty when the table is empty.

    Examples
    --------
    >>> factors = pd.DataFrame({"statement": ["x"], "kind": ["T"], "impact": [5], "probability": [0.9]})
    >>> from kamlib.environment import risk_matrix
    >>> reading("risk", risk_matrix(factors), lang="en")
    '1 of 1 opportunities and threats need action now (high impact; likely); the first: x.'
    """
    i18n.check_lang(lang)
    readers = {"market": _read_market, "bcg": _read_bcg, "ansoff": _read_ansoff, "swot": _read_swot,
               "coverage": _read_coverage, "risk": _read_risk, "objectives": _read_objectives}
    if section not in readers:
        raise ConfigError(f"reading: section must be one of {', '.join(readers)}, but {section!r} was passed.")
    return "" if table.empty else readers[section](table, lang, by)


def _read_market(table: pd.DataFrame, lang: str, by: str) -> str:
    top = table.sort_values("market_share", ascending=False).iloc[0]
    return i18n.t("text.env_market_reading", lang, name=i18n.value_label(by, top[by], lang),
                  share=_pct(top["market_share"], lang), total=_pct(table["our_sales"].sum() / table["market_size"].sum(), lang))


def _read_bcg(table: pd.DataFrame, lang: str, by: str) -> str:
    counts = table["quadrant"].value_counts()
    parts = [f"{i18n.value_label('bcg', q, lang)} {format_count(counts.get(q, 0), lang)}" for q in BCG_QUADRANTS.values()]
    top = table.iloc[0]
    return i18n.t("text.env_bcg_reading", lang, counts=("，" if lang == "zh" else ", ").join(parts),
                  name=i18n.value_label(by, top[by], lang), quadrant=_mid_sentence(i18n.value_label("bcg", top["quadrant"], lang), lang))


def _read_ansoff(table: pd.DataFrame, lang: str, by: str) -> str:
    known = table[table["quadrant"] != "unknown"]
    top = known.sort_values("revenue", ascending=False).iloc[0]
    new = known.loc[known["quadrant"] != "market_penetration", "share"].sum()
    return i18n.t("text.env_ansoff_reading", lang, quadrant=i18n.value_label("ansoff", top["quadrant"], lang),
                  share=_pct(top["share"] if pd.notna(top["share"]) else 0, lang),
                  new=_pct(new if pd.notna(new) else 0, lang))


def _read_swot(table: pd.DataFrame, lang: str, by: str) -> str:
    counts = table["kind"].value_counts()
    parts = {k: format_count(counts.get(k, 0), lang) for k in SWOT_KINDS}
    return i18n.t("text.env_swot_reading", lang, **parts)


def _read_coverage(table: pd.DataFrame, lang: str, by: str) -> str:
    empty = table[table["coverage"] == "empty"]["category"].tolist()
    if not empty:
        return i18n.t("text.env_coverage_full", lang, n=format_count(len(table), lang))
    return i18n.t("text.env_coverage_reading", lang, covered=format_count(len(table) - len(empty), lang),
                  n=format_count(len(table), lang), empty=_names(empty, "category", lang, limit=len(empty)))


def _read_risk(table: pd.DataFrame, lang: str, by: str) -> str:
    act = table[table["quadrant"] == "act_now"].sort_values("score", ascending=False)
    if act.empty:
        return i18n.t("text.env_risk_none", lang, n=format_count(len(table), lang))
    return i18n.t("text.env_risk_first", lang, act=format_count(len(act), lang), n=format_count(len(table), lang),
                  first=str(act.iloc[0]["statement"]).rstrip("。.；;"))


def _read_objectives(table: pd.DataFrame, lang: str, by: str) -> str:
    goals = table.drop_duplicates("goal")
    flawed = table.loc[table["issue"] != "ok", "goal"].drop_duplicates()
    missing = [k for k in OBJECTIVE_KINDS if k not in set(goals["kind"].dropna())]
    text = i18n.t("text.env_objectives_reading", lang, bad=format_count(len(flawed), lang), n=format_count(len(goals), lang))
    if missing:
        kinds = i18n.t("text.env_objectives_missing", lang, kinds=_names(missing, "objective_kind", lang, 5))
        text = i18n.join([text, kinds], lang, sentences=True)
    return text


def objective_targets(objectives: pd.DataFrame, lang: str = "en") -> list[str]:
    """Each objective's target as a reader says it (:func:`kamlib.environment.target_units`).

    A share written as a fraction and a target in percent read as percentages with
    the digits written (``0.23`` → ``23%``, ``5`` with unit ``%`` → ``5%``), sales targets as money
    (``850M`` / ``8.50亿``), anything else as a number; no target is ``–``.

    Examples
    --------
    >>> objectives = pd.DataFrame({"metric": ["market_share", "overdue_rate", "revenue", "new_accounts", "revenue"],
    ...                            "target": [0.23, 5, 8.5e8, 30, None], "unit": [None, "%", "CNY", None, None]})
    >>> objective_targets(objectives, "zh")
    ['23%', '5%', '8.50亿', '30', '–']
    """
    def percent(points: float) -> str:  # as written: 5%, 12.5%, 120%
        return i18n.format_number(points, lang, significant=4) + "%"

    shown = {
        "share": lambda x: percent(x * 100),
        "percent": percent,
        "money": lambda x: i18n.format_money(x, lang),
        "number": lambda x: i18n.format_number(x, lang, significant=6),
    }
    return [shown[kind](target) if pd.notna(target) else "–"
            for kind, target in zip(target_units(objectives), objectives["target"])]
