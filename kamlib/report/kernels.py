"""Kernels for report jobs: isolated, and warm when a worker runs several jobs.

Every kernel gets its own connection file and IPC sockets in a private temporary
folder (``transport="ipc"``), so kernels started in parallel never share a file or a
port and nothing is reachable over the network; shutting one down waits at most
:data:`SHUTDOWN_WAIT` seconds before the process is killed.

Starting a kernel and importing pandas, matplotlib and kamlib into it costs a few
seconds, every job. A :class:`WarmKernel` pays that once per worker: it starts one
kernel, imports the libraries the notebooks use, and lends the kernel to one job
after another. Before each job the kernel's session is put back to how it was right
after the imports (:func:`reset_session`): empty namespace, execution count 1,
working directory the job's folder, matplotlib settings and figures, warning
filters and environment variables as they were, and bad data that stops the job
recorded in its folder (:func:`kamlib.report.bad_data.record`). A kernel that ran a failing job
(error, timeout, dead kernel) is replaced, and every kernel is replaced after
``max_jobs`` jobs.

Used like this (:func:`kamlib.report.runner.execute_job` does it)::

    with WarmKernel() as kernel:
        manager = kernel.lend(job_folder)    # a kernel manager for papermill (km=)
        ...                                  # execute one notebook on it
        kernel.give_back(healthy=True)
"""

from __future__ import annotations

import os
import queue
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Self

from kamlib.report import bad_data

__all__ = [
    "SHUTDOWN_WAIT", "WARM_IMPORTS", "WarmKernel", "kernel_manager", "reset_session", "skip_iri_grammar",
    "snapshot_session",
]

#: Seconds a kernel may take to shut down before it is killed.
SHUTDOWN_WAIT = 2.0

#: Imported into a warm kernel before its first job: what the notebooks' first cell needs.
WARM_IMPORTS = (
    "IPython.display", "matplotlib.pyplot", "pandas", "duckdb", "seaborn",
    "kamlib.data", "kamlib.plots", "kamlib.tables", "kamlib.overview",
    "kamlib.environment", "kamlib.classify", "kamlib.churn", "kamlib.winloss",
)

KERNEL_NAME = "python3"


def kernel_manager(runtime: Path) -> type:
    """A kernel manager class whose connection file and IPC sockets live in *runtime* only.

    Examples
    --------
    >>> manager = kernel_manager(Path(tempfile.mkdtemp()))(kernel_name="python3")
    >>> manager.transport, Path(manager.connection_file).name
    ('ipc', 'kernel.json')
    """
    from jupyter_client import AsyncKernelManager
    from traitlets import default

    class JobKernelManager(AsyncKernelManager):  # type: ignore[misc, valid-type]
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("connection_file")
        def _default_connection_file(self) -> str:
            return str(runtime / "kernel.json")

        @default("shutdown_wait_time")
        def _default_shutdown_wait_time(self) -> float:
            return SHUTDOWN_WAIT

    return JobKernelManager


def skip_iri_grammar() -> None:
    """Keep jsonschema from building its IRI grammar in this process (about 1 s of ``import nbformat``).

    jsonschema checks the ``iri`` string format only if the optional package
    rfc3987-syntax imports, and builds that package's parser on import; notebook
    validation uses no such format. Called only in processes kamlib owns (the ``kam``
    command and its pool workers), never on import.

    Examples
    --------
    >>> skip_iri_grammar(); "rfc3987_syntax" in sys.modules
    True
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # an import of it fails


# ================================================================ inside the kernel
_BASELINE: dict[str, Any] = {}


def snapshot_session() -> None:
    """Remember this kernel's session state (run inside the kernel after the warm imports)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib_inline.config import InlineBackend

    plt.switch_backend(mpl.get_backend())  # chosen now, not at a job's first figure
    rc = dict(mpl.rcParams.copy())
    rc.pop("backend", None)
    _BASELINE.update(rc=rc, environ=dict(os.environ), filters=list(warnings.filters),
                     formats=sorted(InlineBackend.instance().figure_formats),
                     figure_options=dict(InlineBackend.instance().print_figure_kwargs))


