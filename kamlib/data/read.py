"""Find the table files of a dataset and expose each as a DuckDB relation.

A dataset is a folder of ``<table>.csv|.xlsx|.parquet`` files or a DuckDB database
file. CSV text is read by DuckDB; its encoding (UTF-8, UTF-8 with BOM, GBK /
GB18030) is detected from the bytes, and GB18030 text is transcoded to a temporary
UTF-8 copy first. Excel sheets are read with openpyxl as text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from kamlib.data.aliases import normalise
from kamlib.data.parse import literal, quote
from kamlib.errors import DataError

CSV_SUFFIXES = (".csv", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")
DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
DATA_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
SNIFF_BYTES = 1 << 16
CHUNK_BYTES = 1 << 24
SCAN_BYTES = 1 << 20


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
        Line numbers of blank lines in a CSV file, which DuckDB skips; used to
        turn record numbers back into the line numbers a spreadsheet shows.
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


def detect_encoding(path: Path) -> str:
    """Return ``"utf-8"`` or ``"gb18030"`` for a text file, from its bytes.

    A UTF-8 byte-order mark or text that decodes as UTF-8 gives ``"utf-8"``; text
    that decodes as GB18030 (a superset of GBK and GB2312) gives ``"gb18030"``.

    Raises
    ------
    DataError
        When the bytes are neither.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes("客户编号\\n1\\n".encode("gbk"))
    >>> detect_encoding(p)
    'gb18030'
    """
    with path.open("rb") as fh:
        has_nul = b"\x00" in fh.read(SNIFF_BYTES)
    for encoding in ("utf-8", "gb18030"):
        if not has_nul and _decodes(path, encoding):
            return encoding
    raise DataError(
        f"{path.name}: cannot tell the text encoding (it is neither UTF-8 nor GBK/GB18030; UTF-16 is not read). "
        "Save the file as 'CSV UTF-8' from Excel, or as .xlsx.",
        source=path.name,
        code="unknown_encoding",
    )


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


def _transcode(path: Path, workdir: Path) -> Path:
    target = workdir / f"{path.stem}.utf8.csv"
    with path.open("r", encoding="gb18030", newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK_BYTES):
            dst.write(chunk)
    return target


def _is_blank(path: Path) -> bool:
    with path.open("rb") as fh:
        return not fh.read(SNIFF_BYTES).replace(b"\xef\xbb\xbf", b"").strip()


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], list[str]]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return [r[0] for r in rows], [r[1] for r in rows]


def csv_relation(path: Path, types: dict[str, str] | None = None, delim: str = ",") -> str:
    """SQL reading a UTF-8 CSV with a header row; *types* overrides column types.

    Only ISO dates are left to DuckDB's type sniffing; every other date form is
    read as text and parsed by the contract's rules (so 03/05/2024 is never
    guessed day-first).

    Examples
    --------
    >>> csv_relation(Path("orders.csv"), {"revenue": "DOUBLE"})[:60]
    "read_csv('orders.csv', header = true, delim = ',', quote = '"
    """
    sql = (f"read_csv({literal(str(path))}, header = true, delim = {literal(delim)}, quote = '\"', "
           f"escape = '\"', dateformat = '%Y-%m-%d', timestampformat = '%Y-%m-%d %H:%M:%S', sample_size = 20480")
    if types:
        sql += ", types = {" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in types.items()) + "}"
    return sql + ")"


def _header_line(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return fh.readline()


def delimiter(header: str) -> str:
    r"""The field separator of a CSV file, judged from its header line.

    Examples
    --------
    >>> delimiter("客户编号;金额"), delimiter("a,b"), delimiter("a\tb")
    (';', ',', '\t')
    """
    return max((",", ";", "\t", "|"), key=header.count)


def _headers(header: str, delim: str) -> list[str]:
    return next(csv.reader([header], delimiter=delim), [])


def _repeated(headers: list[str]) -> list[str]:
    seen: set[str] = set()
    return [h for h in headers if normalise(h) in seen or seen.add(normalise(h))]


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


def blank_lines(path: Path, delim: str) -> tuple[int, ...]:
    r"""Line numbers (1-based) of the blank lines of a CSV file.

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
        return tuple(reader.line_num for record in reader if not record)


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


def ragged_rows(path: Path, delim: str, limit: int = 5) -> list[tuple[int, int]]:
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
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delim)
        width = len(next(reader, []))
        for record in reader:
            if record and len(record) != width:
                found.append((reader.line_num, len(record)))
                if len(found) == limit:
                    break
    return found


def unreadable_csv(path: Path, label: str, delim: str, exc: BaseException) -> DataError:
    """The error for a CSV file DuckDB cannot split, naming the rows that break the shape."""
    bad = ragged_rows(path, delim)
    if bad:
        where = ", ".join(f"row {r}: {n} fields" for r, n in bad)
        what = f"some rows do not have as many fields as the header ({where})"
    else:
        what = f"it cannot be read as CSV ({_first_line(exc, path)})"
    return DataError(
        f"{label}: {what}. Check the separators and quotes in these rows (a text with a '{delim}' in it must be "
        f"in double quotes), or save the sheet as .xlsx.",
        source=label, rows=[r for r, _ in bad], code="unreadable",
    )


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> Source:
    """Describe a CSV file as a :class:`Source` (encoding detected, types sniffed).

    Raises
    ------
    DataError
        For an empty file, an undetectable encoding or text DuckDB cannot split
        into columns.
    """
    if _is_blank(path):
        raise DataError(
            f"{path.name}: the file is empty. Export the table again with its header row, or remove the file.",
            source=path.name,
            code="empty_file",
        )
    readable = path if detect_encoding(path) == "utf-8" else _transcode(path, workdir)
    header = _header_line(readable)
    delim = delimiter(header)
    repeated_headers(_headers(header, delim), path.name)
    relation = csv_relation(readable, delim=delim)
    try:
        headers, types = _describe(con, relation)
    except duckdb.Error as exc:
        raise unreadable_csv(readable, path.name, delim, exc) from None
    return Source(path.stem, path.name, relation, headers, types, 1, readable, delim, blank_lines(readable, delim))


