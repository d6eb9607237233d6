"""Customer churn: RFM summaries, CLV and early-warning signals.

Pure functions on DataFrames behind the customer-classification notebook (rules and
sources: ``docs/churn.md``). The statistical models live in :mod:`kamlib.churn.bgnbd`
and :mod:`kamlib.churn.paretonbd`; :func:`clv` and :func:`churn_signals` take the
parameters of either (:mod:`kamlib.churn.purchases`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.churn.bgnbd import GammaGammaParams, expected_spend, gamma_gamma_fit
from kamlib.churn.purchases import (
    PurchaseParams,
    alive_probability,
    model_name,
    purchases_path,
)
from kamlib.errors import ConfigError, require_columns
from kamlib.grouping import by_group, rows_where, run_starts, sorted_groups

__all__ = [
    "SIGNALS",
    "churn_signals",
    "clv",
    "period_days",
    "rfm_summary",
    "signal_responses",
]

#: Churn warning signals that data can show (``docs/churn.md#churn-warning-signals``), in display order.
SIGNALS = ("falling_revenue", "overdue", "low_p_alive", "competitor", "declining_acceptance")


_COLUMN_FIX = "Rename the column or pass its name."


def _timestamp(as_of: object, purpose: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{purpose}: as_of must be a date such as '2025-12-31', but {as_of!r} was passed.") from err
    if pd.isna(stamp):
        raise ConfigError(f"{purpose}: as_of must be a date such as '2025-12-31', but {as_of!r} was passed.")
    return stamp


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct integers (as ``np.unique``, whose hashing is slow on millions of codes)."""
    ordered = np.sort(values)
    return ordered[run_starts(ordered)]


# --------------------------------------------------------------------------- RFM
def period_days(freq: str) -> float:
    """Mean length of one *freq* period in days (exact for fixed periods: 7 for "W", 1 for "D").

    Examples
    --------
    >>> period_days("W"), period_days("D"), round(period_days("M"), 3)
    (7.0, 1.0, 30.437)
    """
    span = pd.Period("2400-01-01", freq).ordinal - pd.Period("2000-01-01", freq).ordinal
    return 146097.0 / span  # days in the 400-year Gregorian cycle


def _check_grain(freq: str, grain: str) -> None:
    for name, alias in (("freq", freq), ("grain", grain)):
        try:
            pd.Period("2000-01-01", alias)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"rfm_summary: {name} must be a pandas period alias such as 'D', 'W' or 'M', "
                              f"but {alias!r} was passed.") from err
    if period_days(grain) > period_days(freq) * (1 + 1e-9):
        raise ConfigError(f"rfm_summary: grain {grain!r} is longer than the time unit freq {freq!r}; "
                          "pass a grain no longer than freq (grain='D' counts purchase days).")


