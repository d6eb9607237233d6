"""Find the table files of a dataset and expose each as a DuckDB relation.

A dataset is a folder of ``<table>.csv|.xlsx|.parquet`` files or a DuckDB database
file. CSV text is read by DuckDB; its encoding (UTF-8, UTF-8 with BOM, GBK /
GB18030, Big5) is detected from the bytes, and GB18030 or Big5 text is transcoded to
a temporary UTF-8 copy first. The header line is found here, never left to DuckDB's
sniffer: title and preamble lines above it (and Excel's ``sep=;`` line) are skipped
and every row keeps the number the file gives it. Excel sheets are read with
openpyxl cell by cell, as written. The rules are explained in ``docs/data.md``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np

from kamlib.data.aliases import normalise
from kamlib.data.parse import literal, quote
from kamlib.data.problems import Text, join, problem, quoted, say
from kamlib.data.schema import TOTAL_LABELS, Reading
from kamlib.errors import DataError

CSV_SUFFIXES = (".csv", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")
DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
DATA_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
SNIFF_BYTES = 1 << 16
TAIL_BYTES = 1 << 12
CHUNK_BYTES = 1 << 24
SCAN_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
#: Longest cell Python's csv module reads (its default, 131,072 characters, refuses long notes fields).
CELL_LIMIT = (1 << 31) - 1
#: Longest line DuckDB reads in a CSV file unless told otherwise (``max_line_size``).
DUCKDB_LINE = 1 << 21
#: Records of the head of a file searched for the header line.
HEADER_SEARCH = 50
SAMPLE_ROWS = 2000
BIG5_CODECS = ("cp950", "big5hkscs")
_YEAR = re.compile(r"(19|20)\d\d")
_TOTAL = re.compile(r"(?i)(" + "|".join(re.escape(w) for w in TOTAL_LABELS) + r"|合計|總計|小計|匯總)\s*([:：\s]|$)")
T = TypeVar("T")
csv.field_size_limit(CELL_LIMIT)
_VALUE = re.compile(r"[-+]?[¥￥$€]?\s*\d[\d.,\s]*%?|\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?(\s.*)?"
                    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}:\d{2}(:\d{2})?")


@dataclass
class Source:
    """One table as found in the input, before mapping and parsing.

    Attributes
    ----------
    name : str
        File stem or DuckDB table name, as found.
    label : str
        What messages call it (``orders.csv`` or ``crm.duckdb:orders``).
    relation : str
        SQL usable after ``FROM``.
    headers : list of str
        Column names as in the file.
    types : list of str
        DuckDB types the columns are read with.
    offset : int
        File row number of the first data row, minus one (1 when a header row
        comes first, so messages use the row numbers a spreadsheet shows).
    csv_path : Path or None
        For CSV input, the UTF-8 file DuckDB reads (so it can be read again with
        column types chosen from the contract).
    delim : str
        CSV field separator, taken from the header line.
    blank_lines : tuple of int
        Line numbers of blank lines below the header of a CSV file (or blank rows of
        a sheet), which are not read; used to turn record numbers back into the line
        numbers a spreadsheet shows.
    skip : int
        Lines above the header line of a CSV file (title, preamble, ``sep=;``).
    sample : list of list of str
        Data rows from the head and the tail of a CSV file, for the decimal mark.
    zones : dict
        ``{header: time zone}`` of Parquet timestamp columns that record one.
    cells : dict
        ``{header: column letter}`` of an Excel sheet, for cell addresses.
    preamble : tuple of str
        The title and preamble lines above the header (their cells joined by a
        space): the same lines above a header further down belong to an appended export.
    max_line : int or None
        Bytes of the longest line of a CSV file that has a line longer than DuckDB
        reads by default (a long notes cell); None otherwise.
    sheet : str or None
        The sheet of a workbook the table was read from.
    sheets : tuple of str
        Every sheet of the workbook, in order.
    recheck : callable or None
        For a CSV file judged UTF-8 from its head alone (see :func:`detect_encoding`):
        describes the file again, its encoding judged on every byte, for when DuckDB
        then cannot read it (see :func:`confirm_utf8`). None otherwise.
    blank_scan : Future or None
        The search for blank lines of a CSV file, running in a thread while DuckDB reads
        the file (:meth:`settle` waits for it).
    """

    name: str
    label: str
    relation: str
    headers: list[str]
    types: list[str]
    offset: int
    csv_path: Path | None = None
    delim: str = ","
    blank_lines: tuple[int, ...] = ()
    skip: int = 0
    sample: list[list[str]] | None = None
    zones: dict[str, str] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    preamble: tuple[str, ...] = ()
    max_line: int | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    recheck: Callable[[], Source] | None = field(default=None, repr=False, compare=False)
    blank_scan: Future[tuple[int, ...]] | None = field(default=None, repr=False, compare=False)

    def settle(self) -> tuple[int, ...]:
        """:attr:`blank_lines`, once the search for them (:attr:`blank_scan`) is done.

        Raises
        ------
        NotUTF8
            When the search met bytes that are not UTF-8 in a file judged UTF-8 from its head.
        """
        if self.blank_scan is not None:
            try:
                self.blank_lines = self.blank_scan.result()
            except UnicodeDecodeError:
                raise NotUTF8(self.label) from None
            self.blank_scan = None
        return self.blank_lines


class NotUTF8(Exception):
    """A CSV file judged UTF-8 from its head holds bytes further down that are not UTF-8."""


def detect_encoding(path: Path, declared: str = "auto", head_only: bool = False) -> str:
    """Return ``"utf-8"``, ``"gb18030"`` or ``"big5"`` for a text file, from its bytes.

    A UTF-8 byte-order mark or text that decodes as UTF-8 gives ``"utf-8"``. Big5
    (Taiwan, Hong Kong) text also decodes as GB18030, into rare characters: the first
    64 KB are decoded both ways and Big5 is chosen when its characters are the more
    common ones (see :func:`looks_big5`). Other text that decodes as GB18030 (a
    superset of GBK and GB2312) gives ``"gb18030"``. *declared* (``reading:
    {encoding: ...}`` in kam.yml) overrides the detection.

    With *head_only*, a file whose first 64 KB are UTF-8 is taken for UTF-8 without
    decoding the rest: DuckDB checks every byte as it reads the file, and only when it
    cannot read it is the whole file judged (see :func:`confirm_utf8`).

    Raises
    ------
    DataError
        When the bytes are none of these.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes("客户编号\\n1\\n".encode("gbk"))
    >>> detect_encoding(p)
    'gb18030'
    >>> _ = p.write_bytes("客戶編號,區域\\n1,臺北\\n".encode("cp950"))
    >>> detect_encoding(p)
    'big5'
    """
    if declared == "utf-8" and not _decodes(path, "utf-8"):
        raise _invalid(path, declared)
    if declared != "auto":
        return declared
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
        whole = not fh.read(1)
    has_nul = b"\x00" in head
    if not has_nul and head_only and _head_decodes(head, whole):
        return "utf-8"
    if not has_nul and _decodes(path, "utf-8"):
        return "utf-8"
    if not has_nul and looks_big5(head):
        return "big5"
    if not has_nul and _decodes(path, "gb18030"):
        return "gb18030"
    raise _error("unknown_encoding", path.name, "data.read.unknown_encoding", file=path.name)


def _common_share(text: str, common: Callable[[str], bool]) -> float:
    """Share of the non-ASCII characters of *text* for which *common* holds (a byte that did not decode never does)."""
    wide = [c for c in text if ord(c) > 0x7F and c != "\ufeff"]
    return sum(map(common, wide)) / len(wide) if wide else 0.0


def _common_gb(char: str) -> bool:
    """A Chinese character of GB2312 (the 6,763 in everyday use) or CJK punctuation."""
    if "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef":
        return True
    try:
        return "\u4e00" <= char <= "\u9fff" and len(char.encode("gb2312")) == 2
    except UnicodeEncodeError:
        return False


def _common_big5(char: str) -> bool:
    """A character of Big5's level 1 (the 5,401 common ones) or CJK punctuation."""
    if "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef":
        return True
    try:
        return "\u4e00" <= char <= "\u9fff" and 0xA4 <= char.encode("cp950")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def looks_big5(head: bytes) -> bool:
    """Whether the bytes *head* (the start of a file that is not UTF-8) are Big5 rather than GBK.

    Common Traditional characters in Big5 decode as GBK into rare characters, private-use
    code points and kana (客戶 -> ``\\ue085め``); common Simplified characters in GBK
    mostly do not decode as Big5 at all. So the text is decoded both ways, and Big5 wins
    when a larger share of its characters are common ones (a file that then does not read
    as Big5 throughout is refused, with the fix).

    Examples
    --------
    >>> looks_big5("客戶編號,金額".encode("cp950")), looks_big5("客户编号,金额".encode("gbk"))
    (True, False)
    """
    head = head[: head.rfind(b"\n") + 1] or head  # whole lines only
    big5 = max(_common_share(head.decode(codec, errors="replace"), _common_big5) for codec in BIG5_CODECS)
    return big5 > _common_share(head.decode("gb18030", errors="replace"), _common_gb)


