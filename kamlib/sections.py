"""Sections of an analysis notebook: what one section shows, and the page that shows it.

Every section of an analysis notebook does the same few things: a heading, the rule
it applied, a reading of the result (which also goes into the closing "what this
means"), tables saved next to the report, tables and figures shown to the reader —
or, when the data lacks what the section needs, one line saying so. A page saves each
table as a CSV in ``<output_dir>/tables/`` and, when it closes, all of them in one
workbook (:mod:`kamlib.workbook`); it shows the top of a long or wide table and links
the full one. Each analysis
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
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamlib import i18n
from kamlib.tables import (
    fitting_columns,
    labelled,
    parameter_summary,
    save_table,
    styled,
)
from kamlib.workbook import WorkbookTable, sheet_label, sheet_names, write_workbook

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from kamlib.data import Dataset

__all__ = ["CLOSING", "LEFT_OUT", "SHOWN_ROWS", "Figure", "Markdown", "Page", "Section", "Table", "markdown_html", "needs"]

#: The most rows a page shows of a table (the full table is in the workbook and the CSV).
SHOWN_ROWS = 20
#: Heading of the closing section: a page shown a section with it is done, as after :meth:`Page.conclusions`.
CLOSING = "title.what_this_means"
#: Codes of the loader's problems a reader must know of: a table left out, rows left out as not records.
LEFT_OUT = ("table_left_out", "total_row", "repeated_header")


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
        ``{file stem: Table}``: tables written next to the report (a CSV in ``tables/`` and a
        sheet of the report's workbook).
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
    a data value is always text. *data* is the Markdown source; *metadata* goes into
    the output's metadata in the notebook (not shown).

    Examples
    --------
    >>> Markdown("**A**", metadata={"kamlib": {"findings": ["A"]}})._repr_mimebundle_()[1]
    {'kamlib': {'findings': ['A']}}
    """

    def __init__(self, data: str, metadata: dict[str, Any] | None = None) -> None:
        self.data = data
        self.metadata = metadata

    def __repr__(self) -> str:
        return f"Markdown({self.data!r})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        bundle = {"text/html": markdown_html(self.data), "text/plain": self.data}
        return (bundle, self.metadata) if self.metadata else bundle