def rfm_summary(orders: pd.DataFrame, *, as_of: object, freq: str = "W", grain: str = "D",
                accounts: Sequence[str] | None = None, account: str = "account_id", date: str = "order_date",
                value: str = "revenue") -> pd.DataFrame:
    """Frequency, recency, age and monetary value of each account, as BG/NBD needs them.

    Parameters
    ----------
    orders : DataFrame
        One row per order with *account*, *date* and *value* columns.
    as_of : date-like
        End of observation; only orders on or before this date count.
    freq : str, default "W"
        Time unit of ``recency`` and ``T`` (a pandas period alias: "D", "W", "M", …);
        the purchase models' rates are then per unit.
    grain : str, default "D"
        Purchase grain: orders in the same grain period (the same day for "D") are one
        purchase. With the default, times are measured exactly from purchase day to
        purchase day and to *as_of*, in units of *freq* (days / 7 for "W"), as
        published RFM summaries are. ``grain=freq`` counts purchases and times in
        whole periods of *freq* instead (orders in the same week are one purchase).
    accounts : sequence of str, optional
        Every account id (e.g. ``accounts["account_id"]``); those without an order on
        or before *as_of* are then counted too, not only those whose orders all come later.
    account, date, value : str
        Column names in *orders*.

    Returns
    -------
    DataFrame
        One row per account with an order on or before *as_of*, sorted by account:
        ``account_id, frequency, recency, T, monetary_value, first_purchase,
        last_purchase``. ``attrs["excluded"]`` counts what was left out:
        ``orders_after_as_of``, ``orders_missing_values`` and
        ``accounts_without_orders`` (accounts of *orders* or *accounts* without an
        order on or before *as_of*), with their ids in ``attrs["accounts_without_orders"]``.

    Raises
    ------
    DataError
        When a column is missing.

    Notes
    -----
    Definitions of Fader, Hardie & Lee (2005), "Counting your customers the easy way",
    *Marketing Science* 24(2), section 3 (``docs/churn.md#rfm-summary``): with orders
    grouped into purchases by *grain*,

    * ``frequency`` x = number of repeat purchases = distinct purchase days (grain
      periods) − 1;
    * ``recency`` t_x = time between the first and the last purchase, in *freq* units;
    * ``T`` = time between the first purchase and *as_of*, in *freq* units;
    * ``monetary_value`` = mean value of the repeat purchases (the first period's
      value left out, as in FHL 2005b); NaN when frequency is 0.

    Examples
    --------
    >>> orders = pd.DataFrame({"account_id": ["A", "A", "A", "B", "C"],
    ...     "order_date": pd.to_datetime(["2025-01-06", "2025-01-07", "2025-03-05", "2025-02-03",
    ...                                   "2026-01-05"]),
    ...     "revenue": [100.0, 50.0, 80.0, 10.0, 5.0]})
    >>> s = rfm_summary(orders, as_of="2025-03-31")
    >>> s[["account_id", "frequency", "recency", "T", "monetary_value"]].round(3)
      account_id  frequency  recency     T  monetary_value
    0          A          2    8.286  12.0            65.0
    1          B          0    0.000   8.0             NaN

    Whole weeks instead, the two orders of A's first week being one purchase:

    >>> rfm_summary(orders, as_of="2025-03-31", grain="W")[["frequency", "recency", "T"]].iloc[0].tolist()
    [1.0, 8.0, 12.0]
    >>> s.attrs["excluded"]["accounts_without_orders"], s.attrs["accounts_without_orders"]
    (1, ('C',))
    """
    require_columns(orders, [account, date, value], purpose="rfm_summary", table="orders", fix=_COLUMN_FIX)
    _check_grain(freq, grain)
    stamp = _timestamp(as_of, "rfm_summary")
    ok = orders[account].notna() & orders[date].notna() & orders[value].notna()
    after = ok & (orders[date] > stamp)
    use = ok & ~after
    kept = rows_where(orders, use, [account, date, value])
    codes, ids = pd.factorize(kept[account], sort=True)
    period_code, periods = pd.factorize(pd.PeriodIndex(kept[date], freq=grain).asi8, sort=True)
    # one integer key per (account, period), ordered like the pair: much faster to group by than the pair
    keys, group, order, bounds = sorted_groups(codes * len(periods) + period_code)
    val = by_group(group, len(keys), kept[value].to_numpy(dtype=float))
    day = kept[date].to_numpy()[order]
    last_day, first_day = np.maximum.reduceat(day, bounds), np.minimum.reduceat(day, bounds)
    acc, pnum = np.divmod(keys, max(len(periods), 1))
    pnum = periods[pnum]
    starts = run_starts(acc)
    ends = np.r_[starts[1:], len(acc)][: len(starts)] - 1
    counts = ends - starts + 1
    totals = np.add.reduceat(val, starts) if len(starts) else np.zeros(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(counts > 1, (totals - val[starts]) / (counts - 1), np.nan)
    recency, age = _times(pnum[starts], pnum[ends], stamp, freq, grain)
    summary = pd.DataFrame({
        "account_id": pd.array(ids[acc[starts]], dtype="string"),
        "frequency": counts - 1,
        "recency": recency,
        "T": age,
        "monetary_value": monetary,
        "first_purchase": first_day[starts],
        "last_purchase": last_day[ends],
    })
    known = orders.loc[after, account].unique().tolist() + (list(accounts) if accounts is not None else [])
    without = pd.Index(known).unique().difference(pd.Index(ids)).sort_values()
    summary.attrs["excluded"] = {"orders_after_as_of": int(after.sum()),
                                 "orders_missing_values": int((~ok).sum()),
                                 "accounts_without_orders": len(without)}
    summary.attrs["accounts_without_orders"] = tuple(map(str, without))
    return summary


def _times(first: np.ndarray, last: np.ndarray, stamp: pd.Timestamp, freq: str,
           grain: str) -> tuple[np.ndarray, np.ndarray]:
    """Recency and age in *freq* units from the first and last purchase's *grain* period ordinals."""
    if pd.Period(stamp, freq=grain).freqstr == pd.Period(stamp, freq=freq).freqstr:  # whole periods
        return (last - first).astype(float), (pd.Period(stamp, freq=freq).ordinal - first).astype(float)
    start = pd.PeriodIndex.from_ordinals(first, freq=grain).start_time
    end = pd.PeriodIndex.from_ordinals(last, freq=grain).start_time
    unit = pd.Timedelta(days=period_days(freq))
    return ((end - start) / unit).to_numpy(dtype=float), ((stamp.normalize() - start) / unit).to_numpy(dtype=float)


# --------------------------------------------------------------------------- CLV
def clv(summary: pd.DataFrame, params: PurchaseParams, *, spend: GammaGammaParams | None = None,
        horizon: int = 52, discount: float = 0.0) -> pd.DataFrame:
    """Expected value of each account over the next *horizon* periods (FHL 2005b).

    Parameters
    ----------
    summary : DataFrame
        :func:`rfm_summary` output (``frequency, recency, T, monetary_value``).
    params : BGNBDParams or ParetoNBDParams
        Fitted purchase model, in the summary's period unit.
    spend : GammaGammaParams, optional
        Fitted spend model; default :func:`gamma_gamma_fit` on *summary*.
    horizon : int, default 52
        Number of periods ahead (52 weeks = one year for ``freq="W"``).
    discount : float, default 0.0
        Discount rate per period (e.g. 0.10 a year is about 0.0018 a week).

    Returns
    -------
    DataFrame
        ``account_id, p_alive, expected_purchases, expected_spend, clv`` aligned with
        *summary*; ``attrs["model"]`` is the purchase model's code, ``attrs["horizon"]`` the periods
        ahead and ``attrs["spend"]`` the spend model used (its
        ``corr_frequency_monetary`` checks the model's assumption that spend does not
        depend on frequency).

    Notes
    -----
    ``CLV = Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) · E[Z] / (1 + d)^k`` with ``E[Y(k)]`` the
    purchase model's conditional expected purchases in the next k periods
    (:func:`kamlib.churn.purchases.purchases_path`) and ``E[Z]`` the Gamma-Gamma expected spend per
    purchase (:func:`expected_spend`). Without discount this is
    ``E[Y(H)] · E[Z]``.

    Examples
    --------
    >>> from kamlib.churn.bgnbd import BGNBDParams, simulate_bgnbd
    >>> s = simulate_bgnbd((0.5, 5.0, 0.8, 2.5), 500, T=52, seed=3, spend=GammaGammaParams(6.0, 4.0, 15.0))
    >>> out = clv(s, BGNBDParams(0.5, 5.0, 0.8, 2.5), spend=GammaGammaParams(6.0, 4.0, 15.0), horizon=26)
    >>> out.columns.tolist()
    ['account_id', 'p_alive', 'expected_purchases', 'expected_spend', 'clv']
    >>> bool((out["clv"] >= 0).all())
    True
    """
    if int(horizon) != horizon or horizon < 1:
        raise ConfigError(f"clv: horizon must be a whole number of periods ≥ 1, but {horizon!r} was passed.")
    if not discount >= 0:
        raise ConfigError(f"clv: discount must be a rate ≥ 0 per period, but {discount!r} was passed.")
    spend = gamma_gamma_fit(summary) if spend is None else spend
    steps = np.arange(1, int(horizon) + 1)
    cumulative = np.column_stack([np.zeros(len(summary)), purchases_path(params, summary, steps)])
    factors = (1.0 + discount) ** -steps.astype(float)
    per_spend = expected_spend(spend, summary)
    out = pd.DataFrame({
        "account_id": summary.get("account_id", summary.index),
        "p_alive": alive_probability(params, summary),
        "expected_purchases": cumulative[:, -1],
        "expected_spend": per_spend,
        "clv": (np.diff(cumulative, axis=1) @ factors) * per_spend.to_numpy(),
    }, index=summary.index)
    out.attrs["spend"] = spend
    out.attrs["model"] = model_name(params)
    out.attrs["horizon"] = int(horizon)
    return out


# --------------------------------------------------------------------------- signals
def signal_responses(lang: str = "en") -> pd.DataFrame:
    """The churn warning signals and the recommended response to each (``docs/churn.md#churn-warning-signals``).

    Parameters
    ----------
    lang : {"en", "zh"}
        Language of the texts.

    Returns
    -------
    DataFrame
        ``signal`` (code), ``label`` and ``response``, one row per :data:`SIGNALS`.

    Examples
    --------
    >>> signal_responses("zh").set_index("signal").loc["competitor", "response"]
    '了解其采购竞品的原因，推荐我方其他产品。'
    """
    i18n.check_lang(lang)
    return pd.DataFrame({"signal": list(SIGNALS),
                         "label": [i18n.t(f"churn_signal.{s}", lang) for s in SIGNALS],
                         "response": [i18n.t(f"churn_response.{s}", lang) for s in SIGNALS]})


def _window_revenue(orders: pd.DataFrame, stamp: pd.Timestamp, months: int, windows: int) -> pd.DataFrame:
    """Revenue per account code in *windows* trailing windows of *months* ending at *stamp* (col 0 = latest)."""
    edges = [stamp - pd.DateOffset(months=months * k) for k in range(windows, -1, -1)]
    slot = np.searchsorted(np.array(edges, dtype="datetime64[ns]"), orders["order_date"].to_numpy(), side="left")
    inside = (slot >= 1) & (slot <= windows)
    keys, group, _, _ = sorted_groups(orders["account_id"].to_numpy()[inside] * windows + (windows - slot[inside]))
    sums = by_group(group, len(keys), orders["revenue"].to_numpy(dtype=float)[inside])  # as a pivot table adds
    account, window = np.divmod(keys, windows)
    accounts = account[run_starts(account)]
    table = np.zeros((len(accounts), windows))
    table[np.searchsorted(accounts, account), window] = sums
    return pd.DataFrame(table, index=pd.Index(accounts, name="account_id"))


def _purchase_gaps(orders: pd.DataFrame, stamp: pd.Timestamp) -> pd.DataFrame:
    """Distinct purchase days, median gap (days) and days since the last purchase per account code."""
    day_code, days = pd.factorize(orders["order_date"].to_numpy(), sort=True)
    pairs = _distinct(orders["account_id"].to_numpy() * len(days) + day_code)  # by account, then day
    account, day = np.divmod(pairs, max(len(days), 1))
    when = days[day]
    starts = run_starts(account)
    ends = np.append(starts[1:], len(account))[: len(starts)] - 1
    same = account[1:] == account[:-1]
    gap = (np.diff(when) // np.timedelta64(1, "D"))[same]
    top = int(gap.max()) + 1 if len(gap) else 1
    ordered = np.sort(account[1:][same] * top + gap) % top  # gaps sorted within each account
    n_gaps = ends - starts
    first = np.cumsum(n_gaps) - n_gaps
    median = np.full(len(starts), np.nan)
    has = n_gaps > 0
    low, high = first[has] + (n_gaps[has] - 1) // 2, first[has] + n_gaps[has] // 2
    median[has] = (ordered[low].astype(float) + ordered[high].astype(float)) / 2
    return pd.DataFrame({"purchase_days": n_gaps + 1, "median_gap_days": median,
                         "days_since_last": (stamp.to_datetime64() - when[ends]) // np.timedelta64(1, "D")},
                        index=pd.Index(account[starts], name="account_id"))


def _competitor_mentions(visits: pd.DataFrame, stamp: pd.Timestamp, names: Sequence[str], months: int) -> pd.Series:
    """Competitor names found in visit notes of the last *months* months, per account code (", "-joined)."""
    recent = rows_where(visits, (visits["visit_date"] > stamp - pd.DateOffset(months=months))
                        & (visits["visit_date"] <= stamp), ["account_id", "notes"])
    note, texts = pd.factorize(recent["notes"].astype("string").fillna(""))  # each distinct note searched once
    found = pd.DataFrame({name: pd.Series(texts).str.contains(name, regex=False).to_numpy()[note] for name in names})
    per = found.groupby(recent["account_id"].to_numpy()).any()
    joined = pd.Series("", index=per.index, dtype=object)
    for name in names:
        joined = joined + np.where(per[name], name + ", ", "")
    return joined.str.removesuffix(", ").rename("competitors_mentioned")


def _acceptance(visits: pd.DataFrame, stamp: pd.Timestamp, last: int) -> pd.DataFrame:
    """Acceptance rate of each account's last *last* visits and of the visits before them (by account code)."""
    seen = rows_where(visits, (visits["visit_date"] <= stamp) & visits["accepted"].notna(),
                      ["account_id", "visit_date", "accepted"])
    latest_first = np.argsort(seen["visit_date"].to_numpy(), kind="stable")[::-1]  # same day: later row first
    account = seen["account_id"].to_numpy()[latest_first]
    accepted = seen["accepted"].astype(float).to_numpy()[latest_first]
    recent = pd.Series(account).groupby(account, sort=False).cumcount().to_numpy() < last  # the last visits
    size = int(account.max()) + 1 if len(account) else 0

    def rate(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.bincount(account[rows], weights=accepted[rows], minlength=size),
                np.bincount(account[rows], minlength=size))

    hits, count = rate(recent)
    hits_before, count_before = rate(~recent)
    ids, before = np.flatnonzero(count), np.flatnonzero(count_before)
    return pd.DataFrame({"acceptance_recent": pd.Series(hits[ids] / count[ids], index=ids),
                         "acceptance_before": pd.Series(hits_before[before] / count_before[before], index=before),
                         "visits_before": pd.Series(count_before[before], index=before)})


def _codes(orders: pd.DataFrame, visits: pd.DataFrame | None,
           stamp: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.Index]:
    """Orders and visits up to *stamp* with an account, only the columns the signals use, account ids as codes.

    Grouping on integer codes is much faster than on (Arrow) strings; ``ids[code]`` is the account id.
    """
    seen = rows_where(orders,
                      orders["order_date"].notna() & (orders["order_date"] <= stamp) & orders["account_id"].notna(),
                      ["account_id", "order_date", "revenue"])
    if visits is None:
        codes, ids = pd.factorize(seen["account_id"])
        return seen.assign(account_id=codes), None, ids
    columns = ["account_id", "visit_date"] + [c for c in ("notes", "accepted") if c in visits.columns]
    visits = rows_where(visits, visits["account_id"].notna() & (visits["visit_date"] <= stamp), columns)
    codes, ids = pd.factorize(pd.concat([seen["account_id"], visits["account_id"]], ignore_index=True))
    return seen.assign(account_id=codes[: len(seen)]), visits.assign(account_id=codes[len(seen):]), ids


def churn_signals(orders: pd.DataFrame, visits: pd.DataFrame | None = None, *, as_of: object,
                  params: PurchaseParams | None = None, summary: pd.DataFrame | None = None, freq: str = "W",
                  falling_periods: int = 2, period_months: int = 3, gap_multiple: float = 2.0, min_purchases: int = 3,
                  p_alive_below: float = 0.5, competitors: Sequence[str] = (), note_months: int = 6,
                  last_visits: int = 5, acceptance_drop: float = 0.25, risk_months: int = 12) -> pd.DataFrame:
    """Accounts showing churn warning signals, ranked by revenue at risk (``docs/churn.md#churn-warning-signals``).

    Parameters
    ----------
    orders : DataFrame
        ``account_id, order_date, revenue``.
    visits : DataFrame, optional
        ``account_id, visit_date`` with ``notes`` (competitor signal) and ``accepted``
        (acceptance signal). Without it those signals are not evaluated.
    as_of : date-like
        The day the signals are computed for; later orders and visits are ignored.
    params : BGNBDParams or ParetoNBDParams, optional
        Purchase model fitted with the same *freq*; enables ``low_p_alive``.
    summary : DataFrame, optional
        ``rfm_summary(orders, as_of=as_of, freq=freq)`` when already computed (e.g.
        for the fit of *params*), so that it is not computed again; used with *params*.
    freq : str, default "W"
        Period of :func:`rfm_summary` for ``p_alive``.
    falling_periods : int, default 2
        ``falling_revenue``: revenue fell in each of the last N windows (N + 1
        consecutive windows strictly decreasing, the oldest above zero).
    period_months : int, default 3
        Window length in months (3 = quarters), windows end at *as_of*.
    gap_multiple : float, default 2.0
        ``overdue``: no purchase for more than this multiple of the account's median
        gap between purchase days.
    min_purchases : int, default 3
        Purchase days an account needs before ``overdue`` is judged.
    p_alive_below : float, default 0.5
        ``low_p_alive``: the purchase model's probability of being active below this.
    competitors : sequence of str, default ()
        Competitor names searched in visit notes (``competitor``); empty = not evaluated.
    note_months : int, default 6
        How far back visit notes are searched.
    last_visits : int, default 5
        ``declining_acceptance``: acceptance rate of the last k visits…
    acceptance_drop : float, default 0.25
        …is at least this much below the rate of the (at least k) visits before them.
    risk_months : int, default 12
        Revenue at risk = the account's revenue over this many months up to *as_of*.

    Returns
    -------
    DataFrame
        Accounts with at least one signal, by ``revenue_at_risk`` descending:
        ``account_id, revenue_at_risk, n_signals, signals`` (codes, ", "-joined), one
        nullable boolean column per code of :data:`SIGNALS` (NA = not evaluated for
        the account), and the evidence ``days_since_last, median_gap_days, p_alive,
        competitors_mentioned, acceptance_recent, acceptance_before``.
        ``attrs["not_evaluated"]`` lists signals the inputs could not support.
        Responses: :func:`signal_responses`.

    Notes
    -----
    Data-visible signals of ``docs/churn.md#churn-warning-signals``: falling transaction value (find out why and
    fix it), no purchase for longer than usual (keep in touch, find the cause), a
    competitor mentioned (recommend other products), cold replies seen as declining
    visit acceptance (keep in touch, find the cause).

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> risk = churn_signals(ds.table("orders"), ds.table("visits"), as_of="2025-12-31",
    ...                      competitors=["鼎峰重卡", "华岳汽车"])
    >>> risk.columns[:4].tolist()
    ['account_id', 'revenue_at_risk', 'n_signals', 'signals']
    >>> bool(risk["revenue_at_risk"].is_monotonic_decreasing)
    True
    """
    _check_rules(falling_periods=falling_periods, period_months=period_months, min_purchases=min_purchases,
                 note_months=note_months, last_visits=last_visits, risk_months=risk_months)
    require_columns(orders, ["account_id", "order_date", "revenue"], purpose="churn_signals", table="orders", fix=_COLUMN_FIX)
    stamp = _timestamp(as_of, "churn_signals")
    usable = visits is not None and {"account_id", "visit_date"} <= set(visits.columns)
    seen, visits, ids = _codes(orders, visits if usable else None, stamp)
    windows = _window_revenue(seen, stamp, period_months, falling_periods + 1)
    steps = [windows[k + 1] > windows[k] for k in range(falling_periods)]
    falling = pd.concat(steps, axis=1).all(axis=1) & (windows[falling_periods] > 0)
    gaps = _purchase_gaps(seen, stamp)
    out = pd.DataFrame(index=gaps.index)
    out["revenue_at_risk"] = _window_revenue(seen, stamp, risk_months, 1)[0]
    out["falling_revenue"] = falling
    enough = gaps["purchase_days"] >= min_purchases
    out["overdue"] = (gaps["days_since_last"] > gap_multiple * gaps["median_gap_days"]).where(enough)
    out = out.join(gaps[["days_since_last", "median_gap_days"]])
    not_evaluated = []
    if params is not None:
        if summary is None:
            summary = rfm_summary(orders, as_of=stamp, freq=freq)
        require_columns(summary, ["account_id"], purpose="churn_signals", table="summary", fix=_COLUMN_FIX)
        code = ids.get_indexer(summary["account_id"])
        known = code >= 0  # a given summary may list accounts with no order up to as_of
        out["p_alive"] = pd.Series(alive_probability(params, summary).to_numpy()[known], index=code[known])
        out["low_p_alive"] = out["p_alive"] < p_alive_below
    else:
        not_evaluated.append("low_p_alive")
    out = _visit_signals(out, visits, stamp, competitors, note_months, last_visits, acceptance_drop, not_evaluated)
    return _rank(out.set_axis(pd.Index(ids[out.index], name="account_id")), not_evaluated)


def _visit_signals(out, visits, stamp, competitors, note_months, last_visits, acceptance_drop, not_evaluated):
    """Add the ``competitor`` and ``declining_acceptance`` columns from *visits*."""
    usable = visits is not None and {"account_id", "visit_date"} <= set(visits.columns)
    if usable and competitors and "notes" in visits.columns:
        mentions = _competitor_mentions(visits, stamp, list(competitors), note_months)
        out = out.join(mentions, how="outer")
        out["competitor"] = out["competitors_mentioned"].fillna("") != ""
    else:
        not_evaluated.append("competitor")
    if usable and "accepted" in visits.columns:
        rates = _acceptance(visits, stamp, last_visits)
        out = out.join(rates[["acceptance_recent", "acceptance_before"]], how="outer")
        drop = rates["acceptance_before"] - rates["acceptance_recent"] >= acceptance_drop
        out["declining_acceptance"] = drop.where(rates["visits_before"] >= last_visits).reindex(out.index)
    else:
        not_evaluated.append("declining_acceptance")
    return out


def _rank(out: pd.DataFrame, not_evaluated: list[str]) -> pd.DataFrame:
    """Keep accounts with a signal, order columns and rows, record what was not evaluated."""
    for column in ("days_since_last", "median_gap_days", "p_alive", "acceptance_recent", "acceptance_before"):
        if column not in out:
            out[column] = np.nan
    if "competitors_mentioned" not in out:
        out["competitors_mentioned"] = ""
    out["revenue_at_risk"] = out["revenue_at_risk"].fillna(0.0)
    out["competitors_mentioned"] = out["competitors_mentioned"].fillna("").astype("string")
    flags = pd.DataFrame({s: out.get(s, pd.NA) for s in SIGNALS}, index=out.index).astype("boolean")
    fired = flags.fillna(False)
    out = out.drop(columns=[s for s in SIGNALS if s in out]).join(flags)
    out["n_signals"] = fired.sum(axis=1).astype("Int64")
    combination = sum(fired[s].to_numpy(dtype=int) << k for k, s in enumerate(SIGNALS))
    texts = np.array([", ".join(s for k, s in enumerate(SIGNALS) if c >> k & 1) for c in range(2 ** len(SIGNALS))],
                     dtype=object)
    out["signals"] = pd.array(texts[combination], dtype="string")
    evidence = ["days_since_last", "median_gap_days", "p_alive", "competitors_mentioned",
                "acceptance_recent", "acceptance_before"]
    out = out[out["n_signals"] > 0].reset_index()
    out["account_id"] = out["account_id"].astype("string")
    out = out.sort_values(["revenue_at_risk", "account_id"], ascending=[False, True], ignore_index=True)
    out = out[["account_id", "revenue_at_risk", "n_signals", "signals", *SIGNALS, *evidence]]
    out.attrs["not_evaluated"] = tuple(not_evaluated)
    return out


def _check_rules(**counts: int) -> None:
    for name, value in counts.items():
        if int(value) != value or value < 1:
            raise ConfigError(f"churn_signals: {name} must be a whole number ≥ 1, but {value!r} was passed.")
