"""BG/NBD purchase model and Gamma-Gamma spend model: likelihoods, fits, predictions.

The statistical core behind :mod:`kamlib.churn`. Every function works on an RFM
summary (one row per account, the columns ``frequency``, ``recency``, ``T`` and
``monetary_value`` of :func:`kamlib.churn.rfm_summary`) and keeps times in the
summary's period unit (weeks for ``freq="W"``), so ``alpha`` is in that unit too.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005a). "Counting your customers" the
easy way: an alternative to the Pareto/NBD model. *Marketing Science* 24(2), 275-284.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005b). RFM and CLV: using iso-value
curves for customer base analysis. *Journal of Marketing Research* 42(4), 415-430.

Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaincinv, digamma, expit, gammaln, hyp2f1

from kamlib.errors import DataError

__all__ = [
    "BGNBDParams",
    "GammaGammaParams",
    "SummaryFit",
    "bgnbd_fit",
    "bgnbd_loglik",
    "expected_purchases",
    "expected_purchases_path",
    "expected_spend",
    "fit_summary",
    "gamma_gamma_fit",
    "gamma_gamma_loglik",
    "maximise",
    "p_alive",
    "rfm_arrays",
    "simulate_bgnbd",
    "weighted_unique",
]

_STARTS = ((0.0, 0.0, 0.0, 0.0), (-1.0, 0.0, -0.5, 0.5), (0.5, 1.0, 1.0, 2.0))  # log r, alpha, a, b
_LOG_BOUND = 15.0
_HYP2F1_MAX = 1e3  # a + b above this: 2F1 parameters too large for scipy.special.hyp2f1; quadrature instead
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(32)  # optimiser box on log-parameters: parameters within e^±15 (of the scaled data)


@dataclass(frozen=True)
class BGNBDParams:
    """Maximum-likelihood BG/NBD parameters (times in the summary's period unit).

    Attributes
    ----------
    r, alpha : float
        Gamma shape and rate of the purchase rate λ across accounts (mean r/alpha
        purchases per period while alive).
    a, b : float
        Beta parameters of the drop-out probability p after each purchase (mean a/(a+b)).
    log_likelihood : float
        Log-likelihood at the estimate (FHL 2005a, eq. 6, summed over accounts).
    n_customers : int
        Accounts the fit used.
    converged : bool
        Whether the optimiser reported convergence.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    n_customers: int = 0
    converged: bool = True


@dataclass(frozen=True)
class GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma spend parameters.

    Attributes
    ----------
    p : float
        Shape of the spend of one transaction given the account's scale ν.
    q, v : float
        Shape and rate of ν across accounts; mean spend per transaction is
        p·v/(q − 1) (finite when q > 1).
    log_likelihood : float
        Log-likelihood at the estimate.
    n_customers : int
        Accounts used: frequency > 0 and monetary value > 0.
    corr_frequency_monetary : float
        Pearson correlation of frequency and monetary value over those accounts: the
        model assumes spend independent of frequency, so this should be near 0.
    converged : bool
        Whether the optimiser reported convergence.
    """

    p: float
    q: float
    v: float
    log_likelihood: float = float("nan")
    n_customers: int = 0
    corr_frequency_monetary: float = float("nan")
    converged: bool = True


# --------------------------------------------------------------------------- input
def rfm_arrays(summary: pd.DataFrame, purpose: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``x, t_x, T`` as float arrays after checking the summary columns."""
    missing = [c for c in ("frequency", "recency", "T") if c not in summary.columns]
    if missing:
        raise DataError(
            f"{purpose}: the summary has no column {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(map(str, summary.columns))}). Build it with kamlib.churn.rfm_summary.",
            column=missing[0], code="missing_column",
        )
    x, t_x, T = (summary[c].to_numpy(dtype=float, na_value=np.nan) for c in ("frequency", "recency", "T"))
    bad = ~(np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T) & (x >= 0) & (x == np.round(x))
            & (t_x >= 0) & (t_x <= T) & ((x > 0) | (t_x == 0)))
    if bad.any():
        rows = np.flatnonzero(bad)[:5]
        shown = "; ".join(f"row {i}: frequency={x[i]}, recency={t_x[i]}, T={T[i]}" for i in rows)
        raise DataError(
            f"{purpose}: {bad.sum()} summary rows are not valid RFM values ({shown}); expected a whole "
            "frequency ≥ 0 and 0 ≤ recency ≤ T, with recency 0 when frequency is 0. "
            "Build the summary with kamlib.churn.rfm_summary.",
            column="frequency", rows=rows.tolist(), code="bad_rfm",
        )
    return x, t_x, T


