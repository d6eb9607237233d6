"""Turn one :class:`~kamlib.data.read.Source` into a typed DuckDB table, with checks.

The steps for one table: map the file's headers onto the contract (aliases), check
that required columns are there, choose the decimal mark, then read the rows once
into a typed table ``_t_<table>`` (in file order; for a CSV file, a view of the Arrow
rows DuckDB read it into, which the cache starts writing as they are while they are
checked). Where a value has to be parsed from text, the text is kept beside it for the
checks (``__raw_<column>``).

Rows that are not records are found next, with one query per text column that DuckDB
answers from its column statistics (for Arrow rows: from the first bytes of the cells)
when there are none: total rows (合计, Total …) and a header repeated further down
(another export appended). They are left out and counted with a note, never read as an
account.

One aggregate query then counts the cells that break each rule. Clean data is done
at that point. Otherwise the rows are numbered as in the file, the values that break
each rule are fetched (every distinct bad value with its count and first rows), and
the rows that break a rule are deleted from the typed table and counted by reason —
never dropped silently. The rules are explained in ``docs/data.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import duckdb
import numpy as np
import pyarrow as pa

from kamlib.data.aliases import Aliases, normalise
from kamlib.data.parse import (
    EXCEL_ERRORS,
    INTEGER_TYPES,
    NUMERIC_TYPES,
    decimal_mark,
    expected,
    expression,
    label_variants,
    literal,
    no_date,
    not_finite,
    outside,
    present,
    quote,
    trimmed,
)
from kamlib.data.problems import (
    MAX_ROWS,
    MAX_VALUES,
    VALUE_ROWS,
    Problem,
    Text,
    join,
    problem,
    quoted,
    rows_text,
    say,
    shown_text,
    value_list,
)
from kamlib.data.read import (
    NotUTF8,
    Source,
    confirm_utf8,
    csv_relation,
    file_rows,
    long_line,
    second_header,
    unreadable_csv,
)
from kamlib.data.schema import Column, Reading, Table
from kamlib.i18n import LANGS

FIX_CELLS = say("data.fix.cells")
FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL")
#: Text columns where a total row puts its label, besides the id columns and the file's first column.
LABEL_COLUMNS = ("account_name", "product_name", "rep_name", "name", "region", "segment", "family", "month")
#: A number of a total row equals a sum of the rows above within this share of it (or 0.01).
TOTAL_TOLERANCE = 0.005
KEEP_TYPES = {
    "date": ("DATE",),
    "number": NUMERIC_TYPES,
    "count": INTEGER_TYPES,
    "level": INTEGER_TYPES,
}


RAW = "__raw_"
#: A date that day-first and month-first could both read (03/05/2024), with or without a time.
DAY_MONTH = re.compile(r"\s*\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(\s.*)?")
#: Names given to columns without a header (DuckDB: column0; a sheet: column E), after :func:`normalise`.
UNNAMED = re.compile(r"column_?[a-z]{0,3}\d*")


@dataclass
class Check:
    """A row-level rule: rows where *predicate* holds break it; *value* is what to show."""

    code: str
    header: str
    predicate: str
    what: Text
    fix: Text = field(default_factory=lambda: FIX_CELLS)
    value: str = "NULL"
    severity: str = "error"
    letter: str | None = None  # Excel column letter: values are shown with their cell address
    clears: str | None = None  # a column whose cells that break the rule are read as empty (rows kept)
    name: str = ""  # the contract column of a bad value (its fix may be an alias of the value)
    allowed: tuple[str, ...] = ()  # the values an enum column takes


@dataclass
class Built:
    """The outcome of building one table."""

    table: str
    label: str
    rows_in: int = 0
    rows_loaded: int = 0
    problems: list[Problem] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    blank_lines: tuple[int, ...] = ()
    numbered: bool = False
    first_row: int = 1
    unused: list[str] = field(default_factory=list)
    #: The typed rows of a CSV file as read (Arrow), while ``_t_<table>`` is a view of them: written to the cache
    #: as they are. None once the table has become a DuckDB table (rows numbered or left out), and in the cache.
    arrow: pa.Table | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Whether a typed table was built."""
        return not any(p.severity == "error" and not p.count for p in self.problems)

    @property
    def row_number(self) -> str:
        """SQL giving a row's number in the file (before blank lines are counted back in)."""
        return "_row" if self.numbered else f"(row_number() OVER () + {self.first_row})"


def map_headers(source: Source, spec: Table, aliases: Aliases) -> tuple[dict[str, str], list[Problem]]:
    """Map file headers to contract names; report duplicates and missing required columns.

    Returns
    -------
    mapping : dict
        ``{canonical name: header in the file}``.
    problems : list of Problem
    """
    mapping: dict[str, str] = {}
    problems = []
    for header in source.headers:
        name = aliases.column(spec.name, header)
        if name in mapping:
            problems.append(problem("error", "duplicate_column", source.label, "data.msg.duplicate_column",
                                    column=header, file=source.label, first=repr(mapping[name]),
                                    second=repr(header), name=repr(name)))
            continue
        mapping[name] = header
    mapping |= aliases.stand_in(spec.name, mapping)
    shown = {"en": ", ".join(source.headers), "zh": "、".join(source.headers)}
    for name in spec.required:
        if name not in mapping:
            problems.append(problem("error", "missing_column", source.label, "data.msg.missing_column", column=name,
                                    file=source.label, name=repr(name), columns=shown, bare=name))
    for group in spec.required_any:
        if not any(g in mapping for g in group):
            names = join([{"en": repr(g), "zh": repr(g)} for g in group], {"en": " or ", "zh": " 或 "})
            problems.append(problem("error", "missing_column", source.label, "data.msg.missing_any", column=group[0],
                                    file=source.label, names=names, columns=shown))
    return mapping, problems


def unused_columns(headers: list[str], spec: Table, mapping: dict[str, str]) -> list[str]:
    """The headers of a file that no contract column of *spec* is read from (blank, unnamed columns aside).

    Examples
    --------
    >>> from kamlib.data.schema import TABLES
    >>> unused_columns(["商机编号", "状态", "manager", "column7"], TABLES["opportunities"],
    ...                {"opportunity_id": "商机编号", "status": "状态", "manager": "manager", "column7": "column7"})
    ['manager']
    """
    used = {header for name, header in mapping.items() if spec.column(name)}
    return [h for h in headers if h not in used and h.strip() and not UNNAMED.fullmatch(normalise(h))]


