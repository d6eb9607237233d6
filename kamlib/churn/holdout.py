"""Choosing the purchase model by a holdout comparison, as the papers validate them.

Both models are fitted to the orders up to a calibration end; each then predicts every
account's repeat purchases in the holdout period that follows (up to ``as_of``), and the
predictions are compared with what the accounts actually bought: in total, per number
of repeat purchases in the calibration period (Fader, Hardie & Lee 2005a, figure 4) and
as the mean absolute error per account. The model with the smaller mean absolute error
is chosen. When the holdout is too short or too few accounts bought again in the
calibration period, the comparison says nothing useful and the default model is used,
with the reason recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamlib.churn.purchases import (
    MODELS,
    PurchaseParams,
    fit_model,
    model_name,
    purchases_path,
)
from kamlib.churn.signals import period_days, rfm_summary
from kamlib.errors import ConfigError, require_columns

__all__ = ["FALLBACK_REASONS", "MAX_ACCOUNTS", "HoldoutComparison", "compare_models"]

#: Why a comparison fell back to the default model (``HoldoutComparison.reason``; "" = it did not).
FALLBACK_REASONS = ("short_holdout", "short_calibration", "few_repeaters")
#: Most calibration accounts :func:`compare_models` fits and scores; above it, a seeded random sample of this many.
MAX_ACCOUNTS = 20_000


@dataclass(frozen=True)
class HoldoutComparison:
    """The result of :func:`compare_models`.

    Attributes
    ----------
    chosen : str
        The model to use: ``bgnbd`` or ``pareto_nbd``.
    reason : str
        ``""`` when *chosen* won the comparison, else one of :data:`FALLBACK_REASONS`.
    calibration_end, as_of : Timestamp
        The calibration period ends on *calibration_end*; the holdout runs to *as_of*.
    holdout_periods : float
        Length of the holdout in periods of the summary (weeks by default).
    n_accounts, n_repeaters : int
        Accounts with a purchase in the calibration period, and those among them with a
        repeat purchase there.
    n_compared : int
        Accounts the models were fitted to and scored on: all *n_accounts*, or a
        seeded random sample of them when there are more than ``max_accounts``
        (0 when the comparison fell back).
    scores : DataFrame
        One row per model: ``model, actual, predicted, total_error`` (predicted ÷ actual −
        1), ``mae`` (mean absolute error per account), ``log_likelihood, converged``.
        Empty when the comparison fell back.
    buckets : DataFrame
        Mean holdout purchases per account by calibration repeat purchases
        (``repeat_purchases`` "0", "1", … "7+"): ``accounts, actual`` and one column per model.
    fits : dict
        The calibration fits, by model.
    """

    chosen: str
    reason: str
    calibration_end: pd.Timestamp
    as_of: pd.Timestamp
    holdout_periods: float
    n_accounts: int
    n_repeaters: int
    n_compared: int = 0
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)
    buckets: pd.DataFrame = field(default_factory=pd.DataFrame)
    fits: dict[str, PurchaseParams] = field(default_factory=dict)


def compare_models(orders: pd.DataFrame, *, as_of: object, holdout: float = 52, freq: str = "W", grain: str = "D",
                   min_repeaters: int = 30, min_holdout_days: int = 91, top_bucket: int = 7,
                   default: str = "bgnbd", max_accounts: int = MAX_ACCOUNTS, seed: int = 0) -> HoldoutComparison:
    """Fit BG/NBD and Pareto/NBD on a calibration period and compare their holdout forecasts.

    Parameters
    ----------
    orders : DataFrame
        ``account_id, order_date, revenue``.
    as_of : date-like
        End of the holdout period (the analysis day).
    holdout : float, default 52
        Length of the holdout period in periods of *freq* (52 weeks = a year); the
        calibration period is every order before it.
    freq, grain : str
        As for :func:`kamlib.churn.rfm_summary`.
    min_repeaters : int, default 30
        Fewest accounts with a repeat purchase in the calibration period for the
        comparison to count.
    min_holdout_days : int, default 91
        Shortest holdout (and calibration period) in days for the comparison to count.
    top_bucket : int, default 7
        Calibration repeat purchases of the last bucket ("7+").
    default : {"bgnbd", "pareto_nbd"}, default "bgnbd"
        The model used when the comparison falls back, and on a tie.
    max_accounts : int, default 20,000
        Most accounts the models are fitted to and scored on: with more calibration
        accounts, a random sample of this many (drawn with *seed*) is compared, which
        ranks the two models as well at a fraction of the cost of two full fits.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng` for that sample.

    Returns
    -------
    HoldoutComparison

    Examples
    --------
    >>> import kamlib.data
    >>> result = compare_models(kamlib.data.load().table("orders"), as_of="2025-12-31")
    >>> result.chosen in MODELS, result.reason, result.scores["model"].tolist()
    (True, '', ['bgnbd', 'pareto_nbd'])
    >>> compare_models(kamlib.data.load().table("orders"), as_of="2025-12-31", holdout=4).reason
    'short_holdout'
    """
    require_columns(orders, ["account_id", "order_date", "revenue"], purpose="compare_models", table="orders")
    default = model_name(default)
    if not holdout > 0 or int(min_repeaters) != min_repeaters or min_repeaters < 1:
        raise ConfigError(f"compare_models: holdout must be > 0 periods and min_repeaters a whole number ≥ 1, but "
                          f"{holdout!r} and {min_repeaters!r} were passed.")
    if int(max_accounts) != max_accounts or max_accounts < 1:
        raise ConfigError(f"compare_models: max_accounts must be a whole number ≥ 1, but {max_accounts!r} was passed.")
    stamp = pd.Timestamp(as_of).normalize()
    end = (stamp - pd.Timedelta(days=holdout * period_days(freq))).normalize()
    calibration = rfm_summary(orders, as_of=end, freq=freq, grain=grain)
    length = (stamp - end) / pd.Timedelta(days=period_days(freq))
    base = {"calibration_end": end, "as_of": stamp, "holdout_periods": float(length),
            "n_accounts": len(calibration), "n_repeaters": int((calibration["frequency"] > 0).sum())}
    reason = _fallback(orders, end, stamp, base["n_repeaters"], min_repeaters, min_holdout_days)
    if reason:
        return HoldoutComparison(chosen=default, reason=reason, **base)
    calibration = _sample(calibration, int(max_accounts), seed)
    actual = _holdout_purchases(orders, calibration, end, stamp, grain)
    fits = {model: fit_model(model, calibration) for model in MODELS}
    predicted = {model: purchases_path(fits[model], calibration, [length])[:, 0] for model in MODELS}
    scores = pd.DataFrame([_score(model, fits[model], predicted[model], actual) for model in MODELS])
    best = scores.loc[scores["mae"].idxmin(), "model"]
    chosen = default if np.isclose(scores["mae"].min(), scores.set_index("model").at[default, "mae"]) else best
    return HoldoutComparison(chosen=chosen, reason="", scores=scores, fits=fits, n_compared=len(calibration),
                             buckets=_buckets(calibration["frequency"].to_numpy(), actual, predicted, top_bucket),
                             **base)


def _sample(calibration: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """*calibration* itself when it has at most *size* rows, else *size* rows drawn at random (order kept)."""
    if len(calibration) <= size:
        return calibration
    rows = np.sort(np.random.default_rng(seed).choice(len(calibration), size=size, replace=False))
    return calibration.iloc[rows].reset_index(drop=True)


def _fallback(orders: pd.DataFrame, end: pd.Timestamp, stamp: pd.Timestamp, repeaters: int, min_repeaters: int,
              min_days: int) -> str:
    """Why the comparison cannot be trusted ("" when it can)."""
    if (stamp - end).days < min_days:
        return "short_holdout"
    first = orders["order_date"].min()
    if pd.isna(first) or (end - first).days < min_days:
        return "short_calibration"
    return "few_repeaters" if repeaters < min_repeaters else ""


def _holdout_purchases(orders: pd.DataFrame, calibration: pd.DataFrame, end: pd.Timestamp, stamp: pd.Timestamp,
                       grain: str) -> np.ndarray:
    """Purchases (distinct *grain* periods) of each calibration account in ``(end, stamp]``."""
    inside = orders[(orders["order_date"] > end) & (orders["order_date"] <= stamp) & orders["revenue"].notna()]
    periods = pd.PeriodIndex(inside["order_date"], freq=grain)
    counts = pd.DataFrame({"account_id": inside["account_id"].to_numpy(), "period": periods.asi8})
    per_account = counts.drop_duplicates().groupby("account_id").size()
    return per_account.reindex(calibration["account_id"].astype(object), fill_value=0).to_numpy(dtype=float)


def _score(model: str, fit: PurchaseParams, predicted: np.ndarray, actual: np.ndarray) -> dict[str, object]:
    total = float(actual.sum())
    return {"model": model, "actual": total, "predicted": float(predicted.sum()),
            "total_error": float(predicted.sum() / total - 1) if total > 0 else np.nan,
            "mae": float(np.mean(np.abs(predicted - actual))),
            "log_likelihood": fit.log_likelihood, "converged": fit.converged}


def _buckets(frequency: np.ndarray, actual: np.ndarray, predicted: dict[str, np.ndarray], top: int) -> pd.DataFrame:
    """Mean holdout purchases per account by calibration repeat purchases, 0 … top−1 and "top+"."""
    bucket = np.minimum(frequency, top).astype(int)
    frame = pd.DataFrame({"bucket": bucket, "accounts": 1, "actual": actual, **predicted})
    out = frame.groupby("bucket").agg({"accounts": "sum", "actual": "mean", **{m: "mean" for m in predicted}})
    labels = [f"{b}+" if b == top else str(b) for b in out.index]
    return out.reset_index(drop=True).assign(repeat_purchases=labels)[["repeat_purchases", "accounts", "actual",
                                                                        *predicted]]
