"""Live exercises: the Pareto/ABC chart that redraws as its cut-offs move, and a participant's own tables.

:class:`ParetoExplorer` (workshop 1, "Classify the accounts") has a slider for the A
and one for the B cut-off; moving one redraws, in place and debounced, the Pareto curve
with its A/B/C bands and the accounts per class, as
:func:`kamlib.classify.pareto_abc` classes them. :class:`NumbersTables` (workshop 5,
"Read the numbers") shows a participant's tables from
:func:`kamlib.training.numbers.participant_data`. Both relabel when the workshop's
language is switched (:meth:`Workshop.on_lang`); nothing of an answer is in them.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from kamlib import i18n
from kamlib.classify import pareto_abc
from kamlib.plots import theme
from kamlib.training.numbers import NumbersData, numbers_tables
from kamlib.training.plots import class_counts, figure_png, plot_class_bands
from kamlib.training.widgets.workshop import Workshop

__all__ = ["CLASS_REVENUE", "Debouncer", "NumbersTables", "ParetoExplorer", "frame_html"]

#: The accounts of the live chart: revenue in 10k CNY, a long tail as real portfolios have.
CLASS_REVENUE = (520, 310, 180, 150, 96, 80, 64, 52, 40, 33, 27, 22, 18, 15, 12, 9, 7, 5, 3, 2)
#: Style of a table cell.
CELL = ' style="border:1px solid #ddd;padding:2px 8px"'
#: Seconds the chart waits for the slider to rest before it redraws.
DELAY = 0.2


class Debouncer:
    """Call *action* once the calls have stopped for *delay* seconds (at once when no event loop runs).

    Examples
    --------
    >>> calls = []
    >>> bounce = Debouncer(lambda: calls.append(1), delay=0.2)
    >>> bounce(), bounce(), calls  # no running event loop here: each call acts at once
    (None, None, [1, 1])
    """

    def __init__(self, action: Callable[[], None], *, delay: float = DELAY) -> None:
        self.action = action
        self.delay = delay
        self.pending: asyncio.TimerHandle | None = None

    def __call__(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None
        if loop is None or self.delay <= 0:
            self.action()
            return
        self.pending = loop.call_later(self.delay, self._fire)

    def _fire(self) -> None:
        self.pending = None
        self.action()


def frame_html(table: pd.DataFrame, caption: str = "") -> str:
    """*table* as an HTML table, every cell and the caption escaped.

    Examples
    --------
    >>> text = frame_html(pd.DataFrame({"a<b": ["<x>"]}), "T&C")
    >>> "T&amp;C</caption>" in text, ">a&lt;b</th>" in text, ">&lt;x&gt;</td>" in text
    (True, True, True)
    """
    head = "".join(f"<th{CELL}>{html.escape(str(c))}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td{CELL}>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    title = f'<caption style="text-align:left;font-weight:bold">{html.escape(caption)}</caption>' if caption else ""
    return f'<table class="kam-table" style="border-collapse:collapse;margin:8px 0">{title}<tr>{head}</tr>{rows}</table>'


class ParetoExplorer:
    """Sliders for the A and B cut-offs and the Pareto chart and class counts they redraw.

    Parameters
    ----------
    lang : {"en", "zh"}
        The language of the labels.
    accounts : DataFrame, optional
        ``account_id, revenue``; default: :data:`CLASS_REVENUE`.
    cutoffs : pair of float
        The starting A and B cut-offs.
    delay : float
        Debounce of the redraw, in seconds (:class:`Debouncer`).

    Attributes
    ----------
    pareto : DataFrame
        :func:`kamlib.classify.pareto_abc` at the sliders' cut-offs.
    counts : DataFrame
        Accounts and revenue share per class (:func:`kamlib.training.plots.class_counts`).
    draws : int
        How many times the chart was drawn.
    widget : ipywidgets.VBox
        What the notebook shows.

    Examples
    --------
    >>> explorer = ParetoExplorer()
    >>> explorer.a_slider.value = 0.7
    >>> explorer.counts["accounts"].tolist(), explorer.draws
    ([3, 8, 9], 2)
    """

    def __init__(self, lang: str = "en", *, accounts: pd.DataFrame | None = None,
                 cutoffs: tuple[float, float] = (0.8, 0.95), delay: float = DELAY) -> None:
        self.lang = i18n.check_lang(lang)
        self.accounts = accounts if accounts is not None else pd.DataFrame({
            "account_id": [f"KA-{n:02d}" for n in range(1, len(CLASS_REVENUE) + 1)],
            "revenue": [float(v) for v in CLASS_REVENUE]})
        self.draws = 0
        self.a_slider = widgets.FloatSlider(value=cutoffs[0], min=0.5, max=0.9, step=0.01, readout_format=".0%",
                                            continuous_update=True, style={"description_width": "initial"})
        self.b_slider = widgets.FloatSlider(value=cutoffs[1], min=cutoffs[0] + 0.01, max=0.99, step=0.01,
                                            readout_format=".0%", continuous_update=True,
                                            style={"description_width": "initial"})
        self.how = widgets.HTML()
        self.image = widgets.Image(format="png", layout={"width": "100%", "max_width": "760px"})
        self.table = widgets.HTML()
        self.redraw_soon = Debouncer(self.redraw, delay=delay)
        self.a_slider.observe(self._a_moved, names="value")
        self.b_slider.observe(lambda _: self.redraw_soon(), names="value")
        self.widget = widgets.VBox([self.how, widgets.HBox([self.a_slider, self.b_slider]), self.image, self.table],
                                   layout={"width": "100%"})
        self.relabel(lang)

    @classmethod
    def for_workshop(cls, workshop: Workshop, **options: object) -> ParetoExplorer:
        """An explorer in the workshop's language that relabels when the participant switches it."""
        explorer = cls(workshop.lang, **options)
        workshop.on_lang(explorer.relabel)
        return explorer

    def _a_moved(self, change: dict) -> None:
        self.b_slider.min = min(change["new"] + 0.01, self.b_slider.max)
        self.redraw_soon()

    @property
    def cutoffs(self) -> tuple[float, float]:
        """The sliders' A and B cut-offs."""
        return (round(self.a_slider.value, 4), round(self.b_slider.value, 4))

    def relabel(self, lang: str) -> None:
        """Labels and chart in *lang*; the cut-offs stay where they are."""
        self.lang = i18n.check_lang(lang)
        self.a_slider.description = i18n.t("training.live.a_cutoff", lang)
        self.b_slider.description = i18n.t("training.live.b_cutoff", lang)
        self.how.value = f"<p>{html.escape(i18n.t('training.live.how', lang))}</p>"
        self.redraw()

    def redraw(self) -> None:
        """Class the accounts at the sliders' cut-offs and draw the chart and counts again."""
        lang = self.lang
        self.pareto = pareto_abc(self.accounts, cutoffs=self.cutoffs)
        self.counts = class_counts(self.pareto)
        theme(lang)
        figure = Figure(figsize=(8.0, 4.5), layout="constrained")
        plot_class_bands(self.pareto, lang=lang, title=i18n.t("training.live.title", lang), ax=figure.subplots())
        self.figure = figure
        self.image.value = figure_png(figure)
        shown = pd.DataFrame({
            i18n.t("training.live.class", lang): [i18n.value_label("abc_class", c, lang) for c in self.counts["abc_class"]],
            i18n.t("training.live.accounts", lang): self.counts["accounts"],
            i18n.t("training.live.share", lang): [i18n.format_percent(s, lang) for s in self.counts["share"]]})
        self.table.value = frame_html(shown)
        self.draws += 1


class NumbersTables:
    """A participant's tables of workshop 5 (loss table, showroom month, lead case), in the workshop's language.

    Examples
    --------
    >>> from kamlib.training.numbers import participant_data
    >>> tables = NumbersTables(participant_data("Li Lei"), "zh")
    >>> "战败客户分析表" in tables.widget.value
    True
    """

    def __init__(self, data: NumbersData, lang: str = "en") -> None:
        self.data = data
        self.widget = widgets.HTML(layout={"width": "100%"})
        self.relabel(lang)

    @classmethod
    def for_workshop(cls, workshop: Workshop, data: NumbersData) -> NumbersTables:
        """The tables in the workshop's language, relabelled when the participant switches it."""
        tables = cls(data, workshop.lang)
        workshop.on_lang(tables.relabel)
        return tables

    def relabel(self, lang: str) -> None:
        """The tables with headers and values in *lang*."""
        self.widget.value = "".join(frame_html(table, title) for title, table in numbers_tables(self.data, lang).items())