def _head_decodes(head: bytes, whole: bool) -> bool:
    """Whether *head*, the first bytes of a file (all of them when *whole*), decodes as UTF-8; a character cut
    at the end of a head that is not the whole file counts as one."""
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(head, final=whole)
    except UnicodeDecodeError:
        return False
    return True


def confirm_utf8(source: Source) -> None:
    """Raise :class:`NotUTF8` when *source* was judged UTF-8 from its head and the whole file is not UTF-8.

    Called when DuckDB (which reads UTF-8 only) cannot read a CSV file, before the
    error names the rows: the file is then read again as its bytes say (see
    :attr:`Source.recheck`).
    """
    if source.recheck is not None and source.csv_path is not None and not _decodes(source.csv_path, "utf-8"):
        raise NotUTF8(source.label)


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes as *encoding*.

    UTF-8 and GB18030 both read ASCII bytes as themselves, so a chunk of ASCII only
    needs no decoding unless a character of the chunk before is still open.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
                if not (chunk.isascii() and decoder.getstate()[0] == b""):
                    decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(path: Path, workdir: Path, encoding: str = "gb18030") -> Path:
    """A UTF-8 copy of *path* in *workdir* (Big5 through the first of :data:`BIG5_CODECS` that reads it).

    Raises
    ------
    DataError
        When the text is not valid in *encoding*, naming the first line that is not.
    """
    target = workdir / f"{path.stem}.utf8.csv"
    for codec in BIG5_CODECS if encoding == "big5" else (encoding,):
        decoder, done = codecs.getincrementaldecoder(codec)(errors="strict"), 0
        try:
            with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
                while chunk := src.read(CHUNK_BYTES):
                    done -= len(decoder.getstate()[0])  # bytes of a character still open are decoded again
                    dst.write(decoder.decode(chunk))
                    done += len(chunk) + len(decoder.getstate()[0])
                dst.write(decoder.decode(b"", final=True))
            return target
        except UnicodeDecodeError as exc:
            error = done + exc.start
    raise _invalid(path, encoding, _line_at(path, error))


