"""Win/loss analysis (赢单/战败分析): why deals are won and lost, where the funnel leaks.

Pure functions on the ``opportunities`` table (``opportunity_id, status`` required;
``product_id, rep_id, stage, loss_reason, competitor, source, created_date,
closed_date, amount`` and joined ``region``/``sector`` optional) and on the
``showroom`` table. Rules of ``docs/win-loss.md`` are plain data below
(:data:`STAGES`, :data:`REASON_CAUSES`, :data:`SHOWROOM_RATIOS`, :data:`PERFORMANCE`),
each overridable by argument. The win-probability model is in :mod:`kamlib.winloss.model`, the one-sentence
readings of every table in :mod:`kamlib.winloss.readings`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.errors import ConfigError, DataError, require_columns
from kamlib.grouping import frame_groups

if TYPE_CHECKING:
    from kamlib.data import Dataset

__all__ = [
    "AMOUNT_EDGES",
    "GROUP_COLUMNS",
    "PERFORMANCE",
    "REASON_CAUSES",
    "SHOWROOM_RATIOS",
    "STAGES",
    "GroupTest",
    "add_context",
    "addressable_losses",
    "amount_band_names",
    "canonical_reasons",
    "competitors",
    "cycle_times",
    "difference_test",
    "funnel",
    "group_columns",
    "load_opportunities",
    "loss_matrix",
    "loss_reasons",
    "performance_mix",
    "reason_pareto",
    "rep_performance",
    "select",
    "showroom_kpis",
    "showroom_months",
    "wilson_interval",
    "win_rates",
    "won_sources",
]

#: The buying process (购买进程), in order (``docs/win-loss.md#funnel-stages``).
STAGES: tuple[str, ...] = ("no_interest", "low_interest", "strong_interest", "conviction", "commitment")

#: Loss reason → cause group (``docs/win-loss.md#loss-reasons``: product / price / sales management /
#: salesperson).
REASON_CAUSES: dict[str, str] = {
    "brand": "product", "exterior": "product", "interior": "product", "configuration": "product",
    "power_handling": "product", "quality": "product",
    "price": "price", "quote": "price",
    "service": "sales_management", "follow_up": "sales_management", "promise": "sales_management",
    "attitude": "salesperson", "presentation": "salesperson",
    "other": "other", "not_recorded": "not_recorded",
}
#: Sales-side reasons: the losses training can fix (``docs/win-loss.md#addressable-losses``).
SALES_SIDE: tuple[str, ...] = ("attitude", "service", "quote", "presentation", "follow_up", "promise")
#: Short Chinese and English spellings beyond the labels in labels.csv.
_REASON_ALIASES = {
    "动力": "power_handling", "操控": "power_handling", "态度": "attitude", "服务": "service",
    "报价": "quote", "介绍": "presentation", "跟进": "follow_up", "承诺": "promise",
    "power": "power_handling", "handling": "power_handling", "followup": "follow_up",
}

#: Showroom ratio → (numerator, denominator) columns (``docs/win-loss.md#showroom-kpis``). ``total_sales``
#: is showroom + secondary + wholesale sales.
SHOWROOM_RATIOS: dict[str, tuple[str, str]] = {
    "close_rate": ("showroom_sales", "first_visits"),
    "record_rate": ("records", "first_visits"),
    "test_drive_rate": ("test_drives", "first_visits"),
    "stay_rate": ("stay_30min", "first_visits"),
    "secondary_share": ("secondary_sales", "total_sales"),
    "wholesale_share": ("wholesale_sales", "total_sales"),
    "showroom_retail_share": ("showroom_sales", "total_sales"),
}

#: (target met, recognised) → performance level (``docs/win-loss.md#rep-performance``) and the survey mix.
PERFORMANCE: dict[tuple[bool, bool], str] = {
    (True, True): "high", (True, False): "medium", (False, True): "medium", (False, False): "low",
}
SURVEY_MIX: dict[str, float] = {"high": 0.30, "medium": 0.47, "low": 0.23}


def _keys(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


_STATUSES = ("won", "lost", "open")


#: The end of a missing-column message in the win/loss analysis.
COLUMN_FIX = "Add it to the data or pass another column."


def status_codes(status: pd.Series) -> np.ndarray:
    """Each row's status as 0 won, 1 lost, 2 open, -1 anything else or missing (one pass over the column).

    Examples
    --------
    >>> status_codes(pd.Series(["lost", "won", None, "open", "bogus"])).tolist()
    [1, 0, -1, 2, -1]
    """
    codes, uniques = pd.factorize(status)
    lookup = np.array([_STATUSES.index(u) if u in _STATUSES else -1 for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]


# ---------------------------------------------------------------- preparing the table
#: Edges of the ``amount_band`` of :func:`add_context`: below 500K, 500K–1M, 1M–3M, 3M and more.
AMOUNT_EDGES: tuple[float, ...] = (0, 5e5, 1e6, 3e6, math.inf)

def add_context(
    opportunities: pd.DataFrame,
    *,
    accounts: pd.DataFrame | None = None,
    reps: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    amount_edges: Sequence[float] = AMOUNT_EDGES,
) -> pd.DataFrame:
    """Add ``region``/``sector`` (accounts, else the rep's region), ``product_name``/``family`` and ``amount_band``.

    Parameters
    ----------
    opportunities : DataFrame
    accounts, reps, products : DataFrame, optional
        Looked up by ``account_id`` / ``rep_id`` / ``product_id`` when those columns exist.
    amount_edges : sequence of float
        Band edges for ``amount``; bands are ``[edge_i, edge_i+1)`` and the label is
        the lower edge (an ordered categorical, e.g. ``500000``).

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": ["o1", "o2"], "status": ["won", "lost"],
    ...                      "amount": [2e5, 2e6]})
    >>> add_context(opps)["amount_band"].astype(str).tolist()
    ['<500K', '1M–3M']
    """
    out = opportunities.copy()
    lookups = (
        (accounts, "account_id", ("region", "sector")), (reps, "rep_id", ("region",)),
        (products, "product_id", ("product_name", "family")),
    )
    for table, key, columns in lookups:
        wanted = [c for c in columns if table is not None and c in table.columns and c not in out.columns]
        if wanted and key in out.columns and key in table.columns:
            lookup = table.drop_duplicates(key).set_index(key)
            for column in wanted:
                out[column] = out[key].map(lookup[column])
    if "amount" in out.columns:
        out["amount_band"] = pd.cut(out["amount"], list(amount_edges), right=False, labels=_band_labels(amount_edges))
    return out


def _band_labels(edges: Sequence[float], lang: str = "en") -> list[str]:
    def short(x: float) -> str:
        if lang != "en":
            return i18n.format_money(x, lang, trim=True)
        for scale, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if x >= scale:
                return f"{x / scale:g}{unit}"
        return f"{x:g}"

    labels = [f"{short(lo)}–{short(hi)}" for lo, hi in pairwise(edges)]
    labels[0] = f"<{short(edges[1])}" if edges[0] <= 0 else labels[0]
    labels[-1] = f"≥{short(edges[-2])}" if math.isinf(edges[-1]) else labels[-1]
    return labels


def amount_band_names(lang: str = "en", edges: Sequence[float] = AMOUNT_EDGES) -> dict[str, str]:
    """The ``amount_band`` values of :func:`add_context` (*edges*) as a reader of *lang* says them.

    Examples
    --------
    >>> amount_band_names("zh")
    {'<500K': '<50万', '500K–1M': '50万–100万', '1M–3M': '100万–300万', '≥3M': '≥300万'}
    """
    i18n.check_lang(lang)
    return dict(zip(_band_labels(edges), _band_labels(edges, lang), strict=True))


def load_opportunities(
    ds: Dataset,
    *,
    start: str | None = None,
    end: str | None = None,
    region: str | None = None,
    rep_id: str | None = None,
) -> pd.DataFrame | None:
    """The dataset's opportunities with :func:`add_context`, filtered by :func:`select`.

    None when the dataset has no opportunities table.

    Examples
    --------
    >>> import kamlib.data
    >>> len(load_opportunities(kamlib.data.load(), region="west")) > 0
    True
    """
    if "opportunities" not in ds.names:
        return None
    tables = {name: ds.table(name) if name in ds.names else None for name in ("accounts", "reps", "products")}
    opportunities = add_context(ds.table("opportunities"), **tables)
    return select(opportunities, start=start, end=end, region=region, rep_id=rep_id)


#: Grouping columns tried for win rates and the loss table, in this order.
GROUP_COLUMNS: tuple[str, ...] = ("product_name", "product_id", "family", "region", "source", "rep_id", "sector")


def group_columns(opportunities: pd.DataFrame | None, candidates: Sequence[str] = GROUP_COLUMNS) -> list[str]:
    """The candidate grouping columns the table has, with at least one value.

    Examples
    --------
    >>> group_columns(pd.DataFrame({"status": ["won"], "source": ["referral"], "region": [None]}))
    ['source']
    """
    if opportunities is None:
        return []
    return [c for c in candidates if c in opportunities.columns and opportunities[c].notna().any()]


def select(
    opportunities: pd.DataFrame,
    *,
    start: str | None = None,
    end: str | None = None,
    region: str | None = None,
    rep_id: str | None = None,
    date: str = "created_date",
) -> pd.DataFrame:
    """Deals created in ``[start, end]`` (inclusive), of one region and/or rep (None = all).

    A filter on a column the table lacks raises :class:`DataError`.

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": ["o1", "o2"], "status": ["won", "lost"], "rep_id": ["R1", "R2"]})
    >>> select(opps, rep_id="R2")["opportunity_id"].tolist()
    ['o2']
    """
    mask = pd.Series(True, index=opportunities.index)
    if start is not None or end is not None:
        require_columns(opportunities, [date], purpose="select", table="opportunities", fix=COLUMN_FIX)
        day = opportunities[date]
        mask &= day >= pd.Timestamp(start or day.min()) if start else True
        mask &= day <= pd.Timestamp(end) if end else True
    for column, value in (("region", region), ("rep_id", rep_id)):
        if value is not None:
            require_columns(opportunities, [column], purpose="select", table="opportunities", fix=COLUMN_FIX)
            mask &= opportunities[column] == value
    return opportunities[mask.fillna(False).astype(bool)]


# ------------------------------------------------------------------------ win rates
def wilson_interval(won: np.ndarray, closed: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for won / closed; NaN where nothing closed.

    Examples
    --------
    >>> low, high = wilson_interval(np.array([8]), np.array([10]))
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.4902, 0.9433)
    """
    if not 0 < level < 1:
        raise ConfigError(f"wilson_interval: level must be between 0 and 1, but {level!r} was passed.")
    n = np.asarray(closed, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(won, dtype=float) / n
        z = NormalDist().inv_cdf(1 - (1 - level) / 2)
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)


