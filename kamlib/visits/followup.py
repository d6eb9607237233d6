"""The follow-up cycle after a delivery (忠诚客户关系维护周期): 24 touches in 60 months.

Counted from the delivery date: a call on day 3 and day 7, a mailing on day 14, a contact
at 1 month, then a contact every 3 months up to 60 months. Month offsets are counted from
the delivery date itself (never from the previous touch) and clamped to the month's last
day: a delivery on 31 January is contacted on 29 February in a leap year, on 30 April
(3 months) and on 31 July (6 months).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd

from kamlib.errors import DataError, require_columns

__all__ = ["TOUCHES", "Touch", "follow_up_schedule", "follow_ups_due"]


class Touch(NamedTuple):
    """One touch of the cycle: *days* or *months* after delivery, and its *kind*."""

    days: int
    months: int
    kind: str


#: The 24 touches: day 3 call, day 7 call, day 14 mailing, 1 month, then every 3 months to 60.
TOUCHES: tuple[Touch, ...] = (
    Touch(3, 0, "call"), Touch(7, 0, "call"), Touch(14, 0, "mailing"), Touch(0, 1, "contact"),
    *(Touch(0, m, "contact") for m in range(3, 61, 3)),
)

_COLUMNS = ["touch", "kind", "days", "months", "anniversary", "due_date"]


def _due(delivered: pd.Series, touch: Touch) -> pd.Series:
    """The due dates of *touch* for every delivery date (month ends clamped)."""
    if touch.months:
        return delivered + pd.DateOffset(months=touch.months)
    return delivered + pd.Timedelta(days=touch.days)


def _touch_fields(number: int, touch: Touch) -> dict[str, object]:
    return {"touch": number, "kind": touch.kind, "days": touch.days, "months": touch.months,
            "anniversary": touch.months > 0 and touch.months % 12 == 0}


def follow_up_schedule(delivery_date: object) -> pd.DataFrame:
    """The 24 follow-up touches of one delivery, with their dates.

    Parameters
    ----------
    delivery_date : date-like
        The day the customer took delivery (交车日).

    Returns
    -------
    DataFrame
        One row per touch: ``touch`` (1–24), ``kind`` (call, mailing, contact), ``days`` and
        ``months`` after delivery (one of them 0), ``anniversary`` (months 12, 24, 36, 48, 60),
        ``due_date``.

    Raises
    ------
    DataError
        When *delivery_date* is not a date.

    Notes
    -----
    The cycle is the car-dealer lead course's loyalty cycle (see ``docs/visits.md``,
    "Follow-up cycle"). The sources do not say what happens on a day the month does not
    have; the workbook takes the month's last day.

    Examples
    --------
    >>> cycle = follow_up_schedule("2024-01-15")
    >>> len(cycle), [f"{d:%Y-%m-%d}" for d in cycle["due_date"].head(5)], f"{cycle['due_date'].iloc[-1]:%Y-%m-%d}"
    (24, ['2024-01-18', '2024-01-22', '2024-01-29', '2024-02-15', '2024-04-15'], '2029-01-15')
    >>> f"{follow_up_schedule('2024-01-31')['due_date'].iloc[3]:%Y-%m-%d}"
    '2024-02-29'
    """
    try:
        delivered = pd.Timestamp(delivery_date)
    except (TypeError, ValueError):
        raise DataError(f"follow_up_schedule: delivery_date={delivery_date!r} is not a date. "
                        "Pass a date such as '2024-01-15'.") from None
    if pd.isna(delivered):
        raise DataError("follow_up_schedule: delivery_date is empty. Pass the day of delivery, e.g. '2024-01-15'.")
    delivered = delivered.normalize()
    rows = [_touch_fields(i, touch) | {"due_date": _due(pd.Series([delivered]), touch).iloc[0]}
            for i, touch in enumerate(TOUCHES, start=1)]
    return pd.DataFrame(rows, columns=_COLUMNS)


def follow_ups_due(deliveries: pd.DataFrame, month: object, *, date: str = "order_date",
                   keep: Sequence[str] = ("account_id", "order_id", "rep_id")) -> pd.DataFrame:
    """Every follow-up touch due in *month*, across all deliveries.

    Parameters
    ----------
    deliveries : DataFrame
        One row per delivery. The orders table serves: its ``order_date`` stands for the
        delivery date (the data has no delivery date).
    month : date-like
        Any day of the month (``"2026-01"``).
    date : str, default "order_date"
        Column of the delivery date.
    keep : sequence of str
        Columns of *deliveries* carried into the result, where present.

    Returns
    -------
    DataFrame
        One row per touch due: the *keep* columns, ``delivery_date``, ``touch``, ``kind``,
        ``days``, ``months``, ``anniversary``, ``due_date``; sorted by due date.

    Raises
    ------
    DataError
        When *deliveries* has no column *date*.

    Examples
    --------
    >>> orders = pd.DataFrame({"account_id": ["A1", "A2"], "order_date": pd.to_datetime(["2025-12-29", "2023-11-30"])})
    >>> due = follow_ups_due(orders, "2026-01")
    >>> due[["account_id", "touch", "kind", "due_date"]].astype(str).values.tolist()[1:]
    [['A1', '2', 'call', '2026-01-05'], ['A1', '3', 'mailing', '2026-01-12'], ['A1', '4', 'contact', '2026-01-29']]
    >>> follow_ups_due(orders, "2026-02")[["account_id", "months", "due_date"]].astype(str).values.tolist()
    [['A2', '27', '2026-02-28']]
    """
    require_columns(deliveries, [date], purpose="follow_ups_due", table="orders",
                    fix="Pass date= with the column holding the delivery date.")
    start = pd.Timestamp(month).to_period("M").start_time
    end = start + pd.offsets.MonthEnd(1)
    kept = [c for c in keep if c in deliveries.columns and c != date]
    delivered = pd.to_datetime(deliveries[date]).dt.normalize()
    base = deliveries[kept].assign(delivery_date=delivered)
    # Only deliveries of the last 60 months (and a few days) can have a touch in the month.
    recent = base[(base["delivery_date"] >= start - pd.DateOffset(months=61)) & (base["delivery_date"] <= end)]
    parts = []
    for number, touch in enumerate(TOUCHES, start=1):
        due = _due(recent["delivery_date"], touch)
        hit = recent[(due >= start) & (due <= end)]
        if len(hit):
            parts.append(hit.assign(**_touch_fields(number, touch), due_date=due[hit.index]))
    if not parts:
        return pd.DataFrame(columns=[*kept, "delivery_date", *_COLUMNS])
    return (pd.concat(parts).sort_values(["due_date", *kept[:1], "touch"], kind="stable")
            .reset_index(drop=True)[[*kept, "delivery_date", *_COLUMNS]])
