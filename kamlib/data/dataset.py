"""The :class:`Dataset` and the two entry points, :func:`load` and :func:`validate`."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from kamlib.data import cache, read
from kamlib.data.aliases import Aliases, read_config, read_reading
from kamlib.data.build import Built, build
from kamlib.data.parse import quote
from kamlib.data.problems import MAX_ROWS, Problem, ValidationReport, row_list, shown
from kamlib.data.schema import TABLES, Reading
from kamlib.errors import ConfigError, DataError

Progress = Callable[[str], None]
_ARROW_TO_PANDAS = {
    pa.string(): pd.StringDtype(),
    pa.large_string(): pd.StringDtype(),
    pa.string_view(): pd.StringDtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.int32(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}
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

    Examples
    --------
    >>> ds = load()
    >>> "orders" in ds and "accounts" in ds
    True
    >>> int(ds.sql("SELECT count(*) AS n FROM orders")["n"].iloc[0]) == len(ds.table("orders"))
    True
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, built: dict[str, Built],
                 report: ValidationReport) -> None:
        self.con = con
        self.source = source
        self.report = report
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
            When the dataset has no such table.
        """
        if name not in self._frames:
            self._frames[name] = self._frame(name)
        return self._frames[name].copy(deep=False)

    def _need(self, name: str) -> Built:
        if name not in self._built:
            have = ", ".join(self._built) or "none"
            known = TABLES.get(name)
            fix = (f"Add a file {name}.csv (or .xlsx / .parquet) with at least the columns "
                   f"{', '.join(known.required)}." if known else f"Tables of the data contract: {', '.join(TABLES)}.")
            raise DataError(f"{self.source}: no table {name!r} (tables: {have}). {fix}", source=self.source,
                            code="missing_table")
        return self._built[name]

    def _frame(self, name: str) -> pd.DataFrame:
        self._need(name)
        # Through Arrow: several times faster than DuckDB's own DataFrame conversion
        # for millions of rows with text columns.
        arrow = self.con.sql(f"SELECT * FROM {quote(name)}").to_arrow_table()
        frame = arrow.to_pandas(types_mapper=_ARROW_TO_PANDAS.get, date_as_object=False)
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
        records = [
            {"table": n, "source": b.label, "reason": key.split(":", 1)[0],
             "column": key.split(":", 1)[1], "rows": count}
            for n, b in self._built.items() for key, count in b.excluded.items()
        ]
        return pd.DataFrame(records, columns=["table", "source", "reason", "column", "rows"])

    def summary(self) -> pd.DataFrame:
        """One row per table: rows, columns, first date column and its range, rows excluded.

        Examples
        --------
        >>> s = load().summary()
        >>> list(s.columns)
        ['table', 'rows', 'columns', 'date_column', 'first_date', 'last_date', 'excluded']
        """
        rows = []
        for name, built in self._built.items():
            dates = [c.name for c in TABLES[name].columns if c.kind == "date" and c.name in built.columns]
            first = last = None
            if dates:
                first, last = self.con.execute(
                    f"SELECT min({quote(dates[0])}), max({quote(dates[0])}) FROM {quote(name)}").fetchall()[0]
            rows.append({"table": name, "rows": built.rows_loaded, "columns": len(built.columns),
                         "date_column": dates[0] if dates else None, "first_date": first, "last_date": last,
                         "excluded": built.rows_in - built.rows_loaded})
        frame = pd.DataFrame(rows, columns=["table", "rows", "columns", "date_column", "first_date", "last_date",
                                            "excluded"])
        for column in ("first_date", "last_date"):
            frame[column] = pd.to_datetime(frame[column])
        return frame

    def close(self) -> None:
        """Release the DuckDB connection."""
        self.con.close()


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