def _status_counts(opportunities: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    ids, index = frame_groups(opportunities, keys)
    width = len(_STATUSES) + 1  # column 0 counts other and missing statuses: left out
    counts = np.bincount(ids * width + status_codes(opportunities["status"]) + 1, minlength=len(index) * width)
    return pd.DataFrame(counts.reshape(-1, width)[:, 1:], index=index, columns=list(_STATUSES))


def win_rates(opportunities: pd.DataFrame, *, by: str | Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Win rate per group with a Wilson confidence interval; open deals counted, not rated.

    Parameters
    ----------
    opportunities : DataFrame
        Needs ``status`` (won / lost / open) and the *by* columns.
    by : str or sequence of str
        One column or a pair (``["product_id", "region"]``); missing values form
        their own group.
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        *by* columns, ``closed, won, lost, open, win_rate, ci_low, ci_high``
        (rates NaN for a group with no closed deal), most closed deals first.

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": list("abcde"), "product_id": list("XXXYY"),
    ...                      "status": ["won", "lost", "open", "won", "won"]})
    >>> win_rates(opps, by="product_id")[["product_id", "closed", "won", "open", "win_rate"]]
      product_id  closed  won  open  win_rate
    0          X       2    1     1       0.5
    1          Y       2    2     0       1.0
    """
    keys = _keys(by)
    require_columns(opportunities, ["status", *keys], purpose="win_rates", table="opportunities", fix=COLUMN_FIX)
    counts = _status_counts(opportunities, keys).reset_index()
    counts.insert(len(keys), "closed", counts["won"] + counts["lost"])
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["win_rate"] = np.where(counts["closed"] > 0, counts["won"] / counts["closed"], np.nan)
    counts["ci_low"], counts["ci_high"] = wilson_interval(counts["won"], counts["closed"], level)
    counts = counts.sort_values(["closed", *keys], ascending=[False, *[True] * len(keys)], ignore_index=True)
    counts.attrs["level"] = level
    return counts


@dataclass(frozen=True)
class GroupTest:
    """Whether win rate differs across groups: the test used and its result."""

    test: str  # "chi_square" or "fisher"
    statistic: float
    p_value: float
    dof: int
    groups: int
    min_expected: float
    small_expected: bool  # some expected count below 5: the p-value is rough


def difference_test(rates: pd.DataFrame, *, min_expected: float = 5.0) -> GroupTest:
    """Test whether win rate differs across the groups of a :func:`win_rates` table.

    Chi-square test of independence on the won × lost counts of the groups with a
    closed deal; for two groups with an expected count below *min_expected*,
    Fisher's exact test instead. ``small_expected`` flags the caveat that remains
    for larger tables (merge small groups before trusting the p-value).

    Examples
    --------
    >>> rates = pd.DataFrame({"won": [7, 2], "lost": [1, 6]})
    >>> result = difference_test(rates)
    >>> result.test, round(result.p_value, 4)
    ('fisher', 0.0406)
    """
    table = rates.loc[rates["won"] + rates["lost"] > 0, ["won", "lost"]].to_numpy(dtype=float)
    if len(table) < 2 or (table.sum(axis=0) == 0).any():
        return GroupTest("none", math.nan, math.nan, 0, len(table), math.nan, False)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    small = bool((expected < min_expected).any())
    if small and len(table) == 2:
        from scipy.stats import fisher_exact

        statistic, p_value = fisher_exact(table)
        return GroupTest("fisher", float(statistic), float(p_value), 1, 2, float(expected.min()), False)
    statistic, p_value = _chi_square(table, expected)
    return GroupTest("chi_square", statistic, p_value, len(table) - 1, len(table), float(expected.min()), small)


def _chi_square(observed: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """Pearson's chi-square statistic and p-value of a groups × (won, lost) table.

    The computation of ``scipy.stats.chi2_contingency`` (Yates' correction for two
    groups), step for step, so the numbers are the same; it needs only
    :mod:`scipy.special`, which loads in a fraction of the time of :mod:`scipy.stats`.

    Examples
    --------
    >>> table = np.array([[30.0, 20.0], [20.0, 30.0], [1.0, 2.0]])
    >>> expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    >>> [round(x, 4) for x in _chi_square(table, expected)]  # as scipy.stats.chi2_contingency(table)
    [4.324, 0.1151]
    """
    from scipy.special import chdtrc

    dof = len(observed) - 1
    if dof == 1:
        diff = expected - observed
        observed = observed + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
    statistic = ((observed - expected) ** 2 / expected).sum()
    return float(statistic), float(chdtrc(dof, statistic))


# --------------------------------------------------------------------- loss reasons
def _normal(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _reason_lookup(reasons: Sequence[str]) -> dict[str, str]:
    lookup = {_normal(k): v for k, v in _REASON_ALIASES.items()}
    for code in reasons:
        lookup[_normal(code)] = code
        for lang in i18n.LANGS:
            key = f"loss_reason.{code}"
            if i18n.has(key):
                lookup[_normal(i18n.t(key, lang))] = code
    return lookup


def canonical_reasons(values: pd.Series, *, causes: Mapping[str, str] = REASON_CAUSES) -> pd.Series:
    """Map loss reasons to canonical codes: 价格 → price, "Slow follow-up" → follow_up.

    Codes, their English and Chinese labels (labels.csv) and short forms (报价, 跟进)
    are recognised after trimming and lower-casing; anything else non-empty becomes
    ``"other"`` and an empty value ``"not_recorded"`` — nothing is dropped.

    Examples
    --------
    >>> canonical_reasons(pd.Series(["价格", " Price ", "态度不热情", "too far", None])).tolist()
    ['price', 'price', 'attitude', 'other', 'not_recorded']
    """
    position, codes = _reason_positions(values, causes)
    return pd.Series(pd.array(codes, dtype="string").take(position), index=values.index, name=values.name)


def _reason_positions(values: pd.Series, causes: Mapping[str, str] = REASON_CAUSES) -> tuple[np.ndarray, np.ndarray]:
    """Each value's canonical reason as a position in the (sorted) array of canonical codes returned with it.

    The text work is done once per distinct value, not once per deal.

    Examples
    --------
    >>> position, codes = _reason_positions(pd.Series(["价格", "price", None, "too far"]))
    >>> codes[position].tolist()
    ['price', 'price', 'not_recorded', 'other']
    """
    lookup = _reason_lookup([c for c in causes if c not in ("other", "not_recorded")])
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    mapped = [lookup.get(_normal(str(u)), "other") if str(u).strip() else "not_recorded" for u in uniques]
    names, position = np.unique(np.array([*mapped, "not_recorded"], dtype=object), return_inverse=True)
    return position[codes], names


def _lost(
    opportunities: pd.DataFrame, func: str, columns: Sequence[str] = ()
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The lost deals' *columns*, and their canonical reasons as from :func:`_reason_positions`."""
    require_columns(opportunities, ["status", *columns], purpose=func, table="opportunities", fix=COLUMN_FIX)
    mask = (opportunities["status"] == "lost").to_numpy(dtype=bool, na_value=False)
    lost = opportunities.loc[mask, list(dict.fromkeys(columns))]
    has_reason = "loss_reason" in opportunities.columns
    reasons = opportunities.loc[mask, "loss_reason"] if has_reason else pd.Series(pd.NA, index=lost.index)
    return lost, *_reason_positions(reasons)