def _line_at(path: Path, offset: int) -> int:
    """The line number (1-based) of the byte at *offset*."""
    with path.open("rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def _error(code: str, source: str, key: str, /, *, column: str | None = None, rows: list[int] | tuple[int, ...] = (),
           **values: object) -> DataError:
    """The :class:`DataError` of a file that cannot be read: the message *key* in every language (see :func:`problem`).

    Examples
    --------
    >>> err = _error("empty_file", "orders.csv", "data.read.empty_file", file="orders.csv")
    >>> str(err).startswith("orders.csv: the file is empty"), err.problems[0].text("zh")[:17]
    (True, 'orders.csv：文件是空的。')
    """
    return problem("error", code, source, key, column=column, rows=rows, **values).error()


def _detail(text: str) -> Text:
    """A message of another program (DuckDB, the system), as a message shows it: in 「」 in Chinese, where it
    stays as the program wrote it.

    Examples
    --------
    >>> _detail("No magic bytes")["zh"]
    '「No magic bytes」'
    """
    return {"en": text, "zh": f"「{text}」"}


def _invalid(path: Path, encoding: str, line: int | None = None) -> DataError:
    names = {"big5": {"en": "Big5 (Traditional Chinese)", "zh": "Big5（繁体中文）"},
             "gb18030": {"en": "GBK/GB18030", "zh": "GBK/GB18030"}, "utf-8": {"en": "UTF-8", "zh": "UTF-8"}}
    where = say("data.read.bad_bytes_at", line=line) if line is not None else {"en": "", "zh": ""}
    return _error("unknown_encoding", path.name, "data.read.invalid_text", file=path.name, stem=path.stem,
                  name=names.get(encoding, {"en": encoding, "zh": encoding}), where=where)


def _is_blank(path: Path) -> bool:
    with path.open("rb") as fh:
        return not fh.read(SNIFF_BYTES).replace(b"\xef\xbb\xbf", b"").strip()


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], list[str]]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


def csv_relation(path: Path, types: dict[str, str] | None = None, delim: str = ",", skip: int = 0,
                 max_line: int | None = None, columns: dict[str, str] | None = None) -> str:
    """SQL reading a UTF-8 CSV whose header is line ``skip + 1``; *types* overrides column types.

    *max_line* raises DuckDB's limit on the bytes of one line (2 MB) for a file that
    needs it (see :func:`long_line`). *columns* names every column of the file, in
    order, with its type: DuckDB's sniffer then does not run at all (the typed read of a
    file already described, where it would only spend time).

    The header line is always given (``skip``), so DuckDB's sniffer never chooses
    where the table starts. Only ISO dates are left to DuckDB's type sniffing; every
    other date form is read as text and parsed by the contract's rules (so 03/05/2024
    is never guessed day-first).

    Examples
    --------
    >>> csv_relation(Path("orders.csv"), {"revenue": "DOUBLE"}, skip=2)[:59]
    "read_csv('orders.csv', header = true, skip = 2, delim = ','"
    >>> csv_relation(Path("orders.csv"), columns={"revenue": "DOUBLE"})[-53:]
    "auto_detect = false, columns = {'revenue': 'DOUBLE'})"
    """
    sql = (f"read_csv({literal(str(path))}, header = true, skip = {skip}, delim = {literal(delim)}, quote = '\"', "
           f"escape = '\"', dateformat = '%Y-%m-%d', timestampformat = '%Y-%m-%d %H:%M:%S'")
    if max_line:
        sql += f", max_line_size = {max_line}"
    if columns:
        return sql + ", auto_detect = false, columns = {" + _struct(columns) + "})"
    sql += ", sample_size = 20480"
    if types:
        sql += ", types = {" + _struct(types) + "}"
    return sql + ")"


def _struct(values: dict[str, str]) -> str:
    return ", ".join(f"{literal(k)}: {literal(v)}" for k, v in values.items())


def long_line(path: Path, limit: int = DUCKDB_LINE) -> int | None:
    r"""Bytes of the longest line of *path* when it is longer than *limit*, else None.

    DuckDB refuses a line longer than 2 MB unless told; a notes cell can be longer.
    Only read when DuckDB has refused the file, so a file without such a line costs nothing.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("a,b\n1," + "x" * 50 + "\n2,y\n", encoding="utf-8")
    >>> long_line(p, limit=40), long_line(p)
    (53, None)
    """
    longest = width = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            breaks = np.flatnonzero(np.frombuffer(chunk, np.uint8) == 10)
            if not len(breaks):
                width += len(chunk)
                continue
            longest = max(longest, width + int(breaks[0]) + 1, int(np.diff(breaks).max(initial=0)))
            width = len(chunk) - int(breaks[-1]) - 1
    longest = max(longest, width)
    return longest if longest > limit else None


