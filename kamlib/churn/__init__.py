"""Churn (客户流失): RFM summaries, BG/NBD and Pareto/NBD fits and their holdout comparison,
Gamma-Gamma spend, CLV and the churn warning signals.

Computations are re-exported here (``kamlib.churn.<name>``); the generated sentences
live in :mod:`kamlib.churn.readings`, the charts in :mod:`kamlib.churn.plots` and the
notebook's sections in :mod:`kamlib.churn.sections`.
"""

from kamlib.churn import holdout, plots, purchases, readings, sections
from kamlib.churn.bgnbd import (
    BGNBDParams,
    GammaGammaParams,
    bgnbd_fit,
    bgnbd_loglik,
    expected_purchases,
    expected_purchases_path,
    expected_spend,
    gamma_gamma_fit,
    gamma_gamma_loglik,
    p_alive,
    simulate_bgnbd,
)
from kamlib.churn.holdout import HoldoutComparison, compare_models
from kamlib.churn.paretonbd import (
    ParetoNBDParams,
    pareto_nbd_expected_purchases,
    pareto_nbd_fit,
    pareto_nbd_loglik,
    pareto_nbd_p_alive,
    simulate_pareto_nbd,
)
from kamlib.churn.signals import (
    SIGNALS,
    churn_signals,
    clv,
    rfm_summary,
    signal_responses,
)

__all__ = [
    "SIGNALS",
    "BGNBDParams",
    "GammaGammaParams",
    "HoldoutComparison",
    "ParetoNBDParams",
    "bgnbd_fit",
    "bgnbd_loglik",
    "churn_signals",
    "clv",
    "compare_models",
    "expected_purchases",
    "expected_purchases_path",
    "expected_spend",
    "gamma_gamma_fit",
    "gamma_gamma_loglik",
    "holdout",
    "p_alive",
    "pareto_nbd_expected_purchases",
    "pareto_nbd_fit",
    "pareto_nbd_loglik",
    "pareto_nbd_p_alive",
    "plots",
    "purchases",
    "readings",
    "rfm_summary",
    "sections",
    "signal_responses",
    "simulate_bgnbd",
    "simulate_pareto_nbd",
]
