"""The monthly lead target per channel (月度客源开发目标): how many leads each channel must bring.

The lead course's worksheet, step by step (``docs/visits.md``, "Lead targets"):

① next month's deal target; ② each channel's share of the deals; ③ deals needed = ① × ②;
④ close rate (deals ÷ leads); ⑤ leads needed = ③ ÷ ④ rounded up; ⑥ leads found a month;
⑦ lead gap = ⑤ − ⑥; ⑧ an adjusted close-rate target; ⑨ adjusted leads needed = ③ ÷ ⑧
rounded up; ⑩ adjusted gap = ⑨ − ⑥. ②, ④ and ⑥ are averages of the last 3 months
(:func:`lead_history` computes them from the leads table).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kamlib.errors import ConfigError, require_columns

__all__ = ["TOTAL", "lead_history", "lead_targets"]

#: The channel name of the total row.
TOTAL = "total"

_COLUMNS = ["channel", "deal_share", "deals_needed", "close_rate", "leads_needed", "leads_found", "lead_gap",
            "adjusted_close_rate", "adjusted_leads_needed", "adjusted_lead_gap"]
#: Steps kept as totals: ③, ⑤, ⑥, ⑦, ⑨, ⑩ (and ② sums to 1).
_TOTALLED = ["deal_share", "deals_needed", "leads_needed", "leads_found", "lead_gap", "adjusted_leads_needed",
             "adjusted_lead_gap"]


def _ceil(value: float) -> int:
    """*value* rounded up, after the float noise of a product is rounded away (3 × 0.1 → 0.3, not 0.30000000000000004)."""
    return math.ceil(round(value, 9))


def _check_mix(mix: Mapping[str, float]) -> None:
    if not mix:
        raise ConfigError("lead_targets: mix is empty. Pass each channel's share of the deals, e.g. "
                          "{'showroom': 0.5, 'referral': 0.3, 'outreach': 0.2}.")
    bad = {c: s for c, s in mix.items() if s is None or not 0 <= float(s) <= 1 or math.isnan(float(s))}
    if bad:
        raise ConfigError(f"lead_targets: mix shares must be between 0 and 1, but {bad} was passed.")
    total = sum(float(s) for s in mix.values())
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ConfigError(f"lead_targets: the mix shares must sum to 1, but they sum to {total:.6g} ({dict(mix)}). "
                          "Give every channel's share of the deals.")


def _rate(rates: Mapping[str, float], channel: str, name: str) -> float:
    """The close rate of *channel*, which must be in (0, 1]."""
    rate = rates.get(channel)
    if rate is None or pd.isna(rate) or not 0 < float(rate) <= 1:
        found = "no rate" if rate is None or pd.isna(rate) else f"{rate!r}"
        raise ConfigError(
            f"lead_targets: {name} of channel {channel!r} must be in (0, 1], but {found} was given: with no deals "
            "per lead the leads needed cannot be computed. Give the channel a close rate above 0, or leave the "
            "channel out of the mix.")
    return float(rate)


def lead_targets(sales_target: float, mix: Mapping[str, float], conversion: Mapping[str, float], *,
                 history: Mapping[str, float] | None = None,
                 adjusted: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The monthly lead target per channel, its gap to the leads found, and the what-if of better close rates.

    Parameters
    ----------
    sales_target : float
        ① Next month's deal target (deals).
    mix : mapping
        ② ``{channel: share of the deals}``; the shares must sum to 1.
    conversion : mapping
        ④ ``{channel: close rate}`` (deals ÷ leads), each in (0, 1], for every channel of *mix*.
    history : mapping, optional
        ⑥ ``{channel: leads found a month}`` (the last 3 months' average); None = unknown
        (no gaps). A channel left out found none.
    adjusted : mapping, optional
        ⑧ ``{channel: adjusted close-rate target}`` for the channels the manager wants to
        convert better; the others keep their rate of *conversion*.

    Returns
    -------
    DataFrame
        One row per channel of *mix* and a ``total`` row: ``channel``, ``deal_share`` ②,
        ``deals_needed`` ③, ``close_rate`` ④, ``leads_needed`` ⑤ (rounded up),
        ``leads_found`` ⑥, ``lead_gap`` ⑦, ``adjusted_close_rate`` ⑧,
        ``adjusted_leads_needed`` ⑨ (rounded up), ``adjusted_lead_gap`` ⑩. A negative gap
        is a surplus: more leads are found than needed.

    Raises
    ------
    ConfigError
        When the shares do not sum to 1, or a close rate is zero, missing or above 1
        (the channel is named).

    Notes
    -----
    The source worksheet shows ``#DIV/0!`` for a channel with no close rate; here such a
    channel is an error naming it. Totals are sums over the channels, of the rounded-up
    leads per channel.

    Examples
    --------
    >>> table = lead_targets(20, {"showroom": 0.5, "referral": 0.3, "outreach": 0.2},
    ...                      {"showroom": 0.25, "referral": 0.4, "outreach": 0.1},
    ...                      history={"showroom": 30, "referral": 20, "outreach": 25}, adjusted={"showroom": 0.4})
    >>> table[["channel", "deals_needed", "leads_needed", "lead_gap", "adjusted_leads_needed"]].values.tolist()
    [['showroom', 10.0, 40, 10.0, 25], ['referral', 6.0, 15, -5.0, 15], ['outreach', 4.0, 40, 15.0, 40], ['total', 20.0, 95, 20.0, 80]]
    """
    if sales_target is None or pd.isna(sales_target) or float(sales_target) < 0:
        raise ConfigError(f"lead_targets: sales_target must be a number of deals ≥ 0, but {sales_target!r} was passed.")
    _check_mix(mix)
    unknown = set(adjusted or {}) - set(mix)
    if unknown:
        raise ConfigError(f"lead_targets: adjusted names channels not in the mix: {sorted(unknown)} "
                          f"(channels: {list(mix)}).")
    rows = []
    for channel, share in mix.items():
        rate = _rate(conversion, channel, "the close rate")
        better = _rate(adjusted, channel, "the adjusted close rate") if channel in (adjusted or {}) else rate
        deals = float(sales_target) * float(share)
        found = np.nan if history is None else float(history.get(channel, 0.0))
        needed, adjusted_needed = _ceil(deals / rate), _ceil(deals / better)
        rows.append({"channel": channel, "deal_share": float(share), "deals_needed": deals, "close_rate": rate,
                     "leads_needed": needed, "leads_found": found, "lead_gap": needed - found,
                     "adjusted_close_rate": better, "adjusted_leads_needed": adjusted_needed,
                     "adjusted_lead_gap": adjusted_needed - found})
    table = pd.DataFrame(rows, columns=_COLUMNS)
    total = {column: table[column].sum(min_count=1) for column in _TOTALLED}
    total["leads_needed"], total["adjusted_leads_needed"] = int(total["leads_needed"]), int(total["adjusted_leads_needed"])
    return pd.concat([table, pd.DataFrame([{"channel": TOTAL, **total}], columns=_COLUMNS)], ignore_index=True)