def _reason_order(causes: Mapping[str, str]) -> list[str]:
    return list(causes)


def loss_reasons(
    opportunities: pd.DataFrame, *, by: str | Sequence[str] = "product_id", causes: Mapping[str, str] = REASON_CAUSES
) -> pd.DataFrame:
    """Lost deals per loss reason per group (战败原因统计表, ``docs/win-loss.md#loss-reasons``), long form.

    Returns
    -------
    DataFrame
        *by* columns, ``loss_reason, cause, lost`` (count), ``group_lost`` (the
        row total), ``share`` (of the group's losses) and ``overall_share`` (of all
        losses); every reason of *causes* for every group, zeros included.
        Reasons are canonical (see :func:`canonical_reasons`).

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": list("abcd"), "status": ["lost"] * 3 + ["won"],
    ...                      "product_id": ["X", "X", "Y", "Y"], "loss_reason": ["价格", "price", "品牌", None]})
    >>> table = loss_reasons(opps)
    >>> table[table["lost"] > 0][["product_id", "loss_reason", "lost", "share", "overall_share"]].round(3)
       product_id loss_reason  lost  share  overall_share
    6           X       price     2    1.0          0.667
    15          Y       brand     1    1.0          0.333
    """
    keys = _keys(by)
    lost, reason, codes = _lost(opportunities, "loss_reasons", keys)
    ids, index = frame_groups(lost, keys)
    counts = np.bincount(ids * len(codes) + reason, minlength=len(index) * len(codes)).reshape(-1, len(codes))
    counts = pd.DataFrame(counts, index=index, columns=pd.Index(codes, dtype="string", name="loss_reason"))
    counts = counts.reindex(columns=_reason_order(causes)).fillna(0).astype("int64")
    long = counts.stack().rename("lost").reset_index()
    long["cause"] = long["loss_reason"].map(causes)
    long["group_lost"] = long.groupby(keys, dropna=False)["lost"].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        long["share"] = long["lost"] / long["group_lost"].where(long["group_lost"] > 0)
    long["overall_share"] = long["lost"] / len(lost) if len(lost) else np.nan
    return long[[*keys, "loss_reason", "cause", "lost", "group_lost", "share", "overall_share"]]


