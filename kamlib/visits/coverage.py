"""Coverage from the visit log: who was not visited since when, who is overdue against their
class's window, visits per class against the norm, planned against actual, and the
key-account manager's KPIs (sales growth rate, churn rate, new customers won).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.errors import require_columns
from kamlib.visits.policy import VisitPolicy, policy_from

__all__ = ["last_visits", "manager_kpis", "overdue_accounts", "planned_vs_actual", "visits_by_class"]


def _month(month: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of *month*."""
    start = pd.Timestamp(month).to_period("M").start_time
    return start, start + pd.offsets.MonthEnd(1)


def last_visits(accounts: pd.DataFrame, visits: pd.DataFrame | None, *, as_of: object) -> pd.DataFrame:
    """Each account's last visit before *as_of*, its outcome, and the days since ("not visited since").

    Parameters
    ----------
    accounts : DataFrame
        ``account_id`` and, where present, ``account_name``, ``rep_id``, ``class``.
    visits : DataFrame or None
        The visit log: ``account_id``, ``visit_date``; ``outcome``, ``kind``, ``objective``
        where present. None = no log (every account never visited).
    as_of : date-like
        The day the count is made; visits on or after it are left out.

    Returns
    -------
    DataFrame
        One row per account: the account's columns above, ``last_visit``, ``days_since``
        (empty when never visited), ``last_outcome``, ``last_kind``, ``last_objective``;
        never-visited accounts first, then the longest unvisited.

    Examples
    --------
    >>> accounts = pd.DataFrame({"account_id": ["A1", "A2", "A3"]})
    >>> visits = pd.DataFrame({"account_id": ["A1", "A1", "A2"], "outcome": ["progress", "order", "rejected"],
    ...                        "visit_date": pd.to_datetime(["2025-12-01", "2025-12-20", "2025-11-01"])})
    >>> last_visits(accounts, visits, as_of="2026-01-01")[["account_id", "days_since", "last_outcome"]].values.tolist()
    [['A3', nan, None], ['A2', 61.0, 'rejected'], ['A1', 12.0, 'order']]
    """
    require_columns(accounts, ["account_id"], purpose="last_visits", table="accounts")
    day = pd.Timestamp(as_of).normalize()
    keep = [c for c in ("account_id", "account_name", "rep_id", "class", "city") if c in accounts.columns]
    out = accounts[keep].copy()
    details = ("outcome", "kind", "objective")
    if visits is None or not {"account_id", "visit_date"} <= set(visits.columns):
        out["last_visit"] = pd.NaT
        for column in details:
            out[f"last_{column}"] = None
    else:
        past = visits[pd.to_datetime(visits["visit_date"]) < day]
        past = past.assign(visit_date=pd.to_datetime(past["visit_date"])).sort_values("visit_date", kind="stable")
        last = past.drop_duplicates("account_id", keep="last").set_index("account_id")
        out["last_visit"] = out["account_id"].map(last["visit_date"]).astype("datetime64[ns]")
        for column in details:
            values = out["account_id"].map(last[column]) if column in last.columns else pd.Series(None, index=out.index)
            out[f"last_{column}"] = values.astype(object).where(values.notna(), None)
    out["days_since"] = (day - out["last_visit"]).dt.days.astype(float)
    order = out["days_since"].fillna(np.inf).sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)


def overdue_accounts(frequency: pd.DataFrame, *, month: object) -> pd.DataFrame:
    """Accounts overdue against their class's window at the start of *month*.

    An account is overdue when the days from its last visit to the month's first day
    exceed its ``max_gap`` (the most days between two visits its class allows), or when
    it was never visited.

    Parameters
    ----------
    frequency : DataFrame
        :func:`kamlib.visits.visit_frequency` of the month: ``account_id``, ``class``,
        ``max_gap``, ``last_visit`` (and ``rep_id`` where present).
    month : date-like
        The month planned.

    Returns
    -------
    DataFrame
        The overdue accounts: ``account_id``, ``rep_id``, ``class``, ``last_visit``,
        ``days_since``, ``max_gap``, ``days_overdue`` (empty when never visited); never
        visited first, then the most overdue.

    Examples
    --------
    >>> freq = pd.DataFrame({"account_id": ["a", "b", "c"], "class": ["A", "B", "C"], "max_gap": [21, 45, 60],
    ...                      "last_visit": pd.to_datetime(["2025-12-20", "2025-11-01", None])})
    >>> overdue_accounts(freq, month="2026-01")[["account_id", "days_since", "days_overdue"]].values.tolist()
    [['c', nan, nan], ['b', 61.0, 16.0]]
    """
    require_columns(frequency, ["account_id", "class", "max_gap", "last_visit"], purpose="overdue_accounts",
                    table="visit frequency")
    start, _ = _month(month)
    keep = [c for c in ("account_id", "rep_id", "class", "last_visit", "max_gap") if c in frequency.columns]
    out = frequency[keep].copy()
    out["days_since"] = (start - pd.to_datetime(out["last_visit"])).dt.days.astype(float)
    out["days_overdue"] = out["days_since"] - out["max_gap"]
    late = out[out["days_since"].isna() | (out["days_overdue"] > 0)]
    order = late["days_overdue"].fillna(np.inf).sort_values(ascending=False, kind="stable").index
    columns = [c for c in ("account_id", "rep_id", "class", "last_visit", "days_since", "max_gap", "days_overdue")
               if c in late.columns]
    return late.loc[order, columns].reset_index(drop=True)