def _sources(con: duckdb.DuckDBPyConnection, path: Path, aliases: Aliases, workdir: Path, reading: Reading
             ) -> tuple[dict[str, read.Source], list[Problem]]:
    if path.is_file() and path.suffix.lower() in read.DUCKDB_SUFFIXES:
        found = [(s, s.label) for s in read.read_database(con, path)]
        problems: list[Problem] = []
    elif path.is_dir():
        found, problems = [], []
        if not read.data_files(path):
            raise DataError(f"{path}: no data files in this folder (expected <table>.csv, .xlsx or .parquet files "
                            f"such as orders.csv; for a DuckDB database pass the .duckdb file itself). Check the path, or put the "
                            f"exported tables in it.",
                            source=str(path), code="no_data")
        problems += [
            Problem("warning", "ignored_file", file.name,
                    f"{file.name}: not a data file ({', '.join(read.DATA_SUFFIXES)}); it is not read.")
            for file in read.other_files(path)
        ]
        for file in read.data_files(path):
            try:
                found.append((read.read_file(con, file, workdir, reading, aliases.table(file.stem)), file.name))
            except DataError as exc:
                problems.append(Problem("error", exc.code, file.name, str(exc), column=exc.column, rows=exc.rows))
    else:
        raise DataError(
            f"{path}: expected a folder of CSV / XLSX / Parquet files or a DuckDB database file "
            f"({', '.join(read.DUCKDB_SUFFIXES)}). Put the single file in a folder named after the data and pass the "
            f"folder.", source=str(path), code="bad_path")
    sources: dict[str, read.Source] = {}
    for source, label in found:
        table = aliases.table(source.name)
        if table not in TABLES:
            problems.append(Problem(
                "error", "unknown_table", label,
                f"{label}: no table of the data contract is called {source.name!r} (tables: {', '.join(TABLES)}). "
                f"Rename the file to <table>{Path(label).suffix or ''}, map it in kam.yml "
                f"(aliases: {{files: {{{source.name}: orders}}}}), or move it out of the folder.",
            ))
        elif table in sources:
            problems.append(Problem(
                "error", "duplicate_table", label,
                f"{label}: table {table!r} is already read from {sources[table].label}. Keep one of the two files.",
            ))
        else:
            sources[table] = source
    return sources, problems


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
            examples = con.execute(f"SELECT r, {quote(column)} FROM (SELECT {b.row_number} AS r, * "
                                   f"FROM {quote('_t_' + name)}) WHERE {where} ORDER BY r LIMIT {MAX_ROWS}").fetchall()
            rows = read.file_rows([int(r) for r, _ in examples], b.blank_lines)
            values = shown([v for _, v in examples])
            header = b.columns[column]
            problems.append(Problem(
                "warning", "unknown_reference", b.label,
                f"{b.label}: column {header!r} refers to {count:,} {'rows' if count > 1 else 'row'} with "
                f"{column} values not in {built[target].label} ({row_list(rows, count)}: {values}). "
                f"They are kept and counted here; add the missing {target} or correct the ids.",
                column=header, rows=rows, count=count,
            ))
    return problems


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


def _build_all(con: duckdb.DuckDBPyConnection, path: Path, aliases: Aliases, label: str, progress: Progress,
               reading: Reading) -> tuple[dict[str, Built], ValidationReport]:
    built = {}
    with read.new_workdir() as workdir:
        sources, problems = _sources(con, path, aliases, Path(workdir), reading)
        for name in (n for n in TABLES if n in sources):
            start = time.perf_counter()
            built[name] = build(con, sources[name], TABLES[name], aliases, reading)
            rows = built[name].rows_in
            progress(f"{sources[name].label}: {rows:,} row{'' if rows == 1 else 's'} read and checked "
                     f"in {time.perf_counter() - start:.1f} s")
    problems += [p for b in built.values() for p in b.problems]
    usable = {n: b for n, b in built.items() if b.ok}
    problems += _reference_problems(con, usable)
    return usable, ValidationReport(label, problems, {n: (b.rows_in, b.rows_loaded) for n, b in usable.items()})


