"""Readings of the churn analysis: one generated sentence per result, and the at-risk
list with each signal's recommended response, in the report's language."""

from __future__ import annotations

import pandas as pd

from kamlib import i18n
from kamlib.churn.bgnbd import BGNBDParams
from kamlib.churn.signals import SIGNALS, signal_responses
from kamlib.i18n import format_count, format_money, format_number, format_percent

__all__ = ["at_risk", "clv_note", "fit_notes", "reading"]


def fit_notes(fit: BGNBDParams, lang: str = "en") -> list[str]:
    """The fitted BG/NBD parameters, and a warning when the optimiser did not converge.

    Examples
    --------
    >>> fit_notes(BGNBDParams(0.5, 5.0, 0.8, 2.5, n_customers=300), "en")
    ['BG/NBD fit on 300 accounts: r = 0.5, α = 5, a = 0.8, b = 2.5.']
    """
    fitted = {name: format_number(getattr(fit, name), lang, significant=3) for name in ("r", "alpha", "a", "b")}
    notes = [i18n.t("text.cc_bgnbd", lang, n=format_count(fit.n_customers, lang), **fitted)]
    if not fit.converged:
        notes.append(i18n.t("text.cc_bgnbd_no_convergence", lang, ll=format_number(fit.log_likelihood, lang, 1)))
    return notes


def clv_note(value: pd.DataFrame, lang: str = "en") -> str:
    """The accounts' total expected value (:func:`kamlib.churn.clv`) with the spend model's caveat.

    The caveat warns when frequency and spend per purchase correlate (|r| ≥ 0.3), which
    the Gamma-Gamma model assumes they do not.

    Examples
    --------
    >>> from kamlib.churn.bgnbd import GammaGammaParams
    >>> value = pd.DataFrame({"clv": [1200.0, 800.0]})
    >>> value.attrs["spend"] = GammaGammaParams(6.0, 4.0, 15.0, corr_frequency_monetary=0.1)
    >>> clv_note(value, "en")
    "Expected value of all accounts over the next 52 weeks (BG/NBD × Gamma-Gamma CLV): 2,000. The spend model's independence assumption holds (correlation of frequency and spend 0.10)."
    """
    corr = value.attrs["spend"].corr_frequency_monetary
    caveat = i18n.t("text.cc_clv_caution" if abs(corr) >= 0.3 else "text.cc_clv_ok", lang, corr=format_number(corr, lang, 2))
    return i18n.join([i18n.t("text.cc_clv", lang, total=format_money(value["clv"].sum(), lang)), caveat], lang,
                     sentences=True)


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
    return i18n.t("text.cc_read_p_alive", lang, low=format_count(low, lang), n=format_count(len(alive), lang),
                  share=format_percent(low / max(len(alive), 1), lang), below=format_percent(below, lang),
                  median=format_percent(alive.median(), lang))


def _read_risk(table, lang):
    if table.empty:
        return i18n.t("text.cc_no_risk", lang)
    fired = {s: int(table[s].fillna(False).sum()) for s in SIGNALS if s in table}
    return i18n.t("text.cc_read_risk_signal", lang, n=format_count(len(table), lang),
                  revenue=format_money(table["revenue_at_risk"].sum(), lang),
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
    out["signals"] = [i18n.join([table.loc[c, "label"] for c in cs if c in table.index], lang, clauses=True)
                      for cs in codes]
    out["response"] = [i18n.join([table.loc[c, "response"] for c in cs if c in table.index], lang, sentences=True)
                       for cs in codes]
    if accounts is not None and "account_name" in accounts:
        out = out.merge(accounts[["account_id", "account_name"]], on="account_id", how="left")
    keep = ["account_id", "account_name", "revenue_at_risk", "p_alive", "signals", "response"]
    return out[[c for c in keep if c in out.columns]].reset_index(drop=True)