def visits_by_class(frequency: pd.DataFrame, visits: pd.DataFrame, *, month: object, months: int = 3,
                    policy: VisitPolicy | dict | str | None = None) -> pd.DataFrame:
    """Visits a month per account of each class over the *months* months before *month*, against the norm.

    Parameters
    ----------
    frequency : DataFrame
        ``account_id`` and ``class`` (:func:`kamlib.visits.visit_frequency`).
    visits : DataFrame
        The visit log: ``account_id``, ``visit_date``.
    month : date-like
        The month planned; the window is the *months* whole months before it.
    months : int, default 3
        Length of the window.
    policy : VisitPolicy, mapping, YAML path or None
        The norms: a class's mandatory visits per cycle (low) and with its optional ones
        (high), per month.

    Returns
    -------
    DataFrame
        One row per class of the policy that has accounts: ``class``, ``accounts``,
        ``visits`` (in the window), ``visits_per_month`` (per account), ``norm_low``,
        ``norm_high``, ``below_norm`` (accounts visited less than ``norm_low``),
        ``below_norm_share``.

    Examples
    --------
    >>> freq = pd.DataFrame({"account_id": ["a", "b", "c"], "class": ["A", "A", "B"]})
    >>> visits = pd.DataFrame({"account_id": ["a"] * 6 + ["c"] * 3,
    ...                        "visit_date": pd.to_datetime(["2025-10-05"] * 9)})
    >>> table = visits_by_class(freq, visits, month="2026-01")
    >>> table[["class", "visits", "visits_per_month", "norm_low", "norm_high", "below_norm"]].values.tolist()
    [['A', 6, 1.0, 2.0, 3.0, 1], ['B', 3, 1.0, 1.0, 1.0, 0]]
    """
    require_columns(frequency, ["account_id", "class"], purpose="visits_by_class", table="visit frequency")
    require_columns(visits, ["account_id", "visit_date"], purpose="visits_by_class", table="visits")
    policy = policy_from(policy)
    end, _ = _month(month)
    start = end - pd.DateOffset(months=months)
    dates = pd.to_datetime(visits["visit_date"])
    window = visits[(dates >= start) & (dates < end)]
    counts = window.groupby(window["account_id"].astype(str)).size()
    per_account = frequency["account_id"].astype(str).map(counts).fillna(0).astype(int)
    rows = []
    for klass, rule in policy.classes.items():
        mine = (frequency["class"] == klass).to_numpy()
        if not mine.any():
            continue
        low, high = rule.mandatory / rule.months, (rule.mandatory + rule.optional) / rule.months
        done = per_account[mine] / months
        rows.append({"class": klass, "accounts": int(mine.sum()), "visits": int(per_account[mine].sum()),
                     "visits_per_month": float(done.mean()), "norm_low": low, "norm_high": high,
                     "below_norm": int((done < low - 1e-9).sum())})
    table = pd.DataFrame(rows, columns=["class", "accounts", "visits", "visits_per_month", "norm_low", "norm_high",
                                        "below_norm"])
    table["below_norm_share"] = table["below_norm"] / table["accounts"]
    return table


def planned_vs_actual(planned: pd.DataFrame, visits: pd.DataFrame | None, *, month: object) -> pd.DataFrame:
    """Per rep: visits planned in *month*, visits logged in it, and how many planned accounts were visited.

    Parameters
    ----------
    planned : DataFrame
        The planned visits (``MonthPlan.visits``): ``rep_id``, ``account_id``.
    visits : DataFrame or None
        The visit log: ``account_id``, ``visit_date``, ``rep_id`` where present.
    month : date-like
        The month compared.

    Returns
    -------
    DataFrame
        One row per rep of the plan: ``rep_id``, ``planned``, ``actual`` (visits logged by
        the rep in the month, or to the rep's planned accounts when the log names no rep),
        ``accounts_planned``, ``accounts_visited`` (planned accounts visited at least once),
        ``done_share`` (actual ÷ planned).

    Examples
    --------
    >>> plan = pd.DataFrame({"rep_id": ["R1", "R1", "R2"], "account_id": ["a", "b", "c"]})
    >>> log = pd.DataFrame({"rep_id": ["R1"], "account_id": ["a"], "visit_date": pd.to_datetime(["2026-01-07"])})
    >>> planned_vs_actual(plan, log, month="2026-01")[["rep_id", "planned", "actual", "accounts_visited"]].values.tolist()
    [['R1', 2, 1, 1], ['R2', 1, 0, 0]]
    """
    require_columns(planned, ["rep_id", "account_id"], purpose="planned_vs_actual", table="plan visits")
    start, end = _month(month)
    if visits is None or not {"account_id", "visit_date"} <= set(visits.columns):
        logged = pd.DataFrame(columns=["rep_id", "account_id"])
    else:
        dates = pd.to_datetime(visits["visit_date"])
        logged = visits[(dates >= start) & (dates <= end)]
    rows = []
    for rep, own in planned.groupby("rep_id", sort=True):
        accounts = set(own["account_id"])
        if "rep_id" in logged.columns and logged["rep_id"].notna().any():
            actual = int((logged["rep_id"] == rep).sum())
        else:
            actual = int(logged["account_id"].isin(accounts).sum())
        visited = len(accounts & set(logged["account_id"]))
        rows.append({"rep_id": rep, "planned": len(own), "actual": actual, "accounts_planned": len(accounts),
                     "accounts_visited": visited, "done_share": actual / len(own) if len(own) else np.nan})
    return pd.DataFrame(rows, columns=["rep_id", "planned", "actual", "accounts_planned", "accounts_visited",
                                       "done_share"])


