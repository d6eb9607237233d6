"""Turn one :class:`~kamlib.data.read.Source` into a typed DuckDB table, with checks.

The steps for one table: map the file's headers onto the contract (aliases), check
that required columns are there, then read the rows once into a typed table
``_t_<table>`` (in file order). Where a value has to be parsed from text, the text
is kept beside it for the checks (``__raw_<column>``). One aggregate query counts
the cells that break each rule. Clean data is done at that point. Otherwise the rows
are numbered as in the file, up to five examples per rule are fetched, and the rows
that break a rule are deleted from the typed table and counted by reason — never
dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from kamlib.data.aliases import Aliases, normalise
from kamlib.data.parse import (
    INTEGER_TYPES,
    NUMERIC_TYPES,
    expected,
    expression,
    literal,
    present,
    quote,
)
from kamlib.data.problems import MAX_ROWS, Problem, row_list, shown
from kamlib.data.read import Source, csv_relation, file_rows, unreadable_csv
from kamlib.data.schema import Column, Table

FIX_CELLS = "Correct these cells in the file, or load with errors='exclude' to leave these rows out (they are counted)."
KEEP_TYPES = {
    "date": ("DATE",),
    "number": NUMERIC_TYPES,
    "count": INTEGER_TYPES,
    "level": INTEGER_TYPES,
}


RAW = "__raw_"


@dataclass
class Check:
    """A row-level rule: rows where *predicate* holds break it; *value* is what to show."""

    code: str
    header: str
    predicate: str
    what: str
    fix: str = FIX_CELLS
    value: str = "NULL"


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


def _read_types(source: Source, mapping: dict[str, str], spec: Table) -> dict[str, str]:
    sniffed = dict(zip(source.headers, source.types))
    types = {h: "VARCHAR" for h in source.headers}
    for name, header in mapping.items():
        column = spec.column(name)
        if column and sniffed[header] in KEEP_TYPES.get(column.kind, ()):
            types[header] = sniffed[header]
    return types


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


def _select(spec: Table, mapping: dict[str, str], types: dict[str, str], aliases: Aliases) -> str:
    columns = []
    for name, header in mapping.items():
        column = spec.column(name) or Column(name)
        ref = quote(header)
        columns.append(f"{expression(column, ref, types[header], aliases.value_map(name))} AS {quote(name)}")
        if not exact(column, types[header]):
            columns.append(f"{ref} AS {quote(RAW + name)}")
    return ", ".join(columns)


def read_typed(con: duckdb.DuckDBPyConnection, source: Source, mapping: dict[str, str], spec: Table,
               aliases: Aliases) -> dict[str, str]:
    """Read the source once into ``_t_<table>``; return the DuckDB type each header was read as.

    CSV columns are read as text except where the sniffed type already is the
    contract type; if DuckDB then meets a value it cannot convert, the file is
    read again with every column as text, so the checks can name the cell.
    """
    target = quote("_t_" + spec.name)
    if source.csv_path is None:
        types = dict(zip(source.headers, source.types))
        con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {_select(spec, mapping, types, aliases)} "
                    f"FROM {source.relation}")
        return types
    attempts = [_read_types(source, mapping, spec), {h: "VARCHAR" for h in source.headers}]
    for types in attempts:
        try:
            con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {_select(spec, mapping, types, aliases)} "
                        f"FROM {csv_relation(source.csv_path, types, source.delim)}")
            return types
        except duckdb.Error as exc:
            error = exc
    raise unreadable_csv(source.csv_path, source.label, source.delim, error) from None


def column_checks(spec: Table, mapping: dict[str, str], types: dict[str, str]) -> list[Check]:
    """The row-level rules for every contract column present, over the typed table."""
    checks = []
    for name, header in mapping.items():
        column = spec.column(name)
        if column is None:
            continue
        value, label = quote(name), _label(header, name)
        raw = None if exact(column, types[header]) else quote(RAW + name)
        shown_value = raw or value
        if column.required:
            empty = f"NOT {present(raw)}" if raw else f"({value} IS NULL)"
            checks.append(Check("empty_value", header, empty, f"column {label!r} is empty in",
                                f"Fill in {name} for these rows. " + FIX_CELLS, shown_value))
        if raw:
            checks.append(Check(_bad_code(column), header, f"({present(raw)} AND {value} IS NULL)",
                                f"column {label!r} holds values that are not {expected(column)} in",
                                value=shown_value))
        if column.nonnegative:
            checks.append(Check("negative", header, f"({value} < 0)", f"column {label!r} holds negative values in",
                                "Amounts and counts cannot be negative: enter returns or credit notes as their own "
                                "records, or correct the sign. " + FIX_CELLS, shown_value))
    if {"purchase_level", "capacity_level"} <= set(mapping):
        hx, hy = mapping["purchase_level"], mapping["capacity_level"]
        checks.append(Check("level_conflict", hx, "(purchase_level > capacity_level)",
                            f"column {_label(hx, 'purchase_level')!r} (X) is greater than column "
                            f"{_label(hy, 'capacity_level')!r} (Y) in",
                            "An account cannot buy more from us than it buys in all. " + FIX_CELLS,
                            "purchase_level"))
    return checks


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
    values = shown([v for _, v in examples])
    message = (f"{source.label}: {check.what} {count:,} row{'s' if count > 1 else ''} "
               f"({row_list(rows, count)}: {values}). {check.fix}")
    return Problem("error", check.code, source.label, message, column=check.header, rows=rows, count=count)


def build(con: duckdb.DuckDBPyConnection, source: Source, spec: Table, aliases: Aliases) -> Built:
    """Build the typed table ``_t_<table>`` from *source*, with its checks.

    Rows that break a rule are left out of the typed table; :attr:`Built.problems`
    says which and :attr:`Built.excluded` counts them by reason (each row under the
    first rule it breaks), so ``rows_in == rows_loaded + sum(excluded.values())``.
    """
    built = Built(spec.name, source.label, blank_lines=source.blank_lines, first_row=source.offset)
    mapping, built.problems = map_headers(source, spec, aliases)
    if built.problems and not built.ok:
        return built
    built.columns = dict(mapping)
    types = read_typed(con, source, mapping, spec, aliases)
    checks = column_checks(spec, mapping, types)
    dup = _duplicate_check(spec, mapping)
    checks += [dup] if dup else []
    built.rows_in, *counts = _counts(con, spec, checks)
    failing = [(c, n) for c, n in zip(checks, counts) if n]
    if failing:
        _number_rows(con, spec.name, source.offset)
        built.numbered = True
        built.problems += [_problem(source, c, n, _examples(con, spec.name, c)) for c, n in failing]
        built.excluded = _exclude(con, spec.name, [c for c, _ in failing])
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
    table = quote("_t_" + name)
    reason = "CASE " + " ".join(f"WHEN {c.predicate} THEN {literal(c.code + ':' + c.header)}" for c in failing) + " END"
    rows = con.execute(
        f"SELECT reason, count(*) FROM (SELECT {reason} AS reason FROM {table}) WHERE reason IS NOT NULL GROUP BY 1"
    ).fetchall()
    con.execute(f"CREATE OR REPLACE TEMP TABLE _bad AS SELECT _row FROM {table} "
                f"WHERE {' OR '.join(c.predicate for c in failing)}")
    con.execute(f"DELETE FROM {table} WHERE _row IN (SELECT _row FROM _bad)")
    return dict(sorted(rows))