def weighted_unique(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of the stacked *columns*, how often each occurs, and the inverse index.

    Each column is factorised on its own and the codes are combined into one integer
    key, which is much faster than ``np.unique(..., axis=0)`` on floats.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column)
        key = key * len(uniques) + codes
    _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return [np.asarray(c)[first] for c in columns], counts.astype(float), inverse.ravel()


def maximise(objective, start: np.ndarray) -> tuple[np.ndarray, bool]:
    """Minimise ``objective(theta) -> (value, gradient)`` from *start* in the box."""
    res = minimize(objective, start, jac=True, method="L-BFGS-B",
                   bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(start),
                   options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8})
    return res.x, bool(res.success)


@dataclass(frozen=True)
class SummaryFit:
    """A maximum-likelihood fit of a purchase model on an RFM summary (see :func:`fit_summary`).

    ``params`` are the model's four parameters with times in units of ``scale`` periods;
    ``data`` is ``(x, t_x, T, weights)`` of the distinct rows, in periods.
    """

    params: np.ndarray
    scale: float
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    converged: bool
    n_customers: int


def fit_summary(summary: pd.DataFrame, purpose: str, objective: Any, starts: Any, start: Any = None) -> SummaryFit:
    """Fit a four-parameter purchase model (BG/NBD, Pareto/NBD) to an RFM summary.

    Repeated rows are grouped, times are divided by the median ``T`` during the search,
    and ``objective(theta, x, t_x, T, weights, by_x) -> (value, gradient)`` is minimised
    over log-parameters from each start in turn until one converges; the best is kept.
    *start*, when given, maps the time scale to log-parameters tried before *starts*.

    Examples
    --------
    >>> s = simulate_bgnbd(BGNBDParams(r=0.5, alpha=5.0, a=0.8, b=2.5), 500, T=52, seed=2)
    >>> fit = fit_summary(s, "demo", _bgnbd_objective, _STARTS)
    >>> fit.n_customers, len(fit.params), fit.scale
    (500, 4, 52.0)
    """
    x, t_x, T = rfm_arrays(summary, purpose)
    if len(x) == 0:
        raise DataError(f"{purpose}: the summary has no rows; it needs accounts with orders.", code="empty")
    (ux, ut, uT), w, _ = weighted_unique(x, t_x, T)
    scale = float(np.median(uT[uT > 0])) if (uT > 0).any() else 1.0
    args = (ux, ut / scale, uT / scale, w, np.unique(ux, return_inverse=True))
    if start is not None:
        starts = (tuple(start(scale)), *starts)
    best = None
    for begin in starts:  # the next start only when the previous one did not converge
        theta, ok = maximise(lambda th: objective(th, *args), np.array(begin))
        value = objective(theta, *args)[0]
        if best is None or value < best[0]:
            best = (value, theta, ok)
        if ok:
            break
    return SummaryFit(np.exp(best[1]), scale, (ux, ut, uT, w), best[2], len(x))


# --------------------------------------------------------------------------- BG/NBD
def _bgnbd_terms(r, alpha, a, b, x, t_x, T, by_x=None):
    """Log pieces of the BG/NBD likelihood: ``ln A1``, alive term, drop-out-at-t_x term.

    *by_x* = ``(unique x, inverse index)`` lets functions of x alone be evaluated once
    per distinct frequency (a few hundred values) instead of once per account.
    """
    ux, inv = by_x if by_x is not None else (x, slice(None))
    lg_bx = gammaln(b + ux)
    ln_a1 = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha))[inv]
    ln_alive_b = (lg_bx - gammaln(a + b + ux))[inv] + gammaln(a + b) - gammaln(b)  # B(a, b+x)/B(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        # B(a+1, b+x-1)/B(a, b) = B(a, b+x)/B(a, b) · a/(b+x-1)
        ln_dead_b = ln_alive_b + np.where(x > 0, np.log(a) - np.log(b + x - 1), -np.inf)
    rx = r + x
    return ln_a1, ln_alive_b - rx * np.log(alpha + T), ln_dead_b - rx * np.log(alpha + t_x)


