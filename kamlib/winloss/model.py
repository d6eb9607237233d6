"""Win probability of open deals, and the one-sentence readings of the win/loss tables.

The model is deliberately transparent: naive Bayes on won / lost counts per feature
value with Laplace smoothing, so each deal's probability is the base rate plus one
log-odds step per feature, and the steps are the explanation (``drivers``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from kamlib.errors import DataError, require_columns
from kamlib.grouping import column_codes
from kamlib.i18n import format_number
from kamlib.winloss.analysis import COLUMN_FIX, status_codes

__all__ = [
    "FEATURES",
    "backtest",
    "calibration",
    "fit_counts",
    "weighted_pipeline",
    "win_probability",
]

#: Features used when present (stage is left out: closed deals' stage records
#: where they ended, open deals' where they are now — it would leak the outcome).
#: Few, well-filled features: sparse ones (rep, sector) overfit on the sample's backtest.
FEATURES: tuple[str, ...] = ("source", "product_id", "region", "amount_band")


def _features(history: pd.DataFrame, open_deals: pd.DataFrame, features: Sequence[str] | None) -> list[str]:
    if features is None:
        return [f for f in FEATURES if f in history.columns and f in open_deals.columns]
    require_columns(history, list(features), purpose="win_probability", table="opportunities", fix=COLUMN_FIX)
    require_columns(open_deals, list(features), purpose="win_probability", table="opportunities", fix=COLUMN_FIX)
    return list(features)


def fit_counts(history: pd.DataFrame, features: Sequence[str], *, alpha: float = 1.0) -> pd.DataFrame:
    """Smoothed log-likelihood ratio per feature value from closed deals.

    ``log_ratio = log P(value | won) − log P(value | lost)``, each probability
    ``(count + alpha) / (class total + alpha × (levels + 1))`` — the extra level is
    for values never seen, so an unseen value gets a small, finite ratio.

    Examples
    --------
    >>> history = pd.DataFrame({"status": ["won", "won", "lost", "lost"], "source": ["ref", "ref", "ref", "web"]})
    >>> fit_counts(history, ["source"])[["value", "won", "lost"]].values.tolist()
    [['ref', 2, 1], ['web', 0, 1]]
    """
    status = status_codes(history["status"])
    n_won, n_lost = int((status == 0).sum()), int((status == 1).sum())
    parts = []
    for feature in features:
        codes, uniques = pd.factorize(history[feature])
        rank, uniques = pd.factorize(uniques, sort=True)  # counts in the sorted order of the values
        won_counts, lost_counts = (counts[np.argsort(rank)] for counts in _class_counts(codes, status, len(uniques)))
        log_ratio, unseen = _log_ratios(won_counts, lost_counts, n_won, n_lost, len(uniques) + 1, alpha)
        parts.append(pd.DataFrame({
            "feature": feature, "value": [str(u) for u in uniques], "won": won_counts, "lost": lost_counts,
            "log_ratio": log_ratio, "unseen": unseen,
        }))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["feature", "value"])
    table.attrs["prior"] = math.log((n_won + alpha) / (n_lost + alpha))
    return table


def _class_counts(codes: np.ndarray, status: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Won and lost deals per value code below *size*, in one pass.

    *status* holds :func:`kamlib.winloss.analysis.status_codes` (0 won, 1 lost); rows with
    another status or a missing value (code −1) are not counted.
    """
    counts = np.bincount((codes + 1) * 4 + status + 1, minlength=4 * (size + 1)).reshape(-1, 4)
    return counts[1:, 1], counts[1:, 2]


def _log_ratios(
    won_counts: np.ndarray, lost_counts: np.ndarray, n_won: int, n_lost: int, levels: int, alpha: float
) -> tuple[np.ndarray, float]:
    """Smoothed ``log P(value | won) − log P(value | lost)`` per value, and that of an unseen value."""
    p_won = (won_counts + alpha) / (n_won + alpha * levels)
    p_lost = (lost_counts + alpha) / (n_lost + alpha * levels)
    unseen = math.log((alpha / (n_won + alpha * levels)) / (alpha / (n_lost + alpha * levels)))
    return np.log(p_won / p_lost), unseen


