"""One interface to the two purchase models: probability of being alive and expected purchases.

BG/NBD (:mod:`kamlib.churn.bgnbd`) and Pareto/NBD (:mod:`kamlib.churn.paretonbd`) answer
the same two questions from the same RFM summary; the functions here take either
model's fitted parameters and call the right formula, so that the churn sections, the
CLV and the churn signals work with whichever model the holdout comparison chose
(:mod:`kamlib.churn.holdout`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.churn.bgnbd import BGNBDParams, bgnbd_fit, expected_purchases_path, p_alive
from kamlib.churn.paretonbd import (
    ParetoNBDParams,
    pareto_nbd_expected_purchases_path,
    pareto_nbd_fit,
    pareto_nbd_p_alive,
)
from kamlib.errors import ConfigError

__all__ = ["MODELS", "PurchaseParams", "alive_probability", "fit_model", "model_name", "purchases_path"]

#: The purchase models, by code: BG/NBD and Pareto/NBD.
MODELS = ("bgnbd", "pareto_nbd")

PurchaseParams = BGNBDParams | ParetoNBDParams


def model_name(params: PurchaseParams | str) -> str:
    """The model's code (``bgnbd`` or ``pareto_nbd``) from its parameters or code.

    Examples
    --------
    >>> model_name(ParetoNBDParams(0.5, 5.0, 0.8, 10.0)), model_name("bgnbd")
    ('pareto_nbd', 'bgnbd')
    """
    if isinstance(params, str):
        if params not in MODELS:
            raise ConfigError(f"model must be one of {', '.join(map(repr, MODELS))}, but {params!r} was passed.")
        return params
    if isinstance(params, BGNBDParams):
        return "bgnbd"
    if isinstance(params, ParetoNBDParams):
        return "pareto_nbd"
    raise ConfigError(f"params must be BGNBDParams or ParetoNBDParams, but {type(params).__name__} was passed.")


def fit_model(model: str, summary: pd.DataFrame, start: PurchaseParams | None = None) -> PurchaseParams:
    """Fit the model named *model* (``bgnbd`` or ``pareto_nbd``) to an RFM summary.

    *start*, an earlier fit of the same model (say, on a calibration period or a
    sample), is where the Pareto/NBD search starts; the BG/NBD fit is quick and ignores it.

    Examples
    --------
    >>> from kamlib.churn.bgnbd import simulate_bgnbd
    >>> type(fit_model("pareto_nbd", simulate_bgnbd((0.5, 5.0, 0.8, 2.5), 300, seed=1))).__name__
    'ParetoNBDParams'
    """
    if model_name(model) == "bgnbd":
        return bgnbd_fit(summary)
    return pareto_nbd_fit(summary, start=start if isinstance(start, ParetoNBDParams) else None)


def alive_probability(params: PurchaseParams, summary: pd.DataFrame) -> pd.Series:
    """Each account's probability of still being active at ``T`` under the fitted model.

    BG/NBD: :func:`kamlib.churn.p_alive` (1 by construction without a repeat purchase);
    Pareto/NBD: :func:`kamlib.churn.pareto_nbd_p_alive`.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [38.86]})
    >>> float(alive_probability(BGNBDParams(0.243, 4.414, 0.793, 2.426), s).iloc[0])
    1.0
    >>> round(float(alive_probability(ParetoNBDParams(0.553, 10.578, 0.606, 11.669), s).iloc[0]), 3)
    0.295
    """
    if model_name(params) == "bgnbd":
        return p_alive(params, summary)
    return pareto_nbd_p_alive(params, summary)


def purchases_path(params: PurchaseParams, summary: pd.DataFrame, periods) -> np.ndarray:
    """Expected purchases in the next ``t`` periods for each ``t`` of *periods* (accounts × periods).

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    >>> purchases_path(BGNBDParams(0.243, 4.414, 0.793, 2.426), s, [39]).round(3).tolist()
    [[1.226]]
    """
    if model_name(params) == "bgnbd":
        return expected_purchases_path(params, summary, periods)
    return pareto_nbd_expected_purchases_path(params, summary, periods)
