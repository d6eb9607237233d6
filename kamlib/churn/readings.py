"""Readings of the churn analysis: one generated sentence per result, and the at-risk
list with each signal's recommended response, in the report's language."""

from __future__ import annotations

import pandas as pd

from kamlib import i18n
from kamlib.churn.signals import SIGNALS, signal_responses
from kamlib.i18n import format_money

__all__ = ["at_risk", "reading"]


def _pct(x: float) -> str:
    return "–" if x is None or pd.isna(x) else f"{x:.0%}"


def reading(kind: str, table: pd.DataFrame, *, lang: str = "en", **options: object) -> str:
    """One sentence reading a churn result, generated from its table.

    Parameters
    ----------
    kind : {"p_alive", "risk"}
        ``p_alive``: a table with a ``p_alive`` column (option ``below``, default 0.5);
        ``risk``: the output of :func:`kamlib.churn.churn_signals`.
    table : DataFrame
        The result to read.
    lang : {"en", "zh"}
    **options
        ``below`` (p_alive).

    Examples
    --------
    >>> reading("p_alive", pd.DataFrame({"p_alive": [0.2, 0.9, 0.95]}), lang="en").startswith("1 of 3")
    True
    """
    i18n.check_lang(lang)
    return _READERS[kind](table, lang, **options)


def _read_p_alive(table, lang, below=0.5):
    alive = table["p_alive"]
    low = int((alive < below).sum())
    return i18n.t("text.cc_read_p_alive", lang, low=low, n=len(alive), share=_pct(low / max(len(alive), 1)),
                  below=_pct(below), median=_pct(alive.median()))


def _read_risk(table, lang):
    if table.empty:
        return i18n.t("text.cc_no_risk", lang)
    fired = {s: int(table[s].fillna(False).sum()) for s in SIGNALS if s in table}
    return i18n.t("text.cc_read_risk", lang, n=len(table), revenue=format_money(table["revenue_at_risk"].sum(), lang),
                  signal=i18n.t(f"churn_signal.{max(fired, key=fired.get)}", lang))


_READERS = {"p_alive": _read_p_alive, "risk": _read_risk}


def at_risk(risk: pd.DataFrame, *, lang: str = "en", accounts: pd.DataFrame | None = None,
            top: int = 20) -> pd.DataFrame:
    """The first *top* accounts of :func:`kamlib.churn.churn_signals` with their signals and responses in *lang*.

    Returns
    -------
    DataFrame
        ``account_id`` (and ``account_name``), ``revenue_at_risk``, ``p_alive`` (when
        evaluated), ``signals`` (labels) and ``response`` (the recommended responses
        of :func:`kamlib.churn.signal_responses`, one per signal).

    Examples
    --------
    >>> risk = pd.DataFrame({"account_id": ["a"], "revenue_at_risk": [10.0], "signals": ["overdue, competitor"]})
    >>> at_risk(risk, lang="en")["signals"].iloc[0]
    'No purchase for longer than usual; Competitor mentioned in visit notes'
    """
    table = signal_responses(lang).set_index("signal")
    out = risk.head(top).copy()
    codes = out["signals"].fillna("").str.split(", ")
    out["signals"] = [("; ".join(table.loc[c, "label"] for c in cs if c in table.index)) for cs in codes]
    out["response"] = [(" ".join(table.loc[c, "response"] for c in cs if c in table.index)) for cs in codes]
    if accounts is not None and "account_name" in accounts:
        out = out.merge(accounts[["account_id", "account_name"]], on="account_id", how="left")
    keep = ["account_id", "account_name", "revenue_at_risk", "p_alive", "signals", "response"]
    return out[[c for c in keep if c in out.columns]].reset_index(drop=True)
