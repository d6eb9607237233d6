"""Tests of kamlib.report and ``kam report``.

Fast tests cover the small steps (run folders, notebook selection, parameter checks,
table writing); the tests marked ``slow`` run the real notebooks on the sample.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re
import runpy
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import kamlib.i18n
from kamlib import report, tables
from kamlib.cli import main
from kamlib.errors import ConfigError, ReportError
from kamlib.report import secrets
from kamlib.sections import Page

OVERVIEW = report.NOTEBOOKS_DIR / "00_data_overview.ipynb"
CJK = re.compile(r"[\u4e00-\u9fff]")


# =================================================================== fast: pieces
def test_new_run_dir_never_reuses_a_folder(tmp_path):
    when = dt.datetime(2026, 11, 22, 17, 30, 0)
    names = [report.new_run_dir(tmp_path, now=when).name for _ in range(3)]
    assert names == ["20261122-173000", "20261122-173000-2", "20261122-173000-3"]


def test_find_notebooks_by_number_name_stem_or_path(tmp_path):
    assert report.find_notebooks(["00"]) == [OVERVIEW]
    assert report.find_notebooks(["00_data_overview"]) == [OVERVIEW]
    assert report.find_notebooks(["00_data_overview.ipynb"]) == [OVERVIEW]
    copy = tmp_path / "99_copy.ipynb"
    copy.write_bytes(OVERVIEW.read_bytes())
    assert report.find_notebooks([str(copy)]) == [copy.resolve()]
    assert OVERVIEW in report.find_notebooks()
    with pytest.raises(ReportError, match=r"--only 77: matches no notebook \(notebooks in .*00_data_overview"):
        report.find_notebooks(["77"])


def test_notebook_parameters_understand_modern_annotations():
    params = report.notebook_parameters(OVERVIEW)
    assert {"data", "lang", "output_dir"} <= set(params)
    assert params["data"]["inferred_type_name"] == "str | None"
    assert params["data"]["default"] == "None"
    assert params["lang"]["help"].startswith("语言 / ")


def _notebook(path: Path, parameters: str, *cells: str) -> Path:
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(
        cells=[params, *map(nbformat.v4.new_code_cell, cells)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, path)
    return path


BASE = 'data: str | None = None  # d\nlang: str = "en"  # l\noutput_dir: str = "."  # o\n'


def test_plan_rejects_unknown_parameters_before_running():
    with pytest.raises(ReportError, match=r"00_data_overview.ipynb: unknown parameter 'regoin' \(the notebook's parameters are: data, lang, interactive, output_dir\)"):
        report.plan([OVERVIEW], parameters={"regoin": "east"})


def test_plan_rejects_bad_lang_missing_data_and_runner_parameters(tmp_path):
    with pytest.raises(ReportError, match="lang must be one of 'en', 'zh', 'all', but 'fr' was passed"):
        report.plan([OVERVIEW], lang="fr")
    with pytest.raises(ReportError, match="does not exist"):
        report.plan([OVERVIEW], data=str(tmp_path / "nowhere"))
    with pytest.raises(ReportError, match="'output_dir' is set by the report runner"):
        report.plan([OVERVIEW], parameters={"output_dir": "x"})


def test_plan_needs_a_parameters_cell(tmp_path):
    path = tmp_path / "01_plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), path)
    with pytest.raises(ReportError, match="no cell tagged 'parameters'"):
        report.plan([path])


def test_plan_converts_text_values_to_the_declared_type(tmp_path):
    path = _notebook(
        tmp_path / "01_typed.ipynb",
        BASE + 'top_n: int = 5  # n\nshare: float = 0.8\nvip: bool = False\nregion: str | None = "华东"  # 区域 / region\n',
    )
    assert report.notebook_parameters(path)["region"]["help"] == "区域 / region"
    jobs = report.plan([path], lang="all", parameters={"top_n": "10", "share": "0.9", "vip": "yes", "region": "none"})
    assert [job.lang for job in jobs] == ["en", "zh"]
    assert jobs[0].parameters == {"data": None, "lang": "en", "top_n": 10, "share": 0.9, "vip": True, "region": None}
    with pytest.raises(ReportError, match="parameter 'top_n' expects int, but 'ten' was passed"):
        report.plan([path], parameters={"top_n": "ten"})


def test_plan_reads_lists_and_mappings_written_as_yaml(tmp_path):
    path = _notebook(tmp_path / "01_rules.ipynb", BASE + "cutoffs: list = [0.8, 0.95]\nweights: dict | None = None\n")
    job = report.plan([path], parameters={"cutoffs": "[0.7, 0.9]", "weights": '{"volume": 0.4, "partnership": 0.6}'})[0]
    assert job.parameters["cutoffs"] == [0.7, 0.9]
    assert job.parameters["weights"] == {"volume": 0.4, "partnership": 0.6}
    assert report.plan([path], parameters={"weights": "None"})[0].parameters["weights"] is None
    with pytest.raises(ReportError, match=r"parameter 'cutoffs' expects list, but '0.7' was passed. Write it as YAML"):
        report.plan([path], parameters={"cutoffs": "0.7"})


def test_save_table_writes_excel_friendly_files(tmp_path):
    frame = pd.DataFrame({"region": ["east", "west"], "revenue": [1234.5, 10.0], "share": [0.9, 0.1]})
    files = tables.save_table(frame, "revenue_by_region", tmp_path / "new", lang="zh")
    assert [f.name for f in files] == ["revenue_by_region.csv", "revenue_by_region.xlsx"]
    raw = files[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows Chinese
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "区域,销售额,占比"
    assert "1234.5" in text  # numbers stay numbers
    back = pd.read_excel(files[1])
    assert back.columns.tolist() == ["区域", "销售额", "占比"]
    assert not list((tmp_path / "new").glob(".*"))  # no temporary files left


def test_save_table_keeps_english_names_without_lang(tmp_path):
    frame = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"]), "revenue": [1.0]})
    (csv,) = tables.save_table(frame, "monthly", tmp_path, formats=("csv",))
    assert csv.read_text(encoding="utf-8-sig").splitlines() == ["month,revenue", "2024-01-01,1.0"]


def test_save_table_refuses_paths_as_names(tmp_path):
    with pytest.raises(ConfigError, match="name must be a plain file stem"):
        tables.save_table(pd.DataFrame({"a": [1]}), "../escape", tmp_path)


def test_styled_formats_for_readers():
    frame = pd.DataFrame(
        {"region": ["east", None], "revenue": [1234567.8, 5.0], "orders": [1200, 3], "share": [0.95, 0.05],
         "first_date": pd.to_datetime(["2024-01-05", None])}
    )
    html = tables.styled(frame, "zh").to_html()
    for text in ("区域", "销售额", "订单数", "占比", "最早日期", "1,234,568", "1,200", "95.0%", "2024-01-05", "–"):
        assert text in html, text
    assert "00:00:00" not in html


def _cells(styler) -> list[str]:
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", styler.to_html(), re.DOTALL)]


def test_styled_shows_every_figure_through_the_shared_formats():
    frame = pd.DataFrame({
        "accounts": [20.0, 3.0], "market_growth": [-0.0004, 0.125], "median_days": [35.5, 37.0],
        "month": pd.to_datetime(["2025-01-01", "2025-02-01"]), "target_met": [True, False],
        "recognised": pd.Series([True, None], dtype=object), "ci_low": [0.28, 0.3], "relative_share": [0.39, 1.69],
        "target": [8.5e8, 0.23], "year": [2025, 2024], "visits_per_day": [3.6, 4.0], "profit": [-0.004, 1234.0]})
    zh = _cells(tables.styled(frame, "zh"))
    assert zh[:12] == ["20", "0.0%", "35.5", "2025年1月", "是", "是", "28.0%", "0.39", "850,000,000", "2025", "3.60", "0.00"]
    assert zh[12:] == ["3", "12.5%", "37", "2025年2月", "否", "–", "30.0%", "1.69", "0.23", "2024", "4.00", "1,234"]
    en = _cells(tables.styled(frame, "en"))
    assert en[3:6] == ["2025-01", "Yes", "Yes"] and en[16:18] == ["No", "–"]
    assert frame["accounts"].dtype == "float64" and frame.loc[0, "target_met"]  # only the shown text changes


def test_secrets_are_scrubbed_from_an_executed_notebook(tmp_path):
    nb = tmp_path / "x.ipynb"
    content = {
        "cells": [{"source": 'data = "postgresql://kam:hunter2@db/crm"',
                   "outputs": [{"text": "DataError: postgresql:/kam:hunter2@db/crm: no such file"}]}],
        "metadata": {"papermill": {"parameters": {"data": "postgresql://kam:hunter2@db/crm", "t": "a"}}},
    }
    nb.write_text(json.dumps(content), encoding="utf-8")
    secrets.scrub(nb, secrets.secrets_in({"data": "postgresql://kam:hunter2@db/crm"}))
    text = nb.read_text(encoding="utf-8")
    assert "hunter2" not in text
    assert "kam:***@db" in text and "postgresql:/kam:***@db" in text
    # A secret that happens to be a common letter garbles text but never breaks the file.
    secrets.scrub(nb, secrets.secrets_in({"api_token": "a"}))
    cleaned = json.loads(nb.read_text(encoding="utf-8"))
    assert cleaned["metadata"]["papermill"]["parameters"]["t"] == "***"
    assert set(cleaned["cells"][0]) == {"source", "outputs"}


# ================================================================ slow: end to end
def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_report_all_languages_end_to_end(report_run):
    result, run_dir = report_run
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"\d{8}-\d{6}(-\d+)?", run_dir.name)
    assert f"run folder: {run_dir}" in result.output
    stems = [nb.stem for nb in report.find_notebooks()]
    n = 2 * len(stems)
    assert f"{n} reports: {n} ok, 0 failed" in result.output
    for lang in ("en", "zh"):  # one line per finished job, in the order they finish
        assert re.search(rf"\[\d+/{n}\] 00_data_overview \({lang}\) \.\.\. ok \d+\.\d s", result.stderr)

    manifest = _manifest(run_dir)
    assert manifest["status"] == "ok"
    assert manifest["kamlib_version"]
    assert manifest["parameters"] == {"data": None, "lang": "all"}
    assert [(j["notebook"], j["lang"], j["status"]) for j in manifest["jobs"]] == [
        (stem, lang, "ok") for stem in stems for lang in ("en", "zh")
    ]
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in index
    for lang in ("en", "zh"):
        job = run_dir / f"00_data_overview-{lang}"
        files = {f for j in manifest["jobs"] if j["lang"] == lang for f in j["files"]}
        for name in ("00_data_overview.ipynb", "00_data_overview.html", f"00_data_overview-{lang}.xlsx",
                     "tables/revenue_by_region.csv", "tables/tables.csv"):
            assert (job / name).is_file(), name
            assert f"00_data_overview-{lang}/{name}" in files
        assert f'href="00_data_overview-{lang}/00_data_overview.html"' in index


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_executed_notebook_is_clean_and_starts_with_parameters(report_run, lang):
    _, run_dir = report_run
    nb = nbformat.read(run_dir / f"00_data_overview-{lang}" / "00_data_overview.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    # The first table shown is the parameter summary.
    first_table = next(o for o in outputs if "<table" in o.get("data", {}).get("text/html", ""))
    assert ("参数" if lang == "zh" else "Parameter") in first_table["data"]["text/html"]
    assert f">{lang}<" in first_table["data"]["text/html"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 2  # bar and line chart
    # The CSV the notebook wrote opens in Excel with Chinese headers.
    csv = (run_dir / f"00_data_overview-{lang}" / "tables" / "revenue_by_region.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")
    assert ("区域" if lang == "zh" else "Region") in csv.decode("utf-8-sig").splitlines()[0]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_report_has_no_code_and_follows_lang(report_run, lang):
    _, run_dir = report_run
    html = (run_dir / f"00_data_overview-{lang}" / "00_data_overview.html").read_text(encoding="utf-8")
    assert not re.search(r'<div[^>]*class="[^"]*(jp-InputArea|jp-CodeMirrorEditor)', html)  # no code inputs
    assert "import kamlib" not in html and "kam.overview" not in html
    assert "notebook-only" not in html and "Cells tagged" not in html
    assert not re.search(r'<script[^>]+src="https?://', html)  # opens offline
    headings = re.findall(r"<h[12][^>]*>(.*?)<", html)
    if lang == "zh":
        assert "数据概览" in headings and "各区域销售额" in headings and "结论与启示" in headings
        assert all(CJK.search(h) for h in headings), headings
    else:
        assert "Data overview" in headings and "What this means" in headings
        assert not any(CJK.search(h) for h in headings), headings


def _broken_copy(tmp_path: Path) -> Path:
    nb = nbformat.read(OVERVIEW, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("deliberate failure")'))
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_failing_notebook_does_not_stop_the_others(tmp_path):
    broken = _broken_copy(tmp_path)
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        main, ["report", "--only", "00", "--only", str(broken), "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 1, result.output
    assert "2 reports: 1 ok, 1 failed" in result.output
    assert "(failed: 99_broken (en))" in result.output
    (run_dir,) = out.iterdir()
    jobs = {j["notebook"]: j for j in _manifest(run_dir)["jobs"]}
    assert jobs["00_data_overview"]["status"] == "ok"
    assert jobs["99_broken"]["status"] == "failed"
    assert jobs["99_broken"]["error"].startswith("RuntimeError: deliberate failure")
    assert _manifest(run_dir)["status"] == "failed"
    # The partial notebook is kept, with the error in the failing cell, and rendered.
    kept = nbformat.read(run_dir / "99_broken-en" / "99_broken.ipynb", as_version=4)
    errors = [o for c in kept.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "RuntimeError"
    assert (run_dir / "99_broken-en" / "99_broken.html").is_file()
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    assert 'class="failed"' in index and "deliberate failure" in index


@pytest.mark.slow
def test_secrets_never_reach_an_output_file(tmp_path):
    secret_url = "postgresql://kam:hunter2@127.0.0.1:9/crm"
    result = report.run(["00"], data=secret_url, out=tmp_path)
    files = [p for p in result.run_dir.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert b"hunter2" not in path.read_bytes(), path
    assert "kam:***@127.0.0.1" in (result.run_dir / "manifest.json").read_text(encoding="utf-8")


def test_unknown_parameter_is_rejected_before_anything_runs(tmp_path):
    """Through the real entry point: exit status 2, one clean line, no run folder."""
    out = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-c", "from kamlib.cli import run; run()", "report", "--param", "regoin=east", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "error: 00_data_overview.ipynb: unknown parameter 'regoin'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_cli_param_needs_key_value(tmp_path):
    result = CliRunner().invoke(main, ["report", "--param", "oops", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "expected KEY=VALUE, but 'oops' was passed" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_section_without_its_columns_says_so_and_the_report_goes_on(tmp_path, lang):
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(
        "account_id,order_date,revenue\nA1,2024-01-05,100\nA2,2024-02-05,50\n", encoding="utf-8"
    )
    result = report.run(["00"], data=str(data), lang=lang, out=tmp_path / "reports")
    assert result.ok, result.jobs[0].error
    html = (result.run_dir / f"00_data_overview-{lang}" / "00_data_overview.html").read_text(encoding="utf-8")
    needs = kamlib.i18n.t("text.needs", lang, what="region (orders or accounts)")
    assert needs in html
    assert not (result.run_dir / f"00_data_overview-{lang}" / "revenue_by_region.csv").exists()


def test_every_notebook_has_a_translated_report_title():
    for notebook in report.find_notebooks():
        key = "title." + re.sub(r"^\d+[_\-]", "", notebook.stem)
        assert kamlib.i18n.has(key), f"add a label {key} for {notebook.name}"


# ========================================================= fast: data values stay text
# The values of the hostile dataset (tests/data/make_hostile.py): markup, formulas, 4-byte characters.
HOSTILE = runpy.run_path(str(Path(__file__).resolve().parent / "data" / "make_hostile.py"))["VALUES"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Markup(HTMLParser):
    """The tags, attributes and text of an HTML fragment."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.text = ""
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]

    def handle_data(self, data):
        self.text += data

    def runs_nothing(self) -> bool:
        scripts = {"script", "img", "svg", "iframe"} & self.tags
        handlers = [n for n, v in self.attributes if n.startswith("on") or v.strip().lower().startswith("javascript:")]
        return not scripts and not handlers


