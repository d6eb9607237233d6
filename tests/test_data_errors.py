"""Bad input gets a clear error: the bad-input corpus in tests/data/bad/.

Each case is a folder written by ``tests/data/make_bad.py``; its expected outcome is
written down here by hand (row numbers as a spreadsheet shows them, header = row 1).
The rule (docs/data.md, README "Your own data"): the error names the file, the column,
the offending rows and what to do, never a traceback into pandas / DuckDB / openpyxl internals.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import kamlib.data as kd
from kamlib.cli import main
from kamlib.errors import DataError

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"

# Codes of problems with cells (they carry rows and can be excluded row by row).
CELL_CODES = {"bad_date", "bad_number", "bad_level", "bad_bool", "not_allowed", "negative", "empty_value",
              "duplicate_id", "level_conflict", "excel_error", "date_out_of_range", "total_label"}
LEAKS = ("Traceback", 'File "', "Catalog Error", "Conversion Error", "Binder Error", "Parser Error",
         "duckdb.", "pandas", "openpyxl", "kamlib-")


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAM_CACHE", str(tmp_path_factory.mktemp("kam-cache")))


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    source: str
    column: str | None
    rows: tuple[int, ...]
    match: str  # distinctive words of what was found and of the fix

    def __str__(self) -> str:
        return self.name


CASES = [
    Case("missing_column_zh", "missing_column", "orders.csv", "revenue", (),
         r"'revenue' not found \(columns: 客户编号, 订单日期, 金额额\)\. Rename the column.*alias in kam\.yml"),
    Case("missing_column_any", "missing_column", "market.csv", "region", (),
         r"needs a column 'region' or 'segment'.*map yours in kam\.yml"),
    Case("unknown_table", "unknown_table", "sales_2024.csv", None, (),
         r"no table of the data contract is called 'sales_2024'.*Its columns 'account_id', 'order_date', 'revenue' "
         r"are those the orders table needs: rename the file to orders\.csv.*kam\.yml"),
    Case("duplicate_id", "duplicate_id", "accounts.csv", "客户编号", (4, 6),
         r"repeats an id.*'A01', 'A02'.*Each account_id must be unique"),
    Case("bad_date", "bad_date", "orders.csv", "order_date", (3, 5, 7),
         r"not a date such as 2024-03-05.*'2024-02-30', '明天', '03/05/2024'.*Correct these cells"),
    Case("date_day_first", "bad_date", "orders.csv", "order_date", (2, 3, 4),
         r"not a date such as 2024-03-05.*'03/05/2024', '04/06/2024', '13/05/2024'"),
    Case("negative_revenue", "negative", "orders.csv", "revenue", (3, 5),
         r"holds negative values in 2 rows.*correct the sign"),
    Case("non_numeric", "bad_number", "orders.csv", "revenue", (3, 5),
         r"not a number such as 1234\.5.*'一千', '12a'.*Correct these cells"),
    Case("empty_required", "empty_value", "orders.csv", "account_id", (3,),
         r"'account_id' is empty in 1 row.*Fill in account_id"),
    Case("status_not_allowed", "not_allowed", "opportunities.csv", "状态", (3, 6),
         r"'状态 \(status\)' holds values that are not one of won, lost, open.*'maybe', '暂停'"),
    Case("level_out_of_range", "bad_level", "accounts.csv", "purchase_level", (3, 4, 5, 6),
         r"not a whole number from 0 to 4.*'5', 'high', '-1', '1\.5'"),
    Case("level_conflict", "level_conflict", "accounts.csv", "当前采购", (3, 5),
         r"当前采购 \(purchase_level\)' \(X\) is greater than column '采购能力 \(capacity_level\)' \(Y\).*Correct these cells"),
    Case("bad_bool", "bad_bool", "accounts.csv", "是否VIP", (4,),
         r"'是否VIP \(vip\)' holds values that are not yes/no.*'也许'"),
    Case("empty_file", "empty_file", "orders.csv", None, (),
         r"the file is empty\. Export the table again"),
    Case("xlsx_random_bytes", "unreadable_excel", "orders.xlsx", None, (),
         r"cannot be opened as an Excel workbook.*save it again as \.xlsx"),
    Case("xlsx_truncated", "unreadable_excel", "orders.xlsx", None, (),
         r"cannot be opened as an Excel workbook.*save it again as \.xlsx"),
    Case("old_xls", "unreadable_excel", "orders.xls", None, (),
         r"Excel 97-2003 format \(\.xls\) is not supported.*save it as \.xlsx"),
    Case("duplicate_table", "duplicate_table", "订单.xlsx", None, (),
         r"table 'orders' is already read from orders\.csv\. Keep one"),
    Case("duplicate_column", "duplicate_column", "accounts.csv", "客户ID", (),
         r"'客户编号' and '客户ID' both mean 'account_id'\. Remove or rename"),
    Case("duplicate_header_same_name", "duplicate_column", "orders.csv", "金额", (),
         r"'金额' appears more than once in the header.*Rename or remove"),
    Case("ragged_csv", "unreadable", "orders.csv", None, (3,),
         r"(?i)separators"),
    Case("blank_line_csv", "negative", "orders.csv", "revenue", (5,),
         r"holds negative values in 1 row.*correct the sign"),
    Case("gbk_bad_number", "bad_number", "orders.csv", "金额", (3,),
         r"'金额 \(revenue\)' holds values that are not a number.*'壹佰元'"),
    Case("utf8_bom_bad_date", "bad_date", "orders.csv", "下单日期", (4,),
         r"'下单日期 \(order_date\)' holds values that are not a date.*'2024年13月1日'"),
    Case("xlsx_zh_negative", "negative", "orders.xlsx", "金额", (3, 4),
         r"'金额 \(revenue\)' holds negative values in 2 rows"),
    Case("utf16_bom", "unknown_encoding", "orders.csv", None, (),
         r"neither UTF-8 nor GBK/GB18030.*CSV UTF-8"),
    Case("utf16_no_bom", "unknown_encoding", "orders.csv", None, (),
         r"neither UTF-8 nor GBK/GB18030.*CSV UTF-8"),
    Case("parquet_corrupt", "unreadable", "orders.parquet", None, (),
         r"cannot be read as Parquet.*Write the file again"),
    Case("duckdb_bad_table", "bad_date", "crm.duckdb:orders", "order_date", (2,),
         r"not a date.*'soon'.*Correct these cells"),
    Case("duckdb_corrupt", "unreadable", "crm.duckdb", None, (),
         r"cannot be opened as a DuckDB database.*Pass a folder"),
    Case("many_bad_rows", "negative", "orders.csv", "revenue", (2, 3, 4, 5, 6),
         r"negative values in 40 rows \(rows 2, 3, 4, 5, 6 \(and 35 more\): -1, -2, -3, -4, -5\)"),
    Case("several_problems", "unknown_table", "sales_2024.csv", None, (),
         r"^4 problems in .*several_problems"),
    # Real exports that used to load wrong values without a word.
    Case("appended_more_columns", "second_header", "orders.csv", None, (4,),
         r"row 4 is a second header \(客户编号, 下单日期, 金额, 备注\): another export appended below the first one "
         r"\(header on row 1\), but it adds column '备注'.*Keep one export per file"),
    Case("appended_other_order", "second_header", "orders.csv", None, (4,),
         r"row 4 is a second header \(客户编号, 金额, 下单日期\).*the columns are in another order"),
    Case("total_label_not_total", "total_label", "orders.csv", "客户编号", (4,),
         r"'客户编号 \(account_id\)'.*total label.*not totals of the rows above.*\(row 4: '合计'\)\. If these are "
         r"total rows, delete them"),
    Case("xlsx_error_cells", "excel_error", "orders.xlsx", "金额", (4,),
         r"(?s)'金额 \(revenue\)' holds Excel error values in 1 row \(row 4: 'orders\.xlsx!D4: #DIV/0!'\)"
         r".*'产品编号 \(product_id\)' holds Excel error values in 1 row \(row 6: 'orders\.xlsx!E6: #N/A'\)"),
    Case("nonfinite_numbers", "bad_number", "orders.csv", "revenue", (3, 4, 5, 6),
         r"^orders\.csv: column 'revenue' holds values that are not numbers \(NaN or infinite\) in 4 rows: "
         r"nan in row 3; inf in rows 4, 6; -inf in row 5\."),
    Case("nonfinite_parquet", "bad_number", "orders.parquet", "revenue", (2, 3),
         r"not numbers \(NaN or infinite\) in 2 rows \(rows 2, 3: nan, inf\)"),
    Case("ambiguous_decimal", "ambiguous_decimal", "orders.csv", "金额", (),
         r"column '金额': '1,234', '2,500' read as thousands.*or as fractions with a decimal comma.*Declare the decimal "
         r"mark in kam\.yml beside the data: reading: \{decimal: \{orders: ','\}\}"),
    Case("date_out_of_range", "date_out_of_range", "orders.csv", "order_date", (3, 4, 5, 6),
         r"dates outside 1990-01-01 – 2100-12-31 in 4 rows \(rows 3, 4, 5, 6: '25/3/5', '202403', '1234567', "
         r"'2454-01-01'\)\. A two-digit year.*widen the range in kam\.yml"),
    Case("no_date_required", "empty_value", "orders.csv", "order_date", (3, 4),
         r"is empty or holds a \"no date\" value \(9999-12-31, 1900-01-01, 0000-00-00\) in 2 rows "
         r"\(rows 3, 4: '9999-12-31', '0000-00-00'\)\. Fill in order_date"),
    Case("big5_broken", "unknown_encoding", "accounts.csv", None, (),
         r"not valid Big5 \(Traditional Chinese\).*Save the file as 'CSV UTF-8'"),
]
WARNING_CASES = {"unknown_reference", "header_only"}


def dataset(name: str) -> Path:
    """The dataset of a case: its folder, or the DuckDB file in it."""
    folder = BAD / name
    return next(folder.glob("*.duckdb"), folder)


def row_text(rows: tuple[int, ...]) -> str:
    return f"row {rows[0]}" if len(rows) == 1 else "rows " + ", ".join(map(str, rows))


def assert_clean(exc: BaseException) -> None:
    """No raw pandas / DuckDB / openpyxl text or traceback reaches the user."""
    message = re.sub(r"[\w./-]*\.duckdb\b", "<db>", str(exc))  # file names may say duckdb
    for leak in (*LEAKS, "duckdb"):
        assert leak not in message, f"{leak!r} leaks into: {message}"
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


def test_corpus_covers_every_case() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.is_dir()}
    assert on_disk == {c.name for c in CASES} | WARNING_CASES
    assert len(on_disk) >= 18


@pytest.mark.parametrize("case", CASES, ids=str)
def test_load_raises_clear_error(case: Case) -> None:
    with pytest.raises(DataError, match=case.match) as info:
        kd.load(dataset(case.name), cache=False)
    exc = info.value
    message = str(exc)
    assert exc.code == case.code
    assert exc.source == case.source
    assert case.source in message
    if case.column is not None:
        assert exc.column == case.column
        assert f"'{case.column}" in message
    if case.rows:
        if case.code in CELL_CODES:
            assert exc.rows == case.rows
            assert row_text(case.rows) in message or all(re.search(rf"\brows? [\d, ]*\b{r}\b", message)
                                                         for r in case.rows)
        else:
            assert re.search(rf"\b(?:row|line) {case.rows[0]}\b", message), message
    assert all(p.severity == "error" for p in exc.problems)
    assert_clean(exc)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_validate_reports_case(case: Case) -> None:
    report = kd.validate(dataset(case.name), cache=False)
    assert not report.ok
    assert case.code in {p.code for p in report.errors}
    assert all(case_source_named(p) for p in report.problems)
    assert "Traceback" not in report.format()


def case_source_named(problem: kd.Problem) -> bool:
    return problem.message.startswith(problem.source) or problem.source in problem.message


def test_row_numbers_hand_checked() -> None:
    """Two cases counted by hand in the files (header = row 1)."""
    # duplicate_id/accounts.csv: A01 (2), A02 (3), A01 (4), A03 (5), A02 (6).
    with pytest.raises(DataError) as info:
        kd.load(BAD / "duplicate_id", cache=False)
    assert info.value.rows == (4, 6)
    assert "(rows 4, 6: 'A01', 'A02')" in str(info.value)
    # bad_date/orders.csv: 2024-02-30 (3), 明天 (5), 03/05/2024 (7).
    with pytest.raises(DataError) as info:
        kd.load(BAD / "bad_date", cache=False)
    assert "in 3 rows (rows 3, 5, 7: '2024-02-30', '明天', '03/05/2024')" in str(info.value)


@pytest.mark.parametrize(("ids", "rows"), [
    (["A1", "A2", "A3", "A4"], ()),  # rising ids (an export sorted by id): no count of distinct ids is made
    (["A1", "A2", "A2", "A3"], (4,)),
    (["A1", "", "A1", "A2"], (4,)),  # an empty id between the two does not hide the repeat
    (["A1", "A2", "A3", "A1"], (5,)),  # rising up to the last row
    (["A3", "A1", "A2", "A1"], (5,)),
])
def test_repeated_ids_found_whether_or_not_the_ids_rise(tmp_path: Path, ids: list[str], rows: tuple[int, ...]) -> None:
    lines = ["account_id,account_name", *(f"{i},x" for i in ids)]
    (tmp_path / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    repeats = [p for p in kd.validate(tmp_path, cache=False).problems if p.code == "duplicate_id"]
    assert [(p.rows, p.count) for p in repeats] == ([(rows, len(rows))] if rows else [])


def test_at_most_five_rows_listed() -> None:
    with pytest.raises(DataError) as info:
        kd.load(BAD / "many_bad_rows", cache=False)
    exc = info.value
    assert exc.rows == (2, 3, 4, 5, 6)
    assert exc.problems[0].count == 40
    assert "(and 35 more)" in str(exc)
    assert "7" not in str(exc).split("(and 35 more)")[0].split("rows 2")[1]


# ------------------------------------------------------------------ warnings only


def test_unknown_reference_is_a_counted_warning() -> None:
    ds = kd.load(BAD / "unknown_reference", cache=False)
    assert ds.report.ok
    (warning,) = ds.report.warnings
    assert (warning.code, warning.source, warning.column, warning.rows, warning.count) == (
        "unknown_reference", "orders.csv", "account_id", (3, 5), 2)
    assert re.search(r"orders\.csv: column 'account_id' refers to 2 rows .*not in accounts\.csv "
                     r"\(rows 3, 5: 'Z9', 'Z8'\)\. They are kept", warning.message)
    orders = ds.table("orders")
    assert list(orders["account_id"]) == ["A01", "Z9", "A02", "Z8"]  # the data still loads
    assert ds.report.tables["orders"] == (4, 4)


def test_header_only_is_a_warning_and_an_empty_typed_table() -> None:
    ds = kd.load(BAD / "header_only", cache=False)
    assert [(p.severity, p.code) for p in ds.report.problems] == [("warning", "no_rows")]
    assert "orders.csv: the file has a header but no rows" in ds.report.problems[0].message
    orders = ds.table("orders")
    assert len(orders) == 0
    assert str(orders["order_date"].dtype) == "datetime64[ns]"
    assert str(orders["revenue"].dtype) == "float64"


# ------------------------------------------------------------- validate: all of them


SEVERAL = [
    ("error", "unknown_table", "sales_2024.csv", None, ()),
    ("error", "duplicate_id", "accounts.csv", "account_id", (3,)),
    ("error", "bad_date", "orders.csv", "order_date", (2,)),
    ("error", "negative", "orders.csv", "revenue", (3, 4)),
    ("warning", "unknown_reference", "orders.csv", "account_id", (5,)),
]


def test_validate_returns_every_problem() -> None:
    report = kd.validate(BAD / "several_problems", cache=False)
    found = sorted((p.severity, p.code, p.source, p.column, p.rows) for p in report.problems)
    assert found == sorted(SEVERAL)
    assert len(report.errors) == 4 and len(report.warnings) == 1
    assert report.tables == {"accounts": (3, 2), "orders": (4, 1)}
    assert list(report.frame()["code"]) == [p.code for p in report.problems]


def test_load_lists_every_error_at_once() -> None:
    with pytest.raises(DataError, match=r"^4 problems in ") as info:
        kd.load(BAD / "several_problems", cache=False)
    exc = info.value
    assert sorted(p.code for p in exc.problems) == ["bad_date", "duplicate_id", "negative", "unknown_table"]
    for p in exc.problems:
        assert f"- {p.message}" in str(exc)
    assert_clean(exc)


def test_cli_validate_prints_all_and_exits_1() -> None:
    result = CliRunner().invoke(main, ["validate", str(BAD / "several_problems")])
    assert result.exit_code == 1, result.output
    out = result.output
    assert out.count("ERROR: ") == 4 and out.count("WARNING: ") == 1
    for needle in ("sales_2024.csv: no table", "accounts.csv: column 'account_id' repeats",
                   "orders.csv: column 'order_date' holds values that are not a date",
                   "orders.csv: column 'revenue' holds negative values", "(row 5: 'Z9')"):
        assert needle in out
    assert "4 error(s), 1 warning(s)." in out
    assert "Traceback" not in out


@pytest.mark.parametrize("name", ["unknown_reference", "header_only"])
def test_cli_validate_warnings_only_exits_0(name: str) -> None:
    result = CliRunner().invoke(main, ["validate", str(BAD / name)])
    assert result.exit_code == 0, result.output
    assert "WARNING: " in result.output and "0 error(s), 1 warning(s)." in result.output


@pytest.mark.parametrize("name", ["xlsx_random_bytes", "duckdb_corrupt"])
def test_cli_validate_unreadable_exits_1(name: str) -> None:
    result = CliRunner().invoke(main, ["validate", str(dataset(name))])
    assert result.exit_code == 1, result.output
    assert "ERROR: " in result.output and "Traceback" not in result.output


# ----------------------------------------------------------------- errors="exclude"

# case: (table, {reason: rows}, first column of the rows kept)
EXCLUDE = {
    "duplicate_id": ("accounts", {"duplicate_id": 2}, ["A01", "A02", "A03"]),
    "bad_date": ("orders", {"bad_date": 3}, ["A01", "A03", "A05"]),
    "negative_revenue": ("orders", {"negative": 2}, ["A01", "A03"]),
    "non_numeric": ("orders", {"bad_number": 2}, ["A01", "A03"]),
    "empty_required": ("orders", {"empty_value": 1}, ["A01", "A03"]),
    "status_not_allowed": ("opportunities", {"not_allowed": 2}, ["P1", "P3", "P4"]),
    "level_out_of_range": ("accounts", {"bad_level": 4}, ["A01", "A06"]),
    "level_conflict": ("accounts", {"level_conflict": 2}, ["A01", "A03"]),
    "bad_bool": ("accounts", {"bad_bool": 1}, ["A01", "A02"]),
    "gbk_bad_number": ("orders", {"bad_number": 1}, ["001", "003"]),
    "utf8_bom_bad_date": ("orders", {"bad_date": 1}, ["001", "002"]),
    "xlsx_zh_negative": ("orders", {"negative": 2}, ["001", "004"]),
    "duckdb_bad_table": ("orders", {"bad_date": 1}, ["A01", "A01"]),
    "many_bad_rows": ("orders", {"negative": 40}, ["A99"]),
    "total_label_not_total": ("orders", {"total_label": 1}, ["A01", "A02"]),
    "xlsx_error_cells": ("orders", {"excel_error": 2}, ["001", "002", "004"]),
    "nonfinite_numbers": ("orders", {"bad_number": 4}, ["A01"]),
    "nonfinite_parquet": ("orders", {"bad_number": 2}, ["A01"]),
    "date_out_of_range": ("orders", {"date_out_of_range": 4}, ["A01"]),
    "no_date_required": ("orders", {"empty_value": 2}, ["A01"]),
}


@pytest.mark.parametrize("name", sorted(EXCLUDE))
def test_exclude_leaves_bad_rows_out_and_counts_them(name: str) -> None:
    table, reasons, kept = EXCLUDE[name]
    ds = kd.load(dataset(name), errors="exclude", cache=False)
    frame = ds.table(table)
    assert list(frame.iloc[:, 0]) == kept
    excluded = ds.excluded
    assert list(excluded.columns) == ["table", "source", "reason", "column", "rows"]
    assert excluded.groupby("reason")["rows"].sum().to_dict() == reasons
    assert set(excluded["table"]) == {table}
    rows_in, rows_ok = ds.report.tables[table]
    assert rows_ok == len(frame) == rows_in - sum(reasons.values())
    summary = ds.summary().set_index("table")
    assert summary.loc[table, "excluded"] == sum(reasons.values())
    assert summary.loc[table, "rows"] == len(frame)


def test_exclude_several_problems_counts_each_row_once() -> None:
    """Whole-file problems still raise; without them the cell problems are excluded."""
    with pytest.raises(DataError, match="sales_2024") as info:
        kd.load(BAD / "several_problems", errors="exclude", cache=False)
    assert [p.code for p in info.value.problems] == ["unknown_table"]
    ds = kd.load(BAD / "several_problems", errors="exclude", cache=False,
                 aliases={"files": {"sales_2024": "leads"}, "tables": {"leads": {"account_id": "lead_id"}}})
    counts = {(t, r): n for t, r, n in ds.excluded[["table", "reason", "rows"]].itertuples(index=False)}
    assert counts == {("accounts", "duplicate_id"): 1, ("orders", "bad_date"): 1, ("orders", "negative"): 2}
    assert list(ds.table("orders")["account_id"]) == ["Z9"]


@pytest.mark.parametrize("name", ["missing_column_zh", "unknown_table", "empty_file", "xlsx_truncated"])
def test_exclude_still_raises_for_whole_file_problems(name: str) -> None:
    with pytest.raises(DataError):
        kd.load(dataset(name), errors="exclude", cache=False)


def test_errors_argument_checked() -> None:
    with pytest.raises(ValueError, match=r"errors must be one of 'raise', 'exclude', but 'ignore' was passed"):
        kd.load(BAD / "negative_revenue", errors="ignore", cache=False)


@pytest.mark.parametrize(("arguments", "zh"), [
    ({"errors": "ignore"}, "errors 必须是 'raise'、'exclude' 之一，但传入的是 'ignore'。"),
    ({"tables": ["order"]}, "tables：'order' 不是数据约定中的表（accounts、orders、"),
    ({"tables": ["orders"], "optional": ["acounts"]}, "optional：'acounts' 不是数据约定中的表（accounts、orders、"),
])
def test_wrong_call_arguments_are_refused_in_the_language_of_the_load(arguments: dict, zh: str) -> None:
    with pytest.raises(ValueError) as english:
        kd.load(BAD / "negative_revenue", cache=False, **arguments)
    with pytest.raises(ValueError) as chinese:
        kd.load(BAD / "negative_revenue", cache=False, lang="zh", **arguments)
    assert str(chinese.value).startswith(zh)
    assert str(english.value) != str(chinese.value) and not re.search(r"[\u4e00-\u9fff]", str(english.value))


def test_bad_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"no such file or folder") as info:
        kd.load(tmp_path / "nowhere", cache=False)
    assert info.value.code == "bad_path"
    single = BAD / "negative_revenue" / "orders.csv"
    with pytest.raises(DataError, match=r"expected a folder .*Put the single file in a folder") as info:
        kd.load(single, cache=False)
    assert info.value.code == "bad_path"


# ------------------------------------------------------- the corpus is reproducible


def _make_bad():
    spec = importlib.util.spec_from_file_location("make_bad", DATA / "make_bad.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def _duckdb_tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT * FROM "{n}"').fetchall() for n in names}


def test_committed_corpus_equals_script_output(tmp_path: Path) -> None:
    _make_bad().write(tmp_path)
    for corpus in ("bad", "good"):
        fresh, committed = _files(tmp_path / corpus), _files(DATA / corpus)
        assert sorted(fresh) == sorted(committed), corpus
        for rel, path in fresh.items():
            if path.read_bytes()[8:12] == b"DUCK":  # a DuckDB database: its bytes differ on every write
                assert _duckdb_tables(path) == _duckdb_tables(committed[rel]), rel
            else:
                assert path.read_bytes() == committed[rel].read_bytes(), rel


def test_a_file_whose_decimal_mark_is_seen_still_reports_what_comes_after(tmp_path: Path) -> None:
    """The mark is chosen without a problem; the notes and errors found later are still written in both languages."""
    (tmp_path / "orders.csv").write_text("account_id;order_date;revenue;备注\nA1;2024-01-05;12,5;x\n"
                                         "A2;2024-01-06;-3,25;y\n", encoding="utf-8")
    report = kd.validate(tmp_path, cache=False)
    assert [(p.severity, p.code) for p in report.problems] == [("note", "unused_columns"), ("error", "negative")]
    negative = report.errors[0]
    assert negative.rows == (3,) and "(row 3: '-3,25')" in negative.message and negative.zh.startswith("orders.csv：列 'revenue'")
    ds = kd.load(tmp_path, cache=False, errors="exclude")
    assert list(ds.table("orders")["revenue"]) == [12.5]
