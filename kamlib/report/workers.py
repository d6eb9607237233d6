"""Local worker processes for a report run, and the watchdog over their jobs.

Each worker is a new process (``spawn``) that imports papermill and nbconvert once,
starts its warm kernel (see :mod:`kamlib.report.kernels`) before the first job arrives,
then runs one job after another, each sent over a pipe. The parent hands out the
jobs, collects their results and watches over the workers:

- a job still running :data:`GRACE` seconds after its ``timeout`` is stuck outside
  a cell (rendering, writing, a kernel that does not answer): its worker is stopped,
  together with its kernel and every other process it started, the job is recorded
  as timed out, and a new worker takes the next job;
- a worker that dies (killed, out of memory) fails the job it was running and no
  other;
- at the end of the run, or on Ctrl-C, every worker and its kernel is stopped: first
  asked (the worker shuts its kernel down), then, after :data:`STOP_WAIT` seconds,
  killed;
- a worker whose parent is gone (killed) ends within a second, its kernel shut down,
  without a word: no job of it can be recorded any more.

A job's entry never fails to be made: :func:`failed` gives one also for a job whose
folder cannot be named or whose files cannot be listed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import psutil

from kamlib.report.folders import job_files
from kamlib.report.jobs import Job, JobResult, now
from kamlib.report.kernels import WarmKernel, skip_iri_grammar

#: Seconds a job may run past its ``timeout`` before its worker is stopped.
GRACE = 30.0
#: Seconds a worker gets to shut its kernel down and end before it is killed.
STOP_WAIT = 5.0

Target = Callable[[Job, Path, "WarmKernel | None"], JobResult]
Todo = Sequence[tuple[int, Job]]
Done = Callable[[int, JobResult], None]


def _exit(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _orphaned(parent: int) -> None:
    """End this worker as SIGTERM would, once *parent* (the process that started it) is gone."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _serve(conn: Connection, warm: bool, target: Target, parent: int) -> None:
    """A worker's life: imports, a warm kernel, then the jobs the parent sends (None ends it).

    Ctrl-C is the parent's to handle; SIGTERM (the parent stopping the worker, or the
    worker itself when its parent is gone) ends the worker through ``finally``, so its
    kernel is shut down. A parent that is gone ends the worker quietly.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit)
    threading.Thread(target=_orphaned, args=(parent,), daemon=True, name="kam-parent-watch").start()
    skip_iri_grammar()
    import nbclient  # noqa: F401 - paid once per worker, not per job
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    kernel = WarmKernel() if warm else None
    try:
        if kernel is not None:
            with contextlib.suppress(Exception):  # a kernel that fails here is started again by the job
                kernel.start()
        while (task := conn.recv()) is not None:
            try:
                conn.send(target(*task, kernel))
            except Exception as exc:  # noqa: BLE001 - reported to the parent as the job's failure
                conn.send(f"{type(exc).__name__}: {exc}")
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the parent is gone
    finally:
        if kernel is not None:
            kernel.close()


@dataclass
class _Worker:
    """One worker process, the pipe to it, and the job it runs (if any)."""

    process: Any
    conn: Connection
    task: tuple[int, Job] | None = None
    given: float = 0.0
    started: str | None = None
    deadline: float | None = None

    @classmethod
    def start(cls, warm: bool, target: Target) -> _Worker:
        context = multiprocessing.get_context("spawn")  # see run_on_workers
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs, warm, target, os.getpid()), daemon=True,
                                  name="kam-report-worker")
        process.start()
        theirs.close()
        return cls(process, ours)

    def give(self, task: tuple[int, Job], run_dir: Path, grace: float) -> None:
        timeout = task[1].timeout
        self.task, self.given, self.started = task, time.monotonic(), now()
        self.deadline = self.given + timeout + grace if timeout else None
        with contextlib.suppress(OSError):  # a worker that just died: its sentinel says so
            self.conn.send((task[1], run_dir))

    def outcome(self, ready: list[Any], run_dir: Path, grace: float) -> tuple[JobResult, bool] | None:
        """The job's result and whether the worker is lost (it died or overran); None while it runs."""
        _, job = self.task
        if self.conn in ready or self.process.sentinel in ready:
            with contextlib.suppress(EOFError, OSError):
                if self.conn.poll():
                    message = self.conn.recv()
                    if isinstance(message, JobResult):
                        return message, False
                    return self.lost(run_dir, f"worker failed: {message}"), False
            self.process.join(1)
            return self.lost(run_dir, f"worker failed: its process ended (exit code {self.process.exitcode})"), True
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return self.lost(run_dir, f"Timeout: the job ran longer than its limit of {job.timeout:g} s and was "
                                      f"still running {grace:g} s later, outside a cell; its worker was stopped"), True
        return None

    def lost(self, run_dir: Path, error: str) -> JobResult:
        """The result of a job whose worker did not report back."""
        _, job = self.task
        return failed(job, error, run_dir, seconds=round(time.monotonic() - self.given, 2), started=self.started,
                      ended=now())


