"""Run folders: a new folder per run, named by its period and time, and the files a job left."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kamlib.errors import ReportError
from kamlib.report.jobs import Job, safe_name

__all__ = ["PERIOD_PARAMETERS", "job_dir", "job_files", "make_job_dir", "new_run_dir", "period_of"]

#: Parameters whose value names the period a run covers (the first one set names the run).
PERIOD_PARAMETERS = ("month", "as_of", "period_end")


def period_of(parameters: Mapping[str, Any]) -> str | None:
    """The period a run covers, from the first of ``month``, ``as_of``, ``period_end`` that is set.

    Examples
    --------
    >>> period_of({"region": "east", "period_end": "2025-06-30"}), period_of({})
    ('2025-06-30', None)
    """
    return next((str(parameters[k]) for k in PERIOD_PARAMETERS if parameters.get(k) not in (None, "")), None)


def new_run_dir(
    out: str | Path = "reports", *, now: _dt.datetime | None = None, period: str | None = None
) -> Path:
    """Create and return a new, empty run folder ``<out>/[<period>_]<YYYYmmdd-HHMMSS>[-N]``.

    An existing folder is never reused: a suffix ``-2``, ``-3``, … is added.

    Examples
    --------
    >>> import tempfile, datetime
    >>> base = tempfile.mkdtemp()
    >>> when = datetime.datetime(2026, 11, 22, 17, 30)
    >>> new_run_dir(base, now=when).name, new_run_dir(base, now=when).name
    ('20261122-173000', '20261122-173000-2')
    >>> new_run_dir(base, now=when, period="2026-10").name
    '2026-10_20261122-173000'
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    if period:
        stamp = f"{safe_name(period)}_{stamp}"
    for n in range(1, 10_000):
        candidate = out / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise ReportError(f"{out}: cannot create a new run folder for {stamp}.")  # pragma: no cover


def job_dir(run_dir: Path, job: Job) -> Path:
    """``<run_dir>/<job.name>``, refusing anything that would land outside the run folder.

    Examples
    --------
    >>> job = Job(Path("00_x.ipynb"), "en", {}, folder="../x")
    >>> job_dir(Path("run"), job)
    Traceback (most recent call last):
    kamlib.errors.ReportError: 00_x (en): folder name '../x' leaves the run folder run.
    """
    folder = (Path(run_dir) / job.name).resolve()
    if folder.parent != Path(run_dir).resolve():
        raise ReportError(f"{job.title}: folder name {job.name!r} leaves the run folder {run_dir}.")
    return folder


def make_job_dir(run_dir: Path, job: Job) -> Path:
    """Create the job's folder in the run folder (if needed) and return it.

    Raises
    ------
    ReportError
        Naming the job and why its folder cannot be made (outside the run folder, a
        name the file system refuses, no permission), so that job alone fails.

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp())
    >>> make_job_dir(run, Job(Path("00_x.ipynb"), "en", {})).name
    '00_x-en'
    >>> make_job_dir(run, Job(Path("00_x.ipynb"), "en", {}, folder="x" * 300))
    Traceback (most recent call last):
    kamlib.errors.ReportError: 00_x (en): cannot create the job's folder xxxxxxxxxxxxxxxxxxxx… (File name too long).
    """
    try:
        folder = job_dir(run_dir, job)
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        shown = job.name if len(job.name) <= 40 else f"{job.name[:20]}…"
        raise ReportError(f"{job.title}: cannot create the job's folder {shown} ({reason}).") from None
    return folder


def job_files(run_dir: Path, folder: Path) -> list[str]:
    """The files a job left in *folder*, as ``/``-separated paths relative to *run_dir* (hidden ones left out).

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp()); (run / "job").mkdir()
    >>> _ = (run / "job" / "report.html").write_text("<p>"), (run / "job" / ".partial").write_text("")
    >>> job_files(run, run / "job"), job_files(run, run / "missing"), job_files(run, run / ("x" * 300))
    (['job/report.html'], [], [])
    """
    run_dir = Path(run_dir).resolve()
    try:
        return sorted(str(p.resolve().relative_to(run_dir)).replace(os.sep, "/") for p in Path(folder).rglob("*")
                      if p.is_file() and not p.name.startswith("."))
    except (OSError, ValueError):  # a folder that could not be made (a name too long, a NUL byte)
        return []
