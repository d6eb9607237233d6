"""Find the table files of a dataset and expose each as a DuckDB relation.

A dataset is a folder of ``<table>.csv|.xlsx|.parquet`` files or a DuckDB database
file. CSV text is read by DuckDB; its encoding (UTF-8, UTF-8 with BOM, GBK /
GB18030) is detected from the bytes, and GB18030 text is transcoded to a temporary
UTF-8 copy first. Excel sheets are read with openpyxl as text.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from kamlib.data.parse import literal, quote
from kamlib.errors import DataError

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")
DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
DATA_SUFFIXES = CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
SNIFF_BYTES = 1 << 16
CHUNK_BYTES = 1 << 24


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
    """

    name: str
    label: str
    relation: str
    headers: list[str]
    types: list[str]
    offset: int
    csv_path: Path | None = None


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
    for encoding in ("utf-8", "gb18030"):
        if _decodes(path, encoding):
            return encoding
    raise DataError(
        f"{path.name}: cannot tell the text encoding (it is neither UTF-8 nor GBK/GB18030). "
        "Save the file as 'CSV UTF-8' from Excel, or as .xlsx.",
        source=path.name,
        code="unknown_encoding",
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(CHUNK_BYTES):
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


def csv_relation(path: Path, types: dict[str, str] | None = None) -> str:
    """SQL reading a UTF-8 CSV with a header row; *types* overrides column types.

    Examples
    --------
    >>> csv_relation(Path("orders.csv"), {"revenue": "DOUBLE"})
    "read_csv('orders.csv', header = true, auto_detect = true, sample_size = 20480, types = {'revenue': 'DOUBLE'})"
    """
    sql = f"read_csv({literal(str(path))}, header = true, auto_detect = true, sample_size = 20480"
    if types:
        sql += ", types = {" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in types.items()) + "}"
    return sql + ")"


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
    relation = csv_relation(readable)
    try:
        headers, types = _describe(con, relation)
    except duckdb.Error as exc:
        raise DataError(
            f"{path.name}: cannot be read as CSV ({_first_line(exc)}). "
            "Check that every row has the same number of separators, or save the sheet as .xlsx.",
            source=path.name,
            code="unreadable",
        ) from None
    return Source(path.stem, path.name, relation, headers, types, 1, readable)


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
        frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many unrelated types for a broken file
        raise DataError(
            f"{path.name}: cannot be opened as an Excel workbook ({type(exc).__name__}). "
            "Open it in Excel and save it again as .xlsx, or export the sheet as CSV UTF-8.",
            source=path.name,
            code="unreadable_excel",
        ) from None
    if frame.columns.empty:
        raise DataError(
            f"{path.name}: the first sheet is empty. Put the table (header row first) on the first sheet.",
            source=path.name,
            code="empty_file",
        )
    headers = [str(c) for c in frame.columns]
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
            f"{path.name}: cannot be read as Parquet ({_first_line(exc)}). Write the file again, or export CSV.",
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
            f"{path.name}: cannot be opened as a DuckDB database ({_first_line(exc)}). "
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


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200]
