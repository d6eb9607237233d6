"""Prospect qualification (准客户, ``docs/classification.md``): MAN combinations and prospect temperature.

Re-exported by :mod:`kamlib.classify`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.errors import ConfigError, require_columns
from kamlib.grouping import ordered

__all__ = [
    "IMPORTANCE",
    "MAN_ACTIONS",
    "TEMPERATURES",
    "man_qualify",
    "man_summary",
    "open_leads",
    "prospect_temperature",
    "temperature_matrix",
]

#: MAN combination → recommended action (``docs/classification.md#man-qualification``), best first.
MAN_ACTIONS = {
    "MAN": "ideal_target", "MA": "skilled_selling", "MN": "find_authority", "AN": "check_credit",
    "M": "nurture", "A": "nurture", "N": "nurture", "none": "stop",
}
TEMPERATURES = ("hot", "promising", "potential")
IMPORTANCE = ("important", "secondary", "ordinary")


def man_qualify(leads: pd.DataFrame, *, money: str = "money", authority: str = "authority",
                need: str = "need", actions: dict[str, str] | None = None) -> pd.DataFrame:
    """MAN combination of each lead and the recommended action (``docs/classification.md#man-qualification``).

    Parameters
    ----------
    leads : DataFrame
        ``lead_id`` and three boolean columns (Money 有钱, Authority 有权, Need 有需求).
    money, authority, need : str
        Column names.
    actions : dict, optional
        ``{combination: action code}``; default :data:`MAN_ACTIONS`.

    Returns
    -------
    DataFrame
        The leads with ``man`` (ordered categorical MAN, MA, MN, AN, M, A, N, none) and
        ``action`` (label ``man_action.<code>``). A missing flag counts as not
        established; ``attrs["unknown_flags"]`` counts such cells.

    Examples
    --------
    The combinations of ``docs/classification.md#man-qualification``:

    >>> leads = pd.DataFrame({"lead_id": list("abcdef"), "money": [True, True, True, False, False, False],
    ...                       "authority": [True, True, False, True, False, False],
    ...                       "need": [True, False, True, True, True, False]})
    >>> man_qualify(leads)[["man", "action"]].values.tolist()
    [['MAN', 'ideal_target'], ['MA', 'skilled_selling'], ['MN', 'find_authority'], ['AN', 'check_credit'], ['N', 'nurture'], ['none', 'stop']]
    """
    require_columns(leads, ["lead_id", money, authority, need], purpose="man_qualify", table="leads")
    actions = MAN_ACTIONS if actions is None else actions
    flags = leads[[money, authority, need]]
    known = flags.notna().to_numpy()
    values = flags.fillna(False).astype(bool).to_numpy()
    combo = np.char.add(np.char.add(np.where(values[:, 0], "M", ""), np.where(values[:, 1], "A", "")),
                        np.where(values[:, 2], "N", ""))
    combo = np.where(combo == "", "none", combo)
    missing = set(MAN_ACTIONS) - set(actions)
    if missing:
        raise ConfigError(f"man_qualify: actions needs an action for every combination; missing {sorted(missing)}.")
    out = leads.copy()
    out["man"] = ordered(combo, list(MAN_ACTIONS))
    out["action"] = pd.Series(combo, index=leads.index).map(actions).astype("string")
    out.attrs["unknown_flags"] = int((~known).sum())
    return out


def man_summary(qualified: pd.DataFrame) -> pd.DataFrame:
    """Leads per MAN combination with the action and share (every combination listed).

    Examples
    --------
    >>> q = man_qualify(pd.DataFrame({"lead_id": ["a", "b"], "money": [True, True],
    ...                               "authority": [True, False], "need": [True, True]}))
    >>> man_summary(q).head(3)[["man", "leads", "action"]].values.tolist()
    [['MAN', 1, 'ideal_target'], ['MA', 0, 'skilled_selling'], ['MN', 1, 'find_authority']]
    """
    counts = qualified.groupby("man", observed=False).size().rename("leads").reset_index()
    counts["action"] = counts["man"].astype(str).map(MAN_ACTIONS)
    counts["share"] = counts["leads"] / max(int(counts["leads"].sum()), 1)
    return counts


def prospect_temperature(leads: pd.DataFrame, *, today: object, hot_days: int = 7, promising_days: int = 14,
                         close: str = "expected_close_date", importance: str = "importance") -> pd.DataFrame:
    """Hot / promising / potential by expected close date, with importance (``docs/classification.md#prospect-temperature``).

    Parameters
    ----------
    leads : DataFrame
        ``lead_id`` and *close* (date); optional *importance* (important, secondary,
        ordinary).
    today : date-like
        The day the temperature is judged on (never read from the clock).
    hot_days, promising_days : int, default 7 and 14
        Closing within this many days → hot 热恋客户 (short, frequent visits); within
        *promising_days* → promising 有望客户 (pursue actively); later → potential
        潜在客户 (visit as suits).

    Returns
    -------
    DataFrame
        The leads with ``days_to_close``, ``overdue`` (expected close already passed:
        counted as hot) and ``temperature`` (ordered categorical; NA without a date);
        ``attrs["hot_days"]``, ``attrs["promising_days"]`` = the windows used.

    Examples
    --------
    >>> leads = pd.DataFrame({"lead_id": list("abcd"), "expected_close_date": pd.to_datetime(
    ...     ["2025-06-03", "2025-06-10", "2025-07-01", "2025-05-20"])})
    >>> prospect_temperature(leads, today="2025-06-01")[["days_to_close", "temperature"]].values.tolist()
    [[2, 'hot'], [9, 'promising'], [30, 'potential'], [-12, 'hot']]
    """
    require_columns(leads, ["lead_id", close], purpose="prospect_temperature", table="leads")
    if not 0 <= hot_days < promising_days:
        raise ConfigError(f"prospect_temperature: need 0 ≤ hot_days < promising_days, but {hot_days!r} and "
                          f"{promising_days!r} were passed.")
    days = (pd.to_datetime(leads[close]) - pd.Timestamp(today)).dt.days
    temperature = np.select([days <= hot_days, days <= promising_days], TEMPERATURES[:2], TEMPERATURES[2])
    out = leads.copy()
    out["days_to_close"] = days.astype("Int64")
    out["overdue"] = (days < 0).astype("boolean").where(days.notna())
    out["temperature"] = ordered(np.where(days.isna(), None, temperature), TEMPERATURES)
    if importance in out.columns:
        out[importance] = ordered(out[importance].astype(object), IMPORTANCE)
    out.attrs.update(hot_days=hot_days, promising_days=promising_days)
    return out


def open_leads(leads: pd.DataFrame, *, status: str = "status") -> pd.DataFrame:
    """The leads still open (*status* ``open``); all of them when there is no *status* column.

    Examples
    --------
    >>> open_leads(pd.DataFrame({"lead_id": ["a", "b"], "status": ["open", "won"]}))["lead_id"].tolist()
    ['a']
    """
    return leads[leads[status] == "open"] if status in leads.columns else leads


def temperature_matrix(temperatures: pd.DataFrame, *, importance: str = "importance") -> pd.DataFrame:
    """Leads per importance (rows, when known) and temperature (columns hot, promising, potential).

    Parameters
    ----------
    temperatures : DataFrame
        :func:`prospect_temperature` output.
    importance : str, default "importance"
        Column of the rows; without it the matrix has one row.

    Examples
    --------
    >>> leads = pd.DataFrame({"lead_id": list("abc"), "importance": ["important", "ordinary", "ordinary"],
    ...                       "expected_close_date": pd.to_datetime(["2025-06-03", "2025-06-10", "2025-07-01"])})
    >>> temperature_matrix(prospect_temperature(leads, today="2025-06-01")).values.tolist()
    [['important', 1, 0, 0], ['secondary', 0, 0, 0], ['ordinary', 0, 1, 1]]
    """
    if importance not in temperatures.columns:
        return temperatures["temperature"].value_counts(sort=False).to_frame().T.reset_index(drop=True)
    counts = temperatures.groupby([importance, "temperature"], observed=False).size()
    return counts.unstack("temperature").reset_index()