def _code_name(feature: str, value: str) -> str:
    """How :func:`win_probability` names a feature value in ``drivers`` by default: ``source=referral``."""
    return f"{feature}={value}"


def _contributions(
    deals: pd.DataFrame, model: pd.DataFrame, features: Sequence[str], name: Callable[[str, str], str] = _code_name
) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Each deal's log-odds step per feature, and the texts :func:`_drivers` names the steps by.

    Per feature: the deals' value codes (−1 missing) and the ``name(feature, value) (+0.42)``
    text of each value, "" where the step is zero, the last entry for a missing value.
    """
    steps, terms = {}, {}
    for feature in features:
        rows = model[model["feature"] == feature]
        unseen = rows["unseen"].iloc[0] if len(rows) else 0.0
        lookup = pd.Series(rows["log_ratio"].to_numpy(), index=rows["value"].to_numpy())
        codes, uniques = pd.factorize(deals[feature])
        per_value = lookup.reindex([str(u) for u in uniques]).fillna(unseen).to_numpy(dtype=float)
        steps[feature] = np.where(codes >= 0, per_value[codes] if len(per_value) else 0.0, 0.0)
        texts = pd.Series(uniques).astype("string").fillna("–")
        named = [f"{name(feature, text)} ({step:+.2f})" if step != 0 else "" for text, step in zip(texts, per_value, strict=True)]
        terms[feature] = codes, np.array([*named, ""], dtype=object)
    return pd.DataFrame(steps, index=deals.index), terms


def win_probability(
    open_deals: pd.DataFrame,
    history: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    alpha: float = 1.0,
    clip: float = 0.02,
    top: int = 2,
    name: Callable[[str, str], str] | None = None,
    separator: str = ", ",
) -> pd.DataFrame:
    """Probability that each open deal is won: naive Bayes on closed deals.

    Parameters
    ----------
    open_deals : DataFrame
        Deals to score (``opportunity_id`` and the feature columns).
    history : DataFrame
        Closed deals to learn from (``status`` won / lost); other rows are ignored.
    features : sequence of str, optional
        Categorical columns; None = those of :data:`FEATURES` in both tables.
    alpha : float, default 1
        Laplace smoothing added to every count.
    clip : float, default 0.02
        Probabilities are kept within ``[clip, 1 − clip]``.
    top : int, default 2
        How many features to name in ``drivers`` (0: leave ``drivers`` empty, faster).
    name : callable, optional
        ``name(feature, value)``: how ``drivers`` names a feature value (the value as
        text, ``–`` when missing); None = ``feature=value``. A report passes one that
        labels both in its language (``来源=转介绍``).
    separator : str, default ", "
        What joins the named steps in ``drivers`` (``；`` in a Chinese report).

    Returns
    -------
    DataFrame
        ``opportunity_id, probability, drivers`` (``feature=value (+0.42)``: the
        log-odds steps that moved the deal most from the base rate), and ``amount``,
        ``weighted_amount`` when there is an amount.

    Examples
    --------
    >>> history = pd.DataFrame({"status": ["won", "won", "lost", "lost"], "source": ["ref", "ref", "ref", "web"]})
    >>> deals = pd.DataFrame({"opportunity_id": ["o1", "o2"], "source": ["ref", "web"]})
    >>> win_probability(deals, history, features=["source"])[["probability", "drivers"]].round(3).values.tolist()
    [[0.6, 'source=ref (+0.41)'], [0.333, 'source=web (-0.69)']]
    >>> win_probability(deals, history, features=["source"], name=lambda f, v: f"{f.title()}: {v}")["drivers"][0]
    'Source: ref (+0.41)'
    """
    require_columns(history, ["status"], purpose="win_probability", table="opportunities", fix=COLUMN_FIX)
    used = _features(history, open_deals, features)
    model = fit_counts(history, used, alpha=alpha)
    steps, terms = _contributions(open_deals, model, used, name or _code_name)
    log_odds = model.attrs["prior"] + steps.sum(axis=1)
    out = pd.DataFrame({"opportunity_id": open_deals.get("opportunity_id", pd.Series(open_deals.index, index=open_deals.index))})
    out["probability"] = (1 / (1 + np.exp(-log_odds))).clip(clip, 1 - clip)
    out["drivers"] = _drivers(steps, terms, top, separator) if used and top > 0 else ""
    if "amount" in open_deals.columns:
        out["amount"] = open_deals["amount"]
        out["weighted_amount"] = out["amount"] * out["probability"]
    return out.reset_index(drop=True)


def _drivers(steps: pd.DataFrame, terms: dict[str, tuple[np.ndarray, np.ndarray]], top: int,
             separator: str = ", ") -> pd.Series:
    """``feature=value (+0.42), …`` for the *top* largest steps of each deal, joined by *separator*.

    A deal's text depends only on which feature values its top steps are, so each
    text is built once per distinct combination of values (far fewer than deals).
    """
    values = steps.to_numpy()
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :top]
    texts = np.concatenate([named for _, named in terms.values()])
    starts = np.cumsum([0, *(len(named) for _, named in terms.values())])[:-1]
    term = np.column_stack([  # each deal's text per feature, as a position in texts
        start + np.where(codes < 0, len(named) - 1, codes) for start, (codes, named) in zip(starts, terms.values(), strict=True)
    ])
    rows = np.arange(len(values))
    ids, joined = term[rows, order[:, 0]], texts
    for k in range(1, order.shape[1]):
        ids, pairs = pd.factorize(ids * len(texts) + term[rows, order[:, k]])
        joined = np.array([separator.join(filter(None, (joined[p // len(texts)], texts[p % len(texts)]))) for p in pairs],
                          dtype=object)
    return pd.Series(joined[ids], index=steps.index)


def weighted_pipeline(scored: pd.DataFrame, open_deals: pd.DataFrame, *, date: str = "created_date") -> pd.DataFrame:
    """Open deals per month (of *date*): count, amount and probability-weighted amount.

    Examples
    --------
    >>> deals = pd.DataFrame({"opportunity_id": ["o1", "o2"], "created_date": pd.to_datetime(["2025-01-03", "2025-01-20"])})
    >>> scored = pd.DataFrame({"opportunity_id": ["o1", "o2"], "probability": [0.5, 0.25], "amount": [100.0, 40.0],
    ...                        "weighted_amount": [50.0, 10.0]})
    >>> weighted_pipeline(scored, deals)[["deals", "amount", "weighted_amount", "expected_wins"]].values.tolist()
    [[2.0, 140.0, 60.0, 0.75]]
    """
    require_columns(open_deals, ["opportunity_id", date], purpose="weighted_pipeline", table="opportunities", fix=COLUMN_FIX)
    months = open_deals.set_index("opportunity_id")[date].dt.to_period("M").dt.to_timestamp()
    frame = scored.assign(month=scored["opportunity_id"].map(months))
    aggs = {"deals": ("probability", "size"), "expected_wins": ("probability", "sum")}
    if "amount" in frame.columns:
        aggs |= {"amount": ("amount", "sum"), "weighted_amount": ("weighted_amount", "sum")}
    table = frame.groupby("month").agg(**aggs).reset_index()
    return table.astype({"deals": "float64"})


def _band_names(edges: np.ndarray) -> list[str]:
    """``0–20%``, ``20–40%`` …: the probability bands as a reader says them (the same in every language).

    Examples
    --------
    >>> _band_names(np.linspace(0, 1, 4))
    ['0–33.3%', '33.3–66.7%', '66.7–100%']
    """
    def percent(x: float) -> str:  # whole percents without a decimal, others with one
        return format_number(x, decimals=0 if round(x, 1) == round(x) else 1)

    return [f"{percent(low)}–{percent(high)}%" for low, high in pairwise(edges * 100)]


def calibration(probability: pd.Series, won: pd.Series, *, bins: int = 5) -> pd.DataFrame:
    """Predicted vs observed win rate in equal-width probability bins (``band``: ``0–20%`` …).

    Examples
    --------
    >>> calibration(pd.Series([0.1, 0.15, 0.9]), pd.Series([0, 0, 1]), bins=2)[["band", "deals", "predicted", "observed"]].values.tolist()
    [['0–50%', 2.0, 0.125, 0.0], ['50–100%', 1.0, 0.9, 1.0]]
    """
    edges = np.linspace(0, 1, bins + 1)
    band = pd.cut(probability, edges, include_lowest=True, labels=_band_names(edges))
    table = pd.DataFrame({"p": probability, "won": won.astype(float), "band": band}).groupby("band", observed=True)
    out = table.agg(deals=("p", "size"), predicted=("p", "mean"), observed=("won", "mean")).reset_index()
    out["band"] = out["band"].astype(str)
    return out.astype({"deals": "float64"})


def backtest(
    history: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    train_share: float = 0.7,
    date: str = "closed_date",
    **options: float,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Fit on the older closed deals, score the newer ones: Brier score and calibration.

    Returns
    -------
    (dict, DataFrame)
        ``{"brier", "brier_base_rate", "train", "test"}`` — the model's Brier score,
        that of always predicting the training win rate, and the deal counts — and
        the :func:`calibration` table of the test deals.

    Raises
    ------
    DataError
        When fewer than ten closed deals are there.

    Examples
    --------
    >>> import kamlib.data
    >>> opps = kamlib.data.load().table("opportunities")
    >>> scores, table = backtest(opps, features=["source", "product_id"])
    >>> scores["brier"] < scores["brier_base_rate"]
    True
    """
    require_columns(history, ["status"], purpose="backtest", table="opportunities", fix=COLUMN_FIX)
    used = _features(history, history, features)
    status = status_codes(history["status"])
    closed = np.flatnonzero((status == 0) | (status == 1))
    if len(closed) < 10:
        raise DataError(f"backtest: needs at least 10 closed deals, but found {len(closed)}. Add history or skip the backtest.")
    if date in history.columns:
        closed = closed[_stable_order(history[date].iloc[closed])]
    cut = int(len(closed) * train_share)
    train = np.full(len(history), -1)
    train[closed[:cut]] = status[closed[:cut]]
    probability = _holdout_probability([column_codes(history[feature]) for feature in used], train, closed[cut:],
                                       **options)
    won = (status[closed[cut:]] == 0).astype(float)
    base = float(pd.Series(status[closed[:cut]] == 0).mean())
    scores = {
        "brier": float(np.mean((probability.to_numpy() - won) ** 2)),
        "brier_base_rate": float(np.mean((base - won) ** 2)),
        "train": float(len(closed[:cut])),
        "test": float(len(won)),
    }
    return scores, calibration(probability, pd.Series(won))


