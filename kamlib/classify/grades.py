"""Customer classification (客户分类, ``docs/classification.md``): ABC, purchase-state grid, portfolio and
profit segments here; the selection score, white space and relationship stage
(:mod:`kamlib.classify.selection`) and MAN / prospect temperature (:mod:`kamlib.classify.prospects`) are
re-exported, so the whole classification API is ``kamlib.classify``.

Pure functions on tidy DataFrames. Every rule (cut-offs, the 5×5 grid, split points,
weights) is plain data with the default of ``docs/classification.md``, overridable by argument; the grid
can also come from YAML (:func:`load_grid`, ``data/sample_config/grid.yml``). Ranked
labels are ordered categoricals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib.classify.selection import (
    trailing_revenue,
)
from kamlib.errors import ConfigError, DataError, require_columns
from kamlib.grouping import ordered, rank_order

__all__ = [
    "ABC_CLASSES",
    "DEFAULT_GRID",
    "PORTFOLIO",
    "PROFIT_SEGMENTS",
    "VIP_CLASS",
    "account_profit",
    "derive_levels",
    "grid_cells",
    "grid_spec",
    "grid_table",
    "load_grid",
    "pareto_abc",
    "portfolio",
    "profit_segments",
    "segment_totals",
    "top_share",
    "whale_curve",
    "xy_grade",
]

ABC_CLASSES = ("A", "B", "C")
#: The class of VIP accounts (重量级客户) in :func:`xy_grade`: a fourth class, an override of the cell.
VIP_CLASS = "VIP"
#: Purchase-state grid (``docs/classification.md#purchase-state-grid``): ``{(X, Y): class}`` for every
#: cell with X ≤ Y.
#: Listed by the source: A (1,4) (0,3) (1,3) (4,4) (3,4); B (2,4) (0,2); C (0,1) (1,2) (1,1).
#: Default completion: (2,3) (3,3) (0,4) → A, (2,2) → B, (0,0) → C.
DEFAULT_GRID: dict[tuple[int, int], str] = {
    (1, 4): "A", (0, 3): "A", (1, 3): "A", (4, 4): "A", (3, 4): "A",
    (2, 4): "B", (0, 2): "B",
    (0, 1): "C", (1, 2): "C", (1, 1): "C",
    (2, 3): "A", (3, 3): "A", (0, 4): "A", (2, 2): "B", (0, 0): "C",
}
LEVELS = range(5)
#: Quantiles of annual demand that separate levels 0|1|2|3|4 when X and Y are derived.
LEVEL_QUANTILES = (0.05, 0.25, 0.55, 0.85)
PORTFOLIO = ("invest", "selective", "maintain", "harvest")
PROFIT_SEGMENTS = ("most_profitable", "second_profitable", "not_profitable", "loss_making")


def _check_cutoffs(cutoffs: Sequence[float], purpose: str) -> tuple[float, float]:
    low, high = (float(c) for c in cutoffs)
    if not 0 < low < high <= 1:
        raise ConfigError(f"{purpose}: cutoffs must be two shares 0 < A < B ≤ 1 such as (0.8, 0.95), "
                          f"but {tuple(cutoffs)!r} was passed.")
    return low, high


# --------------------------------------------------------------------------- Pareto / ABC
def pareto_abc(df: pd.DataFrame, value: str = "revenue", by: str = "account_id",
               cutoffs: Sequence[float] = (0.8, 0.95)) -> pd.DataFrame:
    """Rank accounts by value and split them into A / B / C by cumulative share (``docs/classification.md#pareto--abc``).

    Parameters
    ----------
    df : DataFrame
        Raw orders (several rows per account are summed) or an account table.
    value : str, default "revenue"
        Column to rank by (revenue or profit; must not be negative).
    by : str, default "account_id"
        Account column.
    cutoffs : pair of float, default (0.8, 0.95)
        Cumulative share up to which accounts are A, then B; the rest are C.

    Returns
    -------
    DataFrame
        One row per account, best first: ``<by>, <value>, share, cumulative_share,
        cumulative_accounts, rank, abc_class`` (ordered categorical A < B < C).
        ``attrs["excluded"]`` counts rows without id or value; ``attrs["cutoffs"]``.

    Raises
    ------
    DataError
        When a column is missing, a value is negative or the total is not positive.
    ConfigError
        When the cut-offs are not 0 < A < B ≤ 1.

    Notes
    -----
    Accounts are sorted by value descending, ties by id, so equal values get a fixed
    order. An account is A while its cumulative share is ≤ the first cut-off, B while
    ≤ the second, C after (a tolerance of 1e-9 absorbs rounding).

    Examples
    --------
    >>> orders = pd.DataFrame({"account_id": ["a", "b", "a", "c", "d"], "revenue": [50.0, 30.0, 20.0, 15.0, 5.0]})
    >>> pareto_abc(orders)[["account_id", "revenue", "cumulative_share", "abc_class"]]
      account_id  revenue  cumulative_share abc_class
    0          a     70.0          0.583333         A
    1          b     30.0          0.833333         B
    2          c     15.0          0.958333         C
    3          d      5.0          1.000000         C
    """
    require_columns(df, [by, value], purpose="pareto_abc", table="data")
    low, high = _check_cutoffs(cutoffs, "pareto_abc")
    ok = df[by].notna() & df[value].notna()
    values = df.loc[ok, value].astype(float)
    if (values < 0).any():
        bad = df.loc[ok][values < 0][by].head(5).tolist()
        raise DataError(f"pareto_abc: {value!r} must not be negative, but accounts {bad} have negative values. "
                        "Rank profit with profit_segments (whale curve) instead.", column=value, code="negative")
    codes, ids = pd.factorize(df.loc[ok, by])
    totals = np.bincount(codes, weights=values.to_numpy(), minlength=len(ids))
    total = totals.sum()
    if not total > 0:
        raise DataError(f"pareto_abc: the total of {value!r} is {total:g}; it must be positive.", column=value,
                        code="empty")
    out = pd.DataFrame({by: pd.array(ids, dtype="string"), value: totals})
    out = out.iloc[rank_order(out[value], out[by])].reset_index(drop=True)
    cumulative = out[value].cumsum().to_numpy() / total
    out["share"] = out[value] / total
    out["cumulative_share"] = cumulative
    out["cumulative_accounts"] = np.arange(1, len(out) + 1) / len(out)
    out["rank"] = np.arange(1, len(out) + 1)
    out["abc_class"] = ordered(np.select([cumulative <= low + 1e-9, cumulative <= high + 1e-9], ["A", "B"], "C"),
                                ABC_CLASSES)
    out.attrs.update(excluded=int((~ok).sum()), cutoffs=(low, high))
    return out


def top_share(pareto: pd.DataFrame, top: float = 0.2) -> float:
    """Share of the total held by the top *top* fraction of accounts (rounded up, at least one).

    Examples
    --------
    >>> p = pareto_abc(pd.DataFrame({"account_id": list("abcde"), "revenue": [60.0, 20, 10, 5, 5]}))
    >>> top_share(p, 0.2), top_share(p, 0.4)
    (0.6, 0.8)
    """
    if not 0 < top <= 1:
        raise ConfigError(f"top_share: top must be a fraction 0 < top ≤ 1 such as 0.2, but {top!r} was passed.")
    n = max(1, int(np.ceil(top * len(pareto) - 1e-9)))
    return float(pareto["share"].iloc[:n].sum())


# --------------------------------------------------------------------------- XY grid
def _check_grid(grid: Mapping, classes: Sequence[str]) -> dict[tuple[int, int], str]:
    cells = {(int(x), int(y)): str(c) for (x, y), c in grid.items()}
    wrong = [cell for cell in cells if cell[0] > cell[1] or not set(cell) <= set(LEVELS)]
    missing = [(x, y) for y in LEVELS for x in LEVELS if x <= y and (x, y) not in cells]
    unknown = sorted({c for c in cells.values() if c not in classes})
    if wrong or missing or unknown:
        raise ConfigError(
            "grid: every cell (X, Y) with 0 ≤ X ≤ Y ≤ 4 needs one class of " + ", ".join(classes)
            + (f"; cells with X > Y or outside 0–4 are not allowed: {wrong}" if wrong else "")
            + (f"; missing: {missing}" if missing else "") + (f"; unknown classes: {unknown}" if unknown else "")
            + ". Fix the grid (see data/sample_config/grid.yml).")
    return cells


def load_grid(path: str | Path) -> dict[tuple[int, int], str]:
    """Read a purchase-state grid from YAML (format of ``data/sample_config/grid.yml``).

    The file has ``cells``: one row per capacity level Y (4 … 0), each a list of five
    classes for X = 0 … 4, ``"-"`` where X > Y.

    Examples
    --------
    >>> from importlib.resources import files
    >>> grid = load_grid(Path(str(files("kamlib"))).parent / "data/sample_config/grid.yml")
    >>> grid == DEFAULT_GRID
    True
    """
    import yaml

    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: could not read a grid ({err}). {_GRID_FORM}") from err
    return _grid_from_spec(spec, str(path))


#: How a grid is written, for error messages.
_GRID_FORM = ("Expected 'cells:' with rows 4: [A, A, B, A, A] … as in data/sample_config/grid.yml "
              "(in a batch file: grid: {cells: {4: [A, A, B, A, A], 3: [A, A, A, A, '-'], …}}).")


def _grid_from_spec(spec: object, where: str) -> dict[tuple[int, int], str]:
    """The cells of a grid written as its YAML file is (``{"cells": {Y: [class of X = 0 … 4]}}``)."""
    try:
        rows = spec["cells"]  # type: ignore[index]
        cells = {(x, int(y)): c for y, row in rows.items() for x, c in enumerate(row) if c not in ("-", None)}
        classes = spec.get("classes", ABC_CLASSES)  # type: ignore[union-attr]
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        raise ConfigError(f"{where}: could not read a grid ({err!r}). {_GRID_FORM}") from err
    return _check_grid(cells, classes)


def grid_cells(grid: Mapping | str | Path | None = None) -> dict[tuple[int, int], str]:
    """The cells ``{(X, Y): class}`` of a grid given as the ``grid`` parameter or argument.

    *grid* is None (:data:`DEFAULT_GRID`), a YAML file (:func:`load_grid`), the content of
    such a file as a mapping (``{"cells": {4: ["A", "A", "B", "A", "A"], …}}``, as a batch
    file or :func:`grid_spec` writes it), or ``{(X, Y): class}`` itself. Every cell with
    X ≤ Y needs a class.

    Examples
    --------
    >>> grid_cells() == DEFAULT_GRID, grid_cells(grid_spec(DEFAULT_GRID)) == DEFAULT_GRID
    (True, True)
    >>> grid_cells({"cells": {4: list("CCCCC"), 3: list("CCCC-"), 2: list("CCC--"), 1: list("CC---"),
    ...                       0: list("C----")}})[(1, 4)]
    'C'
    """
    if grid is None:
        return dict(DEFAULT_GRID)
    if isinstance(grid, (str, Path)):
        return load_grid(grid)
    if isinstance(grid, Mapping) and "cells" in grid:
        return _grid_from_spec(grid, "grid")
    if not isinstance(grid, Mapping):
        raise ConfigError(f"grid: expected a YAML file, a mapping or None, but {grid!r} was passed. {_GRID_FORM}")
    return _check_grid(grid, sorted({str(c) for c in grid.values()}))


def grid_spec(cells: Mapping[tuple[int, int], str]) -> dict[str, object]:
    """*cells* ``{(X, Y): class}`` written as a grid file is: ``{"classes": […], "cells": {Y: [class of X = 0 … 4]}}``.

    The form a batch file's ``grid`` parameter takes (:func:`grid_cells` reads it back);
    ``"-"`` where X > Y.

    Examples
    --------
    >>> grid_spec(DEFAULT_GRID)["cells"][4], grid_spec(DEFAULT_GRID)["cells"][0]
    (['A', 'A', 'B', 'A', 'A'], ['C', '-', '-', '-', '-'])
    """
    checked = grid_cells(dict(cells))
    classes = [c for c in ABC_CLASSES if c in checked.values()] + sorted(set(checked.values()) - set(ABC_CLASSES))
    rows = {y: [checked.get((x, y), "-") for x in LEVELS] for y in reversed(LEVELS)}
    return {"classes": classes, "cells": rows}


def grid_table(grid: Mapping[tuple[int, int], str] | str | Path | None = None) -> pd.DataFrame:
    """The grid as a 5×5 table (rows Y = 4 … 0, columns X = 0 … 4, NA where X > Y).

    Examples
    --------
    >>> grid_table().loc[4].tolist()
    ['A', 'A', 'B', 'A', 'A']
    """
    cells = grid_cells(grid)
    table = pd.DataFrame([[cells.get((x, y), pd.NA) for x in LEVELS] for y in reversed(LEVELS)],
                         index=pd.Index(list(reversed(LEVELS)), name="capacity_level"),
                         columns=pd.Index(list(LEVELS), name="purchase_level"))
    return table


def derive_levels(accounts: pd.DataFrame, orders: pd.DataFrame | None = None, *, as_of: object = None,
                  months: int = 12, quantiles: Sequence[float] = LEVEL_QUANTILES) -> pd.DataFrame:
    """Purchase level X and capacity level Y (0–4) from revenue and annual demand (``docs/classification.md``).

    Parameters
    ----------
    accounts : DataFrame
        ``account_id, annual_demand``.
    orders : DataFrame, optional
        ``account_id, order_date, revenue``; needed for X.
    as_of : date-like
        End of the trailing window (default: the last order date).
    months : int, default 12
        Trailing window for X.
    quantiles : four floats, default (0.05, 0.25, 0.55, 0.85)
        Quantiles of annual demand that separate levels 0|1|2|3|4.

    Returns
    -------
    DataFrame
        ``account_id, revenue_12m, purchase_level, capacity_level`` (Int64).

    Notes
    -----
    One set of thresholds (yuan a year, from the annual-demand quantiles) bins both
    Y (annual demand) and X (our trailing revenue), so X and Y are comparable and
    X > Y means we sold more than the stated demand: a data error. The rule and its
    source are in ``docs/classification.md#derived-levels``.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": list("abcde"), "annual_demand": [0.0, 10, 20, 30, 40]})
    >>> o = pd.DataFrame({"account_id": ["b", "e"], "revenue": [15.0, 25.0],
    ...                   "order_date": pd.to_datetime(["2025-01-01", "2025-02-01"])})
    >>> derive_levels(acc, o, quantiles=(0.2, 0.4, 0.6, 0.8))[["purchase_level", "capacity_level"]].values.tolist()
    [[0, 0], [1, 1], [0, 2], [0, 3], [3, 4]]
    """
    require_columns(accounts, ["account_id", "annual_demand"], purpose="derive_levels", table="accounts")
    cuts = np.sort(np.asarray(quantiles, dtype=float))
    if len(cuts) != 4 or not ((cuts > 0) & (cuts < 1)).all():
        raise ConfigError(f"derive_levels: quantiles must be four shares between 0 and 1, but {quantiles!r} was passed.")
    demand = accounts["annual_demand"].astype(float)
    edges = np.nanquantile(demand.to_numpy(), cuts)
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy()}, index=accounts.index)
    out["capacity_level"] = pd.Series(np.searchsorted(edges, demand, side="right"), index=accounts.index,
                                      dtype="Int64").where(demand.notna())
    if orders is None:
        out["revenue_12m"], out["purchase_level"] = np.nan, pd.array([pd.NA] * len(out), dtype="Int64")
        return out
    as_of = orders["order_date"].max() if as_of is None else as_of
    revenue = accounts["account_id"].map(trailing_revenue(orders, as_of=as_of, months=months)).fillna(0.0)
    out["revenue_12m"] = revenue.to_numpy(dtype=float)
    out["purchase_level"] = pd.array(np.searchsorted(edges, out["revenue_12m"], side="right"), dtype="Int64")
    return out[["account_id", "revenue_12m", "purchase_level", "capacity_level"]]


def xy_grade(accounts: pd.DataFrame, grid: Mapping[tuple[int, int], str] | str | Path | None = None, *,
             orders: pd.DataFrame | None = None, as_of: object = None, vip_class: str | None = VIP_CLASS,
             quantiles: Sequence[float] = LEVEL_QUANTILES) -> pd.DataFrame:
    """Class of each account from its purchase-state cell (X, Y) (``docs/classification.md#purchase-state-grid``).

    Parameters
    ----------
    accounts : DataFrame
        ``account_id`` and ``purchase_level``, ``capacity_level`` (0–4); when those are
        absent they are derived (:func:`derive_levels`) from ``annual_demand`` and
        *orders*. Optional ``vip`` (bool).
    grid : mapping, path or None
        ``{(X, Y): class}`` for every cell with X ≤ Y, a YAML file (:func:`load_grid`),
        its content as a mapping, or None for :data:`DEFAULT_GRID` (see :func:`grid_cells`).
    orders : DataFrame, optional
        Orders for deriving X (trailing 12 months up to *as_of*).
    as_of : date-like, optional
        End of the trailing window (default: last order date).
    vip_class : str or None, default "VIP"
        The class of every VIP account (``vip`` true), whatever its cell and even with
        no purchases: a fourth class beside the grid's; None = VIPs are classed by
        their cell like any other account.
    quantiles : four floats
        Level thresholds when levels are derived.

    Returns
    -------
    DataFrame
        ``account_id, purchase_level, capacity_level, grid_class, vip, xy_class,
        check`` — ``check`` is ``ok``, ``x_above_y`` (a data error: not classified, VIP
        or not) or ``no_levels``; ``grid_class`` is the cell's class, ``xy_class`` the
        account's (*vip_class* for a VIP); classes are ordered categoricals, VIP first.
        ``attrs["derived"]`` says whether X / Y were derived.

    Examples
    --------
    Worked examples of the grid (``docs/classification.md#purchase-state-grid``): (1, 4) → A,
    (2, 4) → B, (1, 2) → C, (3, 1) is a data error; a VIP with (0, 0) is class VIP.

    >>> acc = pd.DataFrame({"account_id": list("abcde"), "purchase_level": [1, 2, 1, 3, 0],
    ...                     "capacity_level": [4, 4, 2, 1, 0], "vip": [False] * 4 + [True]})
    >>> xy_grade(acc)[["account_id", "grid_class", "xy_class", "check"]]
      account_id grid_class xy_class      check
    0          a          A        A         ok
    1          b          B        B         ok
    2          c          C        C         ok
    3          d        NaN      NaN  x_above_y
    4          e          C      VIP         ok
    """
    require_columns(accounts, ["account_id"], purpose="xy_grade", table="accounts")
    cells = grid_cells(grid)
    classes = [c for c in ABC_CLASSES if c in cells.values()] + sorted(set(cells.values()) - set(ABC_CLASSES))
    derived = not {"purchase_level", "capacity_level"} <= set(accounts.columns)
    levels = accounts
    if derived:
        require_columns(accounts, ["annual_demand"], purpose="xy_grade (levels absent, deriving Y)", table="accounts")
        levels = derive_levels(accounts, orders, as_of=as_of, quantiles=quantiles)
    x = pd.array(levels["purchase_level"], dtype="Int64")
    y = pd.array(levels["capacity_level"], dtype="Int64")
    known = ~(pd.isna(x) | pd.isna(y))
    error = known & (x.fillna(0) > y.fillna(0)).to_numpy(dtype=bool)
    lookup = pd.Series(cells)
    key = pd.MultiIndex.from_arrays([x.fillna(-1).to_numpy(int), y.fillna(-1).to_numpy(int)])
    grid_class = pd.Series(lookup.reindex(key).to_numpy(), index=accounts.index).where(known & ~error)
    vip = accounts["vip"].fillna(False).astype(bool) if "vip" in accounts.columns else pd.Series(False, index=accounts.index)
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy(), "purchase_level": x, "capacity_level": y},
                       index=accounts.index)
    if vip_class is not None and (not isinstance(vip_class, str) or not vip_class.strip()):
        raise ConfigError(f"xy_grade: vip_class must be a class name such as 'VIP', or None, but {vip_class!r} "
                          "was passed.")
    if vip_class is not None and vip_class not in classes:
        classes = [vip_class, *classes]
    out["grid_class"] = ordered(grid_class, classes)
    out["vip"] = vip.to_numpy()
    final = out["grid_class"].copy()
    if vip_class is not None:
        final[vip.to_numpy() & ~error] = vip_class
    out["xy_class"] = final
    out["check"] = np.select([error, ~known], ["x_above_y", "no_levels"], "ok")
    out.attrs["derived"] = derived
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- portfolio
def _split_point(values: pd.Series, split: str | float) -> float:
    if split in ("median", "mean"):
        return float(getattr(values, split)())
    try:
        return float(split)
    except (TypeError, ValueError):
        raise ConfigError(f"portfolio: split must be 'median', 'mean' or a number, but {split!r} was passed.") from None


def portfolio(accounts: pd.DataFrame, *, potential: str = "potential", capability: str = "capability",
              split: str | float | tuple = "median") -> pd.DataFrame:
    """Potential × capability quadrant of each account (``docs/classification.md#potential-and-capability-portfolio``).

    Parameters
    ----------
    accounts : DataFrame
        ``account_id`` and the two score columns.
    potential, capability : str
        Column names (the account's future demand; our strength at the account).
    split : "median", "mean", a number or a pair, default "median"
        Split point of both axes (a pair: potential's, then capability's). A value at
        or above the split is high.

    Returns
    -------
    DataFrame
        ``account_id, potential, capability, portfolio`` (ordered categorical invest,
        selective, maintain, harvest; NA when a score is missing);
        ``attrs["split"] = (potential split, capability split)``.

    Notes
    -----
    High/high → invest 投资; high potential, low capability → selective 选择性投入; low
    potential, high capability → maintain 维持; low/low → harvest 收割.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": list("abcd"), "potential": [90.0, 80, 10, 20],
    ...                     "capability": [70.0, 10, 80, 20]})
    >>> portfolio(acc, split=50)["portfolio"].tolist()
    ['invest', 'selective', 'maintain', 'harvest']
    """
    require_columns(accounts, ["account_id", potential, capability], purpose="portfolio", table="accounts")
    splits = split if isinstance(split, (tuple, list)) else (split, split)
    pot, cap = accounts[potential].astype(float), accounts[capability].astype(float)
    p_cut, c_cut = _split_point(pot, splits[0]), _split_point(cap, splits[1])
    high_p, high_c = pot >= p_cut, cap >= c_cut
    quadrant = np.select([high_p & high_c, high_p, high_c], PORTFOLIO[:3], PORTFOLIO[3])
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy(), "potential": pot.to_numpy(),
                        "capability": cap.to_numpy()})
    out["portfolio"] = ordered(np.where((pot.isna() | cap.isna()).to_numpy(), None, quadrant), PORTFOLIO)
    out.attrs["split"] = (p_cut, c_cut)
    return out


# --------------------------------------------------------------------------- profit
def account_profit(orders: pd.DataFrame, *, products: pd.DataFrame | None = None) -> pd.DataFrame:
    """Revenue, cost and profit per account from orders (cost, else quantity × unit_cost).

    Examples
    --------
    >>> o = pd.DataFrame({"account_id": ["a", "a", "b"], "revenue": [10.0, 5.0, 4.0], "cost": [6.0, 5.0, 6.0]})
    >>> account_profit(o)["profit"].tolist()
    [4.0, -2.0]
    """
    require_columns(orders, ["account_id", "revenue"], purpose="account_profit", table="orders")
    cost = orders["cost"] if "cost" in orders.columns else None
    if cost is None and products is not None and {"product_id", "quantity"} <= set(orders.columns):
        unit = orders["product_id"].map(products.set_index("product_id")["unit_cost"])
        cost = orders["quantity"].astype(float) * unit
    if cost is None:
        raise DataError("profit_segments: orders have no 'cost' and cannot be costed (needs quantity, product_id "
                        "and products.unit_cost). Add a cost column or pass an account table with 'profit'.",
                        source="orders", column="cost", code="missing_column")
    frame = pd.DataFrame({"account_id": orders["account_id"], "revenue": orders["revenue"].astype(float),
                          "cost": cost.astype(float)})
    out = frame.groupby("account_id", observed=True, sort=True)[["revenue", "cost"]].sum(min_count=1).reset_index()
    out["profit"] = out["revenue"] - out["cost"]
    return out


def whale_curve(profits: pd.DataFrame, *, value: str = "profit") -> pd.DataFrame:
    """Cumulative profit share against cumulative share of accounts, most profitable first.

    The curve rises above 100 % and falls back as loss-making accounts come in.

    Examples
    --------
    >>> whale_curve(pd.DataFrame({"account_id": list("abc"), "profit": [8.0, 4.0, -2.0]}))["cumulative_profit_share"].round(2).tolist()
    [0.8, 1.2, 1.0]
    """
    require_columns(profits, ["account_id", value], purpose="whale_curve", table="accounts")
    ok = profits[profits[value].notna()]
    total = float(ok[value].sum())
    if not total > 0:
        raise DataError(f"whale_curve: total {value} is {total:g}; the curve needs a positive total.", column=value,
                        code="empty")
    out = ok.iloc[rank_order(ok[value], ok["account_id"])].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out["cumulative_accounts"] = out["rank"] / len(out)
    out["cumulative_profit_share"] = out[value].cumsum() / total
    return out


def profit_segments(orders_or_accounts: pd.DataFrame, *, products: pd.DataFrame | None = None,
                    cutoffs: Sequence[float] = (0.8, 0.95)) -> pd.DataFrame:
    """Profit per account, whale curve and the four profit segments (``docs/classification.md``).

    Parameters
    ----------
    orders_or_accounts : DataFrame
        Orders (``account_id, revenue`` and ``cost``, or ``quantity, product_id`` with
        *products*) or an account table with ``profit``.
    products : DataFrame, optional
        ``product_id, unit_cost`` to cost orders without a cost column.
    cutoffs : pair of float, default (0.8, 0.95)
        Share of the positive profit brought by the most profitable, then the second
        most profitable accounts.

    Returns
    -------
    DataFrame
        :func:`whale_curve` columns plus ``profit_segment`` (ordered categorical
        most_profitable, second_profitable, not_profitable, loss_making).

    Notes
    -----
    Profitable accounts are ranked by profit; those whose cumulative share of the
    positive profit is ≤ the first cut-off are *most profitable* (keep, grow, lose
    none), up to the second *second most profitable* (offers that move them up a
    tier); the rest with profit ≥ 0 are *not profitable* (cut cost-to-serve) and
    profit < 0 is *loss-making* (analyse potential, consider exit). Strategy texts:
    label ``profit_strategy.<segment>``. The rule and its source are in
    ``docs/classification.md#profit-segments-and-whale-curve``.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": list("abcde"), "profit": [70.0, 20, 6, 4, -10]})
    >>> profit_segments(acc)["profit_segment"].tolist()
    ['most_profitable', 'second_profitable', 'not_profitable', 'not_profitable', 'loss_making']
    """
    low, high = _check_cutoffs(cutoffs, "profit_segments")
    profits = orders_or_accounts
    if "profit" not in profits.columns or profits["account_id"].duplicated().any():
        profits = account_profit(orders_or_accounts, products=products)
    out = whale_curve(profits)
    gain = out["profit"].clip(lower=0)
    positive = gain.cumsum() / gain.sum()
    segment = np.select([out["profit"] < 0, positive <= low + 1e-9, positive <= high + 1e-9],
                        ["loss_making", "most_profitable", "second_profitable"], "not_profitable")
    out["profit_segment"] = ordered(segment, PROFIT_SEGMENTS)
    return out


def segment_totals(segments: pd.DataFrame) -> pd.DataFrame:
    """Accounts, revenue (when known) and profit per profit segment, every segment listed.

    Parameters
    ----------
    segments : DataFrame
        :func:`profit_segments` output.

    Returns
    -------
    DataFrame
        ``profit_segment, accounts, revenue, profit``, one row per segment in order.

    Examples
    --------
    >>> seg = profit_segments(pd.DataFrame({"account_id": list("abcde"), "profit": [70.0, 20, 6, 4, -10]}))
    >>> segment_totals(seg)[["profit_segment", "accounts", "profit"]].values.tolist()
    [['most_profitable', 1, 70.0], ['second_profitable', 1, 20.0], ['not_profitable', 2, 10.0], ['loss_making', 1, -10.0]]
    """
    sums = {c: (c, "sum") for c in ("revenue", "profit") if c in segments.columns}
    return segments.groupby("profit_segment", observed=False).agg(accounts=("account_id", "size"), **sums).reset_index()