def loss_matrix(
    reasons: pd.DataFrame, *, by: str = "product_id", value: str = "lost", total: str = "total"
) -> pd.DataFrame:
    """The loss table as shown: groups × reasons with a ``total`` column and row.

    Reasons that no group lost a deal to are left out; deals with no group are
    the row ``–``. *value* ``"share"`` gives each reason's share within the row
    (the total row: share of all losses). *total* labels the total row.

    Examples
    --------
    >>> long = pd.DataFrame({"product_id": ["X", "X", "Y", "Y"], "loss_reason": ["price", "brand"] * 2,
    ...                      "lost": [3, 1, 0, 2]})
    >>> loss_matrix(long).to_dict("index")
    {'X': {'price': 3, 'brand': 1, 'total': 4}, 'Y': {'price': 0, 'brand': 2, 'total': 2}, 'total': {'price': 3, 'brand': 3, 'total': 6}}
    """
    groups = reasons[by].astype("object").where(reasons[by].notna(), "–")
    wide = reasons.assign(**{by: groups}).pivot_table(
        index=by, columns="loss_reason", values="lost", aggfunc="sum", sort=False, observed=True
    )
    wide = wide.loc[:, wide.sum() > 0].astype("int64")
    wide.columns.name = None
    wide["total"] = wide.sum(axis=1)
    wide.loc[total] = wide.sum()
    if value == "share":
        return wide.div(wide["total"].where(wide["total"] > 0), axis=0)
    return wide


