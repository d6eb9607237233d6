"""Readings of the churn analysis: one generated sentence per result, and the at-risk
list with each signal's recommended response, in the report's language."""

from __future__ import annotations

import pandas as pd

from kamlib import i18n
from kamlib.churn.holdout import HoldoutComparison
from kamlib.churn.purchases import PurchaseParams, model_name
from kamlib.churn.signals import SIGNALS, signal_responses
from kamlib.i18n import format_count, format_money, format_number, format_percent

__all__ = ["at_risk", "clv_note", "fit_notes", "holdout_note", "holdout_table", "model_label", "one_time_note",
           "reading"]

_PARAMETERS = {"bgnbd": ("text.cc_bgnbd", ("r", "alpha", "a", "b")),
               "pareto_nbd": ("text.cc_paretonbd", ("r", "alpha", "s", "beta"))}


def model_label(params: PurchaseParams | str, lang: str = "en") -> str:
    """The model's name as shown: "BG/NBD" or "Pareto/NBD".

    Examples
    --------
    >>> model_label("pareto_nbd")
    'Pareto/NBD'
    """
    return i18n.t(f"churn_model.{model_name(params)}", lang)


def fit_notes(fit: PurchaseParams, lang: str = "en") -> list[str]:
    """The fitted parameters, and what it means for the reader when the fit did not converge.

    Examples
    --------
    >>> from kamlib.churn.bgnbd import BGNBDParams
    >>> fit_notes(BGNBDParams(0.5, 5.0, 0.8, 2.5, n_customers=300), "en")
    ['BG/NBD fit on 300 accounts: r = 0.5, α = 5, a = 0.8, b = 2.5.']
    >>> fit_notes(BGNBDParams(0.5, 5.0, 0.8, 2.5, n_customers=300, converged=False), "en")[1][:52]
    'The BG/NBD fit did not settle on one answer for thes'
    """
    key, names = _PARAMETERS[model_name(fit)]
    fitted = {name: format_number(getattr(fit, name), lang, significant=3) for name in names}
    notes = [i18n.t(key, lang, n=format_count(fit.n_customers, lang), **fitted)]
    if not fit.converged:
        notes.append(i18n.t("text.cc_fit_unsettled", lang, model=model_label(fit, lang)))
    return notes


def holdout_note(comparison: HoldoutComparison, lang: str = "en", *, min_repeaters: int = 30,
                 min_holdout_days: int = 91) -> str:
    """One paragraph: how the two models predicted the holdout and which is used, or why they were not compared.

    *min_repeaters* and *min_holdout_days* are the rules the comparison was run with
    (:func:`kamlib.churn.holdout.compare_models`), named when it fell back.

    Examples
    --------
    >>> import pandas as pd
    >>> from kamlib.churn.holdout import HoldoutComparison
    >>> day = pd.Timestamp("2025-12-31")
    >>> holdout_note(HoldoutComparison("bgnbd", "few_repeaters", day, day, 52.0, 40, 12), "en")
    'The two models could not be compared on a holdout: only 12 accounts bought again before it (at least 30 are needed). BG/NBD is used by default.'
    """
    model = model_label(comparison.chosen, lang)
    days = format_count(round((comparison.as_of - comparison.calibration_end).days), lang)
    if comparison.reason:
        return i18n.t(f"text.cc_holdout_{comparison.reason}", lang, model=model, days=days,
                      min_days=format_count(min_holdout_days, lang),
                      repeaters=format_count(comparison.n_repeaters, lang),
                      min_repeaters=format_count(min_repeaters, lang))
    scores = comparison.scores.set_index("model")
    figures = {m: format_number(scores.at[m, "predicted"], lang, 0) for m in scores.index}
    errors = {f"{m}_mae": format_number(scores.at[m, "mae"], lang, 2) for m in scores.index}
    result = i18n.t("text.cc_holdout_result", lang, end=str(comparison.calibration_end.date()),
                    n=format_count(comparison.n_compared or comparison.n_accounts, lang),
                    weeks=format_number(comparison.holdout_periods, lang, 0), as_of=str(comparison.as_of.date()),
                    actual=format_number(scores["actual"].iloc[0], lang, 0), winner=f"**{model}**", **figures,
                    **errors)
    unsettled = [i18n.t("text.cc_holdout_unsettled", lang, model=model_label(m, lang))
                 for m in scores.index if not scores.at[m, "converged"]]
    sample = [i18n.t("text.cc_holdout_sample", lang, n=format_count(comparison.n_compared, lang),
                     total=format_count(comparison.n_accounts, lang))
              ] if 0 < comparison.n_compared < comparison.n_accounts else []
    return i18n.join([result, *sample, *unsettled], lang, sentences=True)


def holdout_table(comparison: HoldoutComparison) -> pd.DataFrame:
    """Mean holdout purchases per account, actual and predicted by each model, by earlier repeat purchases.

    Empty when the comparison fell back.

    Examples
    --------
    >>> import pandas as pd
    >>> from kamlib.churn.holdout import HoldoutComparison
    >>> day = pd.Timestamp("2025-12-31")
    >>> holdout_table(HoldoutComparison("bgnbd", "short_holdout", day, day, 1.0, 0, 0)).empty
    True
    """
    return comparison.buckets.round(2)


def one_time_note(fit: PurchaseParams, summary: pd.DataFrame, lang: str = "en") -> str:
    """The caveat on one-time buyers that goes wherever their probability of being active is shown.

    In BG/NBD an account without a repeat purchase is active with probability 1 by
    construction; in Pareto/NBD its probability rests on the time since that purchase alone.

    Examples
    --------
    >>> from kamlib.churn.bgnbd import BGNBDParams
    >>> s = pd.DataFrame({"frequency": [0, 0, 3]})
    >>> one_time_note(BGNBDParams(0.5, 5.0, 0.8, 2.5), s, "en")[:60]
    'Caution: 2 of the 3 accounts have bought only once. BG/NBD l'
    """
    once = int((summary["frequency"] == 0).sum())
    return i18n.t(f"text.cc_one_time_{model_name(fit)}", lang, n=format_count(once, lang),
                  total=format_count(len(summary), lang))


def clv_note(value: pd.DataFrame, lang: str = "en") -> str:
    """The accounts' total expected value (:func:`kamlib.churn.clv`) with the spend model's caveat.

    The caveat warns when frequency and spend per purchase correlate (|r| ≥ 0.3), which
    the Gamma-Gamma model assumes they do not.

    Examples
    --------
    >>> from kamlib.churn.bgnbd import GammaGammaParams
    >>> value = pd.DataFrame({"clv": [1200.0, 800.0]})
    >>> value.attrs.update(spend=GammaGammaParams(6.0, 4.0, 15.0, corr_frequency_monetary=0.1), horizon=52)
    >>> value.attrs["model"] = "pareto_nbd"
    >>> clv_note(value, "en")
    "Expected value of all accounts over the next 52 weeks (Pareto/NBD × Gamma-Gamma CLV): 2,000. The spend model's independence assumption holds (correlation of frequency and spend 0.10)."
    """
    corr = value.attrs["spend"].corr_frequency_monetary
    caveat = i18n.t("text.cc_clv_caution" if abs(corr) >= 0.3 else "text.cc_clv_ok", lang, corr=format_number(corr, lang, 2))
    total = i18n.t("text.cc_clv_model", lang, model=model_label(value.attrs.get("model", "bgnbd"), lang),
                   weeks=format_count(value.attrs["horizon"], lang), total=format_money(value["clv"].sum(), lang))
    return i18n.join([total, caveat], lang, sentences=True)


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
