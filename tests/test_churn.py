"""Tests of kamlib.churn (signals, BG/NBD and Gamma-Gamma).

Reference values
----------------
* Fader, Hardie & Lee (2005a), "Counting your customers the easy way", CDNOW estimates
  r=0.243, alpha=4.414, a=0.793, b=2.426, LL=-9582.4; the fit on the CDNOW data itself is
  reproduced in tests/test_paretonbd.py. Here the paper's worked example (x=2,
  t_x=30.43, T=38.86: 1.226 expected purchases in the next 39 weeks, also in Hardie's
  spreadsheet) is checked, and parameter recovery on data simulated from the model.
* Likelihoods are re-computed by hand from the paper's formulas with ``math.lgamma``.

Tolerances for parameter recovery
---------------------------------
Parametric bootstrap (40 simulated data sets of 5,000 accounts at the CDNOW
parameters, T uniform on [40, 52] weeks; 40 of Gamma-Gamma at p=6.25, q=3.74, v=15.44,
~3,500 accounts with a repeat purchase) gave these standard deviations of the
log-estimates (and mean biases below 0.02 in every parameter)::

    BG/NBD  log r 0.033, log alpha 0.057, log a 0.12, log b 0.15
    GG      log p 0.088, log q 0.032,     log v 0.118

A single fit is accepted within 4 SD (two-sided normal tail ≈ 6e-5 per parameter);
the slow test with 200,000 accounts uses the SD scaled by sqrt(5,000 / 200,000).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime

import kamlib.churn as ch
import kamlib.churn.bgnbd as bg
import kamlib.churn.holdout as ho
from kamlib import i18n
from kamlib.churn import readings
from kamlib.errors import ConfigError, DataError

CDNOW = ch.BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
BGNBD_SD = {"r": 0.033, "alpha": 0.057, "a": 0.12, "b": 0.15}
GG_TRUE = ch.GammaGammaParams(p=6.25, q=3.74, v=15.44)
GG_SD = {"p": 0.088, "q": 0.032, "v": 0.118}


def summary_of(x, t_x, T, m=None) -> pd.DataFrame:
    df = pd.DataFrame({"frequency": x, "recency": np.asarray(t_x, float), "T": np.asarray(T, float)})
    if m is not None:
        df["monetary_value"] = np.asarray(m, float)
    return df


def cdnow_like(n: int, seed: int) -> pd.DataFrame:
    T = 40 + 12 * np.random.default_rng(10_000 + seed).random(n)
    return ch.simulate_bgnbd(CDNOW, n, T=T, seed=seed)


# --------------------------------------------------------------------------- BG/NBD by hand
def ll_by_hand(r, alpha, a, b, x, t_x, T):
    """FHL 2005a eq. 6, term by term with math.lgamma."""
    lbeta = lambda u, v: math.lgamma(u) + math.lgamma(v) - math.lgamma(u + v)
    a1 = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha)
    first = math.exp(lbeta(a, b + x) - lbeta(a, b) + a1 - (r + x) * math.log(alpha + T))
    second = 0.0
    if x > 0:
        second = math.exp(lbeta(a + 1, b + x - 1) - lbeta(a, b) + a1 - (r + x) * math.log(alpha + t_x))
    return math.log(first + second)


@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 12.5, 70.0)])
def test_loglik_matches_hand_computation(x, t_x, T):
    expected = ll_by_hand(0.243, 4.414, 0.793, 2.426, x, t_x, T)
    assert bg.bgnbd_loglik(CDNOW, [x], [t_x], [T]) == pytest.approx(expected, abs=1e-10)


def test_loglik_sums_customers_and_uses_weights():
    total = ll_by_hand(0.243, 4.414, 0.793, 2.426, 2, 30.43, 38.86) * 3 + ll_by_hand(
        0.243, 4.414, 0.793, 2.426, 0, 0.0, 20.0)
    assert bg.bgnbd_loglik(CDNOW, [2, 0], [30.43, 0], [38.86, 20], weights=[3, 1]) == pytest.approx(total, abs=1e-10)


def test_loglik_finite_for_frequencies_in_the_hundreds():
    x = np.array([100, 500, 2000])
    ll = bg.bgnbd_loglik((2.0, 1.0, 0.5, 50.0), x, [51.0, 51.5, 51.9], [52.0, 52.0, 52.0])
    assert np.isfinite(ll)
    alive = ch.p_alive(ch.BGNBDParams(2.0, 1.0, 0.5, 50.0), summary_of(x, [51.0, 51.5, 51.9], [52] * 3))
    assert np.isfinite(alive).all()


@pytest.mark.parametrize("theta", [np.zeros(4), np.array([-1.0, 0.5, -0.3, 1.2]), np.array([1.0, -2.0, 2.0, -1.2])])
def test_bgnbd_gradient_matches_finite_differences(theta):
    x = np.array([0, 1, 5, 300.0])
    t_x, T, w = np.array([0, 3, 20, 51.0]), np.array([10, 30, 52, 52.0]), np.array([1, 2, 3, 1.0])
    by_x = np.unique(x, return_inverse=True)
    _, grad = bg._bgnbd_objective(theta, x, t_x, T, w, by_x)
    numeric = approx_fprime(theta, lambda th: bg._bgnbd_objective(th, x, t_x, T, w, by_x)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------- p_alive, expectations
def test_p_alive_matches_formula_and_is_one_without_repeat():
    s = summary_of([0, 2, 5], [0, 30.43, 10.0], [38.86, 38.86, 40.0])
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    hand = [1.0] + [1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))
                    for x, tx, T in [(2, 30.43, 38.86), (5, 10.0, 40.0)]]
    np.testing.assert_allclose(ch.p_alive(CDNOW, s), hand, rtol=1e-12)


@given(st.integers(1, 300), st.floats(0.0, 1.0), st.floats(1.0, 200.0))
@settings(max_examples=60, deadline=None)
def test_p_alive_rises_with_recency(x, share, T):
    """A later last purchase (same x, T) never makes an account less likely to be active."""
    s = summary_of([x, x], [share * T * 0.5, share * T], [T, T])
    early, late = ch.p_alive(CDNOW, s)
    assert 0.0 <= early <= late <= 1.0


def test_expected_purchases_reproduces_the_paper_example():
    """FHL 2005a worked example (CDNOW estimates): 1.226 purchases in the next 39 weeks."""
    s = summary_of([2], [30.43], [38.86])
    assert ch.expected_purchases(CDNOW, s, 39).iloc[0] == pytest.approx(1.226, abs=5e-4)


@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (2.77, 14.9, 50.0, 500.0), (0.1, 2.0, 0.2, 0.3),
                                    (1.0, 1.0, 1.2, 10.0), (0.5, 5.0, 3.0, 1.5)])
@pytest.mark.parametrize("t", [1.0, 39.0, 156.0])
def test_hyp2f1_and_quadrature_agree(params, t):
    """Eq. 10 via 2F1 equals the independent integral over p's Beta posterior (Gauss-Legendre)."""
    x = np.array([0, 1, 2, 5, 20, 100, 300.0])
    T = np.array([10, 38.86, 38.86, 52, 52, 100, 150.0])
    closed = bg._alive_expectation_hyp2f1(*params, x, T, t)
    quad = bg._alive_expectation_quadrature(*params, x, T, t)
    assert np.isfinite(closed).all()
    np.testing.assert_allclose(closed, quad, rtol=5e-4)  # 32-point quadrature: ~1e-4 when Beta(a, b+x) has a spike