def lead_history(leads: pd.DataFrame, month: object, *, months: int = 3,
                 channels: list[str] | None = None) -> pd.DataFrame:
    """②, ④ and ⑥ of the lead target from the leads of the *months* months before *month*.

    Parameters
    ----------
    leads : DataFrame
        The leads table: ``channel``, ``created_date``, ``status`` (won = a deal).
    month : date-like
        The month planned for; the history is the *months* whole months before it.
    months : int, default 3
        How many months the averages cover.
    channels : list of str, optional
        The channels to keep (others are left out); None = every channel with a lead.

    Returns
    -------
    DataFrame
        One row per channel: ``channel``, ``leads`` and ``deals`` in the window,
        ``deal_share`` (the channel's share of the deals of the window), ``close_rate``
        (deals ÷ leads; empty when the channel had no lead), ``leads_found`` (leads a month).

    Notes
    -----
    A lead counts as a deal of the month it was created in: the leads table has no
    closing date. The share and the rate are those of the window's totals (a month
    without deals would make an average of monthly rates undefined).

    Examples
    --------
    >>> leads = pd.DataFrame({"channel": ["showroom"] * 4 + ["referral"] * 2,
    ...                       "created_date": pd.to_datetime(["2025-10-03", "2025-11-05", "2025-12-01", "2025-12-20",
    ...                                                       "2025-11-11", "2025-12-02"]),
    ...                       "status": ["won", "lost", "lost", "open", "won", "won"]})
    >>> lead_history(leads, "2026-01")[["channel", "deals", "deal_share", "close_rate", "leads_found"]].values.tolist()
    [['referral', 2, 0.6666666666666666, 1.0, 0.6666666666666666], ['showroom', 1, 0.3333333333333333, 0.25, 1.3333333333333333]]
    """
    require_columns(leads, ["channel", "created_date", "status"], purpose="lead_history", table="leads")
    end = pd.Timestamp(month).to_period("M").start_time
    start = end - pd.DateOffset(months=months)
    window = leads[(leads["created_date"] >= start) & (leads["created_date"] < end) & leads["channel"].notna()]
    if channels is not None:
        window = window[window["channel"].isin(channels)]
    won = window["status"].astype(str).eq("won")
    table = (window.assign(won=won).groupby(window["channel"].astype(str), observed=True)
             .agg(leads=("won", "size"), deals=("won", "sum")).reset_index())
    table["deals"] = table["deals"].astype(int)
    all_deals = table["deals"].sum()
    table["deal_share"] = table["deals"] / all_deals if all_deals else np.nan
    table["close_rate"] = table["deals"] / table["leads"].where(table["leads"] > 0)
    table["leads_found"] = table["leads"] / months
    return table.sort_values(["deals", "channel"], ascending=[False, True], ignore_index=True)
