"""Details of the loader's messages: ignored files, empty folders, how values are shown, and their language."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import kamlib.data as kd
from kamlib.cli import main
from kamlib.data.aliases import SECTIONS
from kamlib.data.schema import READING_KEYS
from kamlib.errors import ConfigError, DataError


def test_files_that_are_not_data_are_reported_not_silently_skipped(tmp_path):
    (tmp_path / "orders.csv").write_text("account_id,order_date,revenue\nA1,2024-01-05,10\n", encoding="utf-8")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    (tmp_path / "README.txt").write_text("exported from the CRM", encoding="utf-8")
    report = kd.validate(tmp_path, cache=False)
    assert report.ok
    assert [(p.code, p.source) for p in report.warnings] == [("ignored_file", "notes.json")]
    assert "notes.json: not a data file" in report.format()


def test_a_folder_without_data_files_is_an_error_with_the_fix(tmp_path):
    duckdb.connect(str(tmp_path / "crm.duckdb")).close()
    with pytest.raises(DataError, match=r"no data files.*pass the \.duckdb file itself") as info:
        kd.load(tmp_path, cache=False)
    assert info.value.code == "no_data"


def test_numbers_from_a_database_are_shown_plainly(tmp_path):
    path = tmp_path / "crm.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders (account_id VARCHAR, order_date DATE, revenue DECIMAL(10, 2))")
        con.execute("INSERT INTO orders VALUES ('A1', DATE '2024-01-05', 10), ('A2', DATE '2024-01-06', -2)")
    with pytest.raises(DataError) as info:
        kd.load(path, cache=False)
    message = str(info.value)
    assert "(row 2: -2)" in message
    assert "Decimal" not in message


def test_progress_reports_one_line_per_table_and_nothing_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("account_id,order_date,revenue\nA1,2024-01-05,10\n", encoding="utf-8")
    (data / "accounts.csv").write_text("account_id\nA1\n", encoding="utf-8")
    lines: list[str] = []
    kd.load(data, progress=lines.append)
    assert [line.split(":")[0] for line in lines] == ["accounts.csv", "orders.csv"]
    assert "1 row read and checked" in lines[1]
    again: list[str] = []
    kd.load(data, progress=again.append)
    assert again == []


# ------------------------------------------------------------------ messages in the reader's language

BAD = Path(__file__).parent / "data" / "bad"
#: Words a Chinese message may show: names of formats and products, and code a reader types.
NAMES = {"Excel", "CSV", "XLSX", "xls", "WPS", "GBK", "GB", "Big", "Parquet", "DuckDB", "UTF", "NaN", "nan", "inf", "None", "data", "kam", "yml", "Dataset", "excluded",
         "reason", "total_row", "Total"}


def _english_words(text: str, names: set[str]) -> set[str]:
    """Latin words of *text* that are not quoted values, file names, paths, YAML lines or *names*."""
    text = text.split("\n", 1)[0]  # the YAML lines a fix shows come after the first line
    text = re.sub(r"'(?:[^']|'')*'", "", text)  # quoted values and headers
    text = re.sub(r"「[^」]*」", "", text)  # another program's own words (DuckDB, the system), quoted
    text = re.sub(r"[\w./\\:+-]*\.(?:csv|xlsx|parquet|duckdb|json|txt)\b(?:!\w+)?", "", text)  # file names
    text = re.sub(r"(?:/[\w.+-]+)+", "", text)  # paths
    words = set(re.findall(r"[A-Za-z][A-Za-z_]+", text))  # single letters name axes (X, Y) and sheet columns
    return {w for w in words if w not in names}


def _problems_of_every_bad_case() -> list[kd.Problem]:
    return [p for case in sorted(BAD.iterdir()) for p in kd.validate(case, cache=False).problems]


def _contract_names() -> set[str]:
    """Tables, columns, status values and the keys of kam.yml: names a reader types as they are."""
    return (set(kd.TABLES) | {c.name for t in kd.TABLES.values() for c in t.columns} | {"won", "lost", "open"}
            | set(READING_KEYS) | set(SECTIONS) | {"reading", "aliases"})


def test_a_chinese_message_shows_no_english_words_but_names():
    problems = _problems_of_every_bad_case()
    assert all(p.zh for p in problems), [p.message for p in problems if not p.zh]
    translated = problems
    assert len({p.code for p in translated}) >= 20
    names = NAMES | _contract_names()
    for p in translated:
        stem = set(re.findall(r"[A-Za-z][A-Za-z_]+", Path(p.source).stem))  # a file's name, as a YAML key
        assert not _english_words(p.text("zh"), names | stem), (p.code, p.text("zh"))


def test_the_english_check_finds_english():
    assert _english_words("orders.csv：列 'x' 中有 negative values", set()) == {"negative", "values"}


def test_validate_speaks_the_language_asked_for(tmp_path):
    (tmp_path / "orders.csv").write_text("account_id,order_date,revenue\nA1,someday,10\nA2,2024-01-05,-3\n",
                                         encoding="utf-8")
    lines: list[str] = []
    report = kd.validate(tmp_path, cache=False, progress=lines.append, lang="zh")
    assert lines[0].startswith("orders.csv：已读取并检查 2 行，用时 ")
    zh = report.format("zh")
    assert zh.startswith(f"已检查 {tmp_path}") and "错误：orders.csv：列 'order_date' 中有不是日期" in zh
    assert zh.endswith("2 个错误，0 个警告。")
    assert "ERROR: orders.csv: column 'order_date' holds values that are not a date" in report.format("en")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--lang", "zh"])
    assert result.exit_code == 1 and "列 'revenue' 中有负值" in result.output


def test_load_raises_in_the_language_asked_for(tmp_path):
    (tmp_path / "orders.csv").write_text("account_id,order_date,revenue\nA1,2024-01-05,-3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^orders\.csv：列 'revenue' 中有负值，共 1 行（第 2 行：-3）。") as info:
        kd.load(tmp_path, cache=False, lang="zh")
    assert info.value.code == "negative"
    with pytest.raises(DataError, match=r"^orders\.csv: column 'revenue' holds negative values in 1 row"):
        kd.load(tmp_path, cache=False)


def test_a_cached_report_keeps_both_languages(tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("account_id,order_date,revenue,备注栏\nA1,2024-01-05,10,x\n", encoding="utf-8")
    first = kd.validate(data).format("zh")
    again = kd.validate(data).format("zh")
    assert first == again and "有 1 列没有任何分析使用：'备注栏'" in again


def test_a_file_that_cannot_be_read_is_said_in_the_language_asked_for(tmp_path):
    (tmp_path / "orders.csv").write_text("account_id,order_date,revenue,revenue\nA1,2024-01-05,10,3\n",
                                         encoding="utf-8")
    with pytest.raises(DataError, match=r"^orders\.csv：列 'revenue' 在表头中出现了不止一次（第 1 行：'account_id'、") as info:
        kd.load(tmp_path, cache=False, lang="zh")
    assert (info.value.code, info.value.column) == ("duplicate_column", "revenue")
    with pytest.raises(DataError, match=r"^orders\.csv: column 'revenue' appears more than once in the header"):
        kd.load(tmp_path, cache=False)
    (problem,) = kd.validate(tmp_path, cache=False).errors
    assert problem.text("zh").startswith("orders.csv：列 'revenue'") and problem.message.startswith("orders.csv: ")


def test_a_workbook_without_the_sheet_named_is_said_in_both_languages(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "明细"
    book.active.append(["account_id", "order_date", "revenue"])
    book.save(tmp_path / "orders.xlsx")
    (tmp_path / "kam.yml").write_text("reading:\n  sheets: {orders: 汇总}\n", encoding="utf-8")
    (problem,) = kd.validate(tmp_path, cache=False).errors
    assert problem.code == "no_sheet"
    assert problem.text("zh").startswith("orders.xlsx：没有工作表 '汇总'（工作表：明细）")
    assert problem.text("en").startswith("orders.xlsx: no sheet '汇总' (sheets: 明细)")


def test_a_bad_kam_yml_is_said_in_the_language_of_the_load(tmp_path):
    (tmp_path / "orders.csv").write_text("account_id,order_date,revenue\nA1,2024-01-05,10\n", encoding="utf-8")
    config = tmp_path / "kam.yml"
    config.write_text("reading:\n  dates: [2024-01-01, 2020-01-01]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        kd.load(tmp_path, cache=False, lang="zh")
    assert str(info.value) == f"{config}：reading: dates [2024-01-01, 2020-01-01]：最早的日期晚于最晚的日期。"
    with pytest.raises(ConfigError, match=r"the earliest date comes after the latest\.$"):
        kd.load(tmp_path, cache=False)
    config.write_text("aliases:\n  tables:\n    orders: [金额]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        kd.validate(tmp_path, cache=False, lang="zh")
    assert "aliases.tables.orders：应为 {金额: revenue} 这样的映射，实际是列表（['金额']）" in str(info.value)
    assert not _english_words(str(info.value).replace(str(config), ""), _contract_names() | NAMES)


def test_a_table_the_dataset_lacks_is_said_in_the_language_of_the_load():
    ds = kd.load(tables=["orders"], lang="zh")
    with pytest.raises(DataError, match=r"^embedded sample：没有表 'visits'（现有表：orders）。请添加文件 visits\.csv") as info:
        ds.table("visits")
    assert info.value.code == "missing_table"
    with pytest.raises(DataError, match=r"no table 'visits' \(tables: orders\)\. Add a file visits\.csv"):
        kd.load(tables=["orders"]).table("visits")


def test_a_page_shows_the_rows_the_load_left_out_in_its_language(tmp_path):
    from kamlib.sections import Page

    (tmp_path / "orders.csv").write_text("account_id,order_date,revenue\nA1,2024-01-05,10\nA2,2024-01-06,20\n"
                                         "合计,,30\n", encoding="utf-8")
    ds = kd.load(tmp_path, cache=False, lang="zh")
    (note,) = [p for p in ds.report.notes if p.code == "total_row"]
    shown: list = []
    Page(lang="zh", output_dir=tmp_path, display=shown.append).data_notes(ds)
    (text,) = [s.data for s in shown]
    assert text.startswith("**本分析未使用的数据**") and f"- {note.text('zh')}" in text and "第 4 行" in text
    shown.clear()
    Page(lang="en", output_dir=tmp_path, display=shown.append).data_notes(kd.load(tmp_path, cache=False,
                                                                                   tables=["orders"]))
    assert f"- {note.message}" in shown[0].data