def test_expected_purchases_short_horizon_is_rate_times_p_alive():
    """As t → 0, E[Y(t)] / t → P(alive) · (r + x) / (α + T): the posterior mean rate."""
    s = summary_of([0, 3, 40], [0, 20.0, 50.0], [30.0, 40.0, 52.0])
    t = 1e-6
    rate = (CDNOW.r + s["frequency"]) / (CDNOW.alpha + s["T"]) * ch.p_alive(CDNOW, s)
    np.testing.assert_allclose(ch.expected_purchases(CDNOW, s, t) / t, rate, rtol=1e-4)


def test_expected_purchases_continuous_at_a_equal_one():
    s = summary_of([0, 4], [0, 20.0], [30.0, 40.0])
    at_one = ch.expected_purchases(ch.BGNBDParams(0.5, 5.0, 1.0, 2.0), s, 26)
    near = ch.expected_purchases(ch.BGNBDParams(0.5, 5.0, 1.0 + 1e-4, 2.0), s, 26)
    np.testing.assert_allclose(at_one, near, rtol=1e-3)


def test_expected_purchases_nearly_constant_dropout_uses_quadrature():
    """Huge a and b (as on the embedded sample) make scipy's 2F1 fail; the result stays finite."""
    params = ch.BGNBDParams(2.77, 14.9, 7421.8, 1754005.0)
    s = summary_of([3, 50, 102], [20.0, 140.0, 155.0], [150.0, 155.0, 156.0])
    out = ch.expected_purchases(params, s, 52)
    # p is nearly fixed at a / (a + b) ≈ 0.0042 (sd 1 % of it): E[(1 - e^(-λpt)) / p | alive]
    # with λ ~ Gamma(r + x, α + T) is then (1 - ((α+T) / (α+T+pt))^(r+x)) / p
    p = params.a / (params.a + params.b)
    grow = (params.alpha + s["T"]) / (params.alpha + s["T"] + p * 52)
    fixed_p = (1 - grow ** (params.r + s["frequency"])) / p
    np.testing.assert_allclose(out, fixed_p * ch.p_alive(params, s), rtol=1e-3)


def test_expected_purchases_rejects_bad_periods():
    with pytest.raises(DataError, match="periods must be positive numbers"):
        ch.expected_purchases(CDNOW, summary_of([1], [1.0], [2.0]), 0)