def entry(job: Job) -> JobResult:
    """``JobResult.pending(job)``; for a job whose folder cannot be named, the same without a folder."""
    try:
        return JobResult.pending(job)
    except Exception:  # noqa: BLE001 - that job fails alone when it runs (see failed)
        unnamed = JobResult.pending(Job(job.notebook, job.lang, job.parameters, fanout=job.fanout, folder="_"))
        parameters = {k: v for k, v in unnamed.parameters.items() if k != "output_dir"}
        return replace(unnamed, folder="", parameters=parameters, timeout=job.timeout, cell_timeout=job.cell_timeout)


def failed(job: Job, error: str, run_dir: Path | None = None, **fields: Any) -> JobResult:
    """*job*'s entry, failed with *error*, listing the files it left in *run_dir* (if given); never raises."""
    result = entry(job)
    files = files_left(run_dir, run_dir / result.folder) if run_dir is not None and result.folder else []
    return replace(result, status="failed", error=error, files=files, **fields)


def files_left(run_dir: Path, folder: Path) -> list[str]:
    """:func:`~kamlib.report.folders.job_files`, or none when they cannot be listed (a folder gone or unreadable)."""
    try:
        return job_files(run_dir, folder)
    except Exception:  # noqa: BLE001 - the files of one job, not the run
        return []


def _stop(crew: Sequence[_Worker], wait_for: float = STOP_WAIT) -> None:
    """Ask every worker to end (SIGTERM: it shuts its kernel down); kill what is left after *wait_for*."""
    family = {}
    for worker in crew:
        with contextlib.suppress(psutil.Error):
            family[worker.process.pid] = psutil.Process(worker.process.pid).children(recursive=True)
        worker.process.terminate()
    end = time.monotonic() + wait_for
    for worker in crew:
        worker.process.join(max(0.0, end - time.monotonic()))
        for process in [*family.get(worker.process.pid, []), worker.process]:
            with contextlib.suppress(psutil.Error, OSError, ValueError):
                process.kill()
        worker.process.join(1)
        worker.conn.close()


def _dismiss(crew: Sequence[_Worker]) -> None:
    """End idle workers the regular way (None: they shut their kernels down), then stop any that linger."""
    for worker in crew:
        with contextlib.suppress(OSError):
            worker.conn.send(None)
    end = time.monotonic() + STOP_WAIT
    for worker in crew:
        worker.process.join(max(0.0, end - time.monotonic()))
    _stop([w for w in crew if w.process.is_alive()], 1.0)
    for worker in crew:
        worker.conn.close()


def _timeout(crew: Sequence[_Worker]) -> float | None:
    deadlines = [w.deadline for w in crew if w.task and w.deadline is not None]
    return max(0.0, min(deadlines) - time.monotonic()) if deadlines else None


def run_on_workers(todo: Todo, run_dir: Path, done: Done, *, workers: int, warm: bool, target: Target,
                   grace: float = GRACE) -> None:
    """Run *target* for every job on up to *workers* local worker processes.

    Workers are started fresh (``spawn``) for this run rather than from a
    ``forkserver``, which would outlive the run and hand new workers its own, older
    environment (``env:NAME`` values set since would be missing).

    Parameters
    ----------
    todo : sequence of (int, Job)
        The jobs, each with its index in the run.
    run_dir : Path
        The run folder.
    done : callable
        Called in this process as ``done(index, result)`` when a job ends.
    workers : int
        Most worker processes at a time.
    warm : bool
        Give every worker a warm kernel, reused across its jobs.
    target : callable
        ``target(job, run_dir, kernel) -> JobResult``, run in the worker (importable
        by name, e.g. :func:`kamlib.report.runner.execute_job`).
    grace : float
        Seconds past a job's ``timeout`` before its worker is stopped.

    Examples
    --------
    The data overview on the sample, on one worker without a warm kernel:

    >>> import tempfile
    >>> from kamlib.report import parameters, runner
    >>> jobs = list(enumerate(parameters.plan(parameters.find_notebooks(["00"]))))
    >>> results = {}
    >>> run_on_workers(jobs, Path(tempfile.mkdtemp()), results.__setitem__, workers=1, warm=False,
    ...                target=runner.execute_job)
    >>> [(index, result.status) for index, result in results.items()]
    [(0, 'ok')]
    """
    queue = deque(todo)
    crew = [_Worker.start(warm, target) for _ in range(min(workers, len(queue)))]
    try:
        while queue or any(w.task for w in crew):
            for i, worker in enumerate(crew):
                if worker.task is None and queue:
                    if not worker.process.is_alive():  # died while idle
                        _stop([worker])
                        worker = crew[i] = _Worker.start(warm, target)
                    worker.give(queue.popleft(), run_dir, grace)
            busy = [w for w in crew if w.task]
            ready = wait([o for w in busy for o in (w.conn, w.process.sentinel)], timeout=_timeout(busy))
            for worker in busy:
                outcome = worker.outcome(ready, run_dir, grace)
                if outcome is None:
                    continue
                (result, lost), index, worker.task = outcome, worker.task[0], None
                if lost:
                    _stop([worker])
                    crew.remove(worker)
                    crew += [_Worker.start(warm, target)] if queue else []
                done(index, result)
    except BaseException:
        _stop(crew)
        raise
    _dismiss(crew)