def delimiter(header: str) -> str:
    r"""The field separator of a CSV file, judged from its header line.

    Examples
    --------
    >>> delimiter("客户编号;金额"), delimiter("a,b"), delimiter("a\tb")
    (';', ',', '\t')
    """
    return max(DELIMITERS, key=header.count)


@dataclass
class Layout:
    """Where the table of a CSV file is: its separator, header line and a sample of rows.

    Attributes
    ----------
    delim : str
        Field separator.
    header_line : int
        Line number of the header (1 unless title, preamble or ``sep=`` lines come first).
    headers : list of str
        The header's fields.
    sample : list of list of str
        Data rows from the first 64 KB and the last 4 KB of the file.
    preamble : tuple of str
        The non-blank lines above the header (cells joined by a space).
    """

    delim: str
    header_line: int
    headers: list[str]
    sample: list[list[str]]
    preamble: tuple[str, ...] = ()


def _records(text: str, delim: str) -> list[tuple[int, list[str]]]:
    """``(first line, fields)`` of each non-blank record of *text*."""
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    out, line = [], 1
    try:
        for record in reader:
            if any(f.strip() for f in record):
                out.append((line, record))
            line = reader.line_num + 1
    except csv.Error:  # an open quote at the end of the sample
        pass
    return out


def _width(records: list[tuple[int, list[str]]]) -> tuple[int, int]:
    """The most common number of fields among *records* and how many have it (the wider on a tie)."""
    counts = Counter(len(fields) for _, fields in records)
    width, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]), default=(0, 0))
    return width, n


def _pick_delimiter(text: str) -> str:
    """The separator that splits the most records into the same number (at least two) of fields."""
    scores = {}
    for delim in DELIMITERS:
        width, n = _width(_records(text, delim))
        scores[delim] = (n if width >= 2 else 0, width)
    best = max(DELIMITERS, key=lambda d: scores[d])  # max keeps the first of equals: ',' before ';'
    return best if scores[best][0] else delimiter(text.split("\n", 1)[0])


def _named(fields: list[str]) -> int:
    return sum(bool(f.strip()) for f in fields)


def _value_like(fields: list[str]) -> bool:
    """Whether a record holds a number or a date (a year alone, such as a header 2024, does not count)."""
    return any(_VALUE.fullmatch(f.strip()) and not _YEAR.fullmatch(f.strip()) for f in fields if f.strip())