# --------------------------------------------------------------------------- BG/NBD fit
def within_sd(fit, true, sd, scale=1.0):
    return {k: abs(math.log(getattr(fit, k) / getattr(true, k))) / (s * scale) for k, s in sd.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bgnbd_fit_recovers_simulated_parameters(seed):
    fit = ch.bgnbd_fit(cdnow_like(5000, seed))
    assert fit.converged and fit.n_customers == 5000
    z = within_sd(fit, CDNOW, BGNBD_SD)
    assert max(z.values()) < 4, z


def test_bgnbd_fit_is_the_maximum_and_reports_its_loglik():
    s = cdnow_like(3000, 11)
    fit = ch.bgnbd_fit(s)
    ll = bg.bgnbd_loglik(fit, s["frequency"], s["recency"], s["T"])
    assert fit.log_likelihood == pytest.approx(ll, rel=1e-10)
    assert ll >= bg.bgnbd_loglik(CDNOW, s["frequency"], s["recency"], s["T"])
    for factor in (0.97, 1.03):  # no nearby point is better
        for i in range(4):
            theta = [fit.r, fit.alpha, fit.a, fit.b]
            theta[i] *= factor
            assert bg.bgnbd_loglik(theta, s["frequency"], s["recency"], s["T"]) < ll


def test_bgnbd_fit_ignores_row_order_and_grouping():
    s = cdnow_like(2000, 5)
    a = ch.bgnbd_fit(s)
    b = ch.bgnbd_fit(s.sample(frac=1.0, random_state=0))
    np.testing.assert_allclose([a.r, a.alpha, a.a, a.b], [b.r, b.alpha, b.a, b.b], rtol=1e-6)


def test_bgnbd_fit_on_weekly_rfm_from_orders():
    """End to end: simulated purchases → orders → rfm_summary (daily) → fit, alpha back in weeks."""
    rng = np.random.default_rng(4)
    n = 4000
    lam, drop = rng.gamma(CDNOW.r, 1 / CDNOW.alpha, n), rng.beta(CDNOW.a, CDNOW.b, n)
    birth = rng.uniform(0, 12, n)  # weeks
    rows = []
    for i in range(n):
        t = birth[i]
        rows.append((i, t))
        while True:
            t += rng.exponential(1 / lam[i])
            if t > 52:
                break
            rows.append((i, t))
            if rng.random() < drop[i]:
                break
    acc, week = np.array(rows).T
    orders = pd.DataFrame({"account_id": acc.astype(int).astype(str),
                           "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.floor(week * 7), "D"),
                           "revenue": 1.0})
    s = ch.rfm_summary(orders, as_of=pd.Timestamp("2024-01-01") + pd.Timedelta(days=52 * 7 - 1), freq="D")
    fit = ch.bgnbd_fit(s)
    weekly = ch.BGNBDParams(fit.r, fit.alpha / 7, fit.a, fit.b)
    z = within_sd(weekly, CDNOW, BGNBD_SD, scale=math.sqrt(5000 / n))
    assert max(z.values()) < 4, z


@pytest.mark.slow
def test_bgnbd_fit_recovers_parameters_on_200000_accounts():
    fit = ch.bgnbd_fit(cdnow_like(200_000, 99))
    z = within_sd(fit, CDNOW, BGNBD_SD, scale=math.sqrt(5000 / 200_000))
    assert max(z.values()) < 4, z


def test_bgnbd_fit_errors_name_the_problem():
    with pytest.raises(DataError, match="no column 'recency'"):
        ch.bgnbd_fit(pd.DataFrame({"frequency": [1], "T": [2.0]}))
    with pytest.raises(DataError, match=r"1 summary rows are not valid RFM values \(row 1: frequency=2.0, recency=9.0"):
        ch.bgnbd_fit(summary_of([0, 2], [0.0, 9.0], [5.0, 5.0]))


# --------------------------------------------------------------------------- Gamma-Gamma
def test_gamma_gamma_loglik_matches_hand_computation():
    p, q, v, x, m = 6.25, 3.74, 15.44, 3, 42.0
    hand = (math.lgamma(p * x + q) - math.lgamma(p * x) - math.lgamma(q) + q * math.log(v)
            + (p * x - 1) * math.log(m) + p * x * math.log(x) - (p * x + q) * math.log(v + x * m))
    assert bg.gamma_gamma_loglik(GG_TRUE, [x], [m]) == pytest.approx(hand, abs=1e-10)


def test_gamma_gamma_gradient_matches_finite_differences():
    x, m, w = np.array([1, 2, 5, 300.0]), np.array([1.0, 2.0, 0.5, 3.0]), np.array([1, 2, 3, 1.0])
    theta = np.array([0.3, 0.8, -0.2])
    by_x = np.unique(x, return_inverse=True)
    grad = bg._gg_objective(theta, x, m, w, by_x)[1]
    numeric = approx_fprime(theta, lambda th: bg._gg_objective(th, x, m, w, by_x)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5)


@pytest.mark.parametrize("seed", [1, 2])
def test_gamma_gamma_fit_recovers_simulated_parameters(seed):
    s = ch.simulate_bgnbd((0.5, 5.0, 0.8, 2.5), 5000, T=52, seed=seed, spend=GG_TRUE)
    fit = ch.gamma_gamma_fit(s)
    assert fit.converged and fit.n_customers == int((s["frequency"] > 0).sum())
    z = within_sd(fit, GG_TRUE, GG_SD)
    assert max(z.values()) < 4, z
    assert abs(fit.corr_frequency_monetary) < 0.1  # independent by construction


def test_gamma_gamma_reports_dependence_of_spend_on_frequency():
    s = ch.simulate_bgnbd((0.5, 5.0, 0.8, 2.5), 3000, T=52, seed=8, spend=GG_TRUE)
    s["monetary_value"] = s["monetary_value"] * (1 + s["frequency"])  # frequent buyers spend more
    assert ch.gamma_gamma_fit(s).corr_frequency_monetary > 0.3


def test_gamma_gamma_needs_repeat_buyers():
    with pytest.raises(DataError, match="1 accounts have a repeat purchase with positive spend"):
        ch.gamma_gamma_fit(summary_of([0, 1, 2], [0.0, 1.0, 2.0], [3.0] * 3, [np.nan, 5.0, 0.0]))


def test_expected_spend_weights_own_and_population_mean():
    s = summary_of([0, 2], [0.0, 30.0], [40.0, 40.0], [np.nan, 100.0])
    p, q, v = 6.25, 3.74, 15.44
    hand = [p * v / (q - 1), p * (v + 2 * 100.0) / (p * 2 + q - 1)]
    np.testing.assert_allclose(ch.expected_spend(GG_TRUE, s), hand, rtol=1e-12)


# --------------------------------------------------------------------------- CLV
def test_clv_without_discount_is_purchases_times_spend():
    s = ch.simulate_bgnbd(CDNOW, 300, T=39, seed=2, spend=GG_TRUE)
    out = ch.clv(s, CDNOW, spend=GG_TRUE, horizon=39)
    expected = ch.expected_purchases(CDNOW, s, 39) * ch.expected_spend(GG_TRUE, s)
    np.testing.assert_allclose(out["clv"], expected, rtol=1e-9)
    discounted = ch.clv(s, CDNOW, spend=GG_TRUE, horizon=39, discount=0.01)
    assert (discounted["clv"] < out["clv"]).all()
    assert out.attrs["spend"] == GG_TRUE


def test_clv_fits_spend_when_not_given():
    s = ch.simulate_bgnbd(CDNOW, 2000, T=39, seed=3, spend=GG_TRUE)
    assert ch.clv(s, CDNOW, horizon=4).attrs["spend"] == ch.gamma_gamma_fit(s)


def test_clv_rejects_bad_horizon():
    with pytest.raises(ConfigError, match="horizon must be a whole number"):
        ch.clv(summary_of([1], [1.0], [2.0], [3.0]), CDNOW, spend=GG_TRUE, horizon=0)


# --------------------------------------------------------------------------- rfm_summary
ORDERS = pd.DataFrame({
    "account_id": ["A", "A", "A", "A", "B", "C", "D", None],
    "order_date": pd.to_datetime(["2025-01-06", "2025-01-08", "2025-02-03", "2025-03-03", "2025-03-10",
                                  "2026-01-05", "2025-03-01", "2025-01-01"]),
    "revenue": [100.0, 20.0, 60.0, 90.0, 10.0, 5.0, np.nan, 1.0],
})


def test_rfm_summary_counts_purchase_days_and_measures_weeks_exactly():
    """A buys on 6 and 8 January, 3 February and 3 March: 3 repeat purchase days; 31 March is day 84."""
    s = ch.rfm_summary(ORDERS, as_of="2025-03-31")
    a = s.iloc[0]
    assert (a["frequency"], a["recency"], a["T"]) == (3, 56 / 7, 84 / 7)
    assert a["monetary_value"] == pytest.approx((20.0 + 60.0 + 90.0) / 3)
    b = s.iloc[1]  # one order on Monday 10 March: 21 days before as_of
    assert (b["frequency"], b["recency"], b["T"]) == (0, 0.0, 3.0)
    late = ch.rfm_summary(ORDERS.assign(order_date=ORDERS["order_date"] + pd.Timedelta(days=2)), as_of="2025-03-31")
    assert late.iloc[0]["T"] == pytest.approx(82 / 7)  # not rounded to whole weeks


def test_rfm_summary_reproduces_a_published_summary_row():
    """CDNOW's calibration ends 1997-09-30; a customer first buying on 1 January, again twice on 1 August
    (one purchase day) and on 2 August is x = 2, t_x = 213 / 7 = 30.43, T = 272 / 7 = 38.86 weeks."""
    orders = pd.DataFrame({"account_id": ["c"] * 4, "revenue": [10.0, 5.0, 5.0, 8.0],
                           "order_date": pd.to_datetime(["1997-01-01", "1997-08-01", "1997-08-01", "1997-08-02"])})
    row = ch.rfm_summary(orders, as_of="1997-09-30").iloc[0]
    assert (row["frequency"], round(row["recency"], 2), round(row["T"], 2)) == (2, 30.43, 38.86)


def test_rfm_summary_grain_must_not_exceed_freq():
    with pytest.raises(ConfigError, match="grain 'M' is longer than the time unit freq 'W'"):
        ch.rfm_summary(ORDERS, as_of="2025-03-31", grain="M")
    with pytest.raises(ConfigError, match="grain must be a pandas period alias"):
        ch.rfm_summary(ORDERS, as_of="2025-03-31", grain="fortnight")


def test_rfm_summary_by_hand():
    """Whole weeks: A buys in weeks 2, 6, 10 of 2025 (two orders in week 2 are one purchase); as_of in week 14."""
    s = ch.rfm_summary(ORDERS, as_of="2025-03-31", accounts=["A", "B", "C", "D", "E"], grain="W")
    assert s["account_id"].tolist() == ["A", "B"]
    a = s.iloc[0]
    assert (a["frequency"], a["recency"], a["T"]) == (2, 8.0, 12.0)
    assert a["monetary_value"] == 75.0  # mean of the repeat purchases 60 and 90; the first (120) is left out
    assert a["first_purchase"] == pd.Timestamp("2025-01-06") and a["last_purchase"] == pd.Timestamp("2025-03-03")
    assert s.iloc[1][["frequency", "recency", "T"]].tolist() == [0, 0.0, 3.0]
    assert np.isnan(s.iloc[1]["monetary_value"])
    assert s.attrs["excluded"] == {"orders_after_as_of": 1, "orders_missing_values": 2, "accounts_without_orders": 3}
    assert s.attrs["accounts_without_orders"] == ("C", "D", "E")


def test_rfm_summary_other_periods():
    daily = ch.rfm_summary(ORDERS, as_of="2025-03-31", freq="D").iloc[0]
    assert (daily["frequency"], daily["recency"], daily["T"]) == (3, 56.0, 84.0)
    monthly = ch.rfm_summary(ORDERS, as_of="2025-03-31", freq="M", grain="M").iloc[0]
    assert (monthly["frequency"], monthly["recency"], monthly["T"]) == (2, 2.0, 2.0)
    months = ch.rfm_summary(ORDERS, as_of="2025-03-31", freq="M").iloc[0]  # purchase days, in mean months
    assert (months["frequency"], months["recency"]) == (3, pytest.approx(56 / (365.2425 / 12)))


orders_strategy = st.lists(
    st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(0, 400), st.floats(0.0, 1000.0)),
    min_size=1, max_size=40)


