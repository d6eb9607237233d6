"""Executing report jobs: one job with papermill, many in parallel, or on a Dask cluster.

:func:`execute_job` runs one :class:`~kamlib.report.Job` into its folder of the run:

- the kernel gets its own connection file and IPC sockets in a private temporary
  folder (``transport="ipc"``), so kernels started in parallel never share a file or
  a port, and nothing is reachable over the network (see :mod:`kamlib.report.kernels`);
- the kernel is the worker's warm kernel, reset for the job (started once, libraries
  imported once, replaced after a failed job), or with ``fresh_kernels`` a new one;
- the kernel's working directory is the job folder (the worker process never changes
  its own, so Dask workers with several threads are safe);
- every cell may run ``cell_timeout`` seconds and the whole job ``timeout`` seconds
  (each cell gets what is left); running out is recorded as a failure;
- a kernel that fails to start is started once more (``attempts`` in the manifest);
- a parameter written ``env:NAME`` reaches the kernel as that text and is turned into
  a :class:`~kamlib.report.EnvValue` there, so its value is read from the worker's
  environment and never written; the value is still scrubbed from every output.
- a notebook stopped by data (or a parameter) it cannot use has the problems its
  kernel recorded published as a page in the report's language instead of the
  traceback (status ``bad_data``, see :mod:`kamlib.report.bad_data`).

:func:`run_jobs` runs a list of jobs on local worker processes (reused across
jobs, so imports and kernel starts are paid once per worker; a job stuck past its
time limit outside a cell has its worker stopped, see :mod:`kamlib.report.workers`), or on
a Dask scheduler; it writes ``manifest.json`` and ``index.html`` after every
finished job and one log line per job on stderr. Ctrl-C marks unfinished jobs
``interrupted`` in the manifest and stops the workers and their kernels. A run killed
outright cannot: its manifest records the runner's PID, host and start time, and the
next run into the same folder, or :func:`retry_failed` of it, marks it
``interrupted`` once that process is gone. A job whose folder cannot be named, made
or listed fails alone.
:func:`retry_failed` runs the failed jobs of an earlier run again, in place.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Self

import psutil

from kamlib.errors import ReportError
from kamlib.files import atomic_write_text
from kamlib.masking import MASK
from kamlib.report import bad_data, kernels
from kamlib.report.folders import (
    job_dir,
    make_job_dir,
    new_run_dir,
    period_of,
)
from kamlib.report.jobs import Job, JobResult, RunResult, assign_folders, now
from kamlib.report.kernels import WarmKernel, kernel_manager
from kamlib.report.parameters import find_notebooks, plan
from kamlib.report.publish import (
    render_html,
    report_title,
    run_status,
    write_index,
    write_manifest,
)
from kamlib.report.secrets import env_names, redact, scrub, secrets_in
from kamlib.report.workers import Done, Todo, entry, failed, files_left, run_on_workers

__all__ = ["execute_job", "retry_failed", "run", "run_jobs"]


def _error_summary(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        value = str(exc.evalue).strip().splitlines()
        line = value[0] if value else ""
        return f"{exc.ename}: {line} (cell In [{exc.exec_count}])".replace(":  (", " (")
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}".rstrip(": ")


class _QuietPapermill:
    """Drop papermill's parameter warnings while a job runs: :func:`plan` has checked the
    parameters already, and papermill's own check misreads ``str | None`` annotations."""

    _NOISE = ("Passed unknown parameter", "Unable to parse line", "Translator for")

    def filter(self, record: Any) -> bool:
        return not str(record.getMessage()).startswith(self._NOISE)

    _LOGGERS = ("papermill", "papermill.translators")  # filters do not apply to child loggers

    def __enter__(self) -> Self:
        import logging

        for name in self._LOGGERS:
            logging.getLogger(name).addFilter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        import logging

        for name in self._LOGGERS:
            logging.getLogger(name).removeFilter(self)