def repeated_headers(headers: list[str], label: str) -> None:
    """Raise when a header appears twice (which would hide one of the two columns).

    Raises
    ------
    DataError
        Naming the repeated header.
    """
    repeated = _repeated(headers)
    if repeated:
        raise DataError(
            f"{label}: column {repeated[0]!r} appears more than once in the header. Rename or remove the repeated "
            f"column so that each column has its own name.",
            source=label, column=repeated[0], code="duplicate_column",
        )


def _cell_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_excel(con: duckdb.DuckDBPyConnection, path: Path) -> Source:
    """Read the first sheet of an Excel workbook as text and register it in *con*.

    Raises
    ------
    DataError
        When the workbook cannot be opened or the sheet is empty.
    """
    if path.suffix.lower() == ".xls":
        raise DataError(
            f"{path.name}: the old Excel 97-2003 format (.xls) is not supported. "
            "Open it in Excel or WPS and save it as .xlsx (or as CSV UTF-8).",
            source=path.name,
            code="unreadable_excel",
        )
    try:
        sheet = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl", header=None)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many unrelated types for a broken file
        raise DataError(
            f"{path.name}: cannot be opened as an Excel workbook ({type(exc).__name__}). "
            "Open it in Excel and save it again as .xlsx, or export the sheet as CSV UTF-8.",
            source=path.name,
            code="unreadable_excel",
        ) from None
    if sheet.empty:
        raise DataError(
            f"{path.name}: the first sheet is empty. Put the table (header row first) on the first sheet.",
            source=path.name,
            code="empty_file",
        )
    headers = [str(c) for c in sheet.iloc[0]]
    repeated_headers(headers, path.name)
    frame = sheet.iloc[1:]
    text = pd.DataFrame({f"c{i}": [_cell_text(v) for v in frame.iloc[:, i]] for i in range(len(headers))}, dtype=object)
    view = f"_xlsx_{abs(hash(str(path)))}"
    con.register(view, text)
    select = ", ".join(f"CAST(c{i} AS VARCHAR) AS {quote(h)}" for i, h in enumerate(headers))
    relation = f"(SELECT {select} FROM {view})"
    return Source(path.stem, path.name, relation, headers, ["VARCHAR"] * len(headers), 1)


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Source:
    """Describe a Parquet file as a :class:`Source` (types as stored)."""
    relation = f"read_parquet({literal(str(path))})"
    try:
        headers, types = _describe(con, relation)
    except duckdb.Error as exc:
        raise DataError(
            f"{path.name}: cannot be read as Parquet ({_first_line(exc, path)}). Write the file again, or export CSV.",
            source=path.name,
            code="unreadable",
        ) from None
    return Source(path.stem, path.name, relation, headers, types, 0)


def read_database(con: duckdb.DuckDBPyConnection, path: Path) -> list[Source]:
    """Attach a DuckDB database read-only and describe each of its tables."""
    try:
        con.execute(f"ATTACH {literal(str(path))} AS src (READ_ONLY)")
    except duckdb.Error as exc:
        raise DataError(
            f"{path.name}: cannot be opened as a DuckDB database ({_first_line(exc, path)}). "
            "Pass a folder of CSV/XLSX/Parquet files or a file written by DuckDB.",
            source=path.name,
            code="unreadable",
        ) from None
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' ORDER BY table_name"
    ).fetchall()]
    sources = []
    for name in names:
        relation = f"src.{quote(name)}"
        headers, types = _describe(con, relation)
        sources.append(Source(name, f"{path.name}:{name}", relation, headers, types, 0))
    return sources


def data_files(folder: Path) -> list[Path]:
    """The data files of a folder, sorted (hidden and temporary Office files skipped)."""
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith((".", "~$"))
    )


def other_files(folder: Path) -> list[Path]:
    """Files of a data folder that are not read: not data, not ``kam.yml``, not a README."""
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() not in DATA_SUFFIXES and p.name != "kam.yml"
        and not p.name.startswith((".", "~$")) and not p.stem.lower().startswith("readme")
    )


def read_file(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path) -> Source:
    """Dispatch on the file suffix."""
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return read_excel(con, path)
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(con, path)
    return read_csv(con, path, workdir)


def new_workdir() -> tempfile.TemporaryDirectory:
    """A temporary folder for transcoded copies, removed with the dataset."""
    return tempfile.TemporaryDirectory(prefix="kamlib-")


def _first_line(exc: BaseException, path: Path | None = None) -> str:
    line = str(exc).strip().splitlines()[0]
    line = re.sub(r"^[A-Za-z ]*Error: ", "", line)
    if path is not None:
        line = line.replace(str(path), path.name)
    return line[:200]
