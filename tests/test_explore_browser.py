"""An explored notebook in a real browser: ``kam explore`` and headless Chromium.

The classification dashboard is served (English, then Chinese); the browser moves the A
cut-off by typing into the slider's readout, as a person can, and the count of A accounts
the page reads must become what ``kamlib.classify.pareto_abc`` gives for that cut-off.
No request leaves localhost, no code and no server path reaches the page, and the
"use these settings" button writes the batch fragment on the server. Screenshots are
kept in the test's folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from ports import free_port
from served_apps import kam_command, open_tab, start_app

import kamlib as kam

pytestmark = [pytest.mark.slow, pytest.mark.browser]

NOTEBOOK = "02_customer_classification"
READING = {"en": r"(\d+) accounts are A", "zh": r"A 类(\d+)个"}
CAPTION = {"en": "A cut-off", "zh": "A类分界"}


def a_accounts(cutoff: float) -> int:
    """Accounts in class A at *cutoff*, as the analysis function counts them (the notebook's scope: all)."""
    orders = kam.classify.scope(kam.data.load(), region=None, rep_id=None)["orders"]
    return int((kam.classify.pareto_abc(orders, cutoffs=(cutoff, 0.95))["abc_class"] == "A").sum())


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("explore_browser_screenshots")


def serve(root: Path, lang: str):
    port = free_port()
    command = kam_command("explore", NOTEBOOK, "--port", str(port), "--lang", lang, "--out", str(root / "out"))
    return start_app(command, port, root / "serve.log", cwd=root)


def shown_counts(page, lang: str) -> list[int]:
    return [int(n) for n in re.findall(READING[lang], page.inner_text("body"))]


def move_a_cutoff(page, lang: str, value: float) -> None:
    """Type *value* into the A cut-off slider's readout and press Enter (the slider moves there)."""
    readout = page.locator(".widget-slider", has_text=CAPTION[lang]).first.locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(f"{value:.2f}")
    page.keyboard.press("Enter")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_moving_the_a_cutoff_shows_the_count_pareto_abc_gives(browser, shots, tmp_path, lang):
    app = serve(tmp_path, lang)
    try:
        with open_tab(browser, shots, locale="zh-CN" if lang == "zh" else "en-US") as tab:
            tab.page.goto(f"{app.url}voila/render/{NOTEBOOK}.ipynb", timeout=300_000)
            tab.page.wait_for_selector(".widget-slider", timeout=300_000)
            assert shown_counts(tab.page, lang)[0] == a_accounts(0.8)

            move_a_cutoff(tab.page, lang, 0.7)
            expected = a_accounts(0.7)
            assert expected != a_accounts(0.8)
            tab.page.wait_for_function(
                f"() => new RegExp({READING[lang]!r}.replace('(\\\\d+)', '{expected}')).test(document.body.innerText)",
                timeout=120_000)
            assert shown_counts(tab.page, lang)[0] == expected
            curve = tab.page.locator(".widget-output img[src^='data:image/png']")
            assert curve.count() >= 1
            curve.first.screenshot(path=str(shots / f"pareto-curve-{lang}.png"))
            tab.screenshot(f"classification-{lang}")

            body = tab.page.inner_text("body")
            if lang == "zh":
                assert "帕累托" in body and "A类分界" in body and "在服务器上" in body
            source = tab.page.content()
            assert "kam.explore" not in source and str(tmp_path) not in source
            assert tab.blocked == []

            tab.page.locator("button", has_text="报告" if lang == "zh" else "monthly report").first.click()
            tab.page.wait_for_selector("pre:has-text('cutoffs')", timeout=60_000)
        saved = yaml.safe_load((tmp_path / "out" / NOTEBOOK / "report-settings.yml").read_text(encoding="utf-8"))
        assert saved["notebooks"][0]["parameters"]["cutoffs"] == [0.7, 0.95]
    finally:
        app.stop()