@given(orders_strategy, st.randoms())
@settings(max_examples=60, deadline=None)
def test_rfm_summary_matches_a_plain_definition_and_ignores_row_order(rows, rnd):
    orders = pd.DataFrame(rows, columns=["account_id", "day", "revenue"])
    orders["order_date"] = pd.Timestamp("2024-12-30") + pd.to_timedelta(orders.pop("day"), "D")  # a Monday
    as_of = pd.Timestamp("2025-10-01")
    s = ch.rfm_summary(orders, as_of=as_of, grain="W").set_index("account_id")
    shuffled = orders.sample(frac=1.0, random_state=rnd.randint(0, 10**6))
    pd.testing.assert_frame_equal(s, ch.rfm_summary(shuffled, as_of=as_of, grain="W").set_index("account_id"))
    days = ch.rfm_summary(orders, as_of=as_of).set_index("account_id")
    for acc, grp in orders[orders["order_date"] <= as_of].groupby("account_id"):
        assert days.loc[acc, "frequency"] == grp["order_date"].nunique() - 1
        assert days.loc[acc, "recency"] == pytest.approx((grp["order_date"].max() - grp["order_date"].min()).days / 7)
        assert days.loc[acc, "T"] == pytest.approx((as_of - grp["order_date"].min()).days / 7)
    kept = orders[orders["order_date"] <= as_of]
    for acc, grp in kept.groupby("account_id"):
        weeks = ((grp["order_date"] - pd.Timestamp("2024-12-30")).dt.days // 7).sort_values()
        per_week = grp.groupby(weeks.reindex(grp.index))["revenue"].sum().sort_index()
        row = s.loc[acc]
        assert row["frequency"] == weeks.nunique() - 1
        assert row["recency"] == weeks.max() - weeks.min()
        assert row["T"] == (as_of - pd.Timestamp("2024-12-30")).days // 7 - weeks.min()
        if len(per_week) > 1:
            assert row["monetary_value"] == pytest.approx(per_week.iloc[1:].mean())


def test_rfm_summary_errors():
    with pytest.raises(DataError, match="orders has no column 'revenue'"):
        ch.rfm_summary(ORDERS.drop(columns="revenue"), as_of="2025-03-31")
    with pytest.raises(ConfigError, match="as_of must be a date"):
        ch.rfm_summary(ORDERS, as_of="soon")


# --------------------------------------------------------------------------- churn_signals
AS_OF = "2025-12-31"


def signal_orders() -> pd.DataFrame:
    rows = [("F", "2025-05-15", 300), ("F", "2025-08-15", 200), ("F", "2025-11-15", 100),  # falling
            ("O", "2025-01-01", 1000), ("O", "2025-01-11", 1000), ("O", "2025-01-21", 1000),  # overdue
            ("C", "2025-10-01", 50), ("C", "2025-11-01", 50), ("C", "2025-12-01", 50),  # competitor
            ("V", "2025-12-20", 10), ("V", "2025-12-25", 10), ("V", "2025-12-30", 10),  # acceptance
            ("N", "2025-10-10", 70), ("N", "2025-11-10", 70), ("N", "2025-12-10", 70),  # nothing
            ("N", "2026-03-01", 70)]  # after as_of: ignored
    df = pd.DataFrame(rows, columns=["account_id", "order_date", "revenue"])
    return df.assign(order_date=pd.to_datetime(df["order_date"]), revenue=df["revenue"].astype(float))


def signal_visits() -> pd.DataFrame:
    dates = [f"2025-{m:02d}-05" for m in range(1, 11)]
    rows = [("V", d, i < 5, "") for i, d in enumerate(dates)]  # accepted 5×, then refused 5×
    rows += [("C", "2025-11-20", True, "客户提到鼎峰重卡报价更低"), ("N", "2025-11-20", True, "一切顺利"),
             ("N", "2025-03-01", True, "华岳汽车 visited, long ago")]  # outside the 6-month window
    df = pd.DataFrame(rows, columns=["account_id", "visit_date", "accepted", "notes"])
    return df.assign(visit_date=pd.to_datetime(df["visit_date"]))


def test_churn_signals_each_signal_fires_where_designed():
    risk = ch.churn_signals(signal_orders(), signal_visits(), as_of=AS_OF, competitors=["鼎峰重卡", "华岳汽车"])
    assert risk["account_id"].tolist() == ["O", "F", "C", "V"]  # by trailing-12-month revenue
    assert risk["revenue_at_risk"].tolist() == [3000.0, 600.0, 150.0, 30.0]
    assert risk["signals"].tolist() == ["overdue", "falling_revenue", "competitor", "declining_acceptance"]
    o = risk.iloc[0]
    assert (o["days_since_last"], o["median_gap_days"]) == (344, 10)
    assert risk.iloc[2]["competitors_mentioned"] == "鼎峰重卡"
    v = risk.iloc[3]
    assert (v["acceptance_recent"], v["acceptance_before"]) == (0.0, 1.0)
    assert pd.isna(risk.set_index("account_id").loc["F", "declining_acceptance"])  # no visits: not judged
    assert risk.attrs["not_evaluated"] == ("low_p_alive",)


def test_churn_signals_low_p_alive_with_params():
    risk = ch.churn_signals(signal_orders(), as_of=AS_OF, params=CDNOW).set_index("account_id")
    assert risk.loc["O", "low_p_alive"] and risk.loc["O", "p_alive"] < 0.1
    assert not risk.loc["F", "low_p_alive"]
    assert risk.attrs["not_evaluated"] == ("competitor", "declining_acceptance")
    assert risk["competitor"].isna().all()


def test_churn_signals_rules_are_parameters():
    lenient = ch.churn_signals(signal_orders(), as_of=AS_OF, gap_multiple=40.0, falling_periods=3)
    assert lenient.empty


def test_churn_signals_rejects_bad_rules():
    with pytest.raises(ConfigError, match="falling_periods must be a whole number ≥ 1, but 0 was passed"):
        ch.churn_signals(signal_orders(), as_of=AS_OF, falling_periods=0)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_signal_has_a_label_and_a_response(lang):
    table = ch.signal_responses(lang)
    assert table["signal"].tolist() == list(ch.SIGNALS)
    for s in ch.SIGNALS:
        assert i18n.has(f"churn_signal.{s}") and i18n.has(f"churn_response.{s}")
    assert table["response"].str.len().gt(5).all()


def test_churn_signals_reuses_a_given_summary():
    orders, visits, rivals = signal_orders(), signal_visits(), ["鼎峰重卡", "华岳汽车"]
    summary = ch.rfm_summary(orders, as_of=AS_OF)
    fresh = ch.churn_signals(orders, visits, as_of=AS_OF, params=CDNOW, competitors=rivals)
    reused = ch.churn_signals(orders, visits, as_of=AS_OF, params=CDNOW, summary=summary, competitors=rivals)
    pd.testing.assert_frame_equal(reused, fresh, check_exact=True)
    assert reused.attrs == fresh.attrs
    # the summary given is the one used: without repeat purchases every account is surely alive
    alive = ch.churn_signals(orders, as_of=AS_OF, params=CDNOW, summary=summary.assign(frequency=0, recency=0.0))
    assert (alive["p_alive"] == 1.0).all() and not alive["low_p_alive"].any()


def test_a_given_summary_may_list_accounts_the_orders_do_not_have():
    others = pd.DataFrame({"account_id": ["NEW1", "NEW2"], "order_date": pd.to_datetime(["2025-01-05", "2025-02-01"]),
                           "revenue": [5.0, 7.0]})
    summary = ch.rfm_summary(pd.concat([signal_orders(), others], ignore_index=True), as_of=AS_OF)
    out = ch.churn_signals(signal_orders(), as_of=AS_OF, params=CDNOW, summary=summary)
    own = summary[~summary["account_id"].isin(["NEW1", "NEW2"])]
    pd.testing.assert_frame_equal(out, ch.churn_signals(signal_orders(), as_of=AS_OF, params=CDNOW, summary=own))
    assert not out["account_id"].isin(["NEW1", "NEW2"]).any()


def test_churn_signals_ignore_visits_without_an_account():
    rivals = ["鼎峰重卡", "华岳汽车"]
    orphans = pd.DataFrame({"account_id": [None] * 6, "visit_date": pd.to_datetime(["2025-11-01"] * 6),
                            "accepted": [False] * 6, "notes": ["鼎峰重卡"] * 6})
    visits = pd.concat([signal_visits(), orphans], ignore_index=True)
    expected = ch.churn_signals(signal_orders(), signal_visits(), as_of=AS_OF, competitors=rivals)
    pd.testing.assert_frame_equal(ch.churn_signals(signal_orders(), visits, as_of=AS_OF, competitors=rivals), expected)


order_rows = st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(0, 760),
                                st.sampled_from([10.0, 0.1, 0.7, 1e6 / 3])), min_size=1, max_size=60)
