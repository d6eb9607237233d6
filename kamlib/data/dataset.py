"""The :class:`Dataset` and the two entry points, :func:`load` and :func:`validate`."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from kamlib import i18n
from kamlib.data import cache, dbplan, read
from kamlib.data.aliases import Aliases, read_config, read_reading, suggest_table
from kamlib.data.build import Built, build
from kamlib.data.parse import quote
from kamlib.data.problems import (
    MAX_ROWS,
    MAX_VALUES,
    VALUE_ROWS,
    ConfigProblem,
    Problem,
    ValidationReport,
    config_error,
    problem,
    quoted,
    rows_text,
    say,
    shown_text,
    value_list,
    with_text,
)
from kamlib.data.schema import TABLES, Reading
from kamlib.errors import DataError
from kamlib.masking import mask_text

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[str], None]
PANDAS_TYPES = {"count": "Int64", "level": "Int64", "bool": "boolean", "number": "float64", "date": "datetime64[ns]"}
ERRORS = ("raise", "exclude")


class Dataset:
    """A set of named tables held in an in-memory DuckDB database.

    Each table is a DuckDB view named after it (``orders``, ``accounts`` …) with the
    contract's column names and types, so large aggregations run in DuckDB
    (:meth:`sql`); :meth:`table` hands an analysis a pandas DataFrame.

    Attributes
    ----------
    source : str
        What the data was read from (a path, or ``embedded sample``).
    report : ValidationReport
        Every problem found while loading, and row counts per table.
    lang : {"en", "zh"}
        Language of the errors it raises (a table it does not have).

    Examples
    --------
    >>> ds = load()
    >>> "orders" in ds and "accounts" in ds
    True
    >>> int(ds.sql("SELECT count(*) AS n FROM orders")["n"].iloc[0]) == len(ds.table("orders"))
    True
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, built: dict[str, Built],
                 report: ValidationReport, lang: str = "en") -> None:
        self.con = con
        self.source = source
        self.report = report
        self.lang = lang
        self._built = built
        self._frames: dict[str, pd.DataFrame] = {}

    def __repr__(self) -> str:
        tables = ", ".join(f"{n}={b.rows_loaded:,}" for n, b in self._built.items())
        return f"<Dataset {self.source}: {tables}>"

    def __contains__(self, name: object) -> bool:
        return name in self._built

    @property
    def names(self) -> list[str]:
        """Names of the tables present, in contract order."""
        return list(self._built)

    def columns(self, name: str) -> list[str]:
        """Column names of table *name* (contract names, then any extra columns)."""
        return list(self._need(name).columns)

    def missing(self, name: str, columns: list[str] | tuple[str, ...] = ()) -> list[str]:
        """What an analysis lacks: ``[name]`` if the table is absent, else its absent *columns*.

        Examples
        --------
        >>> load().missing("orders", ["revenue", "no_such_column"])
        ['no_such_column']
        """
        if name not in self:
            return [name]
        return [c for c in columns if c not in self._built[name].columns]

    def table(self, name: str) -> pd.DataFrame:
        """Table *name* as a pandas DataFrame with contract dtypes.

        Dates are ``datetime64[ns]``, numbers ``float64``, counts and 0–4 levels
        nullable ``Int64``, flags nullable ``boolean``, ids and text strings.

        Raises
        ------
        DataError
            When the dataset has no such table, in the language of the load.

        Examples
        --------
        >>> load(tables=["orders"], lang="zh").table("visits")
        Traceback (most recent call last):
        ...
        kamlib.errors.DataError: embedded sample：没有表 'visits'（现有表：orders）。请添加文件 visits.csv（或 .xlsx / \
.parquet），至少包含列 account_id、visit_date。
        """
        if name not in self._frames:
            self._frames[name] = self._frame(name)
        return self._frames[name].copy(deep=False)

    def _need(self, name: str) -> Built:
        if name not in self._built:
            have = {lang: i18n.join(list(self._built), lang) or i18n.t("data.none", lang) for lang in i18n.LANGS}
            known = TABLES.get(name)
            fix = (say("data.fix.add_table", name=name, columns={lang: i18n.join(known.required, lang)
                                                                  for lang in i18n.LANGS}) if known
                   else say("data.fix.contract_tables", tables={lang: i18n.join(list(TABLES), lang)
                                                                for lang in i18n.LANGS}))
            raise problem("error", "missing_table", self.source, "data.msg.no_table", source=self.source,
                          name=repr(name), have=have, fix=fix).error(self.lang)
        return self._built[name]

    def _frame(self, name: str) -> pd.DataFrame:
        self._need(name)
        # Through Arrow: several times faster than DuckDB's own DataFrame conversion
        # for millions of rows with text columns.
        arrow = self.con.sql(f"SELECT * FROM {quote(name)}").to_arrow_table()
        frame = arrow.to_pandas(types_mapper=_pandas_types().get, date_as_object=False)
        spec = TABLES[name]
        for column in frame.columns:
            contract = spec.column(column)
            kind = contract.kind if contract else "text"
            dtype = PANDAS_TYPES.get(kind, "string")
            if frame[column].dtype != dtype:
                frame[column] = frame[column].astype(dtype)
        return frame

    def file_rows(self, name: str) -> list[int]:
        """Row number in the file (header = row 1) of each row of :meth:`table`, in order.

        Examples
        --------
        >>> load().file_rows("accounts")[:3]
        [2, 3, 4]
        """
        built = self._need(name)
        numbers = self.con.execute(f"SELECT {built.row_number} FROM {quote('_t_' + name)}").fetchall()
        return list(read.file_rows([int(r) for (r,) in numbers], built.blank_lines))

    def sql(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a DuckDB query over the tables (each is a view named after it).

        Examples
        --------
        >>> int(load().sql("SELECT count(DISTINCT account_id) AS n FROM orders")["n"].iloc[0]) > 0
        True
        """
        return self.con.execute(query, params or []).df()

    @property
    def excluded(self) -> pd.DataFrame:
        """Rows the loader left out: table, source, reason, column, rows.

        Rows with invalid cells (``errors="exclude"``), and rows that are not records
        whatever *errors* is: total rows (reason ``total_row``) and a header repeated
        further down (``repeated_header``).
        """
        import pandas as pd

        records = [
            {"table": n, "source": b.label, "reason": key.split(":", 1)[0],
             "column": key.split(":", 1)[1], "rows": count}
            for n, b in self._built.items() for key, count in b.excluded.items()
        ]
        return pd.DataFrame(records, columns=["table", "source", "reason", "column", "rows"])

    def summary(self) -> pd.DataFrame:
        """One row per table: rows, columns, first date column and its range, rows excluded, unused columns.

        ``unused_columns`` names the file's columns that no analysis uses (as the note
        ``unused_columns`` of :attr:`report` does), ``""`` when there are none.

        Examples
        --------
        >>> s = load().summary()
        >>> list(s.columns)
        ['table', 'rows', 'columns', 'date_column', 'first_date', 'last_date', 'excluded', 'unused_columns']
        """
        import pandas as pd

        rows = []
        for name, built in self._built.items():
            dates = [c.name for c in TABLES[name].columns if c.kind == "date" and c.name in built.columns]
            first = last = None
            if dates:
                first, last = self.con.execute(
                    f"SELECT min({quote(dates[0])}), max({quote(dates[0])}) FROM {quote(name)}").fetchall()[0]
            rows.append({"table": name, "rows": built.rows_loaded, "columns": len(built.columns),
                         "date_column": dates[0] if dates else None, "first_date": first, "last_date": last,
                         "excluded": built.rows_in - built.rows_loaded, "unused_columns": ", ".join(built.unused)})
        frame = pd.DataFrame(rows, columns=["table", "rows", "columns", "date_column", "first_date", "last_date",
                                            "excluded", "unused_columns"])
        for column in ("first_date", "last_date"):
            frame[column] = pd.to_datetime(frame[column])
        return frame

    def close(self) -> None:
        """Release the DuckDB connection."""
        self.con.close()


def _pandas_types() -> dict[pa.DataType, Any]:
    """The pandas dtype of each Arrow type that pandas would otherwise convert to objects or floats."""
    import pandas as pd

    return {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(), pa.string_view(): pd.StringDtype(),
            pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}


@dataclass(frozen=True)
class Wanted:
    """The tables a load reads: *tables* (None = all) and those of them it can do without (*optional*)."""

    tables: frozenset[str] | None = None
    optional: frozenset[str] = frozenset()

    @classmethod
    def of(cls, tables: Collection[str] | None, optional: Collection[str] = ()) -> Wanted:
        """Check the names against the data contract.

        Raises
        ------
        ConfigProblem
            Naming the argument and the name that is not a table, in every language.

        Examples
        --------
        >>> Wanted.of(["orders"], ["accounts"]).reads("accounts"), Wanted.of(None).reads("visits")
        (True, True)
        >>> Wanted.of(["orders"], ["account"])
        Traceback (most recent call last):
        ...
        kamlib.data.problems.ConfigProblem: optional: 'account' is not a table of the data contract (accounts, orders, \
opportunities, visits, leads, showroom, market, products, reps, contacts, factors).
        """
        names = {"en": ", ".join(TABLES), "zh": "、".join(TABLES)}
        for argument, given in (("tables", tables or ()), ("optional", optional)):
            for name in given:
                if name not in TABLES:
                    raise config_error("data.config.unknown_table", argument=argument, name=repr(name), tables=names)
        everything = None if tables is None else frozenset(tables) | frozenset(optional)
        return cls(everything, frozenset(optional))

    def reads(self, table: str) -> bool:
        """Whether a file for *table* is read."""
        return self.tables is None or table in self.tables

    def key(self) -> list[list[str]]:
        """What the cache key adds for this selection (nothing when every table is read)."""
        return [] if self.tables is None else [sorted(self.tables), sorted(self.optional)]


def sample_dir() -> Path:
    """Folder of the embedded sample dataset.

    In a source checkout this is ``data/sample``; an installed package without it
    generates the same files once into ``~/.cache/kam-workbook`` (or ``$KAM_CACHE``).
    """
    checkout = Path(__file__).resolve().parents[2] / "data" / "sample"
    if (checkout / "accounts.csv").is_file():
        return checkout
    from kamlib import __version__, sample

    cache = Path(os.environ.get("KAM_CACHE", Path.home() / ".cache" / "kam-workbook")) / f"sample-{__version__}"
    if not (cache / "accounts.csv").is_file():
        partial = cache.with_name(cache.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        sample.generate(n_accounts=sample.SAMPLE_ACCOUNTS, seed=sample.SAMPLE_SEED, out=partial, fmt="csv")
        shutil.rmtree(cache, ignore_errors=True)
        partial.rename(cache)
    return cache


def _not_read(label: str, tables: Collection[str]) -> Problem:
    return problem("note", "not_read", label, "data.msg.not_read", file=label,
                   tables=", ".join(n for n in TABLES if n in tables))


def caught(exc: DataError, source: str) -> Problem:
    """The problem a :class:`DataError` raised while reading *source* carries (its message in every language).

    Examples
    --------
    >>> caught(DataError("a.csv: broken.", code="unreadable"), "a.csv").message
    'a.csv: broken.'
    """
    if exc.problems and isinstance(exc.problems[0], Problem):
        return exc.problems[0]
    return Problem("error", exc.code, exc.source or source, str(exc), column=exc.column, rows=exc.rows)


def _left_out(problem: Problem, table: str) -> Problem:
    """An error in a table the analysis can do without, as a warning: the table is left out."""
    return replace(with_text(problem, say("data.msg.left_out", table=table)), severity="warning")


def leave_out(problems: list[Problem], table: str, label: str) -> list[Problem]:
    """The problems of a table the analysis can do without and leaves out: its errors as warnings, and one
    warning (``table_left_out``) saying the table is left out, which a report shows its reader.

    Examples
    --------
    >>> error = Problem("error", "unreadable", "accounts.csv", "accounts.csv: broken.")
    >>> [(p.severity, p.code) for p in leave_out([error], "accounts", "accounts.csv")]
    [('warning', 'unreadable'), ('warning', 'table_left_out')]
    """
    errors = sum(p.severity == "error" for p in problems)
    count = say("data.count_error" if errors == 1 else "data.count_errors", n=errors)
    summary = problem("warning", "table_left_out", label, "data.msg.table_left_out", file=label, table=table,
                      n=count)
    return [_left_out(p, table) if p.severity == "error" else p for p in problems] + [summary]


def _database(con: duckdb.DuckDBPyConnection, path: Path, aliases: Aliases, wanted: Wanted
              ) -> tuple[list[tuple[read.Source, str]], list[Problem]]:
    """The contract tables of a DuckDB database (tables or views, in any schema), and notes on the rest.

    A table in two schemas is read from ``main`` (else the first schema by name), with a
    note; tables and views the data contract does not know are listed in one note.
    """
    found: list[tuple[read.Source, str]] = []
    problems: list[Problem] = []
    schemas: dict[str, tuple[str, str]] = {}
    unrelated: list[str] = []
    for schema, name in read.read_database(con, path):
        table, label = aliases.table(name), name if schema == "main" else f"{schema}.{name}"
        if table not in TABLES:
            unrelated.append(label)
            continue
        if table in schemas and schemas[table][0] != schema:
            problems.append(problem("note", "other_schema", f"{path.name}:{label}", "data.msg.other_schema",
                                    file=path.name, table=table, read=schemas[table][1], other=label))
            continue
        schemas.setdefault(table, (schema, label))
        if not wanted.reads(table):
            problems.append(_not_read(f"{path.name}:{label}", wanted.tables))
            continue
        try:
            source = read.database_source(con, path, schema, name)
            found.append((source, source.label))
        except DataError as exc:
            found_error = caught(exc, path.name)
            problems += (leave_out([found_error], table, found_error.source) if table in wanted.optional
                         else [found_error])
    if unrelated:
        problems.append(problem("note", "not_contract", path.name, "data.msg.not_contract", file=path.name,
                                n=len(unrelated), names=quoted(unrelated), tables=", ".join(TABLES)))
    return found, problems


def _fits(spec_name: str, headers: list[str], aliases: Aliases) -> bool:
    """Whether *headers* hold every required column of table *spec_name* (aliases applied)."""
    return set(TABLES[spec_name].required) <= {aliases.column(spec_name, h) for h in headers}


def _fitting_sheet(con: duckdb.DuckDBPyConnection, file: Path, source: read.Source, table: str, aliases: Aliases,
                   reading: Reading) -> tuple[read.Source, list[Problem]]:
    """The sheet to read of a workbook whose sheet kam.yml does not name.

    When the first sheet is empty or lacks the required columns of *table* and exactly
    one other sheet has them, that sheet, with a note saying so; otherwise *source* as it is.
    """
    first = source.sheets[0] if source.sheets else None
    if table not in TABLES or len(source.sheets) < 2 or reading.sheet_for(file.stem, table) is not None \
            or (source.sheet == first and _fits(table, source.headers, aliases)):
        return source, []
    fitting = [s for s in source.sheets[1:] if _fits(table, source.headers if s == source.sheet
                                                     else read.sheet_header(file, s), aliases)]
    if len(fitting) != 1:
        return source, []
    note = problem("note", "sheet_chosen", file.name, "data.msg.sheet_chosen", file=file.name, sheet=repr(fitting[0]),
                   first=repr(first), table=table, required=", ".join(TABLES[table].required), stem=file.stem)
    return source if source.sheet == fitting[0] else read.read_excel(con, file, fitting[0]), [note]


def _sheet_hint(problems: list[Problem], source: read.Source) -> list[Problem]:
    """Say, after the first missing column of a workbook with several sheets, how to read another sheet."""
    missing = next((i for i, p in enumerate(problems) if p.code == "missing_column"), None)
    if missing is None or len(source.sheets) < 2:
        return problems
    others = [s for s in source.sheets if s != source.sheet]
    hint = say("data.msg.sheet_hint", sheet=repr(source.sheet), others=", ".join(map(repr, others)),
               stem=source.name, other=others[0])
    return [with_text(p, hint) if i == missing else p for i, p in enumerate(problems)]


def _sources(con: duckdb.DuckDBPyConnection, path: Path | dbplan.Target, aliases: Aliases, workdir: Path,
             reading: Reading, wanted: Wanted) -> tuple[dict[str, read.Source], list[Problem]]:
    if isinstance(path, dbplan.Target):
        from kamlib.data import database  # its drivers load only for a database

        found, problems, failed = database.sources(con, path, aliases, wanted)
        for table, error in failed:
            problems += leave_out([error], table, error.source) if table in wanted.optional else [error]
    elif path.is_file() and path.suffix.lower() in read.DUCKDB_SUFFIXES:
        found, problems = _database(con, path, aliases, wanted)
    elif path.is_dir():
        found, problems = [], []
        if not read.data_files(path):
            raise problem("error", "no_data", str(path), "data.msg.no_data", path=path).error()
        problems += [
            problem("warning", "ignored_file", file.name, "data.msg.ignored_file", file=file.name,
                    suffixes=", ".join(read.DATA_SUFFIXES))
            for file in read.other_files(path)
        ]
        for file in read.data_files(path):
            table = aliases.table(file.stem)
            if not wanted.reads(table):
                problems.append(_not_read(file.name, wanted.tables))
                continue
            try:
                source, chosen = _fitting_sheet(con, file, read.read_file(con, file, workdir, reading, table),
                                                table, aliases, reading)
                found.append((source, file.name))
                problems += chosen
            except DataError as exc:
                found_error = caught(exc, file.name)
                problems += leave_out([found_error], table, file.name) if table in wanted.optional else [found_error]
    else:
        raise problem("error", "bad_path", str(path), "data.msg.bad_path", path=path,
                      suffixes=", ".join(read.DUCKDB_SUFFIXES)).error()
    sources: dict[str, read.Source] = {}
    for source, label in found:
        table = aliases.table(source.name)
        if table not in TABLES:
            problems.append(_unknown_table(source, label, aliases))
        elif table in sources:
            problems.append(problem("error", "duplicate_table", label, "data.msg.duplicate_table", file=label,
                                    table=repr(table), other=sources[table].label))
        else:
            sources[table] = source
    return sources, problems


def _first(group: tuple[object, int, list[int]]) -> int:
    return group[2][0]


def _unknown_table(source: read.Source, label: str, aliases: Aliases) -> Problem:
    """A file named after no table: the table its columns fit, if one does (see :func:`suggest_table`)."""
    values = {"file": label, "name": repr(source.name), "tables": {"en": ", ".join(TABLES), "zh": "、".join(TABLES)},
              "stem": source.name,
              "suffix": Path(label).suffix or ""}
    fit = suggest_table(source.headers, aliases)
    if fit is None:
        return problem("error", "unknown_table", label, "data.msg.unknown_table", **values)
    return problem("error", "unknown_table", label, "data.msg.unknown_table_like", table=fit[0],
                   matched=quoted(fit[1]), **values)


def _reference_problems(con: duckdb.DuckDBPyConnection, built: dict[str, Built]) -> list[Problem]:
    problems = []
    for name, b in built.items():
        for column, target in TABLES[name].references.items():
            key = TABLES[target].key
            if column not in b.columns or target not in built or key not in built[target].columns:
                continue
            where = (f"{quote(column)} IS NOT NULL AND {quote(column)} NOT IN "
                     f"(SELECT {quote(key)} FROM {quote('_t_' + target)} WHERE {quote(key)} IS NOT NULL)")
            count = con.execute(f"SELECT count(*) FROM {quote('_t_' + name)} WHERE {where}").fetchall()[0][0]
            if not count:
                continue
            numbered = f"(SELECT {b.row_number} AS r, * FROM {quote('_t_' + name)}) WHERE {where}"
            groups = con.execute(f"SELECT {quote(column)}, count(*), list(r ORDER BY r)[1:{VALUE_ROWS}] FROM "
                                 f"{numbered} GROUP BY 1 ORDER BY min(r) LIMIT {MAX_VALUES}").fetchall()
            distinct = con.execute(f"SELECT count(DISTINCT {quote(column)}) FROM {numbered}").fetchall()[0][0]
            shown_groups = [(v, n, read.file_rows(list(rs), b.blank_lines)) for v, n, rs in groups]
            rows = sorted(r for _, _, rs in shown_groups for r in rs)[:MAX_ROWS]
            header = b.columns[column]
            if distinct == count <= MAX_ROWS:  # a few values, each once: the rows and their values say it all
                key, values = "data.msg.unknown_reference", shown_text([v for v, _, _ in sorted(groups, key=_first)])
            else:
                key, values = "data.msg.unknown_reference_values", value_list(shown_groups, distinct, count)
            problems.append(problem(
                "warning", "unknown_reference", b.label, key, column=header, rows=rows, count=count, file=b.label,
                header=repr(header), n=say("data.count_row" if count == 1 else "data.count_rows", n=f"{count:,}"),
                name=column, other=built[target].label, where=rows_text(rows, count), values=values, target=target))
    return problems


def import_pandas() -> threading.Thread | None:
    """Start importing pandas in a thread of its own, unless it is imported already; return the thread.

    Every :class:`Dataset` hands out pandas DataFrames, yet reading and checking the
    files needs no pandas. Its import (about a third of a second) then runs beside
    the load, mostly while DuckDB reads the files without holding Python's lock, instead
    of after it; :func:`load` waits for it before it returns.

    Examples
    --------
    >>> thread = import_pandas()
    >>> thread is None or (thread.join() or "pandas" in sys.modules)
    True
    """
    if "pandas" in sys.modules:
        return None
    thread = threading.Thread(target=__import__, args=("pandas",), name="kamlib-import-pandas")
    thread.start()
    return thread


def _quiet(_: str) -> None:
    """The default progress callback: say nothing."""


def _connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection without DuckDB's own progress bar (it would litter notebooks and reports)."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    return con


def _input_files(path: Path) -> list[Path]:
    if path.is_dir():
        config = path / "kam.yml"
        return read.data_files(path) + ([config] if config.is_file() else [])
    return [path]


def _build_all(con: duckdb.DuckDBPyConnection, path: Path | dbplan.Target, aliases: Aliases, label: str,
               progress: Progress, reading: Reading, wanted: Wanted, lang: str = "en",
               on_read: Callable[[str, pa.Table], None] | None = None) -> tuple[dict[str, Built], ValidationReport]:
    built = {}
    with read.new_workdir() as workdir:
        sources, problems = _sources(con, path, aliases, Path(workdir), reading, wanted)
        for name in (n for n in TABLES if n in sources):
            start = time.perf_counter()
            built[name] = build(con, sources[name], TABLES[name], aliases, reading, on_read)
            built[name].problems = _sheet_hint(built[name].problems, sources[name])
            rows = built[name].rows_in
            progress(i18n.t("data.progress_one" if rows == 1 else "data.progress", lang, file=sources[name].label,
                            rows=f"{rows:,}", seconds=f"{time.perf_counter() - start:.1f}"))
    left_out = {n for n, b in built.items() if n in wanted.optional and any(p.severity == "error" for p in b.problems)}
    for name in left_out:
        built[name].problems = leave_out(built[name].problems, name, built[name].label)
    problems += [p for b in built.values() for p in b.problems]
    usable = {n: b for n, b in built.items() if b.ok and n not in left_out}
    problems += _reference_problems(con, usable)
    return usable, ValidationReport(label, problems, {n: (b.rows_in, b.rows_loaded) for n, b in usable.items()})


def _views(con: duckdb.DuckDBPyConnection, built: dict[str, Built]) -> None:
    for name, b in built.items():
        columns = "* EXCLUDE (_row)" if b.numbered else "*"
        con.execute(f"CREATE VIEW {quote(name)} AS SELECT {columns} FROM {quote('_t_' + name)}")


def _cached(folder: Path, label: str, lang: str = "en") -> Dataset:
    built, report = cache.read(folder)
    cache.mark_used(folder)
    con = _connect()
    cache.open_tables(con, folder, list(built))
    _views(con, built)
    return Dataset(con, label, built, report, lang)


def _build_into(where: Path, folder: Path | dbplan.Target, aliases: Aliases, label: str, progress: Progress,
                reading: Reading, wanted: Wanted, lang: str = "en") -> None:
    staging = where.with_name(f"{where.name}.{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with _connect() as con, cache.Writer(staging) as writer:
            built, report = _build_all(con, folder, aliases, label, progress, reading, wanted, lang, writer.early)
            files = writer.finish(con, {n: b.arrow for n, b in built.items()})
        cache.save(staging, built, report, files)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    cache.publish(staging, where)
    cache.prune(cache.KEEP)


def _open(path: str | os.PathLike[str] | None, aliases: Mapping[str, Any] | None, use_cache: bool,
          progress: Progress | None, reading: Mapping[str, Any] | None = None, wanted: Wanted | None = None,
          lang: str = "en") -> Dataset:
    wanted = wanted or Wanted()
    progress = progress or _quiet
    if dbplan.is_url(path):
        return _open_database(dbplan.Target.parse(os.fspath(path)), aliases, use_cache, progress, reading, wanted,
                              lang)
    folder = sample_dir() if path is None else Path(path).expanduser()
    if not folder.exists():
        raise problem("error", "bad_path", str(folder), "data.msg.no_path", path=folder).error()
    config = read_config(folder) if folder.is_dir() else {}
    rules = Reading.build(read_reading(folder) if folder.is_dir() else {}, reading)
    label = "embedded sample" if path is None else str(folder)
    if use_cache:
        where = cache.entry(cache.key(folder, _input_files(folder), [config, aliases, rules.key(), *wanted.key()]))
        try:
            cache.prune_partials()  # what killed loads left behind
            if not cache.usable(where, label):  # none yet (or only for other aliases), or damaged
                _build_into(where, folder, Aliases.build(config, aliases), label, progress, rules, wanted, lang)
            return _cached(where, label, lang)
        except OSError:
            pass  # the cache folder is not writable: build in memory instead
    con = _connect()
    built, report = _build_all(con, folder, Aliases.build(config, aliases), label, progress, rules, wanted, lang)
    _views(con, built)
    return Dataset(con, label, built, report, lang)


def _open_database(target: dbplan.Target, aliases: Mapping[str, Any] | None, use_cache: bool,
                   progress: Progress, reading: Mapping[str, Any] | None, wanted: Wanted, lang: str) -> Dataset:
    """Load from a database (see :mod:`kamlib.data.database`); cached only when ``kam.yml`` names
    each table's last-update column, keyed on each table's row count and last update."""
    from kamlib.data import database  # its drivers load only for a database

    config = read_config(target.folder)
    rules = Reading.build(read_reading(target.folder), reading)
    merged = Aliases.build(config, aliases)
    marks = database.snapshot(target, merged, wanted) if use_cache else None
    if marks is not None:
        where = cache.entry(database.cache_key(target, marks, [config, aliases, rules.key(), *wanted.key()]))
        try:
            cache.prune_partials()
            if not cache.usable(where, target.label):
                _build_into(where, target, merged, target.label, progress, rules, wanted, lang)
            return _cached(where, target.label, lang)
        except OSError:
            pass  # the cache folder is not writable: build in memory instead
    con = _connect()
    built, report = _build_all(con, target, merged, target.label, progress, rules, wanted, lang)
    database.release(con, TABLES)
    _views(con, built)
    return Dataset(con, target.label, built, report, lang)


def load(path: str | os.PathLike[str] | None = None, *, aliases: Mapping[str, Any] | None = None,
         errors: str = "raise", cache: bool = True, progress: Progress | None = None,
         reading: Mapping[str, Any] | None = None, tables: Collection[str] | None = None,
         optional: Collection[str] = (), lang: str = "en") -> Dataset:
    """Load a dataset: a folder of CSV / XLSX / Parquet files or a DuckDB database file.

    Parameters
    ----------
    path : str or Path, optional
        The data folder or DuckDB file; None loads the embedded sample.
    aliases : mapping, optional
        Extra aliases (sections ``files``, ``columns``, ``tables``, ``values``),
        added to the built-in table and the folder's ``kam.yml``.
    errors : {"raise", "exclude"}
        ``"raise"`` stops on any invalid cell; ``"exclude"`` leaves rows with invalid
        cells out, counted in :attr:`Dataset.excluded`. Problems with whole files or
        columns (a missing required column, an unreadable file) always raise.
    cache : bool
        Reuse the typed tables of an earlier load of the same, unchanged files
        (see :mod:`kamlib.data.cache`); False parses and checks everything again.
    progress : callable, optional
        Called with one line of text per table read (e.g. ``print``); silent by default.
    reading : mapping, optional
        How files are read (``decimal``, ``encoding``, ``dates``, ``no_dates``,
        ``total_labels``, ``sheets``, ``date_formats``; see :class:`~kamlib.data.schema.Reading`
        and ``docs/data.md``),
        over the ``reading`` section of the folder's ``kam.yml``.
    tables : collection of str, optional
        The contract tables an analysis reads; only these (and *optional*) are built
        and checked. Every other file is listed as a note ("not read by this
        analysis") and never opened. None (the default) reads every table.
    optional : collection of str
        Tables an analysis uses when they are sound and can do without: one with an
        error is left out, its problems reported as warnings saying so.
    lang : {"en", "zh"}
        Language of the error raised (``Dataset.report`` holds every message in both:
        ``report.format(lang)``, ``problem.text(lang)``).

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Naming the file, column, up to five rows and the fix, for every error found.
    ConfigError
        When *tables* or *optional* names a table the data contract does not have, or ``kam.yml`` (or
        *reading*, *aliases*) is not valid (in *lang*).

    Examples
    --------
    >>> ds = load()
    >>> ds.table("orders")["order_date"].dtype
    dtype('<M8[ns]')
    >>> load(tables=["opportunities"], optional=["accounts"]).names
    ['accounts', 'opportunities']
    """
    i18n.check_lang(lang)
    if errors not in ERRORS:
        raise config_error("data.config.errors_value", value=repr(errors),
                           allowed={"en": ", ".join(map(repr, ERRORS)), "zh": "、".join(map(repr, ERRORS))}).speak(lang)
    importing = import_pandas()
    try:
        ds = _open(path, aliases, cache, progress, reading, Wanted.of(tables, optional), lang)
    except DataError as exc:
        if exc.problems and lang != "en":  # a problem with the whole path, said in the reader's language
            raise exc.problems[0].error(lang) from None
        raise
    except ConfigProblem as exc:
        raise exc.speak(lang) from None
    finally:
        if importing is not None:  # no thread outlives the load (a process forked next would inherit its lock)
            importing.join()
    blocking = [p for p in ds.report.errors if errors == "raise" or not p.count]
    if blocking:
        ds.close()
        ValidationReport(ds.report.source, blocking).raise_errors(lang)
    return ds


def validate(path: str | os.PathLike[str] | None, *, aliases: Mapping[str, Any] | None = None,
             cache: bool = True, progress: Progress | None = None,
             reading: Mapping[str, Any] | None = None, lang: str = "en") -> ValidationReport:
    """Check a dataset against the data contract and report every problem.

    Parameters
    ----------
    path : str or Path
        The data folder or DuckDB file (None: the embedded sample).
    aliases, cache, progress, reading
        As for :func:`load`.
    lang : {"en", "zh"}
        Language of the *progress* lines (the report holds every message in both:
        ``.format(lang)``).

    Returns
    -------
    ValidationReport
        ``.ok`` is False when there are errors; ``.format()`` gives the text
        ``kam validate`` prints.

    Examples
    --------
    >>> validate(None).ok
    True
    """
    try:
        ds = _open(path, aliases, cache, progress, reading, lang=i18n.check_lang(lang))
    except ConfigProblem as exc:
        raise exc.speak(lang) from None
    except DataError as exc:
        shown = mask_text(str(path))  # a database URL without its password
        found = exc.problems[0] if exc.problems else Problem("error", exc.code, exc.source or shown, str(exc))
        return ValidationReport(shown, [found])
    ds.close()
    return ds.report
