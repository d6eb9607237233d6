"""Grouping rows by integer codes: the small helpers the analyses share.

The analyses group millions of rows by account, period, product or status. Grouping on
integer codes is much faster than on (Arrow) strings; these helpers number the groups
as ``groupby(..., sort=True)`` does, so sums and means agree with pandas to the last
bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "by_group", "column_codes", "frame_groups", "id_codes", "per_id", "rows_where", "run_starts", "sorted_groups",
    "take",
]


def rows_where(df: pd.DataFrame, mask: pd.Series | np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """The *columns* of *df* (those present) on the rows where *mask* is true.

    Parameters
    ----------
    df : DataFrame
    mask : Series or ndarray of bool
        One value per row of *df*.
    columns : sequence of str
        Columns to keep; those *df* lacks are left out.

    Returns
    -------
    DataFrame
        The kept columns, with the index of the kept rows.

    Notes
    -----
    Column by column: much faster than ``df.loc[mask, columns]``, which gathers Arrow strings slowly.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    >>> rows_where(df, df["a"] > 1, ["b", "c"])
       b
    1  y
    2  z
    """
    mask = np.asarray(mask, dtype=bool)
    return pd.DataFrame({c: df[c].array[mask] for c in columns if c in df.columns}, index=df.index[mask])


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """Positions where a new value begins in the sorted array *ordered*.

    Parameters
    ----------
    ordered : ndarray
        Sorted values.

    Returns
    -------
    ndarray of int
        The first position of each distinct value (empty for an empty array).

    Examples
    --------
    >>> run_starts(np.array([3, 3, 5, 7, 7])).tolist()
    [0, 2, 3]
    """
    return np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(ordered) else np.zeros(0, dtype=int)


def sorted_groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Group rows by an integer *key* ≥ 0.

    Parameters
    ----------
    key : ndarray of int
        One key per row; a composite key is folded into one integer (e.g.
        ``account * n_periods + period``), which keeps the order of the pair.

    Returns
    -------
    keys : ndarray
        The sorted distinct keys.
    group : ndarray of intp
        Each row's group: its key's position among *keys*, as ``groupby(key, sort=True)``
        numbers groups.
    order : ndarray of int
        The rows in key order.
    starts : ndarray of int
        Where each group starts in that order.

    Examples
    --------
    >>> keys, group, order, starts = sorted_groups(np.array([7, 3, 7, 5]))
    >>> keys.tolist(), group.tolist(), order.tolist(), starts.tolist()
    ([3, 5, 7], [2, 0, 2, 1], [1, 3, 0, 2], [0, 1, 2])
    """
    order = np.argsort(key)
    ordered = key[order]
    starts = run_starts(ordered)
    group = np.empty(len(key), dtype=np.intp)
    group[order] = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(key))))
    return ordered[starts], group, order, starts


def by_group(group: np.ndarray, n_groups: int, values: np.ndarray, how: str = "sum") -> np.ndarray:
    """*how* ("sum", "mean") of *values* per group.

    Parameters
    ----------
    group : ndarray of int
        Each row's group, 0 to *n_groups* − 1; -1 = no group (the row is left out).
    n_groups : int
    values : ndarray
        One value per row.
    how : {"sum", "mean"}, default "sum"

    Returns
    -------
    ndarray
        One value per group, to the last bit as ``groupby(key, sort=True)`` computes it
        when *group* numbers the groups as it does (by sorted key).

    Notes
    -----
    pandas adds up in one pass when the rows come group by group and with compensation otherwise, so
    the numbering decides the last bits. The groups are passed as categorical codes: pandas need not
    hash (or sort) millions of keys again.

    Examples
    --------
    >>> group, values = np.array([0, 1, 0, -1]), np.array([1.0, 2.0, 3.0, 4.0])
    >>> by_group(group, 2, values).tolist(), by_group(group, 2, values, "mean").tolist()
    ([4.0, 2.0], [2.0, 2.0])
    """
    grouper = pd.Categorical.from_codes(group, categories=pd.RangeIndex(n_groups))
    return pd.Series(values).groupby(grouper, observed=False).agg(how).to_numpy()


def take(values: np.ndarray, positions: np.ndarray, fill: object) -> np.ndarray:
    """``values[positions]``, *fill* where a position is -1 (not found) or ``len(values)``.

    Parameters
    ----------
    values : ndarray
    positions : ndarray of int
        Positions in *values*, -1 for none (as ``Index.get_indexer`` gives).
    fill : scalar
        The value where there is none.

    Returns
    -------
    ndarray
        One value per position.

    Examples
    --------
    >>> take(np.array([10, 20, 30]), np.array([2, -1, 0]), 0).tolist()
    [30, 0, 10]
    """
    return np.append(values, fill)[np.where(positions < 0, len(values), positions)]


def id_codes(rows: pd.Series, ids: pd.Series) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """The ids of *rows* as codes, and the code of each of *ids*.

    Parameters
    ----------
    rows : Series
        One id per row (e.g. the orders' ``account_id``).
    ids : Series
        The ids to report on (e.g. the accounts' ``account_id``).

    Returns
    -------
    codes : ndarray of int
        Each row's id as a code numbered in id order (-1 = missing), as ``groupby`` numbers them.
    uniques : Index
        The distinct ids of *rows*, in that order.
    where : ndarray of int
        The code of each of *ids* (-1 = not among the rows).

    Examples
    --------
    >>> codes, uniques, where = id_codes(pd.Series(["b", "a", None, "b"]), pd.Series(["a", "c", "b"]))
    >>> codes.tolist(), uniques.tolist(), where.tolist()
    ([1, 0, -1, 1], ['a', 'b'], [0, -1, 1])
    """
    codes, uniques = pd.factorize(rows, sort=True)
    uniques = pd.Index(uniques)
    return codes, uniques, uniques.get_indexer(ids)


