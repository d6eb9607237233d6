"""A cache of loaded datasets, so the same files are parsed and checked once.

Loading a large CSV (parsing, checking every cell, typing) costs seconds; the
notebooks of one report run all load the same data. The first load builds the
typed tables in memory, writes each as an uncompressed Arrow IPC file (a plain copy
of the columns: several times cheaper to write than a compressed DuckDB database;
a clean CSV table is written in a thread while DuckDB checks it, see :class:`Writer`)
and the validation outcome as a JSON file beside them; later loads of unchanged
files map those files into memory read-only, without copying them, and query them
through DuckDB as before.

The key covers the kamlib version, the absolute path, each data file's name,
size and modification time, and the aliases and reading settings in force, so any
change to the input or to how it is read is a new entry. ``KAM_CACHE`` sets the folder (default
``~/.cache/kam-workbook``); ``load(..., cache=False)`` bypasses it.

An entry is checked before it is served (:func:`usable`): each table file must have
the size and CRC-32 recorded when it was written. A damaged entry (a file cut short,
overwritten or missing, an unreadable report) is removed with a warning naming the
dataset and what was wrong, and built again; it is never served. The staging folders
of loads that were killed (``<digest>.<pid>.partial``) are removed by the next load
(:func:`prune_partials`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import uuid
import warnings
import zlib
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Self

import duckdb
import pyarrow as pa
from pyarrow import ipc

from kamlib.data.build import Built
from kamlib.data.parse import quote
from kamlib.data.problems import Problem, ValidationReport

FORMAT = 7  # 7: sheets, date formats, DuckDB schemas and views, rows that look like totals
TABLE_SUFFIX = ".arrow"
REPORT_FILE = "report.json"
BATCH_ROWS = 1 << 17
#: Entries kept: making a new one removes the least recently used beyond this number.
KEEP = 8
#: Seconds without a write after which a staging folder is removed even if its PID runs (a reused PID).
PARTIAL_AGE = 3600.0
#: Bytes read at a time to check a table file.
CHECK_BYTES = 1 << 22


def root() -> Path:
    """The cache folder (``$KAM_CACHE`` or ``~/.cache/kam-workbook``)."""
    return Path(os.environ.get("KAM_CACHE") or Path.home() / ".cache" / "kam-workbook")


def key(path: Path, files: list[Path], aliases: Any) -> str:
    """A digest that changes whenever the input files or the alias mapping change.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> key(folder, [], {}) == key(folder, [], {})
    True
    >>> key(folder, [], {}) == key(folder, [], {"columns": {"金额": "revenue"}})
    False
    """
    from kamlib import __version__

    stats = [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    text = json.dumps([FORMAT, __version__, str(path.resolve()), stats, aliases], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def entry(digest: str) -> Path:
    """Folder of one cache entry."""
    return root() / "tables" / digest


def complete(folder: Path) -> bool:
    """Whether *folder* holds a finished entry (the report is written after the tables)."""
    return (folder / REPORT_FILE).is_file()


class Writer:
    """Writes the typed tables of one cache entry into *folder*, each as ``<name>.arrow``, in row order.

    A clean CSV table is written as soon as its rows are read (:meth:`early`, by
    :func:`kamlib.data.build.build`), in a thread of its own, while DuckDB checks the
    same rows: writing the file and its checksum then costs the load next to no time.
    :meth:`finish` keeps such a file when the table ends up as it was read, and writes
    every other table then (one whose rows were numbered or left out, a table of another
    kind of source). Leaving the ``with`` block waits for the thread, also after an error.

    Examples
    --------
    A round trip through a folder (see also :func:`open_tables`):

    >>> import duckdb, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE _t_orders AS SELECT range AS n FROM range(3)")
    >>> visits = pa.table({"n": [1, 2]})
    >>> with Writer(folder) as writer:
    ...     writer.early("visits", visits)
    ...     files = writer.finish(con, {"orders": None, "visits": visits})
    >>> sorted(p.name for p in folder.iterdir()), files["visits"] == fingerprint(folder / "visits.arrow")
    (['orders.arrow', 'visits.arrow'], True)
    >>> other = duckdb.connect()
    >>> open_tables(other, folder, ["orders", "visits"])
    >>> other.execute("SELECT sum(n) FROM _t_orders UNION ALL SELECT sum(n) FROM _t_visits").fetchall()
    [(3,), (3,)]
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kamlib-cache")
        self._early: dict[str, tuple[pa.Table, Future[dict[str, int]]]] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self._pool.shutdown(wait=True)

    def early(self, name: str, table: pa.Table) -> None:
        """Start writing *table*, the rows of ``_t_<name>`` as read, in the background."""
        self._early[name] = (table, self._pool.submit(_write_arrow, self._path(name), table))

    def finish(self, con: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table | None]
               ) -> dict[str, dict[str, int]]:
        """Write each table of *tables* and return each file's :func:`fingerprint`.

        *tables* maps each name to the Arrow rows ``_t_<name>`` is a view of, or to None
        for a DuckDB table (streamed out in batches, so only one batch is held twice in
        memory; a cursor of its own keeps the export clear of any result still open on
        *con*). A file written early for rows that are no longer the table's is
        replaced, and removed for a table that is not kept.
        """
        files = {}
        for name, (table, future) in self._early.items():
            error = future.exception()
            if name in tables and tables[name] is table:
                if error:
                    raise error
                files[name] = future.result()
            elif name not in tables:
                self._path(name).unlink(missing_ok=True)
        with con.cursor() as cursor:
            for name, table in tables.items():
                if name in files:
                    continue
                if table is not None:
                    files[name] = _write_arrow(self._path(name), table)
                    continue
                reader = cursor.sql(f"SELECT * FROM {quote('_t_' + name)}").to_arrow_reader(BATCH_ROWS)
                with pa.OSFile(str(self._path(name)), "wb") as sink, ipc.new_file(sink, reader.schema) as out:
                    for batch in reader:
                        out.write_batch(batch)
                files[name] = fingerprint(self._path(name))
        return files

    def _path(self, name: str) -> Path:
        return self.folder / (name + TABLE_SUFFIX)