def unused_note(label: str, spec: Table, unused: list[str], mapping: dict[str, str]) -> Problem:
    """The note naming the columns of a file that no analysis uses, with the contract columns it lacks."""
    lacking = [c.name for c in spec.columns if c.name not in mapping]
    key = "data.msg.unused_columns" if lacking else "data.msg.unused_columns_all"
    return problem("note", "unused_columns", label, key, column=unused[0], file=label, columns=quoted(unused),
                   n=len(unused), table=spec.name,
                   lacking={"en": ", ".join(lacking), "zh": "、".join(lacking)})


def _read_types(source: Source, mapping: dict[str, str], spec: Table, decimal: str = ".") -> dict[str, str]:
    sniffed = dict(zip(source.headers, source.types))
    types = {h: "VARCHAR" for h in source.headers}
    for name, header in mapping.items():
        column = spec.column(name)
        keep = KEEP_TYPES.get(column.kind, ()) if column else ()
        if decimal == ",":  # DuckDB reads 1.234 as a fraction, where a decimal comma makes it a thousand
            keep = tuple(t for t in keep if t in INTEGER_TYPES or t == "DATE")
        if sniffed[header] in keep:
            types[header] = sniffed[header]
    return types


def choose_decimal(source: Source, spec: Table, mapping: dict[str, str], reading: Reading
                   ) -> tuple[str, Problem | None]:
    """The decimal mark of *source*'s numbers: as set in the reading settings, or as a sample of the file shows.

    Returns the mark and, when the sample cannot tell (or shows both marks), the error saying so.
    """
    declared = reading.decimal_for(source.name, spec.name)
    if declared != "auto" or source.sample is None:
        return ("." if declared == "auto" else declared), None
    index = {h: i for i, h in enumerate(source.headers)}
    numbers = {header: [row[index[header]] for row in source.sample if index[header] < len(row)]
               for name, header in mapping.items()
               if (spec.column(name) or Column(name)).kind in ("number", "count", "level")}
    mark, examples = decimal_mark(numbers, source.delim)
    if mark in (".", ","):
        return mark, None
    cells = join([say("data.column_cells", column=repr(h), values=shown_text(v)) for h, v in examples.items()])
    setting = f"reading: {{decimal: {{{source.name}: ','}}}}"
    return ".", problem("error", f"{mark}_decimal", source.label, f"data.msg.{mark}_decimal",
                        column=next(iter(examples)), file=source.label, cells=cells, setting=setting)


def exact(column: Column, dtype: str) -> bool:
    """Whether a value read as *dtype* always parses as *column*'s kind (no check needed).

    Examples
    --------
    >>> exact(Column("revenue", "number"), "DOUBLE"), exact(Column("revenue", "number"), "VARCHAR")
    (True, False)
    >>> exact(Column("x", "level"), "BIGINT")  # 7 is an integer but not a level
    False
    """
    kind = column.kind
    return (
        kind in ("id", "text")
        or (kind == "number" and (dtype in NUMERIC_TYPES or dtype.startswith("DECIMAL")))
        or (kind == "count" and dtype in INTEGER_TYPES)
        or (kind == "date" and (dtype == "DATE" or dtype.startswith("TIMESTAMP")))
        or (kind == "bool" and dtype == "BOOLEAN")
    )


def _as_read(column: Column, dtype: str) -> bool:
    """Whether a CSV column of text (*dtype* VARCHAR) is read as it is and trimmed afterwards, if a cell needs
    it (see :func:`needs_trim`), rather than trimmed by the query that reads it."""
    return column.kind in ("id", "text") and dtype == "VARCHAR"


def _select(source: Source, spec: Table, mapping: dict[str, str], types: dict[str, str], aliases: Aliases,
            decimal: str, reading: Reading, untrimmed: bool = False) -> str:
    """SQL selecting the contract columns from the file's, parsed (and, unless *untrimmed*, trimmed)."""
    columns = []
    for name, header in mapping.items():
        column = spec.column(name) or Column(name)
        ref = quote(header)
        parsed = ref if untrimmed and _as_read(column, types[header]) else expression(
            column, ref, types[header], aliases.value_map(name), decimal=decimal, zone=source.zones.get(header),
            date_format=reading.date_format_for(name, source.name, spec.name))
        columns.append(f"{parsed} AS {quote(name)}")
        if not exact(column, types[header]):
            columns.append(f"{ref} AS {quote(RAW + name)}")
    return ", ".join(columns)


def typed_rows(con: duckdb.DuckDBPyConnection, source: Source, mapping: dict[str, str], spec: Table,
               aliases: Aliases, decimal: str = ".", reading: Reading | None = None
               ) -> tuple[dict[str, str], pa.Table | None]:
    """Read the source once into ``_t_<table>``; return the DuckDB type each header was read as,
    and the Arrow table a CSV file was read into (None for other sources).

    CSV columns are read as text except where the sniffed type already is the
    contract type; if DuckDB then meets a value it cannot convert, the file is
    read again with every column as text, so the checks can name the cell.

    The rows of a CSV file are read once, straight into Arrow (DuckDB's threads fill it),
    and registered as ``_t_<table>``: the checks query that view, and a clean table is
    written to the cache as it is, without a copy into a DuckDB table and back. Only a
    table whose rows must be numbered or left out becomes a DuckDB table (:func:`as_table`).
    Ids and text are read as they are and trimmed only when a cell needs it (:func:`trim`).
    """
    target, reading = quote("_t_" + spec.name), reading or Reading()
    if source.csv_path is None:
        types = dict(zip(source.headers, source.types))
        con.unregister("_t_" + spec.name)
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT "
                    f"{_select(source, spec, mapping, types, aliases, decimal, reading)} FROM {source.relation}")
        return types, None
    attempts = [_read_types(source, mapping, spec, decimal), {h: "VARCHAR" for h in source.headers}]
    for types in attempts:
        try:
            rows = con.sql(f"SELECT {_select(source, spec, mapping, types, aliases, decimal, reading, True)} "
                           f"FROM {csv_relation(source.csv_path, None, source.delim, source.skip, source.max_line, types)}"
                           ).to_arrow_table()
            rows = trim(con, rows, [n for n, h in mapping.items() if _as_read(spec.column(n) or Column(n), types[h])])
            con.unregister("_t_" + spec.name)  # a table built before on this connection, as a view or a table
            con.execute(f"DROP TABLE IF EXISTS {target}")
            con.register("_t_" + spec.name, rows)
            return types, rows
        except duckdb.Error as exc:
            error = exc
            if source.max_line is None and (wide := long_line(source.csv_path)):  # a long cell below the sample
                source.max_line = wide
                return typed_rows(con, source, mapping, spec, aliases, decimal, reading)
    confirm_utf8(source)
    raise unreadable_csv(source.csv_path, source.label, source.delim, error, source.offset) from None