def per_id(coded: tuple[np.ndarray, pd.Index, np.ndarray], values: np.ndarray, how: str = "sum",
           keep: np.ndarray | None = None) -> np.ndarray:
    """*how* of *values* per id, as ``groupby(id).agg(how)`` on the rows gives it.

    Parameters
    ----------
    coded : tuple
        The codes of the rows and ids, from :func:`id_codes`.
    values : ndarray
        One value per row.
    how : {"sum", "mean"}, default "sum"
    keep : ndarray of bool, optional
        The rows to use (default all); the others are dropped first.

    Returns
    -------
    ndarray of float
        One value per id of :func:`id_codes`, NaN for an id without rows.

    Examples
    --------
    >>> coded = id_codes(pd.Series(["b", "a", "b"]), pd.Series(["a", "c", "b"]))
    >>> per_id(coded, np.array([1.0, 2.0, 4.0])).tolist()
    [2.0, nan, 5.0]
    """
    codes, uniques, where = coded
    n = len(uniques)
    if keep is not None:
        codes, values = codes[keep], values[keep]
    present = np.bincount(codes[codes >= 0], minlength=n) > 0
    rank = np.append(np.cumsum(present) - 1, -1)  # groupby numbers only the ids with rows; -1 stays -1
    result = np.full(n + 1, np.nan)
    result[:n][present] = by_group(rank[codes], int(present.sum()), values, how)
    return result[where]


def column_codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a column, −1 where missing: a categorical's own codes, else :func:`pandas.factorize`'s.

    Parameters
    ----------
    values : Series

    Returns
    -------
    ndarray of int
        One code per row.

    Examples
    --------
    >>> column_codes(pd.Series(["b", "a", None, "b"])).tolist()
    [0, 1, -1, 0]
    >>> column_codes(pd.Series(["b", "a"], dtype="category")).tolist()
    [1, 0]
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(dtype=np.int64)
    return pd.factorize(values)[0]


def frame_groups(
    frame: pd.DataFrame,
    keys: Sequence[str],
    rows: np.ndarray | None = None,
    codes: Mapping[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, pd.Index]:
    """Group number of each row and the group index of ``frame.groupby(keys, observed=True, dropna=False)``.

    Rows are numbered from integer codes of each key (missing values a group of
    their own), which is much faster than grouping text columns; the index comes
    from pandas grouping one row per group, so its order, values and dtypes are
    those pandas gives, and group number *i* is row *i* of that index.

    Parameters
    ----------
    frame : DataFrame
    keys : sequence of str
    rows : ndarray of int, optional
        Positions of the rows to group (default all), as if ``frame.iloc[rows]`` were grouped.
    codes : mapping of str to ndarray, optional
        Integer codes (−1 missing) already at hand for some keys, one per row of *frame*.

    Returns
    -------
    ids : ndarray of int64
        The group number of each (selected) row.
    index : Index
        The group index pandas gives, one entry per group number.

    Examples
    --------
    >>> ids, index = frame_groups(pd.DataFrame({"k": ["b", "a", None, "b"]}), ["k"])
    >>> ids.tolist(), index.tolist()
    ([1, 0, 2, 1], ['a', 'b', nan])
    """
    codes, selected = codes or {}, slice(None) if rows is None else rows
    ids, slots = np.zeros(len(frame) if rows is None else len(rows), dtype=np.int64), 1
    for key in keys:
        key_codes = codes[key] if key in codes else column_codes(frame[key])
        width = int(key_codes.max()) + 2 if len(key_codes) else 1
        ids, slots = ids * width + key_codes[selected] + 1, slots * width
        if slots > 4 * len(ids) + 1024:  # sparse combinations of many values: renumber them
            ids = pd.factorize(ids)[0]
            slots = int(ids.max()) + 1 if len(ids) else 0
    one_row = np.full(slots, -1, dtype=np.int64)
    one_row[ids] = np.arange(len(frame))[selected]
    present = np.flatnonzero(one_row >= 0)
    grouped = frame[list(keys)].iloc[one_row[present]].groupby(list(keys), observed=True, dropna=False)
    number = np.zeros(slots, dtype=np.int64)
    number[present] = grouped.ngroup().to_numpy()
    return number[ids], grouped.size().index


def ordered(values: Any, categories: Sequence[str]) -> pd.Categorical:
    """*values* as an ordered categorical over *categories* (ranked labels such as A > B > C).

    Examples
    --------
    >>> ordered(["B", "A"], ["A", "B", "C"]).max()
    'B'
    """
    return pd.Categorical(values, categories=list(categories), ordered=True)


def rank_order(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """Positions sorted by value descending, ties by id ascending (row order never matters).

    Examples
    --------
    >>> rank_order(pd.Series([1.0, 3.0, 3.0]), pd.Series(["c", "b", "a"])).tolist()
    [2, 1, 0]
    """
    return np.lexsort((ids.to_numpy(dtype=str), -values.to_numpy(dtype=float)))