def test_styled_escapes_cells_and_headers_and_keeps_number_formats():
    frame = pd.DataFrame({"account_name": HOSTILE, "revenue": [1234567.8] * len(HOSTILE),
                          "orders": [-5] * len(HOSTILE), "main_drivers": [f"region={v} (+0.21)" for v in HOSTILE]})
    frame[HOSTILE[0]] = "-5"  # a column named by the data; "-5" as text
    shown = _Markup(tables.styled(frame, "zh", values={"account_name": "region"}).to_html())
    assert shown.runs_nothing(), shown.tags
    for value in HOSTILE:
        assert value in shown.text and f"region={value} (+0.21)" in shown.text, value
    assert "1,234,568" in shown.text and "-5" in shown.text and "客户名称" in shown.text


def test_page_table_formats_escape_too(tmp_path):
    shown = []
    frame = pd.DataFrame({"statement": HOSTILE, "market_growth": [0.125] * len(HOSTILE)})
    Page(lang="en", output_dir=tmp_path, display=shown.append).table(
        frame, formats={"statement": "{}", "market_growth": "{:.1%}"})
    markup = _Markup(shown[0].to_html())
    assert markup.runs_nothing()
    assert all(value in markup.text for value in HOSTILE) and "12.5%" in markup.text


def test_page_markdown_shows_data_values_as_text(tmp_path):
    shown = []
    page = Page(lang="zh", output_dir=tmp_path, display=shown.append)
    for value in HOSTILE:
        page.markdown(f"## {value}\n\n**{value}** 是最大的区域。\n\n- {value}\n- 第二")
    for value, output in zip(HOSTILE, shown):
        assert output.data.startswith(f"## {value}")  # the Markdown source, as written
        bundle = output._repr_mimebundle_()
        assert set(bundle) == {"text/html", "text/plain"}  # no Markdown for a renderer that passes HTML
        markup = _Markup(bundle["text/html"])
        assert markup.runs_nothing(), (value, bundle["text/html"])
        assert {"h2", "strong", "ul", "li"} <= markup.tags
        if not any(c in value for c in "[*"):  # Markdown syntax in a value is read as Markdown
            assert markup.text.count(value) == 3, value


