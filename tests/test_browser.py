"""The published report in a real browser (headless Chromium through Playwright).

The report run folder is served on 127.0.0.1; every request to another host is
blocked (and recorded: a report must open offline). Checks that figures load, that
the Chinese report shows Chinese, that no page of the run needs horizontal scrolling
at 1280 px, and keeps full-page screenshots in tmp_path.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from urllib.parse import urlparse

import pytest

from kamlib import report

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CJK = re.compile(r"[\u4e00-\u9fff]")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def served(report_run):
    """Base URL of the report run folder on a local HTTP server."""
    _, run_dir = report_run
    handler = functools.partial(_QuietHandler, directory=str(run_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    blocked: list[str] = []

    def route(request_route):
        host = urlparse(request_route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or request_route.request.url.startswith("data:"):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.blocked = blocked
    yield tab
    context.close()


def _images_loaded(page) -> list[dict]:
    return page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => ({src: i.src.slice(0, 40), w: i.naturalWidth, done: i.complete}))"
    )


def test_index_links_every_report(page, served, tmp_path):
    page.goto(served + "index.html", wait_until="load")
    links = page.eval_on_selector_all("table a", "links => links.map(a => a.getAttribute('href'))")
    assert "00_data_overview-en/00_data_overview.html" in links
    assert "00_data_overview-zh/00_data_overview.html" in links
    assert page.locator("td.ok").count() == 2 * len(report.find_notebooks())
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    page.click("a[href='00_data_overview-zh/00_data_overview.html']")
    page.wait_for_load_state("load")
    assert page.url.endswith("00_data_overview-zh/00_data_overview.html")
    assert page.blocked == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_page_renders(page, served, tmp_path, lang):
    page.goto(served + f"00_data_overview-{lang}/00_data_overview.html", wait_until="load")
    images = _images_loaded(page)
    assert len(images) == 2, images  # bar chart and line chart
    assert all(i["done"] and i["w"] > 0 for i in images), images
    text = page.inner_text("body")
    heading = page.inner_text("h1")
    if lang == "zh":
        assert CJK.search(text) and heading == "数据概览"
        assert "各区域销售额" in text and "结论与启示" in text
    else:
        assert heading == "Data overview"
        assert not CJK.search(page.inner_text("h2"))
    assert "import kamlib" not in text
    assert page.locator("table").count() >= 3  # parameters, tables, revenue by region
    page.screenshot(path=str(tmp_path / f"report_{lang}.png"), full_page=True)
    assert (tmp_path / f"report_{lang}.png").stat().st_size > 10_000
    assert page.blocked == [], page.blocked


WIDTH = 1280  # the viewport of the page fixture
_WIDE = f"""() => [...document.querySelectorAll('table, img, pre, svg')]
  .map(e => ({{tag: e.tagName, left: e.getBoundingClientRect().left, right: e.getBoundingClientRect().right,
              text: (e.innerText || e.alt || '').slice(0, 60)}}))
  .filter(b => b.left < 0 || b.right > {WIDTH})"""


def test_no_report_needs_horizontal_scrolling_at_1280_px(page, served, report_run):
    _, run_dir = report_run
    reports = [p for p in run_dir.glob("*/*.html") if p.parent.name.startswith(f"{p.stem}-")]  # not their attachments
    pages = ["index.html", *sorted(p.relative_to(run_dir).as_posix() for p in reports)]
    assert len(pages) == 1 + 2 * len(report.find_notebooks())
    for name in pages:
        page.goto(served + name, wait_until="load")
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, name
        assert page.evaluate(_WIDE) == [], name
        assert page.locator("table").count() >= 1, name
    assert page.blocked == []
