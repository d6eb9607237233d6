"""The controls each analysis step gets when a notebook is explored: which keyword argument a
control sets, how it looks, and which notebook parameter it is saved as.

A control belongs to a function a notebook calls through :func:`kamlib.explore.show` or
:func:`kamlib.explore.value` (a section builder, or the function that selects a notebook's
data), named ``module.qualified name`` in :data:`CONTROLS`. Its initial value is the
argument the notebook passed; moving it calls the same function again with the new value.
Nothing here imports ipywidgets: :mod:`kamlib.explore.dashboard` builds the widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kamlib import i18n

__all__ = ["CONTROLS", "Control", "caption", "controls_of", "current_value", "with_value"]

#: ``[(label, value), …]`` of a choice, from the function's arguments and the language.
Choices = Callable[[tuple[Any, ...], Mapping[str, Any], str], list[tuple[str, Any]]]


@dataclass(frozen=True)
class Control:
    """One control of a function's keyword argument.

    Parameters
    ----------
    keyword : str
        The keyword argument it sets (``"cutoffs"``).
    label : str
        Label key of its caption (``"explore.a_cutoff"``).
    kind : {"slider", "choice", "text"}
        A slider of numbers from *low* to *high* by *step*, a drop-down list of
        *choices*, or a line of text (a date, a month).
    parameter : str or None
        The notebook parameter it is saved as in a batch file, None = not saved.
    part : int, str, tuple or None
        The element of the argument it sets: an index of a list (``cutoffs[0]``), a key
        of a mapping (``policy["visits_per_day"]``, ``grid[(1, 4)]``), None = the whole argument.
    low, high, step : float
        A slider's range and step.
    choices : callable, optional
        ``choices(args, kwargs, lang)`` -> ``[(label, value), …]`` of a drop-down list.
    default : object
        The value when the argument does not hold the part (a policy given as None).
    resolve : callable, optional
        ``resolve(argument)`` -> the mapping whose keys the parts are, from what the
        notebook may pass (a grid file or None -> ``{(X, Y): class}``); applied again to
        its own result, it must return it unchanged.
    saved_as : callable, optional
        ``saved_as(argument)`` -> the argument as the notebook parameter takes it in a
        batch file (``{(X, Y): class}`` -> ``{"cells": {4: [...], …}}``); None = as it is.
    label_values : tuple of (name, value) pairs
        Values of the placeholders of *label* (a value that is a label key is translated).

    Examples
    --------
    >>> a = Control("cutoffs", "explore.a_cutoff", "slider", "cutoffs", part=0, low=0.5, high=0.95)
    >>> current_value(a, {"cutoffs": [0.8, 0.95]}), with_value(a, {"cutoffs": [0.8, 0.95]}, 0.7)
    (0.8, {'cutoffs': [0.7, 0.95]})
    """

    keyword: str
    label: str
    kind: str
    parameter: str | None = None
    part: int | str | None = None
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    choices: Choices | None = None
    default: Any = None
    resolve: Callable[[Any], Any] | None = None
    saved_as: Callable[[Any], Any] | None = None
    label_values: tuple[tuple[str, Any], ...] = ()


def caption(control: Control, lang: str) -> str:
    """The caption of *control* in *lang*.

    Examples
    --------
    >>> caption(CONTROLS["kamlib.classify.sections.selection"][0], "en")
    'Weight: Purchase volume'
    """
    values = {k: i18n.t(v, lang) if isinstance(v, str) and i18n.has(v) else v for k, v in control.label_values}
    return i18n.t(control.label, lang, **values)


def current_value(control: Control, kwargs: Mapping[str, Any]) -> Any:
    """The value *control* starts at: its part of the argument in *kwargs* (or its default)."""
    value = kwargs.get(control.keyword)
    if control.resolve is not None:
        value = control.resolve(value)
    if control.part is None:
        return control.default if value is None else value
    if isinstance(control.part, int):
        return value[control.part] if isinstance(value, Sequence) and len(value) > control.part else control.default
    return value.get(control.part, control.default) if isinstance(value, Mapping) else control.default


def with_value(control: Control, kwargs: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """A copy of *kwargs* with *control*'s part of its argument set to *value*."""
    new = dict(kwargs)
    if control.part is None:
        new[control.keyword] = value
    elif isinstance(control.part, int):
        items = list(new.get(control.keyword) or [])
        items[control.part] = value
        new[control.keyword] = items
    else:
        now = new.get(control.keyword)
        now = control.resolve(now) if control.resolve is not None else now
        new[control.keyword] = {**(now or {}), control.part: value}
    return new


