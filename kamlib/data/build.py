"""Turn one :class:`~kamlib.data.read.Source` into a typed DuckDB table, with checks.

The steps for one table: map the file's headers onto the contract (aliases), check
that required columns are there, copy the rows into DuckDB with their row numbers,
count the cells that break a rule in one pass, fetch up to five example rows per
rule, and keep the rows that pass in a typed table. Rows that are left out are
counted by reason, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import duckdb

from kamlib.data.aliases import Aliases, normalise
from kamlib.data.parse import (
    INTEGER_TYPES, NUMERIC_TYPES, expected, expression, literal, present, quote,
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


@dataclass
class Check:
    """A row-level rule: rows where *predicate* holds break it."""

    code: str
    header: str
    predicate: str
    what: str
    fix: str = FIX_CELLS


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

    @property
    def ok(self) -> bool:
        """Whether a typed table was built."""
        return not any(p.severity == "error" and not p.count for p in self.problems)


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


def copy_rows(con: duckdb.DuckDBPyConnection, source: Source, mapping: dict[str, str], spec: Table, raw: str) -> Source:
    """Copy the source's rows into the DuckDB table *raw*, numbered as in the file.

    CSV columns are read as text except where the sniffed type already is the
    contract type; if DuckDB then meets a value it cannot convert, the file is
    read again with every column as text, so the checks can name the cell.
    """
    if source.csv_path is None:
        _create_raw(con, source.relation, source.offset, raw)
        return source
    types = _read_types(source, mapping, spec)
    try:
        _create_raw(con, csv_relation(source.csv_path, types, source.delim), source.offset, raw)
        return replace(source, types=[types[h] for h in source.headers])
    except duckdb.Error:
        pass
    text = {h: "VARCHAR" for h in source.headers}
    try:
        _create_raw(con, csv_relation(source.csv_path, text, source.delim), source.offset, raw)
    except duckdb.Error as exc:
        raise unreadable_csv(source.csv_path, source.label, source.delim, exc) from None
    return replace(source, types=list(text.values()))


def _create_raw(con: duckdb.DuckDBPyConnection, relation: str, offset: int, raw: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(raw)} AS "
                f"SELECT row_number() OVER () + {offset} AS _row, * FROM {relation}")


def column_checks(spec: Table, mapping: dict[str, str], types: dict[str, str], aliases: Aliases) -> list[Check]:
    """The row-level rules for every contract column present in the file."""
    checks = []
    for name, header in mapping.items():
        column = spec.column(name)
        if column is None:
            continue
        ref = quote(header)
        value = expression(column, ref, types[header], aliases.value_map(name))
        label = _label(header, name)
        if column.required:
            checks.append(Check("empty_value", header, f"NOT {present(ref)}",
                                f"column {label!r} is empty in", f"Fill in {name} for these rows. " + FIX_CELLS))
        if column.kind not in ("id", "text"):
            checks.append(Check(_bad_code(column), header, f"({present(ref)} AND ({value}) IS NULL)",
                                f"column {label!r} holds values that are not {expected(column)} in"))
        if column.nonnegative:
            checks.append(Check("negative", header, f"(({value}) < 0)", f"column {label!r} holds negative values in",
                                "Amounts and counts cannot be negative: enter returns or credit notes as their own "
                                "records, or correct the sign. " + FIX_CELLS))
    if {"purchase_level", "capacity_level"} <= set(mapping):
        hx, hy = mapping["purchase_level"], mapping["capacity_level"]
        x = expression(spec.column("purchase_level"), quote(hx), types[hx])
        y = expression(spec.column("capacity_level"), quote(hy), types[hy])
        checks.append(Check("level_conflict", hx, f"(({x}) > ({y}))",
                            f"column {_label(hx, 'purchase_level')!r} (X) is greater than column "
                            f"{_label(hy, 'capacity_level')!r} (Y) in",
                            "An account cannot buy more from us than it buys in all (domain.md §2.3). " + FIX_CELLS))
    return checks


def _label(header: str, name: str) -> str:
    return header if normalise(header) == name else f"{header} ({name})"


def _bad_code(column: Column) -> str:
    return {"date": "bad_date", "number": "bad_number", "count": "bad_number",
            "level": "bad_level", "bool": "bad_bool", "enum": "not_allowed"}[column.kind]


def _examples(con: duckdb.DuckDBPyConnection, raw: str, check: Check) -> list[tuple[int, object]]:
    return con.execute(
        f"SELECT _row, {quote(check.header)} FROM {quote(raw)} WHERE {check.predicate} ORDER BY _row LIMIT {MAX_ROWS}"
    ).fetchall()


def _problem(source: Source, check: Check, count: int, examples: list[tuple[int, object]]) -> Problem:
    rows = file_rows([int(r) for r, _ in examples], source.blank_lines)
    values = shown([v for _, v in examples])
    message = (f"{source.label}: {check.what} {count:,} row{'s' if count > 1 else ''} "
               f"({row_list(rows, count)}: {values}). {check.fix}")
    return Problem("error", check.code, source.label, message, column=check.header, rows=rows, count=count)


def duplicate_key_check(con: duckdb.DuckDBPyConnection, raw: str, spec: Table, mapping: dict[str, str]) -> Check | None:
    """A check for repeated ids in the table's key column (None when ids are unique)."""
    if spec.key is None or spec.key not in mapping:
        return None
    key = f"NULLIF(TRIM(CAST({quote(mapping[spec.key])} AS VARCHAR)), '')"
    dupes = con.execute(f"SELECT count({key}) - count(DISTINCT {key}) FROM {quote(raw)}").fetchone()[0]
    if not dupes:
        return None
    con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(raw + '_dup')} AS SELECT _row FROM "
                f"(SELECT _row, row_number() OVER (PARTITION BY {key} ORDER BY _row) AS k "
                f"FROM {quote(raw)} WHERE {key} IS NOT NULL) WHERE k > 1")
    return Check("duplicate_id", mapping[spec.key], f"(_row IN (SELECT _row FROM {quote(raw + '_dup')}))",
                 f"column {mapping[spec.key]!r} repeats an id already used above in",
                 f"Each {spec.key} must be unique: remove the repeated rows or give them their own ids. " + FIX_CELLS)