def _write_arrow(path: Path, table: pa.Table) -> dict[str, int]:
    """Write *table* to *path* as an Arrow IPC file; return the file's :func:`fingerprint`."""
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, table.schema) as out:
        out.write_table(table, BATCH_ROWS)
    return fingerprint(path)


def open_tables(con: duckdb.DuckDBPyConnection, folder: Path, names: list[str]) -> None:
    """Register the tables a :class:`Writer` wrote as ``_t_<name>`` in *con* (memory-mapped, read-only).

    Examples
    --------
    >>> import duckdb, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with Writer(folder) as writer:
    ...     _ = writer.finish(duckdb.connect(), {"visits": pa.table({"n": range(4)})})
    >>> con = duckdb.connect()
    >>> open_tables(con, folder, ["visits"])
    >>> con.execute("SELECT count(*), max(n) FROM _t_visits").fetchall()
    [(4, 3)]
    """
    for name in names:
        table = ipc.open_file(pa.memory_map(str(folder / (name + TABLE_SUFFIX)))).read_all()
        con.register("_t_" + name, table)


def fingerprint(path: Path) -> dict[str, int]:
    """Size and CRC-32 of a table file: recorded when it is written, checked before it is served.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.arrow"
    >>> _ = path.write_bytes(b"abc")
    >>> fingerprint(path)
    {'bytes': 3, 'crc32': 891568578}
    """
    size, crc, buffer = 0, 0, bytearray(CHECK_BYTES)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while n := handle.readinto(buffer):
            size, crc = size + n, zlib.crc32(view[:n], crc)
    return {"bytes": size, "crc32": crc}


def damage(folder: Path) -> str | None:
    """What is wrong with the cache entry in *folder*, or None when it is whole.

    Examples
    --------
    >>> import tempfile
    >>> damage(Path(tempfile.mkdtemp()))
    'report.json is missing'
    """
    try:
        payload = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
        recorded = {b["table"]: payload["files"][b["table"]] for b in payload["built"]}
    except FileNotFoundError:
        return f"{REPORT_FILE} is missing"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"{REPORT_FILE} cannot be read: {type(exc).__name__}"
    for name, expected in recorded.items():
        path = folder / (name + TABLE_SUFFIX)
        try:
            size = path.stat().st_size
            if size != expected["bytes"]:
                return f"{path.name} has {size:,} bytes instead of {expected['bytes']:,}"
            if fingerprint(path)["crc32"] != expected["crc32"]:
                return f"{path.name} does not match its checksum"
        except FileNotFoundError:
            return f"{path.name} is missing"
        except (OSError, KeyError, TypeError) as exc:
            return f"{path.name} cannot be read: {type(exc).__name__}"
    return None