def find_header(records: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The header record among the first records of a file: ``(line, fields)``.

    The header is the first record that names more than half of the columns (the
    usual number of fields) and holds no number or date; title lines (one cell),
    preamble lines (``导出时间: 2024-06-30``) and metadata pairs come before it. When
    no record qualifies (a header of years, or no header), the first record that
    names more than half of the columns is taken, as a spreadsheet would.

    Examples
    --------
    >>> rows = [(1, ["订单明细", "", ""]), (2, ["导出时间", "2024-06-30", ""]), (4, ["客户编号", "下单日期", "金额"]),
    ...         (5, ["A01", "2024-03-05", "100"])]
    >>> find_header(rows)
    (4, ['客户编号', '下单日期', '金额'])
    """
    head = records[:HEADER_SEARCH]
    width, _ = _width(head[1:] or head)
    wide = [(line, fields) for line, fields in head if _named(fields) * 2 > width]
    return next(((line, f) for line, f in wide if not _value_like(f)), wide[0] if wide else head[0])


def _read_text(path: Path, start: int, size: int) -> str:
    with path.open("rb") as fh:
        fh.seek(start)
        data = fh.read(size)
    return data.decode("utf-8", errors="replace").lstrip("\ufeff")


def sniff_layout(path: Path) -> Layout:
    r"""Find the separator, the header line and a sample of rows of a UTF-8 CSV file.

    Only the first 64 KB and the last 4 KB are read. An Excel ``sep=;`` first line
    sets the separator; otherwise it is the one that splits the most lines into the
    same number of fields (see :func:`find_header` for the header).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("sep=;\n订单明细\n\n客户编号;金额\nA01;12,5\nA02;3,25\n", encoding="utf-8")
    >>> layout = sniff_layout(p)
    >>> layout.delim, layout.header_line, layout.headers, layout.sample
    (';', 4, ['客户编号', '金额'], [['A01', '12,5'], ['A02', '3,25']])
    """
    size, head = path.stat().st_size, SNIFF_BYTES
    text = _read_text(path, 0, head)
    while "\n" not in text and head < size:  # a title line longer than the head: read on to its end
        head *= 4
        text = _read_text(path, 0, head)
    if size > head:
        text = text[: text.rfind("\n") + 1] or text
    first = re.match(r"(?i)sep=(.)[ \t]*\r?(\n|$)", text)
    body = text[first.end():] if first else text
    delim = first.group(1) if first else _pick_delimiter(body)
    records = _records(body, delim)
    if not records:
        return Layout(delim, 1, [], [])
    line, headers = find_header(records)
    offset = 1 if first else 0
    sample = [fields for at, fields in records if at > line][:SAMPLE_ROWS]
    if size > head:
        tail = _read_text(path, max(head, size - TAIL_BYTES), TAIL_BYTES)
        sample += [fields for _, fields in _records(tail[tail.find("\n") + 1:], delim)]
    preamble = tuple(_joined(fields) for at, fields in records if at < line)
    return Layout(delim, line + offset, headers, [f for f in sample if len(f) == len(headers)], preamble)


def _joined(fields: list[str]) -> str:
    return " ".join(f.strip() for f in fields if f.strip())


def _repeated(headers: list[str]) -> list[str]:
    seen: set[str] = set()
    return [h for h in headers if h.strip() and (normalise(h) in seen or seen.add(normalise(h)))]


def _has_pair(data: bytes, pair: bytes) -> bool:
    r"""Whether the two bytes *pair* occur side by side in *data* (compared two bytes at a time).

    Several times faster than ``pair in data`` when the first byte is frequent, as
    ``\n`` is in a CSV file.

    Examples
    --------
    >>> _has_pair(b"a\nb\n\nc", b"\n\n"), _has_pair(b"a\nb\nc\n", b"\n\n")
    (True, False)
    """
    target = np.frombuffer(pair, np.uint16)[0]
    return len(data) > 1 and any(
        (np.frombuffer(data, np.uint16, (len(data) - start) // 2, start) == target).any() for start in (0, 1)
    )


def _has_blank_lines(path: Path) -> bool:
    """Whether the file has a line break right after another (``\\n\\n`` or ``\\n\\r\\n``)."""
    with path.open("rb") as fh:
        tail = b""
        while chunk := fh.read(SCAN_BYTES):
            text = tail + chunk
            if _has_pair(text, b"\n\n") or (_has_pair(text, b"\n\r") and re.search(rb"\n\r\n", text)):
                return True
            tail = text[-2:]
    return False


def in_thread(function: Callable[..., T], *args: object) -> Future[T]:
    """Call *function* with *args* in a thread of its own, which ends with the call.

    A thread per call, never a pool kept between loads: a process forked after a load
    (a worker of a report run) would inherit a pool whose threads it does not have.

    Examples
    --------
    >>> in_thread(sum, [1, 2]).result()
    3
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kamlib-scan")
    try:
        return pool.submit(function, *args)
    finally:
        pool.shutdown(wait=False)


def blank_lines(path: Path, delim: str, after: int = 0) -> tuple[int, ...]:
    r"""Line numbers (1-based) of the blank lines of a CSV file below line *after* (the header).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("a,b\n1,2\n\n3,4\n", encoding="utf-8")
    >>> blank_lines(p, ",")
    (3,)
    """
    if not _has_blank_lines(path):
        return ()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delim)
        return tuple(n for n in (reader.line_num for record in reader if not record) if n > after)


def file_rows(rows: tuple[int, ...] | list[int], blanks: tuple[int, ...]) -> tuple[int, ...]:
    """Turn record numbers (header = 1, blank lines skipped) into the file's line numbers.

    Examples
    --------
    >>> file_rows((2, 4), (3,))
    (2, 5)
    """
    out = []
    for row in rows:
        for blank in blanks:
            row += blank <= row
        out.append(row)
    return tuple(out)


