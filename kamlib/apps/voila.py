"""Serve a folder of notebooks as web apps with Voilà: no code shown, nothing fetched from the internet.

:func:`start_voila` runs Voilà in a child process over a folder of notebooks with the
offline template shipped in ``kamlib/apps/templates`` (Voilà's lab template without
its CDN links), sources stripped, tracebacks hidden, idle kernels culled, and at most
``max_kernels`` kernels at once (:class:`kamlib.apps.kernels.CappedKernelManager`:
the next visitor reads a "full" page in both languages). Every kernel inherits the
environment given (a key folder, a token). JupyterLab's news and update checks are
off (``kamlib/apps/config``). The launcher knows nothing of what the notebooks do:
workshops (:mod:`kamlib.apps.workshops`) and analysis dashboards use it alike.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kamlib import i18n
from kamlib.errors import ConfigError

__all__ = ["READY_PATH", "REFILL_SECONDS", "TEMPLATE", "WARM_READY", "VoilaServer", "check_port", "start_voila",
           "voila_command", "voila_environment", "wait_for_visitor"]

#: The offline template's name (``kamlib/apps/templates/voila/templates/<name>``).
TEMPLATE = "kam_offline"
#: A static file of every Voilà page: the server is up once it answers (``/`` would start a kernel).
READY_PATH = "voila/static/voila-style.js"
HERE = Path(__file__).resolve().parent
#: Seconds before a warm kernel taken by a visitor is replaced: a room arriving at once
#: is not slowed by new kernels starting while it works.
REFILL_SECONDS = 30


def check_port(host: str, port: int) -> None:
    """Raise :class:`ConfigError` when *port* on *host* cannot be listened on (taken, or not allowed).

    Examples
    --------
    >>> taken = socket.socket()
    >>> taken.bind(("127.0.0.1", 0)); taken.listen()
    >>> try:
    ...     check_port("127.0.0.1", taken.getsockname()[1])
    ... except ConfigError as exc:
    ...     print("is taken" in str(exc))
    True
    >>> taken.close()
    """
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on {host} is taken (another server, or a workshop already served). "
                              f"Stop that program, or pass another port: --port {port + 1}.") from exc
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}. Pass --host 127.0.0.1 "
                          "(this computer only) or an address of this computer, and a port above 1024.") from exc
    finally:
        probe.close()


def voila_command(folder: str | Path, *, host: str = "127.0.0.1", port: int = 8866, max_kernels: int = 40,
                  idle_minutes: float = 60, full_message: str = "", warm: int = 0,
                  cold: Sequence[str] = ()) -> list[str]:
    """The command line that serves *folder* with Voilà (run it with :func:`voila_environment`).

    Parameters
    ----------
    folder : str or Path
        The notebooks to serve (``/voila/render/<name>.ipynb``); nothing outside it is served.
    host, port
        Where to listen.
    max_kernels : int
        Most kernels (open pages) at once; 0 means no cap.
    idle_minutes : float
        A kernel with no page connected and idle this long is shut down.
    full_message : str
        What a visitor reads when *max_kernels* are taken (default: in both languages).
    warm : int
        Kernels started ahead for each notebook (Voilà's pre-heated kernels), so that a
        page opens without waiting for Python to start: each runs its notebook up to a
        call of :func:`wait_for_visitor` and waits there for its visitor (whose query
        string it then gets); a kernel taken is replaced after :data:`REFILL_SECONDS`.
        0: every kernel starts when its page is opened.
    cold : sequence of str
        Notebooks that get no warm kernels (file names).

    Examples
    --------
    >>> command = voila_command("served", port=8900)
    >>> "--port=8900" in command and f"--template={TEMPLATE}" in command
    True
    """
    message = full_message or "\n".join(i18n.t("apps.full", lang, n=max_kernels) for lang in ("en", "zh"))
    return [
        sys.executable, "-m", "kamlib.apps.voila", str(folder), "--no-browser",
        f"--Voila.ip={host}", f"--port={port}", "--Voila.port_retries=0",
        f"--template={TEMPLATE}", "--strip_sources=True", "--show_tracebacks=False",
        "--VoilaConfiguration.multi_kernel_manager_class=kamlib.apps.kernels.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={int(max_kernels)}",
        f"--CappedKernelManager.full_message={message}",
        f"--MappingKernelManager.cull_idle_timeout={round(idle_minutes * 60)}",
        "--MappingKernelManager.cull_interval=60",
    ] + (["--preheat_kernel=True", f"--pool_size={int(warm)}", f"--VoilaKernelManager.fill_delay={REFILL_SECONDS}",
          f"--VoilaKernelManager.preheat_denylist={json.dumps(list(cold))}"] if warm > 0 else [])


def voila_environment(extra: Mapping[str, str] | None = None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the Voilà process and so of every kernel: *base* (default: this process's),
    the offline template and configuration found first, then *extra*.

    Examples
    --------
    >>> env = voila_environment({"KAM_TRAINING_KEY": "/srv/key"}, base={"JUPYTER_PATH": "/opt/jupyter"})
    >>> env["JUPYTER_PATH"].split(os.pathsep)[1], env["KAM_TRAINING_KEY"]
    ('/opt/jupyter', '/srv/key')
    """
    env = dict(os.environ if base is None else base)
    for name, path in (("JUPYTER_PATH", HERE / "templates"), ("JUPYTER_CONFIG_PATH", HERE / "config")):
        env[name] = os.pathsep.join(p for p in (str(path), env.get(name, "")) if p)
    env.update(extra or {})
    return env


#: What a warm kernel writes on the server's log once it waits for its page.
WARM_READY = "warm kernel ready"


def wait_for_visitor() -> None:
    """In a notebook: stop here until the page that takes this kernel is opened.

    A warm kernel (:func:`voila_command`'s *warm*) has run the cells above ahead of
    time; it notes :data:`WARM_READY` on the server's log and waits for its page's
    request, whose query string (``?p=…``) then lands in ``os.environ``. Anywhere else
    (a kernel started for its page, JupyterLab, the tests) it returns at once.

    Examples
    --------
    >>> wait_for_visitor()  # not a warm kernel: nothing to wait for
    """
    if os.environ.get("VOILA_PREHEAT") != "True":
        return
    from voila.utils import wait_for_request

    print(f"{WARM_READY} (process {os.getpid()})", file=sys.__stderr__, flush=True)
    wait_for_request()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@dataclass
class VoilaServer:
    """A Voilà server running in a child process.

    Attributes
    ----------
    process : Popen
        The child process.
    url : str
        Its base URL, ending in ``/``.
    """

    process: subprocess.Popen
    url: str

    def wait_ready(self, timeout: float = 60) -> None:
        """Return once the server answers :data:`READY_PATH`; raise ``RuntimeError`` if it ends or *timeout* passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Voilà server stopped (exit status {self.process.returncode}) before it "
                                   "answered; its messages above say why.")
            try:
                with urllib.request.urlopen(self.url + READY_PATH, timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the Voilà server at {self.url} did not answer within {timeout:.0f} s.")

    def run_until_stopped(self) -> None:
        """Wait while the server runs; on Ctrl-C or SIGTERM stop it (and its kernels) before returning."""
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.stop()

    def stop(self, timeout: float = 15) -> None:
        """Stop the server (and its kernels) and wait for it to end."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)


def start_voila(folder: str | Path, *, host: str = "127.0.0.1", port: int = 8866, env: Mapping[str, str] | None = None,
                max_kernels: int = 40, idle_minutes: float = 60, warm: int = 0, cold: Sequence[str] = (),
                log: IO | None = None, cwd: str | Path | None = None) -> VoilaServer:
    """Start Voilà over *folder* in a child process (see :func:`voila_command`); call ``wait_ready`` next.

    The child ends with this process (on Linux, even when this one is killed), and
    ``run_until_stopped`` stops it on Ctrl-C or SIGTERM.

    Parameters
    ----------
    folder : str or Path
        The notebooks to serve.
    host, port
        Where to listen; a taken port raises :class:`ConfigError` before anything starts.
    env : mapping, optional
        Variables every kernel gets, on top of this process's environment.
    max_kernels : int
        Most pages open at once (the warm kernels waiting for a visitor come on top).
    idle_minutes, warm, cold
        See :func:`voila_command`.
    log : file, optional
        Where the server's messages go (default: this process's standard error).
    cwd : str or Path, optional
        Working folder of the server process.

    Returns
    -------
    VoilaServer

    Examples
    --------
    >>> try:
    ...     start_voila("no/such/folder")
    ... except ConfigError as exc:
    ...     print(exc)
    no/such/folder: no such folder of notebooks to serve.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such folder of notebooks to serve.")
    check_port(host, port)
    pooled = [p for p in folder.glob("*.ipynb") if p.name not in cold] if warm > 0 else []
    command = voila_command(folder, host=host, port=port, max_kernels=max_kernels + warm * len(pooled),
                            idle_minutes=idle_minutes, warm=warm, cold=cold,
                            full_message="\n".join(i18n.t("apps.full", lang, n=max_kernels) for lang in ("en", "zh")))
    process = subprocess.Popen(command, env=voila_environment(env), stdout=log, stderr=log,
                               cwd=str(cwd) if cwd else None)
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    return VoilaServer(process, f"http://{shown}:{port}/")


def main() -> None:
    """``python -m kamlib.apps.voila FOLDER [Voilà's options]``: Voilà, ending with the process that
    started it (on Linux it gets SIGTERM when its parent ends, however that ends), so
    that no server is left running on its own."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    from voila.app import main as voila_main

    sys.argv[0] = "voila"
    voila_main()


if __name__ == "__main__":
    main()
