"""Visit frequency (拜访频率, ``docs/visits.md#visit-frequency-by-class``): how many visits each account
is due in a month, from its class, its leads, its churn signals and its own override.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kamlib.classify import open_leads, pareto_abc, prospect_temperature, xy_grade
from kamlib.errors import ConfigError, require_columns
from kamlib.visits.policy import CLASS_ORDER, VisitPolicy, policy_from
from kamlib.visits.workdays import month_days, month_start

__all__ = ["CLASS_COLUMNS", "OVERRIDE_COLUMN", "REASONS", "visit_frequency"]

#: Columns a class is read from, first found wins (``vip`` = True makes the account VIP).
CLASS_COLUMNS = ("class", "abc_class", "xy_class")
#: Per-account visits a month that win over every rule (S0: frequency set per customer).
OVERRIDE_COLUMN = "visits_per_month"
#: Reason codes of the ``reasons`` column.
REASONS = ("class", "c_cycle", "vip", "hot", "promising", "at_risk", "override", "default_class")
#: Days a month's visits are spread over when an account is due more often than its class.
_SPREAD_DAYS = 28


def _classes(accounts: pd.DataFrame, orders: pd.DataFrame | None, policy: VisitPolicy) -> tuple[np.ndarray, np.ndarray]:
    """Class of each account and whether it fell back to the policy's default class."""
    column = next((c for c in CLASS_COLUMNS if c in accounts.columns), None)
    if column is not None:
        values = accounts[column].astype("string").str.strip().str.upper()
    elif (orders is not None and {"account_id", "revenue"} <= set(orders.columns) and len(orders)) or \
            "revenue" in accounts.columns:
        abc = pareto_abc(orders if orders is not None and len(orders) else accounts)
        values = accounts["account_id"].astype("string").map(dict(zip(abc["account_id"], abc["abc_class"].astype(str),
                                                                       strict=True))).fillna("C")
    elif {"purchase_level", "capacity_level"} <= set(accounts.columns):
        graded = xy_grade(accounts, vip_class=None)
        values = pd.Series(graded["xy_class"].astype("string").to_numpy(), index=accounts.index)
    else:
        values = pd.Series(pd.NA, index=accounts.index, dtype="string")
    fallback = values.isna().to_numpy()
    out = values.fillna(policy.default_class).to_numpy(dtype=object)
    unknown = sorted(set(out) - set(policy.classes))
    if unknown:
        raise ConfigError(f"visit_frequency: accounts column {column!r} has classes {unknown} that the visit policy "
                          f"does not know (classes: {', '.join(policy.classes)}). Add them to the policy's classes "
                          "or correct the column.")
    if "vip" in accounts.columns:
        out = np.where(accounts["vip"].fillna(False).astype(bool).to_numpy(), "VIP", out)
    return out, fallback


def _last_visits(accounts: pd.DataFrame, visits: pd.DataFrame | None, start: date) -> pd.Series:
    if visits is None or not {"account_id", "visit_date"} <= set(visits.columns):
        return pd.Series(pd.NaT, index=accounts.index, dtype="datetime64[ns]")
    before = visits[pd.to_datetime(visits["visit_date"]) < pd.Timestamp(start)]
    if before.empty:
        return pd.Series(pd.NaT, index=accounts.index, dtype="datetime64[ns]")
    last = pd.to_datetime(before["visit_date"]).groupby(before["account_id"].astype("string")).max()
    mapped = accounts["account_id"].astype("string").map(last)
    return pd.Series(pd.to_datetime(mapped.to_numpy(dtype=object)), index=accounts.index).astype("datetime64[ns]")


def _temperatures(accounts: pd.DataFrame, leads: pd.DataFrame | None, start: date) -> pd.Series:
    """The hottest open lead's temperature per account (hot, promising or NA)."""
    empty = pd.Series(pd.NA, index=accounts.index, dtype="string")
    if leads is None or not len(leads):
        return empty
    key = "account_id" if "account_id" in leads.columns else "account_name"
    if key not in leads.columns or key not in accounts.columns:
        return empty
    if "temperature" in leads.columns:
        rated = open_leads(leads)
    elif "expected_close_date" in leads.columns and "lead_id" in leads.columns:
        rated = prospect_temperature(open_leads(leads), today=pd.Timestamp(start))
    else:
        return empty
    temps = rated["temperature"].astype("string")
    rank = temps.map({"hot": 0, "promising": 1}).dropna()
    best = rank.groupby(rated.loc[rank.index, key].astype("string")).min().map({0: "hot", 1: "promising"})
    return accounts[key].astype("string").map(best).astype("string")