def bgnbd_loglik(params: BGNBDParams | tuple, x, t_x, T, weights=None) -> float:
    """Log-likelihood of the BG/NBD model (FHL 2005a, eq. 6), computed in log space.

    Parameters
    ----------
    params : BGNBDParams or tuple
        ``(r, alpha, a, b)``.
    x, t_x, T : array-like
        Repeat purchases, time of the last purchase and of the end of observation,
        both measured from the account's first purchase.
    weights : array-like, optional
        How many accounts share each ``(x, t_x, T)``; default 1 each.

    Returns
    -------
    float

    Notes
    -----
    ``L = B(a, b+x)/B(a, b) · Γ(r+x)α^r / (Γ(r)(α+T)^(r+x))
    + [x > 0] · B(a+1, b+x−1)/B(a, b) · Γ(r+x)α^r / (Γ(r)(α+t_x)^(r+x))``; the two
    terms are added with ``logaddexp`` so frequencies in the hundreds do not overflow.

    Examples
    --------
    >>> round(bgnbd_loglik((0.243, 4.414, 0.793, 2.426), [2], [30.43], [38.86]), 4)
    -9.4586
    """
    r, alpha, a, b = _bgnbd_tuple(params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    a1, alive, dead = _bgnbd_terms(r, alpha, a, b, x, t_x, T)
    ll = a1 + np.logaddexp(alive, dead)
    return float(np.sum(ll if weights is None else np.asarray(weights, dtype=float) * ll))


def _bgnbd_tuple(params: BGNBDParams | tuple) -> tuple[float, float, float, float]:
    if isinstance(params, BGNBDParams):
        return params.r, params.alpha, params.a, params.b
    r, alpha, a, b = (float(v) for v in params)
    return r, alpha, a, b


def _bgnbd_objective(theta, x, t_x, T, w, by_x):
    """Negative log-likelihood and its gradient in the log-parameters."""
    r, alpha, a, b = np.exp(theta)
    ln_a1, alive, dead = _bgnbd_terms(r, alpha, a, b, x, t_x, T, by_x)
    total = np.logaddexp(alive, dead)
    s_alive = np.exp(alive - total)
    s_dead = 1.0 - s_alive
    ux, inv = by_x
    with np.errstate(divide="ignore"):
        inv_bx1 = np.where(x > 0, 1.0 / (b + x - 1), 0.0)
    log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
    d_r = (digamma(r + ux) - digamma(r))[inv] + np.log(alpha) - s_alive * log_at - s_dead * log_atx
    d_alpha = r / alpha - (r + x) * (s_alive / (alpha + T) + s_dead / (alpha + t_x))
    common = (digamma(a + b) - digamma(a + b + ux))[inv]
    d_a = common + s_dead / a
    # ψ(b+x-1) = ψ(b+x) - 1/(b+x-1)
    d_b = common - digamma(b) + digamma(b + ux)[inv] - s_dead * inv_bx1
    grad = np.array([np.sum(w * d) for d in (d_r, d_alpha, d_a, d_b)]) * np.exp(theta)
    return -float(np.sum(w * (ln_a1 + total))), -grad


def bgnbd_fit(summary: pd.DataFrame) -> BGNBDParams:
    """Fit the BG/NBD model by maximum likelihood (Fader, Hardie & Lee 2005a).

    Parameters
    ----------
    summary : DataFrame
        One row per account with ``frequency``, ``recency`` and ``T``
        (:func:`kamlib.churn.rfm_summary`).

    Returns
    -------
    BGNBDParams
        ``r, alpha, a, b``, the log-likelihood, the number of accounts and whether the
        optimiser converged.

    Raises
    ------
    DataError
        When a column is missing or a row is not a valid RFM triple.

    Notes
    -----
    Accounts are grouped by identical ``(frequency, recency, T)`` and weighted, so
    the cost grows with the number of distinct triples, not of accounts. Times are
    divided by the median ``T`` during the search (so ``alpha`` starts near 1) and the
    search runs over log-parameters with the analytic gradient (L-BFGS-B, parameters
    bounded to e^±15); if it does not converge, two more starting
    points are tried and the best result is kept.

    Examples
    --------
    >>> true = BGNBDParams(r=0.5, alpha=5.0, a=0.8, b=2.5)
    >>> fit = bgnbd_fit(simulate_bgnbd(true, 2000, T=52, seed=1))
    >>> fit.converged, fit.n_customers, 0.3 < fit.r < 0.8
    (True, 2000, True)
    """
    fit = fit_summary(summary, "bgnbd_fit", _bgnbd_objective, _STARTS)
    r, alpha, a, b = fit.params
    alpha *= fit.scale
    return BGNBDParams(float(r), float(alpha), float(a), float(b),
                       log_likelihood=bgnbd_loglik((r, alpha, a, b), *fit.data),
                       n_customers=fit.n_customers, converged=fit.converged)


def p_alive(params: BGNBDParams, summary: pd.DataFrame) -> pd.Series:
    """Probability that each account is still active at ``T`` (FHL 2005a; Hardie note 021).

    Parameters
    ----------
    params : BGNBDParams
        Fitted parameters, in the summary's period unit.
    summary : DataFrame
        ``frequency``, ``recency``, ``T`` per account.

    Returns
    -------
    Series
        ``p_alive`` in [0, 1], aligned with *summary*'s index.

    Notes
    -----
    ``P(alive) = 1 / (1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``, evaluated as
    ``expit(−z)`` with ``z`` in log space. An account without repeat purchase is alive
    with probability 1 (in BG/NBD drop-out can only follow a purchase).

    Examples
    --------
    >>> cdnow = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> s = pd.DataFrame({"frequency": [0, 2, 2], "recency": [0.0, 30.43, 5.0], "T": [38.86] * 3})
    >>> p_alive(cdnow, s).round(3).tolist()
    [1.0, 0.727, 0.124]
    """
    x, t_x, T = rfm_arrays(summary, "p_alive")
    prob = expit(-_log_odds_dead(*_bgnbd_tuple(params), x, t_x, T))
    return pd.Series(prob, index=summary.index, name="p_alive")


def _log_odds_dead(r, alpha, a, b, x, t_x, T):
    """``ln(P(dead)/P(alive))`` at T; -inf without repeat purchase."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, z, -np.inf)


def _alive_expectation_hyp2f1(r, alpha, a, b, x, T, t):
    """Purchases expected in ``(T, T+t]`` if alive: eq. 10's numerator, Euler-transformed."""
    if abs(a - 1.0) < 1e-6:  # removable singularity at a = 1: average the two sides
        return 0.5 * (_alive_expectation_hyp2f1(r, alpha, 1 - 1e-5, b, x, T, t)
                      + _alive_expectation_hyp2f1(r, alpha, 1 + 1e-5, b, x, T, t))
    z = t / (alpha + T + t)
    c = a + b + x - 1
    return (1.0 - np.exp((a - 1) * np.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, c, z)) * c / (a - 1)


def _alive_expectation_quadrature(r, alpha, a, b, x, T, t):
    """The same expectation as a Beta-quantile integral: ``E_p[(1 − ((α+T)/(α+T+pt))^(r+x)) / p]``.

    Given alive, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x) independently, and an
    active account buys ``(1 − e^(−λpt))/p`` times in expectation (FHL 2005a, section 3).
    Gauss-Legendre over the quantile u of p's Beta posterior.
    """
    u, weight = (_GL_NODES + 1) / 2, _GL_WEIGHTS / 2
    ux, inv = np.unique(x, return_inverse=True)
    p = betaincinv(a, b + ux[:, None], u[None, :])[inv]
    rate = ((r + x) / (alpha + T))[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = -np.expm1(-(r + x)[:, None] * np.log1p(p * t / (alpha + T)[:, None])) / p
    return np.where(p > 0, g, rate * t) @ weight


def _alive_expectation(r, alpha, a, b, x, T, t):
    """Purchases expected in ``(T, T+t]`` given alive, by 2F1 or, where that fails, by quadrature."""
    alive = _alive_expectation_hyp2f1(r, alpha, a, b, x, T, t) if a + b <= _HYP2F1_MAX else np.full(len(x), np.nan)
    bad = ~np.isfinite(alive)
    if bad.any():
        alive[bad] = _alive_expectation_quadrature(r, alpha, a, b, x[bad], T[bad], t)
    return alive


def expected_purchases_path(params: BGNBDParams, summary: pd.DataFrame, periods) -> np.ndarray:
    """:func:`expected_purchases` for several window lengths at once: array (accounts × periods).

    The eq. 10 bracket depends on ``(x, T)`` only, so it is computed once per distinct
    pair and window; ``P(alive)`` (which needs ``t_x``) multiplies it per account.
    """
    x, t_x, T = rfm_arrays(summary, "expected_purchases")
    periods = np.atleast_1d(np.asarray(periods, dtype=float))
    if not (np.isfinite(periods).all() and (periods > 0).all()):
        raise DataError(f"expected_purchases: periods must be positive numbers, but {periods.tolist()!r} was passed.",
                        code="bad_parameter")
    r, alpha, a, b = _bgnbd_tuple(params)
    (ux, uT), _, inverse = weighted_unique(x, T)
    alive = np.column_stack([_alive_expectation(r, alpha, a, b, ux, uT, t) for t in periods])
    return alive[inverse] * expit(-_log_odds_dead(r, alpha, a, b, x, t_x, T))[:, None]


def expected_purchases(params: BGNBDParams, summary: pd.DataFrame, periods: float) -> pd.Series:
    """Expected purchases of each account in the next *periods* (FHL 2005a, eq. 10).

    Parameters
    ----------
    params : BGNBDParams
        Fitted parameters, in the summary's period unit.
    summary : DataFrame
        ``frequency``, ``recency``, ``T`` per account.
    periods : float
        Length of the forecast window ``(T, T + periods]``, in periods (> 0).

    Returns
    -------
    Series
        ``expected_purchases`` aligned with *summary*'s index.

    Notes
    -----
    Eq. 10 is ``(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1;
    t/(α+T+t))] / (1 + [x>0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``. For large ``x`` the
    ₂F₁ diverges while the power in front vanishes, so it is evaluated through Euler's
    transformation ``₂F₁(A, B; C; z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z)``, which turns the
    bracket into ``1 − (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z)``: bounded parameters,
    ``0 ≤ z < 1``, no overflow. At ``a = 1`` the formula has a removable singularity; it
    is evaluated as the mean of ``a = 1 ± 1e−5``. When ``a + b > 1000`` (a nearly
    constant drop-out probability, where scipy's ₂F₁ loses accuracy or returns NaN) or
    ₂F₁ is not finite, the same expectation is computed as an integral over the Beta
    posterior of p (32-point Gauss-Legendre in its quantile).

    Examples
    --------
    The paper's worked example (CDNOW estimates, a customer with x = 2, t_x = 30.43,
    T = 38.86 weeks; 39 weeks ahead: 1.226):

    >>> cdnow = BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> s = pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})
    >>> round(float(expected_purchases(cdnow, s, 39).iloc[0]), 3)
    1.226
    """
    values = expected_purchases_path(params, summary, [periods])[:, 0]
    return pd.Series(values, index=summary.index, name="expected_purchases")


def simulate_bgnbd(params: BGNBDParams | tuple, n: int, *, T: float | np.ndarray = 52.0, seed: int = 0,
                   spend: GammaGammaParams | None = None) -> pd.DataFrame:
    """Simulate the RFM summary of *n* accounts from the BG/NBD (and Gamma-Gamma) process.

    Parameters
    ----------
    params : BGNBDParams or tuple
        ``(r, alpha, a, b)``.
    n : int
        Number of accounts.
    T : float or array of length n, default 52
        Observation length after each account's first purchase, in periods.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.
    spend : GammaGammaParams, optional
        When given, adds ``monetary_value``: the mean spend of the repeat purchases
        (NaN without repeat purchase).

    Returns
    -------
    DataFrame
        ``account_id, frequency, recency, T`` (and ``monetary_value``).

    Notes
    -----
    Each account draws λ ~ Gamma(r, rate α) and p ~ Beta(a, b); purchases follow a
    Poisson process with rate λ; after each purchase the account drops out with
    probability p (FHL 2005a, section 2). Spend per transaction is Gamma(p, rate ν) with
    ν ~ Gamma(q, rate v) (FHL 2005b).

    Examples
    --------
    >>> simulate_bgnbd((0.5, 5.0, 0.8, 2.5), 3, T=52, seed=0).columns.tolist()
    ['account_id', 'frequency', 'recency', 'T']
    """
    r, alpha, a, b = _bgnbd_tuple(params)
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    horizon = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    x, t_x, now = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.arange(n)
    while active.size:
        now[active] += rng.exponential(1.0, active.size) / lam[active]
        active = active[now[active] <= horizon[active]]
        x[active] += 1
        t_x[active] = now[active]
        active = active[rng.random(active.size) >= drop[active]]
    out = pd.DataFrame({"account_id": [f"S{i:06d}" for i in range(n)], "frequency": x.astype(np.int64),
                        "recency": t_x, "T": horizon})
    if spend is not None:
        nu = rng.gamma(spend.q, 1.0 / spend.v, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            total = rng.gamma(np.where(x > 0, spend.p * x, 1.0), 1.0 / nu)
            out["monetary_value"] = np.where(x > 0, total / x, np.nan)
    return out


# --------------------------------------------------------------------------- Gamma-Gamma
def gamma_gamma_loglik(params: GammaGammaParams | tuple, x, m, weights=None) -> float:
    """Log-likelihood of the Gamma-Gamma spend model (Fader & Hardie 2013, eq. 4).

    Parameters
    ----------
    params : GammaGammaParams or tuple
        ``(p, q, v)``.
    x, m : array-like
        Number of transactions and their mean spend (x > 0, m > 0).
    weights : array-like, optional
        Accounts per ``(x, m)``.

    Returns
    -------
    float

    Notes
    -----
    ``ln L = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(v + x m)``.

    Examples
    --------
    >>> round(gamma_gamma_loglik((6.25, 3.74, 15.44), [2], [100.0]), 4)
    -7.0427
    """
    p, q, v = _gg_tuple(params)
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    ll = _gg_terms(p, q, v, x, m)
    return float(np.sum(ll if weights is None else np.asarray(weights, dtype=float) * ll))


def _gg_tuple(params: GammaGammaParams | tuple) -> tuple[float, float, float]:
    if isinstance(params, GammaGammaParams):
        return params.p, params.q, params.v
    p, q, v = (float(val) for val in params)
    return p, q, v


def _gg_terms(p, q, v, x, m, by_x=None):
    ux, inv = by_x if by_x is not None else (x, slice(None))
    pux = p * ux
    per_x = (gammaln(pux + q) - gammaln(pux) + pux * np.log(ux))[inv]
    return per_x - gammaln(q) + q * np.log(v) + (p * x - 1) * np.log(m) - (p * x + q) * np.log(v + x * m)


def _gg_objective(theta, x, m, w, by_x):
    p, q, v = np.exp(theta)
    ux, inv = by_x
    vxm = v + x * m
    log_vxm = np.log(vxm)
    psi_pq = digamma(p * ux + q)
    d_p = x * ((psi_pq - digamma(p * ux) + np.log(ux))[inv] + np.log(m) - log_vxm)
    d_q = psi_pq[inv] - digamma(q) + np.log(v) - log_vxm
    d_v = q / v - (p * x + q) / vxm
    grad = np.array([np.sum(w * d) for d in (d_p, d_q, d_v)]) * np.exp(theta)
    return -float(np.sum(w * _gg_terms(p, q, v, x, m, by_x))), -grad


def _spend_rows(summary: pd.DataFrame, purpose: str) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``m`` of the accounts a spend model can use (frequency > 0, monetary > 0)."""
    if "monetary_value" not in summary.columns:
        raise DataError(f"{purpose}: the summary has no column 'monetary_value'. "
                        "Build it with kamlib.churn.rfm_summary.", column="monetary_value",
                        code="missing_column")
    x, _, _ = rfm_arrays(summary, purpose)
    m = summary["monetary_value"].to_numpy(dtype=float, na_value=np.nan)
    use = (x > 0) & np.isfinite(m) & (m > 0)
    return x[use], m[use]


def gamma_gamma_fit(summary: pd.DataFrame) -> GammaGammaParams:
    """Fit the Gamma-Gamma spend model by maximum likelihood (Fader, Hardie & Lee 2005b).

    Parameters
    ----------
    summary : DataFrame
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` per account; only
        accounts with frequency > 0 and monetary value > 0 are used.

    Returns
    -------
    GammaGammaParams
        ``p, q, v``, the log-likelihood, the accounts used and the correlation of
        frequency with monetary value (the model's independence assumption).

    Raises
    ------
    DataError
        When fewer than 2 accounts have a repeat purchase with positive spend.

    Notes
    -----
    Spend per transaction is Gamma(p, ν) and ν ~ Gamma(q, v) across accounts; the
    mean spend ``m`` of ``x`` transactions has the likelihood of
    :func:`gamma_gamma_loglik`. The model assumes spend is independent of how often
    an account buys; check ``corr_frequency_monetary`` (FHL 2005b, the spend model;
    report it next to any CLV). Spend is divided by its mean during the search.

    Examples
    --------
    >>> spend = GammaGammaParams(p=6.0, q=4.0, v=15.0)
    >>> s = simulate_bgnbd((0.5, 5.0, 0.8, 2.5), 3000, T=52, seed=2, spend=spend)
    >>> fit = gamma_gamma_fit(s)
    >>> fit.converged, abs(fit.corr_frequency_monetary) < 0.1
    (True, True)
    """
    x, m = _spend_rows(summary, "gamma_gamma_fit")
    if len(x) < 2:
        raise DataError(f"gamma_gamma_fit: {len(x)} accounts have a repeat purchase with positive spend; "
                        "at least 2 are needed. Use a longer order history.", code="too_few")
    (ux, um), w, _ = weighted_unique(x, m)
    scale = float(np.mean(m))
    by_x = np.unique(ux, return_inverse=True)
    theta, ok = maximise(lambda th: _gg_objective(th, ux, um / scale, w, by_x), np.zeros(3))
    p, q, v = np.exp(theta)
    v *= scale
    corr = float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 and np.ptp(m) > 0 else float("nan")
    return GammaGammaParams(float(p), float(q), float(v), log_likelihood=gamma_gamma_loglik((p, q, v), ux, um, w),
                            n_customers=len(x), corr_frequency_monetary=corr, converged=ok)


def expected_spend(spend: GammaGammaParams, summary: pd.DataFrame) -> pd.Series:
    """Expected spend per future transaction of each account (Fader & Hardie 2013, eq. 5).

    Parameters
    ----------
    spend : GammaGammaParams
        Fitted spend parameters.
    summary : DataFrame
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` per account.

    Returns
    -------
    Series
        ``expected_spend`` aligned with *summary*'s index.

    Notes
    -----
    ``E[Z | x, m] = p (v + x m) / (p x + q − 1)``: a weighted mean of the population
    mean ``p v/(q−1)`` and the account's own mean ``m``. Accounts without a usable
    repeat purchase get the population mean (NaN when q ≤ 1).

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.0], "T": [40.0, 40.0],
    ...                   "monetary_value": [float("nan"), 100.0]})
    >>> expected_spend(GammaGammaParams(6.25, 3.74, 15.44), s).round(2).tolist()
    [35.22, 88.35]
    """
    p, q, v = _gg_tuple(spend)
    x, _, _ = rfm_arrays(summary, "expected_spend")
    m = summary["monetary_value"].to_numpy(dtype=float, na_value=np.nan) if "monetary_value" in summary else x * np.nan
    own = (x > 0) & np.isfinite(m) & (m > 0)
    population = p * v / (q - 1) if q > 1 else np.nan
    with np.errstate(invalid="ignore"):
        value = np.where(own, p * (v + x * np.where(own, m, 0.0)) / (p * x + q - 1), population)
    return pd.Series(value, index=summary.index, name="expected_spend")
