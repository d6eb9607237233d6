"""Environment analysis (市场环境分析, ``docs/environment.md``): market, BCG, Ansoff, SWOT, PEST, risk, objectives.

Pure functions behind ``notebooks/01_environment_analysis.ipynb``. Each takes tidy
DataFrames (``market``, ``orders``, ``accounts``, ``factors``, objectives) and keyword
options whose defaults are the rules of ``docs/environment.md``, and returns a new DataFrame or a
Markdown text. The only files read here are the two inputs an analyst names in the
notebook: a factors file (:func:`read_factors`) and an objectives file
(:func:`read_objectives`). Nothing is printed or drawn.

Split points are compared as ``value >= split`` → high, after rounding to nine
decimals, so a relative share of exactly 1.0 is high and a growth computed as
110 / 100 − 1 counts as exactly 10 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from kamlib.environment.ratings import parse_impact, parse_probability
from kamlib.errors import ConfigError, DataError

__all__ = [
    "ANSOFF_QUADRANTS",
    "BCG_QUADRANTS",
    "LEADER_BASES",
    "MACRO_CATEGORIES",
    "MICRO_CATEGORIES",
    "OBJECTIVE_KINDS",
    "RISK_QUADRANTS",
    "SWOT_KINDS",
    "ansoff",
    "bcg_matrix",
    "check_objectives",
    "factor_table",
    "group_leader",
    "in_region",
    "last_day",
    "market_overview",
    "needs",
    "objectives_file",
    "period",
    "pest_coverage",
    "read_factors",
    "read_objectives",
    "risk_matrix",
    "swot",
    "target_units",
]

#: BCG quadrants, by (high share, high growth) — ``docs/environment.md#bcg-matrix``.
BCG_QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, True): "star",
    (False, True): "question_mark",
    (True, False): "cash_cow",
    (False, False): "dog",
}
#: Ansoff quadrants, by (new product, new market) — ``docs/environment.md#ansoff-matrix``.
ANSOFF_QUADRANTS: dict[tuple[bool, bool], str] = {
    (False, False): "market_penetration",
    (True, False): "product_development",
    (False, True): "market_development",
    (True, True): "diversification",
}
#: Opportunity and threat matrices, by (high impact, high probability) —
#: ``docs/environment.md#opportunity-and-threat-matrices``.
RISK_QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, True): "act_now",
    (True, False): "prepare",
    (False, True): "monitor",
    (False, False): "ignore",
}
#: Macro (PEST and more) and micro environment categories, ``docs/environment.md#pest-and-micro-checklist``.
MACRO_CATEGORIES = ("political", "economic", "social", "technological", "demographic", "geographic", "religious")
MICRO_CATEGORIES = ("customers", "competitors", "intermediaries", "suppliers", "company")
#: The kinds of objective a plan should have (profit, share, risk, innovation, brand):
#: ``docs/environment.md#objectives-check``.
OBJECTIVE_KINDS = ("profit", "share", "risk", "innovation", "brand")

SWOT_KINDS = ("S", "W", "O", "T")
_SHARE_METRICS = ("market_share",)
_SALES_METRICS = ("revenue", "our_sales")


# --------------------------------------------------------------------------- helpers
def _need(df: pd.DataFrame, columns: Sequence[str], table: str, purpose: str) -> None:
    """Raise DataError naming the missing columns of *table* (found vs expected + fix)."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            f"{purpose}: {table} needs the column(s) {', '.join(missing)} "
            f"(columns: {', '.join(map(str, df.columns))}). Add them to {table}, or rename a column to that name.",
            source=table,
            column=missing[0],
        )


def _high(values: pd.Series, split: float) -> pd.Series:
    """``value >= split`` after rounding to nine decimals (see module docstring)."""
    return values.astype("float64").round(9) >= split


def _quadrants(high_x: pd.Series, high_y: pd.Series, names: Mapping[tuple[bool, bool], str]) -> pd.Categorical:
    """Ordered categorical quadrant per row from two boolean Series (missing → NaN)."""
    codes = [names[(bool(x), bool(y))] if pd.notna(x) and pd.notna(y) else None for x, y in zip(high_x, high_y)]
    return pd.Categorical(codes, categories=list(names.values()), ordered=True)


def in_region(df: pd.DataFrame, region: str | None, *, keep_blank: bool = False) -> pd.DataFrame:
    """Rows of *df* for one region (all rows when *region* is None or there is no region column).

    Parameters
    ----------
    df : DataFrame
        Any table with a ``region`` column.
    region : str or None
        Region code; None = every region.
    keep_blank : bool, default False
        Also keep rows whose region is empty (a factor without a region applies everywhere).

    Examples
    --------
    >>> frame = pd.DataFrame({"region": ["east", "west", None], "x": [1, 2, 3]})
    >>> in_region(frame, "east", keep_blank=True)["x"].tolist()
    [1, 3]
    """
    if region is None or "region" not in df.columns:
        return df.copy()
    keep = df["region"].astype("string") == region
    if keep_blank:
        keep = keep | df["region"].isna()
    return df[keep.fillna(False).astype(bool)].reset_index(drop=True)