def _views(con: duckdb.DuckDBPyConnection, built: dict[str, Built]) -> None:
    for name, b in built.items():
        columns = "* EXCLUDE (_row)" if b.numbered else "*"
        con.execute(f"CREATE VIEW {quote(name)} AS SELECT {columns} FROM {quote('_t_' + name)}")


def _cached(folder: Path, label: str) -> Dataset:
    built, report = cache.read(folder)
    cache.mark_used(folder)
    con = _connect()
    cache.open_tables(con, folder, list(built))
    _views(con, built)
    return Dataset(con, label, built, report)


def _build_into(where: Path, folder: Path, aliases: Aliases, label: str, progress: Progress, reading: Reading
                ) -> None:
    staging = where.with_name(f"{where.name}.{os.getpid()}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with _connect() as con:
            built, report = _build_all(con, folder, aliases, label, progress, reading)
            cache.write_tables(con, staging, list(built))
        cache.save(staging, built, report)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    cache.publish(staging, where)
    cache.prune(cache.KEEP)


def _open(path: str | os.PathLike[str] | None, aliases: Mapping[str, Any] | None, use_cache: bool,
          progress: Progress | None, reading: Mapping[str, Any] | None = None) -> Dataset:
    progress = progress or _quiet
    folder = sample_dir() if path is None else Path(path).expanduser()
    if not folder.exists():
        raise DataError(f"{folder}: no such file or folder. Check the path (data=...), or pass None for the "
                        f"embedded sample.", source=str(folder), code="bad_path")
    config = read_config(folder) if folder.is_dir() else {}
    rules = Reading.build(read_reading(folder) if folder.is_dir() else {}, reading)
    label = "embedded sample" if path is None else str(folder)
    if use_cache:
        where = cache.entry(cache.key(folder, _input_files(folder), [config, aliases, rules.key()]))
        try:
            cache.prune_partials()  # what killed loads left behind
            if not cache.usable(where, label):  # none yet (or only for other aliases), or damaged
                _build_into(where, folder, Aliases.build(config, aliases), label, progress, rules)
            return _cached(where, label)
        except OSError:
            pass  # the cache folder is not writable: build in memory instead
    con = _connect()
    built, report = _build_all(con, folder, Aliases.build(config, aliases), label, progress, rules)
    _views(con, built)
    return Dataset(con, label, built, report)


def load(path: str | os.PathLike[str] | None = None, *, aliases: Mapping[str, Any] | None = None,
         errors: str = "raise", cache: bool = True, progress: Progress | None = None,
         reading: Mapping[str, Any] | None = None) -> Dataset:
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
        ``total_labels``; see :class:`~kamlib.data.schema.Reading` and ``docs/data.md``),
        over the ``reading`` section of the folder's ``kam.yml``.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Naming the file, column, up to five rows and the fix, for every error found.

    Examples
    --------
    >>> ds = load()
    >>> ds.table("orders")["order_date"].dtype
    dtype('<M8[ns]')
    """
    if errors not in ERRORS:
        raise ConfigError(f"errors must be one of 'raise', 'exclude', but {errors!r} was passed.")
    ds = _open(path, aliases, cache, progress, reading)
    blocking = [p for p in ds.report.errors if errors == "raise" or not p.count]
    if blocking:
        ds.close()
        ValidationReport(ds.report.source, blocking).raise_errors()
    return ds


def validate(path: str | os.PathLike[str] | None, *, aliases: Mapping[str, Any] | None = None,
             cache: bool = True, progress: Progress | None = None,
             reading: Mapping[str, Any] | None = None) -> ValidationReport:
    """Check a dataset against the data contract and report every problem.

    Parameters
    ----------
    path : str or Path
        The data folder or DuckDB file (None: the embedded sample).
    aliases, cache, progress, reading
        As for :func:`load`.

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
        ds = _open(path, aliases, cache, progress, reading)
    except DataError as exc:
        return ValidationReport(str(path), [Problem("error", exc.code, exc.source or str(path), str(exc))])
    ds.close()
    return ds.report