visit_rows = st.lists(st.tuples(st.sampled_from(["A", "B", "C", "E"]), st.integers(0, 760), st.booleans(),
                                st.sampled_from(["", "鼎峰重卡报价低", "一切顺利"])),
                      max_size=40, unique_by=lambda row: row[:2])  # one visit per account and day


def plain_gaps(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Days since the last purchase and median gap between purchase days, one account at a time."""
    rows = {}
    for acc, grp in orders[orders["order_date"] <= as_of].groupby("account_id"):
        days = np.sort(grp["order_date"].unique())
        gaps = np.diff(days) / np.timedelta64(1, "D")
        rows[acc] = ((as_of - days[-1]).days, np.median(gaps) if len(gaps) else np.nan)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["days_since_last", "median_gap_days"])


@given(order_rows, visit_rows, st.randoms())
@settings(max_examples=60, deadline=None)
def test_churn_signals_match_plain_definitions_and_ignore_row_order(rows, visits, rnd):
    start, as_of = pd.Timestamp("2024-01-01"), pd.Timestamp(AS_OF)
    orders = pd.DataFrame(rows, columns=["account_id", "day", "revenue"])
    orders["order_date"] = start + pd.to_timedelta(orders.pop("day"), "D")
    visits = pd.DataFrame(visits, columns=["account_id", "day", "accepted", "notes"])
    visits["visit_date"] = start + pd.to_timedelta(visits.pop("day"), "D")
    rules = {"as_of": AS_OF, "competitors": ["鼎峰重卡"], "min_purchases": 2, "last_visits": 2}
    risk = ch.churn_signals(orders, visits, **rules)
    shuffled = ch.churn_signals(orders.sample(frac=1.0, random_state=rnd.randint(0, 10**6)),
                                visits.sample(frac=1.0, random_state=rnd.randint(0, 10**6)), **rules)
    pd.testing.assert_frame_equal(risk, shuffled)
    risk = risk.set_index("account_id")
    gaps = plain_gaps(orders, as_of).reindex(risk.index)
    assert risk["days_since_last"].tolist() == pytest.approx(gaps["days_since_last"].tolist(), nan_ok=True)
    assert risk["median_gap_days"].tolist() == pytest.approx(gaps["median_gap_days"].tolist(), nan_ok=True)
    recent = orders[(orders["order_date"] > as_of - pd.DateOffset(months=12)) & (orders["order_date"] <= as_of)]
    at_risk = recent.groupby("account_id")["revenue"].sum().reindex(risk.index, fill_value=0.0)
    assert risk["revenue_at_risk"].tolist() == pytest.approx(at_risk.tolist())
    seen = visits[visits["visit_date"] <= as_of].sort_values("visit_date")
    for acc, grp in seen.groupby("account_id"):
        if acc in risk.index:
            assert risk.loc[acc, "acceptance_recent"] == grp["accepted"].iloc[-2:].mean()
    for acc, row in risk.iterrows():
        fired = [s for s in ch.SIGNALS if row[s] is True]
        assert row["signals"] == ", ".join(fired) and row["n_signals"] == len(fired) > 0


# --------------------------------------------------------------------------- holdout comparison
def pareto_nbd_orders(n: int, seed: int, *, weeks: float = 104.0) -> pd.DataFrame:
    """Orders of *n* accounts buying as Pareto/NBD says (λ ~ Gamma(0.8, 8), μ ~ Gamma(1.2, 60) per week),
    first purchase in the first 26 weeks, then Poisson purchases until an exponential lifetime ends."""
    rng = np.random.default_rng(seed)
    lam, mu = rng.gamma(0.8, 1 / 8, n), rng.gamma(1.2, 1 / 60, n)
    birth = rng.uniform(0, 26, n)
    death = birth + rng.exponential(1 / mu)
    rows = []
    for i in range(n):
        t = birth[i]
        while t <= min(death[i], weeks):
            rows.append((f"A{i:05d}", t))
            t += rng.exponential(1 / lam[i])
    acc, week = zip(*rows)
    return pd.DataFrame({"account_id": acc, "revenue": 1.0,
                         "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.floor(np.array(week) * 7), "D")})


@pytest.fixture(scope="module")
def pnbd_orders() -> pd.DataFrame:
    return pareto_nbd_orders(3000, 5)


@pytest.fixture(scope="module")
def comparison(pnbd_orders):
    return ho.compare_models(pnbd_orders, as_of="2025-12-28")


def test_holdout_comparison_counts_the_holdout_purchases_of_calibration_accounts(pnbd_orders, comparison):
    end = comparison.calibration_end
    assert end == pd.Timestamp("2025-12-28") - pd.Timedelta(weeks=52) and comparison.holdout_periods == 52
    before = pnbd_orders[pnbd_orders["order_date"] <= end]
    after = pnbd_orders[(pnbd_orders["order_date"] > end) & pnbd_orders["account_id"].isin(set(before["account_id"]))]
    assert comparison.n_accounts == before["account_id"].nunique()
    assert (comparison.scores["actual"] == after.groupby("account_id")["order_date"].nunique().sum()).all()
    buckets = comparison.buckets
    assert buckets["accounts"].sum() == comparison.n_accounts and buckets["repeat_purchases"].iloc[-1] == "7+"
    actual_mean = (buckets["actual"] * buckets["accounts"]).sum() / buckets["accounts"].sum()
    assert actual_mean * comparison.n_accounts == pytest.approx(comparison.scores["actual"].iloc[0])


def test_holdout_predictions_are_each_fit_s_expected_purchases(pnbd_orders, comparison):
    calibration = ch.rfm_summary(pnbd_orders, as_of=comparison.calibration_end)
    scores = comparison.scores.set_index("model")
    bg_fit, pn_fit = comparison.fits["bgnbd"], comparison.fits["pareto_nbd"]
    assert scores.at["bgnbd", "predicted"] == pytest.approx(ch.expected_purchases(bg_fit, calibration, 52).sum())
    assert scores.at["pareto_nbd", "predicted"] == pytest.approx(
        ch.pareto_nbd_expected_purchases(pn_fit, calibration, 52).sum())
    assert comparison.chosen == scores["mae"].idxmin() and comparison.reason == ""


def test_holdout_forecast_of_the_true_process_is_close(comparison):
    """On data from the Pareto/NBD process, the chosen model predicts the holdout total within 10 %."""
    score = comparison.scores.set_index("model").loc[comparison.chosen]
    assert abs(score["total_error"]) < 0.10, score


def test_holdout_comparison_falls_back_and_says_why(pnbd_orders):
    short = ho.compare_models(pnbd_orders, as_of="2025-12-28", holdout=8)
    assert (short.chosen, short.reason, short.scores.empty) == ("bgnbd", "short_holdout", True)
    early = ho.compare_models(pnbd_orders, as_of="2024-09-01", holdout=30)
    assert early.reason == "short_calibration"
    few = ho.compare_models(pnbd_orders, as_of="2025-12-28", min_repeaters=10**6, default="pareto_nbd")
    assert (few.chosen, few.reason) == ("pareto_nbd", "few_repeaters")
    text = readings.holdout_note(few, "en", min_repeaters=10**6)
    assert f"only {i18n.format_count(few.n_repeaters)} accounts bought again" in text
    assert text.endswith("Pareto/NBD is used by default.")
    with pytest.raises(ConfigError, match="model must be one of 'bgnbd', 'pareto_nbd'"):
        ho.compare_models(pnbd_orders, as_of="2025-12-28", default="cox")


def test_holdout_comparison_on_a_seeded_sample_says_so(pnbd_orders, comparison):
    sampled = ho.compare_models(pnbd_orders, as_of="2025-12-28", max_accounts=1500, seed=3)
    assert (sampled.n_accounts, sampled.n_compared) == (comparison.n_accounts, 1500)
    assert comparison.n_compared == comparison.n_accounts and sampled.buckets["accounts"].sum() == 1500
    assert sampled.scores["actual"].iloc[0] < comparison.scores["actual"].iloc[0]
    again = ho.compare_models(pnbd_orders, as_of="2025-12-28", max_accounts=1500, seed=3)
    pd.testing.assert_frame_equal(sampled.scores, again.scores)
    for lang, phrase in (("en", "random sample of 1,500 of the"), ("zh", "随机抽取的1,500个")):
        assert phrase in readings.holdout_note(sampled, lang) and phrase not in readings.holdout_note(comparison, lang)
        assert i18n.format_count(sampled.n_accounts, lang) in readings.holdout_note(sampled, lang)
    with pytest.raises(ConfigError, match="max_accounts must be a whole number"):
        ho.compare_models(pnbd_orders, as_of="2025-12-28", max_accounts=0)


def test_pareto_nbd_fit_from_a_start_reaches_the_same_likelihood(comparison):
    calibration_fit = comparison.fits["pareto_nbd"]
    summary = ch.simulate_pareto_nbd(calibration_fit, 1500, T=52, seed=4)
    cold, warm = ch.pareto_nbd_fit(summary), ch.pareto_nbd_fit(summary, start=calibration_fit)
    assert warm.converged and warm.log_likelihood == pytest.approx(cold.log_likelihood, abs=1e-3)


def test_clv_and_signals_accept_either_model(pnbd_orders, comparison):
    summary = ch.rfm_summary(pnbd_orders, as_of="2025-12-28")
    fit = comparison.fits["pareto_nbd"]
    value = ch.clv(summary.assign(monetary_value=np.where(summary["frequency"] > 0, 1.0, np.nan)), fit,
                   spend=ch.GammaGammaParams(6.0, 4.0, 15.0), horizon=10)
    assert value.attrs["model"] == "pareto_nbd"
    np.testing.assert_allclose(value["p_alive"], ch.pareto_nbd_p_alive(fit, summary))
    np.testing.assert_allclose(value["expected_purchases"], ch.pareto_nbd_expected_purchases(fit, summary, 10))
    risk = ch.churn_signals(pnbd_orders, as_of="2025-12-28", params=fit, summary=summary)
    alive = ch.pareto_nbd_p_alive(fit, summary).set_axis(summary["account_id"])
    np.testing.assert_allclose(risk["p_alive"], alive.reindex(risk["account_id"]).to_numpy())


def test_holdout_note_names_the_winner_and_an_unsettled_calibration_fit(comparison):
    scores = comparison.scores.set_index("model")
    winner = readings.model_label(comparison.chosen)
    text = readings.holdout_note(comparison, "en")
    assert f"**{winner}** came closer" in text
    assert f"They bought {i18n.format_number(scores['actual'].iloc[0], 'en', 0)} times" in text
    assert "did not settle" not in text  # both calibration fits converged
    unsettled = ho.HoldoutComparison(**{**comparison.__dict__,
                                        "scores": comparison.scores.assign(converged=[False, True])})
    assert readings.holdout_note(unsettled, "en").endswith(
        "The BG/NBD fit on the orders before the holdout did not settle on one answer (quite different parameters "
        "describe them about equally well), so its forecast is less certain than its figures suggest.")
