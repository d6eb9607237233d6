"""Sections of an analysis notebook: what one section shows, and the page that shows it.

Every section of an analysis notebook does the same few things: a heading, the rule
it applied, a reading of the result (which also goes into the closing "what this
means"), tables saved next to the report, tables and figures shown to the reader —
or, when the data lacks what the section needs, one line saying so. Each analysis
wing builds its sections as plain :class:`Section` values (``kamlib.winloss.sections``
…); a notebook cell is then one call that builds a section and one that shows it::

    page = kam.sections.Page(lang=lang, output_dir=output_dir)
    page.start("title.win_loss_analysis", "text.win_loss_intro", parameters=dict(data=data, lang=lang))
    rates = kam.winloss.sections.win_rates(opps, by=by, level=confidence, lang=lang)
    page.show(rates)
    page.conclusions("text.wl_nothing")

A section is data until :meth:`Page.show` displays it, so the same section can be
tested without a notebook, and nothing in a section builder draws or writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamlib import i18n
from kamlib.tables import parameter_summary, save_table, styled

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Figure", "Markdown", "Page", "Section", "Table", "markdown_html", "needs"]


@dataclass
class Table:
    """A table shown to the reader: *frame* with category columns labelled per *values*.

    *values* is ``{column: label group}`` as in :func:`kamlib.tables.styled`;
    *formats* is ``{column: format}`` for columns shown otherwise than
    :func:`~kamlib.tables.styled` would (``{"market_growth": "{:.1%}"}``).
    """

    frame: pd.DataFrame
    values: Mapping[str, str | None] | None = None
    formats: Mapping[str, str] | None = None


@dataclass
class Figure:
    """A figure to draw when the section is shown: ``draw(*args, lang=lang, **options)``.

    *draw* is a plot function of a wing's ``plots`` module (it returns the Axes it drew
    on); *size* is the figure's ``(width, height)`` in inches, None = as drawn;
    *percent* and *money* name an axis (``"x"`` or ``"y"``) shown as percentages
    (:func:`kamlib.plots.percent_axis`) or as money (:func:`kamlib.plots.money_axis`).
    """

    draw: Callable[..., Any]
    args: tuple[Any, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    size: tuple[float, float] | None = None
    percent: str | None = None
    money: str | None = None


@dataclass
class Section:
    """What one notebook section shows.

    Attributes
    ----------
    title : str or None
        Label key of the heading (``"title.wl_win_rates"``), None = no heading.
    level : int
        Heading level: 2 for a section, 3 for a part of one.
    missing : str or None
        What the data lacks (``"opportunities.loss_reason"``); when set, the section
        shows only the "needs …" line (or *note*) and counts as skipped.
    note : str or None
        What a skipped section says instead of the "needs …" line.
    items : list
        What the reader sees, in order: Markdown text (``str``), :class:`Table` and
        :class:`Figure`.
    findings : list of str
        The readings that also go into the closing "what this means".
    saved : dict
        ``{file stem: Table}``: tables written next to the report (CSV and XLSX).
    results : dict
        Computed tables later sections may reuse (``section.results["rates"]``).

    Examples
    --------
    >>> import pandas as pd
    >>> s = Section("title.wl_win_rates", items=["A reading."], findings=["A reading."])
    >>> s.shows_anything, Section.lacking("title.wl_win_rates", "opportunities.status").missing
    (True, 'opportunities.status')
    """

    title: str | None = None
    level: int = 2
    missing: str | None = None
    note: str | None = None
    items: list[str | Table | Figure] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    saved: dict[str, Table] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def lacking(cls, title: str | None, what: str, *, level: int = 2, note: str | None = None) -> Section:
        """A section that only says the data lacks *what* (or shows *note* instead), and counts as skipped."""
        return cls(title=title, level=level, missing=what, note=note)

    @property
    def shows_anything(self) -> bool:
        """True when showing the section displays something (a heading, a note or an item)."""
        return bool(self.title or self.missing or self.items)


def needs(table: pd.DataFrame | None, columns: Sequence[str], name: str) -> str | None:
    """What a section lacks of *table* (``"accounts.potential, accounts.capability"``), or None.

    A table the data does not have is named alone (``"leads"``).

    Examples
    --------
    >>> import pandas as pd
    >>> needs(None, ["lead_id"], "leads"), needs(pd.DataFrame({"a": [1]}), ["a", "b"], "accounts")
    ('leads', 'accounts.b')
    >>> needs(pd.DataFrame({"a": [1]}), ["a"], "accounts") is None
    True
    """
    if table is None:
        return name
    missing = [f"{name}.{c}" for c in columns if c not in table.columns]
    return ", ".join(missing) or None


@functools.cache
def _markdown_renderer() -> Callable[[str], str]:
    import html
    from urllib.parse import quote

    import mistune
    from mistune.util import striptags

    class Renderer(mistune.HTMLRenderer):
        def heading(self, text: str, level: int, **attrs: Any) -> str:
            # the id and anchor link nbconvert gives a heading: links to a section keep working
            anchor = quote(html.unescape(striptags(text)).replace(" ", "-"), safe="?/:@!$&'()*+,;=")
            anchor = html.escape(anchor)
            return f'<h{level} id="{anchor}">{text}<a class="anchor-link" href="#{anchor}">¶</a></h{level}>'

        def image(self, text: str, url: str, title: str | None = None) -> str:
            return self.link(text, url, title)  # a link: a report loads nothing when opened

    return mistune.create_markdown(renderer=Renderer(escape=True), plugins=["table", "strikethrough"])


def markdown_html(text: str) -> str:
    """Markdown *text* as HTML in which no data value becomes markup.

    Rendered as nbconvert renders Markdown in a report (headings with an id and an
    anchor link, bold, italics, lists, tables), except that raw HTML in the text is
    escaped (``<script>`` shows as that text), links to ``javascript:`` and similar
    URLs lead nowhere, and images are links.

    Examples
    --------
    >>> markdown_html("**<img src=x onerror=alert(1)>** is the largest region.")
    '<p><strong>&lt;img src=x onerror=alert(1)&gt;</strong> is the largest region.</p>\\n'
    """
    return str(_markdown_renderer()(text))


class Markdown:
    """Markdown text a :class:`Page` shows, displayed as HTML (:func:`markdown_html`).

    Readings put data values (account names, regions, competitors …) into Markdown,
    and Jupyter and nbconvert pass raw HTML in Markdown through, so an account named
    ``<script>…</script>`` would run in the report. Shown as this object, the text
    is rendered with raw HTML escaped: headings, bold and lists look as before, and
    a data value is always text. *data* is the Markdown source.
    """

    def __init__(self, data: str) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Markdown({self.data!r})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/html": markdown_html(self.data), "text/plain": self.data}


class Page:
    """The notebook being shown: displays sections in *lang*, saves their tables into
    *output_dir*, and collects their findings for the closing "what this means".

    Parameters
    ----------
    lang : {"en", "zh"}
        Language of headings, notes, tables and figures.
    output_dir : str or Path, default "."
        Where the sections' tables are written.
    display : callable, optional
        What shows one output (IPython's ``display`` by default; a test may collect).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> shown = []
    >>> page = Page(lang="en", output_dir=tempfile.mkdtemp(), display=shown.append)
    >>> rates = pd.DataFrame({"region": ["east"], "win_rate": [0.5]})
    >>> section = Section("title.wl_win_rates", items=["Half the deals are won.", Table(rates)],
    ...                   findings=["Half the deals are won."], saved={"win_rates": Table(rates)})
    >>> page.show(section)
    >>> len(shown), page.findings, sorted(p.name for p in Path(page.output_dir).iterdir())
    (3, ['Half the deals are won.'], ['win_rates.csv', 'win_rates.xlsx'])
    """

    def __init__(self, *, lang: str = "en", output_dir: str | Path = ".",
                 display: Callable[[Any], Any] | None = None) -> None:
        i18n.check_lang(lang)
        self.lang = lang
        self.output_dir = Path(output_dir)
        self.findings: list[str] = []
        self.skipped: list[str] = []
        self._display = display

    def markdown(self, text: str) -> None:
        """Show Markdown *text*, raw HTML in it escaped (see :class:`Markdown`): a data value
        put into the text shows as text and never becomes markup or script."""
        self._show(Markdown(text))

    def heading(self, key: str, *, level: int = 2, intro: str | None = None) -> None:
        """Show the heading labelled *key* (and the paragraph labelled *intro* under it)."""
        text = f"{'#' * level} {i18n.t(key, self.lang)}"
        self.markdown(text + (f"\n\n{i18n.t(intro, self.lang)}" if intro else ""))

    def start(self, title: str, intro: str, parameters: Mapping[str, Any]) -> None:
        """Show the notebook's title (label *title*), its introduction (label *intro*) and
        the parameters it ran with, secrets masked (see :func:`kamlib.tables.parameter_summary`)."""
        self.markdown(f"# {i18n.t(title, self.lang)}\n\n{i18n.t(intro, self.lang)}")
        self.heading("title.parameters")
        self.table(parameter_summary(**parameters))

    def table(self, frame: pd.DataFrame, values: Mapping[str, str | None] | None = None,
              formats: Mapping[str, str] | None = None) -> None:
        """Show *frame* as a table for readers (see :func:`kamlib.tables.styled` and :class:`Table`)."""
        shown = styled(frame, self.lang, values=values)
        for column, text in (formats or {}).items():
            shown = shown.format(text, subset=[i18n.header([column], self.lang)[0]], escape="html")
        self._show(shown)

    def show(self, section: Section) -> None:
        """Show *section*: heading, then "needs …" or its tables saved and its items shown.

        Returns nothing, so a cell ending in ``page.show(…)`` has no ``Out[]``; keep the
        section in a variable when a later cell uses its ``results``.
        """
        if section.title:
            self.markdown(f"{'#' * section.level} {i18n.t(section.title, self.lang)}")
        if section.missing:
            self.markdown(section.note or i18n.t("text.needs", self.lang, what=section.missing))
            if section.title:
                self.skipped.append(section.title)
            return
        for name, table in section.saved.items():
            save_table(table.frame, name, self.output_dir, lang=self.lang, values=table.values)
        for item in section.items:
            self._item(item)
        self.findings += [f for f in section.findings if f]

    def conclusions(self, nothing: str = "text.nothing_to_read") -> None:
        """Show "what this means": every finding so far as a list, then the sections skipped
        for lack of data (label *nothing* when there is no finding at all)."""
        self.markdown(f"## {i18n.t('title.what_this_means', self.lang)}")
        lines = list(self.findings)
        if self.skipped:
            names = ("、" if self.lang == "zh" else ", ").join(i18n.t(k, self.lang) for k in dict.fromkeys(self.skipped))
            lines.append(i18n.t("text.skipped", self.lang, sections=names))
        self.markdown("\n".join(f"- {line}" for line in lines or [i18n.t(nothing, self.lang)]))

    def _item(self, item: str | Table | Figure) -> None:
        if isinstance(item, str):
            if item:
                self.markdown(item)
        elif isinstance(item, Table):
            self.table(item.frame, item.values, item.formats)
        else:
            self._figure(item)

    def _figure(self, figure: Figure) -> None:
        import matplotlib.pyplot as plt

        from kamlib.plots import money_axis, percent_axis

        ax = figure.draw(*figure.args, lang=self.lang, **figure.options)
        if figure.percent:
            percent_axis(ax, figure.percent)
        if figure.money:
            money_axis(ax, figure.money, lang=self.lang)
        if figure.size is not None:
            ax.figure.set_size_inches(*figure.size)
        self._show(ax.figure)
        plt.close(ax.figure)  # shown once, here, not again at the end of the cell

    def _show(self, output: Any) -> None:
        if self._display is None:
            from IPython.display import display

            display(output)
        else:
            self._display(output)
