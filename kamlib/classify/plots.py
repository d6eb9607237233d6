"""Charts of the customer classification, same conventions as :mod:`kamlib.plots`.

Each function draws a table returned by :mod:`kamlib.classify` (or :mod:`kamlib.churn`)
only on *ax* (a new figure when None), labels through :mod:`kamlib.i18n` and returns
the Axes. Nothing here computes an analysis; tables are only reshaped for drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.classify.grades import VIP_CLASS
from kamlib.classify.readings import profit_peak
from kamlib.plots import (
    PALETTE,
    check_columns,
    column_label,
    get_axes,
    money_axis,
    percent_axis,
    set_title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CLASS_COLOURS", "plot_pareto_curve", "plot_portfolio", "plot_selection",
           "plot_stages", "plot_whale_curve", "plot_xy_grid"]

#: One colour per class / quadrant / segment code, shared by every chart.
CLASS_COLOURS = {VIP_CLASS: PALETTE[3], "A": PALETTE[0], "B": PALETTE[1], "C": "#9E9E9E",
                 "invest": PALETTE[2], "selective": PALETTE[1], "maintain": PALETTE[0], "harvest": "#9E9E9E",
                 "most_profitable": PALETTE[2], "second_profitable": PALETTE[0], "not_profitable": "#9E9E9E",
                 "loss_making": PALETTE[3]}


def _finish(ax: Axes, title: str | None, lang: str, x: str, y: str) -> Axes:
    ax.set_xlabel(column_label(x, lang))
    ax.set_ylabel(column_label(y, lang))
    set_title(ax, title, lang)
    return ax


def plot_pareto_curve(pareto: pd.DataFrame, *, top: float = 0.2, lang: str = "en", title: str | None = None,
                      ax: Axes | None = None) -> Axes:
    """Pareto (Lorenz) curve of :func:`kamlib.classify.pareto_abc`, coloured by class, top-k % point marked.

    Examples
    --------
    >>> from kamlib.classify import pareto_abc
    >>> p = pareto_abc(pd.DataFrame({"account_id": list("abcde"), "revenue": [60.0, 20, 10, 5, 5]}))
    >>> ax = plot_pareto_curve(p, lang="en")
    >>> ax.get_xlabel(), len(ax.lines) >= 2
    ('Share of accounts', True)
    """
    i18n.check_lang(lang)
    check_columns("plot_pareto_curve", pareto, x="cumulative_accounts", y="cumulative_share")
    ax = get_axes(ax, lang)
    x = np.r_[0.0, pareto["cumulative_accounts"].to_numpy()]
    y = np.r_[0.0, pareto["cumulative_share"].to_numpy()]
    ax.plot(x, y, color="#555555", linewidth=1.5)
    for cls in pareto["abc_class"].cat.categories:
        rows = np.flatnonzero((pareto["abc_class"] == cls).to_numpy())
        if len(rows):
            span = np.r_[rows[0], rows + 1]
            ax.fill_between(x[span], 0, y[span], color=CLASS_COLOURS.get(cls, PALETTE[4]), alpha=0.35,
                            label=i18n.value_label("abc_class", cls, lang), linewidth=0)
    ax.plot([0, 1], [0, 1], color="#BBBBBB", linestyle=":", linewidth=1)
    n = max(1, int(np.ceil(top * len(pareto) - 1e-9)))
    px, py = pareto["cumulative_accounts"].iloc[n - 1], pareto["cumulative_share"].iloc[n - 1]
    ax.plot([px, px, 0], [0, py, py], color=PALETTE[3], linestyle="--", linewidth=1)
    ax.annotate(f"{px:.0%} → {py:.0%}", (px, py), xytext=(8, -14), textcoords="offset points", color=PALETTE[3])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    percent_axis(percent_axis(ax), "x")
    ax.legend(loc="lower right")
    return _finish(ax, title, lang, "share_of_accounts", "cumulative_share")


def plot_xy_grid(graded: pd.DataFrame, grid: Mapping[tuple[int, int], str], *, lang: str = "en",
                 title: str | None = None, ax: Axes | None = None) -> Axes:
    """Purchase-state grid as a heat map: each cell coloured by its class, with its class and count.

    Cells with X > Y show the number of data errors on grey. VIP accounts (``xy_class``
    VIP) are their own class: they are counted in a box beside the grid, not in their cells.

    Examples
    --------
    >>> from kamlib.classify import DEFAULT_GRID, xy_grade
    >>> g = xy_grade(pd.DataFrame({"account_id": ["a", "b", "c"], "purchase_level": [1, 3, 0],
    ...                            "capacity_level": [4, 1, 0], "vip": [False, False, True]}))
    >>> ax = plot_xy_grid(g, DEFAULT_GRID, lang="en")
    >>> sorted(t.get_text() for t in ax.texts if "\\n" in t.get_text())[:2], ax.texts[-1].get_text()
    (['A\\n0', 'A\\n0'], 'VIP\\n1')
    """
    from matplotlib.colors import to_rgb

    i18n.check_lang(lang)
    check_columns("plot_xy_grid", graded, x="purchase_level", y="capacity_level")
    ax = get_axes(ax, lang)
    vip = (graded["xy_class"].astype("string").eq(VIP_CLASS).fillna(False).to_numpy(dtype=bool)
           if "xy_class" in graded.columns else np.zeros(len(graded), dtype=bool))
    known = graded[~vip].dropna(subset=["purchase_level", "capacity_level"])
    counts = pd.crosstab(known["capacity_level"].astype(int), known["purchase_level"].astype(int))
    image = np.ones((5, 5, 3))
    for y in range(5):
        for x in range(5):
            n = int(counts.at[y, x]) if y in counts.index and x in counts.columns else 0
            cls = grid.get((x, y))
            colour = to_rgb(CLASS_COLOURS.get(cls, PALETTE[4])) if cls else (0.93, 0.93, 0.93)
            image[y, x] = np.asarray(colour) * 0.45 + 0.55 if cls else colour
            text = f"{i18n.value_label('abc_class', cls, lang)}\n{n:,}" if cls else (f"✗ {n:,}" if n else "")
            ax.text(x, y, text, ha="center", va="center", fontsize=11, color=PALETTE[3] if not cls else "#222222",
                    fontweight="bold" if cls else "normal")
    ax.imshow(image, origin="lower", aspect="auto")
    ax.set_xticks(range(5), range(5))
    ax.set_yticks(range(5), range(5))
    ax.grid(False)
    if vip.any():
        ax.text(1.04, 0.5, f"{i18n.value_label('abc_class', VIP_CLASS, lang)}\n{int(vip.sum()):,}",
                transform=ax.transAxes, ha="left", va="center", multialignment="center", fontsize=11,
                fontweight="bold", color="#222222",
                bbox={"boxstyle": "round,pad=0.6", "facecolor": CLASS_COLOURS[VIP_CLASS], "alpha": 0.55,
                      "edgecolor": "none"})
    return _finish(ax, title, lang, "purchase_level", "capacity_level")


def plot_portfolio(port: pd.DataFrame, *, lang: str = "en", title: str | None = None, ax: Axes | None = None) -> Axes:
    """Potential × capability scatter of :func:`kamlib.classify.portfolio`, quadrants coloured, splits drawn.

    Examples
    --------
    >>> from kamlib.classify import portfolio
    >>> p = portfolio(pd.DataFrame({"account_id": list("abcd"), "potential": [90.0, 80, 10, 20],
    ...                             "capability": [70.0, 10, 80, 20]}), split=50)
    >>> ax = plot_portfolio(p, lang="en")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Invest', 'Selective investment', 'Maintain', 'Harvest']
    """
    i18n.check_lang(lang)
    check_columns("plot_portfolio", port, x="potential", y="capability", hue="portfolio")
    ax = get_axes(ax, lang)
    for quadrant in port["portfolio"].cat.categories:
        rows = port[port["portfolio"] == quadrant]
        ax.scatter(rows["capability"], rows["potential"], s=22, alpha=0.8, color=CLASS_COLOURS[quadrant],
                   label=i18n.value_label("portfolio", quadrant, lang))
    p_cut, c_cut = port.attrs.get("split", (port["potential"].median(), port["capability"].median()))
    ax.axhline(p_cut, color="#888888", linestyle="--", linewidth=1)
    ax.axvline(c_cut, color="#888888", linestyle="--", linewidth=1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _finish(ax, title, lang, "capability", "potential")


def plot_whale_curve(whale: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                     ax: Axes | None = None) -> Axes:
    """Whale curve of :func:`kamlib.classify.profit_segments`: cumulative profit share, 100 % line, peak marked.

    Examples
    --------
    >>> from kamlib.classify import profit_segments
    >>> w = profit_segments(pd.DataFrame({"account_id": list("abc"), "profit": [8.0, 4.0, -2.0]}))
    >>> ax = plot_whale_curve(w, lang="en")
    >>> ax.get_ylabel(), [t.get_text() for t in ax.texts]
    ('Cumulative profit share', ['120.0%'])
    """
    i18n.check_lang(lang)
    check_columns("plot_whale_curve", whale, x="cumulative_accounts", y="cumulative_profit_share")
    ax = get_axes(ax, lang)
    x = np.r_[0.0, whale["cumulative_accounts"].to_numpy()]
    y = np.r_[0.0, whale["cumulative_profit_share"].to_numpy()]
    for segment in whale["profit_segment"].cat.categories:
        rows = np.flatnonzero((whale["profit_segment"] == segment).to_numpy())
        if len(rows):
            span = np.r_[rows[0], rows + 1]
            ax.plot(x[span], y[span], color=CLASS_COLOURS[segment], linewidth=2.5,
                    label=i18n.value_label("profit_segment", segment, lang))
    peak, shown = profit_peak(whale, lang)  # the sentence's figure (y[0] is the origin: x[peak] is the peak)
    ax.axhline(1.0, color="#888888", linestyle="--", linewidth=1)
    ax.annotate(shown, (x[peak], y[peak]), xytext=(0, 8), textcoords="offset points", ha="center")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(1.05, y.max() * 1.08))
    percent_axis(percent_axis(ax), "x")
    ax.legend(loc="lower right")
    return _finish(ax, title, lang, "share_of_accounts", "cumulative_profit_share")


def plot_selection(scores: pd.DataFrame, *, top: int = 15, lang: str = "en", title: str | None = None,
                   ax: Axes | None = None) -> Axes:
    """Top accounts of :func:`kamlib.classify.selection_score` as stacked bars of weighted criterion points.

    Examples
    --------
    >>> from kamlib.classify import selection_score
    >>> s = selection_score(pd.DataFrame({"account_id": ["a", "b"], "volume": [2.0, 1.0], "concentration": [1.0, 2.0]}),
    ...                     weights={"volume": 1, "concentration": 1})
    >>> ax = plot_selection(s, lang="en")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Purchase volume', 'Purchase concentration']
    """
    i18n.check_lang(lang)
    check_columns("plot_selection", scores, x="account_id", y="ka_score")
    ax = get_axes(ax, lang)
    shown = scores.head(top).iloc[::-1]
    labels = shown["account_name"] if "account_name" in shown else shown["account_id"]
    left = np.zeros(len(shown))
    for i, (criterion, weight) in enumerate(scores.attrs.get("weights", {}).items()):
        points = 100 * weight * shown[f"{criterion}_score"].to_numpy()
        ax.barh(range(len(shown)), points, left=left, color=PALETTE[i], label=i18n.t(criterion, lang))
        left += points
    ax.set_yticks(range(len(shown)), labels.astype(str).tolist())
    ax.set_xlim(0, 100)
    ax.yaxis.grid(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _finish(ax, title, lang, "ka_score", "account_id" if "account_name" not in shown else "account_name")


def plot_stages(distribution: pd.DataFrame, *, by: str, lang: str = "en", title: str | None = None,
                ax: Axes | None = None) -> Axes:
    """Share of accounts per relationship stage in each group, as 100 % stacked horizontal bars.

    Examples
    --------
    >>> from kamlib.classify import STAGES, stage_distribution
    >>> s = pd.DataFrame({"region": ["east", "east", "west"],
    ...                   "relationship_stage": pd.Categorical(["mid", "pre", "mid"], categories=STAGES)})
    >>> ax = plot_stages(stage_distribution(s, by="region"), by="region", lang="en")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['West', 'East']
    """
    i18n.check_lang(lang)
    check_columns("plot_stages", distribution, x=by, y="share", hue="relationship_stage")
    wide = distribution.pivot_table(index=by, columns="relationship_stage", values="share", observed=False,
                                    aggfunc="sum", fill_value=0.0)
    ax = get_axes(ax, lang, rows=len(wide))
    groups = list(wide.index)[::-1]
    left = np.zeros(len(groups))
    colours = ["#C9D8EC", "#97B5DD", "#6690C9", PALETTE[0], "#1F3F73", PALETTE[3]]
    for stage, colour in zip(wide.columns, colours):
        values = wide.loc[groups, stage].to_numpy(dtype=float)
        ax.barh(range(len(groups)), values, left=left, color=colour,
                label=i18n.value_label("relationship_stage", stage, lang))
        left += values
    ax.set_yticks(range(len(groups)), [i18n.value_label(by, g, lang) for g in groups])
    ax.set_xlim(0, 1)
    ax.yaxis.grid(False)
    percent_axis(ax, "x")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _finish(ax, title, lang, "share", by)


def plot_headroom(space: pd.DataFrame, *, top: int = 15, lang: str = "en", title: str | None = None,
                  ax: Axes | None = None) -> Axes:
    """Current purchase and headroom of the accounts with most white space (stacked bars, money axis).

    Examples
    --------
    >>> space = pd.DataFrame({"account_id": ["a", "b"], "current": [3.0, 45.0], "headroom": [70.0, 5.0]})
    >>> ax = plot_headroom(space, lang="en")
    >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_xlabel()
    (['Current purchase', 'Headroom'], 'Potential (value)')
    """
    i18n.check_lang(lang)
    check_columns("plot_headroom", space, x="account_id", y="headroom")
    ax = get_axes(ax, lang)
    shown = space.head(top).iloc[::-1]
    labels = shown["account_name"] if "account_name" in shown else shown["account_id"]
    ax.barh(range(len(shown)), shown["current"], color=PALETTE[0], label=column_label("current", lang))
    ax.barh(range(len(shown)), shown["headroom"], left=shown["current"], color=PALETTE[1], alpha=0.6,
            label=column_label("headroom", lang))
    ax.set_yticks(range(len(shown)), labels.astype(str).tolist())
    ax.yaxis.grid(False)
    money_axis(ax, "x", lang=lang)
    ax.legend(loc="lower right")
    return _finish(ax, title, lang, "potential_value", "account_id" if "account_name" not in shown else "account_name")