def _at_risk(accounts: pd.DataFrame, signals: pd.DataFrame | None) -> np.ndarray:
    if signals is None or "account_id" not in signals.columns:
        return np.zeros(len(accounts), dtype=bool)
    flagged = signals[signals["n_signals"] > 0] if "n_signals" in signals.columns else signals
    return accounts["account_id"].astype("string").isin(flagged["account_id"].astype("string")).to_numpy()


def _cycle_due(last: pd.Series, rule_days: np.ndarray, cycle: np.ndarray, start: date, end: date) -> np.ndarray:
    """Visits due this month for cycle classes: the cycle points (last visit + k × cycle days) in the month,
    at least one when the account is overdue or was never visited."""
    first = pd.Timestamp(start)
    stop = pd.Timestamp(end)
    days_to_end = (stop - last).dt.days.to_numpy(dtype=float)
    days_to_start = (first - last).dt.days.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        points = np.floor(days_to_end / rule_days) - np.maximum(np.ceil(days_to_start / rule_days) - 1, 0)
    due = np.where(np.isnan(days_to_end), 1, np.where(days_to_end >= rule_days, np.maximum(points, 1), 0))
    return np.where(cycle, due, 0).astype(int)


def visit_frequency(accounts: pd.DataFrame, *, leads: pd.DataFrame | None = None,
                    signals: pd.DataFrame | None = None, policy: VisitPolicy | dict | str | None = None,
                    month: object = None, visits: pd.DataFrame | None = None,
                    orders: pd.DataFrame | None = None) -> pd.DataFrame:
    """Visits each account is due in *month* (``docs/visits.md#visit-frequency-by-class``).

    Parameters
    ----------
    accounts : DataFrame
        ``account_id``; optional ``rep_id``, ``city``, a class column (``class``,
        ``abc_class`` or ``xy_class``, values of the policy's classes such as A, B, C,
        VIP), ``vip`` (bool), ``purchase_level`` and ``capacity_level``, and
        ``visits_per_month`` (a per-account frequency that wins over every rule).
    leads : DataFrame, optional
        Leads with ``account_id`` (or ``account_name`` matching the accounts'), either
        a ``temperature`` column or ``lead_id`` and ``expected_close_date`` (rated by
        :func:`kamlib.classify.prospect_temperature` on the month's first day). Only
        open leads count.
    signals : DataFrame, optional
        :func:`kamlib.churn.churn_signals` output (``account_id``, ``n_signals``): an
        account listed is at risk.
    policy : VisitPolicy, mapping, YAML path or None
        The rules (:class:`VisitPolicy`).
    month : month-like
        The month planned (``"2026-01"``); needed for cycle classes (C).
    visits : DataFrame, optional
        Past visits (``account_id, visit_date``): the last visit before the month.
    orders : DataFrame, optional
        Orders; when the accounts have no class column the class is the Pareto/ABC
        class of their revenue (accounts without orders are C). Without orders, an
        accounts ``revenue`` column is ranked the same way.

    Returns
    -------
    DataFrame
        One row per account: ``account_id, rep_id, city, class, due, mandatory,
        optional, min_gap, max_gap, last_visit, reasons, tier``. ``due`` = mandatory +
        optional visits this month; ``min_gap``/``max_gap`` the visit window in days;
        ``reasons`` a list of codes (:data:`REASONS`); ``tier`` the planning priority
        (1 at risk or hot, 2 VIP, 3 A, 4 B, 5 C, 6 other classes).

    Notes
    -----
    The class comes from the first class column found; without one from *orders*
    (Pareto/ABC), or an accounts ``revenue`` column; without those from the purchase
    and capacity levels (X-Y grid),
    else it is the policy's ``default_class`` (reason ``default_class``). ``vip`` =
    True makes an account VIP (visited at least as A). A cycle class (C: 2 visits
    every 3 months) is due when its last visit plus the cycle's days (46 for C) falls
    in or before the month, and always when it was never visited. A hot or promising
    open lead raises the mandatory visits to at least ``policy.hot`` /
    ``policy.promising``; a churn signal adds ``policy.at_risk``. When an account is
    due more often than its class, its minimum gap shrinks to 28 days ÷ its
    mandatory visits so that they fit in the month.

    Examples
    --------
    >>> accounts = pd.DataFrame({"account_id": ["a", "b", "c", "d"], "class": ["A", "B", "C", "C"],
    ...                          "vip": [False, True, False, False]})
    >>> visits = pd.DataFrame({"account_id": ["c", "d"], "visit_date": pd.to_datetime(["2025-12-20", "2025-11-10"])})
    >>> freq = visit_frequency(accounts, month="2026-01", visits=visits)
    >>> freq[["account_id", "class", "mandatory", "optional", "reasons"]].values.tolist()
    [['a', 'A', 2, 1, ['class']], ['b', 'VIP', 2, 1, ['class', 'vip']], ['c', 'C', 0, 0, ['c_cycle']], ['d', 'C', 1, 0, ['c_cycle']]]
    """
    require_columns(accounts, ["account_id"], purpose="visit_frequency", table="accounts")
    policy = policy_from(policy)
    if month is None:
        raise ConfigError("visit_frequency: month is needed (e.g. month='2026-01'): cycle classes are due by month.")
    start = month_start(month)
    end = month_days(start)[-1]
    accounts = accounts.reset_index(drop=True)
    classes, fallback = _classes(accounts, orders, policy)
    rules = [policy.classes[c] for c in classes]
    mandatory_rule = np.array([r.mandatory for r in rules])
    optional_rule = np.array([r.optional for r in rules])
    months = np.array([r.months for r in rules])
    cycle = months > 1
    last = _last_visits(accounts, visits, start)
    cycle_count = _cycle_due(last, np.array([r.cycle_days for r in rules], dtype=float), cycle, start, end)
    mandatory = np.where(cycle, cycle_count, mandatory_rule)
    optional = np.where(cycle & (cycle_count == 0), 0, optional_rule)
    temps = _temperatures(accounts, leads, start)
    hot = (temps == "hot").fillna(False).to_numpy()
    promising = (temps == "promising").fillna(False).to_numpy()
    mandatory = np.where(hot, np.maximum(mandatory, policy.hot), mandatory)
    mandatory = np.where(promising, np.maximum(mandatory, policy.promising), mandatory)
    risk = _at_risk(accounts, signals)
    mandatory = mandatory + np.where(risk, policy.at_risk, 0)
    override = (pd.to_numeric(accounts[OVERRIDE_COLUMN], errors="coerce") if OVERRIDE_COLUMN in accounts.columns
                else pd.Series(np.nan, index=accounts.index)).to_numpy(dtype=float)
    has_override = ~np.isnan(override)
    mandatory = np.where(has_override, np.round(np.nan_to_num(override)).astype(int), mandatory).clip(0)
    optional = np.where(has_override, 0, optional)
    min_gap = np.array([r.min_gap for r in rules])
    raised = mandatory > np.where(cycle, 1, mandatory_rule)
    min_gap = np.where(raised, np.minimum(min_gap, _SPREAD_DAYS // np.maximum(mandatory, 1)), min_gap).clip(1)
    max_gap = np.maximum(np.array([r.max_gap for r in rules]), min_gap)
    flags = {"vip": classes == "VIP", "hot": hot, "promising": promising, "at_risk": risk,
             "override": has_override, "default_class": fallback}
    reasons = [["c_cycle" if c else "class", *(code for code, on in flags.items() if on[i])]
               if not has_override[i] else ["override"] for i, c in enumerate(cycle)]
    order = {name: i + 2 for i, name in enumerate(CLASS_ORDER)}
    tier = np.array([order.get(c, len(order) + 2) for c in classes])
    tier = np.where(hot | promising | risk, 1, tier)
    return pd.DataFrame({
        "account_id": accounts["account_id"].astype("string"),
        "rep_id": accounts["rep_id"].astype("string") if "rep_id" in accounts.columns
        else pd.Series(pd.NA, index=accounts.index, dtype="string"),
        "city": accounts["city"].astype("string") if "city" in accounts.columns
        else pd.Series(pd.NA, index=accounts.index, dtype="string"),
        "class": pd.Series(classes, index=accounts.index, dtype="string"),
        "due": (mandatory + optional).astype(int),
        "mandatory": mandatory.astype(int),
        "optional": optional.astype(int),
        "min_gap": min_gap.astype(int),
        "max_gap": max_gap.astype(int),
        "last_visit": last,
        "reasons": reasons,
        "tier": tier.astype(int),
    })

