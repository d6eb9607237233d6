"""Benchmark: one report batch run sequentially with the papermill command line, and with ``kam report``.

The batch: every analysis notebook that takes a ``region`` parameter × 4 regions
(east, north, south, west) on the embedded sample, language en. It runs

1. as a plain loop calling ``python -m papermill`` once per job (one process, one
   kernel, one set of imports per job; no HTML);
2. as ``kam report --config <batch>`` (worker processes and their warm kernels reused
   across jobs, jobs in parallel, HTML and manifest included);

and prints both wall times, how many jobs of each failed, their ratio (only when
every job of both runs succeeded: a failed job ends early and would flatter either
side), the fixed cost every papermill job pays
(kernel start, imports, data load, measured from a three-cell probe notebook), and
where a ``kam report`` job's time goes (the notebook's cells, and everything around
them: kernel reset, papermill, HTML).

Usage::

    python bench/report_batch.py            # --jobs = number of cores
    python bench/report_batch.py --jobs 2

Target (issue "Scheduled reports"): kam report ≤ 0.25 × the sequential loop.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

from kamlib import report

REGIONS = ["east", "north", "south", "west"]


def regional_notebooks() -> list[Path]:
    return [nb for nb in report.find_notebooks() if "region" in report.notebook_parameters(nb)]


def sequential(notebooks: list[Path], work: Path) -> tuple[float, list[str]]:
    """Wall time of the papermill loop and the jobs that failed (``<notebook>-<region>``)."""
    failed = []
    start = time.perf_counter()
    for nb in notebooks:
        for region in REGIONS:
            out = work / f"{nb.stem}-{region}"
            out.mkdir(parents=True)
            done = subprocess.run(
                [sys.executable, "-m", "papermill", str(nb), str(out / nb.name), "--no-progress-bar",
                 "-p", "lang", "en", "-p", "region", region, "-p", "output_dir", str(out), "--cwd", str(out)],
                check=False, capture_output=True,
            )
            if done.returncode:
                failed.append(out.name)
    return time.perf_counter() - start, failed


def failed_jobs(run_dir: Path) -> list[str]:
    """The jobs of a ``kam report`` run whose status is not ok."""
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    return [j["folder"] for j in manifest["jobs"] if j["status"] != "ok"]


def batch(notebooks: list[Path], work: Path, jobs: int) -> tuple[float, Path]:
    work.mkdir(parents=True)
    config = work / "batch.yml"
    entries = [{"notebook": str(nb), "for_each": "region", "values": REGIONS} for nb in notebooks]
    config.write_text(yaml.safe_dump({"lang": "en", "notebooks": entries}), encoding="utf-8")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from kamlib.cli import run; run()", "report", "--config", str(config),
                    "--out", str(work / "reports"), "--jobs", str(jobs)], check=False, capture_output=True)
    seconds = time.perf_counter() - start
    (run_dir,) = (work / "reports").iterdir()
    return seconds, run_dir


def job_costs(run_dir: Path) -> dict[str, float]:
    """Mean seconds per job of a ``kam report`` run: in all, in the notebook's cells, and around them
    (kernel reset, papermill, HTML, tables)."""
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    jobs = [j for j in manifest["jobs"] if j["status"] == "ok"]
    cells = []
    for job in jobs:
        nb = nbformat.read(run_dir / job["folder"] / f"{job['notebook']}.ipynb", as_version=4)
        cells.append(sum(c.metadata.get("papermill", {}).get("duration") or 0 for c in nb.cells))
    total = sum(j["seconds"] for j in jobs) / len(jobs)
    return {"job in all": total, "notebook cells": sum(cells) / len(jobs), "around the cells": total - sum(cells) / len(jobs)}


def fixed_costs(work: Path) -> dict[str, float]:
    """Kernel start, imports and data load of one job, from a probe notebook run with papermill."""
    import papermill

    cells = ["pass", "import kamlib as kam\nimport matplotlib.pyplot\nkam.plots.theme('en')", "ds = kam.data.load(None)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    start = time.perf_counter()
    done = papermill.execute_notebook(nb, str(work / "probe.ipynb"), progress_bar=False, kernel_name="python3")
    total = time.perf_counter() - start
    durations = [c.metadata.papermill.duration for c in done.cells]
    return {"kernel start + papermill": total - sum(durations), "imports": durations[1], "data load": durations[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    notebooks = regional_notebooks()
    n = len(notebooks) * len(REGIONS)
    print(f"batch: {', '.join(nb.stem for nb in notebooks)} × {len(REGIONS)} regions = {n} jobs, "
          f"{os.cpu_count()} cores, --jobs {args.jobs}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, cost in fixed_costs(work).items():
            print(f"fixed cost per job: {name:<26} {cost:6.2f} s")
        seq, seq_failed = sequential(notebooks, work / "seq")
        print(f"sequential papermill CLI loop: {seq:7.1f} s  ({seq / n:.1f} s per job), "
              f"{len(seq_failed)} of {n} jobs failed{': ' + ', '.join(seq_failed) if seq_failed else ''}")
        par, run_dir = batch(notebooks, work / "kam", args.jobs)
        kam_failed = failed_jobs(run_dir)
        print(f"kam report --config:           {par:7.1f} s  ({par / n:.1f} s per job), "
              f"{len(kam_failed)} of {n} jobs failed{': ' + ', '.join(kam_failed) if kam_failed else ''}")
        if len(kam_failed) < n:
            for name, cost in job_costs(run_dir).items():
                print(f"kam report per job (mean of ok jobs): {name:<20} {cost:6.2f} s")
    if seq_failed or kam_failed:
        print(f"no ratio: {len(seq_failed)} sequential and {len(kam_failed)} kam report jobs failed, "
              "so the two runs did not do the same work")
        sys.exit(1)
    print(f"ratio kam report / sequential: {par / seq:.2f}  (target ≤ 0.25)")


if __name__ == "__main__":
    main()
