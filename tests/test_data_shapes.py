"""Export shapes that used to end in a raw traceback or a misleading message (``docs/data.md``).

Every case writes real files (CSV text, XLSX workbooks written by openpyxl, DuckDB
databases) into a temporary folder and checks the value loaded, or the message: the
file, the column, the rows and the fix, and never a traceback. Every row read is
loaded or left out with a reason: ``rows in == loaded + excluded``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import kamlib.data as kd
from kamlib.cli import main
from kamlib.data import read
from kamlib.errors import ConfigError, DataError

ORDERS = "account_id,order_date,revenue\n"
TRACEBACK_WORDS = ("Traceback", "_csv.Error", "Error:", "object has no attribute", "Catalog Error")


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAM_CACHE", str(tmp_path_factory.mktemp("kam-cache")))


def counted(ds: kd.Dataset) -> None:
    """Nothing dropped uncounted: every row read is loaded or excluded with a reason."""
    excluded = ds.excluded
    for name in ds.names:
        rows_in, rows_loaded = ds.report.tables[name]
        assert rows_loaded == len(ds.table(name))
        assert rows_in == rows_loaded + int(excluded.loc[excluded["table"] == name, "rows"].sum())


def no_traceback(text: str) -> None:
    assert not any(word in text for word in TRACEBACK_WORDS), text


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    """Write an .xlsx with one sheet per ``{name: rows}``, in order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