def _csv_lines(path: Path, delim: str, header_line: int) -> Iterator[tuple[int, list[str], list[str]]]:
    """``(line, fields)`` of the records below the header line (blank ones skipped), and the header."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delim)
        header: list[str] = []
        for record in reader:
            if reader.line_num < header_line:
                continue
            if not header:
                header = record
                continue
            if record:
                yield reader.line_num, record, header


def ragged_rows(path: Path, delim: str, limit: int = 5, header_line: int = 1) -> list[tuple[int, int]]:
    r"""Rows whose number of fields differs from the header's: ``[(row, fields)]``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("a,b\n1,2\n1,2,3\n", encoding="utf-8")
    >>> ragged_rows(p, ",")
    [(3, 3)]
    """
    found: list[tuple[int, int]] = []
    for line, record, header in _csv_lines(path, delim, header_line):
        if len(record) != len(header):
            found.append((line, len(record)))
            if len(found) == limit:
                break
    return found


def _header_like(fields: list[str]) -> bool:
    return _named(fields) * 2 > len(fields) and not _value_like(fields)


def header_difference(first: list[str], second: list[str]) -> str:
    """What differs between two header rows, in words.

    Examples
    --------
    >>> header_difference(["客户编号", "金额"], ["客户编号", "金额", "备注"])
    "it adds column '备注'"
    >>> header_difference(["a", "b"], ["b", "a"])
    'the columns are in another order'
    """
    return difference_text(first, second)["en"]


def difference_text(first: list[str], second: list[str]) -> Text:
    """:func:`header_difference` in every language.

    Examples
    --------
    >>> difference_text(["客户编号", "金额", "备注"], ["客户编号", "日期"])["zh"]
    "它多出列 '日期'，且它缺少列 '金额'、'备注'"
    """
    names, other = [normalise(h) for h in first], [normalise(h) for h in second]
    added = [h for h, n in zip(second, other) if n not in names]
    missing = [h for h, n in zip(first, names) if n not in other]
    parts = [say(f"data.read.{verb}_{'many' if len(columns) > 1 else 'one'}", columns=quoted(columns))
             for verb, columns in (("adds", added), ("lacks", missing)) if columns]
    return join(parts, say("data.read.and")) if parts else say("data.read.other_order")


def second_header(label: str, row: int, first: list[str], second: list[str], first_line: int = 1) -> DataError:
    """The error for a file that holds a second table (another export appended) with other columns."""
    named = [s for s in second if s]
    return _error("second_header", label, "data.read.second_header", rows=[row], file=label, row=row,
                  second={"en": ", ".join(named), "zh": quoted(named)["zh"]}, first_line=first_line,
                  difference=difference_text(first, second))


def unreadable_csv(path: Path, label: str, delim: str, exc: BaseException, header_line: int = 1) -> DataError:
    """The error for a CSV file DuckDB cannot split, naming the rows that break the shape.

    A row that breaks the shape and looks like a header is another export appended
    below the first: the error says so and what differs between the two headers.
    """
    bad = ragged_rows(path, delim, header_line=header_line)
    if bad:
        records = {line: (record, header) for line, record, header in _csv_lines(path, delim, header_line)
                   if line in {r for r, _ in bad}}
        for row, _ in bad:
            record, header = records[row]
            if _named(record) > 1 and _header_like(record):
                return second_header(label, row, header, record, header_line)
        where = join([say("data.read.row_fields", row=r, n=n) for r, n in bad], {"en": ", ", "zh": "，"})
        what = say("data.read.ragged_rows", where=where)
        totals = [(r, _joined(records[r][0])) for r, _ in bad if _TOTAL.match(_joined(records[r][0]))]
        if totals:
            row, text = totals[0]
            what = join([what, say("data.read.total_hint", row=row, text=repr(text))], {"en": "", "zh": ""})
    else:
        what = say("data.read.not_csv", detail=_detail(_first_line(exc, path)))
    return _error("unreadable", label, "data.read.ragged", rows=[r for r, _ in bad], file=label, what=what,
                  delim=delim)


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, reading: Reading | None = None,
             table: str | None = None, every_byte: bool = False) -> Source:
    """Describe a CSV file as a :class:`Source` (encoding detected, header line found, types sniffed).

    The encoding is judged from the head of the file (see :func:`detect_encoding`)
    unless *every_byte*; a file that then turns out not to be UTF-8 further down is
    described again, judged on every byte (:attr:`Source.recheck`).

    Raises
    ------
    DataError
        For an empty file, an undetectable encoding or text DuckDB cannot split
        into columns.
    """
    reading = reading or Reading()
    if _is_blank(path):
        raise _error("empty_file", path.name, "data.read.empty_file", file=path.name)
    encoding = detect_encoding(path, reading.encoding_for(path.stem, table or path.stem), head_only=not every_byte)
    readable = path if encoding == "utf-8" else _transcode(path, workdir, encoding)
    recheck = partial(read_csv, con, path, workdir, reading, table, every_byte=True) if readable == path \
        and not every_byte else None
    layout = sniff_layout(readable)
    repeated_headers(layout.headers, path.name, layout.header_line)
    skip = layout.header_line - 1
    max_line = None
    source = Source(path.stem, path.name, "", [], [], layout.header_line, readable, layout.delim, (), skip,
                    layout.sample, preamble=layout.preamble, recheck=recheck,
                    blank_scan=in_thread(blank_lines, readable, layout.delim, layout.header_line))
    try:
        headers, types = _describe(con, csv_relation(readable, delim=layout.delim, skip=skip))
    except duckdb.Error as exc:
        max_line = long_line(readable)  # a cell longer than DuckDB reads by default, or a broken file
        try:
            if max_line is None:
                raise
            headers, types = _describe(con, csv_relation(readable, delim=layout.delim, skip=skip, max_line=max_line))
        except duckdb.Error:
            try:
                confirm_utf8(source)
            except NotUTF8:
                return recheck()
            raise unreadable_csv(readable, path.name, layout.delim, exc, layout.header_line) from None
    return replace(source, relation=csv_relation(readable, delim=layout.delim, skip=skip, max_line=max_line),
                   headers=headers, types=types, max_line=max_line)


def repeated_headers(headers: list[str], label: str, row: int = 1) -> None:
    """Raise when a header appears twice (which would hide one of the two columns).

    *row* is the header's row in the file (below any title rows), which the message names
    with the header found there.

    Raises
    ------
    DataError
        Naming the repeated header, the header row and what it holds.

    Examples
    --------
    >>> repeated_headers(["客户编号", "金额", "金额"], "orders.csv", 3)
    Traceback (most recent call last):
    ...
    kamlib.errors.DataError: orders.csv: column '金额' appears more than once in the header (row 3: 客户编号, 金额, \
金额). Rename or remove the repeated column so that each column has its own name.
    """
    repeated = _repeated(headers)
    if repeated:
        named = [h.strip() for h in headers if h.strip()]
        raise _error("duplicate_column", label, "data.read.repeated_header", column=repeated[0], file=label,
                     row=row, found={"en": ", ".join(named), "zh": quoted(named)["zh"]}, name=repr(repeated[0]))


def _cell_text(value: object) -> str | None:
    """The text of a cell's value as openpyxl reads it (None for an empty cell)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sheet_name(path: Path, names: list[str], sheet: str | int | None) -> str:
    """The sheet *sheet* names (a name, or a number from 1), the first one for None."""
    if sheet is None:
        return names[0]
    if isinstance(sheet, int) and 1 <= sheet <= len(names):
        return names[sheet - 1]
    match = [n for n in names if normalise(n) == normalise(sheet)]
    if match:
        return match[0]
    raise _error("no_sheet", path.name, "data.read.no_sheet", file=path.name, sheet=repr(sheet),
                 sheets=", ".join(names), stem=path.stem, first=names[0])