def trim(con: duckdb.DuckDBPyConnection, rows: pa.Table, names: list[str]) -> pa.Table:
    """*rows* with the cells of text columns *names* trimmed as :func:`kamlib.data.parse.trimmed` trims them.

    Only the columns where a cell needs it (:func:`needs_trim`) are read again, by DuckDB;
    in most exports none does, and the look at their bytes costs a few milliseconds
    where trimming in the query that reads the file costs a fifth of its time.

    Examples
    --------
    >>> import duckdb
    >>> rows = pa.table({"a": [" A1 ", "A2"], "b": ["B1", None]})
    >>> trim(duckdb.connect(), rows, ["a", "b"]).to_pydict()
    {'a': ['A1', 'A2'], 'b': ['B1', None]}
    """
    untrimmed = [n for n in names if needs_trim(rows.column(n))]
    if not untrimmed:
        return rows
    view = "_untrimmed"
    con.register(view, rows)
    try:
        return con.sql(f"SELECT * REPLACE ({', '.join(f'{trimmed(quote(n))} AS {quote(n)}' for n in untrimmed)}) "
                       f"FROM {view}").to_arrow_table()
    finally:
        con.unregister(view)


def needs_trim(values: pa.ChunkedArray) -> bool:
    """Whether a cell of the text column *values* is empty, begins or ends with a space or holds a character
    beyond ASCII (the cells :func:`kamlib.data.parse.trimmed` trims), from the bytes of its Arrow buffers.

    Examples
    --------
    >>> needs_trim(pa.chunked_array([["A1", None], ["B2"]])), needs_trim(pa.chunked_array([["A1"], ["B2 "]]))
    (False, True)
    >>> needs_trim(pa.chunked_array([["客户"]])), needs_trim(pa.chunked_array([[""]]))
    (True, True)
    """
    return any(_untrimmed(chunk) for chunk in values.chunks)


def _untrimmed(chunk: pa.Array) -> bool:
    cells = _cells(chunk)
    if cells is None:
        return True  # another layout of text: trimmed by DuckDB
    text, starts, sizes = cells
    if not len(sizes):
        return False
    if not sizes.all():
        return True
    spanned = text[starts[0]:starts[-1] + sizes[-1]]  # missing cells between them hold no bytes
    return bool(spanned.max() >= 0x80 or (text[starts] == 0x20).any() or (text[starts + sizes - 1] == 0x20).any())


