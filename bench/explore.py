"""Benchmark: how long a control change takes to redraw when an analysis notebook is explored.

Runs each analysis notebook (``notebooks/00…04``) on the embedded sample with
``interactive=True`` in an IPython shell with the inline figure backend (figures are drawn
to PNG as in a kernel), then moves every control of every section to new values one at a
time and times the redraw handler (:meth:`kamlib.explore.dashboard.Dashboard.refresh`:
computing the section and every section following from it again, drawing their figures
and tables, swapping them in). The debounce wait is set to zero. Each value is new to the
cache ("new setting"); then the first value is set again ("back to a setting", served
from the cache).

Usage::

    python bench/explore.py
    python bench/explore.py --notebook 02

Prints p50, p95 and the largest redraw per notebook: the wall-clock seconds until the
section whose control moved (or, for a value such as the deals of a period, the first
section computed from it) shows its new version, until every section following from it
does, and the CPU seconds of this process until the first section shows and in all (the
figures to read on a machine busy with other work). Target: a control change on the
sample redraws in under 0.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from kamlib.report import NOTEBOOKS_DIR

#: How many new values each control is moved to.
MOVES = 3


def run_notebook(shell: InteractiveShell, path: Path, output_dir: str) -> Any:
    """Execute *path*'s code cells in *shell* with ``interactive=True``; return its page."""
    shell.user_ns.clear()
    shell.init_user_ns()
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    with capture_output():
        for number, cell in enumerate(cells):
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source += f"\ninteractive = True\noutput_dir = {output_dir!r}"
            result = shell.run_cell(source, store_history=False)
            if not result.success:
                raise RuntimeError(f"{path.name}: cell {number} failed: {result.error_in_exec or result.error_before_exec}")
    return shell.user_ns["page"]


def new_values(control: Any, widget: Any, ns: dict[str, Any]) -> list[Any]:
    """Up to :data:`MOVES` values of *widget* other than its current one."""
    if control.kind == "slider":
        steps = round((widget.max - widget.min) / widget.step)
        values = [widget.min + widget.step * round(steps * f) for f in (0.2, 0.5, 0.8, 0.35)]
    elif control.kind == "choice":
        values = [value for _, value in widget.options]
    elif control.keyword == "month":
        last = pd.Timestamp(ns["kam"].visits.sections.month_of(ns["ds"]))
        values = [(last - pd.DateOffset(months=k)).strftime("%Y-%m") for k in (1, 2, 3)]
    else:
        values = ["2024-01-01", "2024-07-01", "2025-01-01"] if control.keyword == "start" else ["2025-06-30"]
    return [v for v in dict.fromkeys(values) if v != widget.value][:MOVES]


def timed_move(page: Any, widget: Any, value: Any) -> tuple[float, float, float, float]:
    """Seconds of setting *widget* to *value* (its redraw handler runs at once): wall-clock until the
    first section is redrawn, wall-clock until every section following from it is, CPU until the
    first section is redrawn (its output replaced) and CPU in all."""
    shown: list[float] = []

    def note(_change: Any) -> None:
        shown.append(time.process_time())

    outputs = [step.output for step in page.steps if step.output is not None]
    for output in outputs:
        output.observe(note, names="outputs")
    cpu = time.process_time()
    try:
        widget.value = value
    finally:
        for output in outputs:
            output.unobserve(note, names="outputs")
    end = time.process_time()
    return page.first_seconds, page.seconds, (shown[0] if shown else end) - cpu, end - cpu


def time_controls(page: Any, ns: dict[str, Any]) -> dict[str, list[tuple[float, float, float, float]]]:
    """Seconds (:func:`timed_move`) of each redraw for a new setting, and for going back to one already seen."""
    page.delay = 0
    found: dict[str, list[tuple[float, float, float, float]]] = {"new setting": [], "back to a setting": []}
    for step in page.steps:
        for control, widget in step.controls:
            first = widget.value
            for value in new_values(control, widget, ns):
                found["new setting"].append(timed_move(page, widget, value))
            found["back to a setting"].append(timed_move(page, widget, first))
    return found


def percentiles(seconds: list[float]) -> str:
    """p50, p95 and the largest of *seconds*."""
    p95 = statistics.quantiles(seconds, n=20, method="inclusive")[-1] if len(seconds) > 1 else seconds[0]
    return f"p50 {statistics.median(seconds):6.3f}  p95 {p95:6.3f}  max {max(seconds):6.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notebook", default="", help="only notebooks whose name starts with this")
    opts = parser.parse_args()
    shell = InteractiveShell.instance()
    shell.enable_gui = lambda gui=None: None  # a plain shell has no event loop to hook; inline needs none
    shell.enable_matplotlib("inline")
    with tempfile.TemporaryDirectory() as out:
        for path in sorted(NOTEBOOKS_DIR.glob(f"{opts.notebook}*.ipynb")):
            began = time.perf_counter()
            page = run_notebook(shell, path, str(Path(out) / path.stem))
            opened = time.perf_counter() - began
            with capture_output():
                found = time_controls(page, shell.user_ns)
            print(f"{path.stem}: opened in {opened:.1f} s, {sum(len(s.controls) for s in page.steps)} controls")
            for kind, times in found.items():
                first, whole, first_cpu, cpu = (list(column) for column in zip(*times, strict=True))
                print(f"  {kind} (n={len(times)}), seconds:")
                print(f"    first section shown  {percentiles(first)}")
                print(f"    every section shown  {percentiles(whole)}")
                print(f"    CPU, first section   {percentiles(first_cpu)}")
                print(f"    CPU of this process  {percentiles(cpu)}")


if __name__ == "__main__":
    main()