# ========================================================================= one job
def _with_env_cell(notebook: Path, parameters: Mapping[str, Any]) -> Any:
    """The notebook, with a cell after the parameters cell that resolves ``env:NAME`` values.

    papermill injects its parameters right after the parameters cell, so this cell
    runs next and before anything uses them.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    names = env_names(parameters)
    if names:
        index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", []))
        source = "\n".join(
            ["# kam report: parameters written env:NAME are read from the environment when used",
             "import kamlib.report.secrets as _kam_secrets",
             *(f"{name} = _kam_secrets.resolve({name})" for name in names)]
        )
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source, metadata={"tags": ["kam-env"]}))
    return nb


class _Clock:
    """Per-cell timeouts that also keep the whole job within its deadline."""

    def __init__(self, timeout: float | None, cell_timeout: float | None) -> None:
        self.deadline = time.monotonic() + timeout if timeout else None
        self.cell_timeout = cell_timeout

    def cell(self, _cell: Any = None) -> int | None:
        """Seconds the next cell may run (nbclient's ``timeout_func``); None = no limit."""
        limits = [self.cell_timeout] if self.cell_timeout else []
        if self.deadline is not None:
            limits.append(max(1.0, self.deadline - time.monotonic()))
        return math.ceil(min(limits)) if limits else None

    @property
    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline - 1


def _engine(kernel: WarmKernel | None, job_dir: Path, runtime: Path | None) -> dict[str, Any]:
    """papermill's kernel arguments: the warm kernel, reset for *job_dir*, or a new kernel in *runtime*."""
    if kernel is None:
        return {"kernel_manager_class": kernel_manager(runtime), "extra_arguments": [bad_data.KERNEL_ARGUMENT]}
    return {"km": kernel.lend(job_dir)}


def _papermill(job: Job, output: Path, parameters: Mapping[str, Any], clock: _Clock, kernel: Mapping[str, Any]) -> None:
    """Execute the job's notebook into *output*, written once at the end (also when it fails)."""
    import papermill

    from kamlib.report import engine

    running = output.with_name(f".{output.stem}.running.ipynb")  # the report appears complete or not at all
    try:
        with _QuietPapermill():
            papermill.execute_notebook(
                _with_env_cell(job.notebook, parameters),
                str(running),
                parameters=dict(parameters),
                kernel_name=kernels.KERNEL_NAME,
                progress_bar=False,
                report_mode=True,
                engine_name=engine.register(),
                request_save_on_cell_execute=False,
                partial=str(running),
                resources={"metadata": {"path": str(output.parent)}},  # a new kernel's working directory
                timeout_func=clock.cell,
                **kernel,
            )
    finally:
        if running.exists():
            scrub(running, secrets_in(parameters))  # also when the job is stopped: no unscrubbed notebook is left
            os.replace(running, output)


def _failure(exc: BaseException, job: Job, clock: _Clock) -> tuple[str, bool]:
    """One-line summary of why a job failed, and whether its kernel had started."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, CellTimeoutError):
        if clock.expired or not job.cell_timeout:
            return f"Timeout: the job ran longer than its limit of {job.timeout:g} s", True
        return f"Timeout: a cell ran longer than its limit of {job.cell_timeout:g} s", True
    return _error_summary(exc), isinstance(exc, (PapermillExecutionError, DeadKernelError))


def _job_dir(run_dir: Path, job: Job) -> Path:
    """``<run_dir>/<job.name>``, refusing anything that would land outside the run folder."""
    return job_dir(run_dir, job)


def _attempts(job: Job, output: Path, parameters: Mapping[str, Any], clock: _Clock,
              kernel: WarmKernel | None) -> tuple[str | None, int]:
    """Run the notebook (twice if the kernel did not start); the error summary and attempts."""
    error = None
    for attempt in (1, 2):
        # a new kernel's sockets go in a private (0700) folder with a short path; a warm kernel has its own
        runtime = Path(tempfile.mkdtemp(prefix="kam-kernel-")) if kernel is None else None
        healthy = False
        try:
            _papermill(job, output, parameters, clock, _engine(kernel, output.parent, runtime))
            error, healthy = None, True
            break
        except Exception as exc:  # noqa: BLE001 - one failing notebook must not stop the run
            error, kernel_started = _failure(exc, job, clock)
            if kernel_started:
                break
        finally:
            if runtime is not None:
                shutil.rmtree(runtime, ignore_errors=True)
            if kernel is not None:
                kernel.give_back(healthy=healthy)
    return error, attempt


def execute_job(job: Job, run_dir: str | Path, kernel: WarmKernel | None = None) -> JobResult:
    """Execute one job with papermill into ``<run_dir>/<job.name>/`` and render its HTML.

    The notebook runs with ``output_dir`` and the kernel's working directory set to
    the job folder, so the tables it saves land next to the report. A failing or
    timed-out notebook is kept (with the error in the failing cell) and rendered too;
    the failure is returned in the result, never raised. A kernel that does not start
    is tried once more.

    Parameters
    ----------
    job : Job
        The notebook and its parameters.
    run_dir : str or Path
        The run folder; the job writes into its own folder inside it.
    kernel : WarmKernel, optional
        A warm kernel to run on (reset for this job, replaced if the job fails);
        None = a new kernel for this job alone.
    """

    run_dir = Path(run_dir)
    try:
        job_dir = make_job_dir(run_dir, job)
    except Exception as exc:  # noqa: BLE001 - this job's folder cannot be named or made: the job fails, the run goes on
        error = str(exc) if isinstance(exc, ReportError) else f"cannot create the job's folder: {_error_summary(exc)}"
        return failed(job, error, started=now(), ended=now())
    output = job_dir / f"{job.notebook.stem}.ipynb"
    parameters = {**job.parameters, "output_dir": str(job_dir)}
    started, start, clock = now(), time.perf_counter(), _Clock(job.timeout, job.cell_timeout)
    error, attempts = _attempts(job, output, parameters, clock, kernel)
    secrets = secrets_in(parameters)
    error = redact(error, secrets)
    problems = redact(bad_data.read_problems(job_dir) or [], secrets) if error else []
    error = bad_data.describe(problems) if problems else error
    page, title = job_dir / f"{job.notebook.stem}.html", report_title(job.notebook, job.lang)
    try:
        if problems:
            bad_data.write_page(page, problems, title=title, lang=job.lang, parameters=redact(parameters, secrets))
        elif output.exists():
            render_html(output, page, title=title, lang=job.lang)
    except Exception as exc:  # noqa: BLE001
        error = error or f"HTML rendering failed: {redact(_error_summary(exc), secrets)}"
    return replace(
        JobResult.pending(job),
        status="bad_data" if problems else "failed" if error else "ok",
        problems=problems,
        seconds=round(time.perf_counter() - start, 2),
        files=files_left(run_dir, job_dir),
        error=error,
        started=started,
        ended=now(),
        attempts=attempts,
    )


# ======================================================================= many jobs


def _crashed(job: Job, exc: BaseException) -> JobResult:
    """The result of a job whose worker died or could not be reached."""
    return failed(job, f"worker failed: {_error_summary(exc)}")


def _connect(scheduler: str) -> Any:
    """A Dask client for *scheduler*; an unreachable scheduler is a setup error."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover
        raise ReportError("--scheduler needs the 'distributed' package: pip install distributed.") from None
    try:
        return Client(scheduler, timeout="5s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ReportError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({_error_summary(exc)}). "
                          "Check the address (tcp://host:8786) and that the scheduler is running.") from None


def _on_dask(todo: Todo, run_dir: Path, done: Done, *, client: Any) -> None:
    """Run the jobs on a Dask cluster (the workers must see *run_dir* and the notebooks)."""
    from distributed import as_completed

    futures = {client.submit(execute_job, job, run_dir, pure=False): (index, job) for index, job in todo}
    try:
        for future in as_completed(futures):
            index, job = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001
                result = _crashed(job, exc)
            done(index, result)
    except BaseException:
        client.cancel(list(futures))
        raise


class _Board:
    """The results of a run: logs each finished job and republishes manifest and index."""

    def __init__(self, run_dir: Path, results: list[JobResult], parameters: Mapping[str, Any],
                 extra: Mapping[str, Any], started: str | None = None, secrets: Sequence[str] = ()) -> None:
        self.run_dir, self.results, self.parameters, self.extra = run_dir, results, parameters, dict(extra)
        self.secrets = list(secrets)  # scrubbed from every error logged or published (a worker's too)
        self.started = started or _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        self.count, self.total, self.start = 0, 0, time.perf_counter()

    def run(self, todo: Todo, backend: Any) -> RunResult:
        self.total = len(todo)
        self.publish(finished=False)
        try:
            backend(todo, self.run_dir, self.done)
        except KeyboardInterrupt:
            for result in self.results:
                if result.status == "pending":
                    result.status = "interrupted"
            self.publish(finished=True)
            print(f"interrupted: {self.count} of {self.total} jobs finished; see {self.run_dir / 'manifest.json'}",
                  file=sys.stderr, flush=True)
            raise
        self.publish(finished=True)
        return RunResult(run_dir=self.run_dir, jobs=self.results, seconds=round(self.elapsed, 2))

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def done(self, index: int, result: JobResult) -> None:
        result.error = redact(result.error, self.secrets)
        self.results[index] = result
        self.count += 1
        print(f"[{self.count}/{self.total}] {result.title} ... {result.status} {result.seconds:.1f} s",
              file=sys.stderr, flush=True)
        if result.error:
            print(f"      {result.error}", file=sys.stderr, flush=True)
        self.publish(finished=False)

    def publish(self, *, finished: bool) -> None:
        write_manifest(self.run_dir, self.results, parameters=self.parameters, seconds=self.elapsed,
                       finished=finished, started=self.started, extra=self.extra)
        write_index(self.run_dir, self.results, seconds=self.elapsed, finished=finished)


def _execute(board: _Board, todo: Todo, workers: int | None, client: Any, warm: bool) -> RunResult:
    if client is not None:
        return board.run(todo, lambda t, d, done: _on_dask(t, d, done, client=client))
    return board.run(todo, lambda t, d, done: run_on_workers(t, d, done, workers=workers or os.cpu_count() or 1,
                                                             warm=warm, target=execute_job))


def _setup(workers: int | None, scheduler: str | None, fresh_kernels: bool) -> tuple[Any, bool, dict[str, Any]]:
    """The Dask client (or None), whether kernels are reused, and the run's manifest entries."""
    if workers is not None and workers < 1:
        raise ReportError(f"--jobs must be 1 or more, but {workers} was passed.")
    client = _connect(scheduler) if scheduler else None
    warm = not (fresh_kernels or scheduler)  # Dask workers are shared: they keep no kernels between jobs
    info = {"scheduler": scheduler, "workers": None if scheduler else (workers or os.cpu_count()),
            "kernels": "warm" if warm else "fresh", "runner": _this_runner()}
    return client, warm, info


# ==================================================================== runs whose process is gone
def _this_runner() -> dict[str, Any]:
    """This process as a run's manifest records it, so that a later run can tell whether the run goes on."""
    me = psutil.Process()
    return {"pid": me.pid, "host": socket.gethostname(), "process_started": me.create_time()}


def _going_on(runner: Any) -> bool | None:
    """Whether the process a manifest's ``runner`` names still runs; None when that cannot be told here."""
    if not isinstance(runner, dict) or runner.get("host") != socket.gethostname():
        return None
    try:
        process = psutil.Process(int(runner["pid"]))
        same = abs(process.create_time() - float(runner["process_started"])) < 1  # not a reused PID
        return same and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except (psutil.Error, KeyError, TypeError, ValueError):
        return None


def _mark_interrupted(run_dir: Path, manifest: dict[str, Any]) -> None:
    """Rewrite the manifest and index of a run whose process is gone: its unfinished jobs are interrupted."""
    for job in manifest["jobs"]:
        if job.get("status") == "pending":
            job["status"] = "interrupted"
    results = [JobResult(**job) for job in manifest["jobs"]]
    manifest.update(status=run_status(results, finished=True), updated=now())
    atomic_write_text(run_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n")
    write_index(run_dir, results, seconds=float(manifest.get("seconds") or 0), finished=True)
    print(f"earlier run {run_dir.name} ended without finishing (its process is gone): marked {manifest['status']}; "
          f"kam report --retry-failed {run_dir} runs its unfinished and failed jobs", file=sys.stderr, flush=True)


def _mark_earlier_runs(out: str | Path) -> None:
    """Mark the runs in *out* whose manifest says running but whose process is gone (others are left alone)."""
    try:
        manifests = sorted(Path(out).glob("*/manifest.json"))
    except OSError:
        return
    for path in manifests:
        try:
            text = path.read_text(encoding="utf-8")
            if '"status": "running"' not in text:  # cheap: most runs are long finished
                continue
            manifest = json.loads(text)
            if manifest.get("status") == "running" and _going_on(manifest.get("runner")) is False:
                _mark_interrupted(path.parent, manifest)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # a run folder this run cannot read or write is left as it is


def _check_not_going_on(run_dir: Path, manifest: dict[str, Any]) -> None:
    """Before a retry: mark the run interrupted if its process is gone; refuse if it may still go on."""
    runner = manifest.get("runner")
    if manifest.get("status") != "running" or runner is None:  # finished, or written before runners were recorded
        return
    going = _going_on(runner)
    if going is False:
        _mark_interrupted(run_dir, manifest)
        return
    who = runner if isinstance(runner, dict) else {}
    if going:
        raise ReportError(f"--retry-failed {run_dir}: this run is still going (process {who.get('pid')} on "
                          f"{who.get('host')}). Wait for it to end, or stop it, then retry.")
    raise ReportError(f"--retry-failed {run_dir}: it was started on {who.get('host')} (process {who.get('pid')}) and "
                      f"whether it still runs cannot be told from here. Retry it on {who.get('host')}, or, if you "
                      "know it has ended, delete the \"runner\" entry of its manifest.json and retry.")


def _new_run_dir(out: str | Path, parameters: Mapping[str, Any]) -> Path:
    """A new run folder under *out*; a folder that cannot be made is a setup error naming it and the fix."""
    try:
        return new_run_dir(out, period=period_of(parameters))
    except OSError as exc:
        inside = next((p for p in (Path(out), *Path(out).parents) if p.exists() and not p.is_dir()), None)
        fix = (f"{inside} is a file: pass --out a folder that is not inside it, or move that file away."
               if inside else "Pass --out a folder you can write to.")
        where = f": {exc.filename}" if exc.filename else ""
        raise ReportError(f"--out {out}: cannot create the run folder ({exc.strerror or exc}{where}). {fix}") from None


def _nameable(job: Job) -> bool:
    """Whether *job*'s folder can be named; one that cannot fails when it runs (see execute_job), alone."""
    try:
        return bool(job.name)
    except Exception:  # noqa: BLE001 - any error naming one job's folder is that job's
        return False


def run_jobs(
    jobs: Sequence[Job],
    *,
    out: str | Path = "reports",
    parameters: Mapping[str, Any] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    extra: Mapping[str, Any] | None = None,
    fresh_kernels: bool = False,
) -> RunResult:
    """Run planned jobs into a new run folder under *out*; publish manifest and index.

    Parameters
    ----------
    jobs : sequence of Job
        From :func:`kamlib.report.plan` or :func:`kamlib.report.config.plan_batch`.
    out : str or Path
        Folder that receives the run folder (named from the period in *parameters*
        and the time, see :func:`kamlib.report.new_run_dir`).
    parameters : mapping, optional
        The run's shared parameters, as shown in the manifest (secrets masked).
    workers : int, optional
        Local worker processes; None = one per core.
    scheduler : str, optional
        Dask scheduler address; the jobs run there instead.
    extra : mapping, optional
        Further run-level manifest entries (e.g. the batch config file).
    fresh_kernels : bool, default False
        Start a new kernel for every job instead of reusing each worker's warm kernel
        (see :mod:`kamlib.report.kernels`); jobs on a Dask scheduler always get a new one.

    Raises
    ------
    ReportError
        When the scheduler cannot be reached or *workers* is below 1 (before any
        folder is made), or the run folder cannot be created under *out* (naming
        the path and the fix). KeyboardInterrupt is re-raised after the manifest has
        marked unfinished jobs ``interrupted``.
    """
    client, warm, info = _setup(workers, scheduler, fresh_kernels)
    try:
        _mark_earlier_runs(out)
        run_dir = _new_run_dir(out, parameters or {})
        assign_folders([job for job in jobs if _nameable(job)])
        board = _Board(run_dir, [entry(j) for j in jobs], dict(parameters or {}), {**info, **(extra or {})},
                       secrets=secrets_in(parameters or {}, *(job.parameters for job in jobs)))
        return _execute(board, list(enumerate(jobs)), workers, client, warm)
    finally:
        if client is not None:
            client.close()


def _job_of(result: JobResult) -> Job:
    """The job behind a manifest entry, to run it again."""
    parameters = {k: v for k, v in result.parameters.items() if k != "output_dir"}
    masked = [k for k, v in parameters.items() if MASK in json.dumps(v, ensure_ascii=False)]
    if masked:
        raise ReportError(
            f"{result.title}: cannot run again: parameter {masked[0]!r} held a secret, which the manifest "
            "does not keep. Pass secrets as env:NAME (read from the environment), then rerun."
        )
    if not Path(result.source).is_file():
        raise ReportError(f"{result.title}: the notebook {result.source} no longer exists.")
    return Job(notebook=Path(result.source), lang=result.lang, parameters=parameters, fanout=dict(result.fanout),
               timeout=result.timeout, cell_timeout=result.cell_timeout, folder=result.folder)


def retry_failed(run_dir: str | Path, *, workers: int | None = None, scheduler: str | None = None,
                 fresh_kernels: bool = False) -> RunResult:
    """Run the jobs of an earlier run that did not finish ``ok`` again, in their folders.

    The same parameters are used; the run's ``manifest.json`` and ``index.html`` are
    updated (``retried`` lists when). Jobs that were ok are left alone.

    Raises
    ------
    ReportError
        When *run_dir* has no readable manifest, a job cannot be rebuilt from it, or
        the run may still be going (its process runs, or it was started on another
        host). A run whose process is gone is first marked ``interrupted``.
    """
    run_dir = Path(run_dir)
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        results = [JobResult(**entry) for entry in manifest["jobs"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"--retry-failed {run_dir}: no readable manifest.json ({_error_summary(exc)}). "
                          "Give the folder of an earlier run, e.g. reports/20261122-173000.") from None
    _check_not_going_on(run_dir, manifest)
    todo = [(index, _job_of(result)) for index, result in enumerate(results) if not result.ok]
    client, warm, info = _setup(workers, scheduler, fresh_kernels)
    try:
        for index, job in todo:
            with contextlib.suppress(Exception):  # a folder that cannot be named fails its job when it runs
                shutil.rmtree(_job_dir(run_dir, job), ignore_errors=True)
            results[index] = entry(job)
        keep = {k: v for k, v in manifest.items() if k not in _MANIFEST_OWN} | {"runner": info["runner"]}
        keep["retried"] = [*manifest.get("retried", []), _dt.datetime.now().astimezone().isoformat(timespec="seconds")]
        board = _Board(run_dir, results, manifest.get("parameters", {}), keep, started=manifest.get("started"),
                       secrets=secrets_in(*(job.parameters for _, job in todo)))
        return _execute(board, todo, workers, client, warm)
    finally:
        if client is not None:
            client.close()


#: Manifest entries write_manifest makes itself (the rest is carried over by a retry).
_MANIFEST_OWN = {"run_id", "started", "updated", "status", "seconds", "kamlib_version", "versions", "parameters", "jobs"}


def run(
    notebooks: list[str] | None = None,
    *,
    data: str | None = None,
    lang: str = "en",
    out: str | Path = "reports",
    parameters: dict | None = None,
    timeout: float | None = None,
    cell_timeout: float | None = None,
    jobs: int | None = 1,
    scheduler: str | None = None,
    fresh_kernels: bool = False,
) -> RunResult:
    """Run report notebooks into a new folder under *out* and publish them.

    Parameters
    ----------
    notebooks : list of str, optional
        Notebooks to run (names, numbers or paths, see :func:`find_notebooks`);
        None = every numbered notebook in ``notebooks/``.
    data : str, optional
        Data folder or DuckDB file for every notebook, or ``env:NAME`` (read from the
        environment in the kernel); None = the embedded sample.
    lang : {"en", "zh", "all"}
        Report language; ``"all"`` runs each notebook once per language.
    out : str or Path, default "reports"
        Folder that receives the new run folder.
    parameters : dict, optional
        Further notebook parameters; each must be declared by every notebook run.
    timeout, cell_timeout : float, optional
        Seconds a whole job, and one cell, may run before the job fails (None = no limit).
    jobs : int or None, default 1
        Jobs run in parallel on local worker processes (None = one per core; 1 = one
        after another, on one worker).
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``) to run on instead.
    fresh_kernels : bool, default False
        A new kernel for every job instead of one warm kernel per worker, reset
        between jobs (see :mod:`kamlib.report.kernels`).

    Returns
    -------
    RunResult
        ``run_dir``, ``jobs`` (notebook, lang, status, seconds, files, error) and
        ``ok`` (every job succeeded).

    Raises
    ------
    ReportError
        When the run cannot start: unknown notebook, unknown parameter, bad
        language or missing data. Nothing is written then. A notebook that fails
        while running does not raise: it is recorded as failed.

    Examples
    --------
    >>> import tempfile
    >>> result = run(["00"], lang="all", out=tempfile.mkdtemp())  # progress lines go to stderr
    >>> result.ok, [job.status for job in result.jobs]
    (True, ['ok', 'ok'])
    """
    planned = plan(find_notebooks(notebooks), data=data, lang=lang, parameters=parameters)
    for job in planned:
        job.timeout, job.cell_timeout = timeout, cell_timeout
    shown = {"data": data, "lang": lang, **(parameters or {})}
    return run_jobs(planned, out=out, parameters=shown, workers=jobs, scheduler=scheduler,
                           fresh_kernels=fresh_kernels)