def _stable_order(values: pd.Series) -> np.ndarray:
    """``np.argsort(values, kind="stable")``, missing values last, by sorting small ranks (fast for dates).

    Examples
    --------
    >>> _stable_order(pd.Series(pd.to_datetime(["2024-03-01", None, "2024-01-01", "2024-03-01"]))).tolist()
    [2, 0, 3, 1]
    """
    codes, uniques = pd.factorize(values)
    rank = np.empty(len(uniques) + 1, dtype=np.min_scalar_type(len(uniques)))
    rank[uniques.argsort()] = np.arange(len(uniques))
    rank[-1] = len(uniques)
    return np.argsort(rank[codes], kind="stable")


def _holdout_probability(
    codes: Sequence[np.ndarray], train: np.ndarray, test: np.ndarray, *, alpha: float = 1.0, clip: float = 0.02
) -> pd.Series:
    """What :func:`win_probability` gives the *test* deals, learning from the *train* ones.

    Features come as integer codes per row (−1 missing), *train* as each row's status
    code (0 won, 1 lost, −1 not a training deal) and *test* as row positions, so no text
    is compared: a value the training deals lack gets the unseen step, as there.
    """
    n_won, n_lost = int((train == 0).sum()), int((train == 1).sum())
    steps = {}
    for i, feature in enumerate(codes):
        won_counts, lost_counts = _class_counts(feature, train, int(feature.max()) + 1 if len(feature) else 0)
        seen = won_counts + lost_counts > 0
        log_ratio, unseen = _log_ratios(won_counts, lost_counts, n_won, n_lost, int(seen.sum()) + 1, alpha)
        per_value, scored = np.where(seen, log_ratio, unseen), feature[test]
        steps[i] = np.where(scored >= 0, per_value[scored] if len(per_value) else 0.0, 0.0)
    log_odds = math.log((n_won + alpha) / (n_lost + alpha)) + pd.DataFrame(steps, index=pd.RangeIndex(len(test))).sum(axis=1)
    return (1 / (1 + np.exp(-log_odds))).clip(clip, 1 - clip)
