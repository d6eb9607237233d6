"""Warm kernels: one kernel runs job after job, and no job sees what the one before left."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from kamlib import report
from kamlib.report import runner
from kamlib.report.kernels import WarmKernel

# A job that changes everything a notebook can change in its kernel's session.
LITTER = """
import os, warnings
import matplotlib as mpl, matplotlib.pyplot as plt
left_over = 42
os.environ["KAM_LEFT_OVER"] = "1"
mpl.rcParams["lines.linewidth"] = 9.0
warnings.simplefilter("ignore")
plt.figure()
import kamlib as kam
kam.plots.inline_figures()
plt.uninstall_repl_displayhook()
%config InlineBackend.figure_formats = ["svg"]
kam.plots.inline_figures(retina=False, lang="zh")  # png again, as at the start, with text alternatives
os.chdir("/")
"""

# A job that reports what it finds, one line per check.
INSPECT = """
import os, warnings
import matplotlib as mpl, matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib_inline.config import InlineBackend
png = get_ipython().display_formatter.formatters["image/png"].lookup_by_type(Figure)
print("left_over" in globals(), "KAM_LEFT_OVER" in os.environ, mpl.rcParams["lines.linewidth"],
      len(warnings.filters), plt.get_fignums(), sorted(InlineBackend.instance().figure_formats),
      sorted(InlineBackend.instance().print_figure_kwargs), plt._REPL_DISPLAYHOOK.name, hasattr(png, "__wrapped__"),
      os.getcwd() == output_dir, os.getpid())