@pytest.mark.parametrize("text", [
    "# 赢单/战败分析\n\n为什么赢单、为什么战败，购买进程在哪里流失，展厅转化如何。",
    "## Win rate\n\nOverall **鸿途 X5** (58%, 95% interval 39%–76%) & *Rule* “quoted”.",
    "- Power & handling\n- **R0020** (73%)\n- p = 0.020",
    "### Loss reasons by frequency (Pareto)\n\nThe top 3 loss reasons (Price, Configuration, Brand).",
])
def test_page_markdown_looks_as_nbconvert_rendered_it(text):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from kamlib.sections import markdown_html

    def normal(fragment: str) -> str:
        return html.unescape(fragment).replace("\n", "")

    assert normal(markdown_html(text)) == normal(markdown2html_mistune(text))


def test_save_table_writes_text_as_text(tmp_path):
    texts = [*HOSTILE, "-5", "\tcalc", "\rcalc", "a\r=1+2", "a\n=1+2", "plain"]
    frame = pd.DataFrame({"product_name": texts, "amount": [-5] * len(texts), "share": [-0.5] * len(texts)})
    frame["=SUM(A1)"] = pd.Categorical(["@x"] * len(texts))  # a header and a category from the data
    csv_file, xlsx_file = tables.save_table(frame, "hostile", tmp_path)

    with open(csv_file, encoding="utf-8-sig", newline="") as f:
        header, *rows = csv.reader(f)
    assert header == ["product_name", "amount", "share", "'=SUM(A1)"]
    assert [r[0] for r in rows] == [("'" + t if t.startswith(FORMULA_START) else t) for t in texts]
    assert {(r[1], r[2], r[3]) for r in rows} == {("-5", "-0.5", "'@x")}  # numbers stay numbers

    sheet = openpyxl.load_workbook(xlsx_file).active
    cells = list(sheet.iter_rows())
    assert not [c.coordinate for row in cells for c in row if c.data_type == "f"]
    assert [c.value for c in cells[0]] == ["product_name", "amount", "share", "=SUM(A1)"]
    # unchanged, as string cells (XML reads a carriage return back as a line feed)
    assert [row[0].value for row in cells[1:]] == [t.replace("\r", "\n") for t in texts]
    assert {row[0].data_type for row in cells[1:]} == {"s"}
    assert {(row[1].value, row[2].value) for row in cells[1:]} == {(-5, -0.5)}
    # "=cmd…" marked as quoted text: editing it in Excel does not turn it into a formula
    assert [bool(row[0].quotePrefix) for row in cells[1:]] == [t.startswith(FORMULA_START) for t in texts]


