"""Tests of report batches: ``kam report --config``, parallel and Dask runs, failures,
retries, timeouts, secrets and folder names.

Notebook runs use 00_data_overview (a few seconds) or small copies of it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from click.testing import CliRunner

from kamlib import report
from kamlib.cli import main
from kamlib.errors import ReportError
from kamlib.report import config as batch
from kamlib.report import kernels, runner
from kamlib.report.jobs import assign_folders

ROOT = report.NOTEBOOKS_DIR.parent
SAMPLE_CONFIG = ROOT / "data" / "sample_config" / "batch.yml"
OVERVIEW = report.NOTEBOOKS_DIR / "00_data_overview.ipynb"
JOB_FIELDS = {"notebook", "lang", "status", "seconds", "files", "error", "parameters", "fanout", "folder",
              "source", "started", "ended", "attempts", "timeout", "cell_timeout", "problems"}


def _config(tmp_path: Path, **content) -> Path:
    path = tmp_path / "batch.yml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def _copy(tmp_path: Path, name: str, *, parameters: str = "", cells: tuple[str, ...] = ()) -> Path:
    """A copy of 00_data_overview with extra parameters and extra closing cells."""
    nb = nbformat.read(OVERVIEW, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source += "\n" + parameters
    nb.cells += [nbformat.v4.new_code_cell(code) for code in cells]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _invoke(*args: str):
    return CliRunner().invoke(main, ["report", *args], catch_exceptions=False)


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def _only_run(out: Path) -> Path:
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


# ====================================================================== fast: plan
def test_the_sample_config_plans_every_notebook_per_region_and_language():
    jobs, shared = batch.plan_batch(batch.load_config(SAMPLE_CONFIG))
    assign_folders(jobs)
    regions = ["central", "east", "north", "south", "west"]
    assert shared == {"data": None, "lang": "all"}
    assert len(jobs) == 2 + 3 * 2 * len(regions)  # 00 in two languages; 01, 03 and 04 per region too
    names = [job.name for job in jobs]
    assert names[:3] == ["00_data_overview-en", "00_data_overview-zh", "01_environment_analysis-en-central"]
    assert len(set(names)) == len(names)
    env = [job for job in jobs if job.notebook.stem == "01_environment_analysis"]
    assert [job.parameters["region"] for job in env[::2]] == regions
    assert env[0].fanout == {"region": "central"} and env[0].timeout == 1800 and env[0].cell_timeout == 600
    assert jobs[2].title == "01_environment_analysis (en, region=central)"


def test_cli_options_override_the_config(tmp_path):
    path = _config(tmp_path, lang="all", timeout=100, parameters={"period_end": "2025-06-30"},
                   notebooks=[{"notebook": "00"}, {"notebook": "04", "for_each": "region", "values": ["east"],
                                                   "parameters": {"rep_id": "R1"}}])
    jobs, shared = batch.plan_batch(batch.load_config(path), lang="zh", parameters={"rep_id": "R2"}, timeout=5)
    assert [(j.notebook.stem, j.lang) for j in jobs] == [("00_data_overview", "zh"), ("04_win_loss_analysis", "zh")]
    assert jobs[0].parameters == {"data": None, "lang": "zh"}  # period_end only where declared
    assert jobs[1].parameters["rep_id"] == "R2" and jobs[1].parameters["period_end"] == "2025-06-30"
    assert {j.timeout for j in jobs} == {5}
    assert report.period_of(shared) == "2025-06-30"
    only, _ = batch.plan_batch(batch.load_config(path), only=["04"])
    assert {j.notebook.stem for j in only} == {"04_win_loss_analysis"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"notebooks": [{"notebook": "04", "parameters": {"regoin": "east"}}]},
         r"04_win_loss_analysis.ipynb: unknown parameter 'regoin' \(the notebook's parameters are: data, lang"),
        ({"notebooks": [{"notebook": "01", "parameters": {"year": "last"}}]},
         r"parameter 'year' expects int \| None, but 'last' was passed"),
        ({"parameters": {"as_of": "2025-06-30"}, "notebooks": ["00"]},
         r"parameter 'as_of': no notebook in the batch declares it"),
        ({"notebooks": [{"notebook": "04", "for_each": "colour"}]},
         r"04_win_loss_analysis.ipynb: unknown parameter 'colour'"),
        ({"notebooks": [{"notebook": "00", "for_each": "lang", "values": "en"}]},
         r"notebooks\[0\]: 'values' must be a list"),
        ({"notebooks": [{"notebok": "00"}]}, r"notebooks\[0\]: unknown key 'notebok' \(allowed: notebook, name"),
        ({"notebook": ["00"]}, r"batch.yml: unknown key 'notebook'"),
        ({"notebooks": [{"notebook": "00", "parameters": {"output_dir": "x"}}]}, r"'output_dir' is set by the report runner"),
    ],
)
def test_config_errors_are_found_before_anything_runs(tmp_path, content, message):
    with pytest.raises(ReportError, match=message):
        batch.plan_batch(batch.load_config(_config(tmp_path, **content)))


def test_for_each_needs_a_column_of_the_data(tmp_path):
    path = _config(tmp_path, notebooks=[{"notebook": "04", "for_each": "group_by"}])
    with pytest.raises(ReportError, match=r"for_each: group_by: no table in the data has a column 'group_by' \(tables: accounts"):
        batch.plan_batch(batch.load_config(path))


def test_a_bad_config_exits_2_and_writes_nothing(tmp_path):
    """Through the real entry point: exit status 2, one clean line, no run folder."""
    path = _config(tmp_path, notebooks=[{"notebook": "01", "parameters": {"year": "last"}}])
    out = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-c", "from kamlib.cli import run; run()", "report", "--config", str(path), "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "error: 01_environment_analysis.ipynb: parameter 'year' expects int | None" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_fan_out_values_cannot_leave_the_run_folder():
    jobs = [report.Job(OVERVIEW, "zh", {}, fanout={"region": v}) for v in ("../../evil", "/etc/passwd", "华东", "..")]
    assert [j.name for j in jobs] == ["00_data_overview-zh-evil", "00_data_overview-zh-etc_passwd",
                                      "00_data_overview-zh-华东", "00_data_overview-zh-_"]
    same = [report.Job(OVERVIEW, "en", {}, fanout={"region": v}) for v in ("a/b", "a.b")]
    assign_folders(same)
    assert [j.name for j in same] == ["00_data_overview-en-a_b", "00_data_overview-en-a_b-2"]


def test_env_references_are_checked_up_front(monkeypatch):
    monkeypatch.delenv("KAM_UNSET_VARIABLE", raising=False)
    with pytest.raises(ReportError, match="env:KAM_UNSET_VARIABLE: the environment variable KAM_UNSET_VARIABLE is not set"):
        report.plan([OVERVIEW], data="env:KAM_UNSET_VARIABLE")


def test_a_kernel_that_does_not_start_is_tried_twice(tmp_path, monkeypatch):
    monkeypatch.setattr(kernels, "KERNEL_NAME", "no-such-kernel")
    (job,) = report.plan([OVERVIEW])
    job.folder = job.name
    result = runner.execute_job(job, tmp_path)
    assert result.status == "failed" and result.attempts == 2
    assert "no-such-kernel" in result.error


# ===================================================================== slow: runs
@pytest.mark.slow
def test_the_sample_config_writes_every_file(tmp_path):
    out = tmp_path / "reports"
    result = _invoke("--config", str(SAMPLE_CONFIG), "--only", "00", "--out", str(out))
    assert result.exit_code == 0, result.output
    run_dir = _only_run(out)
    assert "2 reports: 2 ok, 0 failed" in result.output
    manifest = _manifest(run_dir)
    assert manifest["status"] == "ok" and manifest["config"] == str(SAMPLE_CONFIG)
    assert {"python", "kamlib", "pandas", "duckdb", "papermill", "nbconvert", "matplotlib"} <= set(manifest["versions"])
    assert manifest["workers"] == os.cpu_count() and manifest["scheduler"] is None
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    for job in manifest["jobs"]:
        assert set(job) == JOB_FIELDS
        assert job["status"] == "ok" and job["attempts"] == 1 and job["error"] is None
        assert job["started"] <= job["ended"] and job["seconds"] > 0
        assert job["timeout"] == 1800 and job["cell_timeout"] == 600
        folder = run_dir / job["folder"]
        for name in ("00_data_overview.ipynb", "00_data_overview.html", f"{job['folder']}.xlsx",
                     "tables/tables.csv", "tables/revenue_by_region.csv"):
            assert (folder / name).is_file(), name
            assert f"{job['folder']}/{name}" in job["files"]
        assert f'href="{job["folder"]}/00_data_overview.html"' in index
    assert "Report run / 报告运行" in index


@pytest.mark.slow
def test_a_failed_job_is_recorded_and_retried_alone(tmp_path):
    marker = tmp_path / "fixed"
    broken = _copy(tmp_path, "98_flaky.ipynb",
                   cells=((f"import pathlib\nif not pathlib.Path({str(marker)!r}).exists():\n"
                          "    raise RuntimeError('deliberate failure')"),))
    path = _config(tmp_path, lang="en", notebooks=["00", str(broken)])
    out = tmp_path / "reports"
    first = _invoke("--config", str(path), "--out", str(out), "--jobs", "2")
    assert first.exit_code == 1, first.output
    assert "2 reports: 1 ok, 1 failed" in first.output and "(failed: 98_flaky (en))" in first.output
    run_dir = _only_run(out)
    jobs = {j["notebook"]: j for j in _manifest(run_dir)["jobs"]}
    assert jobs["98_flaky"]["status"] == "failed"
    assert jobs["98_flaky"]["error"].startswith("RuntimeError: deliberate failure")
    assert (run_dir / "98_flaky-en" / "98_flaky.ipynb").is_file()  # the partial notebook is kept
    assert 'class="failed"' in (run_dir / "index.html").read_text(encoding="utf-8")
    kept = (run_dir / "00_data_overview-en" / "tables" / "tables.csv").stat().st_mtime_ns

    marker.touch()
    again = _invoke("--retry-failed", str(run_dir))
    assert again.exit_code == 0, again.output
    assert re.search(r"\[1/1\] 98_flaky \(en\) \.\.\. ok", again.stderr)
    assert "2 reports: 2 ok, 0 failed" in again.output
    manifest = _manifest(run_dir)
    assert manifest["status"] == "ok" and len(manifest["retried"]) == 1
    assert [j["status"] for j in manifest["jobs"]] == ["ok", "ok"]
    assert (run_dir / "00_data_overview-en" / "tables" / "tables.csv").stat().st_mtime_ns == kept
    assert [p.name for p in out.iterdir()] == [run_dir.name]  # no new run folder


@pytest.mark.slow
def test_a_job_past_its_time_limit_fails_and_the_others_go_on(tmp_path):
    slow = _copy(tmp_path, "97_slow.ipynb", cells=("import time\ntime.sleep(120)",))
    out = tmp_path / "reports"
    # 20 s: ample for the data overview (about 4 s) on a busy machine, far below the 120 s sleep
    result = _invoke("--only", "00", "--only", str(slow), "--timeout", "20", "--jobs", "2", "--out", str(out))
    assert result.exit_code == 1, result.output
    jobs = {j["notebook"]: j for j in _manifest(_only_run(out))["jobs"]}
    assert jobs["00_data_overview"]["status"] == "ok"
    assert jobs["97_slow"]["error"] == "Timeout: the job ran longer than its limit of 20 s"
    assert jobs["97_slow"]["seconds"] < 45
    # The notebook as far as it ran is kept, and does not claim the cell that timed out completed.
    partial = nbformat.read(_only_run(out) / jobs["97_slow"]["folder"] / "97_slow.ipynb", as_version=4)
    states = [c.metadata.papermill.status for c in partial.cells if c.cell_type == "code"]
    assert states[-1] == "failed" and states[-2] == "completed" and partial.metadata.papermill.exception
    assert any(o.get("data", {}).get("text/html") for c in partial.cells if c.cell_type == "code" for o in c.outputs)
    assert not list(_only_run(out).rglob("*.running.ipynb"))


def _wait_for_first_ok(out: Path, process: subprocess.Popen, limit: float = 180) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        manifests = list(out.glob("*/manifest.json"))
        if manifests and any(j["status"] == "ok" for j in _manifest(manifests[0].parent)["jobs"]):
            return
        time.sleep(0.2)
    raise AssertionError(f"no job finished within {limit} s: {process.communicate(timeout=5)}")


def _gone(pid: int, limit: float = 15) -> bool:
    deadline = time.monotonic() + limit
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return not Path(f"/proc/{pid}").exists()


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_the_run_and_the_manifest_says_what_finished(tmp_path, workers):
    napping = _copy(tmp_path, "95_nap.ipynb", parameters="nap: float = 0  # seconds\n",
                    cells=("import os, time\nprint('kernel', os.getpid())\ntime.sleep(nap)",))
    config = _config(tmp_path, lang="en", notebooks=[{"notebook": str(napping), "for_each": "nap",
                                                      "values": [0, 300, 300, 300]}])
    out = tmp_path / "reports"
    process = subprocess.Popen(
        [sys.executable, "-c", "from kamlib.cli import run; run()", "report", "--config", str(config),
         "--out", str(out), "--jobs", workers],
        start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_first_ok(out, process)
    time.sleep(3)  # the next jobs are asleep in their kernels
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted: 1 of 4 jobs finished" in stderr
    run_dir = _only_run(out)
    manifest = _manifest(run_dir)
    assert manifest["status"] == "interrupted"
    assert [j["status"] for j in manifest["jobs"]] == ["ok", "interrupted", "interrupted", "interrupted"]
    assert "interrupted" in (run_dir / "index.html").read_text(encoding="utf-8").lower()
    executed = nbformat.read(run_dir / manifest["jobs"][0]["folder"] / "95_nap.ipynb", as_version=4)
    kernel = int(re.search(r"kernel (\d+)", str(executed.cells[-1].outputs)).group(1))
    assert _gone(kernel), "the kernel outlived the run"


@pytest.mark.slow
def test_an_env_secret_reaches_no_file(tmp_path, monkeypatch):
    import shutil

    secret = "s3cr3t-7f1c9a"
    folder = tmp_path / f"crm-{secret}"
    shutil.copytree(ROOT / "data" / "sample", folder)
    monkeypatch.setenv("KAM_TEST_SECRET", str(folder))
    out = tmp_path / "reports"
    result = _invoke("--only", "00", "--lang", "all", "--param", "data=env:KAM_TEST_SECRET", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert secret not in result.output + result.stderr
    run_dir = _only_run(out)
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        assert secret.encode() not in path.read_bytes(), path
    manifest = _manifest(run_dir)
    assert manifest["parameters"]["data"] == "env:KAM_TEST_SECRET"
    # The data really came from the secret folder (the sample's source would say so).
    html = (run_dir / "00_data_overview-en" / "00_data_overview.html").read_text(encoding="utf-8")
    assert "embedded sample" not in html and "env:KAM_TEST_SECRET" in html


@pytest.mark.slow
def test_fan_out_folders_stay_inside_the_run_folder(tmp_path):
    notebook = _copy(tmp_path, "96_regional.ipynb", parameters='region: str | None = None  # 区域 / region\n')
    path = _config(tmp_path, lang="en", notebooks=[{"notebook": str(notebook), "for_each": "region",
                                                    "values": ["../../evil", "/etc/passwd", "华东"]}])
    out = tmp_path / "reports"
    result = _invoke("--config", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    run_dir = _only_run(out)
    assert sorted(p.name for p in run_dir.iterdir() if p.is_dir()) == [
        "96_regional-en-etc_passwd", "96_regional-en-evil", "96_regional-en-华东"]
    assert [p.name for p in out.iterdir()] == [run_dir.name] and not (tmp_path / "evil").exists()
    fanouts = [j["fanout"]["region"] for j in _manifest(run_dir)["jobs"]]
    assert fanouts == ["../../evil", "/etc/passwd", "华东"]  # the values themselves are kept
    assert "96_regional (en, region=华东) ... ok" in result.stderr


def _comparable(run_dir: Path) -> list:
    jobs = _manifest(run_dir)["jobs"]
    tables = {f: (run_dir / f).read_bytes() for j in jobs for f in j["files"] if f.endswith(".csv")}
    return [[(j["folder"], j["status"], j["files"]) for j in jobs], tables]


@pytest.mark.slow
def test_parallel_and_dask_runs_give_the_same_results_as_sequential(tmp_path):
    from distributed import LocalCluster

    runs = {}
    for jobs in ("1", "2"):
        result = _invoke("--only", "00", "--lang", "all", "--jobs", jobs, "--out", str(tmp_path / jobs))
        assert result.exit_code == 0, result.output
        runs[jobs] = _only_run(tmp_path / jobs)
    with LocalCluster(n_workers=2, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        result = _invoke("--only", "00", "--lang", "all", "--scheduler", cluster.scheduler_address,
                         "--out", str(tmp_path / "dask"))
    assert result.exit_code == 0, result.output
    runs["dask"] = _only_run(tmp_path / "dask")
    assert _manifest(runs["dask"])["scheduler"].startswith("tcp://127.0.0.1:")
    assert "distributed" in _manifest(runs["dask"])["versions"]
    assert _comparable(runs["1"]) == _comparable(runs["2"]) == _comparable(runs["dask"])


def test_an_unreachable_scheduler_is_a_setup_error(tmp_path):
    with pytest.raises(ReportError, match="--scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler"):
        report.run(["00"], out=tmp_path / "reports", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "reports").exists()


# ============================================== fan-out names: bounded in bytes, per-job failures
NASTY = ["𠀀" * 60, "../../etc", "", "a" * 70 + "1", "a" * 70 + "2", "East", "east"]


def test_job_folder_names_are_bounded_in_bytes_and_unique():
    jobs = [report.Job(OVERVIEW, lang, {}, fanout={"region": v}, label="key_regions" * 10)
            for v in NASTY for lang in ("en", "zh")]
    jobs.append(report.Job(OVERVIEW, "zh", {}, fanout={"a": "𠀀" * 60, "b": "华" * 80, "c": "x" * 99}))
    assign_folders(jobs)
    names = [job.name for job in jobs]
    assert max(len(name.encode("utf-8")) for name in names) <= 160  # a -N suffix included, far below 255
    assert len({name.casefold() for name in names}) == len(names)  # one folder each, also on macOS / Windows
    assert all("/" not in name and not name.startswith(".") for name in names)
    assert report.safe_name("𠀀" * 60) == "𠀀" * 15 and len(report.safe_name("华东" * 40).encode("utf-8")) <= 60


def test_a_fan_out_value_shaped_like_a_url_never_shows_its_password():
    job = report.Job(OVERVIEW, "en", {}, fanout={"source": "postgresql://kam:hunter2@db/crm"})
    assert "hunter2" not in job.name + job.title + json.dumps(report.JobResult.pending(job).fanout)
    assert job.name == "00_data_overview-en-postgresql_kam_db_crm"


def test_a_job_whose_folder_cannot_be_made_fails_alone(tmp_path):
    for folder, reason in (("x" * 300, "File name too long"), ("../outside", "leaves the run folder")):
        job = report.Job(OVERVIEW, "en", {"data": None, "lang": "en"}, folder=folder)
        result = runner.execute_job(job, tmp_path)
        assert result.status == "failed" and reason in result.error and result.ended, result.error
    (tmp_path / "00_data_overview-en").write_text("a file in the way")
    (job,) = report.plan([OVERVIEW])
    result = runner.execute_job(job, tmp_path)
    assert result.status == "failed" and "cannot create the job's folder 00_data_overview-en" in result.error


@pytest.mark.slow
def test_a_fan_out_over_awkward_values_writes_every_report(tmp_path):
    notebook = _copy(tmp_path, "96_regional.ipynb", parameters='region: str | None = None  # 区域 / region\n')
    path = _config(tmp_path, lang="all", notebooks=[{"notebook": str(notebook), "for_each": "region", "name": "key",
                                                     "values": NASTY}])
    out = tmp_path / "reports"
    result = _invoke("--config", str(path), "--out", str(out), "--jobs", "2")
    assert result.exit_code == 0, result.output
    run_dir = _only_run(out)
    manifest = _manifest(run_dir)
    assert manifest["status"] == "ok" and len(manifest["jobs"]) == 2 * len(NASTY)
    assert [j["fanout"]["region"] for j in manifest["jobs"][::2]] == ["𠀀" * 60, "../../etc", None, *NASTY[3:]]
    folders = [j["folder"] for j in manifest["jobs"]]
    assert len(set(folders)) == len(folders)
    assert sorted(p.name for p in run_dir.iterdir() if p.is_dir()) == sorted(folders)
    assert all(len(f.encode("utf-8")) < 200 for f in folders)
    for job in manifest["jobs"]:
        assert job["status"] == "ok" and f"{job['folder']}/96_regional.html" in job["files"]
        assert (run_dir / job["folder"] / "96_regional.html").is_file()
    assert [p.name for p in out.iterdir()] == [run_dir.name] and not (tmp_path / "etc").exists()


@pytest.mark.slow
def test_a_folder_that_cannot_be_made_fails_only_its_job(tmp_path):
    good, long, outside = (report.Job(OVERVIEW, "en", {"data": None, "lang": "en"}) for _ in range(3))
    long.folder, outside.folder = "x" * 300, "../outside"
    result = report.run_jobs([long, good, outside], out=tmp_path / "reports", workers=1)
    assert [job.status for job in result.jobs] == ["failed", "ok", "failed"]
    manifest = _manifest(result.run_dir)
    assert manifest["status"] == "failed" and [j["status"] for j in manifest["jobs"]] == ["failed", "ok", "failed"]
    assert "File name too long" in manifest["jobs"][0]["error"]
    assert "leaves the run folder" in manifest["jobs"][2]["error"]
    assert not (tmp_path / "reports" / "outside").exists()