class Page:
    """The notebook being shown: displays sections in *lang*, saves their tables into
    *output_dir*, and collects their findings for the closing "what this means".

    Each table a section saves is written as ``<output_dir>/tables/<name>.csv`` when
    the section is shown. When the page closes — at :meth:`conclusions`, or when a
    section headed :data:`CLOSING` is shown — every saved table goes into one
    workbook, ``<output_dir>/<folder name>.xlsx`` (:attr:`workbook`, see
    :func:`kamlib.workbook.write_workbook`), and the closing heading's output carries
    the findings in its metadata (``{"kamlib": {"findings": [...]}}``), where the
    report index reads its headline findings. A table is shown with at most
    :data:`SHOWN_ROWS` rows and the columns that fit the page
    (:func:`kamlib.tables.fitting_columns`); when the page shows less than the saved
    table, its caption says how much and links the sheet and the CSV.

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
    (3, ['Half the deals are won.'], ['tables'])
    >>> page.conclusions(); page.workbook.exists(), shown[-2].metadata
    (True, {'kamlib': {'findings': ['Half the deals are won.']}})
    """

    def __init__(self, *, lang: str = "en", output_dir: str | Path = ".",
                 display: Callable[[Any], Any] | None = None) -> None:
        i18n.check_lang(lang)
        self.lang = lang
        self.output_dir = Path(output_dir)
        self.findings: list[str] = []
        self.skipped: list[str] = []
        self.parameters: pd.DataFrame | None = None
        self.saved: dict[str, WorkbookTable] = {}
        self._display = display

    @property
    def workbook(self) -> Path:
        """The page's workbook: ``<output_dir>/<name of output_dir>.xlsx``."""
        return self.output_dir / f"{self.output_dir.resolve().name or 'report'}.xlsx"

    def save_workbook(self) -> Path | None:
        """Write every table saved so far into :attr:`workbook` (None when there is none).

        Done when the page closes; call it to have the workbook of a page that has not.
        """
        if not self.saved:
            return None
        return write_workbook(self.workbook, list(self.saved.values()), lang=self.lang, parameters=self.parameters)

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
        self.parameters = parameter_summary(**parameters)
        self.table(self.parameters)

    def data_notes(self, ds: Dataset) -> None:
        """Show, under a short heading, what of the data *ds* this analysis leaves out: a table it runs
        without (one the load took as ``optional`` and found broken), rows that are not records (a total
        row, a header repeated) and rows excluded for bad values. Shows nothing when nothing is left out.

        Each line is the first line of the loader's message, in the page's language; under a table left
        out, the problems of its file.

        Examples
        --------
        >>> import kamlib.data
        >>> shown = []
        >>> Page(display=shown.append).data_notes(kamlib.data.load()); shown
        []
        """
        problems = ds.report.problems
        lines = []
        for found in (p for p in problems if p.code in LEFT_OUT or (p.severity == "error" and p.count)):
            lines.append(f"- {_first_line(found.text(self.lang))}")
            if found.code == "table_left_out":
                lines += [f"  - {_first_line(p.text(self.lang))}" for p in problems
                          if p.source == found.source and p.severity == "warning" and p.code != found.code]
        if lines:
            self.markdown("\n".join([i18n.t("page.data_left_out", self.lang), "", *lines]))

    def table(self, frame: pd.DataFrame, values: Mapping[str, str | None] | None = None,
              formats: Mapping[str, str] | None = None, *, full: str | None = None) -> None:
        """Show *frame* as a table for readers (see :func:`kamlib.tables.styled` and :class:`Table`):
        its first :data:`SHOWN_ROWS` rows and the columns that fit the page.

        *full* names the saved table (``self.saved``) that *frame* is the top of; when less
        than it (or than *frame*) is shown, a caption under the table says how much and links
        it (Markdown rendered with raw HTML escaped, :func:`markdown_html`).
        """
        columns = fitting_columns(frame.head(SHOWN_ROWS), self.lang, values=values)
        top = frame.head(SHOWN_ROWS)[columns]
        shown = styled(top, self.lang, values={k: v for k, v in (values or {}).items() if k in columns})
        for column, text in (formats or {}).items():
            if column in columns:
                shown = shown.format(text, subset=[i18n.header([column], self.lang)[0]], escape="html")
        note = self._cut_note(top, self.saved[full].frame if full in self.saved else frame, full)
        if note:
            caption = markdown_html(note).strip().removeprefix("<p>").removesuffix("</p>")
            shown = shown.set_caption(caption).set_table_styles(
                [{"selector": "caption", "props": "caption-side: bottom; text-align: left; font-size: 13px; color: #555;"}],
                overwrite=False)
        self._show(shown)

    def save_tables(self, section: Section) -> None:
        """Write the tables *section* saves into ``tables/`` as CSV (labelled in the page's language) and
        keep them for the workbook; :meth:`show` does this before showing the items.

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> page = Page(output_dir=tempfile.mkdtemp())
        >>> page.save_tables(Section("title.tables", saved={"demo": Table(pd.DataFrame({"rows": [1]}))}))
        >>> sorted(p.name for p in (page.output_dir / "tables").iterdir()), list(page.saved)
        (['demo.csv'], ['demo'])
        """
        heading = i18n.t(section.title, self.lang) if section.title else ""
        for name, table in section.saved.items():
            frame = labelled(table.frame, self.lang, table.values)
            save_table(frame, name, self.output_dir / "tables", formats=("csv",))
            self.saved[name] = WorkbookTable(name, frame, heading, f"tables/{name}.csv")

    def show(self, section: Section) -> None:
        """Show *section*: heading, then "needs …" or its tables saved and its items shown.

        Returns nothing, so a cell ending in ``page.show(…)`` has no ``Out[]``; keep the
        section in a variable when a later cell uses its ``results``.
        """
        closing = section.title == CLOSING
        if section.title:
            heading = f"{'#' * section.level} {i18n.t(section.title, self.lang)}"
            self._show(Markdown(heading, self._findings_metadata(_listed(section)) if closing else None))
        if section.missing:
            self.markdown(section.note or i18n.t("text.needs", self.lang, what=section.missing))
            if section.title:
                self.skipped.append(section.title)
            return
        self.save_tables(section)
        for item in section.items:
            self._item(item, _source(item, section.saved) if isinstance(item, Table) else None)
        self.findings += [f for f in section.findings if f]
        if closing:
            self.save_workbook()

    def conclusions(self, nothing: str = "text.nothing_to_read") -> None:
        """Show "what this means": every finding so far as a list, then the sections skipped
        for lack of data (label *nothing* when there is no finding at all)."""
        self._show(Markdown(f"## {i18n.t(CLOSING, self.lang)}", self._findings_metadata()))
        lines = list(self.findings)
        if self.skipped:
            names = ("、" if self.lang == "zh" else ", ").join(i18n.t(k, self.lang) for k in dict.fromkeys(self.skipped))
            lines.append(i18n.t("text.skipped", self.lang, sections=names))
        self.markdown("\n".join(f"- {line}" for line in lines or [i18n.t(nothing, self.lang)]))
        self.save_workbook()

    def _findings_metadata(self, more: Sequence[str] = ()) -> dict[str, Any]:
        """The closing heading's output metadata: every finding of the page (and *more*)."""
        return {"kamlib": {"findings": [*self.findings, *more]}}

    def _cut_note(self, top: pd.DataFrame, full: pd.DataFrame, name: str | None) -> str:
        """The line under a table showing *top* of *full* (saved as *name*): how much is shown, and a link."""
        parts = []
        if len(top) < len(full):
            parts.append(i18n.t("page.rows_shown", self.lang, shown=f"{len(top):,}", total=f"{len(full):,}"))
        if top.shape[1] < full.shape[1]:
            parts.append(i18n.t("page.columns_shown", self.lang, shown=top.shape[1], total=full.shape[1]))
        if not parts:
            return ""
        text = ("；" if self.lang == "zh" else "; ").join(parts) + ("。" if self.lang == "zh" else ".")
        if name not in self.saved:
            return text
        sheets = sheet_names([i18n.t("workbook.contents", self.lang), *(sheet_label(n, self.lang, t.section) for n, t in self.saved.items())])
        sheet = sheets[1 + list(self.saved).index(name)]
        link = i18n.t("page.full_table", self.lang, sheet=sheet, workbook=_link(self.workbook),
                      csv=_link(self.output_dir / "tables" / f"{name}.csv"))
        return f"*{text}* {link}"

    def _item(self, item: str | Table | Figure, source: str | None = None) -> None:
        if isinstance(item, str):
            if item:
                self.markdown(item)
        elif isinstance(item, Table):
            self.table(item.frame, item.values, item.formats, full=source)
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


def _first_line(text: str) -> str:
    """The first line of a message (the lines of ``kam.yml`` a fix shows come below it)."""
    return text.split("\n", 1)[0]


def _listed(section: Section) -> list[str]:
    """A closing section's findings: its own, else the lines of the list its text shows."""
    lines = [line[2:] for item in section.items if isinstance(item, str) for line in item.splitlines()
             if line.startswith("- ")]
    return [f for f in section.findings if f] or lines


def _source(item: Table, saved: Mapping[str, Table]) -> str | None:
    """The name of the table in *saved* that the shown *item* is the top of (the only one, when unclear)."""
    for name, table in saved.items():
        if table.frame is item.frame or (set(item.frame.columns) <= set(table.frame.columns)
                                         and item.frame.index.isin(table.frame.index).all()):
            return name
    return next(iter(saved)) if len(saved) == 1 else None


def _link(path: Path) -> str:
    """A Markdown link target for *path*: relative to the working folder (where the report is), URL-quoted;
    a ``file:`` URL when no relative path leads there (another drive)."""
    from urllib.parse import quote

    try:
        return quote(Path(os.path.relpath(Path(path).resolve(), Path.cwd().resolve())).as_posix())
    except ValueError:
        return Path(path).resolve().as_uri()