# ------------------------------------------------------------------ market and BCG
def market_overview(market: pd.DataFrame, *, by: str = "region") -> pd.DataFrame:
    """Market size, our sales, our share and market growth per group and year.

    Parameters
    ----------
    market : DataFrame
        The ``market`` table: ``market_size, our_sales`` and *by*; optional ``year``,
        ``market_growth`` and ``leader_sales``.
    by : str, default "region"
        Grouping column, ``region`` or ``segment``.

    Returns
    -------
    DataFrame
        Columns ``<by>, year, market_size, our_sales, leader_sales, leader_basis,
        market_share, market_growth`` (``year`` only when the table has it).
        ``leader_sales`` is the largest competitor's sales in the group, found as
        ``leader_basis`` says (:func:`group_leader`); missing when the table has no
        ``leader_sales``. ``market_growth`` is the ``market_growth``
        column weighted by market size when every row has it, else computed from the
        years: size of the year ÷ size of the year before − 1 (missing for the first
        year).

    Raises
    ------
    DataError
        When a needed column is missing.

    Examples
    --------
    >>> market = pd.DataFrame({"region": ["east", "east"], "year": [2024, 2025],
    ...                        "market_size": [100.0, 110.0], "our_sales": [20.0, 33.0]})
    >>> market_overview(market)[["year", "market_share", "market_growth"]].to_dict("list")
    {'year': [2024, 2025], 'market_share': [0.2, 0.3], 'market_growth': [nan, 0.10000000000000009]}
    """
    _need(market, [by, "market_size", "our_sales"], "market", "market_overview")
    keys = [by] + (["year"] if "year" in market.columns else [])
    frame = market.assign(
        _weighted=(market["market_growth"] * market["market_size"]) if "market_growth" in market.columns else math.nan,
    )
    out = (
        frame.groupby(keys, dropna=False, sort=True)
        .agg(
            market_size=("market_size", "sum"),
            our_sales=("our_sales", "sum"),
            _weighted=("_weighted", lambda s: s.sum(min_count=len(s))),
        )
        .reset_index()
        .astype({"market_size": "float64", "our_sales": "float64"})
    )
    leaders = group_leader(market, keys)
    after = out.columns.get_loc("our_sales") + 1
    out.insert(after, "leader_sales", leaders["leader_sales"].to_numpy())
    out.insert(after + 1, "leader_basis", leaders["leader_basis"].to_numpy())
    out["market_share"] = out["our_sales"] / out["market_size"].where(out["market_size"] > 0)
    given = out["_weighted"] / out["market_size"].where(out["market_size"] > 0)
    if given.notna().all() or "year" not in out.columns:
        out["market_growth"] = given.astype("float64")
    else:
        previous = out.groupby(by, dropna=False)["market_size"].shift(1)
        consecutive = out.groupby(by, dropna=False)["year"].diff() == 1
        out["market_growth"] = (out["market_size"] / previous.where(consecutive & (previous > 0)) - 1).astype("float64")
    return out.drop(columns="_weighted")


#: How :func:`group_leader` found a group's largest competitor.
LEADER_BASES = ("one_row", "named", "largest_row")


