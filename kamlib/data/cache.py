"""A cache of loaded datasets, so the same files are parsed and checked once.

Loading a large CSV (parsing, checking every cell, typing) costs seconds; the
notebooks of one report run all load the same data. The first load writes the
typed tables into a DuckDB database file and the validation outcome into a JSON
file beside it; later loads of unchanged files open that database read-only.

The key covers the kamlib version, the absolute path, each data file's name,
size and modification time, and the aliases in force, so any change to the input
or its mapping is a new entry. ``KAM_CACHE`` sets the folder (default
``~/.cache/kam-workbook``); ``load(..., cache=False)`` bypasses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from kamlib.data.build import Built
from kamlib.data.problems import Problem, ValidationReport

FORMAT = 3
DB_FILE = "data.duckdb"
REPORT_FILE = "report.json"


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
    """Whether *folder* holds a finished entry."""
    return (folder / DB_FILE).is_file() and (folder / REPORT_FILE).is_file()


def save(folder: Path, built: dict[str, Built], report: ValidationReport) -> None:
    """Write the validation outcome beside the database (the report goes last)."""
    payload = {
        "source": report.source,
        "problems": [asdict(p) for p in report.problems],
        "built": [asdict(b) | {"problems": []} for b in built.values()],
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
