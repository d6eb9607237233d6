"""Which accounts deserve key-account investment: the selection score, white space
(headroom) and the relationship stage (rules and sources: ``docs/classification.md``).

Re-exported by :mod:`kamlib.classify`; also holds the small helpers the
classification modules share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kamlib.errors import ConfigError, DataError, require_columns
from kamlib.grouping import (
    by_group,
    id_codes,
    ordered,
    per_id,
    rank_order,
    rows_where,
    sorted_groups,
    take,
)

__all__ = [
    "SELECTION_WEIGHTS",
    "STAGES",
    "STAGE_INDICATORS",
    "relationship_stages",
    "selection_criteria",
    "selection_score",
    "stage_distribution",
    "stage_group",
    "trailing_revenue",
    "whitespace",
    "with_account_names",
]

#: Key-account selection criteria (``docs/classification.md#selection-score``) and their default weights (equal:
#: the source ranks none above the others).
SELECTION_WEIGHTS = {"volume": 0.2, "concentration": 0.2, "service_level": 0.2,
                     "price_sensitivity": 0.2, "partnership": 0.2}
#: Millman & Wilson (1995) stages in order; ``uncoupling`` can happen at any point.
STAGES = ("pre", "early", "mid", "partnership", "synergistic", "uncoupling")
#: Indicator columns that score a relationship stage when ``relationship_stage`` is absent.
STAGE_INDICATORS = ("contact_points", "information_sharing", "joint_planning", "trust", "wallet_share")

def _scale(values: pd.Series, lower_is_better: bool = False) -> pd.Series:
    """Min-max to 0–1 (all equal → 0.5); NaN (no evidence) → 0."""
    values = values.astype(float)
    low, high = values.min(), values.max()
    scaled = (values - low) / (high - low) if high > low else values * 0 + 0.5
    return (1 - scaled if lower_is_better else scaled).fillna(0.0)


def _window(orders: pd.DataFrame, as_of: object, months: int, columns: Sequence[str]) -> pd.DataFrame:
    """The *columns* (those present) of the orders of the *months* months up to *as_of*."""
    stamp = orders["order_date"].max() if as_of is None else pd.Timestamp(as_of)
    inside = (orders["order_date"] > stamp - pd.DateOffset(months=months)) & (orders["order_date"] <= stamp)
    return rows_where(orders, inside, columns)


def trailing_revenue(orders: pd.DataFrame, *, as_of: object, months: int = 12) -> pd.Series:
    """Revenue per account in the *months* months up to *as_of* (inclusive).

    Examples
    --------
    >>> o = pd.DataFrame({"account_id": ["a", "a", "b"], "revenue": [1.0, 2.0, 5.0],
    ...                   "order_date": pd.to_datetime(["2024-06-01", "2025-06-01", "2025-12-31"])})
    >>> trailing_revenue(o, as_of="2025-12-31").to_dict()
    {'a': 2.0, 'b': 5.0}
    """
    require_columns(orders, ["account_id", "order_date", "revenue"], purpose="trailing_revenue", table="orders")
    recent = _window(orders, as_of, months, ["account_id", "revenue"])
    return recent.groupby("account_id", observed=True)["revenue"].sum().rename("revenue_12m")


# --------------------------------------------------------------------------- selection score
def selection_criteria(accounts: pd.DataFrame, *, orders: pd.DataFrame | None = None,
                       products: pd.DataFrame | None = None, visits: pd.DataFrame | None = None,
                       as_of: object = None, months: int = 12, low_margin_weight: float = 0.5) -> pd.DataFrame:
    """The five key-account selection criteria per account, raw (``docs/classification.md#selection-score``).

    Each criterion comes from an ``accounts`` column of the same name when present,
    else it is derived:

    ========================  ============================================================
    criterion                 derived from
    ========================  ============================================================
    ``volume``                orders in the trailing *months*: revenue, products whose
                              margin (1 − unit_cost/unit_price) is below the median
                              product margin counted at *low_margin_weight*
                              (orders.product_id × products); plain revenue without products
    ``concentration``         mean revenue per order (bulk, centralised purchasing)
    ``service_level``         visits in the trailing *months* (service the account asks for)
    ``price_sensitivity``     mean discount 1 − revenue / (quantity × unit_price)
                              (orders.quantity × products.unit_price); lower is better
    ``partnership``           relationship_stage: pre 0, early 1, mid 2, partnership 3,
                              synergistic 4, uncoupling 0
    ========================  ============================================================

    A criterion that can be neither read nor derived is left out;
    ``attrs["sources"]`` says where each came from (None = missing).

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "relationship_stage": ["mid", "pre"]})
    >>> c = selection_criteria(acc)
    >>> c["partnership"].tolist(), c.attrs["sources"]["volume"]
    ([2.0, 0.0], None)
    """
    require_columns(accounts, ["account_id"], purpose="selection_criteria", table="accounts")
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy()})
    ids = out["account_id"]
    sources: dict[str, str | None] = dict.fromkeys(SELECTION_WEIGHTS)
    window = _window(orders, as_of, months, ["account_id", "order_date", "revenue", "product_id", "quantity"]) \
        if orders is not None else None
    catalogue = products.set_index("product_id") if products is not None and "product_id" in products else None
    # each account's code, once: grouping on integer codes is much faster than on (Arrow) strings
    codes = id_codes(window["account_id"], ids) if window is not None else None
    derived = {
        "volume": lambda: _volume(window, codes, catalogue, low_margin_weight),
        "concentration": lambda: (per_id(codes, window["revenue"].to_numpy(dtype=float), "mean"),
                                  "orders: revenue per order") if window is not None else None,
        "service_level": lambda: _visit_counts(visits, window, as_of, months, ids),
        "price_sensitivity": lambda: _discount(window, codes, catalogue),
        "partnership": lambda: (ids.map(accounts.set_index("account_id")["relationship_stage"].map(
            dict(zip(STAGES, (0, 1, 2, 3, 4, 0)))).astype(float)), "accounts.relationship_stage")
        if "relationship_stage" in accounts.columns else None,
    }
    for name in SELECTION_WEIGHTS:
        if name in accounts.columns:
            out[name], sources[name] = accounts[name].astype(float).to_numpy(), f"accounts.{name}"
            continue
        found = derived[name]()
        if found is not None:
            values, sources[name] = found
            out[name] = np.asarray(values, dtype=float)
    out.attrs["sources"] = sources
    return out


def _by_product(window: pd.DataFrame, values: pd.Series, missing: float = np.nan) -> np.ndarray:
    """*values* (indexed by product id) of each window row's product, *missing* for an unknown product.

    Looked up once per distinct product, as ``window["product_id"].map(values)`` would give them.
    """
    codes, ids = pd.factorize(window["product_id"])
    return take(values.reindex(ids).to_numpy(dtype=float, na_value=missing), codes, missing)


def _volume(window, codes, catalogue, low_margin_weight):
    if window is None:
        return None
    revenue = window["revenue"].to_numpy(dtype=float)
    if catalogue is None or "product_id" not in window or not {"unit_price", "unit_cost"} <= set(catalogue):
        return per_id(codes, revenue), "orders: revenue"
    margin = 1 - catalogue["unit_cost"] / catalogue["unit_price"]
    weight = np.where(_by_product(window, margin) >= margin.median(), 1.0, low_margin_weight)
    return per_id(codes, revenue * weight), "orders × products: revenue, high-margin weighted"


def _visit_counts(visits, window, as_of, months, ids):
    if visits is None or "visit_date" not in visits:
        return None
    stamp = pd.Timestamp(as_of) if as_of is not None else (
        window["order_date"].max() if window is not None else visits["visit_date"].max())
    recent = visits["account_id"][((visits["visit_date"] > stamp - pd.DateOffset(months=months))
                                   & (visits["visit_date"] <= stamp)).to_numpy()]
    return ids.map(recent.value_counts().astype(float)), "visits: count"


def _discount(window, codes, catalogue):
    if window is None or catalogue is None or not {"product_id", "quantity"} <= set(window) \
            or "unit_price" not in catalogue:
        return None
    revenue = window["revenue"].to_numpy(dtype=float)
    listed = window["quantity"].to_numpy(dtype=float, na_value=np.nan) * _by_product(window, catalogue["unit_price"])
    keep = (codes[0] >= 0) & ~np.isnan(revenue) & ~np.isnan(listed)  # the rows a dropna keeps
    return 1 - per_id(codes, revenue, keep=keep) / per_id(codes, listed, keep=keep), \
        "orders × products: mean discount"


def _check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    unknown = set(weights) - set(SELECTION_WEIGHTS)
    values = {k: float(v) for k, v in weights.items()}
    if unknown or any(not v >= 0 for v in values.values()) or not sum(values.values()) > 0:
        raise ConfigError(f"selection_score: weights must map criteria among {list(SELECTION_WEIGHTS)} to numbers "
                          f"≥ 0 with a positive sum, but {dict(weights)!r} was passed.")
    return values


def selection_score(accounts: pd.DataFrame, *, weights: Mapping[str, float] | None = None,
                    **sources) -> pd.DataFrame:
    """Weighted key-account selection score and rank (``docs/classification.md#selection-score``).

    Parameters
    ----------
    accounts : DataFrame
        ``account_id`` and criteria columns or what they derive from (see
        :func:`selection_criteria`).
    weights : mapping, optional
        ``{criterion: weight}``, weights ≥ 0 with a positive sum; default
        :data:`SELECTION_WEIGHTS` (equal). Criteria left out weigh 0.
    **sources
        ``orders``, ``products``, ``visits``, ``as_of``, ``months`` for
        :func:`selection_criteria`.

    Returns
    -------
    DataFrame
        Best first: ``account_id``, the raw criteria, ``<criterion>_score`` (0–1, price
        sensitivity inverted), ``ka_score`` (0–100) and ``rank``. ``attrs["weights"]``
        (normalised over the criteria present) and ``attrs["sources"]``.

    Notes
    -----
    Each criterion is min-max scaled over the accounts; an account with no value for
    it scores 0 on it; a criterion missing for all accounts is dropped and the
    remaining weights are renormalised. Ties rank by account id.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b", "c"], "volume": [10.0, 5, 0],
    ...                     "price_sensitivity": [0.1, 0.0, 0.2]})
    >>> selection_score(acc, weights={"volume": 3, "price_sensitivity": 1})[["account_id", "ka_score", "rank"]]
      account_id  ka_score  rank
    0          a      87.5     1
    1          b      62.5     2
    2          c       0.0     3
    """
    wanted = _check_weights(SELECTION_WEIGHTS if weights is None else weights)
    criteria = selection_criteria(accounts, **sources)
    present = {k: w for k, w in wanted.items() if k in criteria.columns and criteria[k].notna().any() and w > 0}
    if not present:
        raise DataError(f"selection_score: none of the weighted criteria {sorted(k for k, w in wanted.items() if w)} "
                        "is in the data or can be derived; see selection_criteria for what each needs.",
                        code="missing_column")
    total = sum(present.values())
    out = criteria.copy()
    score = np.zeros(len(out))
    for name, weight in present.items():
        out[f"{name}_score"] = _scale(criteria[name], lower_is_better=name == "price_sensitivity").to_numpy()
        score += weight / total * out[f"{name}_score"].to_numpy()
    out["ka_score"] = np.round(100 * score, 2)
    out = out.iloc[rank_order(out["ka_score"], out["account_id"])].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out.attrs.update(weights={k: w / total for k, w in present.items()}, sources=criteria.attrs["sources"])
    return out


# --------------------------------------------------------------------------- white space
def whitespace(accounts: pd.DataFrame, orders: pd.DataFrame, *, as_of: object = None, months: int = 12,
               potential: str = "annual_demand", products: pd.DataFrame | None = None,
               peer: str = "sector") -> pd.DataFrame:
    """Headroom per account: potential minus current purchase (the target of a KA plan).

    Parameters
    ----------
    accounts : DataFrame
        ``account_id`` and *potential* (yearly demand, same unit as revenue).
    orders : DataFrame
        ``account_id, order_date, revenue``.
    as_of : date-like, optional
        End of the trailing window (default: last order date).
    months : int, default 12
        Window of the current purchase.
    potential : str, default "annual_demand"
    products, peer : optional
        With ``products.family``, orders.product_id and an accounts *peer* column,
        ``attrs["by_family"]`` splits each account's potential by its peers' family
        mix: per account and family, ``expected``, ``current`` and ``headroom``.

    Returns
    -------
    DataFrame
        Largest headroom first: ``account_id, potential, current, headroom``
        (potential − current, ≥ 0), ``wallet_share`` (current / potential).

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "annual_demand": [100.0, 50.0]})
    >>> o = pd.DataFrame({"account_id": ["a", "b"], "revenue": [30.0, 45.0],
    ...                   "order_date": pd.to_datetime(["2025-03-01", "2025-06-01"])})
    >>> whitespace(acc, o)[["account_id", "headroom", "wallet_share"]].values.tolist()
    [['a', 70.0, 0.3], ['b', 5.0, 0.9]]
    """
    require_columns(accounts, ["account_id", potential], purpose="whitespace", table="accounts")
    require_columns(orders, ["account_id", "order_date", "revenue"], purpose="whitespace", table="orders")
    window = _window(orders, as_of, months, ["account_id", "product_id", "revenue"])
    codes = id_codes(window["account_id"], accounts["account_id"])
    current = per_id(codes, window["revenue"].to_numpy(dtype=float))  # the trailing revenue
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy(),
                        "potential": accounts[potential].astype(float).to_numpy(),
                        "current": np.where(np.isnan(current), 0.0, current)})
    out["headroom"] = (out["potential"] - out["current"]).clip(lower=0)
    out["wallet_share"] = out["current"] / out["potential"].where(out["potential"] > 0)
    out = out.iloc[rank_order(out["headroom"].fillna(-1), out["account_id"])].reset_index(drop=True)
    if products is not None and "family" in products and "product_id" in orders and peer in accounts:
        out.attrs["by_family"] = _family_headroom(accounts, window, codes, products, out, peer)
    return out


def _family_headroom(accounts, window, codes, products, totals, peer):
    """Potential per account and product family, split by the peers' family mix, against the current purchase.

    Works on integer codes (accounts, peers and families each numbered in sorted order, so the groups are
    numbered and summed exactly as ``groupby([..], sort=True)`` on the strings would).
    """
    index = pd.Index(accounts["account_id"])
    peer_code = pd.factorize(accounts[peer], sort=True)[0]
    family_code, families = pd.factorize(products["family"], sort=True)
    n_families = max(len(families), 1)
    product, product_ids = pd.factorize(window["product_id"])
    row_family = take(take(family_code, pd.Index(products["product_id"]).get_indexer(product_ids), -1), product, -1)
    row_account, ids, _ = codes
    row_peer = take(peer_code, take(index.get_indexer(ids), row_account, -1), -1)
    revenue = window["revenue"].to_numpy(dtype=float)
    mix_key, mix = _family_sums(row_peer, row_family, n_families, revenue)
    mix_peer, mix_family = np.divmod(mix_key, n_families)
    mix = (pd.Series(mix) / pd.Series(mix).groupby(mix_peer).transform("sum")).to_numpy()
    current_key, current = _family_sums(row_account, row_family, n_families, revenue)
    row, cell = _peer_cells(take(peer_code, index.get_indexer(totals["account_id"]), -1),
                            pd.factorize(totals["account_id"], sort=True)[0], mix_peer)
    family = mix_family[cell]
    key = ids.get_indexer(totals["account_id"])[row] * n_families + family  # < 0: nothing bought
    at = np.searchsorted(current_key, key)
    current_value = np.where((key >= 0) & (take(current_key, at, -1) == key), take(current, at, 0.0), 0.0)
    expected = totals["potential"].to_numpy(dtype=float)[row] * mix[cell]
    headroom = pd.Series(expected - current_value).clip(lower=0).to_numpy()
    order = np.argsort(-headroom, kind="stable")  # ties stay in account, family order
    return pd.DataFrame({"account_id": totals["account_id"].take(row[order]).array,
                         "family": families.take(family[order]).array, "expected": expected[order],
                         "current": current_value[order], "headroom": headroom[order]})


def _peer_cells(peer: np.ndarray, rank: np.ndarray, mix_peer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per account and cell of its peers' mix (the cells of *mix_peer* equal to its *peer*; none
    for peer -1), accounts by *rank* (their ids' order), cells in mix order: the account of each row and
    its mix cell."""
    by_id = np.argsort(rank, kind="stable")
    peer = peer[by_id]
    first = np.searchsorted(mix_peer, peer, side="left")
    count = np.where(peer >= 0, np.searchsorted(mix_peer, peer, side="right") - first, 0)
    cell = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(first, count)
    return np.repeat(by_id, count), cell


