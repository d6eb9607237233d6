"""Charts of the win/loss analysis, same conventions as :mod:`kamlib.plots`.

Each function draws the table a :mod:`kamlib.winloss` function returned, only on
*ax* (a new figure when None), labels through :mod:`kamlib.i18n` and returns the
Axes. Nothing here computes an analysis; tables are only reshaped for drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.i18n import format_count
from kamlib.plots import (
    PALETTE,
    check_columns,
    column_label,
    get_axes,
    heat_cells,
    percent_axis,
    plot_bar,
    plot_line,
    set_title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_calibration", "plot_funnel", "plot_loss_heatmap", "plot_pareto",
    "plot_performance_mix", "plot_showroom_kpis", "plot_win_rates",
]


def plot_win_rates(
    rates: pd.DataFrame, *, by: str, lang: str = "en", title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Win rate per group as a point with its confidence interval bar, n closed deals at the right.

    Examples
    --------
    >>> rates = pd.DataFrame({"region": ["east", "west"], "closed": [10, 4], "win_rate": [0.5, 0.25],
    ...                       "ci_low": [0.24, 0.05], "ci_high": [0.76, 0.7]})
    >>> ax = plot_win_rates(rates, by="region", lang="en")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['East', 'West']
    """
    i18n.check_lang(lang)
    check_columns("plot_win_rates", rates, by=by, y="win_rate", low="ci_low", high="ci_high")
    shown = rates[rates["closed"] > 0].reset_index(drop=True)
    ax = get_axes(ax, lang, rows=len(shown))
    y = np.arange(len(shown))[::-1]
    # A rate of 0 or 1 sits on its interval's end, where rounding can leave -1e-17.
    errors = np.clip(np.vstack([shown["win_rate"] - shown["ci_low"], shown["ci_high"] - shown["win_rate"]]), 0, None)
    ax.errorbar(shown["win_rate"], y, xerr=errors, fmt="o", color=PALETTE[0], ecolor="#9DB3D6", elinewidth=5, capsize=0)
    ax.set_yticks(y, [i18n.value_label(by, v, lang) for v in shown[by]])
    for yi, n in zip(y, shown["closed"]):
        ax.annotate(f"n={n:,}", (1.0, yi), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=9, color="#666666")
    overall = shown["win_rate"].mul(shown["closed"]).sum() / max(shown["closed"].sum(), 1)
    ax.axvline(overall, color="#999999", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    percent_axis(ax, "x")
    ax.set_xlabel(column_label("win_rate", lang))
    ax.set_ylabel(column_label(by, lang))
    ax.yaxis.grid(False)
    set_title(ax, title, lang)
    return ax


def plot_loss_heatmap(
    shares: pd.DataFrame, *, by: str, lang: str = "en", title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Heat map of :func:`kamlib.winloss.loss_matrix` ``(value="share")``: groups × reasons.

    Each cell is the reason's share of that row's losses, written in the cell (blank
    where there were none); the ``total`` column is left out (every row sums to 100 %).

    Examples
    --------
    >>> shares = pd.DataFrame({"price": [0.75, 0.0], "brand": [0.25, 1.0], "total": [1.0, 1.0]},
    ...                       index=pd.Index(["X", "Y"], name="product_id"))
    >>> from kamlib.plots import theme
    >>> theme("zh")
    >>> ax = plot_loss_heatmap(shares, by="product_id", lang="zh")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['价格', '品牌']
    >>> [t.get_text() for t in ax.texts]
    ['75%', '25%', '100%']
    """
    i18n.check_lang(lang)
    ax = get_axes(ax, lang, rows=len(shares))
    cells = shares.drop(columns=["total"], errors="ignore")
    cells = cells.set_axis([i18n.value_label("loss_reason", c, lang) for c in cells.columns], axis=1)
    cells.index = [i18n.value_label(by, v, lang) for v in cells.index]
    values = cells.astype(float)
    labels = values.apply(lambda column: column.map(lambda v: f"{v:.0%}" if v > 0 else ""))  # no losses: blank
    heat_cells(ax, values, labels, fontsize=8)
    ax.set_xlabel(column_label("loss_reason", lang))
    ax.set_ylabel(column_label(by, lang))
    ax.tick_params(axis="x", labelrotation=35)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    set_title(ax, title, lang)
    return ax


def plot_pareto(pareto: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax: Axes | None = None) -> Axes:
    """Pareto chart of :func:`kamlib.winloss.reason_pareto`: bars of lost deals, cumulative share line.

    Examples
    --------
    >>> pareto = pd.DataFrame({"loss_reason": ["price", "brand"], "lost": [3, 1], "cumulative_share": [0.75, 1.0]})
    >>> ax = plot_pareto(pareto, lang="en")
    >>> [round(p.get_height()) for p in ax.patches]
    [3, 1]
    """
    ax = plot_bar(pareto, x="loss_reason", y="lost", lang=lang, ax=ax)
    line = ax.twinx()
    line.plot(range(len(pareto)), pareto["cumulative_share"], color=PALETTE[1], marker="o", linewidth=2)
    line.axhline(0.8, color="#999999", linestyle=":", linewidth=1)
    line.set_ylim(0, 1.05)
    line.grid(False)
    line.set_ylabel(column_label("cumulative_share", lang))
    percent_axis(line)
    set_title(ax, title, lang)
    return ax


def plot_funnel(funnel: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax: Axes | None = None) -> Axes:
    """Buying-process funnel: deals reaching each stage, lost-here count beside each bar.

    Examples
    --------
    >>> table = pd.DataFrame({"stage": ["low_interest", "commitment"], "reached": [10, 4], "lost_here": [6, 0]})
    >>> from kamlib.plots import theme
    >>> theme("zh")
    >>> ax = plot_funnel(table, lang="zh")
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
    (['低兴趣', '承诺'], ['10（在此阶段战败6）', '4（在此阶段战败0）'])
    """
    ax = plot_bar(funnel, x="stage", y="reached", lang=lang, ax=ax, horizontal=True)
    for i, (reached, here) in enumerate(zip(funnel["reached"], funnel["lost_here"])):
        text = i18n.t("figure.reached_lost", lang, reached=format_count(reached, lang), lost=format_count(here, lang))
        ax.annotate(text, (reached, i), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9,
                    color="#444444")
    ax.set_xlim(0, funnel["reached"].max() * 1.35 if len(funnel) else 1)
    set_title(ax, title, lang)
    return ax


def plot_showroom_kpis(
    kpis: pd.DataFrame,
    *,
    ratios: Sequence[str] = ("close_rate", "record_rate", "test_drive_rate", "stay_rate"),
    lang: str = "en",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Monthly trend lines of showroom ratios (:func:`kamlib.winloss.showroom_kpis`), one line per ratio.

    Examples
    --------
    >>> kpis = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
    ...                      "close_rate": [0.1, 0.12], "record_rate": [0.5, 0.55]})
    >>> ax = plot_showroom_kpis(kpis, lang="en")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Close rate', 'Record rate']
    """
    present = [r for r in ratios if r in kpis.columns]
    long = kpis.melt(id_vars="month", value_vars=present, var_name="kpi", value_name="value")
    long["kpi"] = pd.Categorical([column_label(k, lang) for k in long["kpi"]], [column_label(k, lang) for k in present])
    ax = plot_line(long, x="month", y="value", hue="kpi", lang=lang, ax=ax)
    ax.legend(title=None, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_ylabel("")
    percent_axis(ax)
    set_title(ax, title, lang)
    return ax


def plot_performance_mix(mix: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax: Axes | None = None) -> Axes:
    """Share of reps per performance level next to the survey's share (``docs/win-loss.md#rep-performance``).

    Examples
    --------
    >>> mix = pd.DataFrame({"performance": ["high", "low"], "share": [0.4, 0.6], "survey_share": [0.3, 0.23]})
    >>> ax = plot_performance_mix(mix, lang="en")
    >>> len(ax.patches) >= 4
    True
    """
    long = mix.melt(id_vars="performance", value_vars=["share", "survey_share"], var_name="series", value_name="value")
    long["series"] = [column_label(s, lang) for s in long["series"]]
    ax = plot_bar(long, x="performance", y="value", hue="series", lang=lang, ax=ax)
    ax.legend(title=None)
    ax.set_ylabel("")
    percent_axis(ax)
    set_title(ax, title, lang)
    return ax


def plot_calibration(table: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Backtest calibration: observed against predicted win rate per band, and the diagonal.

    Examples
    --------
    >>> table = pd.DataFrame({"predicted": [0.2, 0.6], "observed": [0.25, 0.5], "deals": [10, 8]})
    >>> ax = plot_calibration(table, lang="en")
    >>> ax.get_xlabel()
    'Predicted'
    """
    i18n.check_lang(lang)
    ax = get_axes(ax, lang)
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1)
    ax.scatter(table["predicted"], table["observed"], s=20 + 3 * table["deals"].astype(float), color=PALETTE[0], **kwargs)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(column_label("predicted", lang))
    ax.set_ylabel(column_label("observed", lang))
    percent_axis(percent_axis(ax), "x")
    set_title(ax, title, lang)
    return ax
