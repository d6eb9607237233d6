"""A served workshop in a real browser: ``kam training serve`` and headless Chromium.

One participant opens the prospects workshop served in Chinese with ``?p=李娜`` (on a
kernel started ahead, which learns the name only when the page opens),
answers a question wrongly, then switches to English and answers it rightly; the
feedback shown each time is the checker's. Until the right answer, neither the page
nor any websocket frame holds an answer-key text of the workshop (explanations,
right-option feedback, rubric criteria) — the key stays in the kernel. The answers
reach the participant's results file and the trainer's dashboard, which opens only
with the trainer's link. No request leaves localhost. Screenshots (zh, en, dashboard)
are kept in the test's folder.
"""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path

import pytest
from ports import free_port
from served_apps import kam_command, open_tab, start_app

from kamlib.apps.voila import WARM_READY
from kamlib.training import check, load_banks

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WORKSHOP = "prospects"
QUESTION = "office_manager"  # a single-choice question
NAME = "李娜"
CJK = re.compile(r"[\u4e00-\u9fff]")
BANK = load_banks()[WORKSHOP]


def key_texts() -> list[str]:
    """What only the server may hold before a right answer: every explanation, the feedback of
    each right option, rubric criteria and hints, numeric answers — in both languages."""
    found: list[str] = []
    for q in BANK.questions:
        found += [q.explanation.en, q.explanation.zh]
        right = set(q.answer) if q.type == "multi" else {q.answer} if q.type == "single" else set()
        found += [t for o in q.options if o.id in right and o.feedback for t in (o.feedback.en, o.feedback.zh)]
        found += [t for c in q.criteria for t in (c.text.en, c.text.zh, c.hint.en, c.hint.zh)]
        if q.type == "numeric":
            found.append(str(q.answer))
    return [t for t in found if len(t) >= 4]


def readable(text: str) -> str:
    """A page or websocket frame as the eye reads it: JSON escapes and HTML entities undone."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return html.unescape(text.replace('\\"', '"').replace("\\n", "\n"))


def leaks(text: str) -> list[str]:
    shown = readable(text)
    return [t for t in key_texts() if t in shown]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``kam training serve --workshop prospects --lang zh --warm 1`` on a free port, once its warm
    kernel has loaded the workbook and waits for a visitor: (app, results folder)."""
    root = tmp_path_factory.mktemp("served")
    port = free_port()
    command = kam_command("training", "serve", "--port", str(port), "--workshop", WORKSHOP, "--lang", "zh",
                          "--results", str(root / "results"), "--warm", "1")
    app = start_app(command, port, root / "serve.log", cwd=root)
    deadline = time.monotonic() + 180
    while WARM_READY not in app.log_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    yield app, root / "results"
    app.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("training_browser_screenshots")


def card(page, prompt: str):
    """The output of the cell showing the question whose prompt is *prompt*."""
    return page.locator(".jp-OutputArea-output").filter(has_text=prompt).last


@pytest.fixture(scope="module")
def answered(served, browser, shots):
    """One participant's round: what the page and its websocket said at each step."""
    app, results = served
    question = BANK.question(QUESTION)
    wrong = next(o for o in question.options if o.id != question.answer)
    seen: dict[str, object] = {"wrong": wrong, "question": question}
    with open_tab(browser, shots, locale="zh-CN") as tab:
        tab.page.goto(f"{app.url}voila/render/{WORKSHOP}.ipynb?p={NAME}", wait_until="load")
        box = card(tab.page, question.prompt.zh)
        box.get_by_role("button", name="检查").wait_for(timeout=90_000)
        seen["opened_text"] = tab.page.inner_text("body")
        seen["opened_html"] = tab.page.content()
        box.get_by_text(wrong.text.zh, exact=True).click()
        box.get_by_role("button", name="检查").click()
        box.locator(".kam-feedback").wait_for(timeout=30_000)
        seen["wrong_feedback"] = box.locator(".kam-feedback").inner_text()
        tab.screenshot("workshop_zh")
        seen["before_right_html"] = tab.page.content()
        seen["before_right_frames"] = tab.frames_text()
        tab.page.get_by_role("button", name="English").click()
        box = card(tab.page, question.prompt.en)
        box.get_by_role("button", name="Check").wait_for(timeout=30_000)
        box.get_by_text(question.option(question.answer).text.en, exact=True).click()
        box.get_by_role("button", name="Check").click()
        box.locator(".kam-right").wait_for(timeout=30_000)
        seen["right_feedback"] = box.locator(".kam-feedback").inner_text()
        seen["after_right_frames"] = tab.frames_text()
        tab.screenshot("workshop_en")
        seen["blocked"] = list(tab.blocked)
    seen["results"] = results / WORKSHOP / f"{NAME}.jsonl"
    return seen


