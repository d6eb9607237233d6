"""Explore an analysis notebook: the same notebook, with controls when a person runs it.

Every analysis notebook has an ``interactive`` parameter (default False; ``kam report``
never turns it on). Its page comes from :func:`page`, and a section whose rule can move is
shown through :func:`show`::

    page = kam.explore.page(lang=lang, output_dir=output_dir, interactive=interactive,
                            notebook="02_customer_classification")
    abc = kam.explore.show(page, kam.classify.sections.pareto, orders, cutoffs=cutoffs, lang=lang)

In a batch run :func:`page` is a plain :class:`kamlib.sections.Page` and :func:`show` is
``build(*args, **kwargs)`` then ``page.show(section)``: the report is exactly what it was,
and ipywidgets is never imported. With ``interactive=True`` the page is a
:class:`kamlib.explore.dashboard.Dashboard`: each section gets the controls of its rule
(:data:`kamlib.explore.controls.CONTROLS`) and is redrawn in place, by calling the same
function again, when one moves. :func:`value` does the same for a value later sections are
computed from (the deals of a period, region and rep), :func:`result` for a table a
section computed. ``kam explore`` serves the notebooks as dashboards
(:mod:`kamlib.explore.serve`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kamlib.sections import Page, Section

__all__ = ["page", "result", "section_result", "show", "unpack", "value"]


def page(*, lang: str = "en", output_dir: str | Path = ".", interactive: bool = False,
         notebook: str | None = None) -> Page:
    """The notebook's page: a :class:`~kamlib.sections.Page`, or with *interactive* a dashboard.

    *notebook* names the notebook in the batch-file fragment the dashboard's "use these
    settings in the monthly report" button writes.

    Examples
    --------
    >>> type(page(lang="zh")).__name__, type(page(interactive=True, notebook="02")).__name__
    ('Page', 'Dashboard')
    """
    if not interactive:
        return Page(lang=lang, output_dir=output_dir)
    from kamlib.explore.dashboard import Dashboard

    return Dashboard(lang=lang, output_dir=output_dir, notebook=notebook)


def _interactive(shown_on: Page) -> bool:
    return bool(getattr(shown_on, "interactive", False))


def show(shown_on: Page, build: Callable[..., Section], /, *args: Any, **kwargs: Any) -> Section:
    """Show the section ``build(*args, **kwargs)`` on *shown_on* and return it.

    On a dashboard the section has the controls of *build*'s rule and follows the
    values (:func:`value`) and sections it was given.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> import kamlib.classify.sections
    >>> shown = []
    >>> orders = pd.DataFrame({"account_id": ["a", "b"], "revenue": [3.0, 1.0]})
    >>> plain = Page(output_dir=tempfile.mkdtemp(), display=shown.append)
    >>> show(plain, kamlib.classify.sections.pareto, orders, cutoffs=[0.8, 0.95]).title, len(shown) > 1
    ('title.cc_pareto', True)
    """
    if _interactive(shown_on):
        return shown_on.section(build, args, kwargs)  # type: ignore[attr-defined]
    section = build(*args, **kwargs)
    shown_on.show(section)
    return section


def value(shown_on: Page, compute: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``compute(*args, **kwargs)``; on a dashboard with the controls of its rule, and followed by
    the sections given it.

    Examples
    --------
    >>> value(Page(), max, 3, 5)
    5
    """
    if _interactive(shown_on):
        return shown_on.value(compute, args, kwargs)  # type: ignore[attr-defined]
    return compute(*args, **kwargs)


def section_result(section: Section | Mapping[str, Any], name: str) -> Any:
    """The table *name* a section computed for later sections, or of a mapping of tables (None when
    it has none).

    Examples
    --------
    >>> section_result(Section(results={"plan": 1}), "plan"), section_result(Section(), "plan")
    (1, None)
    >>> section_result({"orders": 2}, "orders")
    2
    """
    return (section if isinstance(section, Mapping) else section.results).get(name)


def result(shown_on: Page, section: Section, name: str) -> Any:
    """``section.results.get(name)``; on a dashboard later sections given it follow the section.

    Examples
    --------
    >>> result(Page(), Section(results={"plan": 1}), "plan")
    1
    """
    return value(shown_on, section_result, section, name)


def unpack(shown_on: Page, tables: Mapping[str, Any]) -> list[Any]:
    """The values of *tables* (``list(tables.values())``); on a dashboard each is a :func:`result`, so
    the sections given one follow the step that made *tables* (the scope's region and rep)::

        tables = kam.explore.value(page, kam.classify.scope, ds, region=region, rep_id=rep_id)
        accounts, orders, products, visits, leads, opportunities = kam.explore.unpack(page, tables)

    Examples
    --------
    >>> unpack(Page(), {"accounts": 1, "orders": 2})
    [1, 2]
    """
    return [result(shown_on, tables, name) for name in tables]
