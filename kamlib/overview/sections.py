"""Sections of the data overview notebook, built as :class:`kamlib.sections.Section` values.

Each function computes one section with :mod:`kamlib.overview.analysis`, reads it
with :mod:`kamlib.overview.readings` and names the chart that shows it; nothing is
drawn, shown or written here (:meth:`kamlib.sections.Page.show` does that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kamlib import i18n, plots
from kamlib.overview.analysis import needs, revenue_by, revenue_by_month, table_overview
from kamlib.overview.readings import findings
from kamlib.sections import Figure, Section, Table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from kamlib.data import Dataset

__all__ = ["revenue_by_group", "revenue_per_month", "tables", "what_this_means"]

_TABLE_VALUES = {"table": "table", "date_column": None}


def tables(ds: Dataset, *, lang: str = "en") -> Section:
    """The tables of the dataset: rows, columns and date range of each, and where the data came from.

    Examples
    --------
    >>> import kamlib.data
    >>> section = tables(kamlib.data.load())
    >>> list(section.saved), "orders" in section.results["tables"]["table"].tolist()
    (['tables'], True)
    """
    overview = table_overview(ds)
    source = i18n.t("text.data_source", lang, source=i18n.value_label("source", ds.source, lang))
    return Section(
        "title.tables",
        items=[source, Table(overview, _TABLE_VALUES)],
        saved={"tables": Table(overview, _TABLE_VALUES)},
        results={"tables": overview},
    )


def revenue_by_group(ds: Dataset, *, by: str = "region") -> Section:
    """Revenue, orders and share per value of *by* (a column of orders or accounts), as a table and bars.

    Returns :meth:`Section.lacking <kamlib.sections.Section.lacking>` when the data has
    no orders or no such column.

    Examples
    --------
    >>> import kamlib.data
    >>> section = revenue_by_group(kamlib.data.load())
    >>> list(section.saved), section.items[-1].draw.__name__
    (['revenue_by_region'], 'plot_bar')
    """
    title = f"title.revenue_by_{by}" if i18n.has(f"title.revenue_by_{by}") else "title.revenue_by_region"
    gap = needs(ds, by=by)
    if gap:
        return Section.lacking(title, gap)
    groups = revenue_by(ds, by=by)
    values = {by: by}
    bars = Figure(plots.plot_bar, (groups.dropna(subset=[by]),), {"x": by, "y": "revenue"}, money="y")
    return Section(title, items=[Table(groups, values), bars], saved={f"revenue_by_{by}": Table(groups, values)},
                   results={"groups": groups, "by": by})


def revenue_per_month(ds: Dataset) -> Section:
    """Revenue and orders per calendar month, as a line.

    Examples
    --------
    >>> import kamlib.data
    >>> section = revenue_per_month(kamlib.data.load())
    >>> list(section.saved), list(section.results["monthly"].columns)
    (['revenue_by_month'], ['month', 'revenue', 'orders'])
    """
    monthly = revenue_by_month(ds)
    line = Figure(plots.plot_line, (monthly,), {"x": "month", "y": "revenue"}, money="y")
    return Section("title.revenue_by_month", items=[line], saved={"revenue_by_month": Table(monthly)},
                   results={"monthly": monthly})


def what_this_means(groups: Section, monthly: Section, *, by: str | None = None, lang: str = "en") -> Section:
    """The closing "what this means", read from the sections :func:`revenue_by_group` and
    :func:`revenue_per_month` built (a lacking group section leaves its sentences out).

    *by* names the grouping the sentences speak of; None = the one *groups* was built with.

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> section = what_this_means(revenue_by_group(ds), revenue_per_month(ds))
    >>> section.items[0].startswith("- Total revenue")
    True
    """
    table: pd.DataFrame | None = groups.results.get("groups")
    text = findings(table, monthly.results["monthly"], by=by or groups.results.get("by", "region"), lang=lang)
    return Section("title.what_this_means", items=[text])
