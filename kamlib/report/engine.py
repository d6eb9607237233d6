"""The papermill engine report jobs run on: papermill's nbclient engine, made cheaper and safer.

Differences from papermill's default engine, and why:

- the notebook is not written to disk after every cell: for a report with a dozen
  figures that rewrite (JSON with images, validated each time) cost a second or two
  of CPU per job. papermill writes the finished notebook once at the end;
- when execution stops with an exception (time limit, dead kernel, Ctrl-C) the
  notebook as far as it ran is written to ``partial``: the cell that was cut short
  marked failed, the cells that never ran pending (papermill would mark them all
  "completed");
- the kernel may be lent (``km=``, a :class:`~kamlib.report.kernels.WarmKernel`'s): the
  engine then leaves it running and only stops its own client (channels and
  heartbeat thread), which papermill's engine would leave behind.

Use it with ``papermill.execute_notebook(..., engine_name=register(),
request_save_on_cell_execute=False, partial=PATH)``.
"""

from __future__ import annotations

import functools
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import (
    NBClientEngine,
    NotebookExecutionManager,
    papermill_engines,
)
from papermill.iorw import write_ipynb
from papermill.utils import remove_args

__all__ = ["NAME", "ReportEngine", "register"]

NAME = "kam-report"


class ReportEngine(NBClientEngine):
    """papermill engine: no per-cell saves, the partial notebook on failure, lent kernels kept."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None, progress_bar: bool = False,
                         log_output: bool = False, autosave_cell_every: int = 30, partial: str | None = None,
                         **kwargs: Any) -> Any:
        nb_man = NotebookExecutionManager(nb, output_path=None, progress_bar=False, log_output=log_output)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        except BaseException:
            _mark_cut_short(nb_man.nb)
            if partial:
                write_ipynb(nb_man.nb, partial)
            raise
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 start_timeout: float = 60, **kwargs: Any) -> Any:
        kwargs = remove_args(["input_path", "timeout", "startup_timeout", "execution_timeout", "stdout_file",
                              "stderr_file"], **kwargs)
        client = PapermillNotebookClient(nb_man, kernel_name=kernel_name, startup_timeout=start_timeout,
                                         log_output=log_output, **kwargs)
        try:
            return client.execute()
        finally:
            if client.kc is not None:  # a lent kernel's client (nbclient stops the clients it owns)
                client.kc.stop_channels()


def _mark_cut_short(nb: Any) -> None:
    """Mark the cell that was running when execution stopped as failed.

    papermill marks a cell completed whatever stopped it, unless it raised an error
    in the kernel: a cell cut short by a time limit would read as completed.
    """
    started = [cell for cell in nb.cells if cell.get("metadata", {}).get("papermill", {}).get("start_time")]
    if started:
        started[-1].metadata.papermill["status"] = NotebookExecutionManager.FAILED
        nb.metadata.papermill["exception"] = True


@functools.cache
def register() -> str:
    """Register :class:`ReportEngine` with papermill (once) and return its name.

    Examples
    --------
    >>> register()
    'kam-report'
    """
    papermill_engines.register(NAME, ReportEngine)
    return NAME