def run_checks(con: duckdb.DuckDBPyConnection, raw: str, source: Source, checks: list[Check]) -> list[Problem]:
    """Count every rule's failures in one scan, then fetch examples for those that fail."""
    if not checks:
        return []
    counts = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c.predicate})" for c in checks) + f" FROM {quote(raw)}"
    ).fetchone()
    return [_problem(source, c, n, _examples(con, raw, c)) for c, n in zip(checks, counts) if n]


def build(con: duckdb.DuckDBPyConnection, source: Source, spec: Table, aliases: Aliases) -> Built:
    """Build the typed table ``_t_<table>`` (and the view ``<table>``) from *source*.

    Rows that break a rule are left out of the typed table; :attr:`Built.problems`
    says which and :attr:`Built.excluded` counts them by reason (each row under the
    first rule it breaks), so ``rows_in == rows_loaded + sum(excluded.values())``.
    """
    built = Built(spec.name, source.label)
    mapping, built.problems = map_headers(source, spec, aliases)
    if built.problems and not built.ok:
        return built
    raw = f"_raw_{spec.name}"
    source = copy_rows(con, source, mapping, spec, raw)
    types = dict(zip(source.headers, source.types))
    checks = column_checks(spec, mapping, types, aliases)
    dup = duplicate_key_check(con, raw, spec, mapping)
    checks += [dup] if dup else []
    built.problems += run_checks(con, raw, source, checks)
    built.rows_in = con.execute(f"SELECT count(*) FROM {quote(raw)}").fetchone()[0]
    if built.rows_in == 0:
        built.problems.append(Problem("warning", "no_rows", source.label,
                                      f"{source.label}: the file has a header but no rows; analyses that need "
                                      f"{spec.name} will say so."))
    failing = [c for c in checks if any(p.code == c.code and p.column == c.header for p in built.problems)]
    _typed_table(con, raw, spec, mapping, types, aliases, failing)
    built.excluded = _excluded(con, spec.name, raw, failing)
    built.rows_loaded = built.rows_in - sum(built.excluded.values())
    built.columns = dict(mapping)
    built.blank_lines = source.blank_lines
    con.execute(f"DROP TABLE IF EXISTS {quote(raw)}; DROP TABLE IF EXISTS {quote(raw + '_dup')}")
    return built


def _typed_table(con: duckdb.DuckDBPyConnection, raw: str, spec: Table, mapping: dict[str, str],
                 types: dict[str, str], aliases: Aliases, failing: list[Check]) -> None:
    columns = []
    for name, header in mapping.items():
        column = spec.column(name) or Column(name)
        columns.append(f"{expression(column, quote(header), types[header], aliases.value_map(name))} AS {quote(name)}")
    where = " OR ".join(c.predicate for c in failing)
    con.execute("SET preserve_insertion_order = false")  # rows carry their _row; order is not needed
    con.execute(f"CREATE OR REPLACE TABLE {quote('_t_' + spec.name)} AS SELECT _row, {', '.join(columns)} "
                f"FROM {quote(raw)}" + (f" WHERE NOT ({where})" if where else ""))
    con.execute("SET preserve_insertion_order = true")  # row_number() OVER () must follow the file


def _excluded(con: duckdb.DuckDBPyConnection, table: str, raw: str, failing: list[Check]) -> dict[str, int]:
    if not failing:
        return {}
    reason = "CASE " + " ".join(f"WHEN {c.predicate} THEN {literal(c.code + ':' + c.header)}" for c in failing) + " END"
    rows = con.execute(
        f"SELECT reason, count(*) FROM (SELECT {reason} AS reason FROM {quote(raw)}) WHERE reason IS NOT NULL GROUP BY 1"
    ).fetchall()
    return dict(sorted(rows))
