"""The job model of a report run: :class:`Job` (one notebook, one parameter set),
:class:`JobResult` (what happened to it) and :class:`RunResult` (the whole run)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamlib.masking import mask_secret

__all__ = ["Job", "JobResult", "RunResult", "assign_folders", "now", "safe_name"]


def now() -> str:
    """The current local time as ISO 8601 text with its offset, to the second (for the manifest).

    Examples
    --------
    >>> len(now()) >= 25
    True
    """
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def safe_name(value: Any, *, limit: int = 60) -> str:
    """*value* as one file-name part: letters (Chinese too), digits, ``_`` and ``-`` only.

    Anything else (``/``, ``.``, spaces) becomes ``_``, so a fan-out value can never
    leave the run folder.

    Examples
    --------
    >>> safe_name("../../evil"), safe_name("/etc/passwd"), safe_name("华东 区"), safe_name("..")
    ('evil', 'etc_passwd', '华东_区', '_')
    """
    text = re.sub(r"[^\w\-]+", "_", str(value)).strip("_")[:limit]
    return text or "_"


@dataclass
class Job:
    """One notebook run with one parameter set (one language, one fan-out value).

    *fanout* holds the parameters set by a batch's ``for_each`` (they name the job's
    folder); *timeout* is the seconds the whole job may run, *cell_timeout* the seconds
    one cell may run (None = no limit); *folder* is set when the run starts.
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
        """``00_data_overview-zh`` or ``01_environment_analysis-zh-east``: the job's folder."""
        parts = [self.notebook.stem, self.lang, self.label, *self.fanout.values()]
        return self.folder or "-".join(safe_name(p) for p in parts if p is not None)

    @property
    def title(self) -> str:
        """``01_environment_analysis (zh, region=east)``: the job in log lines."""
        return _describe(self.notebook.stem, self.lang, self.fanout)


def _describe(notebook: str, lang: str, fanout: Mapping[str, Any]) -> str:
    return f"{notebook} ({', '.join([lang, *(f'{k}={v}' for k, v in fanout.items())])})"


def assign_folders(jobs: Sequence[Job]) -> None:
    """Give every job its own folder name (``-2``, ``-3`` … when two would share one)."""
    taken: set[str] = set()
    for job in jobs:
        base, n = job.name, 1
        while (name := base if n == 1 else f"{base}-{n}") in taken:
            n += 1
        taken.add(name)
        job.folder = name


@dataclass
class JobResult:
    """What happened to one job.

    ``status`` is ``"ok"``, ``"failed"``, ``"pending"`` (not finished yet) or
    ``"interrupted"``; ``files`` are paths relative to the run folder; ``error`` is a
    one-line summary (``ValueError: … (cell In [5])``) or None; ``parameters`` are the
    ones the notebook got, secrets masked; ``attempts`` counts kernel starts.
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

    @classmethod
    def pending(cls, job: Job) -> JobResult:
        """The entry of a job that has not finished (yet)."""
        return cls(
            notebook=job.notebook.stem,
            lang=job.lang,
            status="pending",
            parameters={**{k: mask_secret(k, v) for k, v in job.parameters.items()}, "output_dir": job.name},
            fanout=dict(job.fanout),
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

    def summary(self) -> str:
        """``2 reports: 2 ok, 0 failed in 5.3 s``."""
        failed = len(self.failed)
        text = f"{len(self.jobs)} reports: {len(self.jobs) - failed} ok, {failed} failed in {self.seconds:.1f} s"
        if failed:
            text += " (failed: " + ", ".join(j.title for j in self.failed) + ")"
        return text