def reason_pareto(opportunities: pd.DataFrame, *, causes: Mapping[str, str] = REASON_CAUSES) -> pd.DataFrame:
    """Loss reasons from most to least frequent with cumulative share (not-recorded last).

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": list("abcd"), "status": ["lost"] * 4,
    ...                      "loss_reason": ["price", "价格", "brand", None]})
    >>> reason_pareto(opps)[["loss_reason", "lost", "cumulative_share"]]
        loss_reason  lost  cumulative_share
    0         price     2              0.50
    1         brand     1              0.75
    2  not_recorded     1              1.00
    """
    _, reason, codes = _lost(opportunities, "reason_pareto")
    seen = pd.unique(reason)  # in order of first appearance: ties keep it through the stable sort below
    counts = pd.DataFrame({
        "loss_reason": pd.array(codes[seen], dtype="string"), "lost": np.bincount(reason, minlength=len(codes))[seen],
    })
    counts["last"] = counts["loss_reason"] == "not_recorded"
    counts = counts.sort_values(["last", "lost"], ascending=[True, False], kind="stable", ignore_index=True)
    counts["cause"] = counts["loss_reason"].map(causes).fillna("other")
    counts["share"] = counts["lost"] / counts["lost"].sum()
    counts["cumulative_share"] = counts["share"].cumsum()
    return counts[["loss_reason", "cause", "lost", "share", "cumulative_share"]]


def addressable_losses(
    opportunities: pd.DataFrame, *, by: str = "rep_id", sales_side: Sequence[str] = SALES_SIDE
) -> pd.DataFrame:
    """Losses training can fix: share with a sales-side reason, and share with no reason.

    Returns
    -------
    DataFrame
        *by*, ``lost, recorded, sales_side, sales_side_share`` (of losses with a
        recorded reason), ``not_recorded_share`` (of all losses); highest share first.

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": list("abcd"), "status": ["lost"] * 4, "rep_id": ["R1"] * 4,
    ...                      "loss_reason": ["跟进不及时", "price", "attitude", None]})
    >>> addressable_losses(opps)[["sales_side", "sales_side_share", "not_recorded_share"]].round(3)
       sales_side  sales_side_share  not_recorded_share
    0           2             0.667                0.25
    """
    lost, reason, codes = _lost(opportunities, "addressable_losses", [by])
    ids, index = frame_groups(lost, [by])
    recorded, addressable = (codes != "not_recorded")[reason], np.isin(codes, list(sales_side))[reason]
    table = pd.DataFrame({
        "lost": np.bincount(ids, minlength=len(index)), "recorded": np.bincount(ids[recorded], minlength=len(index)),
        "sales_side": np.bincount(ids[addressable], minlength=len(index)),
    }, index=index).astype("int64").reset_index()
    table["sales_side_share"] = table["sales_side"] / table["recorded"].where(table["recorded"] > 0)
    table["not_recorded_share"] = 1 - table["recorded"] / table["lost"]
    return table.sort_values("sales_side_share", ascending=False, ignore_index=True)


