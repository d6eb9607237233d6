"""notebooks/03_visit_planning.ipynb runs with papermill in both languages, on the sample and on a
dataset with only accounts (with a class) and reps; it writes the plan, the calendars and the
pre-call sheets next to its report, and a Chinese report shows no English codes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest

import kamlib.i18n
from kamlib import report

pytestmark = pytest.mark.slow

ACCOUNTS = """account_id,account_name,city,rep_id,class
A1,甲物流有限公司,上海,R1,A
A2,乙运输有限公司,上海,R1,B
A3,丙环卫所,杭州,R2,A
A4,丁建设集团,杭州,R2,C
"""
REPS = """rep_id,rep_name,visits_per_day
R1,王一,2
R2,李二,2
"""


class _Text(HTMLParser):
    """The text a reader sees (no scripts, styles or tags) and the table cells."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.cells: list[str] = []
        self._hidden = 0
        self._cell: list[str] | None = None
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._hidden += tag in ("script", "style")
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style")
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)
            if self._cell is not None:
                self._cell.append(data)


def _job_dir(result) -> Path:
    return Path(result.run_dir) / result.jobs[0].folder


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_on_the_sample(tmp_path, lang, report_html):
    result = report.run(["03"], lang=lang, out=tmp_path)
    page = _Text(report_html(result))
    text = "".join(page.parts)
    expected = {
        "en": ["Plan of the month", "visits planned in 2026-01 for 20 reps", "Chinese public holidays",
               "follow-up touches fall due in 2026-01", "To close", "Over the last 12 months", "pre-call sheets"],
        "zh": ["本月拜访计划", "2026年1月共计划", "中国法定节假日及调休日历", "2026年1月有", "要在2026年1月成交",
               "与前12个月相比", "访前计划表"],
    }[lang]
    for words in expected:
        assert words in text, words
    assert "Traceback" not in text
    assert {"A", "B", "C", "VIP"} <= set(page.cells)  # classes in the required-against-planned table
    folder = _job_dir(result)
    calendars = sorted(folder.glob("visits_*.ics"))
    assert len(calendars) == 20
    events = icalendar.Calendar.from_ical(calendars[0].read_bytes()).walk("VEVENT")
    assert events and all(str(e["uid"]).startswith("R0001-") for e in events)
    sheets = (folder / "precall_sheets.html").read_text(encoding="utf-8")
    assert sheets.count('<section class="sheet">') > 100
    assert any(folder.rglob("visit_plan.csv"))
    if lang == "zh":  # IDs (A0021, SO5641) and the names of the saved tables and files are not words
        files = {p.stem for p in folder.rglob("*.*")} | {"CSV", "VIP"}
        words = re.findall(r"[A-Za-z][A-Za-z0-9_]*", text.split("采用的拜访规则", 1)[1])
        english = {w for w in words if len(w) > 1 and not any(c.isdigit() for c in w) and w not in files}
        assert english == set(), english


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_on_accounts_and_reps_only(tmp_path, lang, report_html):
    data = tmp_path / "data"
    data.mkdir()
    (data / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (data / "reps.csv").write_text(REPS, encoding="utf-8")
    result = report.run(["03"], data=str(data), lang=lang, out=tmp_path / "out",
                        parameters={"month": "2026-03", "policy": "{classes: {B: {mandatory: 2}}}"})
    page = _Text(report_html(result))
    text = "".join(page.parts)
    # 2 A accounts × 2 + 1 B × 2 (the policy given) = 6 mandatory visits; C is due (never visited): 1
    assert kamlib.i18n.t("text.vpl_all_planned", lang, required="7") in text
    for what in ("visits", "orders", "leads"):
        assert kamlib.i18n.needs_note(what, lang) in text
    assert "甲物流有限公司" in page.cells and "丙环卫所" in page.cells  # the pre-call table names the accounts
    assert "Traceback" not in text
    folder = _job_dir(result)
    assert sorted(p.name for p in folder.glob("*.ics")) == ["visits_R1.ics", "visits_R2.ics"]