def _all(lang: str) -> tuple[str, None]:
    return (i18n.t("explore.all", lang), None)


def _column_values(ds: Any, column: str, tables: Sequence[str]) -> list[str]:
    for name in tables:
        if name in ds and column in ds.columns(name):
            return sorted(str(v) for v in ds.table(name)[column].dropna().unique())
    return []


def _regions(args: tuple[Any, ...], kwargs: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    values = _column_values(args[0], "region", ("accounts", "opportunities", "reps"))
    return [_all(lang), *((i18n.value_label("region", v, lang), v) for v in values)]


def _reps(args: tuple[Any, ...], kwargs: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    return [_all(lang), *((v, v) for v in _column_values(args[0], "rep_id", ("reps", "accounts", "opportunities")))]


def _group_columns(args: tuple[Any, ...], kwargs: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    from kamlib.winloss import group_columns

    columns = group_columns(args[0]) or [kwargs["by"]]
    return list(zip(i18n.header(columns, lang), columns, strict=True))


def _account_columns(args: tuple[Any, ...], kwargs: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    ds = args[0]
    found = [c for c in ("region", "sector", "city", "customer_type", "rep_id")
             if ("accounts" in ds and c in ds.columns("accounts")) or ("orders" in ds and c in ds.columns("orders"))]
    return list(zip(i18n.header(found, lang), found, strict=True))


def _fixed(*values: str) -> Choices:
    def choices(args: tuple[Any, ...], kwargs: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
        return list(zip(i18n.header(values, lang), values, strict=True))
    return choices


def _grid_cells(grid: Any) -> dict[tuple[int, int], str]:
    from kamlib.classify import grid_cells

    return grid_cells(grid)


def _grid_spec(cells: Any) -> dict[str, Any]:
    from kamlib.classify import grid_spec

    return grid_spec(_grid_cells(cells))


def _grid_classes(args: tuple[Any, ...], kwargs: Mapping[str, Any], lang: str) -> list[tuple[str, Any]]:
    from kamlib.classify import ABC_CLASSES

    found = set(_grid_cells(kwargs.get("grid")).values())
    return [(c, c) for c in [*ABC_CLASSES, *sorted(found - set(ABC_CLASSES))]]


def _weights(weights: Any) -> dict[str, float]:
    """Every criterion's weight (0 for one left out), scaled so that none is above 1 (the slider's end);
    the score is the same, as only the weights' ratios count."""
    from kamlib.classify import SELECTION_WEIGHTS

    given = dict(SELECTION_WEIGHTS) if weights is None else {**dict.fromkeys(SELECTION_WEIGHTS, 0.0), **weights}
    top = max([1.0, *(float(v) for v in given.values())])
    return {k: float(v) / top if top > 1 else v for k, v in given.items()}


#: The purchase-state grid's cells (X ≤ Y), top row (Y = 4) first, as its file lists them.
_CELLS = tuple((x, y) for y in range(4, -1, -1) for x in range(y + 1))
_GRID = tuple(Control("grid", "explore.grid_cell", "choice", "grid", part=cell, choices=_grid_classes,
                      resolve=_grid_cells, saved_as=_grid_spec, label_values=(("x", cell[0]), ("y", cell[1])))
              for cell in _CELLS)
_WEIGHTS = tuple(Control("weights", "explore.weight", "slider", "weights", part=criterion, low=0.0, high=1.0,
                         step=0.05, resolve=_weights, label_values=(("criterion", criterion),))
                 for criterion in ("volume", "concentration", "service_level", "price_sensitivity", "partnership"))
_SCOPE = (Control("region", "explore.region", "choice", "region", choices=_regions),
          Control("rep_id", "explore.rep", "choice", "rep_id", choices=_reps))

_CUTOFFS = (
    Control("cutoffs", "explore.a_cutoff", "slider", "cutoffs", part=0, low=0.5, high=0.95, step=0.01),
    Control("cutoffs", "explore.b_cutoff", "slider", "cutoffs", part=1, low=0.6, high=0.99, step=0.01),
)
_LEVEL = Control("level", "explore.confidence", "slider", "confidence", low=0.8, high=0.99, step=0.01)
_BY = Control("by", "explore.group_by", "choice", "group_by", choices=_group_columns)

#: The controls of each function, by ``module.qualified name``.
CONTROLS: dict[str, tuple[Control, ...]] = {
    "kamlib.overview.sections.revenue_by_group": (
        Control("by", "explore.group_by", "choice", None, choices=_account_columns),),
    "kamlib.environment.sections.bcg": (
        Control("by", "explore.bcg_by", "choice", "bcg_by", choices=_fixed("segment", "region")),
        Control("share_split", "explore.share_split", "slider", "share_split", low=0.1, high=3.0, step=0.1),
        Control("growth_split", "explore.growth_split", "slider", "growth_split", low=-0.1, high=0.5, step=0.01),
    ),
    "kamlib.environment.sections.risk": (
        Control("impact_split", "explore.impact_split", "slider", "impact_split", low=1.0, high=5.0, step=0.5),
        Control("probability_split", "explore.probability_split", "slider", "probability_split",
                low=0.05, high=0.95, step=0.05),
    ),
    "kamlib.classify.scope.scope": _SCOPE,
    "kamlib.classify.sections.pareto": _CUTOFFS,
    "kamlib.classify.sections.xy_grid": _GRID,
    "kamlib.classify.sections.selection": _WEIGHTS,
    "kamlib.classify.sections.profit": _CUTOFFS,
    "kamlib.visits.sections.month_plan": (
        Control("month", "explore.month", "text", "month"),
        Control("rep_id", "explore.rep", "choice", "rep_id", choices=_reps),
        Control("policy", "explore.hot", "slider", "policy", part="hot", low=1, high=8, step=1, default=4),
        Control("policy", "explore.max_cities", "slider", "policy", part="max_cities", low=1, high=5, step=1,
                default=2),
    ),
    "kamlib.winloss.analysis.load_opportunities": (
        Control("start", "explore.period_start", "text", "period_start"),
        Control("end", "explore.period_end", "text", "period_end"),
        Control("region", "explore.region", "choice", "region", choices=_regions),
        Control("rep_id", "explore.rep", "choice", "rep_id", choices=_reps),
    ),
    "kamlib.winloss.sections.win_rates": (_BY, _LEVEL),
    "kamlib.winloss.sections.win_rates_by_source": (_BY, _LEVEL),
    "kamlib.winloss.sections.loss_reasons": (_BY,),
    "kamlib.winloss.sections.rep_performance": (_LEVEL,),
}


def controls_of(function: Callable[..., Any]) -> tuple[Control, ...]:
    """The controls of *function* (none when it has no rule to move).

    Examples
    --------
    >>> import kamlib.classify.sections
    >>> [c.label for c in controls_of(kamlib.classify.sections.pareto)]
    ['explore.a_cutoff', 'explore.b_cutoff']
    >>> controls_of(len)
    ()
    """
    return CONTROLS.get(f"{function.__module__}.{function.__qualname__}", ())