def _family_sums(code, family, n_families, revenue):
    """Revenue per (code, family) with both known: the sorted keys ``code * n_families + family`` and sums."""
    known = (code >= 0) & (family >= 0)
    keys, group, _, _ = sorted_groups(code[known] * n_families + family[known])
    rows = np.full(len(code), -1, dtype=np.intp)
    rows[known] = group
    return keys, by_group(rows, len(keys), revenue)


# --------------------------------------------------------------------------- relationship stage
def relationship_stages(accounts: pd.DataFrame, *, indicators: Sequence[str] = STAGE_INDICATORS,
                        thresholds: Sequence[float] = (0.2, 0.4, 0.6, 0.8)) -> pd.DataFrame:
    """Millman–Wilson KAM stage of each account (``docs/classification.md#relationship-stages``).

    Parameters
    ----------
    accounts : DataFrame
        ``account_id`` and ``relationship_stage`` (codes of :data:`STAGES`), or, when
        that is absent, indicator columns (any scale, higher = closer).
    indicators : sequence of str
        Indicator columns used when present (contact points on both sides, information
        sharing, joint planning, trust, share of the customer's spend).
    thresholds : four floats, default (0.2, 0.4, 0.6, 0.8)
        Mean indicator score (each min-max scaled to 0–1) separating
        pre | early | mid | partnership | synergistic. A true ``uncoupling`` column
        marks uncoupling-KAM, which indicators cannot show.

    Returns
    -------
    DataFrame
        ``account_id, relationship_stage`` (ordered categorical; NA for unknown codes),
        ``stage_score`` (indicators only); ``attrs["source"]`` = "column" or
        "indicators", ``attrs["unknown"]`` = codes not recognised; with indicators,
        ``attrs["indicators"]`` and ``attrs["thresholds"]`` = those used.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": list("abc"), "trust": [0.0, 5, 10], "joint_planning": [0.0, 1, 1]})
    >>> relationship_stages(acc)["relationship_stage"].tolist()
    ['pre', 'partnership', 'synergistic']
    """
    require_columns(accounts, ["account_id"], purpose="relationship_stages", table="accounts")
    out = pd.DataFrame({"account_id": accounts["account_id"].to_numpy()})
    if "relationship_stage" in accounts.columns:
        codes = accounts["relationship_stage"].astype("string").str.strip().str.lower()
        out["relationship_stage"] = ordered(codes.where(codes.isin(STAGES)).to_numpy(dtype=object), STAGES)
        out.attrs.update(source="column", unknown=sorted(set(codes.dropna()) - set(STAGES)))
        return out
    used = [c for c in indicators if c in accounts.columns]
    if not used:
        raise DataError(f"relationship_stages: accounts have neither 'relationship_stage' nor any indicator of "
                        f"{list(indicators)}. Add one of them.", source="accounts", column="relationship_stage",
                        code="missing_column")
    score = pd.concat([_scale(accounts[c]) for c in used], axis=1).mean(axis=1)
    stage = np.asarray(STAGES[:5], dtype=object)[np.searchsorted(np.asarray(thresholds), score, side="right")]
    if "uncoupling" in accounts.columns:
        stage = np.where(accounts["uncoupling"].fillna(False).astype(bool), "uncoupling", stage)
    out["relationship_stage"] = ordered(stage, STAGES)
    out["stage_score"] = score.to_numpy()
    out.attrs.update(source="indicators", indicators=used, unknown=[], thresholds=tuple(map(float, thresholds)))
    return out