"""


def _notebook(tmp_path: Path, name: str, code: str) -> Path:
    cells = [nbformat.v4.new_code_cell('output_dir = "."', metadata={"tags": ["parameters"]}),
             nbformat.v4.new_code_cell(code)]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _job(notebook: Path, folder: str) -> report.Job:
    return report.Job(notebook=notebook, lang="en", parameters={}, folder=folder)


def _printed(result: report.JobResult, run_dir: Path) -> str:
    nb = nbformat.read(run_dir / result.folder / f"{Path(result.source).stem}.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.slow
def test_a_reused_kernel_starts_every_job_clean(tmp_path):
    litter, inspect = _notebook(tmp_path, "litter.ipynb", LITTER), _notebook(tmp_path, "inspect.ipynb", INSPECT)
    run_dir = tmp_path / "run"
    with WarmKernel() as kernel:
        baseline = runner.execute_job(_job(inspect, "before"), run_dir, kernel)
        dirty = runner.execute_job(_job(litter, "litter"), run_dir, kernel)
        after = runner.execute_job(_job(inspect, "after"), run_dir, kernel)
        assert kernel.jobs == 3
    assert [baseline.status, dirty.status, after.status] == ["ok", "ok", "ok"]
    first, second = _printed(baseline, run_dir).split(), _printed(after, run_dir).split()
    assert second[:2] == ["False", "False"] and second[-2] == "True"  # no variable, no variable left; own folder
    assert second == first[:-2] + ["True", first[-1]]  # same settings as before, and the same kernel process
    nb = nbformat.read(run_dir / "after" / "inspect.ipynb", as_version=4)
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3]  # parameters, injected, code


@pytest.mark.slow
def test_inline_figures_sets_retina_fast_pngs_in_a_kernel(tmp_path):
    code = ("import kamlib as kam\nfrom matplotlib_inline.config import InlineBackend\n"
            "kam.plots.theme('zh')\nkam.plots.inline_figures(lang='zh')\nbackend = InlineBackend.instance()\n"
            "print(sorted(backend.figure_formats), backend.print_figure_kwargs)\n"
            "import matplotlib.pyplot as plt\nfigure = plt.figure(); plt.plot([1, 2])\n"
            "_ = plt.xlabel('月份'), plt.ylabel('销售额')\nprint(plt._REPL_DISPLAYHOOK.name)")
    draws = ("import matplotlib.pyplot as plt\nfigure = plt.figure(); plt.plot([1, 2])\n"
             "figure.canvas.mpl_connect('draw_event', lambda event: print('drawn', event.renderer.dpi))")
    run_dir = tmp_path / "run"
    with WarmKernel() as kernel:
        result = runner.execute_job(_job(_notebook(tmp_path, "inline.ipynb", code + "\n" + draws), "inline"),
                                    run_dir, kernel)
        plain = runner.execute_job(_job(_notebook(tmp_path, "plain.ipynb", draws), "plain"), run_dir, kernel)
    assert _printed(result, run_dir).splitlines() == [
        "['retina'] {'bbox_inches': False, 'pil_kwargs': {'compress_level': 1}}", "NONE", "drawn 200.0"]
    assert _printed(plain, run_dir).splitlines() == ["drawn 100.0"] * 2  # reset: hook back, drawn twice (png)
    html = (run_dir / "inline" / "inline.html").read_text(encoding="utf-8")
    assert html.count("<img") == 2 and html.count('<img alt="销售额（按月份）"') == 1


@pytest.mark.slow
def test_a_failed_job_replaces_the_kernel_and_the_next_job_runs(tmp_path):
    failing = _notebook(tmp_path, "fail.ipynb", "import os\nprint(os.getpid())\nraise ValueError('broken on purpose')")
    inspect = _notebook(tmp_path, "inspect.ipynb", INSPECT)
    run_dir = tmp_path / "run"
    with WarmKernel() as kernel:
        failed = runner.execute_job(_job(failing, "fail"), run_dir, kernel)
        assert kernel.manager is None  # shut down at once, not kept for the next job
        ok = runner.execute_job(_job(inspect, "next"), run_dir, kernel)
    assert failed.status == "failed" and "broken on purpose" in failed.error and failed.attempts == 1
    assert ok.status == "ok"
    assert _printed(failed, run_dir).split()[0] != _printed(ok, run_dir).split()[-1]  # another kernel process


@pytest.mark.slow
def test_a_kernel_is_replaced_after_max_jobs(tmp_path):
    inspect = _notebook(tmp_path, "inspect.ipynb", INSPECT)
    run_dir = tmp_path / "run"
    with WarmKernel(max_jobs=2) as kernel:
        pids = [_printed(runner.execute_job(_job(inspect, f"job{i}"), run_dir, kernel), run_dir).split()[-1]
                for i in range(3)]
    assert pids[0] == pids[1] != pids[2]
    assert kernel.manager is None


@pytest.mark.slow
def test_fresh_kernels_give_every_job_its_own_process(tmp_path):
    inspect = _notebook(tmp_path, "inspect.ipynb", INSPECT)
    jobs = [_job(inspect, f"job{i}") for i in range(2)]
    result = runner.run_jobs(jobs, out=tmp_path / "reports", workers=1, fresh_kernels=True)
    pids = [_printed(job, result.run_dir).split()[-1] for job in result.jobs]
    assert result.ok and pids[0] != pids[1] and str(os.getpid()) not in pids


def test_a_warm_kernel_that_does_not_start_is_tried_twice(tmp_path, monkeypatch):
    from kamlib.report import kernels

    monkeypatch.setattr(kernels, "KERNEL_NAME", "no-such-kernel")
    inspect = _notebook(tmp_path, "inspect.ipynb", INSPECT)
    with WarmKernel() as kernel:
        result = runner.execute_job(_job(inspect, "job"), tmp_path / "run", kernel)
    assert result.status == "failed" and result.attempts == 2 and "no-such-kernel" in result.error
    assert kernel.manager is None


@pytest.mark.slow
def test_setup_code_that_fails_in_the_kernel_is_an_error():
    with WarmKernel() as kernel:
        kernel.start()
        with pytest.raises(RuntimeError, match="kernel setup failed: ValueError: on purpose"):
            kernel._run("raise ValueError('on purpose')")
        kernel._run("x = 1")  # the kernel itself is still usable
