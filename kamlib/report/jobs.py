"""The job model of a report run: :class:`Job` (one notebook, one parameter set),
:class:`JobResult` (what happened to it) and :class:`RunResult` (the whole run)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamlib.masking import mask_secret

__all__ = ["NAME_BYTES", "PART_BYTES", "Job", "JobResult", "RunResult", "assign_folders", "cut", "now", "safe_name"]

#: Most UTF-8 bytes of one part of a job's folder name (a fan-out value, a label) ...
PART_BYTES = 60
#: ... and of the whole name before a ``-2`` suffix: well under the 255 bytes file systems allow.
NAME_BYTES = 150


def now() -> str:
    """The current local time as ISO 8601 text with its offset, to the second (for the manifest).

    Examples
    --------
    >>> len(now()) >= 25
    True
    """
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def cut(text: str, limit: int) -> str:
    """*text* cut to at most *limit* UTF-8 bytes, at a character boundary.

    Examples
    --------
    >>> cut("华东区", 7), len(cut("𠀀" * 60, 60).encode("utf-8"))
    ('华东', 60)
    """
    return text.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")


def safe_name(value: Any, *, limit: int = PART_BYTES) -> str:
    """*value* as one file-name part: letters (Chinese too), digits, ``_`` and ``-`` only,
    at most *limit* bytes in UTF-8.

    Anything else (``/``, ``.``, spaces) becomes ``_``, so a fan-out value can never
    leave the run folder; a long value is cut at a character boundary (names on disk
    are limited in bytes, and a Chinese character takes three or four).

    Examples
    --------
    >>> safe_name("../../evil"), safe_name("/etc/passwd"), safe_name("华东 区"), safe_name("..")
    ('evil', 'etc_passwd', '华东_区', '_')
    >>> len(safe_name("𠀀" * 60)), len(safe_name("华" * 60))
    (15, 20)
    """
    text = re.sub(r"[^\w\-]+", "_", str(value)).strip("_")
    return cut(text, limit).strip("_") or "_"


@dataclass
class Job:
    """One notebook run with one parameter set (one language, one fan-out value).

    *fanout* holds the parameters set by a batch's ``for_each`` (they name the job's
    folder, with a URL's password masked); *timeout* is the seconds the whole job may
    run, *cell_timeout* the seconds one cell may run (None = no limit); *folder* is set
    when the run starts.
    """

    notebook: Path
    lang: str
    parameters: dict[str, Any]
    fanout: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    timeout: float | None = None
    cell_timeout: float | None = None
    folder: str | None = None

    @property
    def name(self) -> str:
        """``00_data_overview-zh`` or ``01_environment_analysis-zh-east``: the job's folder
        (at most :data:`NAME_BYTES` bytes, see :func:`assign_folders` for ``-2``)."""
        if self.folder:
            return self.folder
        parts = [self.notebook.stem, self.lang, self.label, *_shown(self.fanout).values()]
        name = "-".join(safe_name(p) for p in parts if p is not None)
        return name if len(name.encode("utf-8")) <= NAME_BYTES else cut(name, NAME_BYTES).rstrip("-_")

    @property
    def title(self) -> str:
        """``01_environment_analysis (zh, region=east)``: the job in log lines."""
        return _describe(self.notebook.stem, self.lang, self.fanout)


def _shown(fanout: Mapping[str, Any]) -> dict[str, Any]:
    """Fan-out values as names and logs may show them (a URL's password masked)."""
    return {k: mask_secret(k, v) for k, v in fanout.items()}


def _describe(notebook: str, lang: str, fanout: Mapping[str, Any]) -> str:
    return f"{notebook} ({', '.join([lang, *(f'{k}={v}' for k, v in _shown(fanout).items())])})"


def assign_folders(jobs: Sequence[Job]) -> None:
    """Give every job its own folder name (``-2``, ``-3`` … when two would share one).

    Names that differ only in case or Unicode normalisation count as the same (they
    are one folder on macOS and Windows).

    Examples
    --------
    >>> values = ["a" * 70 + "1", "a" * 70 + "2", "East", "east"]
    >>> jobs = [Job(Path("00_x.ipynb"), "en", {}, fanout={"v": v}) for v in values]
    >>> assign_folders(jobs); [job.name.removeprefix("00_x-en-")[-6:] for job in jobs]
    ['aaaaaa', 'aaaa-2', 'East', 'east-2']
    """
    taken: set[str] = set()
    for job in jobs:
        base, n = job.name, 1
        while _same(name := base if n == 1 else f"{base}-{n}") in taken:
            n += 1
        taken.add(_same(name))
        job.folder = name


def _same(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


@dataclass
class JobResult:
    """What happened to one job.

    ``status`` is ``"ok"``, ``"failed"``, ``"bad_data"`` (the notebook stopped on data
    or a parameter it cannot use: ``problems`` lists them), ``"pending"`` (not finished
    yet) or ``"interrupted"``; ``files`` are paths relative to the run folder; ``error``
    is a one-line summary (``ValueError: … (cell In [5])``) or None; ``parameters`` are
    the ones the notebook got, secrets masked; ``attempts`` counts kernel starts;
    ``problems`` holds one dict per problem (source, column, rows, count, message …).
    """

    notebook: str
    lang: str
    status: str
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)
    error: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    fanout: dict[str, Any] = field(default_factory=dict)
    folder: str = ""
    source: str = ""
    started: str | None = None
    ended: str | None = None
    attempts: int = 0
    timeout: float | None = None
    cell_timeout: float | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def pending(cls, job: Job) -> JobResult:
        """The entry of a job that has not finished (yet)."""
        return cls(
            notebook=job.notebook.stem,
            lang=job.lang,
            status="pending",
            parameters={**{k: mask_secret(k, v) for k, v in job.parameters.items()}, "output_dir": job.name},
            fanout=_shown(job.fanout),
            folder=job.name,
            source=str(job.notebook),
            timeout=job.timeout,
            cell_timeout=job.cell_timeout,
        )

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def title(self) -> str:
        return _describe(self.notebook, self.lang, self.fanout)

    @property
    def html(self) -> str | None:
        """The job's HTML report (relative to the run folder), if one was written."""
        return next((f for f in self.files if f.endswith(f"{self.notebook}.html")), None)


@dataclass
class RunResult:
    """A finished report run: its folder, every job's result, and whether all went well."""

    run_dir: Path
    jobs: list[JobResult]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(job.ok for job in self.jobs)

    @property
    def failed(self) -> list[JobResult]:
        return [job for job in self.jobs if not job.ok]

    @property
    def bad_data(self) -> list[JobResult]:
        """The jobs that could not start because of bad data (status ``bad_data``)."""
        return [job for job in self.jobs if job.status == "bad_data"]

    def summary(self) -> str:
        """``2 reports: 2 ok, 0 failed in 5.3 s``, then one line per problem of a report stopped by bad data.

        Examples
        --------
        >>> bad = JobResult("04_win_loss_analysis", "en", "bad_data", problems=[{"message": "a.csv: bad. Fix it."}])
        >>> print(RunResult(Path("r"), [bad, JobResult("00_data_overview", "en", "ok")], 2.0).summary())
        2 reports: 1 ok, 1 failed in 2.0 s (failed: 04_win_loss_analysis (en))
        bad data in 04_win_loss_analysis (en):
          - a.csv: bad. Fix it.
        """
        failed = len(self.failed)
        text = f"{len(self.jobs)} reports: {len(self.jobs) - failed} ok, {failed} failed in {self.seconds:.1f} s"
        if failed:
            text += " (failed: " + ", ".join(j.title for j in self.failed) + ")"
        for job in self.bad_data:
            text += f"\nbad data in {job.title}:" + "".join(f"\n  - {p.get('message')}" for p in job.problems)
        return text