def competitors(opportunities: pd.DataFrame, *, by: str | Sequence[str] = ()) -> pd.DataFrame:
    """Deals lost to each named competitor, optionally per group (product, region).

    Returns
    -------
    DataFrame
        ``competitor``, *by* columns, ``lost, amount`` (when there is an amount
        column), ``share`` (of the group's losses to a named competitor).

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": list("abcd"), "status": ["lost", "lost", "lost", "won"],
    ...                      "competitor": ["A", "A", "B", "A"]})
    >>> competitors(opps)[["competitor", "lost", "share"]]
      competitor  lost     share
    0          A     2  0.666667
    1          B     1  0.333333
    """
    keys = _keys(by)
    require_columns(opportunities, ["status", "competitor", *keys], purpose="competitors", table="opportunities", fix=COLUMN_FIX)
    mask = (opportunities["status"] == "lost").to_numpy(dtype=bool, na_value=False) & opportunities["competitor"].notna().to_numpy()
    columns = ["status", "competitor", *keys, *(["amount"] if "amount" in opportunities.columns else [])]
    lost = opportunities.loc[mask, list(dict.fromkeys(columns))]
    aggs = {"lost": ("status", "size")} | ({"amount": ("amount", "sum")} if "amount" in lost.columns else {})
    table = lost.groupby(["competitor", *keys], observed=True, dropna=False).agg(**aggs).reset_index()
    totals = table.groupby(keys, dropna=False)["lost"].transform("sum") if keys else table["lost"].sum()
    table["share"] = table["lost"] / totals
    return table.sort_values([*keys, "lost"], ascending=[*[True] * len(keys), False], ignore_index=True)


def cycle_times(opportunities: pd.DataFrame, *, by: str | None = "stage") -> pd.DataFrame:
    """Days from created to closed for closed deals, won vs lost (and per stage reached).

    Deals without both dates, or closed before created, are counted in
    ``excluded`` and left out of the statistics.

    Returns
    -------
    DataFrame
        ``status``, *by*, ``deals, median_days, mean_days, p25_days, p75_days, excluded``.

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": list("abc"), "status": ["won", "won", "lost"],
    ...     "created_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"]),
    ...     "closed_date": pd.to_datetime(["2024-01-11", "2024-01-31", None])})
    >>> cycle_times(opps, by=None)[["status", "deals", "median_days", "excluded"]]
      status  deals  median_days  excluded
    0   lost      0          NaN         1
    1    won      2         20.0         0
    """
    keys = ["status", *([by] if by else [])]
    require_columns(opportunities, ["created_date", "closed_date", *keys], purpose="cycle_times", table="opportunities", fix=COLUMN_FIX)
    status = status_codes(opportunities["status"])
    closed = np.flatnonzero((status == 0) | (status == 1))
    days = _whole_days((opportunities["closed_date"] - opportunities["created_date"]).to_numpy()[closed])
    ids, index = frame_groups(opportunities, keys, closed, {"status": status})
    table = _day_stats(ids, days, len(index)).set_axis(index).reset_index()
    if by == "stage":
        order = table["stage"].map({s: i for i, s in enumerate(STAGES)}).fillna(len(STAGES))
        table = table.assign(_order=order).sort_values(["status", "_order"]).drop(columns="_order")
    return table.reset_index(drop=True)