def _cells(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The bytes of a chunk of text, and where each of its cells (missing ones aside) starts and how many bytes it
    has; None for a layout other than Arrow's string and large string."""
    if chunk.type not in (pa.string(), pa.large_string()):
        return None
    width = np.dtype(np.int64 if chunk.type == pa.large_string() else np.int32)
    _, offsets, data = chunk.buffers()
    if offsets is None or not len(chunk):
        return np.zeros(0, np.uint8), np.zeros(0, width), np.zeros(0, width)
    ends = np.frombuffer(offsets, width, len(chunk) + 1, chunk.offset * width.itemsize)
    text = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    starts, sizes = ends[:-1], np.diff(ends)
    if chunk.null_count:
        valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        starts, sizes = starts[valid], sizes[valid]
    return text, starts, sizes


def _begins_with(values: pa.ChunkedArray, leads: set[int]) -> bool:
    """Whether a cell of the text column *values* begins with one of the bytes *leads* (True for another layout
    of text).

    Examples
    --------
    >>> values = pa.chunked_array([["A1", None, ""], ["B2"]])
    >>> _begins_with(values, {ord("B")}), _begins_with(values, {ord("C"), 0xE5})
    (True, False)
    """
    wanted = np.zeros(256, bool)
    wanted[list(leads)] = True
    for chunk in values.chunks:
        cells = _cells(chunk)
        if cells is None:
            return True
        text, starts, sizes = cells
        if wanted[text[starts[sizes > 0] if not sizes.all() else starts]].any():
            return True
    return False


def as_table(con: duckdb.DuckDBPyConnection, built: Built) -> None:
    """Turn ``_t_<table>``, a view of the Arrow rows :func:`typed_rows` read, into a DuckDB table (in row order),
    so that its rows can be numbered, updated and deleted; nothing to do when it already is one."""
    if built.arrow is None:
        return
    name, staged = "_t_" + built.table, quote("_a_" + built.table)
    con.execute(f"CREATE OR REPLACE TABLE {staged} AS SELECT * FROM {quote(name)}")
    con.unregister(name)
    con.execute(f"ALTER TABLE {staged} RENAME TO {quote(name)}")
    built.arrow = None


@dataclass
class Field:
    """A mapped column as the typed table holds it: its value, and its text when the file gave text."""

    name: str
    header: str
    column: Column
    value: str
    text: str | None


def fields(spec: Table, mapping: dict[str, str], types: dict[str, str]) -> list[Field]:
    """The mapped columns in file order, with the SQL of their value and of their trimmed text."""
    out = []
    for name, header in mapping.items():
        column = spec.column(name) or Column(name)
        value = quote(name)
        text = None
        if types[header] == "VARCHAR":  # the text as read (compared as it is: DuckDB can then skip blocks of rows)
            text = value if exact(column, "VARCHAR") else quote(RAW + name)
        out.append(Field(name, header, column, value, text))
    return out


def _in(text: str, words: list[str] | tuple[str, ...]) -> str:
    return f"({text} IN ({', '.join(literal(w) for w in words)}))"


def column_checks(spec: Table, mapping: dict[str, str], types: dict[str, str], reading: Reading | None = None,
                  excel: dict[str, str | None] | None = None) -> list[Check]:
    """The row-level rules for every contract column present, over the typed table.

    *excel* maps the headers whose cells hold Excel error values (``#N/A`` …) to the
    sheet's column letter (None for a CSV file): those cells are reported as such,
    and not again as bad values of their kind.
    """
    reading = reading or Reading()
    excel = excel or {}
    checks, first = [], []
    for name, header in mapping.items():
        column = spec.column(name) or Column(name)
        value, label = quote(name), _label(header, name)
        raw = None if exact(column, types[header]) else quote(RAW + name)
        shown_value = raw or value
        clean = ""
        if header in excel:
            errors = _in(f"trim({raw})" if raw else value, EXCEL_ERRORS)
            what = say("data.what.excel_error", column=repr(label))
            if spec.column(name) is None:  # a column the analyses do not use: the rows are kept, without the value
                first.append(Check("excel_error", header, errors, what,
                                   say("data.fix.excel_error", then=say("data.fix.excel_unused")),
                                   shown_value, "warning", excel[header], name))
            else:
                first.append(Check("excel_error", header, errors, what, say("data.fix.excel_error", then=FIX_CELLS),
                                   shown_value, letter=excel[header]))
            clean = f" AND NOT {errors}"
        if spec.column(name) is None:
            continue
        stop = no_date(value, raw, reading.no_dates) if column.kind == "date" else None
        unset = f" AND NOT {stop}" if stop else ""
        no_dates = ", ".join(reading.no_dates)
        if column.required:
            empty = f"(NOT {present(raw)})" if raw else f"({value} IS NULL)"
            what = say("data.what.empty", column=repr(label))
            if stop:
                empty, what = f"({empty} OR {stop})", say("data.what.empty_or_no_date", column=repr(label),
                                                          no_dates=no_dates)
            checks.append(Check("empty_value", header, empty, what, say("data.fix.empty", name=name, cells=FIX_CELLS),
                                shown_value))
        elif stop:
            checks.append(Check("no_date", header, stop, say("data.what.no_date", column=repr(label), no_dates=no_dates),
                                say("data.fix.no_date"), shown_value, "note", clears=name))
        if raw:
            expects = {lang: expected(column, lang) for lang in LANGS}
            checks.append(Check(_bad_code(column), header, f"({present(raw)} AND {value} IS NULL{clean}{unset})",
                                say("data.what.bad_value", column=repr(label), expected=expects),
                                value=shown_value, name=name, allowed=column.allowed))
        if column.kind in ("number", "count") and types[header] in FLOAT_TYPES:
            checks.append(Check("bad_number", header, not_finite(value),
                                say("data.what.not_finite", column=repr(label)), value=shown_value))
        if column.kind == "date":
            checks.append(Check("date_out_of_range", header, f"({outside(value, reading.dates)}{unset})",
                                say("data.what.out_of_range", column=repr(label), low=reading.dates[0],
                                    high=reading.dates[1]),
                                say("data.fix.out_of_range", cells=FIX_CELLS), shown_value))
        if column.nonnegative:
            finite = f" AND isfinite({value})" if types[header] in FLOAT_TYPES else ""  # -inf: not a number
            checks.append(Check("negative", header, f"({value} < 0{finite})",
                                say("data.what.negative", column=repr(label)),
                                say("data.fix.negative", cells=FIX_CELLS), shown_value))
    if {"purchase_level", "capacity_level"} <= set(mapping):
        hx, hy = mapping["purchase_level"], mapping["capacity_level"]
        checks.append(Check("level_conflict", hx, "(purchase_level > capacity_level)",
                            say("data.what.level_conflict", x=repr(_label(hx, "purchase_level")),
                                y=repr(_label(hy, "capacity_level"))),
                            say("data.fix.level_conflict", cells=FIX_CELLS), "purchase_level"))
    return first + checks


def _duplicate_check(spec: Table, mapping: dict[str, str]) -> Check | None:
    if spec.key is None or spec.key not in mapping:
        return None
    key, table = quote(spec.key), quote("_t_" + spec.name)
    later = (f"(_row IN (SELECT _row FROM (SELECT _row, row_number() OVER (PARTITION BY {key} ORDER BY _row) AS k "
             f"FROM {table} WHERE {key} IS NOT NULL) WHERE k > 1))")
    return Check("duplicate_id", mapping[spec.key], later,
                 say("data.what.duplicate_id", column=repr(mapping[spec.key])),
                 say("data.fix.duplicate_id", name=spec.key, cells=FIX_CELLS), key)


def _counts(con: duckdb.DuckDBPyConnection, spec: Table, checks: list[Check], arrow: pa.Table | None = None
            ) -> list[int]:
    """Failures per check in one scan (the duplicate check as ids minus distinct ids, see :func:`_repeats`).

    *arrow* is the Arrow table ``_t_<table>`` is a view of, if it is one.
    """
    table = quote("_t_" + spec.name)
    terms = [_repeats(con, table, spec.key, arrow) if c.code == "duplicate_id"
             else f"count(*) FILTER (WHERE {c.predicate})" for c in checks]
    return list(con.execute(f"SELECT count(*), {', '.join(terms) or '0'} FROM {table}").fetchall()[0])


def _repeats(con: duckdb.DuckDBPyConnection, table: str, name: str, arrow: pa.Table | None = None) -> str:
    """SQL counting the repeated values of column *name*: ids minus distinct ids, or ``0`` when the ids rise.

    Ids that rise strictly from one row to the next (an export sorted by id) are all
    different, so the costly count of distinct values is not needed. Over the Arrow rows
    of a CSV file (*arrow*) the ids are compared with their neighbours by Arrow, a few
    times faster than DuckDB's window; otherwise a streaming query stops at the first id
    that does not rise, so unsorted ids cost next to nothing.
    """
    key = quote(name)
    if arrow is not None:
        falls = not rising(arrow.column(name))
    else:
        falls = bool(con.execute(f"SELECT 1 FROM (SELECT {key} <= lag({key}) OVER () AS falls FROM {table} "
                                 f"WHERE {key} IS NOT NULL) WHERE falls LIMIT 1").fetchall())
    return f"count({key}) - count(DISTINCT {key})" if falls else "0"


def rising(values: pa.ChunkedArray) -> bool:
    """Whether *values* (missing ones aside) rise strictly from each one to the next, so that none repeats.

    Examples
    --------
    >>> rising(pa.chunked_array([["A1", None, "A2"], ["A3"]])), rising(pa.chunked_array([["A1", "A3"], ["A2"]]))
    (True, False)
    """
    import pyarrow.compute as pc

    values = values.drop_null() if values.null_count else values
    return len(values) < 2 or bool(pc.all(pc.less(values[:-1], values[1:])).as_py())


def _number_rows(con: duckdb.DuckDBPyConnection, name: str, first_row: int) -> None:
    table, numbered = quote("_t_" + name), quote("_n_" + name)
    con.execute(f"CREATE OR REPLACE TABLE {numbered} AS SELECT rowid + {first_row + 1} AS _row, * FROM {table}")
    con.execute(f"DROP TABLE {table}; ALTER TABLE {numbered} RENAME TO {quote('_t_' + name)}")


def _examples(con: duckdb.DuckDBPyConnection, name: str, check: Check) -> list[tuple[int, object]]:
    return con.execute(
        f"SELECT _row, {check.value} FROM {quote('_t_' + name)} WHERE {check.predicate} ORDER BY _row LIMIT {MAX_ROWS}"
    ).fetchall()


def _groups(con: duckdb.DuckDBPyConnection, name: str, check: Check) -> tuple[list[tuple[object, int, list[int]]], int]:
    """The distinct values that break *check*, in order of first appearance: ``(value, rows, first rows)``.

    Returns the first :data:`MAX_VALUES` of them and the number of distinct values.
    """
    table = quote("_t_" + name)
    groups = con.execute(
        f"SELECT v, count(*), list(_row ORDER BY _row)[1:{VALUE_ROWS}] FROM (SELECT _row, {check.value} AS v "
        f"FROM {table} WHERE {check.predicate}) GROUP BY v ORDER BY min(_row) LIMIT {MAX_VALUES}"
    ).fetchall()
    distinct = con.execute(f"SELECT count(DISTINCT v) + coalesce(max(CASE WHEN v IS NULL THEN 1 ELSE 0 END), 0) "
                           f"FROM (SELECT {check.value} AS v FROM {table} WHERE {check.predicate})").fetchall()[0][0]
    return [(v, n, list(rows)) for v, n, rows in groups], distinct


def _label(header: str, name: str) -> str:
    return header if normalise(header) == name else f"{header} ({name})"


def _bad_code(column: Column) -> str:
    return {"date": "bad_date", "number": "bad_number", "count": "bad_number",
            "level": "bad_level", "bool": "bad_bool", "enum": "not_allowed"}[column.kind]


def _problem(source: Source, check: Check, count: int, examples: list[tuple[int, object]],
             groups: list[tuple[object, int, list[int]]], distinct: int) -> Problem:
    """The problem of the rows that break *check*: every distinct value (up to :data:`MAX_VALUES`) with its count
    and first rows, and for a word an enum column does not know, the ``values:`` lines of ``kam.yml`` to add."""
    rows = file_rows([int(r) for r, _ in examples], source.blank_lines)
    count_text = say("data.count_row" if count == 1 else "data.count_rows", n=f"{count:,}")
    listed = distinct == count <= MAX_ROWS  # a few values, each once: the rows and their values say it all
    fix = check.fix
    if check.code == "bad_date" and any(DAY_MONTH.fullmatch(str(v)) for v, _, _ in groups):
        fix = join([say("data.fix.date_order", setting=f"{source.name}.{check.name}"), fix], {"en": " ", "zh": ""})
    if check.allowed:
        words = [str(v) for v, _, _ in groups if v is not None]
        allowed = join([{"en": a, "zh": a} for a in check.allowed], {"en": ", ", "zh": "、"})
        yaml = value_aliases(check.name, words, check.allowed)
        fix = join([say("data.fix.values", allowed=allowed), {"en": yaml, "zh": yaml}], {"en": "\n", "zh": "\n"})
    if check.code not in BAD_VALUES or listed:  # values that differ row by row (negative amounts): rows first
        values = [v for _, v in examples]
        if check.letter:
            values = [f"{source.label}!{check.letter}{r}: {v}" for r, v in zip(rows, values)]
        return problem(check.severity, check.code, source.label, "data.msg.cells_rows", column=check.header,
                       rows=rows, count=count, file=source.label, what=check.what, n=count_text,
                       where=rows_text(rows, count), values=shown_text(values), fix=fix)
    shown_groups = []
    for value, n, numbers in groups:
        lines = file_rows(numbers, source.blank_lines)
        if check.letter:  # an Excel cell: orders.xlsx!D7
            value = f"{source.label}!{check.letter}{lines[0]}: {value}"
        shown_groups.append((value, n, lines))
    return problem(check.severity, check.code, source.label, "data.msg.cells", column=check.header, rows=rows,
                   count=count, file=source.label, what=check.what, n=count_text,
                   values=value_list(shown_groups, distinct, count), fix=fix)


#: Codes of values that are not of their column's kind: each distinct value is listed with its count and rows.
BAD_VALUES = ("bad_date", "bad_number", "bad_level", "bad_bool", "not_allowed", "excel_error")
#: Words that say a deal was won or lost, for the lines of ``kam.yml`` a message suggests.
WON_WORDS = ("won", "win", "closed_won", "赢", "成交", "签约", "成功")
LOST_WORDS = ("lost", "lose", "loss", "closed_lost", "输", "败", "丢", "失")


def value_aliases(name: str, words: list[str], allowed: tuple[str, ...]) -> str:
    """The ``values:`` section of ``kam.yml`` that maps *words* onto *allowed* values of column *name*.

    Each word is given the allowed value its letters suggest (won, lost, else the last
    allowed value, ``open``), with the others in a comment, for the reader to confirm.

    Examples
    --------
    >>> print(value_aliases("status", ["Verloren", "签约成功", "Engaging"], ("won", "lost", "open")))
    aliases:
      values:
        status:
          'Verloren': open   # or won, lost
          '签约成功': won   # or lost, open
          'Engaging': open   # or won, lost
    """
    lines = ["aliases:", "  values:", f"    {name}:"]
    for word in words:
        key = normalise(word)
        guess = ("won" if any(w in key for w in WON_WORDS) else "lost" if any(w in key for w in LOST_WORDS)
                 else allowed[-1])
        guess = guess if guess in allowed else allowed[-1]
        others = ", ".join(a for a in allowed if a != guess)
        lines.append(f"      {_yaml_key(word)}: {guess}   # or {others}")
    return "\n".join(lines)


def _yaml_key(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


# ------------------------------------------------------------------------ rows that are not records


@dataclass
class Found:
    """What the quick look for rows that are not records found (see :func:`_probe`)."""

    totals: list[Field] = field(default_factory=list)
    errors: list[Field] = field(default_factory=list)
    header: bool = False


def _label_fields(cols: list[Field]) -> list[Field]:
    """Columns where a total row puts its label: ids, names and groups, and the file's first column."""
    return [f for i, f in enumerate(cols) if f.text and (i == 0 or f.column.kind == "id" or f.name in LABEL_COLUMNS)]


def _header_names(spec: Table, aliases: Aliases, first: Field) -> list[str]:
    """What the first column's header may say in a header repeated further down."""
    keys = [k for k in {**aliases.columns, **aliases.tables.get(spec.name, {})}
            if aliases.column(spec.name, k) == first.name]
    names = {first.header.strip(), first.name, *keys, *(k.replace("_", " ") for k in keys)}
    return sorted(n for n in names if n)


def _probe(con: duckdb.DuckDBPyConnection, spec: Table, cols: list[Field], aliases: Aliases,
           reading: Reading, arrow: pa.Table | None = None) -> Found:
    """Look for total labels, Excel error values and a repeated header, one query per column.

    Each query compares a column with a short list of words; DuckDB skips every block
    of rows whose smallest and largest values rule the words out, so a column without
    them is not read at all. The words of every search in one column filter it once,
    each search counting among the rows that pass. Over the Arrow rows of a CSV file
    (*arrow*, see :func:`typed_rows`), which have no such statistics, Arrow first looks
    the column's values up in the words (a hash lookup, several times faster than
    DuckDB's list of comparisons), and only a column where one is found is queried.
    """
    table = quote("_t_" + spec.name)
    labels, texts = label_variants(reading.total_labels), [f for f in cols if f.text]
    searches: dict[int, list[tuple[str, list[str] | tuple[str, ...]]]] = {}
    for i, f in enumerate(cols):
        searches[i] = [("total", labels)] if f in _label_fields(cols) else []
        searches[i] += [("error", EXCEL_ERRORS)] if f in texts else []
    if cols and len(texts) == len(cols):  # a header can only be read as a row when every column was read as text
        searches[0].append(("header", _header_names(spec, aliases, cols[0])))
    found = Found()
    for i, kinds in ((i, kinds) for i, kinds in searches.items() if kinds):
        text, every = cols[i].text, sorted({w for _, words in kinds for w in words})
        if arrow is not None and not _holds_any(arrow.column(_column_name(cols[i])), every):
            continue
        counts = con.execute(f"SELECT {', '.join(f'count(*) FILTER (WHERE {_in(text, words)})' for _, words in kinds)} "
                             f"FROM {table} WHERE {_in(text, every)}").fetchall()[0]
        for (kind, _), n in zip(kinds, counts):
            if n and kind == "total":
                found.totals.append(cols[i])
            elif n and kind == "error":
                found.errors.append(cols[i])
            elif n:
                found.header = True
    return found


def _column_name(f: Field) -> str:
    """The column of the typed table that holds the text of *f* (its value, or the text kept beside it)."""
    return f.name if f.text == f.value else RAW + f.name


def _holds_any(values: pa.ChunkedArray, words: list[str]) -> bool:
    """Whether one of *values* is one of *words*.

    The first bytes of the cells are looked at first: in a column of ids none begins as
    a word does (``#``, ``T``, ``合`` …), and its cells need not be looked up at all.

    Examples
    --------
    >>> values = pa.chunked_array([["A1", None], ["合计"]])
    >>> _holds_any(values, ["合计", "Total"]), _holds_any(values, ["x"])
    (True, False)
    """
    import pyarrow.compute as pc

    if not _begins_with(values, {w.encode()[0] for w in words if w}):
        return False
    return bool(pc.any(pc.is_in(values, value_set=pa.array(words, values.type))).as_py())


def _close(value: float, total: float | None) -> bool:
    return total is not None and abs(value - total) <= max(0.01, TOTAL_TOLERANCE * abs(total))


def _totals(con: duckdb.DuckDBPyConnection, spec: Table, cols: list[Field], labels: list[Field],
            reading: Reading) -> tuple[dict[str, list[tuple[int, str]]], list[int]]:
    """Classify the rows with a total label: ``({header: [(row, label)]}`` of total rows, rows that are not).

    A row with a total label is a total row when the other key columns (required ones
    and the table's key, numbers aside) are empty, or when one of its numbers is the
    sum of the rows above it: since the total row before it (a subtotal), since the
    top (a running total), or of the whole table (a grand total).
    """
    table = quote("_t_" + spec.name)
    words = label_variants(reading.total_labels)
    where = " OR ".join(_in(f.text, words) for f in labels)
    at = "CASE " + " ".join(f"WHEN {_in(f.text, words)} THEN {i}" for i, f in enumerate(labels)) + " END"
    keys = [f for f in cols if f.column.kind not in ("number", "count", "level")
            and (f.column.required or f.name == spec.key)]
    numbers = [f for f in cols if f.column.kind in ("number", "count") and spec.column(f.name)]
    filled = [present(f.text) if f.text else f"({f.value} IS NOT NULL)" for f in keys]
    sums = [f"sum(CASE WHEN NOT _label THEN {f.value} END) OVER (ORDER BY _row ROWS UNBOUNDED PRECEDING), "
            f"sum(CASE WHEN NOT _label THEN {f.value} END) OVER ()" for f in numbers]
    select = ", ".join(["_row", f"{at} AS _at", *(f"{f.text} AS _l{i}" for i, f in enumerate(labels)), *filled,
                        *(f.value for f in numbers), *sums])
    rows = con.execute(f"SELECT * FROM (SELECT {select}, _label FROM (SELECT *, coalesce({where}, FALSE) AS _label "
                       f"FROM {table})) WHERE _label ORDER BY 1").fetchall()
    totals: dict[str, list[tuple[int, str]]] = {}
    others: list[int] = []
    before = [0.0] * len(numbers)
    for row in rows:
        number, where_at = row[0], row[1]
        label_field = labels[where_at]
        label_text = row[2 + where_at]
        flags = row[2 + len(labels): 2 + len(labels) + len(keys)]
        values = row[2 + len(labels) + len(keys): 2 + len(labels) + len(keys) + len(numbers)]
        running = row[2 + len(labels) + len(keys) + len(numbers): -1]
        empty = all(not flag for key, flag in zip(keys, flags) if key.name != label_field.name)
        sums_ok = False
        for j, value in enumerate(values):
            above, whole = running[2 * j] or 0.0, running[2 * j + 1] or 0.0
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                sums_ok = sums_ok or any(_close(float(value), s) for s in (above - before[j], above, whole))
            before[j] = above
        if empty or sums_ok:
            totals.setdefault(label_field.header, []).append((number, label_text))
        else:
            others.append(number)
    return totals, others


def _repeated_headers(con: duckdb.DuckDBPyConnection, source: Source, spec: Table, cols: list[Field],
                      aliases: Aliases) -> tuple[list[int], Problem | None]:
    """Rows that repeat the header (another export appended), with the title rows right above them.

    Returns their record numbers, or the error for a second header with other columns.
    """
    table = quote("_t_" + spec.name)
    texts = ", ".join(f.text or "NULL" for f in cols)
    first = _in(cols[0].text, _header_names(spec, aliases, cols[0]))
    rows = con.execute(f"SELECT _row, {texts} FROM {table} WHERE {first} ORDER BY _row").fetchall()
    names = [normalise(f.header) for f in cols]
    repeated = []
    for number, *values in rows:
        if not all(normalise(v or "") == n or (not v and UNNAMED.fullmatch(n)) for v, n in zip(values, names)):
            (line,) = file_rows([number], source.blank_lines)
            error = second_header(source.label, line, [f.header for f in cols], [v or "" for v in values],
                                  source.offset)
            return [], error.problems[0]
        repeated.append(number)
    above = [n - k for n in repeated for k in range(1, len(source.preamble) + 1)]
    titles = {number: " ".join(v for v in values if v) for number, *values in con.execute(
        f"SELECT _row, {texts} FROM {table} WHERE _row IN (SELECT unnest(?::BIGINT[]))", [above]).fetchall()}
    preamble = set(source.preamble)
    for number in list(repeated):
        k = number - 1
        while k in titles and (titles[k] in preamble or not titles[k]):
            repeated.append(k)
            k -= 1
    return sorted(repeated), None


def _leave_out(con: duckdb.DuckDBPyConnection, name: str, rows: list[int]) -> None:
    con.execute(f"DELETE FROM {quote('_t_' + name)} WHERE _row IN (SELECT unnest(?::BIGINT[]))", [rows])


def _note(source: Source, code: str, at: str | None, rows: list[int], key: str, **values: object) -> Problem:
    lines = file_rows(rows[:MAX_ROWS], source.blank_lines)
    return problem("note", code, source.label, key, column=at, rows=lines, count=len(rows), file=source.label,
                   where=rows_text(lines, len(rows)), **values)


def not_records(con: duckdb.DuckDBPyConnection, source: Source, spec: Table, cols: list[Field], found: Found,
                aliases: Aliases, reading: Reading, built: Built) -> list[Check]:
    """Leave out the rows that are not records (repeated headers, total rows), with notes and counts.

    Returns the checks for rows with a total label that are not totals (errors naming the rows).
    """
    checks: list[Check] = []
    if found.header:
        repeated, error = _repeated_headers(con, source, spec, cols, aliases)
        if error:
            built.problems.append(error)
        elif repeated:
            _leave_out(con, spec.name, repeated)
            built.excluded[f"repeated_header:{cols[0].header}"] = len(repeated)
            these = {"en": "these rows are" if len(repeated) > 1 else "this row is",
                     "zh": "这些行" if len(repeated) > 1 else "该行"}
            built.problems.append(_note(source, "repeated_header", cols[0].header, repeated,
                                        "data.msg.repeated_header", these=these))
    if found.totals:
        totals, others = _totals(con, spec, cols, found.totals, reading)
        for header, rows in totals.items():
            numbers = [r for r, _ in rows]
            _leave_out(con, spec.name, numbers)
            built.excluded[f"total_row:{header}"] = len(numbers)
            are = {"en": "are total rows" if len(rows) > 1 else "is a total row", "zh": "是"}
            built.problems.append(_note(source, "total_row", header, numbers, "data.msg.total_row",
                                        values=shown_text([v for _, v in rows][:MAX_ROWS]), header=repr(header),
                                        are=are))
        if others:
            name = f"_not_total_{spec.name}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS SELECT unnest(?::BIGINT[]) AS _row", [others])
            label = found.totals[0]
            checks.append(Check(
                "total_label", label.header, f"(_row IN (SELECT _row FROM {quote(name)}))",
                say("data.what.total_label", column=repr(_label(label.header, label.name))),
                say("data.fix.total_label", cells=FIX_CELLS), f"coalesce({', '.join(f.text for f in found.totals)})"))
    return checks


def build(con: duckdb.DuckDBPyConnection, source: Source, spec: Table, aliases: Aliases,
          reading: Reading | None = None, on_read: Callable[[str, pa.Table], None] | None = None) -> Built:
    """Build the typed table ``_t_<table>`` from *source*, with its checks.

    Rows that break a rule are left out of the typed table; :attr:`Built.problems`
    says which and :attr:`Built.excluded` counts them by reason (each row under the
    first rule it breaks), so ``rows_in == rows_loaded + sum(excluded.values())``.
    Rows that are not records (a repeated header, a total row) are left out and
    counted the same way, with a note instead of an error.

    *on_read*, if given, is called with the table's name and the Arrow rows of a CSV file
    as soon as they are read (without the text kept for the checks), before they are
    checked (the cache starts writing them, see :class:`kamlib.data.cache.Writer`):
    :attr:`Built.arrow` is that very table when the checks leave it as it is.
    """
    try:
        return _build(con, source, spec, aliases, reading, on_read)
    except NotUTF8:  # judged UTF-8 from its head, the file is not: described again as its bytes say
        return _build(con, source.recheck(), spec, aliases, reading, on_read)


def _build(con: duckdb.DuckDBPyConnection, source: Source, spec: Table, aliases: Aliases,
           reading: Reading | None = None, on_read: Callable[[str, pa.Table], None] | None = None) -> Built:
    reading = reading or Reading()
    built = Built(spec.name, source.label, blank_lines=source.blank_lines, first_row=source.offset)
    mapping, built.problems = map_headers(source, spec, aliases)
    if built.problems and not built.ok:
        return built
    decimal, mark_error = choose_decimal(source, spec, mapping, reading)
    if mark_error:
        built.problems.append(mark_error)
        return built
    built.columns = dict(mapping)
    built.unused = unused_columns(source.headers, spec, mapping)
    if built.unused:
        built.problems.append(unused_note(source.label, spec, built.unused, mapping))
    types, built.arrow = typed_rows(con, source, mapping, spec, aliases, decimal, reading)
    built.blank_lines = source.settle()
    raw = [RAW + name for name in mapping if not exact(spec.column(name) or Column(name), types[mapping[name]])]
    kept = built.arrow.drop_columns(raw) if built.arrow is not None and raw else built.arrow
    if kept is not None and on_read is not None:
        on_read(spec.name, kept)
    cols = fields(spec, mapping, types)
    found = _probe(con, spec, cols, aliases, reading, built.arrow)
    checks: list[Check] = []
    if found.totals or found.header:
        as_table(con, built)
        _number_rows(con, spec.name, source.offset)
        built.numbered = True
        checks = not_records(con, source, spec, cols, found, aliases, reading, built)
        if not built.ok:
            return built
    excel = {f.header: source.cells.get(f.header) for f in found.errors}
    checks = column_checks(spec, mapping, types, reading, excel) + checks
    dup = _duplicate_check(spec, mapping)
    checks += [dup] if dup else []
    rows, *counts = _counts(con, spec, checks, built.arrow)
    built.rows_in = rows + sum(built.excluded.values())
    failing = [(c, n) for c, n in zip(checks, counts) if n]
    if any(c.code == "empty_value" for c, _ in failing):  # a total row the label search missed is no gap to fill
        if not built.numbered:
            as_table(con, built)
            _number_rows(con, spec.name, source.offset)
            built.numbered = True
        like = total_like(con, spec, cols, [c for c, _ in failing if c.code == "empty_value"], reading)
        if like:
            checks = [like] + [replace(c, predicate=f"({c.predicate} AND NOT {like.predicate})")
                               if c.code == "empty_value" else c for c in checks]
            _, *counts = _counts(con, spec, checks, built.arrow)
            failing = [(c, n) for c, n in zip(checks, counts) if n]
    if failing:
        if not built.numbered:
            as_table(con, built)
            _number_rows(con, spec.name, source.offset)
            built.numbered = True
        built.problems += [_problem(source, c, n, _examples(con, spec.name, c), *_groups(con, spec.name, c))
                           for c, n in failing]
        built.excluded |= _exclude(con, spec.name, [c for c, _ in failing if c.severity == "error"])
        for check in (c for c, _ in failing if c.clears):
            con.execute(f"UPDATE {quote('_t_' + spec.name)} SET {quote(check.clears)} = NULL WHERE {check.predicate}")
    if built.rows_in == 0:
        built.problems.append(problem("warning", "no_rows", source.label, "data.msg.no_rows", file=source.label,
                                      table=spec.name))
    built.rows_loaded = built.rows_in - sum(built.excluded.values())
    _drop_raw(con, built, raw, kept)
    return built


def _drop_raw(con: duckdb.DuckDBPyConnection, built: Built, columns: list[str], kept: pa.Table | None) -> None:
    """Drop the text kept beside parsed values for the checks: from the Arrow rows, by serving *kept*, the rows
    without it (no copy); from a DuckDB table, column by column."""
    if built.arrow is not None:
        if columns:
            built.arrow = kept
            con.register("_t_" + built.table, built.arrow)
        return
    for column in columns:
        con.execute(f"ALTER TABLE {quote('_t_' + built.table)} DROP COLUMN {quote(column)}")


def total_like(con: duckdb.DuckDBPyConnection, spec: Table, cols: list[Field], empty: list[Check],
               reading: Reading) -> Check | None:
    """The check for rows that lack a required value and look like total rows, or None when there are none.

    Such a row holds a total label (合计, Total …) in a column where the search for total
    rows does not look (a remark, a city), or amounts while every required key column is
    empty. Its message says to delete the row rather than to fill in the gap. Only run
    when a required value is missing (*empty*: those checks), so clean data never pays for it.
    """
    table, words = quote("_t_" + spec.name), label_variants(reading.total_labels)
    texts = [f for f in cols if f.text]
    keys = [f for f in cols if f.column.required and f.column.kind not in ("number", "count", "level")]
    amounts = [f for f in cols if f.column.kind in ("number", "count") and spec.column(f.name)]
    label = "coalesce(" + ", ".join([f"CASE WHEN {_in(f.text, words)} THEN {f.text} END" for f in texts]
                                    + ["NULL"]) + ")"
    blank = " AND ".join(f"NOT {present(f.text)}" if f.text else f"({f.value} IS NULL)" for f in keys) or "FALSE"
    filled = " OR ".join(f"({f.value} IS NOT NULL)" for f in amounts) or "FALSE"
    where = f"(({' OR '.join(c.predicate for c in empty)}) AND ({label} IS NOT NULL OR ({blank} AND ({filled}))))"
    if not con.execute(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1").fetchall():
        return None
    rows = quote(f"_total_like_{spec.name}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {rows} AS SELECT _row FROM {table} WHERE {where}")
    shown_value = f"coalesce({label}, CAST({amounts[0].value} AS VARCHAR))" if amounts else label
    names = ", ".join(f.name for f in keys)
    return Check("total_like", keys[0].header if keys else cols[0].header, f"(_row IN (SELECT _row FROM {rows}))",
                 say("data.what.total_like", keys=names), say("data.fix.total_like"), shown_value)


def _exclude(con: duckdb.DuckDBPyConnection, name: str, failing: list[Check]) -> dict[str, int]:
    """Count the rows that break a rule by reason (first rule wins), then delete them."""
    if not failing:
        return {}
    table = quote("_t_" + name)
    reason = "CASE " + " ".join(f"WHEN {c.predicate} THEN {literal(c.code + ':' + c.header)}" for c in failing) + " END"
    rows = con.execute(
        f"SELECT reason, count(*) FROM (SELECT {reason} AS reason FROM {table}) WHERE reason IS NOT NULL GROUP BY 1"
    ).fetchall()
    con.execute(f"CREATE OR REPLACE TEMP TABLE _bad AS SELECT _row FROM {table} "
                f"WHERE {' OR '.join(c.predicate for c in failing)}")
    con.execute(f"DELETE FROM {table} WHERE _row IN (SELECT _row FROM _bad)")
    return dict(sorted(rows))