def _sheet(path: Path, sheet: str | int | None = None, rows: int | None = None
           ) -> tuple[str, list[str], list[list[str | None]]]:
    """``(sheet, every sheet's name, cells)`` of one sheet (the first by default), its cells as text.

    Cells are read as written: ``NA`` stays ``NA``, an error cell is its code (``#N/A``).
    *rows* reads only the first rows (to look at a sheet's header).
    """
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        name = _sheet_name(path, book.sheetnames, sheet)
        cells = [[_cell_text(cell.value) for cell in row] for row in book[name].iter_rows(max_row=rows)]
        return name, list(book.sheetnames), cells
    finally:
        book.close()


def sheet_header(path: Path, sheet: str) -> list[str]:
    """The header of a sheet (see :func:`find_header`), from its first rows only; empty for an empty sheet."""
    _, _, cells = _sheet(path, sheet, HEADER_SEARCH)
    records = [(n, _trimmed([c or "" for c in row])) for n, row in enumerate(cells, 1) if any(row)]
    return find_header(records)[1] if records else []


def _trimmed(row: list[str]) -> list[str]:
    """A sheet row without the empty cells at its end (a sheet's width is often wider than its table)."""
    while row and not row[-1]:
        row = row[:-1]
    return row


def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_excel(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None = None) -> Source:
    """Read a sheet of an Excel workbook (by default the first that is not empty) as text and register it in *con*.

    Every cell is read as written: text stays text (``NA``, ``None``, ``NULL`` are
    values, not gaps), numbers and dates are written out, and an error cell keeps its
    code (``#N/A``, ``#REF!`` …) so that the checks report it with its cell address.
    Title rows above the header are skipped (see :func:`find_header`) and blank rows
    are left out but counted back into the row numbers.

    Raises
    ------
    DataError
        When the workbook cannot be opened or the sheet is empty.
    """
    if path.suffix.lower() == ".xls":
        raise _error("unreadable_excel", path.name, "data.read.old_xls", file=path.name)
    try:
        name, sheets, cells = _sheet(path, sheet)
    except (DataError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many unrelated types for a broken file
        raise _error("unreadable_excel", path.name, "data.read.not_workbook", file=path.name,
                     kind=_detail(type(exc).__name__)) from None
    records = [(n, _trimmed([c or "" for c in row])) for n, row in enumerate(cells, 1) if any(row)]
    later = sheets[sheets.index(name) + 1:]
    if not records and sheet is None and later:  # an empty first sheet (Sheet1 left blank): the next one
        return read_excel(con, path, later[0])
    if not records:
        others = [s for s in sheets if s != name]
        fix = (say("data.read.choose_sheet", stem=path.stem, other=others[0], sheets=", ".join(sheets)) if others
               else say("data.read.first_sheet"))
        raise _error("empty_file", path.name, "data.read.empty_sheet", file=path.name, sheet=repr(name), fix=fix)
    header_row, names = find_header(records)
    data = [(n, row) for n, row in records if n > header_row]
    used = [i for i in range(max(len(row) for _, row in records))
            if (i < len(names) and names[i].strip()) or any(i < len(row) and row[i] for _, row in data)]
    headers = [names[i].strip() if i < len(names) and names[i].strip() else f"column {_letter(i)}" for i in used]
    repeated_headers(headers, path.name, header_row)
    columns = {f"c{i}": [row[i] if i < len(row) and row[i] != "" else None for _, row in data] for i in used}
    import pyarrow as pa

    view = f"_xlsx_{abs(hash(str(path)))}"
    con.register(view, pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()}))
    select = ", ".join(f"c{i} AS {quote(h)}" for i, h in zip(used, headers))
    relation = f"(SELECT {select} FROM {view})"
    present = {n for n, _ in data}
    blanks = tuple(n for n in range(header_row + 1, data[-1][0] if data else header_row) if n not in present)
    return Source(path.stem, path.name, relation, headers, ["VARCHAR"] * len(headers), header_row,
                  blank_lines=blanks, cells={h: _letter(i) for i, h in zip(used, headers)},
                  preamble=tuple(_joined(row) for n, row in records if n < header_row), sheet=name,
                  sheets=tuple(sheets))