def usable(folder: Path, label: str) -> bool:
    """Whether *folder* holds an entry that can be served (see :func:`damage`).

    A damaged entry is removed, with a warning naming the dataset *label* and what was
    wrong, so that it is built again. Raises :class:`OSError` when it cannot be removed
    (a read-only cache: the caller then loads without the cache).
    """
    if not folder.exists():
        return False
    problem = damage(folder)
    if problem is None:
        return True
    warnings.warn(f"{label}: the cached tables are damaged ({problem}); they are built again from the data files.",
                  stacklevel=4)  # the caller of kamlib.data.load / validate
    trash = folder.with_name(f"{folder.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial")
    os.replace(folder, trash)  # out of the way first: a folder that cannot be removed is never served
    shutil.rmtree(trash, ignore_errors=True)
    return False


def save(folder: Path, built: dict[str, Built], report: ValidationReport, files: dict[str, dict[str, int]]) -> None:
    """Write the validation outcome and each table file's :func:`fingerprint` (*files*, as :meth:`Writer.finish`
    returned them) beside the tables, last."""
    payload = {
        "source": report.source,
        "problems": [asdict(p) for p in report.problems],
        "built": [asdict(replace(b, problems=[], arrow=None)) for b in built.values()],
        "files": {name: files[name] for name in built},
    }
    tmp = folder / (REPORT_FILE + ".partial")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / REPORT_FILE)


def read(folder: Path) -> tuple[dict[str, Built], ValidationReport]:
    """Read back what :func:`save` wrote."""
    payload = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
    built = {b["table"]: Built(**{**b, "blank_lines": tuple(b["blank_lines"])}) for b in payload["built"]}
    problems = [Problem(**{**p, "rows": tuple(p["rows"])}) for p in payload["problems"]]
    tables = {n: (b.rows_in, b.rows_loaded) for n, b in built.items()}
    return built, ValidationReport(payload["source"], problems, tables)


def publish(staging: Path, folder: Path) -> None:
    """Move a finished staging folder into place (another process may have won the race)."""
    try:
        os.replace(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)


def mark_used(folder: Path) -> None:
    """Note that the entry in *folder* was just used (a read-only cache is left as it is)."""
    with contextlib.suppress(OSError):
        os.utime(folder / REPORT_FILE)


def prune(keep: int = KEEP) -> list[Path]:
    """Remove all but the *keep* most recently used entries; return the folders removed.

    A process still reading a removed entry keeps its open files (POSIX), and a
    process about to open one falls back to loading without the cache.

    Examples
    --------
    >>> import tempfile
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, KAM_CACHE=tempfile.mkdtemp()):
    ...     for n, digest in enumerate(["old", "new"]):
    ...         _ = entry(digest).mkdir(parents=True), (entry(digest) / REPORT_FILE).write_text("{}")
    ...         os.utime(entry(digest) / REPORT_FILE, (n, n))
    ...     [p.name for p in prune(keep=1)]
    ['old']
    """
    tables = entry("x").parent
    if not tables.is_dir():
        return []
    folders = [p for p in tables.iterdir() if complete(p) and not p.name.endswith(".partial")]
    folders.sort(key=lambda p: (p / REPORT_FILE).stat().st_mtime, reverse=True)
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
    return folders[keep:]


def prune_partials(max_age: float = PARTIAL_AGE) -> list[Path]:
    """Remove the staging folders that killed loads left behind; return the folders removed.

    A staging folder is ``<digest>.<pid>.partial``: it goes when its process no longer
    runs, or when nothing was written to it for *max_age* seconds (its PID may run
    again, for another process).

    Examples
    --------
    >>> import tempfile
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, KAM_CACHE=tempfile.mkdtemp()):
    ...     entry("d").parent.mkdir(parents=True)
    ...     mine = entry(f"d.{os.getpid()}.partial"); mine.mkdir()
    ...     prune_partials(), prune_partials(max_age=0) == [mine]
    ([], True)
    """
    import psutil

    try:
        folders = [p for p in entry("x").parent.iterdir() if p.name.endswith(".partial") and p.is_dir()]
    except OSError:
        return []
    removed = []
    for folder in folders:
        pid = folder.name.split(".")[1] if folder.name.count(".") >= 2 else ""
        gone = pid.isdigit() and not psutil.pid_exists(int(pid))
        if gone or _idle(folder) >= max_age:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _idle(folder: Path) -> float:
    """Seconds since anything in *folder* was last written (0 if it is gone meanwhile)."""
    try:
        newest = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])
    except OSError:
        return 0.0
    return time.time() - newest
