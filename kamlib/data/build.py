"""Turn one :class:`~kamlib.data.read.Source` into a typed DuckDB table, with checks.

The steps for one table: map the file's headers onto the contract (aliases), check
that required columns are there, choose the decimal mark, then read the rows once
into a typed table ``_t_<table>`` (in file order). Where a value has to be parsed
from text, the text is kept beside it for the checks (``__raw_<column>``).

Rows that are not records are found next, with queries DuckDB answers from its
column statistics when there are none (so they cost next to nothing): total rows
(合计, Total …) and a header repeated further down (another export appended). They
are left out and counted with a note, never read as an account.

One aggregate query then counts the cells that break each rule. Clean data is done
at that point. Otherwise the rows are numbered as in the file, up to five examples
per rule are fetched, and the rows that break a rule are deleted from the typed
table and counted by reason — never dropped silently. The rules are explained in
``docs/data.md``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import duckdb

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
)
from kamlib.data.problems import MAX_ROWS, Problem, row_list, shown
from kamlib.data.read import (
    Source,
    csv_relation,
    file_rows,
    second_header,
    unreadable_csv,
)
from kamlib.data.schema import Column, Reading, Table

FIX_CELLS = "Correct these cells in the file, or load with errors='exclude' to leave these rows out (they are counted)."
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
#: Names given to columns without a header (DuckDB: column0; a sheet: column E), after :func:`normalise`.
UNNAMED = re.compile(r"column_?[a-z]{0,3}\d*")


@dataclass
class Check:
    """A row-level rule: rows where *predicate* holds break it; *value* is what to show."""

    code: str
    header: str
    predicate: str
    what: str
    fix: str = FIX_CELLS
    value: str = "NULL"
    severity: str = "error"
    letter: str | None = None  # Excel column letter: values are shown with their cell address
    clears: str | None = None  # a column whose cells that break the rule are read as empty (rows kept)


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
            problems.append(Problem(
                "error", "duplicate_column", source.label,
                f"{source.label}: columns {mapping[name]!r} and {header!r} both mean {name!r}. "
                f"Remove or rename one of them (aliases map 客户编号/客户ID and similar headers to the same column).",
                column=header,
            ))
            continue
        mapping[name] = header
    shown = ", ".join(source.headers)
    for name in spec.required:
        if name not in mapping:
            problems.append(Problem(
                "error", "missing_column", source.label,
                f"{source.label}: required column {name!r} not found (columns: {shown}). "
                f"Rename the column to {name!r}, or add an alias in kam.yml beside the data "
                f"(aliases: {{columns: {{<your header>: {name}}}}}).",
                column=name,
            ))
    for group in spec.required_any:
        if not any(g in mapping for g in group):
            names = " or ".join(repr(g) for g in group)
            problems.append(Problem(
                "error", "missing_column", source.label,
                f"{source.label}: needs a column {names} (columns: {shown}). Add one of them, or map yours in kam.yml.",
                column=group[0],
            ))
    return mapping, problems


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
    cells = "; ".join(f"column {h!r}: {', '.join(map(repr, v))}" for h, v in examples.items())
    setting = f"reading: {{decimal: {{{source.name}: ','}}}}"
    if mark == "mixed":
        what = f"numbers are written with a decimal point and with a decimal comma ({cells})"
        fix = (f"Write every number the same way, or declare the mark in kam.yml beside the data ({setting}, or "
               f"'.'): numbers written the other way are then reported as bad values")
    else:
        what = (f"numbers such as {cells} read as thousands with a decimal point (1,234 = 1234) or as fractions "
                f"with a decimal comma (1,234 = 1.234), and nothing else in the file tells which")
        fix = f"Declare the decimal mark in kam.yml beside the data: {setting} for a decimal comma, or '.'"
    return ".", Problem("error", f"{mark}_decimal", source.label, f"{source.label}: {what}. {fix}.",
                        column=next(iter(examples)))


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


def _select(source: Source, spec: Table, mapping: dict[str, str], types: dict[str, str], aliases: Aliases,
            decimal: str) -> str:
    columns = []
    for name, header in mapping.items():
        column = spec.column(name) or Column(name)
        ref = quote(header)
        parsed = expression(column, ref, types[header], aliases.value_map(name), decimal=decimal,
                            zone=source.zones.get(header))
        columns.append(f"{parsed} AS {quote(name)}")
        if not exact(column, types[header]):
            columns.append(f"{ref} AS {quote(RAW + name)}")
    return ", ".join(columns)


def read_typed(con: duckdb.DuckDBPyConnection, source: Source, mapping: dict[str, str], spec: Table,
               aliases: Aliases, decimal: str = ".") -> dict[str, str]:
    """Read the source once into ``_t_<table>``; return the DuckDB type each header was read as.

    CSV columns are read as text except where the sniffed type already is the
    contract type; if DuckDB then meets a value it cannot convert, the file is
    read again with every column as text, so the checks can name the cell.
    """
    target = quote("_t_" + spec.name)
    if source.csv_path is None:
        types = dict(zip(source.headers, source.types))
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT "
                    f"{_select(source, spec, mapping, types, aliases, decimal)} FROM {source.relation}")
        return types
    attempts = [_read_types(source, mapping, spec, decimal), {h: "VARCHAR" for h in source.headers}]
    for types in attempts:
        try:
            con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT "
                        f"{_select(source, spec, mapping, types, aliases, decimal)} "
                        f"FROM {csv_relation(source.csv_path, types, source.delim, source.skip)}")
            return types
        except duckdb.Error as exc:
            error = exc
    raise unreadable_csv(source.csv_path, source.label, source.delim, error, source.offset) from None


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
            fix = "Correct the formulas of these cells (or replace them with values) and export the table again. "
            if spec.column(name) is None:  # a column the analyses do not use: the rows are kept, without the value
                first.append(Check("excel_error", header, errors, f"column {label!r} holds Excel error values in",
                                   fix + "They are read as empty (the analyses do not use this column).",
                                   shown_value, "warning", excel[header], name))
            else:
                first.append(Check("excel_error", header, errors, f"column {label!r} holds Excel error values in",
                                   fix + FIX_CELLS, shown_value, letter=excel[header]))
            clean = f" AND NOT {errors}"
        if spec.column(name) is None:
            continue
        stop = no_date(value, raw, reading.no_dates) if column.kind == "date" else None
        unset = f" AND NOT {stop}" if stop else ""
        if column.required:
            empty = f"(NOT {present(raw)})" if raw else f"({value} IS NULL)"
            what = f"column {label!r} is empty in"
            if stop:
                empty, what = f"({empty} OR {stop})", (f"column {label!r} is empty or holds a \"no date\" value "
                                                       f"({', '.join(reading.no_dates)}) in")
            checks.append(Check("empty_value", header, empty, what, f"Fill in {name} for these rows. " + FIX_CELLS,
                                shown_value))
        elif stop:
            checks.append(Check("no_date", header, stop, f"column {label!r} holds \"no date\" values "
                                f"({', '.join(reading.no_dates)}) in", "They are read as empty: the rows are kept, "
                                "without this date.", shown_value, "note", clears=name))
        if raw:
            checks.append(Check(_bad_code(column), header, f"({present(raw)} AND {value} IS NULL{clean}{unset})",
                                f"column {label!r} holds values that are not {expected(column)} in",
                                value=shown_value))
        if column.kind in ("number", "count") and types[header] in FLOAT_TYPES:
            checks.append(Check("bad_number", header, not_finite(value),
                                f"column {label!r} holds values that are not numbers (NaN or infinite) in",
                                value=shown_value))
        if column.kind == "date":
            checks.append(Check("date_out_of_range", header, f"({outside(value, reading.dates)}{unset})",
                                f"column {label!r} holds dates outside {reading.dates[0]} – {reading.dates[1]} in",
                                "A two-digit year (25/3/5), or a number such as 202403 that is not a date? Write "
                                "dates such as 2024-03-05, or widen the range in kam.yml beside the data (reading: "
                                "{dates: [1980-01-01, 2100-12-31]}). " + FIX_CELLS, shown_value))
        if column.nonnegative:
            finite = f" AND isfinite({value})" if types[header] in FLOAT_TYPES else ""  # -inf: not a number
            checks.append(Check("negative", header, f"({value} < 0{finite})",
                                f"column {label!r} holds negative values in",
                                "Amounts and counts cannot be negative: enter returns or credit notes as their own "
                                "records, or correct the sign. " + FIX_CELLS, shown_value))
    if {"purchase_level", "capacity_level"} <= set(mapping):
        hx, hy = mapping["purchase_level"], mapping["capacity_level"]
        checks.append(Check("level_conflict", hx, "(purchase_level > capacity_level)",
                            f"column {_label(hx, 'purchase_level')!r} (X) is greater than column "
                            f"{_label(hy, 'capacity_level')!r} (Y) in",
                            "An account cannot buy more from us than it buys in all. " + FIX_CELLS,
                            "purchase_level"))
    return first + checks


def _duplicate_check(spec: Table, mapping: dict[str, str]) -> Check | None:
    if spec.key is None or spec.key not in mapping:
        return None
    key, table = quote(spec.key), quote("_t_" + spec.name)
    later = (f"(_row IN (SELECT _row FROM (SELECT _row, row_number() OVER (PARTITION BY {key} ORDER BY _row) AS k "
             f"FROM {table} WHERE {key} IS NOT NULL) WHERE k > 1))")
    return Check("duplicate_id", mapping[spec.key], later,
                 f"column {mapping[spec.key]!r} repeats an id already used above in",
                 f"Each {spec.key} must be unique: remove the repeated rows or give them their own ids. " + FIX_CELLS,
                 key)


def _counts(con: duckdb.DuckDBPyConnection, spec: Table, checks: list[Check]) -> list[int]:
    """Failures per check in one scan (the duplicate check as ids minus distinct ids, see :func:`_repeats`)."""
    table = quote("_t_" + spec.name)
    terms = [_repeats(con, table, c.value) if c.code == "duplicate_id"
             else f"count(*) FILTER (WHERE {c.predicate})" for c in checks]
    return list(con.execute(f"SELECT count(*), {', '.join(terms) or '0'} FROM {table}").fetchall()[0])


def _repeats(con: duckdb.DuckDBPyConnection, table: str, key: str) -> str:
    """SQL counting the repeated values of *key*: ids minus distinct ids, or ``0`` when the ids rise.

    Ids that rise strictly from one row to the next (an export sorted by id) are all
    different, so the costly count of distinct values is not needed. The streaming
    test stops at the first id that does not rise, so unsorted ids cost next to nothing.
    """
    falls = con.execute(f"SELECT 1 FROM (SELECT {key} <= lag({key}) OVER () AS falls FROM {table} "
                        f"WHERE {key} IS NOT NULL) WHERE falls LIMIT 1").fetchall()
    return f"count({key}) - count(DISTINCT {key})" if falls else "0"


def _number_rows(con: duckdb.DuckDBPyConnection, name: str, first_row: int) -> None:
    table, numbered = quote("_t_" + name), quote("_n_" + name)
    con.execute(f"CREATE OR REPLACE TABLE {numbered} AS SELECT rowid + {first_row + 1} AS _row, * FROM {table}")
    con.execute(f"DROP TABLE {table}; ALTER TABLE {numbered} RENAME TO {quote('_t_' + name)}")


def _examples(con: duckdb.DuckDBPyConnection, name: str, check: Check) -> list[tuple[int, object]]:
    return con.execute(
        f"SELECT _row, {check.value} FROM {quote('_t_' + name)} WHERE {check.predicate} ORDER BY _row LIMIT {MAX_ROWS}"
    ).fetchall()


def _label(header: str, name: str) -> str:
    return header if normalise(header) == name else f"{header} ({name})"


def _bad_code(column: Column) -> str:
    return {"date": "bad_date", "number": "bad_number", "count": "bad_number",
            "level": "bad_level", "bool": "bad_bool", "enum": "not_allowed"}[column.kind]


def _problem(source: Source, check: Check, count: int, examples: list[tuple[int, object]]) -> Problem:
    rows = file_rows([int(r) for r, _ in examples], source.blank_lines)
    values = [v for _, v in examples]
    if check.letter:  # an Excel cell: orders.xlsx!D7
        values = [f"{source.label}!{check.letter}{r}: {v}" for r, v in zip(rows, values)]
    message = (f"{source.label}: {check.what} {count:,} row{'s' if count > 1 else ''} "
               f"({row_list(rows, count)}: {shown(values)}). {check.fix}")
    return Problem(check.severity, check.code, source.label, message, column=check.header, rows=rows, count=count)


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
           reading: Reading) -> Found:
    """Look for total labels, Excel error values and a repeated header, one query per column.

    Each query compares a column with a short list of words; DuckDB skips every block
    of rows whose smallest and largest values rule the words out, so a column without
    them is not read at all.
    """
    table = quote("_t_" + spec.name)
    labels, texts = label_variants(reading.total_labels), [f for f in cols if f.text]
    queries = [("total", i, _in(f.text, labels)) for i, f in enumerate(cols) if f in _label_fields(cols)]
    queries += [("error", i, _in(f.text, EXCEL_ERRORS)) for i, f in enumerate(cols) if f in texts]
    if cols and len(texts) == len(cols):  # a header can only be read as a row when every column was read as text
        queries.append(("header", 0, _in(cols[0].text, _header_names(spec, aliases, cols[0]))))
    if not queries:
        return Found()
    sql = " UNION ALL ".join(f"SELECT {literal(kind)}, {i}, count(*) FROM {table} WHERE {where}"
                             for kind, i, where in queries)
    found = Found()
    for kind, i, n in con.execute(sql).fetchall():
        if n and kind == "total":
            found.totals.append(cols[i])
        elif n and kind == "error":
            found.errors.append(cols[i])
        elif n:
            found.header = True
    return found


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
            return [], Problem("error", error.code, source.label, str(error), rows=error.rows)
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


def _note(source: Source, code: str, header: str | None, rows: list[int], values: list[str], text: str) -> Problem:
    lines = file_rows(rows[:MAX_ROWS], source.blank_lines)
    where = row_list(lines, len(rows))
    return Problem("note", code, source.label, text.format(where=where, values=shown(values[:MAX_ROWS]),
                                                           n=len(rows), s="s" if len(rows) > 1 else ""),
                   column=header, rows=lines, count=len(rows))


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
            built.problems.append(_note(
                source, "repeated_header", cols[0].header, repeated, [],
                f"{source.label}: the header comes again on {{where}} (another export appended below the first, "
                f"with the same columns); {'these rows are' if len(repeated) > 1 else 'this row is'} left out and "
                f"the rows of every part are loaded."))
    if found.totals:
        totals, others = _totals(con, spec, cols, found.totals, reading)
        for header, rows in totals.items():
            numbers = [r for r, _ in rows]
            _leave_out(con, spec.name, numbers)
            built.excluded[f"total_row:{header}"] = len(numbers)
            built.problems.append(_note(
                source, "total_row", header, numbers, [v for _, v in rows],
                f"{source.label}: {{where}} ({{values}} in column {header!r}) "
                f"{'are total rows' if len(rows) > 1 else 'is a total row'} of the export; left out, so that no "
                f"total is counted as a record (Dataset.excluded, reason total_row)."))
        if others:
            name = f"_not_total_{spec.name}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS SELECT unnest(?::BIGINT[]) AS _row", [others])
            label = found.totals[0]
            checks.append(Check(
                "total_label", label.header, f"(_row IN (SELECT _row FROM {quote(name)}))",
                f"column {_label(label.header, label.name)!r} holds a total label (合计, Total …) on rows that are not "
                f"totals of the rows above (their other key columns are filled in, and none of their numbers is a "
                f"sum of the rows above) in",
                "If these are total rows, delete them from the file; if they are records, give them their real "
                "names. " + FIX_CELLS, f"coalesce({', '.join(f.text for f in found.totals)})"))
    return checks


def build(con: duckdb.DuckDBPyConnection, source: Source, spec: Table, aliases: Aliases,
          reading: Reading | None = None) -> Built:
    """Build the typed table ``_t_<table>`` from *source*, with its checks.

    Rows that break a rule are left out of the typed table; :attr:`Built.problems`
    says which and :attr:`Built.excluded` counts them by reason (each row under the
    first rule it breaks), so ``rows_in == rows_loaded + sum(excluded.values())``.
    Rows that are not records (a repeated header, a total row) are left out and
    counted the same way, with a note instead of an error.
    """
    reading = reading or Reading()
    built = Built(spec.name, source.label, blank_lines=source.blank_lines, first_row=source.offset)
    mapping, built.problems = map_headers(source, spec, aliases)
    if built.problems and not built.ok:
        return built
    decimal, problem = choose_decimal(source, spec, mapping, reading)
    if problem:
        built.problems.append(problem)
        return built
    built.columns = dict(mapping)
    types = read_typed(con, source, mapping, spec, aliases, decimal)
    cols = fields(spec, mapping, types)
    found = _probe(con, spec, cols, aliases, reading)
    checks: list[Check] = []
    if found.totals or found.header:
        _number_rows(con, spec.name, source.offset)
        built.numbered = True
        checks = not_records(con, source, spec, cols, found, aliases, reading, built)
        if not built.ok:
            return built
    excel = {f.header: source.cells.get(f.header) for f in found.errors}
    checks = column_checks(spec, mapping, types, reading, excel) + checks
    dup = _duplicate_check(spec, mapping)
    checks += [dup] if dup else []
    rows, *counts = _counts(con, spec, checks)
    built.rows_in = rows + sum(built.excluded.values())
    failing = [(c, n) for c, n in zip(checks, counts) if n]
    if failing:
        if not built.numbered:
            _number_rows(con, spec.name, source.offset)
            built.numbered = True
        built.problems += [_problem(source, c, n, _examples(con, spec.name, c)) for c, n in failing]
        built.excluded |= _exclude(con, spec.name, [c for c, _ in failing if c.severity == "error"])
        for check in (c for c, _ in failing if c.clears):
            con.execute(f"UPDATE {quote('_t_' + spec.name)} SET {quote(check.clears)} = NULL WHERE {check.predicate}")
    if built.rows_in == 0:
        built.problems.append(Problem("warning", "no_rows", source.label,
                                      f"{source.label}: the file has a header but no rows; analyses that need "
                                      f"{spec.name} will say so."))
    built.rows_loaded = built.rows_in - sum(built.excluded.values())
    for name in mapping:
        if not exact(spec.column(name) or Column(name), types[mapping[name]]):
            con.execute(f"ALTER TABLE {quote('_t_' + spec.name)} DROP COLUMN {quote(RAW + name)}")
    return built


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
