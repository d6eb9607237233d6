"""Benchmark: a room of participants on one served workshop at once.

``kam training serve --warm N`` serves the prospects workshop on a free localhost port
with one warm kernel per participant (started ahead, the workbook loaded; the figures
are taken once they are ready); N participants (default 20) open it at the same moment, each in its own page of one
headless Chromium (``/usr/bin/chromium``), and each submits M answers (default 10)
to the single-choice questions, alternating options so that every answer changes the
feedback shown. Figures:

- time to interactive: from opening the page to every Check button of the workshop
  shown (the kernel started and ran the notebook, the widgets drawn), p50 and p95;
- check latency: from the click on Check to the new feedback shown, p50 and p95;
- lost submissions: answers sent minus lines in the participants' results files.

Usage::

    pip install -e ".[test]"
    python bench/workshop.py                     # 20 participants, 10 answers each
    python bench/workshop.py --participants 5 --answers 4
    python bench/workshop.py --warm 0            # every kernel started when its page opens

Targets on a 2-core machine: p95 time to interactive ≤ 8 s, p95 check ≤ 300 ms, no
submission lost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from kamlib.apps.voila import READY_PATH, WARM_READY
from kamlib.training import load_banks

CHROMIUM = "/usr/bin/chromium"
WORKSHOP = "prospects"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(root: Path, port: int, warm: int) -> subprocess.Popen:
    """Start ``kam training serve`` and wait until it answers and its warm kernels are ready."""
    command = [sys.executable, "-c", "from kamlib.cli import run; run()", "training", "serve", "--port", str(port),
               "--workshop", WORKSHOP, "--results", str(root / "results"), "--warm", str(warm)]
    log = root / "serve.log"
    process = subprocess.Popen(command, cwd=root, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/{READY_PATH}", timeout=2):
                if log.read_text(encoding="utf-8", errors="replace").count(WARM_READY) >= warm:
                    return process
        except OSError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"the server did not get ready; see {log}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


async def participant(browser, url: str, number: int, answers: int, questions: list) -> tuple[float, list[float], int]:
    """One participant's session: (time to interactive, check latencies, answers sent); a page that
    never became interactive counts as infinitely slow."""
    seen: dict = {"ready": float("inf"), "latencies": [], "sent": 0}
    try:
        await session(browser, url, number, answers, questions, seen)
    except PlaywrightError as exc:
        print(f"participant {number}: {str(exc).splitlines()[0]}", file=sys.stderr)
    return seen["ready"], seen["latencies"], seen["sent"]


async def session(browser, url: str, number: int, answers: int, questions: list, seen: dict) -> None:
    """One participant's session, noted in *seen* as it goes (see :func:`participant`)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    checks = len(load_banks()[WORKSHOP].questions)
    start = time.perf_counter()
    await page.goto(f"{url}voila/render/{WORKSHOP}.ipynb?p=bench_{number:02d}", timeout=180_000)
    await page.wait_for_function(
        f"document.querySelectorAll('button.jupyter-button:not([disabled])').length >= {checks + 2}",
        timeout=180_000)  # every Check button plus the two language buttons
    seen["ready"] = time.perf_counter() - start
    for k in range(answers):
        question = questions[k % len(questions)]
        option = question.options[(k // len(questions)) % 2]
        card = page.locator(".jp-OutputArea-output").filter(has_text=question.prompt.en).last
        feedback = card.locator(".kam-feedback")
        before = await feedback.inner_text() if await feedback.count() else ""
        await card.get_by_text(option.text.en, exact=True).click()
        handle = await card.element_handle()
        clicked = time.perf_counter()
        await card.get_by_role("button", name="Check").click()
        seen["sent"] += 1
        await page.wait_for_function(
            "([card, before]) => { const box = card.querySelector('.kam-feedback');"
            " return box !== null && box.innerText !== before; }", arg=[handle, before], timeout=60_000)
        seen["latencies"].append(time.perf_counter() - clicked)
    await context.close()


async def room(url: str, participants: int, answers: int) -> list[tuple[float, list[float], int]]:
    questions = [q for q in load_banks()[WORKSHOP].questions if q.type == "single"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=["--no-sandbox", "--disable-gpu"])
        try:
            return await asyncio.gather(*(participant(browser, url, n, answers, questions)
                                          for n in range(participants)))
        finally:
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--warm", type=int, default=None, help="warm kernels (default: one per participant)")
    opts = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kam-bench-") as folder:
        root, port = Path(folder), free_port()
        warm = opts.participants if opts.warm is None else opts.warm
        server = serve(root, port, warm)
        try:
            sessions = asyncio.run(room(f"http://127.0.0.1:{port}/", opts.participants, opts.answers))
        finally:
            server.terminate()
            server.wait(30)
        ready = [s[0] for s in sessions]
        latencies = [latency for s in sessions for latency in s[1]]
        sent = sum(s[2] for s in sessions)
        recorded = sum(len(path.read_text(encoding="utf-8").splitlines())
                       for path in (root / "results" / WORKSHOP).glob("*.jsonl"))
    print(f"participants {opts.participants}, answers each {opts.answers}, warm kernels {warm}; load average before "
          f"{load[0]:.1f}, after {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"time to interactive  p50 {statistics.median(ready):6.2f} s   p95 {percentile(ready, 0.95):6.2f} s"
          f"   (target p95 ≤ 8 s)")
    print(f"check latency        p50 {statistics.median(latencies) * 1000:6.0f} ms  "
          f"p95 {percentile(latencies, 0.95) * 1000:6.0f} ms  (target p95 ≤ 300 ms)")
    print(f"submissions          sent {sent}, recorded {recorded}, lost {sent - recorded}   (target 0 lost)")


if __name__ == "__main__":
    main()
