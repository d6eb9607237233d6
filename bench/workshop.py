"""Benchmark: a room of participants on one served workshop at once.

``kam training serve --warm N`` serves the prospects workshop on a free localhost port
with one warm kernel per participant (started ahead, the workbook loaded; the figures
are taken once they are ready); N participants (default 20) open it at the same moment
and each submits M answers (default 10) to the single-choice questions, alternating
options so that every answer changes the feedback shown. A participant is either

- ``--clients ws`` (default): a client of the server alone, doing what the page does
  (``_widget_client``): it GETs the page, opens the kernel's websocket, asks for the
  widget states, finds the questions' radio buttons and Check buttons in them, and
  sends the choice and the click as widget messages; so the figures are the server's;
- ``--clients browser``: a page of one headless Chromium (``/usr/bin/chromium``); on
  a small machine the pages' renderers compete with the server for the cores.

Figures:

- time to interactive: from requesting the page to the workshop usable (ws: the widget
  states in hand; browser: every Check button shown), p50 and p95;
- check latency: from the click on Check to the new feedback (ws: the kernel's update of
  the feedback widget; browser: the feedback shown), p50 and p95;
- lost submissions: answers sent minus lines in the participants' results files.

``--verify`` shows that the ws client reads what a participant would: one participant
answers a question wrongly, then rightly, and the feedback it receives is compared with
:func:`kamlib.training.check` of the same response.

Usage::

    pip install -e ".[test]"
    python bench/workshop.py                     # 20 participants, 10 answers each
    python bench/workshop.py --participants 5 --answers 4
    python bench/workshop.py --warm 0            # every kernel started when its page opens
    python bench/workshop.py --clients browser   # 20 Chromium pages
    python bench/workshop.py --verify            # the ws client's feedback against kamlib.training.check

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

from _widget_client import (
    Card,
    KernelChannel,
    answer,
    describe,
    open_page,
    question_cards,
)
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from tornado.websocket import WebSocketError

from kamlib.apps.voila import READY_PATH, WARM_READY
from kamlib.training import check, load_banks
from kamlib.training.bank import Question
from kamlib.training.widgets.workshop import feedback_html

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


def page_url(url: str, number: int) -> str:
    return f"{url}voila/render/{WORKSHOP}.ipynb?p=bench_{number:02d}"


def single_questions() -> list[Question]:
    return [q for q in load_banks()[WORKSHOP].questions if q.type == "single"]


def cards_of(states: dict[str, dict], questions: list[Question]) -> dict[str, Card]:
    """Each question's card on the page, known by its options' labels (the page shows English)."""
    cards = {card.labels: card for card in question_cards(states)}
    found = {q.id: cards.get(tuple(o.text.en for o in q.options)) for q in questions}
    missing = [qid for qid, card in found.items() if card is None]
    if missing:
        raise RuntimeError(f"no card for {', '.join(missing)} among the page's widgets ({describe(states)})")
    return found


async def ws_participant(url: str, number: int, answers: int, questions: list[Question]
                         ) -> tuple[float, list[float], int]:
    """One participant's session over the kernel's websocket: (time to interactive, check latencies,
    answers sent); a page that never became interactive counts as infinitely slow."""
    seen: dict = {"ready": float("inf"), "latencies": [], "sent": 0}
    try:
        await ws_session(url, number, answers, questions, seen)
    except (OSError, RuntimeError, TimeoutError, KeyError, HTTPClientError, WebSocketError) as exc:
        print(f"participant {number}: {type(exc).__name__}: {exc}", file=sys.stderr)
    return seen["ready"], seen["latencies"], seen["sent"]


async def ws_session(url: str, number: int, answers: int, questions: list[Question], seen: dict) -> None:
    """One participant's session, noted in *seen* as it goes (see :func:`ws_participant`)."""
    start = time.perf_counter()
    channel = await KernelChannel.connect(url, await open_page(page_url(url, number)))
    try:
        cards = cards_of(await channel.widget_states(), questions)
        seen["ready"] = time.perf_counter() - start
        for k in range(answers):
            question = questions[k % len(questions)]
            option = question.options[(k // len(questions)) % 2]
            card = cards[question.id]
            clicked = time.perf_counter()
            seen["sent"] += 1
            await answer(channel, card, card.labels.index(option.text.en))
            seen["latencies"].append(time.perf_counter() - clicked)
    finally:
        channel.close()


async def verify(url: str) -> bool:
    """One participant answers the first single-choice question wrongly, then rightly; print the
    feedback received beside :func:`kamlib.training.check`'s; whether both agree each time."""
    question = single_questions()[0]
    wrong = next(o for o in question.options if o.id != question.answer)
    channel = await KernelChannel.connect(url, await open_page(page_url(url, 0)))
    agree = True
    try:
        card = cards_of(await channel.widget_states(), [question])[question.id]
        for option in (wrong, question.option(question.answer)):
            received = await answer(channel, card, card.labels.index(option.text.en))
            result = check(question, option.id, lang="en")
            expected = feedback_html(result, question.points, "en")
            agree = agree and received == expected
            print(f"{question.id} answered {option.id!r}: check() says correct={result.correct}, "
                  f"score={result.score}, feedback={list(result.feedback)}")
            print(f"  received: {received}")
            print(f"  identical to feedback_html(check(...)): {received == expected}")
    finally:
        channel.close()
    return agree


async def ws_room(url: str, participants: int, answers: int) -> list[tuple[float, list[float], int]]:
    AsyncHTTPClient.configure(None, max_clients=max(10, participants))
    questions = single_questions()
    return await asyncio.gather(*(ws_participant(url, n, answers, questions) for n in range(participants)))


async def participant(browser, url: str, number: int, answers: int, questions: list) -> tuple[float, list[float], int]:
    """One participant's session in a browser page: (time to interactive, check latencies, answers sent); a page that
    never became interactive counts as infinitely slow."""
    seen: dict = {"ready": float("inf"), "latencies": [], "sent": 0}
    from playwright.async_api import Error as PlaywrightError

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
    await page.goto(page_url(url, number), timeout=180_000)
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


async def browser_room(url: str, participants: int, answers: int) -> list[tuple[float, list[float], int]]:
    from playwright.async_api import async_playwright

    questions = single_questions()
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
    parser.add_argument("--clients", choices=("ws", "browser"), default="ws",
                        help="participants as websocket clients of the server (default) or Chromium pages")
    parser.add_argument("--verify", action="store_true",
                        help="one ws participant: its feedback against kamlib.training.check, then stop")
    opts = parser.parse_args()
    if opts.verify:
        with tempfile.TemporaryDirectory(prefix="kam-bench-") as folder:
            port = free_port()
            server = serve(Path(folder), port, 1)
            try:
                agree = asyncio.run(verify(f"http://127.0.0.1:{port}/"))
            finally:
                server.terminate()
                server.wait(30)
        raise SystemExit(0 if agree else "the feedback received differs from kamlib.training.check's")
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kam-bench-") as folder:
        root, port = Path(folder), free_port()
        warm = opts.participants if opts.warm is None else opts.warm
        server = serve(root, port, warm)
        try:
            room = ws_room if opts.clients == "ws" else browser_room
            sessions = asyncio.run(room(f"http://127.0.0.1:{port}/", opts.participants, opts.answers))
        finally:
            server.terminate()
            server.wait(30)
        ready = [s[0] for s in sessions]
        latencies = [latency for s in sessions for latency in s[1]]
        sent = sum(s[2] for s in sessions)
        recorded = sum(len(path.read_text(encoding="utf-8").splitlines())
                       for path in (root / "results" / WORKSHOP).glob("*.jsonl"))
    print(f"clients {opts.clients}, participants {opts.participants}, answers each {opts.answers}, warm kernels {warm}; load average before "
          f"{load[0]:.1f}, after {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"time to interactive  p50 {statistics.median(ready):6.2f} s   p95 {percentile(ready, 0.95):6.2f} s"
          f"   (target p95 ≤ 8 s)")
    print(f"check latency        p50 {statistics.median(latencies) * 1000:6.0f} ms  "
          f"p95 {percentile(latencies, 0.95) * 1000:6.0f} ms  (target p95 ≤ 300 ms)")
    print(f"submissions          sent {sent}, recorded {recorded}, lost {sent - recorded}   (target 0 lost)")


if __name__ == "__main__":
    main()