def reset_session(cwd: str) -> None:
    """Put the kernel's session back to the snapshot and move to *cwd* (run inside the kernel).

    Clears the user namespace and history (the next cell is ``In [1]``), closes all
    figures and restores matplotlib's settings and pyplot's draw hook, the inline
    backend's figure formats, options and formatters (dropping the text alternatives
    of :func:`kamlib.plots.inline_figures`), warning filters and environment variables;
    the problems of bad data that stops the job go to *cwd*
    (:func:`kamlib.report.bad_data.record`).

    Examples
    --------
    >>> snapshot_session(); os.environ["KAM_EXAMPLE"] = "x"
    >>> reset_session(os.getcwd()); "KAM_EXAMPLE" in os.environ
    False
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython import get_ipython
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)
        shell.run_line_magic("config", f"InlineBackend.print_figure_kwargs = {_BASELINE['figure_options']!r}")
        shell.run_line_magic("config", f"InlineBackend.figure_formats = {_BASELINE['formats']!r}")
        set_matplotlib_formats(*_BASELINE["formats"])  # plain formatters again, even if the formats did not change
    plt.close("all")
    plt.install_repl_displayhook()  # back, if the job's inline_figures() removed it
    dict.update(mpl.rcParams, _BASELINE["rc"])  # as matplotlib.rc_context restores them
    warnings.filters[:] = _BASELINE["filters"]
    os.environ.clear()
    os.environ.update(_BASELINE["environ"])
    os.chdir(cwd)
    bad_data.record(cwd)


# ================================================================ outside the kernel
class WarmKernel:
    """One kernel, started on first use and lent to one job after another.

    Parameters
    ----------
    max_jobs : int, default 20
        Jobs a kernel runs before it is replaced (bounds what a long batch can leak).
    startup_timeout : float, default 60
        Seconds the kernel may take to start and to finish the warm imports.
    """

    def __init__(self, *, max_jobs: int = 20, startup_timeout: float = 60) -> None:
        self.max_jobs, self.startup_timeout = max_jobs, startup_timeout
        self.manager: Any = None
        self.jobs = 0
        self._runtime: Path | None = None
        self._client: Any = None  # shell channel only: nothing of the jobs' output passes here

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the kernel and import :data:`WARM_IMPORTS` into it (if not running yet).

        Raises
        ------
        RuntimeError
            When the kernel does not start or the imports fail (the kernel is shut down).
        """
        if self.manager is not None:
            return
        from jupyter_client import BlockingKernelClient
        from jupyter_core.utils import run_sync

        self._runtime = Path(tempfile.mkdtemp(prefix="kam-kernel-"))  # private (0700), short for socket paths
        self.manager = kernel_manager(self._runtime)(kernel_name=KERNEL_NAME)
        try:
            run_sync(self.manager.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"])
            self._client = BlockingKernelClient()
            self._client.load_connection_info(self.manager.get_connection_info())
            self._client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
            imports = "\n".join(f"import {name}" for name in WARM_IMPORTS)
            self._run(f"{imports}\nimport kamlib.report.kernels\nkamlib.report.kernels.snapshot_session()")
        except BaseException:
            self.close()
            raise
        self.jobs = 0

    def lend(self, cwd: Path) -> Any:
        """The kernel's manager, its session reset for a job that runs in *cwd*."""
        self.start()
        self._run(f"import kamlib.report.kernels\nkamlib.report.kernels.reset_session({str(cwd)!r})")
        return self.manager

    def give_back(self, *, healthy: bool) -> None:
        """End of a job: keep the kernel for the next one, or replace it if the job failed."""
        self.jobs += 1
        if not healthy or self.jobs >= self.max_jobs:
            self.close()

    def close(self) -> None:
        """Shut the kernel down now (nothing in it needs saving) and remove its sockets."""
        from jupyter_core.utils import run_sync

        manager, self.manager = self.manager, None
        if self._client is not None:
            self._client.stop_channels()
            self._client = None
        try:
            if manager is not None and run_sync(manager.is_alive)():
                run_sync(manager.shutdown_kernel)(now=True)
        finally:
            if manager is not None:
                run_sync(manager.cleanup_resources)()
            if self._runtime is not None:
                shutil.rmtree(self._runtime, ignore_errors=True)
                self._runtime = None

    def _run(self, code: str) -> None:
        """Execute *code* silently in the kernel and wait for its reply.

        Raises
        ------
        RuntimeError
            When the code fails, or the kernel dies or does not answer within
            ``startup_timeout`` seconds.
        """
        from jupyter_core.utils import run_sync

        msg_id = self._client.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                reply = self._client.get_shell_msg(timeout=0.5)
            except queue.Empty:
                if time.monotonic() > deadline or not run_sync(self.manager.is_alive)():
                    raise RuntimeError("kernel setup failed: the kernel died or did not answer") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(f"kernel setup failed: {content.get('ename')}: {content.get('evalue')}")
