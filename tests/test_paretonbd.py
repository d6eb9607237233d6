"""Tests of the Pareto/NBD model (kamlib.churn.paretonbd) and of both fits on CDNOW.

Reference values
----------------
* The CDNOW sample of 2,357 customers (39-week calibration, times in weeks) as the
  ``lifetimes`` 0.11.3 wheel on PyPI ships it (``lifetimes/datasets/cdnow_customers_summary.csv``,
  MIT): downloaded once by the ``cdnow_summary`` fixture of tests/conftest.py, never
  kept in the project. The data is Bruce Hardie's 1/10 sample of the customers who first
  bought at the online music retailer CDNOW in the first quarter of 1997.
* Fader, Hardie & Lee (2005a), "Counting your customers the easy way: an alternative to
  the Pareto/NBD model", *Marketing Science* 24(2), 275-284, report both models on this
  data set: Pareto/NBD r = 0.553, α = 10.578, s = 0.606, β = 11.669, LL = −9595.0;
  BG/NBD r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
* Independent implementations of the Pareto/NBD (the R packages BTYD and CLVTools) reach
  LL = −9594.976 on the same data, with β between 11.656 and 11.672: s and β lie on a
  ridge of almost equal likelihood (CLVTools reports a standard error of 6.2 for β), so
  β is checked to ±0.05 and the log-likelihood to ±0.01, and the fit must be at least as
  good as the published point.
* The BTYD walkthrough's customer 1516 (x = 26, t_x = 30.86, T = 31) is alive with
  probability 0.9979 at r = 0.5534, α = 10.5802, s = 0.6061, β = 11.6562.
* The likelihood is checked against a direct two-dimensional integral over λ and μ of the
  model's individual likelihood (scipy.integrate.dblquad).

Tolerances for parameter recovery
---------------------------------
Parametric bootstrap (40 simulated data sets of 3,000 accounts at r = 0.8, α = 6,
s = 1.2, β = 20, T uniform on [52, 104] weeks) gave these standard deviations of the
log-estimates (mean biases below 0.015)::

    log r 0.056, log alpha 0.061, log s 0.10, log beta 0.17

A single fit is accepted within 4 SD; the slow test with 50,000 accounts uses the SD
scaled by sqrt(3,000 / 50,000).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import dblquad
from scipy.special import hyp2f1

import kamlib.churn as ch
import kamlib.churn.paretonbd as pn
from kamlib.errors import DataError

PUBLISHED = ch.ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669)
BTYD = ch.ParetoNBDParams(r=0.5534, alpha=10.5802, s=0.6061, beta=11.6562)
TRUE = ch.ParetoNBDParams(r=0.8, alpha=6.0, s=1.2, beta=20.0)
SD = {"r": 0.056, "alpha": 0.061, "s": 0.10, "beta": 0.17}


@pytest.fixture(scope="module")
def cdnow(cdnow_summary: pd.DataFrame) -> pd.DataFrame:
    return cdnow_summary


@pytest.fixture(scope="module")
def cdnow_fit(cdnow: pd.DataFrame) -> ch.ParetoNBDParams:
    return ch.pareto_nbd_fit(cdnow)


def summary_of(x, t_x, T) -> pd.DataFrame:
    return pd.DataFrame({"frequency": x, "recency": np.asarray(t_x, float), "T": np.asarray(T, float)})


def simulated(n: int, seed: int) -> pd.DataFrame:
    T = 52 + 52 * np.random.default_rng(10_000 + seed).random(n)
    return ch.simulate_pareto_nbd(TRUE, n, T=T, seed=seed)


def within_sd(fit, true, sd, scale=1.0):
    return {k: abs(math.log(getattr(fit, k) / getattr(true, k))) / (s * scale) for k, s in sd.items()}


# --------------------------------------------------------------------------- CDNOW, published numbers
def test_cdnow_data_is_the_published_sample(cdnow: pd.DataFrame):
    assert cdnow.columns.tolist() == ["frequency", "recency", "T"]
    assert len(cdnow) == 2357 and cdnow["T"].max() == pytest.approx(38.86)
    assert int(cdnow["frequency"].sum()) == 2457  # repeat purchases in the calibration period


def test_pareto_nbd_fit_reproduces_fader_hardie_lee_on_cdnow(cdnow_fit: ch.ParetoNBDParams):
    """FHL (2005a): r = 0.553, α = 10.578, s = 0.606, β = 11.669, LL = −9595.0 (−9594.976 in BTYD, CLVTools)."""
    fit = cdnow_fit
    assert fit.converged and fit.n_customers == 2357
    assert fit.r == pytest.approx(0.553, abs=0.002)
    assert fit.alpha == pytest.approx(10.578, abs=0.02)
    assert fit.s == pytest.approx(0.606, abs=0.002)
    assert fit.beta == pytest.approx(11.669, abs=0.05)
    assert fit.log_likelihood == pytest.approx(-9594.976, abs=0.01)
    assert round(fit.log_likelihood, 1) == -9595.0


def test_pareto_nbd_fit_is_at_least_as_good_as_the_published_estimates(cdnow, cdnow_fit):
    x, t_x, T = (cdnow[c] for c in ("frequency", "recency", "T"))
    assert cdnow_fit.log_likelihood == pytest.approx(ch.pareto_nbd_loglik(cdnow_fit, x, t_x, T), abs=1e-8)
    for published in (PUBLISHED, BTYD):
        assert cdnow_fit.log_likelihood >= ch.pareto_nbd_loglik(published, x, t_x, T) - 1e-6


def test_bgnbd_fit_reproduces_fader_hardie_lee_on_cdnow(cdnow: pd.DataFrame):
    """FHL (2005a): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4."""
    fit = ch.bgnbd_fit(cdnow)
    assert fit.converged and fit.n_customers == 2357
    assert fit.r == pytest.approx(0.243, abs=0.001)
    assert fit.alpha == pytest.approx(4.414, abs=0.005)
    assert fit.a == pytest.approx(0.793, abs=0.002)
    assert fit.b == pytest.approx(2.426, abs=0.005)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_the_two_models_fit_cdnow_about_equally(cdnow_fit, cdnow):
    """FHL (2005a): BG/NBD −9582.4 against Pareto/NBD −9595.0, a gap of 12.6 with 4 parameters each."""
    gap = ch.bgnbd_fit(cdnow).log_likelihood - cdnow_fit.log_likelihood
    assert gap == pytest.approx(12.6, abs=0.1)


def test_p_alive_reproduces_the_btyd_walkthrough_customer():
    """x = 26, t_x = 30.86, T = 31 at the BTYD estimates: P(alive) = 0.9979."""
    alive = ch.pareto_nbd_p_alive(BTYD, summary_of([26], [30.86], [31.0]))
    assert alive.iloc[0] == pytest.approx(0.9979, abs=5e-5)


# --------------------------------------------------------------------------- likelihood
def direct_loglik(params, x, t_x, T) -> float:
    """ln ∫∫ L(λ, μ | x, t_x, T) g(λ | r, α) g(μ | s, β) dλ dμ by scipy.integrate.dblquad.

    ``L(λ, μ) = λ^x e^(−(λ+μ)T) + λ^x μ/(λ+μ) (e^(−(λ+μ)t_x) − e^(−(λ+μ)T))`` (alive at T, or
    dead between t_x and T). With ``u = λ^r`` and ``v = μ^s`` the gamma densities lose
    their singularity at 0: ``g(λ) dλ = α^r e^(−αλ) / Γ(r+1) du``.
    """
    r, alpha, s, beta = params
    log_norm = r * math.log(alpha) + s * math.log(beta) - math.lgamma(r + 1) - math.lgamma(s + 1)

    def integrand(v, u):
        lam, mu = u ** (1 / r), v ** (1 / s)
        alive = lam**x * math.exp(-(lam + mu) * T)
        dead = lam**x * mu / (lam + mu) * (math.exp(-(lam + mu) * t_x) - math.exp(-(lam + mu) * T)) if mu else 0.0
        return (alive + dead) * math.exp(log_norm - alpha * lam - beta * mu)

    u_max, v_max = ((x + r + 80) / alpha) ** r, ((s + 80) / beta) ** s
    value, _ = dblquad(integrand, 0, u_max, 0, v_max, epsabs=0, epsrel=1e-11)
    return math.log(value)


@pytest.mark.parametrize(("params", "x", "t_x", "T"), [
    ((0.553, 10.578, 0.606, 11.669), 0, 0.0, 38.86),    # α < β
    ((0.553, 10.578, 0.606, 11.669), 2, 30.43, 38.86),
    ((0.553, 10.578, 0.606, 11.669), 26, 30.86, 31.0),
    ((0.553, 10.578, 0.606, 11.669), 3, 12.0, 12.0),    # t_x = T
    ((0.553, 11.669, 0.606, 10.578), 2, 5.0, 38.86),    # α ≥ β
    ((0.553, 11.669, 0.606, 10.578), 7, 37.0, 39.0),
    ((1.3, 2.0, 0.4, 25.0), 0, 0.0, 38.86),             # α much smaller than β
    ((1.3, 2.0, 0.4, 25.0), 7, 37.0, 39.0),
    ((0.8, 1000.0, 1.5, 0.5), 0, 0.0, 30.0),            # 2F1 argument above 0.99: the quadrature path
    ((0.8, 1000.0, 1.5, 0.5), 3, 5.0, 30.0),
])
def test_loglik_matches_numerical_integration(params, x, t_x, T):
    assert pn.pareto_nbd_loglik(params, [x], [t_x], [T]) == pytest.approx(direct_loglik(params, x, t_x, T),
                                                                           rel=1e-9, abs=1e-9)


def test_loglik_sums_customers_and_uses_weights():
    p = PUBLISHED
    one = [pn.pareto_nbd_loglik(p, [x], [tx], [T]) for x, tx, T in [(2, 30.43, 38.86), (0, 0.0, 20.0)]]
    both = pn.pareto_nbd_loglik(p, [2, 0], [30.43, 0.0], [38.86, 20.0], weights=[3, 1])
    assert both == pytest.approx(3 * one[0] + one[1], abs=1e-10)


def test_loglik_is_zero_for_an_account_seen_for_no_time():
    """Nothing observed (x = 0, T = 0): the likelihood is 1."""
    assert pn.pareto_nbd_loglik(PUBLISHED, [0], [0.0], [0.0]) == pytest.approx(0.0, abs=1e-12)


def test_loglik_finite_for_frequencies_in_the_hundreds():
    x = np.array([100, 500, 2000, 2000])
    t_x, T = [51.0, 51.5, 51.9, 3.0], [52.0] * 4
    for params in [(2.0, 1.0, 0.5, 50.0), (2.0, 50.0, 0.5, 1.0), (0.5, 0.01, 3.0, 400.0)]:
        assert np.isfinite(pn.pareto_nbd_loglik(params, x, t_x, T)), params
        alive = ch.pareto_nbd_p_alive(params, summary_of(x, t_x, T))
        assert ((alive >= 0) & (alive <= 1)).all(), params


def test_log_hyp2f1_quadrature_agrees_with_scipy_where_scipy_is_reliable():
    k = np.array([0.05, 0.6, 1.16, 3.0, 10.5, 30.7, 100.2])[:, None, None]
    b = np.array([0.01, 0.6, 1.6, 5.0, 29.5])[None, :, None]
    z = np.array([0.0, 1e-6, 0.1, 0.5, 0.9, 0.99])[None, None, :]
    k, b, z = (a.ravel() for a in np.broadcast_arrays(k, b, z))
    quad = pn._log_hyp2f1_trapezoid(k, b, z, 1 - z)
    np.testing.assert_allclose(quad, np.log(hyp2f1(k, b, k + 1, z)), rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("z", [0.5, 0.99, 0.999, 0.9999999])
@pytest.mark.parametrize("k", [0.3, 31.2, 400.3])
def test_log_hyp2f1_matches_closed_forms_near_z_one(k, z):
    """2F1(k, k+1; k+1; z) = (1−z)^−k and 2F1(1, b; 2; z) = ((1−z)^(1−b) − 1)/(z(b−1)), where scipy overflows or
    loses digits (argument near 1, b near an integer)."""
    zc = 1.0 - z
    assert pn._log_hyp2f1(k, k + 1.0, z, zc)[0] == pytest.approx(-k * math.log(zc), rel=1e-11)
    for b in (1.0 + 1e-9, 2.0, 500.0):
        c = (b - 1) * -math.log(zc)  # ln (1−z)^(1−b), > 0
        closed = c + math.log(-math.expm1(-c)) - math.log(z * (b - 1))
        assert pn._log_hyp2f1(1.0, b, z, zc)[0] == pytest.approx(closed, rel=1e-10)


# --------------------------------------------------------------------------- P(alive)
def test_p_alive_is_a_probability_and_one_at_a_last_purchase_at_T(cdnow_fit):
    x, t_x, T = np.meshgrid(np.arange(0, 100, 10.0), np.arange(0, 100, 10.0), np.arange(0, 100, 10.0))
    keep = (t_x <= T) & ((x > 0) | (t_x == 0))
    grid = summary_of(x[keep], t_x[keep], T[keep])
    alive = ch.pareto_nbd_p_alive(cdnow_fit, grid)
    assert ((alive >= 0) & (alive <= 1)).all()
    at_T = (grid["recency"] == grid["T"]).to_numpy()
    np.testing.assert_allclose(alive[at_T], 1.0, atol=1e-12)
    assert (alive[~at_T] < 1).all()


def test_p_alive_falls_as_the_last_purchase_recedes():
    s = summary_of([4] * 5, [38.0, 30.0, 20.0, 10.0, 1.0], [38.86] * 5)
    alive = ch.pareto_nbd_p_alive(PUBLISHED, s).to_numpy()
    assert (np.diff(alive) < 0).all()


def test_p_alive_keeps_the_summary_index():
    s = summary_of([0, 2], [0.0, 30.43], [38.86, 38.86]).set_axis(["b", "a"])
    alive = ch.pareto_nbd_p_alive(PUBLISHED, s)
    assert alive.index.tolist() == ["b", "a"] and alive.name == "p_alive"


# --------------------------------------------------------------------------- fit
def test_fit_does_not_depend_on_row_order(cdnow, cdnow_fit):
    """Only the summation order changes, so the optimiser may stop a hair away (≈1e-8 relative on the s-β ridge)."""
    shuffled = cdnow.sample(frac=1.0, random_state=7)
    fit = ch.pareto_nbd_fit(shuffled.reset_index(drop=True))
    for name in ("r", "alpha", "s", "beta"):
        assert getattr(fit, name) == pytest.approx(getattr(cdnow_fit, name), rel=1e-6), name
    assert fit.log_likelihood == pytest.approx(cdnow_fit.log_likelihood, abs=1e-8)
    alive = ch.pareto_nbd_p_alive(cdnow_fit, shuffled)
    pd.testing.assert_series_equal(alive.sort_index(), ch.pareto_nbd_p_alive(cdnow_fit, cdnow))


def test_pareto_nbd_fit_recovers_simulated_parameters():
    fit = ch.pareto_nbd_fit(simulated(3000, 1))
    assert fit.converged and fit.n_customers == 3000
    z = within_sd(fit, TRUE, SD)
    assert max(z.values()) < 4, z


@pytest.mark.slow
def test_pareto_nbd_fit_recovers_parameters_on_50000_accounts():
    fit = ch.pareto_nbd_fit(simulated(50_000, 99))
    z = within_sd(fit, TRUE, SD, scale=math.sqrt(3000 / 50_000))
    assert max(z.values()) < 4, z


def test_simulation_matches_the_model_mean():
    """E[X(T)] = rβ/(α(s−1)) · (1 − (β/(β+T))^(s−1)) (Schmittlein, Morrison & Colombo 1987)."""
    r, alpha, s, beta = TRUE.r, TRUE.alpha, TRUE.s, TRUE.beta
    sim = ch.simulate_pareto_nbd(TRUE, 200_000, T=52.0, seed=5)
    mean = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + 52.0)) ** (s - 1))
    se = sim["frequency"].std() / math.sqrt(len(sim))
    assert abs(sim["frequency"].mean() - mean) < 4 * se
    assert (sim["recency"] <= sim["T"]).all() and (sim.loc[sim["frequency"] == 0, "recency"] == 0).all()


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("missing", ["frequency", "recency", "T"])
def test_missing_column_is_a_data_error_worded_like_bgnbd(missing):
    s = summary_of([1, 0], [3.0, 0.0], [10.0, 10.0]).drop(columns=missing)
    with pytest.raises(DataError, match=f"pareto_nbd_fit: the summary has no column '{missing}'") as ours:
        ch.pareto_nbd_fit(s)
    with pytest.raises(DataError) as theirs:
        ch.bgnbd_fit(s)
    assert ours.value.code == "missing_column" and ours.value.column == missing
    assert str(ours.value) == str(theirs.value).replace("bgnbd_fit", "pareto_nbd_fit")
    with pytest.raises(DataError, match=f"pareto_nbd_p_alive: the summary has no column '{missing}'"):
        ch.pareto_nbd_p_alive(PUBLISHED, s)


def test_invalid_rows_and_empty_summaries_are_data_errors():
    with pytest.raises(DataError, match=r"pareto_nbd_fit: 1 summary rows are not valid RFM values \(row 1"):
        ch.pareto_nbd_fit(summary_of([0, 2], [0.0, 9.0], [5.0, 5.0]))
    with pytest.raises(DataError, match="pareto_nbd_fit: the summary has no rows") as empty:
        ch.pareto_nbd_fit(summary_of([], [], []))
    assert empty.value.code == "empty"


# --------------------------------------------------------------------------- expected purchases
def test_expected_purchases_match_the_simulated_process():
    """Simulate 60,000 accounts for T + t weeks: the mean count in (T, T + t] is the mean forecast."""
    true = ch.ParetoNBDParams(r=0.6, alpha=6.0, s=0.9, beta=20.0)
    rng = np.random.default_rng(11)
    n, T, t = 60_000, 30.0, 20.0
    lam, mu = rng.gamma(true.r, 1 / true.alpha, n), rng.gamma(true.s, 1 / true.beta, n)
    life = rng.exponential(1 / mu)
    early, late = rng.poisson(lam * np.minimum(life, T)), rng.poisson(lam * np.clip(life - T, 0, t))
    last = np.where(early > 0, np.minimum(life, T) * rng.random(n) ** (1 / np.maximum(early, 1)), 0.0)
    summary = summary_of(early, last, np.full(n, T))
    forecast = ch.pareto_nbd_expected_purchases(true, summary, t)
    sd = late.std() / math.sqrt(n)
    assert abs(forecast.mean() - late.mean()) < 4 * sd
    by_x = pd.DataFrame({"x": np.minimum(early, 3), "late": late, "forecast": forecast}).groupby("x").mean()
    np.testing.assert_allclose(by_x["forecast"], by_x["late"], rtol=0.08)


def test_expected_purchases_are_continuous_at_s_equal_one_and_grow_with_the_window():
    s = summary_of([0, 3], [0.0, 20.0], [30.0, 30.0])
    near = [ch.pareto_nbd_expected_purchases((0.5, 5.0, 1.0 + d, 10.0), s, 26).to_numpy() for d in (-1e-6, 0, 1e-6)]
    np.testing.assert_allclose(near[0], near[1], rtol=1e-5)
    np.testing.assert_allclose(near[2], near[1], rtol=1e-5)
    path = pn.pareto_nbd_expected_purchases_path((0.5, 5.0, 0.8, 10.0), s, [1, 10, 50])
    assert (np.diff(path, axis=1) > 0).all()
    with pytest.raises(DataError, match="periods must be positive"):
        ch.pareto_nbd_expected_purchases((0.5, 5.0, 0.8, 10.0), s, 0)