def group_leader(market: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The largest competitor's sales per group of *keys*, and how it was found.

    ``leader_sales`` is the largest competitor's sales in one row of the market table
    (say one region's segment). Over several rows the regional leaders' sales cannot be
    added up: they are different companies, and no competitor sells the sum.

    Parameters
    ----------
    market : DataFrame
        The ``market`` table with *keys*, ``leader_sales`` and optionally ``leader`` (the
        largest competitor's name in each row).
    keys : sequence of str
        Grouping columns (e.g. ``["segment", "year"]``).

    Returns
    -------
    DataFrame
        *keys*, ``leader_sales`` and ``leader_basis``, one row per group, sorted by
        *keys*: ``one_row`` — the group is one row, whose leader is the group's leader;
        ``named`` — each row names its leader: the sales of the same named competitor
        are added over the rows and the largest total is taken (where that competitor
        does not lead a row its sales there are not known, so this is a lower bound);
        ``largest_row`` — several rows, not named: the largest row's leader, a lower
        bound of the group leader's sales (so the relative share is an upper bound).
        Missing when a row of the group has no ``leader_sales``.

    Examples
    --------
    >>> market = pd.DataFrame({"segment": ["van", "van", "van", "bus"], "region": ["e", "w", "n", "e"],
    ...                        "leader_sales": [50.0, 30.0, 40.0, 10.0], "leader": ["K", "K", "M", "K"]})
    >>> group_leader(market, ["segment"]).values.tolist()
    [['bus', 10.0, 'one_row'], ['van', 80.0, 'named']]
    >>> group_leader(market.drop(columns="leader"), ["segment"]).values.tolist()
    [['bus', 10.0, 'one_row'], ['van', 50.0, 'largest_row']]
    """
    keys = list(keys)
    named = "leader" in market.columns
    frame = market[keys].copy()
    frame["_sales"] = market["leader_sales"].astype("float64") if "leader_sales" in market.columns else math.nan
    frame["_name"] = market["leader"].astype("string") if named else pd.NA
    rows = []
    for key, group in frame.groupby(keys, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        if group["_sales"].isna().any():
            sales, basis = math.nan, None
        elif len(group) == 1:
            sales, basis = float(group["_sales"].iloc[0]), "one_row"
        elif named and group["_name"].notna().all():
            sales, basis = float(group.groupby("_name")["_sales"].sum().max()), "named"
        else:
            sales, basis = float(group["_sales"].max()), "largest_row"
        rows.append((*key, sales, basis))
    return pd.DataFrame(rows, columns=[*keys, "leader_sales", "leader_basis"])


def bcg_matrix(
    market: pd.DataFrame,
    *,
    by: str = "region",
    year: int | None = None,
    share_split: float = 1.0,
    growth_split: float = 0.10,
) -> pd.DataFrame:
    """The BCG growth–share matrix (波士顿矩阵) per region or segment.

    Parameters
    ----------
    market : DataFrame
        The ``market`` table (see :func:`market_overview`); needs ``leader_sales``.
    by : str, default "region"
        ``region`` or ``segment`` (filter the table with :func:`in_region` first to
        look at the segments of one region).
    year : int, optional
        Year to place; None = the latest year of the table.
    share_split : float, default 1.0
        Relative share at or above which share is high.
    growth_split : float, default 0.10
        Market growth at or above which growth is high.

    Returns
    -------
    DataFrame
        Columns ``<by>, year, market_size, our_sales, leader_sales, leader_basis,
        market_share, market_growth, relative_share, quadrant`` (ordered categorical
        ``star, question_mark, cash_cow, dog``), largest ``our_sales`` first.
        ``relative_share`` = our sales ÷ largest competitor's sales. When a group spans
        several rows (the segments of every region), the largest competitor is found as
        :func:`group_leader` says (``leader_basis``), never by adding up the rows'
        leaders; ``attrs["leader_bound"]`` lists the groups whose leader is only a lower
        bound because the table does not name it (their relative share is an upper bound).

    Raises
    ------
    DataError
        When ``leader_sales`` is missing or zero for a group (a relative share cannot
        be computed), when growth is missing and cannot be computed from the years,
        or when *year* is not in the table.

    Notes
    -----
    The rule and its source are in ``docs/environment.md#bcg-matrix``: x = relative
    market share, log scale 0.1–10, split at 1.0; y = market growth, split at 10 %;
    star = high share and high growth, question mark = low share, high growth, cash
    cow = high share, low growth, dog = low/low.

    Examples
    --------
    >>> market = pd.DataFrame({"segment": ["tractor", "van"], "market_size": [500.0, 200.0],
    ...                        "our_sales": [120.0, 20.0], "leader_sales": [100.0, 80.0],
    ...                        "market_growth": [0.10, 0.02]})
    >>> bcg_matrix(market, by="segment")[["segment", "relative_share", "quadrant"]].values.tolist()
    [['tractor', 1.2, 'star'], ['van', 0.25, 'dog']]
    """
    overview = market_overview(market, by=by)
    if "year" in overview.columns:
        chosen = int(overview["year"].max()) if year is None else year
        if chosen not in set(overview["year"].dropna().astype(int)):
            years = ", ".join(map(str, sorted(overview["year"].dropna().astype(int).unique())))
            raise DataError(f"bcg_matrix: year {chosen} is not in the market table (years: {years}). Pass one of those.",
                            source="market", column="year")
        overview = overview[overview["year"] == chosen].reset_index(drop=True)
    _check_leader(overview, by)
    if overview["market_growth"].isna().any():
        groups = overview.loc[overview["market_growth"].isna(), by].head(5).tolist()
        raise DataError(
            f"bcg_matrix: market growth is missing for {by} {groups}: the market table has no market_growth "
            "and no market_size for the year before. Add a market_growth column or the previous year's rows.",
            source="market", column="market_growth",
        )
    out = overview.assign(relative_share=overview["our_sales"] / overview["leader_sales"])
    out["quadrant"] = _quadrants(_high(out["relative_share"], share_split), _high(out["market_growth"], growth_split),
                                 BCG_QUADRANTS)
    out = out.sort_values("our_sales", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["leader_bound"] = out.loc[out["leader_basis"] == "largest_row", by].tolist()
    return out


def _check_leader(overview: pd.DataFrame, by: str) -> None:
    if overview["leader_sales"].isna().all():
        raise DataError(
            "bcg_matrix: the market table has no leader_sales (the largest competitor's sales), so the relative "
            "market share cannot be computed. Add a leader_sales column.",
            source="market", column="leader_sales",
        )
    bad = overview[~(overview["leader_sales"] > 0)]
    if len(bad):
        raise DataError(
            f"bcg_matrix: leader_sales (largest competitor's sales) is zero or missing for {by} "
            f"{bad[by].head(5).tolist()}, so our relative market share there cannot be computed (it would be a "
            "division by zero). Enter the largest competitor's sales for these rows, or leave them out of the table.",
            source="market", column="leader_sales",
        )


# ---------------------------------------------------------------------------- Ansoff
def ansoff(
    orders: pd.DataFrame,
    accounts: pd.DataFrame | None = None,
    *,
    as_of: str | pd.Timestamp,
    start: str | pd.Timestamp | None = None,
    market: str = "region",
    product: str = "product_id",
    region: str | None = None,
) -> pd.DataFrame:
    """Revenue of a period split into the four Ansoff quadrants (安索夫矩阵).

    Each order in the period ``start``–``as_of`` is classified by whether its product
    and its market are new: *new* means nothing of that product (or in that market)
    was sold before ``start``.

    Parameters
    ----------
    orders : DataFrame
        ``account_id, order_date, revenue`` and the *product* column (and *market*
        when it is a column of orders).
    accounts : DataFrame, optional
        Gives the *market* column by ``account_id`` when orders do not have it.
    as_of : date
        Last day of the period (passed in, never read from the clock).
    start : date, optional
        First day of the period; None = one year before *as_of* (the day after).
    market : str, default "region"
        What a market is: ``region`` or ``sector`` (any column of orders or accounts).
    product : str, default "product_id"
        What a product is (``product_id``; a product family column also works).
    region : str, optional
        Only the orders of accounts in this region (history included).

    Returns
    -------
    DataFrame
        One row per quadrant in the order ``market_penetration, product_development,
        market_development, diversification`` (plus ``unknown`` when some orders have
        no product or market): ``quadrant, product_type, market_type`` (``existing`` /
        ``new``), ``revenue, share`` (of the period's revenue), ``orders``,
        ``accounts`` (accounts with revenue in the quadrant; one account can be in
        several).

    Raises
    ------
    DataError
        When a needed column is missing.

    Notes
    -----
    The rule and its source are in ``docs/environment.md#ansoff-matrix``: existing/new
    product × existing/new market → market penetration, product development, market
    development, diversification.

    Examples
    --------
    >>> orders = pd.DataFrame({"account_id": ["A", "A", "B"], "product_id": ["p1", "p2", "p1"],
    ...     "region": ["east", "east", "west"], "revenue": [10.0, 30.0, 60.0],
    ...     "order_date": pd.to_datetime(["2024-03-01", "2025-02-01", "2025-03-01"])})
    >>> ansoff(orders, as_of="2025-12-31")[["quadrant", "revenue"]].values.tolist()
    [['market_penetration', 0.0], ['product_development', 30.0], ['market_development', 60.0], ['diversification', 0.0]]
    """
    frame = _with_market(orders, accounts, market)
    if region is not None:
        frame = in_region(_with_market(frame, accounts, "region"), region)
    _need(frame, ["account_id", "order_date", "revenue", product], "orders", "ansoff")
    begin, end = period(as_of, start)
    dates = pd.to_datetime(frame["order_date"])
    before = frame[dates < begin]
    rows = frame[(dates >= begin) & (dates <= end)].copy()
    rows["product_type"] = _novelty(rows[product], before[product])
    rows["market_type"] = _novelty(rows[market], before[market])
    rows["quadrant"] = [
        ANSOFF_QUADRANTS[(p == "new", m == "new")] if pd.notna(p) and pd.notna(m) else "unknown"
        for p, m in zip(rows["product_type"], rows["market_type"])
    ]
    grouped = rows.groupby("quadrant").agg(
        revenue=("revenue", "sum"), orders=("revenue", "size"), accounts=("account_id", "nunique")
    )
    quadrants = list(ANSOFF_QUADRANTS.values()) + (["unknown"] if "unknown" in grouped.index else [])
    out = grouped.reindex(quadrants).fillna(0).rename_axis("quadrant").reset_index()
    novelty = {q: ("new" if p else "existing", "new" if m else "existing") for (p, m), q in ANSOFF_QUADRANTS.items()}
    out.insert(1, "product_type", [novelty.get(q, (None, None))[0] for q in out["quadrant"]])
    out.insert(2, "market_type", [novelty.get(q, (None, None))[1] for q in out["quadrant"]])
    total = out["revenue"].sum()
    out["share"] = out["revenue"] / total if total else math.nan
    out["quadrant"] = pd.Categorical(out["quadrant"], categories=quadrants, ordered=True)
    return out.astype({"revenue": "float64", "orders": "int64", "accounts": "int64"})[
        ["quadrant", "product_type", "market_type", "revenue", "share", "orders", "accounts"]
    ]


def period(as_of: str | pd.Timestamp, start: str | pd.Timestamp | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(start, end)`` of an analysis period: *start* or one year before *as_of*, to *as_of*.

    Examples
    --------
    >>> [f"{d:%Y-%m-%d}" for d in period("2025-12-31")]
    ['2025-01-01', '2025-12-31']
    """
    end = pd.Timestamp(as_of)
    return (end - pd.DateOffset(years=1) + pd.Timedelta(days=1) if start is None else pd.Timestamp(start)), end


def last_day(ds: Any, year: int | None = None) -> pd.Timestamp | None:
    """The day an analysis runs to: 31 December of *year*, else the last order date, else None.

    Examples
    --------
    >>> import kamlib.data
    >>> last_day(kamlib.data.load(), 2024), last_day(kamlib.data.load())
    (Timestamp('2024-12-31 00:00:00'), Timestamp('2025-12-31 00:00:00'))
    """
    if year is not None:
        return pd.Timestamp(year=int(year), month=12, day=31)
    if "orders" not in ds.names or "order_date" not in ds.columns("orders"):
        return None
    last = ds.sql("select max(order_date) as last from orders")["last"].iloc[0]
    return None if pd.isna(last) else pd.Timestamp(last)


def _with_market(orders: pd.DataFrame, accounts: pd.DataFrame | None, market: str) -> pd.DataFrame:
    """Orders with the *market* column, taken from accounts (one row per account) when needed."""
    if market in orders.columns:
        return orders
    if accounts is None or market not in accounts.columns:
        raise DataError(
            f"ansoff: market={market!r} is not a column of orders or accounts. "
            f"Pass market='region' or 'sector', or add a {market} column to accounts.",
            source="accounts", column=market,
        )
    lookup = accounts.drop_duplicates("account_id").set_index("account_id")[market]
    return orders.assign(**{market: orders["account_id"].map(lookup)})


def _novelty(values: pd.Series, earlier: pd.Series) -> list[str | None]:
    seen = set(earlier.dropna())
    return [None if pd.isna(v) else ("existing" if v in seen else "new") for v in values]


# --------------------------------------------------------------------- what is needed
def needs(ds: Any, section: str, *, by: str = "segment", market: str = "sector") -> str | None:
    """What the dataset lacks for a section of the notebook (None when it can be done).

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`kamlib.data.load`).
    section : {"market", "bcg", "ansoff", "factors", "coverage", "risk"}
        The section.
    by : str, default "segment"
        The market table's grouping column (market and BCG sections).
    market : str, default "sector"
        What a market is in the Ansoff section (a column of orders or accounts).

    Returns
    -------
    str or None
        E.g. ``"market (leader_sales)"``, shown through the label ``text.needs``.

    Examples
    --------
    >>> import kamlib.data
    >>> needs(kamlib.data.load(), "bcg") is None
    True
    """
    wanted = {
        "market": [("market", ["market_size", "our_sales", by])],
        "bcg": [("market", ["market_size", "our_sales", by, "leader_sales"])],
        "ansoff": [("orders", ["account_id", "order_date", "revenue", "product_id"])],
        "factors": [("factors", ["statement", "kind"])],
        "coverage": [("factors", ["statement", "kind", "category"])],
        "risk": [("factors", ["statement", "kind", "impact", "probability"])],
    }
    if section not in wanted:
        raise ConfigError(f"needs: section must be one of {', '.join(wanted)}, but {section!r} was passed.")
    gaps = []
    for table, columns in wanted[section]:
        missing = ds.missing(table, columns)
        gaps += [table] if missing == [table] else [f"{table} ({', '.join(missing)})"] if missing else []
    in_orders = "orders" not in ds.names or market in ds.columns("orders")
    in_accounts = "accounts" in ds.names and market in ds.columns("accounts")
    if section == "ansoff" and not (in_orders or in_accounts):
        gaps.append(f"accounts ({market})")
    return "; ".join(gaps) or None


def objectives_file(objectives: str | Path | None, *, data: str | Path | None = None) -> Path | None:
    """The objectives file to check: *objectives*, else the sample's when running on the sample.

    The sample company's objectives are ``data/sample_config/objectives.yml`` of the
    workbook (next to ``data/sample``). With your own *data* and no *objectives*
    there is none (None).

    Examples
    --------
    >>> objectives_file(None).name
    'objectives.yml'
    >>> objectives_file(None, data="my_data") is None
    True
    """
    if objectives is not None:
        return Path(objectives)
    if data is not None:
        return None
    from kamlib.data import sample_dir

    return sample_dir().parent / "sample_config" / "objectives.yml"


# ----------------------------------------------------------------------- SWOT and PEST
def read_factors(path: str | Path) -> pd.DataFrame:
    """Read SWOT / PEST factors from a CSV or YAML file.

    The CSV has the columns of the ``factors`` table (``statement, kind`` and
    optional ``factor_id, category, region, probability, impact``); the YAML file is a
    list of such mappings, or a mapping with a ``factors:`` list.

    Probabilities and impacts are read as people write them (``70%``, ``0.7``, ``70``,
    ``高`` / ``high``; :mod:`kamlib.environment.ratings`); an empty cell leaves the factor
    unrated.

    Raises
    ------
    ConfigError
        When the file is missing, is not CSV / YAML, or lacks ``statement`` / ``kind``,
        or a kind is not S, W, O or T.
    DataError
        When a probability or impact cell cannot be read, naming the file, row, column
        and the fix.

    Examples
    --------
    >>> import kamlib.data
    >>> read_factors(kamlib.data.sample_dir() / "factors.csv")["kind"].unique().tolist()
    ['S', 'W', 'O', 'T']
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"factors: {path} does not exist. Pass the path of a CSV or YAML file of factors, or None.")
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    elif path.suffix.lower() in (".yml", ".yaml"):
        loaded = _yaml(path)
        rows = loaded.get("factors") if isinstance(loaded, dict) else loaded
        frame = pd.DataFrame(rows if isinstance(rows, list) else [], dtype=object)
    else:
        raise ConfigError(f"factors: {path.name} must be a .csv, .yml or .yaml file, but {path.suffix!r} was passed.")
    _config_columns(frame, ["statement", "kind"], path)
    frame = frame.reset_index(drop=True)
    rows = [i + (2 if path.suffix.lower() == ".csv" else 1) for i in range(len(frame))]  # CSV header = row 1
    frame["kind"] = frame["kind"].astype("string").str.strip().str.upper()
    bad = frame[~frame["kind"].isin(SWOT_KINDS)]
    if len(bad):
        where = "rows" if path.suffix.lower() == ".csv" else "entries"
        raise ConfigError(f"{path.name}: kind must be S, W, O or T, but found {bad['kind'].head(5).tolist()} "
                          f"({where} {[rows[i] for i in bad.index[:5]]}). Fix those rows.")
    if "probability" in frame.columns:
        frame["probability"] = parse_probability(frame["probability"], source=path.name, rows=rows)
    if "impact" in frame.columns:
        frame["impact"] = parse_impact(frame["impact"], source=path.name, rows=rows)
    return frame.astype({c: "string" for c in ("statement", "factor_id", "category", "region") if c in frame.columns})


def factor_table(ds: Any, path: str | Path | None = None, *, region: str | None = None) -> pd.DataFrame | None:
    """The SWOT / PEST factors of one region: the file *path*, else the dataset's ``factors`` table.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`kamlib.data.load`); its ``factors`` table is used when
        no *path* is given.
    path : str or Path, optional
        A CSV or YAML file of factors (:func:`read_factors`).
    region : str, optional
        Keep the factors of this region and those without a region (they apply
        everywhere); None = every factor.

    Returns
    -------
    DataFrame or None
        The factors, None when there is no file and the dataset has no ``factors`` table.

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> len(factor_table(ds, region="east")) <= len(factor_table(ds)) == len(ds.table("factors"))
    True
    """
    if path:
        frame = read_factors(path)
    elif "factors" in ds.names:
        frame = ds.table("factors")
    else:
        return None
    return in_region(frame, region, keep_blank=True)


def _yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}). Check the indentation near the line shown.") from None


def _config_columns(frame: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{path.name}: every entry needs {', '.join(columns)}, but {', '.join(missing)} "
                          f"is missing (found: {', '.join(map(str, frame.columns)) or 'nothing'}).")


def swot(factors: pd.DataFrame) -> pd.DataFrame:
    """The SWOT table (优势 劣势 机会 威胁): factors grouped by kind, ranked by impact.

    Parameters
    ----------
    factors : DataFrame
        ``statement, kind`` (S/W/O/T); optional ``impact``, ``probability``,
        ``category``, ``factor_id``.

    Returns
    -------
    DataFrame
        Columns ``kind`` (ordered S, W, O, T), ``side`` (``internal`` for S/W,
        ``external`` for O/T), ``rank`` (1 = largest impact within the kind),
        ``statement, impact, probability, category``, sorted by kind then rank. Ties
        and factors without impact keep their input order (unrated last).

    Examples
    --------
    >>> factors = pd.DataFrame({"statement": ["a", "b", "c"], "kind": ["O", "S", "S"], "impact": [2, 1, 5]})
    >>> swot(factors)[["kind", "rank", "statement"]].values.tolist()
    [['S', 1, 'c'], ['S', 2, 'b'], ['O', 1, 'a']]
    """
    _need(factors, ["statement", "kind"], "factors", "swot")
    frame = factors.reset_index(drop=True).copy()
    for column in ("impact", "probability", "category"):
        if column not in frame.columns:
            frame[column] = math.nan
    frame["kind"] = pd.Categorical(frame["kind"], categories=list(SWOT_KINDS), ordered=True)
    frame["_order"] = range(len(frame))
    frame = frame.sort_values(["kind", "impact", "_order"], ascending=[True, False, True], na_position="last")
    frame["rank"] = frame.groupby("kind", observed=True).cumcount() + 1
    frame["side"] = ["internal" if k in ("S", "W") else "external" for k in frame["kind"]]
    columns = ["kind", "side", "rank", "statement", "impact", "probability", "category"]
    return frame[columns].astype({"impact": "float64", "probability": "float64"}).reset_index(drop=True)


def pest_coverage(factors: pd.DataFrame) -> pd.DataFrame:
    """Which macro (PEST and more) and micro categories have factors, and which are empty.

    A checklist for an analyst or trainer: every category of
    ``docs/environment.md#pest-and-micro-checklist`` is listed,
    with the number of entries of each kind; categories the data uses that are not in
    the list follow under scope ``other``.

    Returns
    -------
    DataFrame
        Columns ``scope`` (macro / micro / other), ``category``, ``entries``,
        ``strengths, weaknesses, opportunities, threats`` (counts) and ``coverage``
        (``covered`` / ``empty``).

    Examples
    --------
    >>> factors = pd.DataFrame({"statement": ["a", "b"], "kind": ["O", "T"], "category": ["economic", "economic"]})
    >>> table = pest_coverage(factors)
    >>> table.loc[table["category"] == "economic", ["entries", "coverage"]].values.tolist()
    [[2, 'covered']]
    >>> int((table["coverage"] == "empty").sum())
    11
    """
    _need(factors, ["kind", "category"], "factors", "pest_coverage")
    known = [("macro", c) for c in MACRO_CATEGORIES] + [("micro", c) for c in MICRO_CATEGORIES]
    listed = {c for _, c in known}
    extra = sorted({str(c) for c in factors["category"].dropna()} - listed)
    out = pd.DataFrame(known + [("other", c) for c in extra], columns=["scope", "category"])
    counts = pd.crosstab(factors["category"], factors["kind"]).reindex(columns=list(SWOT_KINDS), fill_value=0)
    counts.columns = ["strengths", "weaknesses", "opportunities", "threats"]
    out = out.join(counts, on="category").fillna(0)
    out["entries"] = out[["strengths", "weaknesses", "opportunities", "threats"]].sum(axis=1)
    out["coverage"] = ["covered" if n else "empty" for n in out["entries"]]
    columns = ["scope", "category", "entries", "strengths", "weaknesses", "opportunities", "threats", "coverage"]
    return out[columns].astype({c: "int64" for c in columns[2:7]})


# --------------------------------------------------------------------- risk matrices
def risk_matrix(
    factors: pd.DataFrame, *, impact_split: float = 3.0, probability_split: float = 0.5
) -> pd.DataFrame:
    """Opportunity matrix (机会矩阵) and threat matrix (威胁矩阵) in one table.

    Opportunities (kind O) are placed by attractiveness × probability of success,
    threats (kind T) by severity × probability of occurrence; ``impact`` is the
    attractiveness or severity, ``probability`` the probability.

    Parameters
    ----------
    factors : DataFrame
        ``statement, kind, impact, probability`` (probability as a fraction 0–1).
    impact_split : float, default 3.0
        Impact at or above which a factor is high (the sample rates impact 1–5).
    probability_split : float, default 0.5
        Probability at or above which a factor is likely.

    Returns
    -------
    DataFrame
        Opportunities and threats only: ``matrix`` (``opportunity`` / ``threat``),
        ``factor_id`` (when given), ``statement, impact, probability, score``
        (impact × probability) and ``quadrant`` (ordered ``act_now`` = high/high,
        ``prepare`` = high impact / low probability, ``monitor`` = low impact / high
        probability, ``ignore``); sorted by matrix, quadrant, score (largest first).
        A factor without impact or probability has no quadrant (last).

    Raises
    ------
    DataError
        When a column is missing or a probability is outside 0–1.

    Examples
    --------
    >>> factors = pd.DataFrame({"statement": ["x", "y", "z"], "kind": ["O", "T", "T"],
    ...                         "impact": [3, 5, 1], "probability": [0.5, 0.2, 0.9]})
    >>> risk_matrix(factors)[["statement", "quadrant"]].values.tolist()
    [['x', 'act_now'], ['y', 'prepare'], ['z', 'monitor']]
    """
    _need(factors, ["statement", "kind", "impact", "probability"], "factors", "risk_matrix")
    frame = factors[factors["kind"].isin(["O", "T"])].copy()
    probability = frame["probability"].astype("float64")
    outside = frame[(probability < 0) | (probability > 1)]
    if len(outside):
        raise DataError(
            f"risk_matrix: probability must be a fraction between 0 and 1, but found "
            f"{outside['probability'].head(5).tolist()}. If these are percentages, divide them by 100.",
            source="factors", column="probability",
        )
    frame["matrix"] = pd.Categorical(["opportunity" if k == "O" else "threat" for k in frame["kind"]],
                                     categories=["opportunity", "threat"], ordered=True)
    frame["impact"] = frame["impact"].astype("float64")
    frame["probability"] = probability
    frame["score"] = frame["impact"] * frame["probability"]
    rated = frame["score"].notna()
    frame["quadrant"] = _quadrants(_high(frame["impact"], impact_split).where(rated),
                                   _high(frame["probability"], probability_split).where(rated), RISK_QUADRANTS)
    columns = ["matrix"] + (["factor_id"] if "factor_id" in frame.columns else []) + [
        "statement", "impact", "probability", "score", "quadrant"]
    frame = frame.sort_values(["matrix", "quadrant", "score"], ascending=[True, True, False], na_position="last")
    return frame[columns].reset_index(drop=True)


# ------------------------------------------------------------------------ objectives
def read_objectives(path: str | Path) -> pd.DataFrame:
    """Read objectives from a YAML file (format below).

    Format::

        objectives:
          - goal: Grow revenue in the east     # text (required)
            kind: profit        # profit | share | risk | innovation | brand
            rank: 1             # 1 = most important
            metric: revenue     # revenue | market_share | profit_margin | … (free text)
            target: 450000000   # a number: amount, or a share as 0.35 (or 35 with unit: "%")
            unit: CNY           # optional; "%" means target is in percent
            due: 2026-12-31     # ISO date
            region: east        # optional scope (with segment)
            segment: tractor    # optional
            owner: 王波喆        # optional

    Returns
    -------
    DataFrame
        One row per objective with the columns ``goal, kind, rank, metric, target,
        unit, due, region, segment, owner`` (missing keys are empty). ``target`` and
        ``due`` are kept as written (checked by :func:`check_objectives`).

    Raises
    ------
    ConfigError
        When the file is missing, not YAML, has no ``objectives`` list, or an entry
        has no ``goal``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "objectives.yml"
    >>> _ = path.write_text("objectives:\\n  - goal: Grow\\n    target: 5\\n", encoding="utf-8")
    >>> read_objectives(path)[["goal", "target", "due"]].values.tolist()
    [['Grow', 5, None]]
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"objectives: {path} does not exist. Pass the path of an objectives YAML file "
                          "(see kamlib.environment.read_objectives for the format).")
    loaded = _yaml(path)
    entries = loaded.get("objectives") if isinstance(loaded, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"{path.name}: expected a mapping with an 'objectives:' list of entries "
                          "(goal, kind, rank, metric, target, due, …), but found none.")
    columns = ["goal", "kind", "rank", "metric", "target", "unit", "due", "region", "segment", "owner"]
    frame = pd.DataFrame([{c: e.get(c) for c in columns} for e in entries], columns=columns, dtype=object)
    _config_columns(frame.dropna(axis=1, how="all"), ["goal"], path)
    return frame


def check_objectives(
    objectives: pd.DataFrame,
    *,
    market: pd.DataFrame | None = None,
    as_of: str | pd.Timestamp | None = None,
    tolerance: float = 0.05,
) -> pd.DataFrame:
    """Check objectives: quantified, dated, ranked and mutually consistent (``docs/environment.md#objectives-check``).

    Parameters
    ----------
    objectives : DataFrame
        Output of :func:`read_objectives`.
    market : DataFrame, optional
        The ``market`` table; enables the checks against market size (latest year).
    as_of : date, optional
        When given, a due date before it is flagged ``past_due``.
    tolerance : float, default 0.05
        How far (in share points) a revenue target's implied share may be from a share
        target of the same scope before both are flagged ``targets_disagree``.

    Returns
    -------
    DataFrame
        One row per objective and issue: ``rank, goal, kind, metric, target, unit,
        due, issue`` (``target`` and ``unit`` as written); ``issue`` is ``ok`` for an objective without issues, else one of
        ``not_quantified`` (no numeric target), ``not_dated`` (no valid due date),
        ``past_due``, ``unranked``, ``rank_repeated``, ``share_above_market`` (a share
        target above 100 %), ``revenue_above_market`` (a sales target above the whole
        market of its scope), ``targets_disagree``.

    Examples
    --------
    >>> objectives = pd.DataFrame({"goal": ["share", "sales"], "kind": ["share", "profit"], "rank": [1, 1],
    ...     "metric": ["market_share", "revenue"], "target": [1.2, None], "unit": [None, None],
    ...     "due": ["2026-12-31", None], "region": [None, None], "segment": [None, None]})
    >>> check_objectives(objectives)[["goal", "issue"]].values.tolist()
    [['share', 'rank_repeated'], ['share', 'share_above_market'], ['sales', 'not_quantified'], ['sales', 'not_dated'], ['sales', 'rank_repeated']]
    """
    frame = objectives.reset_index(drop=True).copy()
    for column in ("goal", "kind", "rank", "metric", "target", "unit", "due", "region", "segment"):
        if column not in frame.columns:
            frame[column] = None
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce").astype("float64")
    frame["due"] = pd.to_datetime(frame["due"].astype("string"), errors="coerce", format="ISO8601")
    frame["rank"] = pd.to_numeric(frame["rank"], errors="coerce")
    share = frame["target"].where(frame["metric"].isin(_SHARE_METRICS))
    share = share.where(frame["unit"] != "%", share / 100)
    size = _scope_size(frame, market)
    implied = frame["target"].where(frame["metric"].isin(_SALES_METRICS)) / size
    checks = {
        "not_quantified": frame["target"].isna(),
        "not_dated": frame["due"].isna(),
        "past_due": frame["due"] < pd.Timestamp(as_of) if as_of is not None else pd.Series(False, frame.index),
        "unranked": frame["rank"].isna(),
        "rank_repeated": frame["rank"].notna() & frame["rank"].duplicated(keep=False),
        "share_above_market": share.round(9) > 1,
        "revenue_above_market": implied.round(9) > 1,
        "targets_disagree": _disagree(frame.assign(_share=share, _implied=implied), tolerance),
    }
    rows = []
    for i, objective in frame.iterrows():
        issues = [name for name, flagged in checks.items() if bool(flagged.iloc[i])] or ["ok"]
        rows += [{**objective[["rank", "goal", "kind", "metric", "target", "unit", "due"]].to_dict(), "issue": issue}
                 for issue in issues]
    return pd.DataFrame(rows, columns=["rank", "goal", "kind", "metric", "target", "unit", "due", "issue"]).astype(
        {"rank": "Int64", "target": "float64", "unit": "string", "due": "datetime64[ns]"})


def target_units(objectives: pd.DataFrame) -> pd.Series:
    """What each objective's ``target`` number is, for showing it as a reader says it.

    ``percent`` when the unit is ``%`` (5 means 5 %); ``share`` for a share, rate or
    margin metric written as a fraction (``market_share`` 0.23 means 23 %: metrics
    ``market_share`` and names ending in ``_share``, ``_rate`` or ``_margin``); ``money``
    for sales metrics (``revenue``, ``our_sales``: the market table's money); ``number``
    for anything else (``new_accounts``).

    Examples
    --------
    >>> objectives = pd.DataFrame({"metric": ["market_share", "overdue_rate", "revenue", "new_accounts"],
    ...                            "unit": [None, "%", "CNY", None]})
    >>> target_units(objectives).tolist()
    ['share', 'percent', 'money', 'number']
    """
    metric = objectives["metric"].astype("string").fillna("")
    unit = objectives["unit"].astype("string").str.strip() if "unit" in objectives.columns else None
    shares = metric.isin(_SHARE_METRICS) | metric.str.endswith(("_share", "_rate", "_margin"))
    kinds = pd.Series("number", index=objectives.index, dtype="object")
    kinds[metric.isin(_SALES_METRICS)] = "money"
    kinds[shares] = "share"
    if unit is not None:
        kinds[(unit == "%").fillna(False)] = "percent"
    return kinds


def _scope_size(frame: pd.DataFrame, market: pd.DataFrame | None) -> pd.Series:
    """Market size (latest year) of each objective's region / segment scope; NaN without market."""
    if market is None or not {"market_size"} <= set(market.columns):
        return pd.Series(math.nan, index=frame.index)
    latest = market[market["year"] == market["year"].max()] if "year" in market.columns else market
    sizes = []
    for _, objective in frame.iterrows():
        rows = latest
        for column in ("region", "segment"):
            if pd.notna(objective[column]) and column in rows.columns:
                rows = rows[rows[column] == objective[column]]
        sizes.append(rows["market_size"].sum() if len(rows) else math.nan)
    return pd.Series(sizes, index=frame.index, dtype="float64")


def _disagree(frame: pd.DataFrame, tolerance: float) -> pd.Series:
    """A share target and a revenue target of the same scope that imply different shares."""
    scope = frame["region"].astype("string").fillna("") + "|" + frame["segment"].astype("string").fillna("")
    flagged = pd.Series(False, index=frame.index)
    for _, rows in frame.groupby(scope):
        shares, implied = rows["_share"].dropna(), rows["_implied"].dropna()
        if len(shares) and len(implied) and (abs(shares.mean() - implied.mean()) > tolerance):
            flagged[shares.index.union(implied.index)] = True
    return flagged
