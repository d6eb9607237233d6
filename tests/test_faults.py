"""Runs that survive their faults: a killed run, an ``--out`` that cannot be made, a write
that fails in ``kam sample``, and a job whose folder cannot be named, made or listed."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import nbformat
import pandas as pd
import psutil
import pytest

from kamlib import cli, report
from kamlib.errors import ReportError
from kamlib.report import runner, workers

OVERVIEW = report.NOTEBOOKS_DIR / "00_data_overview.ipynb"
KAM = [sys.executable, "-c", "from kamlib.cli import run; run()"]
#: Every process a test's ``kam`` starts (workers, kernels) inherits this variable from it.
MARK = "KAM_FAULT_TEST"


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def _copy(tmp_path: Path, name: str, *cells: str) -> Path:
    """A copy of 00_data_overview with *cells* added at the end."""
    nb = nbformat.read(OVERVIEW, as_version=4)
    nb.cells += [nbformat.v4.new_code_cell(code) for code in cells]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _leftovers(marker: str, limit: float = 20) -> list[str]:
    """Processes still running (zombies aside) that carry *marker*, after waiting up to *limit* seconds."""
    deadline = time.monotonic() + limit
    while True:
        found = []
        for process in psutil.process_iter(["pid", "status"]):
            try:
                if process.info["status"] != psutil.STATUS_ZOMBIE and process.environ().get(MARK) == marker:
                    found.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
            except psutil.Error:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def _kam(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*KAM, *args], check=False, env=env, cwd=cwd, capture_output=True, text=True, timeout=180)


def _wait_for_a_finished_job(out: Path, process: subprocess.Popen, limit: float = 120) -> Path:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        for path in out.glob("*/manifest.json"):
            if any(j["status"] == "ok" for j in _manifest(path.parent)["jobs"]):
                return path.parent
        time.sleep(0.1)
    raise AssertionError(f"no job finished within {limit} s: {process.communicate(timeout=5)}")


def _no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "BrokenPipe" not in text, text


# ================================================================ a killed run
@pytest.mark.slow
def test_a_killed_run_is_marked_interrupted_and_retried(tmp_path):
    gate = tmp_path / "gate"
    waiting = _copy(tmp_path, "96_gate.ipynb",
                    f"import pathlib, time\nwhile not pathlib.Path({str(gate)!r}).exists():\n    time.sleep(0.2)")
    out = tmp_path / "reports"
    env = {**os.environ, MARK: uuid.uuid4().hex}
    process = subprocess.Popen([*KAM, "report", "--lang", "all", "--only", "00", "--only", str(waiting),
                                "--jobs", "2", "--out", str(out)],
                               env=env, cwd=tmp_path, start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    run_dir = _wait_for_a_finished_job(out, process)
    os.killpg(process.pid, signal.SIGKILL)  # the runner and its workers; kernels run in sessions of their own
    _, killed = process.communicate(timeout=30)
    assert not _leftovers(env[MARK]), "a worker or kernel outlived the killed run"
    before = _manifest(run_dir)
    assert before["status"] == "running"
    assert before["runner"]["pid"] == process.pid and before["runner"]["host"] == socket.gethostname()
    assert before["runner"]["process_started"] > 0
    finished = {j["folder"]: j for j in before["jobs"] if j["status"] in ("ok", "failed")}
    assert finished and len(finished) < 4
    kept = {folder: (run_dir / folder / "00_data_overview.html").stat().st_mtime_ns for folder in finished}

    # the next run into the same folder finds the runner gone and says so in the old manifest
    new = _kam("report", "--only", "00", "--out", str(out), env=env, cwd=tmp_path)
    assert new.returncode == 0, new.stderr
    assert f"kam report --retry-failed {run_dir}" in new.stderr
    old = _manifest(run_dir)
    assert old["status"] == "interrupted"
    assert {j["folder"]: j for j in old["jobs"] if j["folder"] in finished} == finished
    assert sorted(j["status"] for j in old["jobs"] if j["folder"] not in finished) == \
        ["interrupted"] * (4 - len(finished))
    assert "…" not in (run_dir / "index.html").read_text(encoding="utf-8").split("</p>")[0]

    gate.touch()
    retry = _kam("report", "--retry-failed", str(run_dir), env=env, cwd=tmp_path)
    assert retry.returncode == 0, retry.stderr
    manifest = _manifest(run_dir)
    assert manifest["status"] == "ok" and [j["status"] for j in manifest["jobs"]] == ["ok"] * 4
    assert manifest["runner"]["pid"] != process.pid
    assert {f: (run_dir / f / "00_data_overview.html").stat().st_mtime_ns for f in kept} == kept
    assert not _leftovers(env[MARK], limit=10), "a worker or kernel outlived the run"
    _no_traceback(killed, new.stderr, retry.stderr)


def _fake_run(out: Path, runner_info: dict | None, name: str = "20260101-000000") -> Path:
    """A run folder whose manifest says running: one job ok, one not finished."""
    run_dir = out / name
    (run_dir / "a-en").mkdir(parents=True)
    (run_dir / "a-en" / "a.html").write_text("<p>a</p>", encoding="utf-8")
    ok = replace(report.JobResult.pending(report.Job(OVERVIEW, "en", {}, folder="a-en")), status="ok",
                 files=["a-en/a.html"], started="2026-01-01T00:00:01+00:00", ended="2026-01-01T00:00:02+00:00")
    pending = report.JobResult.pending(report.Job(OVERVIEW, "zh", {}, folder="b-zh"))
    extra = {"runner": runner_info} if runner_info else {}
    report.write_manifest(run_dir, [ok, pending], parameters={"lang": "all"}, seconds=2.0, finished=False,
                          extra=extra)
    return run_dir


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _this_process(**changes: object) -> dict:
    me = psutil.Process()
    return {"pid": me.pid, "host": socket.gethostname(), "process_started": me.create_time(), **changes}


@pytest.mark.parametrize("who, marked", [
    ("dead", True),        # the runner's PID no longer runs
    ("reused", True),      # the PID runs, but it is another process (a different start time)
    ("alive", False),      # the runner still runs: left alone
    ("elsewhere", False),  # started on another host: cannot tell from here, left alone
    ("unknown", False),    # a manifest that does not say who runs it: left alone
])
def test_the_next_run_marks_an_earlier_run_whose_process_is_gone(tmp_path, capsys, who, marked):
    info = {"dead": _this_process(pid=_dead_pid()), "reused": _this_process(process_started=1.0),
            "alive": _this_process(), "elsewhere": _this_process(host="elsewhere.invalid"), "unknown": None}[who]
    out = tmp_path / "reports"
    run_dir = _fake_run(out, info)
    before = _manifest(run_dir)
    new = runner.run_jobs([], out=out, workers=1)  # a run with nothing to do: only the look at earlier runs
    assert new.run_dir.parent == out and new.run_dir != run_dir
    after = _manifest(run_dir)
    if marked:
        assert after["status"] == "interrupted"
        assert [j["status"] for j in after["jobs"]] == ["ok", "interrupted"]
        assert after["jobs"][0] == before["jobs"][0] and after["runner"] == info
        assert f"kam report --retry-failed {run_dir}" in capsys.readouterr().err
        assert 'class="interrupted"' in (run_dir / "index.html").read_text(encoding="utf-8")
    else:
        assert after == before


@pytest.mark.parametrize("who", ["alive", "elsewhere"])
def test_retrying_a_run_that_may_still_go_on_is_refused(tmp_path, who):
    info = _this_process() if who == "alive" else _this_process(host="elsewhere.invalid")
    run_dir = _fake_run(tmp_path, info)
    before = _manifest(run_dir)
    with pytest.raises(ReportError, match=r"--retry-failed .*: (this run is still going|it was started on "
                                          r"elsewhere\.invalid)"):
        runner.retry_failed(run_dir, workers=1)
    assert _manifest(run_dir) == before


# ---------------------------------------------------------- workers whose parent is killed
def nap(job: report.Job, run_dir: Path, _kernel: object) -> report.JobResult:
    """A stand-in for execute_job: note the worker's PID, then work for 4 s."""
    folder = run_dir / job.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "worker.pid").write_text(str(os.getpid()))
    time.sleep(4)
    return replace(report.JobResult.pending(job), status="ok")