def test_figure_alt_text_and_run_index_are_escaped(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"},
                               metadata={"image/png": {"alt": f'" onerror="alert(1)" x="{HOSTILE[1]}'}}),
        nbformat.v4.new_output("display_data", data={"text/markdown": f"**{HOSTILE[0]}**"}),
    ])])
    nbformat.write(nb, tmp_path / "x.ipynb")
    page = report.render_html(tmp_path / "x.ipynb", tmp_path / "x.html")
    markup = _Markup(page.read_text(encoding="utf-8"))
    assert "img" in markup.tags and not [n for n, _ in markup.attributes if n.startswith("on")]
    assert ("alt", f'" onerror="alert(1)" x="{HOSTILE[1]}') in markup.attributes
    assert HOSTILE[0] in markup.text and "script" not in markup.tags

    job = report.JobResult(notebook=HOSTILE[1], lang="en", status="failed", error=HOSTILE[0],
                           fanout={"region": HOSTILE[0]}, files=[HOSTILE[1]])
    index = _Markup(report.write_index(tmp_path, [job], seconds=1.0).read_text(encoding="utf-8"))
    assert index.runs_nothing() and HOSTILE[0] in index.text and HOSTILE[1] in index.text


def test_save_table_writes_control_characters_as_escapes_in_xlsx(tmp_path):
    """XML cannot hold a bell or a NUL: the XLSX shows the escape, the CSV keeps the text."""
    from openpyxl import load_workbook

    frame = pd.DataFrame({"note": ["ring\x07bell", "nul\x00"], "n": [1, 2]})
    csv, xlsx = tables.save_table(frame, "notes", tmp_path)
    cells = [row[0].value for row in load_workbook(xlsx).active.iter_rows(min_row=2)]
    assert cells == ["ring\\x07bell", "nul\\x00"]
    assert "ring\x07bell" in csv.read_text(encoding="utf-8-sig")
