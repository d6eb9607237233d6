"""Charts of the visit plan, same conventions as :mod:`kamlib.plots`.

Each function draws a table of :mod:`kamlib.visits` only on *ax* (a new figure when
None), labels through :mod:`kamlib.i18n` and returns the Axes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.plots import (
    check_columns,
    column_label,
    get_axes,
    heat_cells,
    plot_bar,
    set_title,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_required_vs_planned", "plot_visit_heatmap", "visits_per_day"]


def visits_per_day(visits: pd.DataFrame, month: object, working: list | None = None) -> pd.DataFrame:
    """Visits per rep (rows) and day of *month* (columns 1…31): what :func:`plot_visit_heatmap` draws.

    Days that are no working day (*working* lists the working days; None = all) are NaN.

    Examples
    --------
    >>> plan = pd.DataFrame({"rep_id": ["R1", "R1", "R2"], "visit_date": pd.to_datetime(["2026-01-05"] * 2 + ["2026-01-06"])})
    >>> grid = visits_per_day(plan, "2026-01")
    >>> grid.shape, int(grid.loc["R1", 5]), int(grid.loc["R2", 6]), int(grid.loc["R2", 5])
    ((2, 31), 2, 1, 0)
    """
    check_columns("visits_per_day", visits, rep_id="rep_id", visit_date="visit_date")
    start = pd.Timestamp(month).to_period("M").start_time
    days = range(1, start.days_in_month + 1)
    counts = visits.groupby([visits["rep_id"].astype(str), pd.to_datetime(visits["visit_date"]).dt.day]).size()
    grid = counts.unstack(fill_value=0).reindex(columns=list(days), fill_value=0).astype(float)
    grid.index.name, grid.columns.name = "rep_id", "day"
    if working is not None:
        off = [d for d in days if (start + pd.Timedelta(days=d - 1)).date() not in {pd.Timestamp(w).date() for w in working}]
        grid[off] = np.nan
    return grid


def plot_visit_heatmap(grid: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                       ax: Axes | None = None) -> Axes:
    """Calendar heat map of :func:`visits_per_day`: one row per rep, one column per day, visits written in.

    Days off are grey and blank. Rows are labelled with the grid's index: rep IDs, or rep
    names when the index is named ``rep_name``.

    Examples
    --------
    >>> from kamlib.plots import theme
    >>> theme("zh")
    >>> grid = pd.DataFrame([[2.0, np.nan], [0.0, np.nan]], index=pd.Index(["R1", "R2"], name="rep_id"), columns=[1, 2])
    >>> ax = plot_visit_heatmap(grid, lang="zh")
    >>> ax.get_xlabel(), [t.get_text() for t in ax.texts]  # days off and days without visits get no text
    ('日', ['2'])
    """
    i18n.check_lang(lang)
    ax = get_axes(ax, lang)
    ax.set_facecolor("#E6E6E6")  # days off show the background
    labels = grid.apply(lambda column: column.map(lambda v: "" if pd.isna(v) or v == 0 else f"{int(v)}"))
    heat_cells(ax, grid, labels, fontsize=8)
    ax.set_xlabel(i18n.t("vpl.day", lang))
    ax.set_ylabel(column_label(grid.index.name or "rep_id", lang))  # rep IDs, or names (index "rep_name")
    ax.tick_params(axis="both", labelsize=8)
    ax.tick_params(axis="x", labelrotation=0)
    set_title(ax, title, lang)
    return ax


def plot_required_vs_planned(coverage: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                             ax: Axes | None = None) -> Axes:
    """Mandatory visits required and planned per class (:meth:`MonthPlan.coverage`), as paired bars.

    Examples
    --------
    >>> from kamlib.plots import theme
    >>> theme("zh")
    >>> cov = pd.DataFrame({"class": ["A", "B"], "mandatory_required": [10, 5], "mandatory_planned": [9, 5]})
    >>> ax = plot_required_vs_planned(cov, lang="zh")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['必访应访次数', '必访已排次数']
    """
    check_columns("plot_required_vs_planned", coverage, x="class", required="mandatory_required",
                  planned="mandatory_planned")
    long = coverage.melt(id_vars="class", value_vars=["mandatory_required", "mandatory_planned"],
                         var_name="vpl_series", value_name="visits")
    long["vpl_series"] = i18n.header(list(long["vpl_series"]), lang)
    ax = plot_bar(long, x="class", y="visits", hue="vpl_series", lang=lang, title=title, ax=ax)
    import seaborn as sns

    sns.move_legend(ax, "upper left", bbox_to_anchor=(1, 1), title=None)
    return ax