def _zones(path: Path) -> dict[str, str]:
    """``{column: time zone}`` of the timestamp columns of a Parquet file that record their zone."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception:  # noqa: BLE001 - DuckDB reports an unreadable file
        return {}
    return {f.name: f.type.tz for f in schema if pa.types.is_timestamp(f.type) and f.type.tz}


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Source:
    """Describe a Parquet file as a :class:`Source` (types as stored).

    A timestamp with a time zone gives the date in its own zone (as recorded in the
    file; UTC when it records none), never the computer's.
    """
    relation = f"read_parquet({literal(str(path))})"
    try:
        headers, types = _describe(con, relation)
    except duckdb.Error as exc:
        raise _error("unreadable", path.name, "data.read.not_parquet", file=path.name,
                     detail=_detail(_first_line(exc, path))) from None
    zones = _zones(path) if "TIMESTAMP WITH TIME ZONE" in types else {}
    known = {r[0] for r in con.execute("SELECT name FROM pg_timezone_names()").fetchall()} if zones else set()
    for column, zone in zones.items():
        if zone not in known and not re.fullmatch(r"[+-]\d{2}:?\d{2}", zone):
            raise _error("unknown_time_zone", path.name, "data.read.time_zone", column=column, file=path.name,
                         name=repr(column), zone=repr(zone))
    return Source(path.stem, path.name, relation, headers, types, 0, zones=zones)


def read_database(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    """Attach a DuckDB database read-only; return its tables and views as ``(schema, name)``.

    Tables and views of every schema count (``crm.orders`` as well as ``orders``);
    DuckDB's own catalog views do not.

    Raises
    ------
    DataError
        When the file cannot be read or is not a DuckDB database.
    """
    check_readable(path)
    try:
        con.execute(f"ATTACH {literal(str(path))} AS src (READ_ONLY)")
    except duckdb.Error as exc:
        raise _error("unreadable", path.name, "data.read.not_duckdb", file=path.name,
                     detail=_detail(_first_line(exc, path))) from None
    return [(schema, name) for schema, name in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'src' UNION ALL "
        "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'src' AND NOT internal "
        "ORDER BY schema_name <> 'main', schema_name, 2"
    ).fetchall()]


def database_source(con: duckdb.DuckDBPyConnection, path: Path, schema: str, name: str) -> Source:
    """Describe table or view *schema*.*name* of the database :func:`read_database` attached.

    Raises
    ------
    DataError
        When it cannot be read (a view whose query fails).
    """
    label = f"{path.name}:{name}" if schema == "main" else f"{path.name}:{schema}.{name}"
    relation = f"src.{quote(schema)}.{quote(name)}"
    try:
        headers, types = _describe(con, relation)
    except duckdb.Error as exc:
        raise _error("unreadable", label, "data.read.view_fails", file=label,
                     detail=_detail(_first_line(exc, path))) from None
    return Source(name, label, relation, headers, types, 0)


def data_files(folder: Path) -> list[Path]:
    """The data files of a folder, sorted (hidden and temporary Office files skipped).

    Raises
    ------
    DataError
        When the folder cannot be listed (permission denied).
    """
    try:
        return sorted(
            p for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith((".", "~$"))
        )
    except PermissionError:
        raise _error("permission_denied", str(folder), "data.read.folder_denied", file=folder) from None


def other_files(folder: Path) -> list[Path]:
    """Files of a data folder that are not read: not data, not ``kam.yml``, not a README."""
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() not in DATA_SUFFIXES and p.name != "kam.yml"
        and not p.name.startswith((".", "~$")) and not p.stem.lower().startswith("readme")
    )


def check_readable(path: Path) -> None:
    """Raise a :class:`DataError` naming *path* when it cannot be opened for reading (permission denied …).

    Examples
    --------
    >>> check_readable(Path("no-such-file.csv"))
    Traceback (most recent call last):
    ...
    kamlib.errors.DataError: no-such-file.csv: cannot be read (No such file or directory). Check that the file is \
there and that your user account may read it (or copy it into a folder of your own), then load again.
    """
    try:
        with path.open("rb") as fh:
            fh.read(1)
    except PermissionError:
        raise _error("permission_denied", path.name, "data.read.file_denied", file=path.name) from None
    except OSError as exc:
        raise _error("unreadable", path.name, "data.read.file_unreadable", file=path.name,
                     detail=_detail(exc.strerror or type(exc).__name__)) from None


def read_file(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, reading: Reading | None = None,
              table: str | None = None) -> Source:
    """Dispatch on the file suffix (*table*: the contract table the file is for, for per-table settings).

    Raises
    ------
    DataError
        When the file cannot be read (permission denied …) or read as a table.
    """
    check_readable(path)
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_excel(con, path, (reading or Reading()).sheet_for(path.stem, table or path.stem))
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(con, path)
    return read_csv(con, path, workdir, reading, table)


def new_workdir() -> tempfile.TemporaryDirectory:
    """A temporary folder for transcoded copies, removed with the dataset."""
    return tempfile.TemporaryDirectory(prefix="kamlib-")


def _first_line(exc: BaseException, path: Path | None = None) -> str:
    line = str(exc).strip().splitlines()[0]
    line = re.sub(r"^[A-Za-z ]*Error: ", "", line)
    if path is not None:
        line = line.replace(str(path), path.name)
    return line[:200]
