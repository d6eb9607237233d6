"""Worker processes: a job stuck outside a cell, or a worker that dies, costs that job alone."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import psutil

from kamlib import report
from kamlib.report import workers


def _act(job: report.Job, run_dir: Path, _kernel: object) -> report.JobResult:
    """A stand-in for execute_job, run in the worker: does what ``job.parameters["act"]`` says."""
    folder = run_dir / job.name
    folder.mkdir(parents=True, exist_ok=True)
    act = job.parameters["act"]
    if act == "hang":  # like a worker stuck in C code: deaf to SIGTERM, with a child process (a kernel)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen(["sleep", "600"])
        (folder / "child.pid").write_text(str(child.pid))
        time.sleep(600)
    if act == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if act == "raise":
        raise ValueError("not a result")
    (folder / "worker.pid").write_text(str(os.getpid()))
    return replace(report.JobResult.pending(job), status="ok")


def _run(tmp_path: Path, acts: list[str], n_workers: int = 1) -> list[report.JobResult]:
    jobs = [report.Job(Path(f"{act}.ipynb"), "en", {"act": act}, folder=f"{i}-{act}", timeout=1)
            for i, act in enumerate(acts)]
    results: list[report.JobResult | None] = [None] * len(jobs)

    def done(index: int, result: report.JobResult) -> None:
        results[index] = result

    workers.run_on_workers(list(enumerate(jobs)), tmp_path, done, workers=n_workers, warm=False, target=_act,
                           grace=1.0)
    return results


def test_a_job_stuck_outside_a_cell_has_its_worker_stopped_and_the_run_goes_on(tmp_path):
    start = time.monotonic()
    hung, after = _run(tmp_path, ["hang", "ok"])
    assert time.monotonic() - start < 30
    assert hung.status == "failed"
    assert hung.error.startswith("Timeout: the job ran longer than its limit of 1 s and was still running 1 s later")
    assert hung.files == ["0-hang/child.pid"] and hung.started < hung.ended and hung.seconds >= 2
    child = int((tmp_path / "0-hang" / "child.pid").read_text())
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE
    assert after.status == "ok"


def test_a_worker_that_dies_fails_its_job_alone(tmp_path):
    results = _run(tmp_path, ["ok", "die", "ok", "ok"], n_workers=2)
    assert [r.status for r in results] == ["ok", "failed", "ok", "ok"]
    assert results[1].error == "worker failed: its process ended (exit code -9)"


def test_an_error_outside_the_job_is_reported_and_the_worker_kept(tmp_path):
    results = _run(tmp_path, ["raise", "ok", "ok"])
    assert [r.status for r in results] == ["failed", "ok", "ok"]
    assert results[0].error == "worker failed: ValueError: not a result"
    pids = {(tmp_path / f"{i}-ok" / "worker.pid").read_text() for i in (1, 2)}
    assert len(pids) == 1


def test_workers_end_with_the_run(tmp_path):
    _run(tmp_path, ["ok", "ok"], n_workers=2)
    pids = [int((tmp_path / f"{i}-ok" / "worker.pid").read_text()) for i in (0, 1)]
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)