_PARENT = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import test_faults
from kamlib import report
from kamlib.report import workers
jobs = [(0, report.Job(Path("nap.ipynb"), "en", {{}}, folder="0-nap"))]
workers.run_on_workers(jobs, Path({run!r}), print, workers=1, warm=False, target=test_faults.nap)
"""


def test_workers_end_quietly_when_their_parent_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", _PARENT.format(tests=str(Path(__file__).parent), run=str(tmp_path))],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid_file = tmp_path / "0-nap" / "worker.pid"
    deadline = time.monotonic() + 60
    while not pid_file.is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    worker = int(pid_file.read_text())
    parent.kill()  # the parent alone: its worker is left running a job
    _, stderr = parent.communicate(timeout=30)  # the pipe closes when the worker has ended too
    assert not psutil.pid_exists(worker) or psutil.Process(worker).status() == psutil.STATUS_ZOMBIE
    _no_traceback(stderr)


# ================================================================ --out that cannot be made
def test_out_below_a_file_cannot_start(tmp_path):
    (tmp_path / "some_file").write_text("x")
    target = tmp_path / "some_file" / "reports"
    proc = subprocess.run([*KAM, "report", "--only", "00", "--out", str(target)], check=False, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: --out {target}: ")
    assert f"{tmp_path / 'some_file'} is a file" in proc.stderr and "--out" in proc.stderr.split(":", 2)[2]


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str]:
    """Run ``kam *args`` in this process as the ``kam`` command does; its exit status and stderr."""
    monkeypatch.setattr(sys, "argv", ["kam", *args])
    with pytest.raises(SystemExit) as exit_:
        cli.run()
    return exit_.value.code, capsys.readouterr().err


def test_out_that_cannot_be_created_cannot_start(tmp_path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    original = Path.mkdir

    def mkdir(self: Path, *args, **kwargs):  # as for a user without write permission (tests may run as root)
        if self == locked or locked in self.parents:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    code, err = _cli(monkeypatch, capsys, "report", "--only", "00", "--out", str(locked / "reports"))
    assert code == 2, err
    assert err.startswith(f"error: --out {locked / 'reports'}: cannot create the run folder (Permission denied")
    assert "Traceback" not in err and "folder you can write to" in err


# ================================================================ kam sample: a failing write
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_sample_on_a_full_disk_leaves_no_truncated_file(tmp_path, monkeypatch, capsys, fmt):
    import pyarrow.parquet as pq

    def full(write):
        def writer(self_or_table, path, *args, **kwargs):
            if Path(path).name.startswith((".orders.", "orders.")):
                Path(path).write_bytes(b"account_id,order_date,revenue\nA1,2024-01-")  # part of it, then no space
                raise OSError(errno.ENOSPC, "No space left on device")
            return write(self_or_table, path, *args, **kwargs)
        return writer

    monkeypatch.setattr(pd.DataFrame, "to_csv", full(pd.DataFrame.to_csv))
    monkeypatch.setattr(pq, "write_table", full(pq.write_table))
    out = tmp_path / "sample"
    code, err = _cli(monkeypatch, capsys, "sample", "--accounts", "20", "--format", fmt, "--out", str(out))
    assert code == 2, err
    assert err.startswith(f"error: could not write {out / f'orders.{fmt}'}: No space left on device")
    assert "Traceback" not in err
    assert not (out / f"orders.{fmt}").exists()
    assert sorted(p.name for p in out.iterdir()) == [f"accounts.{fmt}"]  # written before, complete


# ================================================================ one bad job, not the batch
def _link_out(job: report.Job, run_dir: Path, _kernel: object) -> report.JobResult:
    """A stand-in for execute_job whose job leaves a link to a file outside the run folder, then fails."""
    folder = run_dir / job.name
    folder.mkdir(parents=True, exist_ok=True)
    if job.parameters["act"] == "link":
        outside = run_dir.parent / "outside.txt"
        outside.write_text("x")
        (folder / "outside.txt").symlink_to(outside)
        raise ValueError("not a result")
    return replace(report.JobResult.pending(job), status="ok")


def test_a_job_whose_files_cannot_be_listed_fails_alone(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    todo = [(i, report.Job(Path(f"{act}.ipynb"), "en", {"act": act}, folder=f"{i}-{act}"))
            for i, act in enumerate(["link", "ok", "ok"])]
    results: dict[int, report.JobResult] = {}
    workers.run_on_workers(todo, run_dir, results.__setitem__, workers=1, warm=False, target=_link_out)
    assert [results[i].status for i in range(3)] == ["failed", "ok", "ok"]
    assert results[0].error == "worker failed: ValueError: not a result" and results[0].files == []


def test_execute_job_fails_alone_when_its_folder_cannot_be_made_or_listed(tmp_path, monkeypatch):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "taken").write_text("a file where the job's folder would go")
    result = runner.execute_job(report.Job(OVERVIEW, "en", {}, folder="taken"), run_dir)
    assert result.status == "failed" and "cannot create the job's folder taken" in result.error
    assert result.folder == "taken" and result.started and result.ended

    result = runner.execute_job(report.Job(OVERVIEW, "en", {}, folder="x" * 300), run_dir)
    assert result.status == "failed" and "File name too long" in result.error

    def unlistable(run: Path, folder: Path) -> list[str]:
        raise RuntimeError("the folder changed while it was listed")

    monkeypatch.setattr(workers, "job_files", unlistable)
    result = runner.execute_job(report.Job(tmp_path / "missing.ipynb", "en", {}, folder="m-en"), run_dir)
    assert result.status == "failed" and result.files == []
    assert result.error.startswith("FileNotFoundError")  # the job's own error


class Unnameable(report.Job):
    """A job whose folder name cannot be made (as for a value no file system takes)."""

    @property
    def name(self) -> str:
        raise ReportError(f"{self.title}: no folder name can be made for it")


def test_execute_job_fails_alone_when_its_folder_cannot_be_named(tmp_path):
    result = runner.execute_job(Unnameable(OVERVIEW, "en", {"x": 1}, fanout={"region": "east"}, timeout=5), tmp_path)
    assert result.status == "failed" and result.folder == "" and result.timeout == 5
    assert result.error == "00_data_overview (en, region=east): no folder name can be made for it"
    assert result.parameters == {"x": 1} and result.fanout == {"region": "east"}
    assert list(tmp_path.iterdir()) == []


def test_a_job_whose_folder_cannot_be_named_does_not_stop_the_run(tmp_path):
    planned = [Unnameable(OVERVIEW, "en", {}, fanout={"region": "east"}),
               report.Job(tmp_path / "missing.ipynb", "en", {}, fanout={"region": "east"})]  # fails fast, no kernel
    result = runner.run_jobs(planned, out=tmp_path / "reports", workers=1, fresh_kernels=True)
    first, second = result.jobs
    assert first.status == "failed" and first.error.endswith("no folder name can be made for it")
    assert second.status == "failed" and second.folder == "missing-en-east" and second.attempts == 2
    manifest = _manifest(result.run_dir)
    assert [j["status"] for j in manifest["jobs"]] == ["failed", "failed"] and manifest["status"] == "failed"


@pytest.mark.slow
def test_jobs_whose_folders_vanish_or_cannot_be_listed_fail_alone(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    linking = _copy(tmp_path, "93_link.ipynb", f"import os\nos.symlink({str(outside)!r}, 'outside.txt')")
    vanishing = _copy(tmp_path, "92_vanish.ipynb", "import shutil\nshutil.rmtree(output_dir)")
    planned = report.plan(report.find_notebooks(["00", str(linking), str(vanishing)]), lang="en")
    planned.append(report.Job(OVERVIEW, "en", {"data": None, "lang": "en"}, folder="x" * 300))
    result = runner.run_jobs(planned, out=tmp_path / "reports", workers=2)
    jobs = {j.notebook if j.folder != "x" * 300 else "long": j for j in result.jobs}
    assert jobs["00_data_overview"].status == "ok"
    assert jobs["93_link"].status in ("ok", "failed") and jobs["93_link"].ended  # recorded, whatever it left
    assert jobs["92_vanish"].status == "failed"
    assert jobs["long"].status == "failed" and "File name too long" in jobs["long"].error
    assert _manifest(result.run_dir)["status"] == "failed"