def test_the_chinese_page_shows_chinese_and_no_code(answered):
    text = answered["opened_text"]
    assert BANK.title.zh in text and BANK.question(QUESTION).prompt.zh in text
    assert len(CJK.findall(text)) > 100
    assert "Workshop.open" not in text and "import" not in text


def test_the_feedback_is_the_checkers_wrong_then_right(answered):
    question, wrong = answered["question"], answered["wrong"]
    for sentence in check(question, wrong.id, lang="zh").feedback:
        assert sentence in answered["wrong_feedback"]
    for sentence in check(question, question.answer, lang="en").feedback:
        assert sentence in answered["right_feedback"]


def test_no_key_text_reaches_the_browser_before_the_right_answer(answered):
    assert key_texts(), "nothing to search for"
    assert leaks(answered["opened_html"]) == []
    assert leaks(answered["before_right_html"]) == []
    assert leaks(answered["before_right_frames"]) == []
    # the search sees what the frames carry: the explanation arrives with the right answer
    assert BANK.question(QUESTION).explanation.en in leaks(answered["after_right_frames"])


def test_both_answers_reach_the_participants_results_file(answered):
    lines = [json.loads(line) for line in answered["results"].read_text(encoding="utf-8").splitlines()]
    assert [(line["question"], line["response"], line["correct"]) for line in lines] == [
        (QUESTION, answered["wrong"].id, False), (QUESTION, answered["question"].answer, True)]
    assert {line["participant"] for line in lines} == {NAME}


def test_no_request_leaves_localhost(answered):
    assert answered["blocked"] == []


def test_the_participant_had_a_warm_kernel_that_still_got_the_name(served, answered):
    app, _ = served
    assert "Using pre-heated kernel: " in app.log_text()  # the page took the kernel started ahead
    assert answered["results"].is_file()  # and its answers are filed under the name in ?p=


def test_the_dashboard_shows_the_answer_to_the_trainer_only(served, browser, shots, answered):
    app, _ = served
    link = re.search(r"http://\S+/voila/render/dashboard\.ipynb\?t=\S+", app.log_text())
    assert link, app.log_text()[-2000:]
    with open_tab(browser, shots, locale="zh-CN") as tab:
        tab.page.goto(link.group(0), wait_until="load")
        tab.page.get_by_role("button", name="刷新").wait_for(timeout=90_000)
        text = tab.page.inner_text("body")
        tab.screenshot("dashboard_zh")
        assert NAME in text and "各题得分" in text
        assert "1 名学员，2 条答题记录" in text  # both submissions read
        assert tab.page.locator("img[alt='各题全班答对比例']").count() == 1
        assert tab.blocked == []
    with open_tab(browser, shots) as tab:
        tab.page.goto(link.group(0).split("?")[0] + f"?p={NAME}", wait_until="load")
        tab.page.get_by_text("此页面仅供培训师使用").wait_for(timeout=90_000)
        assert NAME not in tab.page.inner_text("body")
