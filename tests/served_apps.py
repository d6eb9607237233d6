"""A served notebook app in a real browser: helpers for any Voilà browser test.

- :func:`start_app` runs the app's command (``kam training serve …``, or any command
  that serves on a port) in a subprocess on a free localhost port and waits by polling
  a static file (opening ``/`` would start a kernel);
- :func:`launch_browser` starts headless Debian Chromium through Playwright;
- :func:`open_tab` opens a page whose context lets localhost requests through and
  aborts (and counts) every other one, records every websocket frame either way (for
  leak checks) and saves screenshots into the folder the test names.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from kamlib.apps.voila import READY_PATH

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = ("127.0.0.1", "localhost")



@dataclass
class App:
    """An app served by a subprocess: its base URL, the process and its log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def kam_command(*args: str) -> list[str]:
    """The ``kam`` command line run with this interpreter."""
    return [sys.executable, "-c", "from kamlib.cli import run; run()", *args]


def start_app(command: Sequence[str], port: int, log: Path, *, cwd: Path | None = None,
              env: dict[str, str] | None = None, ready_path: str = READY_PATH, timeout: float = 120) -> App:
    """Run *command* (which serves on *port*) and return once ``ready_path`` answers 200."""
    handle = log.open("wb")
    process = subprocess.Popen(list(command), cwd=cwd, stdout=handle, stderr=subprocess.STDOUT,
                               env={**os.environ, **(env or {})})
    app = App(f"http://127.0.0.1:{port}/", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the app ended (status {process.returncode}):\n{app.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(app.url + ready_path, timeout=2) as reply:
                if reply.status == 200:
                    return app
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    app.stop()
    raise AssertionError(f"the app did not answer within {timeout} s:\n{app.log_text()[-3000:]}")


@contextmanager
def launch_browser() -> Iterator[Any]:
    """Headless Chromium (skips the test when Playwright or Chromium is missing)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """A browser page with what it tried to reach outside localhost and every websocket frame."""

    page: Any
    shots: Path
    blocked: list[str] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def frames_text(self) -> str:
        """Every websocket frame so far, sent and received, as one text."""
        return "\n".join(self.frames)


@contextmanager
def open_tab(browser: Any, shots: Path, *, locale: str = "en-US", width: int = 1280) -> Iterator[Tab]:
    """A new page in its own context: localhost only, websocket frames recorded, screenshots into *shots*."""
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    tab = Tab(context.new_page(), shots)

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlparse(url).hostname in LOCAL_HOSTS or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            tab.blocked.append(url)
            request_route.abort()

    def frame_text(payload: str | bytes) -> str:
        return payload if isinstance(payload, str) else payload.decode("utf-8", errors="replace")

    def watch(socket_: Any) -> None:
        socket_.on("framesent", lambda payload: tab.frames.append(frame_text(payload)))
        socket_.on("framereceived", lambda payload: tab.frames.append(frame_text(payload)))

    context.route("**/*", route)
    tab.page.on("websocket", watch)
    try:
        yield tab
    finally:
        context.close()
