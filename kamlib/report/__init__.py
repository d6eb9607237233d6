"""Reports: run the analysis notebooks with papermill and publish them as HTML.

One run writes one new folder, never touching earlier runs::

    reports/20261122-173000/
        index.html                      links to every report, with its headline findings, status and duration
        manifest.json                   jobs, parameters (secrets masked), timings, versions
        00_data_overview-en/
            00_data_overview.ipynb      the executed notebook (outputs kept)
            00_data_overview.html       the same without code: what a reader gets
            00_data_overview-en.xlsx    the report's workbook: contents and parameters, a sheet per table
            tables/revenue_by_region.csv ...  the same tables as CSV (UTF-8 with BOM)

The runner is a chain of small layers, each importing only the ones below it:

- :mod:`~kamlib.report.jobs` — the job model (:class:`Job`, :class:`JobResult`, :class:`RunResult`);
- :mod:`~kamlib.report.secrets` — ``env:NAME`` parameters and scrubbing secrets from outputs;
- :mod:`~kamlib.report.parameters` — :func:`find_notebooks`, parameter checks and :func:`plan`;
- :mod:`~kamlib.report.config` — batch configs (notebooks × parameter sets, in YAML);
- :mod:`~kamlib.report.folders` — run folders and the files a job left;
- :mod:`~kamlib.report.publish` — HTML pages, ``manifest.json`` and ``index.html``;
- :mod:`~kamlib.report.kernels`, :mod:`~kamlib.report.engine`, :mod:`~kamlib.report.workers`
  — warm kernels, papermill's engine, worker processes;
- :mod:`~kamlib.report.runner` — :func:`run`, :func:`run_jobs`, :func:`retry_failed`.

Notebooks do not use this package: they show and save tables with :mod:`kamlib.tables`.
"""

from kamlib.report.config import load_config, plan_batch
from kamlib.report.folders import job_files, new_run_dir, period_of
from kamlib.report.jobs import Job, JobResult, RunResult, safe_name
from kamlib.report.parameters import (
    NOTEBOOKS_DIR,
    find_notebooks,
    notebook_parameters,
    plan,
)
from kamlib.report.publish import render_html, write_index, write_manifest
from kamlib.report.runner import execute_job, retry_failed, run, run_jobs
from kamlib.report.secrets import EnvValue, resolve

__all__ = [
    "NOTEBOOKS_DIR",
    "EnvValue",
    "Job",
    "JobResult",
    "RunResult",
    "execute_job",
    "find_notebooks",
    "job_files",
    "load_config",
    "new_run_dir",
    "notebook_parameters",
    "period_of",
    "plan",
    "plan_batch",
    "render_html",
    "resolve",
    "retry_failed",
    "run",
    "run_jobs",
    "safe_name",
    "write_index",
    "write_manifest",
]
