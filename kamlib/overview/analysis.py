"""The data overview: what tables there are, for which period, and where revenue comes from.

Pure functions behind ``notebooks/00_data_overview.ipynb``: each takes a
:class:`kamlib.data.Dataset` and keyword options, and returns a new DataFrame.
Nothing is printed, written or drawn here.

Aggregations run inside DuckDB through ``Dataset.sql`` so that millions of order rows
never have to be loaded into pandas; only the small aggregated result is.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from kamlib.errors import ConfigError, DataError

if TYPE_CHECKING:  # pragma: no cover
    from kamlib.data import Dataset

__all__ = ["needs", "revenue_by", "revenue_by_month", "table_overview"]


# --------------------------------------------------------------------------- helpers
def _columns(ds: Dataset, table: str) -> list[str]:
    """Column names of *table* without loading its rows."""
    if hasattr(ds, "columns"):
        return list(ds.columns(table))
    return list(ds.sql(f"select * from {_quote(table)} limit 0").columns)


def _require_table(ds: Dataset, table: str, purpose: str) -> None:
    if table not in ds.names:
        present = ", ".join(ds.names) or "none"
        raise DataError(
            f"{purpose} needs the table {table!r}, but the dataset ({ds.source}) has only: {present}. "
            f"Add {table}.csv (or .xlsx / .parquet) to the data folder.",
            source=str(ds.source),
        )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _grouping(ds: Dataset, by: str, purpose: str) -> tuple[str, str]:
    """Return ``(from_clause, group_expression)`` for grouping orders by *by*.

    A column of ``orders`` itself is used directly; otherwise it is looked up in
    ``accounts`` (joined on ``account_id``, one row per account so that duplicated
    accounts can never double revenue). Orders whose account is unknown keep their
    revenue, under a missing group value.
    """
    order_cols = _columns(ds, "orders")
    if by in order_cols:
        return "orders as o", f"o.{_quote(by)}"
    account_cols = _columns(ds, "accounts") if "accounts" in ds.names else []
    if by in account_cols and by != "account_id":
        join = (
            f"orders as o left join (select account_id, any_value({_quote(by)}) as g "
            f"from accounts group by account_id) as a on o.account_id = a.account_id"
        )
        return join, "a.g"
    allowed = sorted(set(order_cols) | set(account_cols))
    raise ConfigError(
        f"{purpose}: by must be a column of orders or accounts ({', '.join(allowed)}), but {by!r} was passed."
    )


# ------------------------------------------------------------------------- the API
def table_overview(ds: Dataset) -> pd.DataFrame:
    """One row per table: size, date column and period covered, rows excluded.

    Wraps ``Dataset.summary()`` and adds how many rows the loader excluded from each
    table, so that nothing is dropped silently.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`kamlib.data.load`).

    Returns
    -------
    DataFrame
        Columns ``table, rows, columns, date_column, first_date, last_date,
        excluded`` (``excluded`` = rows the loader left out, 0 when none).

    Examples
    --------
    >>> import kamlib.data
    >>> overview = table_overview(kamlib.data.load())
    >>> overview.columns.tolist()
    ['table', 'rows', 'columns', 'date_column', 'first_date', 'last_date', 'excluded']
    >>> "orders" in set(overview["table"])
    True
    """
    summary = ds.summary().copy()
    if "excluded" not in summary.columns:
        excluded = getattr(ds, "excluded", None)
        per_table = excluded.groupby("table")["rows"].sum() if excluded is not None and len(excluded) else {}
        summary["excluded"] = summary["table"].map(per_table).fillna(0)
    summary["excluded"] = summary["excluded"].astype("int64")
    columns = ["table", "rows", "columns", "date_column", "first_date", "last_date", "excluded"]
    return summary[columns].reset_index(drop=True)


def revenue_by(ds: Dataset, by: str = "region") -> pd.DataFrame:
    """Revenue and number of orders per group, with each group's share of the total.

    Parameters
    ----------
    ds : Dataset
        A dataset with an ``orders`` table (and ``accounts`` when *by* is an account
        column).
    by : str, default "region"
        Column to group by: a column of ``orders`` (e.g. ``product_id``) or of
        ``accounts`` (e.g. ``region``, ``sector``), joined on ``account_id``.

    Returns
    -------
    DataFrame
        Columns ``<by>, revenue, orders, share``, largest revenue first. ``orders``
        is the number of order rows (``order_id`` is unique by contract). ``share`` is
        a fraction of total revenue (shares sum to 1). Orders whose account is not in
        ``accounts`` (or has no value for *by*) are kept, under a missing value, last.

    Raises
    ------
    DataError
        When the ``orders`` table is missing.
    ConfigError
        When *by* is not a column of orders or accounts.

    Examples
    --------
    >>> import kamlib.data
    >>> table = revenue_by(kamlib.data.load(), by="region")
    >>> table.columns.tolist()
    ['region', 'revenue', 'orders', 'share']
    >>> bool(abs(table["share"].sum() - 1) < 1e-9)
    True
    """
    _require_table(ds, "orders", "revenue_by")
    source, group = _grouping(ds, by, "revenue_by")
    query = f"""
        select {group} as grp,
               round(coalesce(sum(o.revenue), 0), 2)::double as revenue,  -- cents: sums in parallel differ in the last bits
               count(*)::bigint as orders
        from {source}
        group by 1
    """
    out = ds.sql(query)
    total = out["revenue"].sum()
    out["share"] = out["revenue"] / total if total else math.nan
    out = out.rename(columns={"grp": by})
    out["_missing"] = out[by].isna()
    out = out.sort_values(["_missing", "revenue", by], ascending=[True, False, True], kind="stable")
    return out.drop(columns="_missing").reset_index(drop=True)


def revenue_by_month(ds: Dataset, by: str | None = None) -> pd.DataFrame:
    """Monthly revenue and orders, optionally split by a column.

    Every calendar month between the first and the last order appears, with zero
    revenue when nothing was ordered (a gap shows as a dip, not as a missing point).

    Parameters
    ----------
    ds : Dataset
        A dataset with an ``orders`` table.
    by : str, optional
        Column to split by, as in :func:`revenue_by` (``None`` = one total line).

    Returns
    -------
    DataFrame
        Columns ``month`` (datetime64, first day of the month), ``<by>`` (when
        given), ``revenue``, ``orders``; sorted by month (then *by*).

    Raises
    ------
    DataError
        When the ``orders`` table is missing.
    ConfigError
        When *by* is not a column of orders or accounts.

    Examples
    --------
    >>> import kamlib.data
    >>> monthly = revenue_by_month(kamlib.data.load())
    >>> monthly.columns.tolist()
    ['month', 'revenue', 'orders']
    >>> bool(monthly["month"].is_monotonic_increasing)
    True
    """
    _require_table(ds, "orders", "revenue_by_month")
    if by is None:
        source, group = "orders as o", None
    else:
        source, group = _grouping(ds, by, "revenue_by_month")
    select_group = f", {group} as grp" if group else ""
    query = f"""
        select cast(date_trunc('month', o.order_date) as date) as month{select_group},
               round(coalesce(sum(o.revenue), 0), 2)::double as revenue,  -- cents: sums in parallel differ in the last bits
               count(*)::bigint as orders
        from {source}
        where o.order_date is not null
        group by all
    """
    agg = ds.sql(query)
    agg["month"] = pd.to_datetime(agg["month"])
    columns = ["month"] + ([by] if by else []) + ["revenue", "orders"]
    if agg.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).astype(
            {"month": "datetime64[ns]", "orders": "int64"}
        )
    months = pd.date_range(agg["month"].min(), agg["month"].max(), freq="MS")
    if by is None:
        full = agg.set_index("month").reindex(months)
        full.index.name = "month"
    else:
        agg = agg.rename(columns={"grp": by})
        groups = agg[by].drop_duplicates()
        groups = sorted(groups.dropna().tolist(), key=str) + ([None] if groups.isna().any() else [])
        index = pd.MultiIndex.from_product([months, groups], names=["month", by])
        full = agg.set_index(["month", by]).reindex(index)
    full["revenue"] = full["revenue"].fillna(0.0).astype("float64")
    full["orders"] = full["orders"].fillna(0).astype("int64")
    out = full.reset_index()
    out["month"] = out["month"].astype("datetime64[ns]")
    return out[columns]


# ------------------------------------------------------------------ what this means
def needs(ds: Dataset, by: str = "region") -> str | None:
    """What the data lacks for a breakdown by *by* (None when it can be done).

    A notebook shows this note ("needs column region") instead of the section.

    Examples
    --------
    >>> import kamlib.data
    >>> needs(kamlib.data.load(), by="region") is None
    True
    """
    if "orders" not in ds.names:
        return "orders"
    columns = set(_columns(ds, "orders")) | (set(_columns(ds, "accounts")) if "accounts" in ds.names else set())
    return None if by in columns else f"{by} (orders or accounts)"