def database(path: Path, statements: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(statements)


# ------------------------------------------------------------------ cells longer than 131,072 characters


@pytest.mark.parametrize("size", [140_000, 3_000_000])
def test_a_very_long_cell_is_read_in_full(tmp_path: Path, size: int) -> None:
    # a blank line makes the loader read the file with Python's csv module; 3 MB is beyond DuckDB's 2 MB line
    note = "长" * (size // 3)
    (tmp_path / "orders.csv").write_text(
        f"account_id,order_date,revenue,notes\nA1,2024-01-02,5,\"{note}\"\n\nA2,2024-01-03,6,short\n",
        encoding="utf-8")
    ds = kd.load(tmp_path)
    orders = ds.table("orders")
    assert list(orders["notes"].str.len()) == [len(note), 5]
    assert list(orders["revenue"]) == [5.0, 6.0]
    assert ds.file_rows("orders") == [2, 4]
    counted(ds)


def test_a_very_long_cell_below_the_sampled_rows_is_read(tmp_path: Path) -> None:
    # DuckDB looks at the first rows only for the file's shape: the long line comes after them
    rows = "".join(f"A{i},2024-01-02,{i},n\n" for i in range(30_000))
    (tmp_path / "orders.csv").write_text(f"{ORDERS.strip()},notes\n{rows}A9,2024-01-02,9,{'x' * 2_500_000}\n",
                                         encoding="utf-8")
    ds = kd.load(tmp_path)
    orders = ds.table("orders")
    assert len(orders) == 30_001 and orders["revenue"].sum() == sum(range(30_000)) + 9
    assert orders["notes"].str.len().max() == 2_500_000
    counted(ds)


def test_a_long_cell_in_a_broken_file_names_the_row(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS + "A1,2024-01-02,\"" + "x" * 200_000 + "\"\nA2,2024-01-03,6,7\n",
                                         encoding="utf-8")
    with pytest.raises(DataError) as info:
        kd.load(tmp_path)
    assert info.value.rows == (3,)
    assert str(info.value).startswith("orders.csv: some rows do not have as many fields as the header (row 3: 4")
    no_traceback(str(info.value))


def test_long_line_measures_only_files_beyond_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n" + b"1," + b"x" * 100 + b"\n2,y")
    assert read.long_line(path, limit=50) == 103
    assert read.long_line(path, limit=200) is None


# ------------------------------------------------------------------ kam.yml of the wrong shape


@pytest.mark.parametrize(("text", "message"), [
    ("aliases:\n  columns:\n    - 金额\n",
     "aliases.columns: expected a mapping such as {金额: revenue}, found a list (['金额'])"),
    ("aliases:\n  tables:\n    orders: [金额]\n",
     "aliases.tables.orders: expected a mapping such as {金额: revenue}, found a list (['金额'])"),
    ("aliases:\n  values:\n    status: 3\n",
     "aliases.values.status: expected a mapping such as {赢单: won}, found a number (3)"),
    ("aliases:\n  columns:\n    金额: [revenue, amount]\n",
     "aliases.columns.金额: expected a single name such as revenue, found a list (['revenue', 'amount'])"),
    ("aliases:\n  tables:\n    orders:\n      金额: {a: b}\n",
     "aliases.tables.orders.金额: expected a single name such as revenue, found a mapping ({'a': 'b'})"),
    ("aliases: [columns, files]\n", ("aliases: expected a mapping (its settings indented below 'aliases:'), "
                                    "found a list (['columns', 'files'])")),
    ("reading: auto\n", "reading: expected a mapping (its settings indented below 'reading:'), found text ('auto')"),
    ("- aliases\n", "expected a mapping with an 'aliases' key at the top, found a list (['aliases'])"),
    ("reading:\n  sheets: [明细]\n", "reading: sheets must map a file or table to its sheet"),
])
def test_a_kam_yml_of_the_wrong_shape_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS + "A1,2024-01-02,5\n", encoding="utf-8")
    (tmp_path / "kam.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        kd.load(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'kam.yml'}: {message}")
    no_traceback(str(info.value))


def test_kam_validate_reports_a_kam_yml_of_the_wrong_shape(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS + "A1,2024-01-02,5\n", encoding="utf-8")
    (tmp_path / "kam.yml").write_text("aliases:\n  tables:\n    orders: [金额]\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", "from kamlib.cli import run; run()", "validate", str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'kam.yml'}: aliases.tables.orders: expected a mapping")
    no_traceback(result.stderr)


# ------------------------------------------------------------------ DuckDB files: schemas, views, other tables


def test_a_database_is_read_from_any_schema_with_views_and_other_tables(tmp_path: Path) -> None:
    path = tmp_path / "export.duckdb"
    database(path, """
        CREATE SCHEMA crm;
        CREATE TABLE crm.orders AS SELECT * FROM (VALUES ('A1', DATE '2024-03-05', 100.0),
            ('A2', DATE '2024-03-06', 50.0)) t(account_id, order_date, revenue);
        CREATE TABLE crm.customer_master AS SELECT * FROM (VALUES ('A1', '华为'), ('A2', '联想')) t(account_id,
            account_name);
        CREATE VIEW accounts AS SELECT * FROM crm.customer_master;
        CREATE TABLE etl_log AS SELECT 1 AS run;
        CREATE VIEW crm.monthly AS SELECT 1 AS x;
    """)
    ds = kd.load(path)
    assert ds.names == ["accounts", "orders"]
    assert list(ds.table("orders")["revenue"]) == [100.0, 50.0]
    assert list(ds.table("accounts")["account_name"]) == ["华为", "联想"]
    assert ds.report.ok and not ds.report.warnings
    (note,) = ds.report.notes
    assert note.message.startswith("export.duckdb: 3 table(s) or view(s) not in the data contract, not read: "
                                   "'etl_log', 'crm.customer_master', 'crm.monthly'.")
    counted(ds)


def test_a_table_in_two_schemas_is_read_from_main_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "crm.duckdb"
    database(path, """
        CREATE SCHEMA archive;
        CREATE TABLE archive.orders AS SELECT 'OLD' AS account_id, DATE '2019-01-01' AS order_date, 1.0 AS revenue;
        CREATE TABLE orders AS SELECT 'A1' AS account_id, DATE '2024-03-05' AS order_date, 100.0 AS revenue;
    """)
    ds = kd.load(path)
    assert list(ds.table("orders")["account_id"]) == ["A1"]
    (note,) = ds.report.notes
    assert (note.code, note.source) == ("other_schema", "crm.duckdb:archive.orders")
    assert note.message == ("crm.duckdb: table orders is both orders and archive.orders; orders is read and "
                            "archive.orders is not. Drop or rename the one that is not the orders to read.")


def test_a_broken_view_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "crm.duckdb"
    database(path, """
        CREATE TABLE base AS SELECT 'A1' AS account_id;
        CREATE VIEW accounts AS SELECT * FROM base;
        DROP TABLE base;
    """)
    report = kd.validate(path)
    (error,) = report.errors
    assert (error.code, error.source) == ("unreadable", "crm.duckdb:accounts")
    assert error.message.startswith("crm.duckdb:accounts: cannot be read (")
    assert error.message.endswith("Correct the view or table in the database, or export the table to a file.")


# ------------------------------------------------------------------ files that cannot be read


def _denied(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make *denied* unreadable: its permission bits, and the error the OS gives a user without them.

    The tests may run as root, whom the permission bits do not stop.
    """
    denied.chmod(0)
    opening = Path.open

    def open_(self: Path, *args: object, **kwargs: object):
        if self.resolve() == denied.resolve():
            raise PermissionError(13, "Permission denied", str(self))
        return opening(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)


@pytest.mark.parametrize("name", ["orders.csv", "crm.duckdb"])
def test_an_unreadable_file_is_reported_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        path.write_text(ORDERS + "A1,2024-01-02,5\n", encoding="utf-8")
    else:
        database(path, "CREATE TABLE orders AS SELECT 'A1' AS account_id, DATE '2024-01-02' AS order_date, "
                       "5.0 AS revenue")
    _denied(monkeypatch, path)
    target = tmp_path if name.endswith(".csv") else path
    with pytest.raises(DataError) as info:
        kd.load(target)
    assert info.value.code == "permission_denied"
    assert str(info.value) == (f"{name}: cannot be read: permission denied. Give your user account read access to "
                               f"the file (or copy it into a folder of your own), then load again.")
    report = kd.validate(target)
    assert [p.code for p in report.errors] == ["permission_denied"]
    assert "cache" not in report.format()


def test_an_unreadable_folder_is_reported_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "orders.csv").write_text(ORDERS + "A1,2024-01-02,5\n", encoding="utf-8")
    listing = Path.iterdir

    def iterdir(self: Path):
        if self == folder:  # what the OS says to a user without the folder's read bit
            raise PermissionError(13, "Permission denied", str(self))
        return listing(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(DataError) as info:
        kd.load(folder)
    assert (info.value.code, str(info.value)) == ("permission_denied", (
        f"{folder}: the folder cannot be read: permission denied. Give your user account read access to it (or copy "
        f"the files into a folder of your own)."))
    assert [p.code for p in kd.validate(folder).errors] == ["permission_denied"]


def test_check_readable_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"^gone\.csv: cannot be read \(No such file or directory\)\. ") as info:
        read.check_readable(tmp_path / "gone.csv")
    assert info.value.code == "unreadable"


# ------------------------------------------------------------------ title rows saved from Excel


def test_a_title_row_and_blank_header_cells_are_no_repeated_columns(tmp_path: Path) -> None:
    workbook(tmp_path / "orders.xlsx", {"明细": [
        ["2024 年订单明细", None, None, None, None],
        [None, None, None, None, None],
        ["客户编号", "下单日期", "金额", None, None],
        ["A1", "2024-01-02", 5, None, "nan"],
        ["A2", "2024-01-03", 6, None, "nan"],
    ]})
    ds = kd.load(tmp_path)
    assert list(ds.table("orders")["revenue"]) == [5.0, 6.0]
    assert ds.file_rows("orders") == [4, 5]
    assert list(ds.table("orders")["column_e"]) == ["nan", "nan"]  # a column without a header keeps its letter
    assert "appears more than once" not in ds.report.format()
    counted(ds)


def test_a_repeated_header_below_a_title_row_names_the_header_row(tmp_path: Path) -> None:
    workbook(tmp_path / "orders.xlsx", {"明细": [
        ["订单明细", None, None, None],
        ["客户编号", "下单日期", "金额", "金额"],
        ["A1", "2024-01-02", 5, 5],
    ]})
    with pytest.raises(DataError) as info:
        kd.load(tmp_path)
    assert str(info.value) == ("orders.xlsx: column '金额' appears more than once in the header (row 2: 客户编号, "
                               "下单日期, 金额, 金额). Rename or remove the repeated column so that each column has "
                               "its own name.")


# ------------------------------------------------------------------ the sheet of a workbook


def test_the_only_sheet_with_the_columns_is_read_with_a_note(tmp_path: Path) -> None:
    workbook(tmp_path / "orders.xlsx", {
        "说明": [["说明"], ["本表由 CRM 导出"]],
        "明细": [["客户编号", "下单日期", "金额"], ["A1", "2024-01-02", 5], ["A2", "2024-01-03", 7]],
        "汇总": [["合计", 12]],
    })
    ds = kd.load(tmp_path)
    assert list(ds.table("orders")["revenue"]) == [5.0, 7.0]
    (note,) = ds.report.notes
    assert note.code == "sheet_chosen"
    assert note.message == ("orders.xlsx: sheet '明细' is read: the first sheet, '说明', lacks the columns of orders "
                            "(account_id, order_date, revenue) and '明细' is the only sheet that has them. To read "
                            "another sheet, name it in kam.yml beside the data: reading: {sheets: {orders: <sheet>}}.")
    counted(ds)


def _two_sheets(folder: Path) -> None:
    workbook(folder / "orders.xlsx", {
        "说明": [["说明"], ["本表由 CRM 导出"]],
        "2023": [["客户编号", "下单日期", "金额"], ["A1", "2023-01-02", 1]],
        "2024": [["客户编号", "下单日期", "金额"], ["A1", "2024-01-02", 5], ["A2", "2024-01-03", 7]],
    })


def test_a_sheet_without_the_columns_names_the_other_sheets_and_how_to_choose(tmp_path: Path) -> None:
    _two_sheets(tmp_path)
    with pytest.raises(DataError) as info:
        kd.load(tmp_path)
    text = str(info.value)
    assert "orders.xlsx: required column 'account_id' not found (columns: 说明)" in text
    assert ("This is sheet '说明'; the workbook also has '2023', '2024'. To read another sheet, name it in kam.yml "
            "beside the data: reading: {sheets: {orders: 2023}}.") in text
    assert text.count("the workbook also has") == 1  # once, not for every missing column


@pytest.mark.parametrize(("sheets", "revenue"), [("{orders: '2024'}", [5.0, 7.0]), ("{orders: 2}", [1.0])])
def test_kam_yml_chooses_the_sheet(tmp_path: Path, sheets: str, revenue: list[float]) -> None:
    _two_sheets(tmp_path)
    (tmp_path / "kam.yml").write_text(f"reading:\n  sheets: {sheets}\n", encoding="utf-8")
    ds = kd.load(tmp_path)
    assert list(ds.table("orders")["revenue"]) == revenue
    assert not ds.report.notes


def test_a_sheet_that_is_not_there_is_named_with_the_sheets(tmp_path: Path) -> None:
    _two_sheets(tmp_path)
    (tmp_path / "kam.yml").write_text("reading:\n  sheets: {orders: 明细}\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        kd.load(tmp_path)
    assert info.value.code == "no_sheet"
    assert str(info.value) == ("orders.xlsx: no sheet '明细' (sheets: 说明, 2023, 2024). Set the name of one of "
                               "these sheets (or its number, 1 = the first) in kam.yml beside the data: reading: "
                               "{sheets: {orders: 说明}}.")


def test_an_empty_first_sheet_names_the_others(tmp_path: Path) -> None:
    workbook(tmp_path / "orders.xlsx", {"Sheet1": [], "数据": [["客户编号", "下单日期", "金额"], ["A1", "2024-01-02", 5]]})
    ds = kd.load(tmp_path)  # the one sheet with the columns
    assert list(ds.table("orders")["revenue"]) == [5.0]
    (tmp_path / "kam.yml").write_text("reading:\n  sheets: {orders: 1}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^orders\.xlsx: sheet 'Sheet1' is empty\. Choose the sheet that holds the "
                                        r"table in kam\.yml beside the data: reading: \{sheets: \{orders: 数据\}\}"):
        kd.load(tmp_path)


# ------------------------------------------------------------------ rows that look like totals


@pytest.mark.parametrize(("text", "row", "value"), [
    # the label in a remark column, where total rows are not looked for
    ("account_id,order_date,revenue,备注\nA1,2024-01-02,5,\nA2,2024-01-02,7,\n,,12,合计\n", 4, "合计"),
    # no label at all: amounts and nothing else
    (ORDERS + "A1,2024-01-02,5\nA2,2024-01-02,7\n,,12\n", 4, "12.0"),
])
def test_a_total_like_row_says_delete_not_fill_in(tmp_path: Path, text: str, row: int, value: str) -> None:
    (tmp_path / "orders.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        kd.load(tmp_path)
    message = str(info.value)
    assert info.value.code == "total_like" and info.value.rows == (row,)
    assert message.startswith("orders.csv: rows look like total rows of the export (a total label such as 合计 or "
                              "Total, or amounts with account_id, order_date empty) in 1 row")
    assert f"'{value}'" in message
    assert "Delete these rows from the file" in message
    assert "Fill in" not in message
    ds = kd.load(tmp_path, errors="exclude")
    assert list(ds.table("orders")["revenue"]) == [5.0, 7.0]
    assert ds.excluded[["reason", "rows"]].values.tolist() == [["total_like", 1]]
    counted(ds)


def test_a_row_with_a_gap_and_no_total_sign_still_asks_to_fill_it_in(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS + "A1,2024-01-02,5\nA2,,7\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column 'order_date' is empty .*Fill in order_date") as info:
        kd.load(tmp_path)
    assert info.value.code == "empty_value"


def test_a_total_label_in_an_accounts_city_column_says_delete(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text("account_id,city\nA1,上海\nA2,北京\n,合计\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "ERROR: accounts.csv: rows look like total rows of the export" in result.output
    assert "Fill in" not in result.output
    no_traceback(result.output)


# ------------------------------------------------------------------ day-first and month-first dates


DAY_FIRST = ORDERS + "A1,03/05/2024,5\nA2,25/05/2024,7\nA3,2024-06-01,1\n"


def test_day_first_dates_without_a_format_name_the_setting(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(DAY_FIRST, encoding="utf-8")
    with pytest.raises(DataError) as info:
        kd.load(tmp_path)
    assert info.value.rows == (2, 3)
    assert ("say which in kam.yml beside the data, reading: {date_formats: {orders.order_date: '%d/%m/%Y'}} for day "
            "first, or '%m/%d/%Y' for month first.") in str(info.value)


@pytest.mark.parametrize(("setting", "dates"), [
    ('{orders.order_date: "%d/%m/%Y"}', ["2024-05-03", "2024-05-25", "2024-06-01"]),
    ('{orders: "%d/%m/%Y"}', ["2024-05-03", "2024-05-25", "2024-06-01"]),
    ('"%d/%m/%Y"', ["2024-05-03", "2024-05-25", "2024-06-01"]),
])
def test_a_date_format_in_kam_yml_reads_day_first_dates(tmp_path: Path, setting: str, dates: list[str]) -> None:
    (tmp_path / "orders.csv").write_text(DAY_FIRST, encoding="utf-8")
    (tmp_path / "kam.yml").write_text(f"reading:\n  date_formats: {setting}\n", encoding="utf-8")
    ds = kd.load(tmp_path)
    assert list(ds.table("orders")["order_date"]) == list(pd.to_datetime(dates))
    counted(ds)


def test_month_first_dates_read_with_their_format(tmp_path: Path) -> None:
    workbook(tmp_path / "orders.xlsx", {"S": [["客户编号", "下单日期", "金额"], ["A1", "03/25/2024", 5],
                                              ["A2", "12/01/2024", 7]]})
    ds = kd.load(tmp_path, reading={"date_formats": {"orders.order_date": "%m/%d/%Y"}})
    assert list(ds.table("orders")["order_date"]) == [pd.Timestamp("2024-03-25"), pd.Timestamp("2024-12-01")]


def test_a_date_that_breaks_the_declared_format_is_named(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS + "A1,25/05/2024,5\nA2,05/25/2024,7\n", encoding="utf-8")
    (tmp_path / "kam.yml").write_text('reading:\n  date_formats: {orders: "%d/%m/%Y"}\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        kd.load(tmp_path)
    assert (info.value.code, info.value.rows) == ("bad_date", (3,))
    assert "'05/25/2024'" in str(info.value)


@pytest.mark.parametrize(("setting", "message"), [
    ('{orders: "%d/%m"}', ("reading: date_formats: orders: '%d/%m' is not a date format with a day, a month and a "
                          "year, such as '%d/%m/%Y' (25/03/2024) or '%m/%d/%Y' (03/25/2024).")),
    ('{orders.order_dat: "%d/%m/%Y"}', ("reading: date_formats: orders.order_dat: 'order_dat' is not a date column of "
                                       "the data contract")),
    ("[1]", "reading: date_formats: [1] is not a date format"),
])
def test_a_wrong_date_format_is_a_config_error(tmp_path: Path, setting: str, message: str) -> None:
    (tmp_path / "orders.csv").write_text(DAY_FIRST, encoding="utf-8")
    (tmp_path / "kam.yml").write_text(f"reading:\n  date_formats: {setting}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        kd.load(tmp_path)
    assert str(info.value).startswith(f"{tmp_path / 'kam.yml'}: {message}")


def test_the_cache_key_follows_the_date_format(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(ORDERS + "A1,03/05/2024,5\n", encoding="utf-8")
    day = kd.load(tmp_path, reading={"date_formats": "%d/%m/%Y"}).table("orders")["order_date"].iloc[0]
    month = kd.load(tmp_path, reading={"date_formats": "%m/%d/%Y"}).table("orders")["order_date"].iloc[0]
    assert (day, month) == (pd.Timestamp("2024-05-03"), pd.Timestamp("2024-03-05"))


def test_validate_lists_a_sheet_note_and_exits_0(tmp_path: Path) -> None:
    workbook(tmp_path / "orders.xlsx", {"说明": [["说明"]], "明细": [["客户编号", "下单日期", "金额"],
                                                                 ["A1", "2024-01-02", 5]]})
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 0
    assert "NOTE: orders.xlsx: sheet '明细' is read" in result.output
    assert result.output.rstrip().endswith("0 error(s), 0 warning(s), 1 note(s).")
