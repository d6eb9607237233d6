"""The page of a notebook run with ``interactive=True``: each step the notebook hands to
:func:`kamlib.explore.show` or :func:`kamlib.explore.value` gets the controls of its rule,
and moving one calls the same function again with the new value and redraws, in place, the
section and every section computed from it, or given the same notebook value the control
sets (the plan's month). The closing "what this means" is collected again after each redraw.

Redraws wait until the controls have been still for :attr:`Dashboard.delay` seconds (the
last change wins); a section shown stays until its new outputs are ready and then is
replaced at once, the section whose control moved first, then those computed from it. Results are cached per setting, so going back to a value is instant and
a section that does not depend on a moved control is never computed again (the loaded
dataset). A button writes every control's value as a batch-file
fragment (:meth:`Dashboard.save_settings`) for the monthly report.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import html
import io
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import yaml

from kamlib import i18n
from kamlib.explore.controls import (
    Control,
    caption,
    controls_of,
    current_value,
    with_value,
)
from kamlib.sections import Page, Section

__all__ = ["ALL", "CACHE_SIZE", "DELAY", "SETTINGS_FILE", "AllChoice", "Dashboard", "Step"]



class AllChoice:
    """The drop-down value of the choice None ("all regions", "all reps").

    A Dropdown whose value is None shows no choice at all, so inside the widget this
    stands for None, which the function called is given.

    Examples
    --------
    >>> ALL
    ALL
    """

    def __repr__(self) -> str:
        return "ALL"


#: The one :class:`AllChoice`.
ALL = AllChoice()

#: Results kept per step (one per setting tried).
CACHE_SIZE = 32
#: Seconds the controls must be still before a redraw.
DELAY = 0.3
#: The batch-file fragment the "use these settings" button writes into the output folder.
SETTINGS_FILE = "report-settings.yml"
#: Parameters shown as "on the server" on an explored page (a path never goes into the page).
SERVER_SIDE = ("data", "output_dir")


@dataclass(eq=False)
class Step:
    """One call of the notebook the dashboard can make again: ``compute(*args, **kwargs)``.

    *links* maps an argument (position or keyword) to the step whose result it is;
    *controls* pairs each :class:`~kamlib.explore.controls.Control` with its widget;
    *output* is the widget a section is shown in (None for a value); *follows* maps a
    keyword argument to the control of an earlier step that sets the same notebook
    parameter (the plan's month for the follow-ups): ``{keyword: (step, control, widget)}``.
    """

    compute: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    links: dict[int | str, Step]
    controls: list[tuple[Control, Any]]
    result: Any = None
    output: Any = None
    error: Any = None
    cache: OrderedDict[Any, tuple[Any, tuple[dict[str, Any], ...]]] = field(default_factory=OrderedDict)
    follows: dict[str, tuple[Step, Control, Any]] = field(default_factory=dict)

    def call_kwargs(self) -> dict[str, Any]:
        """The keyword arguments with every control's value and every linked step's result."""
        kwargs = dict(self.kwargs)
        for control, widget in self.controls:
            kwargs = with_value(control, kwargs, _value(control, widget))
        kwargs.update({k: _value(control, widget) for k, (_, control, widget) in self.follows.items()})
        kwargs.update({k: s.result for k, s in self.links.items() if isinstance(k, str)})
        return kwargs

    def call_args(self) -> tuple[Any, ...]:
        """The positional arguments, linked ones replaced by their step's current result."""
        return tuple(self.links[i].result if i in self.links else a for i, a in enumerate(self.args))

    def key(self) -> tuple[Any, ...]:
        """What the result depends on: the controls' values and the linked steps' keys."""
        return (tuple(_hashable(_value(c, w)) for c, w in self.controls),
                tuple(s.key() for s in self.links.values()),
                tuple(_hashable(_value(c, w)) for _, c, w in self.follows.values()))

    def sources(self) -> list[Step]:
        """The steps this one follows: those whose results it was given, those whose controls it takes."""
        return [*self.links.values(), *(s for s, _, _ in self.follows.values())]


class Dashboard(Page):
    """A :class:`~kamlib.sections.Page` whose sections have controls (see the module docstring).

    Parameters
    ----------
    lang, output_dir, display
        As for :class:`~kamlib.sections.Page`.
    notebook : str, optional
        The notebook's name, for the batch-file fragment.
    delay : float
        Seconds the controls must be still before a redraw (0 = redraw at once).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> import kamlib.classify.sections
    >>> orders = pd.DataFrame({"account_id": list("abcde"), "revenue": [50.0, 30.0, 10.0, 6.0, 4.0]})
    >>> page = Dashboard(lang="en", output_dir=tempfile.mkdtemp(), display=lambda shown: None, delay=0)
    >>> section = page.section(kamlib.classify.sections.pareto, (orders,), {"cutoffs": [0.8, 0.95], "lang": "en"})
    >>> step = page.steps[0]
    >>> step.result.results["abc"]["abc_class"].value_counts()["A"]
    np.int64(2)
    >>> step.controls[0][1].value = 0.5
    >>> step.result.results["abc"]["abc_class"].value_counts()["A"]
    np.int64(1)
    """

    interactive = True

    def __init__(self, *, lang: str = "en", output_dir: str | Path = ".", notebook: str | None = None,
                 delay: float = DELAY, display: Callable[[Any], Any] | None = None) -> None:
        super().__init__(lang=lang, output_dir=output_dir, display=display)
        self.notebook = notebook
        self.delay = delay
        self.steps: list[Step] = []
        self.seconds: float = 0.0
        self.first_seconds: float = 0.0
        self.settings_note = widgets.HTML()
        self.closing: Any = None
        self._nothing = "text.nothing_to_read"
        self._shown: list[Step | Section] = []
        self._made: dict[int, tuple[Any, Step]] = {}
        self._pending: set[Step] = set()
        self._timer: asyncio.TimerHandle | None = None

    def start(self, title: str, intro: str, parameters: Mapping[str, Any]) -> None:
        """As :meth:`Page.start <kamlib.sections.Page.start>`, the data and output paths shown as "on the server"."""
        server = i18n.t("explore.on_server", self.lang)
        shown = {k: server if k in SERVER_SIDE and v is not None else v for k, v in parameters.items()}
        super().start(title, intro, shown)

    def value(self, compute: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
        """``compute(*args, **kwargs)``, with its controls shown; later steps given the result follow them."""
        step = self._step(compute, args, kwargs)
        if step.controls:
            self._show(self._panel(step))
        return step.result

    def section(self, build: Callable[..., Section], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Section:
        """The section ``build(*args, **kwargs)``, shown with its controls in a widget that redraws in place."""
        step = self._step(build, args, kwargs)
        if not step.controls and not step.sources():  # nothing to move: shown as in a batch run
            self.steps.remove(step)
            self._made.pop(id(step.result), None)
            self.show(step.result)
            return step.result
        outputs = self._render(step.result)
        step.cache[step.key()] = (step.result, outputs)
        step.output = widgets.Output()
        step.output.outputs = outputs
        self.findings += [f for f in step.result.findings if f]
        if step.result.missing and step.result.title:
            self.skipped.append(step.result.title)
        self._shown.append(step)
        self._show(widgets.VBox([self._panel(step), step.output]) if step.controls else step.output)
        return step.result

    def show(self, section: Section) -> None:
        """As :meth:`Page.show <kamlib.sections.Page.show>`; its findings stay in "what this means"."""
        super().show(section)
        self._shown.append(section)

    def conclusions(self, nothing: str = "text.nothing_to_read") -> None:
        """As :meth:`Page.conclusions <kamlib.sections.Page.conclusions>`, in a widget that is drawn again
        after each redraw from the findings the sections then show (:meth:`conclude`)."""
        self._nothing = nothing
        self.closing = widgets.Output()
        self.closing.outputs = self._closing_outputs()
        self._show(self.closing)
        self.save_workbook()

    def conclude(self) -> None:
        """Collect the findings and skipped sections again from what each section shows now, in the
        notebook's order, and redraw "what this means" (when the page has reached it)."""
        self.findings, self.skipped = [], []
        for shown in self._shown:
            section = shown.result if isinstance(shown, Step) else shown
            if section.missing:
                self.skipped += [section.title] if section.title else []
            else:
                self.findings += [f for f in section.findings if f]
        if self.closing is not None:
            self.closing.outputs = self._closing_outputs()

    def _closing_outputs(self) -> tuple[dict[str, Any], ...]:
        """The outputs of "what this means" for the findings and skipped sections of the page now."""
        shown: list[dict[str, Any]] = []
        page = Page(lang=self.lang, output_dir=self.output_dir, display=lambda item: shown.append(_output(item, self.lang)))
        page.findings, page.skipped = list(self.findings), list(self.skipped)
        page.conclusions(self._nothing)
        return tuple(shown)

    def changed(self, step: Step) -> None:
        """Redraw *step* and what follows from it once the controls have been still for :attr:`delay`."""
        self._pending.add(step)
        loop = _running_loop()
        if loop is None or self.delay <= 0:
            self.flush()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.delay, self.flush)

    def flush(self) -> None:
        """Redraw the steps whose controls moved, now."""
        steps, self._pending, self._timer = self._pending, set(), None
        if steps:
            self.refresh(steps)

    def refresh(self, moved: set[Step]) -> None:
        """Compute again *moved* and every step that follows from them, in the notebook's order.

        Each section keeps what it shows until its new version is ready, then shows that at
        once; the sections that follow are redrawn after it, so the section whose control
        moved is first. A step that fails keeps its last result and shows the message over
        it, and the steps after it are left as they were. :attr:`seconds` is the time the
        whole redraw took, :attr:`first_seconds` the time until the first section was shown.
        Python's cyclic garbage collection waits until the redraw is done.
        """
        began = time.perf_counter()
        self.first_seconds = 0.0
        dirty: list[Step] = []
        for step in self.steps:
            if step in moved or any(s in dirty for s in step.sources()):
                dirty.append(step)
        with collection_paused():
            self._redraw(dirty, began)
        self.conclude()
        self.seconds = time.perf_counter() - began

    def _redraw(self, dirty: list[Step], began: float) -> None:
        """Compute and show each of *dirty* in turn (see :meth:`refresh`)."""
        for step in dirty:
            try:
                step.result, outputs = self._compute(step)
            except Exception as error:  # noqa: BLE001 - any failure is the reader's message, not a crash
                step.error.value = f'<p style="color:#b00020">{html.escape(str(error))}</p>'
                break
            step.error.value = ""
            if step.output is not None:
                step.output.outputs = outputs
                self.first_seconds = self.first_seconds or time.perf_counter() - began

    def settings(self) -> dict[str, Any]:
        """Every control's value as a batch-file fragment (``{"notebooks": [{notebook, parameters}]}``).

        A parameter moved in one section wins over the same parameter left as it was in another.
        """
        parameters: dict[str, Any] = {}
        moved: set[str] = set()
        for step in self.steps:
            now = step.call_kwargs()
            for control, _ in step.controls:
                if control.parameter is None or control.parameter in moved:
                    continue
                saved = control.saved_as(now[control.keyword]) if control.saved_as else now[control.keyword]
                parameters[control.parameter] = _plain(saved)
                if now[control.keyword] != step.kwargs.get(control.keyword):
                    moved.add(control.parameter)
        return {"notebooks": [{"notebook": self.notebook, "parameters": parameters}]}

    def save_settings(self) -> Path:
        """Write :meth:`settings` as YAML into ``<output_dir>/report-settings.yml`` and show it under the button."""
        text = yaml.dump(self.settings(), Dumper=_SettingsDumper, allow_unicode=True, sort_keys=False)
        path = self.output_dir / SETTINGS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.settings_note.value = (f"<p>{html.escape(i18n.t('explore.saved', self.lang, file=SETTINGS_FILE))}</p>"
                                    f"<pre>{html.escape(text)}</pre>")
        return path

    def _step(self, compute: Callable[..., Any], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Step:
        links: dict[int | str, Step] = {i: self._made[id(a)][1] for i, a in enumerate(args) if self._tracks(a)}
        links.update({k: self._made[id(v)][1] for k, v in kwargs.items() if self._tracks(v)})
        step = Step(compute, tuple(args), dict(kwargs), links, [])
        step.controls = [(c, self._widget(c, step)) for c in controls_of(compute) if _applies(c, kwargs)]
        step.follows = self._follows(kwargs, {c.keyword for c, _ in step.controls})
        step.error = widgets.HTML()
        step.result = compute(*args, **kwargs)
        if step.result is not None:
            self._made[id(step.result)] = (step.result, step)
        self.steps.append(step)
        return step

    def _follows(self, kwargs: Mapping[str, Any], own: set[str]) -> dict[str, tuple[Step, Control, Any]]:
        """The keyword arguments an earlier step's control sets: given the same notebook value (the
        month planned, the rep) as that step, they take the control's value (the latest such step's)."""
        follows = {}
        for keyword, given in kwargs.items():
            for earlier in reversed(self.steps if keyword not in own else []):
                found = [(c, w) for c, w in earlier.controls if c.keyword == keyword and c.part is None
                         and c.parameter and _same(earlier.kwargs.get(keyword), given)]
                if found:
                    follows[keyword] = (earlier, *found[0])
                    break
        return follows

    def _tracks(self, value: Any) -> bool:
        made = self._made.get(id(value))
        return made is not None and made[0] is value

    def _compute(self, step: Step) -> tuple[Any, tuple[dict[str, Any], ...]]:
        key = step.key()
        if key in step.cache:
            step.cache.move_to_end(key)
            result, outputs = step.cache[key]
            if step.output is not None:  # tables/ holds what the page shows
                self.save_tables(result)
            return result, outputs
        result = step.compute(*step.call_args(), **step.call_kwargs())
        outputs = self._render(result) if step.output is not None else ()
        step.cache[key] = (result, outputs)
        if len(step.cache) > CACHE_SIZE:
            step.cache.popitem(last=False)
        return result, outputs

    def _render(self, section: Section) -> tuple[dict[str, Any], ...]:
        """The outputs that showing *section* makes, as notebook output dicts; its saved tables kept."""
        shown: list[dict[str, Any]] = []
        page = Page(lang=self.lang, output_dir=self.output_dir, display=lambda item: shown.append(_output(item, self.lang)))
        page.saved = dict(self.saved)
        page.show(section)
        self.saved = page.saved
        return tuple(shown)

    def _widget(self, control: Control, step: Step) -> Any:
        start = current_value(control, step.kwargs)
        label = caption(control, self.lang)
        style = {"description_width": "initial"}
        if control.kind == "slider":
            whole = float(control.step).is_integer()
            make = widgets.IntSlider if whole else widgets.FloatSlider
            widget = make(value=start, min=control.low, max=control.high, step=control.step, description=label,
                          continuous_update=False, style=style, layout=widgets.Layout(width="420px"),
                          **({} if whole else {"readout_format": ".2f"}))
        elif control.kind == "choice":
            options = control.choices(step.args, step.kwargs, self.lang) if control.choices else []
            if start not in [v for _, v in options]:
                options.append((str(start), start))
            cell = {"layout": widgets.Layout(width="200px")} if isinstance(control.part, tuple) else {}
            options = [(text, ALL if value is None else value) for text, value in options]
            widget = widgets.Dropdown(options=options, value=ALL if start is None else start, description=label,
                                      style=style, **cell)
        else:
            widget = widgets.Text(value="" if start is None else str(start), description=label,
                                  continuous_update=False, style=style)
        widget.observe(lambda _: self.changed(step), names="value")
        return widget

    def _panel(self, step: Step) -> Any:
        """The step's controls in a row that wraps, the "use these settings" button and the step's message."""
        save = widgets.Button(description=i18n.t("explore.save", self.lang), icon="save",
                              layout=widgets.Layout(width="auto"))
        save.on_click(lambda _: self.save_settings())
        cells = {c.part: w for c, w in step.controls if isinstance(c.part, tuple)}
        row = widgets.HBox([w for c, w in step.controls if not isinstance(c.part, tuple)] + [save],
                           layout=widgets.Layout(flex_flow="row wrap"))
        return widgets.VBox([*([_grid_box(cells)] if cells else []), row, step.error, self.settings_note])


def _grid_box(cells: Mapping[Any, Any]) -> Any:
    """The controls of a grid's cells ``{(X, Y): widget}`` laid out as the grid: Y = 4 on top, X = 0 on the left."""
    size = 1 + max(max(cell) for cell in cells)
    children = [cells.get((x, y)) or widgets.Label("") for y in reversed(range(size)) for x in range(size)]
    return widgets.GridBox(children, layout=widgets.Layout(grid_template_columns=f"repeat({size}, 210px)"))


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the block, then on again if it was on.

    A full collection now and then takes 0.1–0.2 s; inside a redraw it would be a pause
    the reader sees, after it nobody does.

    Examples
    --------
    >>> with collection_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _value(control: Control, widget: Any) -> Any:
    """A widget's value as the function takes it: empty text or :data:`ALL` = None, a slider's float rounded
    to its step."""
    value = widget.value
    if value is ALL:
        return None
    if control.kind == "text":
        return value.strip() or None
    if control.kind == "slider" and isinstance(value, float):
        return round(value, 6)
    return value


def _applies(control: Control, kwargs: Mapping[str, Any]) -> bool:
    """Whether *control* can set the argument the notebook passed (a policy file cannot take a key)."""
    if control.keyword not in kwargs:
        return False
    value = kwargs[control.keyword]
    return (control.part is None or isinstance(control.part, int) or control.resolve is not None or value is None
            or isinstance(value, Mapping))


def _same(first: Any, second: Any) -> bool:
    """Whether two notebook values are the same: the same object, or equal text or numbers."""
    plain = (str, int, float)
    return first is second or (isinstance(first, plain) and isinstance(second, plain) and first == second)


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    return value


def _plain(value: Any) -> Any:
    """*value* as plain YAML data: lists, mappings (keys text or whole numbers), rounded floats, text."""
    if isinstance(value, Mapping):
        return {k if isinstance(k, int) else str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


class _SettingsDumper(yaml.SafeDumper):
    """YAML as a person writes a batch file: a list of plain values on one line (``[0.7, 0.95]``, a grid's row)."""


def _flow_list(dumper: yaml.SafeDumper, items: list[Any]) -> Any:
    flat = not any(isinstance(v, list | dict) for v in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flat)


_SettingsDumper.add_representer(list, _flow_list)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _output(item: Any, lang: str) -> dict[str, Any]:
    """*item* as a notebook output dict, formatted as the notebook would show it; a figure as a PNG
    of its size (:func:`figure_png`)."""
    from matplotlib.figure import Figure

    if isinstance(item, Figure):
        return {"output_type": "display_data", **figure_png(item, lang)}
    data, metadata = _formatter().format(item)
    data = {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in data.items()}
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def figure_png(figure: Any, lang: str = "en") -> dict[str, Any]:
    """*figure* as the ``data`` and ``metadata`` of a notebook output: a PNG at the figure's own
    resolution (a quarter of the pixels of the notebook's sharper PNG, so a redraw is quicker),
    compressed lightly, with its text alternative (:func:`kamlib.plots.figure_alt`).

    A figure with a layout engine (kamlib's figures use constrained layout, which keeps every text
    inside the figure) is laid out and drawn once, on its own canvas, and not cropped
    (``savefig`` would lay it out and draw it twice); one without is cropped to its content,
    as the notebook would show it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 1), dpi=50, layout="constrained"); _ = ax.set_title("Revenue")
    >>> shown = figure_png(fig); plt.close(fig)
    >>> png = base64.b64decode(shown["data"]["image/png"])
    >>> png[:4], int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"), shown["metadata"]
    (b'\x89PNG', 100, 50, {'alt': 'Revenue'})
    """
    from kamlib.plots import figure_alt

    buffer = io.BytesIO()
    if figure.get_layout_engine() is None:
        figure.savefig(buffer, format="png", dpi="figure", bbox_inches="tight", pil_kwargs={"compress_level": 1})
    else:
        _draw_png(figure, buffer)
    return {"data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii")},
            "metadata": {"alt": figure_alt(figure, lang)}}


def _draw_png(figure: Any, buffer: io.BytesIO) -> None:
    """Lay out and draw *figure* once at its own resolution and write it into *buffer* as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.image import imsave

    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()
    imsave(buffer, canvas.buffer_rgba(), format="png", dpi=figure.dpi, pil_kwargs={"compress_level": 1})


def _formatter() -> Any:
    """The shell's display formatter (IPython's own outside a kernel: tests, benchmarks)."""
    from IPython import get_ipython
    from IPython.core.formatters import DisplayFormatter

    shell = get_ipython()
    return shell.display_formatter if shell is not None else DisplayFormatter()