def _rep_of_orders(orders: pd.DataFrame, accounts: pd.DataFrame | None) -> pd.Series:
    """The rep of each order: its own ``rep_id``, else its account's."""
    own = orders["rep_id"] if "rep_id" in orders.columns else pd.Series(pd.NA, index=orders.index)
    if accounts is not None and {"account_id", "rep_id"} <= set(accounts.columns):
        owner = orders["account_id"].map(dict(zip(accounts["account_id"], accounts["rep_id"])))
        own = own.fillna(owner) if own.notna().any() else owner
    return own.astype(object).where(own.notna(), None)


def manager_kpis(orders: pd.DataFrame, *, as_of: object, months: int = 12,
                 accounts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The key-account manager's KPIs per rep: sales growth rate, churn rate and new customers won.

    The last *months* months before *as_of* are compared with the *months* before them.

    Parameters
    ----------
    orders : DataFrame
        ``account_id``, ``order_date``, ``revenue``; ``rep_id`` where present (else the
        account's rep from *accounts*).
    as_of : date-like
        End of the last period (excluded).
    months : int, default 12
        Length of each period.
    accounts : DataFrame, optional
        ``account_id``, ``rep_id``: the rep of orders that name none.

    Returns
    -------
    DataFrame
        One row per rep and a ``total`` row: ``rep_id``, ``revenue`` (last period),
        ``revenue_before``, ``sales_growth_rate`` (revenue ÷ revenue before − 1),
        ``customers_before`` (accounts that bought from the rep in the period before),
        ``churned`` (of those, accounts that bought nothing at all in the last period),
        ``churn_rate``, ``new_customers`` (accounts whose first order ever falls in the
        last period, counted for the rep of that order).

    Examples
    --------
    >>> orders = pd.DataFrame({"account_id": ["a", "b", "a", "c"], "rep_id": ["R1"] * 4, "revenue": [100, 50, 150, 20],
    ...                        "order_date": pd.to_datetime(["2024-03-01", "2024-05-01", "2025-02-01", "2025-06-01"])})
    >>> kpis = manager_kpis(orders, as_of="2026-01-01")
    >>> kpis[["rep_id", "revenue", "revenue_before", "sales_growth_rate", "churned", "new_customers"]].values.tolist()
    [['R1', 170.0, 150.0, 0.1333333333333333, 1, 1], ['total', 170.0, 150.0, 0.1333333333333333, 1, 1]]
    """
    require_columns(orders, ["account_id", "order_date", "revenue"], purpose="manager_kpis", table="orders")
    end = pd.Timestamp(as_of).normalize()
    middle = end - pd.DateOffset(months=months)
    start = middle - pd.DateOffset(months=months)
    frame = orders.assign(order_date=pd.to_datetime(orders["order_date"]), rep=_rep_of_orders(orders, accounts))
    frame = frame[frame["order_date"] < end]
    last = frame[frame["order_date"] >= middle]
    before = frame[(frame["order_date"] >= start) & (frame["order_date"] < middle)]
    firsts = frame.sort_values("order_date", kind="stable").drop_duplicates("account_id")
    new = firsts[firsts["order_date"] >= middle]
    buyers_now = set(last["account_id"])

    def row(rep: object, mask_last: pd.Series, mask_before: pd.Series, mask_new: pd.Series) -> dict:
        customers = set(before.loc[mask_before, "account_id"])
        churned = len(customers - buyers_now)
        revenue, revenue_before = float(last.loc[mask_last, "revenue"].sum()), float(before.loc[mask_before, "revenue"].sum())
        return {"rep_id": rep, "revenue": revenue, "revenue_before": revenue_before,
                "sales_growth_rate": revenue / revenue_before - 1 if revenue_before else np.nan,
                "customers_before": len(customers), "churned": churned,
                "churn_rate": churned / len(customers) if customers else np.nan, "new_customers": int(mask_new.sum())}

    reps = sorted({r for r in frame["rep"] if r is not None}, key=str)
    rows = [row(r, last["rep"] == r, before["rep"] == r, new["rep"] == r) for r in reps]
    everyone = [pd.Series(True, index=part.index) for part in (last, before, new)]
    rows.append(row("total", *everyone))
    return pd.DataFrame(rows)
