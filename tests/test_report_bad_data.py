"""Reports on imperfect data: each analysis reads only its tables, and bad data gives a page of problems.

A folder copied from the sample with accounts.csv broken (two cells of a 0–4 level,
one of them markup) stops the classification report, which reads accounts, and not
the win/loss report, which can do without it. The stopped report is a page listing
file, column, rows and fix in the report's language, with no traceback; the run
index, the manifest and the command's output list the same problems; the command
exits 2.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import kamlib.data as kd
from kamlib import i18n
from kamlib.data.dataset import sample_dir
from kamlib.errors import ConfigError, DataError
from kamlib.report import Job, bad_data, runner

HOSTILE = "<script>alert(1)</script>"
BROKEN_INDEX = (2, 5)  # data rows broken in accounts.csv ...
BROKEN_ROWS = [i + 2 for i in BROKEN_INDEX]  # ... as numbered in the file (header = row 1)
KAM = Path(sys.executable).with_name("kam")


def _broken_copy(where: Path) -> Path:
    """The sample with accounts.csv's purchase_level broken in two rows."""
    folder = where / "crm-export"
    shutil.copytree(sample_dir(), folder)
    accounts = pd.read_csv(folder / "accounts.csv", dtype=str, keep_default_na=False)
    accounts.loc[list(BROKEN_INDEX), "purchase_level"] = ["lots", HOSTILE]
    accounts.to_csv(folder / "accounts.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _broken_copy(tmp_path_factory.mktemp("bad"))


# ------------------------------------------------------------------ load(tables=...)
def test_load_reads_only_the_tables_named_and_notes_the_other_files(broken):
    ds = kd.load(broken, tables=["opportunities", "reps"])
    assert ds.names == ["opportunities", "reps"]
    notes = {p.source for p in ds.report.notes if p.code == "not_read"}
    others = {p.name for p in broken.iterdir()} - {"opportunities.csv", "reps.csv"}
    assert notes == others and "accounts.csv" in notes
    assert not ds.report.errors and not [p for p in ds.report.warnings if p.source == "accounts.csv"]


def test_a_named_table_with_errors_still_stops_the_load(broken):
    with pytest.raises(DataError) as caught:
        kd.load(broken, tables=["accounts"])
    assert caught.value.source == "accounts.csv" and caught.value.column == "purchase_level"
    assert list(caught.value.rows) == BROKEN_ROWS


def test_an_optional_table_with_errors_is_left_out_with_a_warning(broken):
    ds = kd.load(broken, tables=["opportunities"], optional=["accounts"])
    assert "accounts" not in ds and "opportunities" in ds
    warning, left_out = [p for p in ds.report.warnings if p.source == "accounts.csv"]
    assert warning.column == "purchase_level" and list(warning.rows) == BROKEN_ROWS
    assert left_out.code == "table_left_out" and "accounts is left out" in left_out.message
    assert kd.load(tables=["opportunities"], optional=["accounts"]).names == ["accounts", "opportunities"]  # sound: used


def test_a_file_that_cannot_be_read_is_not_opened_when_not_named(tmp_path):
    folder = _broken_copy(tmp_path)
    (folder / "visits.csv").write_bytes(b"\x00\xff\xfe garbage \x00" * 50)
    assert kd.load(folder, tables=["orders"], cache=False).names == ["orders"]
    assert not kd.validate(folder).ok  # kam validate still checks every file


def test_a_partial_load_is_never_taken_for_a_whole_one(broken):
    assert kd.load(broken, tables=["orders"]).names == ["orders"]  # cached
    with pytest.raises(DataError, match="accounts.csv"):
        kd.load(broken)
    assert any(p.source == "accounts.csv" and p.column == "purchase_level" for p in kd.validate(broken).errors)


def test_unknown_table_names_are_refused():
    with pytest.raises(ConfigError, match="'order' is not a table of the data contract"):
        kd.load(tables=["order"])
    with pytest.raises(ConfigError, match="'acounts'"):
        kd.load(tables=["orders"], optional=["acounts"])


# ------------------------------------------------------------------ the page of problems
def test_the_page_escapes_every_value_and_has_no_script(tmp_path):
    problems = [{"source": "<i>a.csv</i>", "column": HOSTILE, "rows": [3, 9], "count": 40,
                 "message": f"a.csv: {HOSTILE} is not a level. Correct the cell.", "zh": ""}]
    page = bad_data.write_page(tmp_path / "p.html", problems, title="<b>T</b>", lang="zh").read_text(encoding="utf-8")
    assert "<script" not in page and "<i>" not in page and "<b>T" not in page
    assert html.escape(HOSTILE) in page and "&lt;i&gt;a.csv&lt;/i&gt;" in page
    assert '<html lang="zh-CN">' in page and i18n.t("report.bad_data_heading", "zh") in page
    assert "3、9" + i18n.t("report.bad_data_more_rows", "zh", count="40") in page  # the rows shown, and how many


def test_problems_of_keeps_every_problem_of_a_load(broken):
    with pytest.raises(DataError) as caught:
        kd.load(broken, tables=["accounts"])
    (problem,) = bad_data.problems_of(caught.value)
    assert (problem["source"], problem["column"], problem["rows"]) == ("accounts.csv", "purchase_level", BROKEN_ROWS)
    assert problem["message"] == str(caught.value)
    assert json.loads(json.dumps(problem)) == problem


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_new_kernel_records_the_problems_too(tmp_path, broken, lang):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell("data = None\nlang = 'en'\noutput_dir = '.'", metadata={"tags": ["parameters"]})
    nb.cells = [params, nbformat.v4.new_code_cell("import kamlib.data\nkamlib.data.load(data, tables=['accounts'])")]
    notebook = tmp_path / "05_check.ipynb"
    nbformat.write(nb, notebook)
    result = runner.execute_job(Job(notebook, lang, {"data": str(broken), "lang": lang}, folder="job"), tmp_path / "run")
    assert result.status == "bad_data" and not result.ok
    assert [(p["source"], p["column"], p["rows"]) for p in result.problems] == [
        ("accounts.csv", "purchase_level", BROKEN_ROWS)]
    assert not (tmp_path / "run" / "job" / bad_data.PROBLEMS_FILE).exists()
    page = (tmp_path / "run" / "job" / "05_check.html").read_text(encoding="utf-8")
    assert "Traceback" not in page and i18n.t("report.bad_data_heading", lang) in page


# ------------------------------------------------------------------ a whole run
@pytest.fixture(scope="module")
def bad_run(broken, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    proc = subprocess.run([str(KAM), "report", "--data", str(broken), "--only", "02", "--only", "04", "--lang", "all",
                           "--jobs", "2", "--out", str(out)], check=False, capture_output=True, text=True, timeout=900)
    (run_dir,) = out.iterdir()
    return proc, run_dir, json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def _expected(broken: Path, lang: str) -> str:
    """What kam validate says about accounts.csv, in *lang*: the page must say the same."""
    (problem,) = [p for p in kd.validate(broken).errors if p.source == "accounts.csv"]
    return problem.text(lang)


@pytest.mark.slow
def test_bad_data_exits_2_and_the_other_reports_are_published(bad_run):
    proc, _, manifest = bad_run
    assert proc.returncode == 2, proc.stderr
    status = {(j["notebook"], j["lang"]): j["status"] for j in manifest["jobs"]}
    assert status == {("02_customer_classification", "en"): "bad_data", ("02_customer_classification", "zh"): "bad_data",
                      ("04_win_loss_analysis", "en"): "ok", ("04_win_loss_analysis", "zh"): "ok"}
    assert "bad data in 02_customer_classification (en):" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_stopped_report_lists_file_column_rows_and_fix(bad_run, broken, lang):
    _, run_dir, _ = bad_run
    page = (run_dir / f"02_customer_classification-{lang}" / "02_customer_classification.html").read_text(encoding="utf-8")
    assert "Traceback" not in page and "DataError" not in page
    assert i18n.t("report.bad_data_heading", lang) in page
    assert ">accounts.csv<" in page and ">purchase_level<" in page
    assert ("、" if lang == "zh" else ", ").join(map(str, BROKEN_ROWS)) in page
    assert html.escape(_expected(broken, lang)) in page  # the problem and its fix, as kam validate words them
    assert "<script>" not in page and html.escape(HOSTILE) in page


@pytest.mark.slow
def test_index_and_manifest_list_the_problems(bad_run, broken):
    _, run_dir, manifest = bad_run
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    for lang in ("en", "zh"):
        assert html.escape(_expected(broken, lang)) in index
    assert "<script>" not in index
    for job in (j for j in manifest["jobs"] if j["status"] == "bad_data"):
        (problem,) = job["problems"]
        assert (problem["source"], problem["column"], problem["rows"]) == ("accounts.csv", "purchase_level",
                                                                           BROKEN_ROWS)
        assert problem["message"] == _expected(broken, "en")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_win_loss_runs_without_the_broken_accounts_and_shows_no_server_path(bad_run, broken, lang):
    _, run_dir, _ = bad_run
    page = (run_dir / f"04_win_loss_analysis-{lang}" / "04_win_loss_analysis.html").read_text(encoding="utf-8")
    assert "Traceback" not in page
    assert f"{i18n.t('parameter.data', lang)}{'（data）' if lang == 'zh' else ' (data)'}" in page
    assert f"…/{broken.parent.name}/{broken.name}" in page
    assert str(broken.parent) not in page and str(run_dir) not in page


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_win_loss_says_near_the_top_that_it_runs_without_the_broken_accounts(bad_run, broken, lang):
    _, run_dir, _ = bad_run
    page = (run_dir / f"04_win_loss_analysis-{lang}" / "04_win_loss_analysis.html").read_text(encoding="utf-8")
    ds = kd.load(broken, tables=["opportunities", "reps", "products", "showroom"], optional=["accounts"])
    (left_out,) = [p for p in ds.report.warnings if p.code == "table_left_out"]
    note = html.escape(left_out.text(lang), quote=False)
    assert left_out.source == "accounts.csv" and note in page
    assert page.index(i18n.t("page.data_left_out", lang).strip("*")) < page.index(note)
    assert page.index(note) < page.index(i18n.t("title.what_this_means", lang))
    assert "<script>" not in page and html.escape(HOSTILE) in page  # the broken cell, shown as text
