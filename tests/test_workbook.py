"""One workbook per report, headline findings on the run index, tables cut to the page,
and notebooks that write their tables under reports/ when run by hand.

The workbook (``kamlib.workbook``) holds a contents sheet and one sheet per saved table,
named in the report's language within Excel's rules; the page (``kamlib.sections.Page``)
writes it when it closes and records the findings for the index
(``kamlib.report.publish``).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamlib import i18n, report
from kamlib.report.jobs import JobResult
from kamlib.report.publish import HEADLINES, headline_findings, write_index
from kamlib.sections import CLOSING, SHOWN_ROWS, Page, Section, Table
from kamlib.workbook import (
    SHEET_NAME_LIMIT,
    WorkbookTable,
    sheet_label,
    sheet_names,
    write_workbook,
)

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
EXCEL_FORBIDDEN = set("[]:*?/\\")


# ---------------------------------------------------------------------------------------------- sheet names
@given(st.lists(st.text(max_size=40), max_size=12))
def test_sheet_names_are_legal_and_distinct_in_excel(labels):
    names = sheet_names(labels)
    assert len(names) == len(labels)
    for name in names:
        assert 1 <= len(name) <= SHEET_NAME_LIMIT, name
        assert not EXCEL_FORBIDDEN & set(name) and not any(ord(c) < 32 for c in name), name
        assert not name.startswith("'") and not name.endswith("'"), name
        assert name.casefold() != "history"
    assert len({n.casefold() for n in names}) == len(names)


def test_sheet_names_keep_a_legal_label_as_it_is():
    assert sheet_names(["Win rate by Region", "按区域赢单率"]) == ["Win rate by Region", "按区域赢单率"]


def test_a_table_by_a_column_is_named_with_that_columns_header():
    for lang in i18n.LANGS:
        label = sheet_label("competitors_by_region", lang)
        assert i18n.header(["region"], lang)[0] in label and label != "competitors_by_region"


# ---------------------------------------------------------------------------------------------- the workbook
def _hostile_table() -> pd.DataFrame:
    return pd.DataFrame({"=name": ["=1+2", "-5", "bell\x07", "华东"], "margin": [-5, 3, 1, 2]})


def test_workbook_keeps_text_as_text_and_numbers_as_numbers(tmp_path):
    tables = [WorkbookTable("at_risk", _hostile_table(), "Accounts at risk", "tables/at_risk.csv")]
    path = write_workbook(tmp_path / "r.xlsx", tables, lang="en")
    sheet = openpyxl.load_workbook(path)[sheet_label("at_risk", "en")]
    header, *rows = list(sheet.iter_rows())
    assert (header[0].value, header[0].data_type, header[0].quotePrefix) == ("=name", "s", True)
    texts = [row[0] for row in rows]
    assert [c.value for c in texts] == ["=1+2", "-5", "bell\\x07", "华东"]
    assert all(c.data_type == "s" for c in texts)
    assert [c.quotePrefix for c in texts] == [True, True, False, False]
    assert [row[1].value for row in rows] == [-5, 3, 1, 2] and all(row[1].data_type == "n" for row in rows)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_contents_sheet_says_what_each_sheet_holds_and_the_parameters(tmp_path, lang):
    rates = pd.DataFrame({"region": ["east"], "win_rate": [0.5]})
    tables = [WorkbookTable("win_rates_by_region", rates, "Win rate", "tables/win_rates_by_region.csv"),
              WorkbookTable("at_risk", _hostile_table(), "", "tables/at_risk.csv")]
    parameters = pd.DataFrame({"parameter": ["lang", "data"], "value": [lang, "=cmd|' /C calc'!A0"]})
    book = openpyxl.load_workbook(write_workbook(tmp_path / "r.xlsx", tables, lang=lang, parameters=parameters))
    assert book.sheetnames == [i18n.t("workbook.contents", lang), *(sheet_label(t.name, lang) for t in tables)]
    contents = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert contents[1][:3] == [sheet_label("win_rates_by_region", lang), "Win rate", 1]
    assert contents[2][1] == sheet_label("at_risk", lang)  # no section heading: the sheet's name
    assert contents[2][4] == "tables/at_risk.csv"
    assert contents[-3][:2] == [i18n.t("workbook.parameter", lang), i18n.t("workbook.value", lang)]
    assert [r[:2] for r in contents[-2:]] == parameters.values.tolist()
    link = book.worksheets[0].cell(row=2, column=1).hyperlink
    assert link is not None and sheet_label("win_rates_by_region", lang) in link.location
    assert all(c.data_type != "f" for row in book.worksheets[0].iter_rows() for c in row)


# ---------------------------------------------------------------------------------------------- the page
def _page(tmp_path: Path, lang: str = "en") -> tuple[Page, list]:
    shown: list = []
    return Page(lang=lang, output_dir=tmp_path / "04_x-en", display=shown.append), shown


def test_page_writes_csvs_at_once_and_the_workbook_when_it_closes(tmp_path):
    page, shown = _page(tmp_path)
    frame = pd.DataFrame({"region": ["east", "west"], "win_rate": [0.5, 0.25]})
    page.start("title.win_loss_analysis", "text.win_loss_intro", parameters={"lang": "en", "token": "s3cret"})
    page.show(Section("title.wl_win_rates", items=[Table(frame)], findings=["Half.", "A quarter."],
                      saved={"win_rates_by_region": Table(frame, {"region": "region"})}))
    assert (page.output_dir / "tables" / "win_rates_by_region.csv").is_file()
    assert not page.workbook.exists()
    page.conclusions()
    assert page.workbook == page.output_dir / "04_x-en.xlsx"
    book = openpyxl.load_workbook(page.workbook)
    assert book.sheetnames == ["Contents", "Win rate by Region"]
    assert [c.value for c in book["Win rate by Region"][2]] == ["East", 0.5]
    assert "s3cret" not in json.dumps([[c.value for c in row] for row in book["Contents"].iter_rows()])
    closing = [o for o in shown if getattr(o, "metadata", None)]
    assert [o.metadata for o in closing] == [{"kamlib": {"findings": ["Half.", "A quarter."]}}]


def test_a_closing_section_closes_the_page_with_the_lines_it_lists(tmp_path):
    page, shown = _page(tmp_path, "zh")
    frame = pd.DataFrame({"region": ["east"], "revenue": [5.0]})
    page.show(Section("title.revenue_by_region", items=[Table(frame)], saved={"revenue_by_region": Table(frame)}))
    page.show(Section(CLOSING, items=["- 华东最大。\n- 共5元。"]))
    assert shown[-2].metadata == {"kamlib": {"findings": ["华东最大。", "共5元。"]}}
    assert openpyxl.load_workbook(page.workbook).sheetnames == ["目录", "按区域销售额"]


def test_a_long_table_shows_its_top_and_links_the_full_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the report is
    page, shown = _page(tmp_path)
    every = pd.DataFrame({"account_id": [f"A{i}" for i in range(SHOWN_ROWS + 5)], "revenue": range(SHOWN_ROWS + 5)})
    page.show(Section("title.cc_churn", items=[Table(every.head(SHOWN_ROWS + 2))], saved={"at_risk": Table(every)}))
    html = shown[-1].to_html()
    assert html.count("<tr>") == SHOWN_ROWS + 1  # header and the top rows
    caption = re.search(r"<caption>(.*)</caption>", html, re.DOTALL).group(1)
    assert f"{SHOWN_ROWS} of {SHOWN_ROWS + 5} rows" in caption
    assert 'href="04_x-en/04_x-en.xlsx"' in caption and 'href="04_x-en/tables/at_risk.csv"' in caption
    assert sheet_label("at_risk", "en") in caption


def test_a_wide_table_shows_the_columns_that_fit_and_says_so(tmp_path):
    page, shown = _page(tmp_path, "zh")
    wide = pd.DataFrame({"account_id": ["A1"], **{f"metric_{i}": [1_234_567_890.0] for i in range(15)}})
    page.show(Section("title.cc_churn", items=[Table(wide)], saved={"wide": Table(wide)}))
    html = shown[-1].to_html()
    kept = html.count('class="col_heading')
    assert i18n.header(["account_id"], "zh")[0] in html
    assert 1 < kept < 16
    assert f"{kept} 列（共 16 列）" in html


def test_a_cut_table_still_shows_data_values_as_text(tmp_path):
    page, shown = _page(tmp_path)
    hostile = pd.DataFrame({"name": ["<script>alert(1)</script>"] * (SHOWN_ROWS + 1)})
    page.show(Section("title.cc_churn", items=[Table(hostile)], saved={"at_risk": Table(hostile)}))
    html = shown[-1].to_html()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<caption>" in html


# ---------------------------------------------------------------------------------------------- the index
def _executed(folder: Path, stem: str, findings: list[str]) -> None:
    output = {"output_type": "display_data", "data": {"text/plain": "x"}, "metadata": {"kamlib": {"findings": findings}}}
    folder.mkdir(parents=True)
    (folder / f"{stem}.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [output]}]}),
                                          encoding="utf-8")


def test_index_shows_headline_findings_escaped_and_one_workbook_link(tmp_path):
    findings = ["**<img src=x onerror=alert(1)>** is the largest region.", "Second.", "Third.", "Fourth."]
    _executed(tmp_path / "00_x-en", "00_x", findings)
    files = ["00_x-en/00_x.html", "00_x-en/00_x.ipynb", "00_x-en/00_x-en.xlsx",
             *(f"00_x-en/tables/t{i}.csv" for i in range(30))]
    job = JobResult(notebook="00_x", lang="en", status="ok", files=files, folder="00_x-en", ended="now")
    index = write_index(tmp_path, [job], seconds=1.0).read_text(encoding="utf-8")
    assert "<img" not in index and "&lt;img src=x onerror=alert(1)&gt;" in index
    assert "Third." in index and "Fourth." not in index
    assert 'href="00_x-en/00_x-en.xlsx"' in index and 'href="00_x-en/tables/"' in index
    assert ".csv" not in index
    assert headline_findings(tmp_path / "00_x-en" / "00_x.ipynb") == findings[:HEADLINES]


def test_index_of_a_failed_report_shows_no_findings(tmp_path):
    _executed(tmp_path / "00_x-en", "00_x", ["Should not show."])
    job = JobResult(notebook="00_x", lang="en", status="failed", files=["00_x-en/00_x.ipynb"], folder="00_x-en",
                    error="ValueError: boom")
    assert "Should not show." not in write_index(tmp_path, [job], seconds=1.0).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------- a report run
@pytest.mark.slow
def test_every_report_has_one_workbook_named_in_its_language(report_run):
    _, run_dir = report_run
    for folder in sorted(p for p in run_dir.iterdir() if p.is_dir()):
        lang = folder.name.split("-")[1]
        (path,) = folder.glob("*.xlsx")
        book = openpyxl.load_workbook(path)
        csvs = sorted(folder.glob("tables/*.csv"))
        assert len(book.sheetnames) == 1 + len(csvs), folder.name
        contents = [[c.value for c in row] for row in book.worksheets[0].iter_rows(min_row=2, max_row=len(csvs) + 1)]
        assert sorted(row[4] for row in contents) == sorted(f"tables/{p.name}" for p in csvs)
        if lang == "zh":
            assert all(CJK.search(name) for name in book.sheetnames), book.sheetnames
        assert not [p for p in folder.iterdir() if p.suffix == ".csv"], "CSV files belong in tables/"


@pytest.mark.slow
def test_index_shows_each_reports_headline_findings(report_run):
    _, run_dir = report_run
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert index.count('<ul class="findings">') == 2 * len(report.find_notebooks())
    assert ".csv<" not in index


# ---------------------------------------------------------------------------------------------- interactive runs
@pytest.mark.parametrize("notebook", report.find_notebooks(), ids=lambda p: p.stem)
def test_a_notebook_run_by_hand_writes_under_reports(notebook):
    default = report.notebook_parameters(notebook)["output_dir"]["default"].strip("\"'")
    target = (notebook.parent / default).resolve()
    assert target == ROOT / "reports" / "interactive" / notebook.stem
    ignored = subprocess.run(["git", "check-ignore", "-q", str(target / "tables" / "x.csv")], cwd=ROOT, check=False)
    assert ignored.returncode == 0, f"{target} is not ignored by git"


def test_index_links_other_pages_and_the_folder_of_further_files(tmp_path):
    files = ["03_v-zh/03_v.html", "03_v-zh/03_v.ipynb", "03_v-zh/precall.html",
             *(f"03_v-zh/visits_R{i}.ics" for i in range(20))]
    job = JobResult(notebook="03_v", lang="zh", status="ok", files=files, folder="03_v-zh", ended="now")
    index = write_index(tmp_path, [job], seconds=1.0).read_text(encoding="utf-8")
    assert 'href="03_v-zh/precall.html"' in index and 'href="03_v-zh/"' in index
    assert i18n.t("report.more_files", "zh", count=20) in index and ".ics" not in index