def stage_distribution(stages: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Accounts per relationship stage (and per *by*, e.g. region or rep_id), with shares.

    Examples
    --------
    >>> s = pd.DataFrame({"relationship_stage": pd.Categorical(["mid", "mid", "pre"], categories=STAGES)})
    >>> stage_distribution(s).query("accounts > 0")[["relationship_stage", "accounts", "share"]].values.tolist()
    [['pre', 1, 0.3333333333333333], ['mid', 2, 0.6666666666666666]]
    """
    keys = ([by] if by else []) + ["relationship_stage"]
    counts = stages.groupby(keys, observed=False, dropna=True).size().rename("accounts").reset_index()
    totals = counts.groupby(by)["accounts"].transform("sum") if by else counts["accounts"].sum()
    counts["share"] = counts["accounts"] / totals
    return counts


def stage_group(accounts: pd.DataFrame, candidates: Sequence[str] = ("region", "rep_id")) -> str | None:
    """The column relationship stages are compared across: the first of *candidates* the accounts have.

    Examples
    --------
    >>> stage_group(pd.DataFrame({"account_id": ["a"], "rep_id": ["R1"]})), stage_group(pd.DataFrame({"a": [1]}))
    ('rep_id', None)
    """
    return next((c for c in candidates if c in accounts.columns), None)


def with_account_names(table: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """*table* with each account's ``account_name`` (from *accounts*) right after its ``account_id``.

    A copy, ``attrs`` kept; *table* itself when the accounts have no names.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "account_name": ["Alpha", "Beta"]})
    >>> with_account_names(pd.DataFrame({"account_id": ["b"], "score": [1.0]}), acc).columns.tolist()
    ['account_id', 'account_name', 'score']
    """
    if "account_name" not in accounts.columns:
        return table
    out = table.copy()
    names = out["account_id"].map(accounts.set_index("account_id")["account_name"])
    out.insert(out.columns.get_loc("account_id") + 1, "account_name", names)
    return out
