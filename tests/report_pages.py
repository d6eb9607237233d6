"""What a reader sees of an HTML report, for the tests that read reports as a reader does."""

from __future__ import annotations

from html.parser import HTMLParser


class ReportPage(HTMLParser):
    """The text outside tables (inline markup joined), the rows of each table and the images' alt texts.

    Text in ``<script>`` and ``<style>`` is not seen.

    Examples
    --------
    >>> page = ReportPage("<style>p {}</style><p>Win <b>50%</b></p><table><tr><td>a</td><td> b </td></tr></table>")
    >>> page.sentences(), page.tables
    ('Win 50%', [[['a', 'b']]])
    """

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.alts: list[str] = []
        self._hidden = self._depth = 0
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag == "table":
            self._depth += 1
            self.tables.append([])
        elif tag == "tr" and self._depth:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self._depth:
            self._cell = []
        elif tag == "img":
            self.alts.append(dict(attrs).get("alt") or "")
        elif tag in ("p", "li", "h1", "h2", "h3", "h4", "div", "br"):
            self.texts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1
        elif tag == "table":
            self._depth -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif not self._depth:
            self.texts.append(data)

    def sentences(self) -> str:
        """The text outside tables, with runs of white space made one space."""
        return " ".join("".join(self.texts).split())

    def table(self, header: list[str]) -> dict[str, list[str]]:
        """The one table headed *header*, as first cell → the other cells of its row."""
        found = [t for t in self.tables if t and t[0] == header]
        assert len(found) == 1, [t[0] for t in self.tables if t]
        return {row[0]: row[1:] for row in found[0][1:]}