def _day_stats(ids: np.ndarray, days: np.ndarray, groups: int) -> pd.DataFrame:
    """``deals, median_days, mean_days, p25_days, p75_days, excluded`` per group of whole-day durations.

    Negative or missing days are ``excluded``. As days are whole numbers, one sort of
    integers (group, day) serves every group, and each statistic is exact: the same
    as pandas' ``count``, ``median``, ``mean`` and (linear) ``quantile`` per group.

    Examples
    --------
    >>> _day_stats(np.array([0, 0, 0, 0, 1]), np.array([4.0, 1.0, 2.0, -3.0, np.nan]), 2).iloc[0].tolist()
    [3.0, 2.0, 2.3333333333333335, 1.5, 3.0, 1.0]
    """
    valid = days >= 0
    group, day = ids[valid], days[valid]
    span = int(day.max()) + 1 if len(day) else 1
    ordered = np.append(np.sort(group * span + day.astype(np.int64)), 0)  # by group, then day; 0 for empty groups
    deals = np.bincount(group, minlength=groups)
    start, last, base = np.cumsum(deals) - deals, np.maximum(deals - 1, 0), np.arange(groups) * span

    def at(position: np.ndarray) -> np.ndarray:  # the day at a position within each group's sorted days
        return (ordered[start + position] - base).astype("float64")

    def quantile(q: float) -> np.ndarray:
        below = np.floor(q * last).astype(np.int64)
        lower, upper = at(below), at(np.minimum(below + 1, last))
        return np.where(deals > 0, lower + (upper - lower) * (q * last - below), np.nan)

    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame({
            "deals": deals, "median_days": np.where(deals > 0, (at(last // 2) + at(deals // 2)) / 2, np.nan),
            "mean_days": np.bincount(group, weights=day, minlength=groups) / deals,
            "p25_days": quantile(0.25), "p75_days": quantile(0.75),
            "excluded": np.bincount(ids[~valid], minlength=groups),
        })


def _whole_days(delta: np.ndarray) -> np.ndarray:
    """Whole days (rounded down, as ``Series.dt.days``) of timedeltas, NaN for NaT.

    Examples
    --------
    >>> _whole_days(np.array([36, -1, "NaT"], dtype="timedelta64[h]")).tolist()
    [1.0, -1.0, nan]
    """
    missing = np.isnat(delta)
    days = np.floor_divide(np.where(missing, np.timedelta64(0, "D"), delta), np.timedelta64(1, "D"))
    return np.where(missing, np.nan, days.astype("float64"))


def funnel(opportunities: pd.DataFrame, *, stages: Sequence[str] = STAGES) -> pd.DataFrame:
    """Deals through the buying process (购买进程) and where lost deals dropped out.

    A deal has reached its ``stage`` and every earlier one (won deals reached the
    last). ``conversion_rate`` is the share of *closed* deals at a stage that reached the
    next one (open deals have not finished yet); ``lost_share`` is the share of all
    lost deals that dropped out at that stage. Deals whose stage is not in *stages*
    are counted in the attribute ``attrs["unknown_stage"]``.

    Returns
    -------
    DataFrame
        ``stage, reached, open, lost_here, conversion_rate, lost_share``.

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": list("abcd"), "status": ["won", "lost", "lost", "open"],
    ...                      "stage": ["commitment", "low_interest", "conviction", "low_interest"]})
    >>> funnel(opps, stages=["low_interest", "conviction", "commitment"])
              stage  reached  open  lost_here  conversion_rate  lost_share
    0  low_interest        4     1          1         0.666667         0.5
    1    conviction        2     0          1         0.500000         0.5
    2    commitment        1     0          0              NaN         0.0
    """
    require_columns(opportunities, ["status", "stage"], purpose="funnel", table="opportunities", fix=COLUMN_FIX)
    codes, uniques = pd.factorize(opportunities["stage"])
    order = {s: i for i, s in enumerate(stages)}
    position = np.append(np.array([order.get(u, -1) for u in uniques], dtype=int), -1)[codes]
    status = status_codes(opportunities["status"])
    position[status == 0] = len(stages) - 1
    known = position >= 0
    width = len(_STATUSES) + 1  # column 0 counts other and missing statuses: left out
    counts = np.bincount(position[known] * width + status[known] + 1, minlength=width * len(stages)).reshape(-1, width)
    at = pd.DataFrame({s: counts[:, i + 1] for i, s in enumerate(_STATUSES)})
    reached = at.sum(axis=1)[::-1].cumsum()[::-1]
    closed_reached = (at["won"] + at["lost"])[::-1].cumsum()[::-1]
    table = pd.DataFrame({
        "stage": list(stages), "reached": reached.to_numpy(), "open": at["open"].to_numpy(),
        "lost_here": at["lost"].to_numpy(),
    })
    nxt = closed_reached.shift(-1)
    table["conversion_rate"] = (nxt / closed_reached.where(closed_reached > 0)).to_numpy()
    table["lost_share"] = table["lost_here"] / at["lost"].sum() if at["lost"].sum() else np.nan
    table.attrs["unknown_stage"] = int((~known).sum())
    return table


# ------------------------------------------------------------------------- showroom
def showroom_months(months: pd.Series) -> pd.Series:
    """The ``month`` column as timestamps: dates, periods and text such as ``"2013-01"`` alike.

    Text is what :func:`pandas.read_csv` gives; ``2013-01``, ``2013/1`` and ``2013-01-01``
    all name January 2013.

    Raises
    ------
    DataError
        When a value names no month, with the rows (header = row 1) and the fix.

    Examples
    --------
    >>> showroom_months(pd.Series(["2013-01", "2013/2", "2013-03-01"])).dt.strftime("%Y-%m").tolist()
    ['2013-01', '2013-02', '2013-03']
    """
    if isinstance(months.dtype, pd.PeriodDtype):
        return months.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(months):
        return months
    text = months.astype("string").str.strip().str.replace("/", "-", regex=False)
    parsed = pd.to_datetime(text, format="mixed", errors="coerce")
    bad = np.flatnonzero((parsed.isna() & months.notna()).to_numpy())
    if len(bad):
        shown = ", ".join(f"row {i + 2} ({months.iloc[i]!r})" for i in bad[:5])
        raise DataError(f"showroom, column 'month': {len(bad)} value(s) name no month: {shown}. "
                        "Write each month as 2013-01 or 2013-01-01.",
                        column="month", rows=[int(i) + 2 for i in bad[:5]], code="bad_date")
    return parsed


def showroom_kpis(
    showroom: pd.DataFrame,
    *,
    ratios: Mapping[str, tuple[str, str]] = SHOWROOM_RATIOS,
    days_open: str = "days_open",
) -> pd.DataFrame:
    """Monthly showroom ratios (展厅客流分析, ``docs/win-loss.md#showroom-kpis``) from the raw counts.

    A ratio whose columns are absent is left out; a zero denominator gives a
    missing value and the ``note`` column names it (``first_visits = 0``).

    Parameters
    ----------
    showroom : DataFrame
        One row per month; ``month`` as dates or as text (``"2013-01"``).
    ratios : mapping
        Ratio name → (numerator, denominator) columns.
    days_open : str
        Column of the days the showroom was open that month: daily traffic divides by
        it, and by the calendar days where the column is absent or empty.

    Returns
    -------
    DataFrame
        ``month``, ``traffic, daily_traffic`` (traffic ÷ days open) when traffic is
        there, ``total_sales`` when sales are, each ratio of *ratios*, ``note``.

    Examples
    --------
    >>> rooms = pd.DataFrame({"month": ["2024-02", "2024-03"], "traffic": [290, 310], "days_open": [29, None],
    ...                       "first_visits": [100, 0], "showroom_sales": [12, 3]})
    >>> showroom_kpis(rooms)[["daily_traffic", "close_rate", "note"]].to_dict("list")
    {'daily_traffic': [10.0, 10.0], 'close_rate': [0.12, nan], 'note': ['', 'first_visits = 0']}
    """
    require_columns(showroom, ["month"], purpose="showroom_kpis", table="showroom", fix=COLUMN_FIX)
    rooms = showroom.assign(month=showroom_months(showroom["month"])).sort_values("month").reset_index(drop=True)
    out = pd.DataFrame({"month": rooms["month"]})
    if "traffic" in rooms.columns:
        days = rooms["month"].dt.days_in_month.astype("float64")
        if days_open in rooms.columns:
            days = pd.to_numeric(rooms[days_open], errors="coerce").astype("float64").fillna(days)
        out["traffic"] = rooms["traffic"]
        out["daily_traffic"] = rooms["traffic"].astype("float64") / days.where(days > 0)
    sales = [c for c in ("showroom_sales", "secondary_sales", "wholesale_sales") if c in rooms.columns]
    if len(sales) == 3:
        rooms["total_sales"] = rooms[sales].sum(axis=1, min_count=3)
        out["total_sales"] = rooms["total_sales"]
    notes = pd.Series([[] for _ in range(len(rooms))], dtype=object)
    for name, (top, bottom) in ratios.items():
        if top in rooms.columns and bottom in rooms.columns:
            den = rooms[bottom].astype("float64")
            out[name] = (rooms[top].astype("float64") / den.where(den != 0)).astype("float64")
            for i in np.flatnonzero((den == 0).to_numpy()):
                notes[i] = notes[i] if f"{bottom} = 0" in notes[i] else [*notes[i], f"{bottom} = 0"]
    out["note"] = [", ".join(n) for n in notes]
    return out


# ------------------------------------------------------------------- sources, reps
def won_sources(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Where won deals came from (source of new customers): ``source, won, share``.

    Examples
    --------
    >>> opps = pd.DataFrame({"opportunity_id": list("abc"), "status": ["won"] * 3,
    ...                      "source": ["referral", "referral", "showroom"]})
    >>> won_sources(opps)["share"].round(3).tolist()
    [0.667, 0.333]
    """
    require_columns(opportunities, ["status", "source"], purpose="won_sources", table="opportunities", fix=COLUMN_FIX)
    won = opportunities.loc[opportunities["status"] == "won", "source"]
    table = won.value_counts(dropna=False).rename("won").reset_index()
    table["won"] = table["won"].astype("int64")
    table["share"] = table["won"] / table["won"].sum()
    return table


def rep_performance(
    reps: pd.DataFrame, *, levels: Mapping[tuple[bool, bool], str] = PERFORMANCE
) -> pd.DataFrame:
    """Each rep's performance level (``docs/win-loss.md#rep-performance``): target met and recognised → high.

    A rep with either flag missing gets no level (NA) rather than a guess.

    Examples
    --------
    >>> reps = pd.DataFrame({"rep_id": ["R1", "R2", "R3"], "target_met": [True, True, False],
    ...                      "recognised": [True, False, False]})
    >>> rep_performance(reps)["performance"].tolist()
    ['high', 'medium', 'low']
    """
    require_columns(reps, ["rep_id", "target_met", "recognised"], purpose="rep_performance", table="reps", fix=COLUMN_FIX)
    out = reps.copy()
    flags = out[["target_met", "recognised"]].astype("boolean")
    complete = flags.notna().all(axis=1)
    level = [levels[(bool(a), bool(b))] if ok else None for a, b, ok in zip(flags.iloc[:, 0], flags.iloc[:, 1], complete)]
    out["performance"] = pd.Categorical(level, categories=["high", "medium", "low"], ordered=True)
    return out


def performance_mix(performance: pd.DataFrame, *, survey: Mapping[str, float] = SURVEY_MIX) -> pd.DataFrame:
    """Reps per level and share, next to the survey's mix (30 % / 47 % / 23 %).

    Examples
    --------
    >>> perf = pd.DataFrame({"performance": pd.Categorical(["high", "low", "low"], ["high", "medium", "low"])})
    >>> performance_mix(perf)[["performance", "reps", "share"]].values.tolist()
    [['high', 1, 0.3333333333333333], ['medium', 0, 0.0], ['low', 2, 0.6666666666666666]]
    """
    counts = performance["performance"].value_counts(sort=False)
    table = pd.DataFrame({"performance": [str(c) for c in counts.index], "reps": counts.to_numpy().astype("int64")})
    table["share"] = table["reps"] / max(int(table["reps"].sum()), 1)
    table["survey_share"] = table["performance"].map(survey)
    return table
