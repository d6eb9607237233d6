"""The tables a classification works on: one region and/or rep of a dataset, and the day it looks from."""

from __future__ import annotations

import pandas as pd

__all__ = ["reference_day", "scope"]


_TABLES = ("accounts", "orders", "products", "visits", "leads", "opportunities")


def scope(ds, *, region: str | None = None, rep_id: str | None = None) -> dict[str, pd.DataFrame | None]:
    """The tables of *ds* the notebook uses, limited to one region and/or rep (None = all).

    Accounts are kept by their ``region`` / ``rep_id``; orders and visits follow their
    accounts (orders also by their own ``rep_id``); leads by their ``rep_id``. A table
    the data lacks is None. The tables come in the order accounts, orders, products,
    visits, leads, opportunities, so ``accounts, orders, … = scope(ds).values()``.

    Examples
    --------
    >>> import kamlib.data
    >>> tables = scope(kamlib.data.load(), region="east")
    >>> set(tables["accounts"]["region"]), bool(tables["orders"]["account_id"].isin(tables["accounts"]["account_id"]).all())
    ({'east'}, True)
    >>> list(tables)
    ['accounts', 'orders', 'products', 'visits', 'leads', 'opportunities']
    """
    tables = {name: ds.table(name) if name in ds.names else None for name in _TABLES}
    accounts = tables["accounts"]
    for column, value in (("region", region), ("rep_id", rep_id)):
        if value is None:
            continue
        if accounts is not None and column in accounts:
            accounts = accounts[accounts[column] == value]
            for name in ("orders", "visits"):
                if tables[name] is not None:
                    tables[name] = tables[name][tables[name]["account_id"].isin(accounts["account_id"])]
        elif column == "rep_id" and tables["orders"] is not None and "rep_id" in tables["orders"]:
            tables["orders"] = tables["orders"][tables["orders"]["rep_id"] == value]
        if column == "rep_id" and tables["leads"] is not None and "rep_id" in tables["leads"]:
            tables["leads"] = tables["leads"][tables["leads"]["rep_id"] == value]
    tables["accounts"] = accounts
    return tables


def reference_day(orders: pd.DataFrame | None, as_of: object = None) -> str | None:
    """The day the sections are computed for: *as_of* when given, else the last order date.

    None when there is neither (no orders, or orders without ``order_date``).

    Examples
    --------
    >>> orders = pd.DataFrame({"order_date": pd.to_datetime(["2025-03-01", "2025-11-30"])})
    >>> reference_day(orders), reference_day(orders, "2025-12-31"), reference_day(None)
    ('2025-11-30', '2025-12-31', None)
    """
    if as_of:
        return str(as_of)
    if orders is None or "order_date" not in orders.columns or orders["order_date"].isna().all():
        return None
    return str(orders["order_date"].max().date())
