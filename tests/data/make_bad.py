"""Write the bad-input and good-input corpora used by the data-layer tests.

Run once after changing a case; the output is committed next to this script::

    python tests/data/make_bad.py            # writes tests/data/bad/ and tests/data/good/

``tests/test_data_errors.py`` checks that the committed files equal what this script
writes (byte for byte; DuckDB database files, whose bytes differ on every write, are
compared by their tables). Each bad case is one folder, i.e. one dataset, holding the
offending file and whatever else it needs. The expected outcome of each case (error
code, file, column, rows) is written down in ``tests/test_data_errors.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd

HERE = Path(__file__).resolve().parent
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

# --------------------------------------------------------------------------- helpers


def text(path: Path, content: str, encoding: str = "utf-8", *, newline: str = "\n") -> None:
    """Write CSV text in *encoding* (``utf-8-sig`` for a BOM), lines ending in *newline*."""
    path.write_bytes(content.replace("\n", newline).encode(encoding))


def xlsx(path: Path, rows: list[list[object]], *, number_formats: dict[str, str] | None = None) -> None:
    """Write *rows* to the first sheet of an .xlsx with openpyxl, byte-for-byte reproducibly.

    openpyxl stamps the workbook with the time of writing (document properties and
    zip entry times); both are fixed here so the output does not change between runs.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    for ref, fmt in (number_formats or {}).items():
        ws[ref].number_format = fmt
    wb.properties.creator = "kamlib tests"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" on save
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", content)
            target.writestr(fixed, content)
    return out.getvalue()


def duckdb_file(path: Path, tables: dict[str, str]) -> None:
    """Write a DuckDB database with one table per ``{name: SELECT ...}``."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        for name, select in tables.items():
            con.execute(f'CREATE TABLE "{name}" AS {select}')


def noise(n: int, seed: int) -> bytes:
    """*n* reproducible pseudo-random bytes."""
    return random.Random(seed).randbytes(n)


# ----------------------------------------------------------------------- bad corpus
# Row numbers in the comments are the rows a spreadsheet shows (header = row 1).

BAD: dict[str, Callable[[Path], None]] = {}


def case(func: Callable[[Path], None]) -> Callable[[Path], None]:
    BAD[func.__name__] = func
    return func


@case
def missing_column_zh(d: Path) -> None:
    # 金额额 is a typo for 金额 (revenue): no alias matches it.
    text(d / "orders.csv", "客户编号,订单日期,金额额\nA01,2024-03-05,100\nA02,2024-03-06,200\n")


@case
def missing_column_any(d: Path) -> None:
    # market needs region or segment; neither is there.
    text(d / "market.csv", "年份,市场容量,我方销量\n2024,1000,120\n")


@case
def unknown_table(d: Path) -> None:
    text(d / "accounts.csv", "account_id\nA01\n")
    text(d / "sales_2024.csv", "account_id,order_date,revenue\nA01,2024-03-05,100\n")


@case
def duplicate_id(d: Path) -> None:
    # A01 again on row 4, A02 again on row 6.
    text(d / "accounts.csv", "客户编号,客户名称\nA01,华为\nA02,联想\nA01,华为二部\nA03,小米\nA02,联想北京\n")


@case
def bad_date(d: Path) -> None:
    # rows 3 (no 30 February), 5 (a word) and 7 (day/month order) are not dates.
    text(d / "orders.csv",
         "account_id,order_date,revenue\n"
         "A01,2024-03-05,100\nA02,2024-02-30,100\nA03,2024/3/5,100\n"
         "A04,明天,100\nA05,2024年3月5日,100\nA06,03/05/2024,100\n")


@case
def date_day_first(d: Path) -> None:
    # Every date is dd/mm/yyyy (or mm/dd/yyyy?), a form the contract does not accept:
    # rows 2 and 3 are ambiguous, row 4 is not.
    text(d / "orders.csv",
         "account_id,order_date,revenue\nA01,03/05/2024,100\nA02,04/06/2024,100\nA03,13/05/2024,100\n")


@case
def negative_revenue(d: Path) -> None:
    # rows 3 and 5 are negative.
    text(d / "orders.csv",
         "account_id,order_date,revenue\nA01,2024-03-05,100\nA02,2024-03-05,-50\n"
         "A03,2024-03-05,0\nA04,2024-03-05,-0.01\n")


@case
def non_numeric(d: Path) -> None:
    # ¥1,234.50 is a number; 一千 (row 3) and 12a (row 5) are not.
    text(d / "orders.csv",
         "account_id,order_date,revenue\nA01,2024-03-05,\"¥1,234.50\"\nA02,2024-03-05,一千\n"
         "A03,2024-03-05,12\nA04,2024-03-05,12a\n")


@case
def empty_required(d: Path) -> None:
    # account_id is empty on row 3.
    text(d / "orders.csv", "account_id,order_date,revenue\nA01,2024-03-05,1\n,2024-03-05,2\nA03,2024-03-05,3\n")


@case
def status_not_allowed(d: Path) -> None:
    # 赢单/丢单/跟进中 are aliases; maybe (row 3) and 暂停 (row 6) are not allowed.
    text(d / "opportunities.csv",
         "商机编号,状态\nP1,赢单\nP2,maybe\nP3,丢单\nP4,跟进中\nP5,暂停\n")


@case
def level_out_of_range(d: Path) -> None:
    # levels are whole numbers 0-4: 5 (row 3), high (row 4), -1 (row 5), 1.5 (row 6).
    text(d / "accounts.csv", "account_id,purchase_level\nA01,0\nA02,5\nA03,high\nA04,-1\nA05,1.5\nA06,4\n")


@case
def level_conflict(d: Path) -> None:
    # purchase_level (X) > capacity_level (Y) on rows 3 and 5.
    text(d / "accounts.csv",
         "客户编号,当前采购,采购能力\nA01,1,2\nA02,3,2\nA03,2,2\nA04,4,0\n")


@case
def bad_bool(d: Path) -> None:
    # 是/否 are flags; 也许 (row 4) is not.
    text(d / "accounts.csv", "客户编号,是否VIP\nA01,是\nA02,否\nA03,也许\n")


@case
def unknown_reference(d: Path) -> None:
    # A warning only: orders on rows 3 and 5 name accounts that are not in accounts.csv.
    text(d / "accounts.csv", "account_id\nA01\nA02\n")
    text(d / "orders.csv",
         "account_id,order_date,revenue\nA01,2024-03-05,1\nZ9,2024-03-05,2\nA02,2024-03-05,3\nZ8,2024-03-05,4\n")


@case
def empty_file(d: Path) -> None:
    (d / "orders.csv").write_bytes(b"")


@case
def header_only(d: Path) -> None:
    # A warning only (no_rows).
    text(d / "orders.csv", "客户编号,下单日期,金额\n")


@case
def xlsx_random_bytes(d: Path) -> None:
    (d / "orders.xlsx").write_bytes(noise(2048, seed=1))


@case
def xlsx_truncated(d: Path) -> None:
    xlsx(d / "orders.xlsx", [["客户编号", "下单日期", "金额"], *[[f"A{i:02d}", "2024-03-05", i] for i in range(50)]])
    data = (d / "orders.xlsx").read_bytes()
    (d / "orders.xlsx").write_bytes(data[: len(data) // 2])


@case
def old_xls(d: Path) -> None:
    # The OLE2 signature of an Excel 97-2003 workbook, then filler.
    (d / "orders.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise(1016, seed=2))


@case
def duplicate_table(d: Path) -> None:
    # 订单 is an alias of orders: two files for one table.
    text(d / "orders.csv", "account_id,order_date,revenue\nA01,2024-03-05,1\n")
    xlsx(d / "订单.xlsx", [["客户编号", "下单日期", "金额"], ["A01", "2024-03-06", 2]])


@case
def duplicate_column(d: Path) -> None:
    # 客户编号 and 客户ID both mean account_id.
    text(d / "accounts.csv", "客户编号,客户ID,客户名称\nA01,1001,华为\nA02,1002,联想\n")


@case
def duplicate_header_same_name(d: Path) -> None:
    # Two columns headed 金额: which one is revenue?
    text(d / "orders.csv", "客户编号,下单日期,金额,金额\nA01,2024-03-05,100,90\nA02,2024-03-06,200,180\n")


@case
def ragged_csv(d: Path) -> None:
    # Row 3 has an unquoted comma in the name: five fields under four headers.
    text(d / "orders.csv",
         "客户编号,客户名称,下单日期,金额\nA01,华为,2024-03-05,100\nA02,Foo, Inc.,2024-03-06,200\n"
         "A03,联想,2024-03-07,300\n")


@case
def blank_line_csv(d: Path) -> None:
    # A blank line 3; the negative revenue is on row 5 (as Excel shows the file).
    text(d / "orders.csv", "account_id,order_date,revenue\nA01,2024-03-05,1\n\nA02,2024-03-05,2\nA03,2024-03-05,-3\n")


@case
def gbk_bad_number(d: Path) -> None:
    # GBK text with Chinese headers; 壹佰元 (row 3) is not a number.
    text(d / "orders.csv",
         "订单号,客户编号,下单日期,金额\n001,A01,2024/3/5,100\n002,A02,2024/3/6,壹佰元\n003,A03,2024/3/7,300\n",
         "gbk", newline="\r\n")


@case
def utf8_bom_bad_date(d: Path) -> None:
    # UTF-8 with BOM (Excel "CSV UTF-8"); 2024年13月1日 (row 4) is not a date.
    text(d / "orders.csv",
         "订单号,客户编号,下单日期,金额\n001,A01,2024年3月5日,100\n002,A02,2024年3月6日,200\n"
         "003,A03,2024年13月1日,300\n",
         "utf-8-sig", newline="\r\n")


@case
def xlsx_zh_negative(d: Path) -> None:
    # Chinese headers, real Excel dates; 金额 is negative on rows 3 and 4.
    xlsx(d / "orders.xlsx", [
        ["订单号", "客户编号", "下单日期", "金额"],
        ["001", "A01", dt.datetime(2024, 3, 5), 100.0],
        ["002", "A02", dt.datetime(2024, 3, 6), -200.0],
        ["003", "A03", dt.datetime(2024, 3, 7), -1],
        ["004", "A04", dt.datetime(2024, 3, 8), 400],
    ])


@case
def utf16_bom(d: Path) -> None:
    # Excel's "Unicode Text": UTF-16 LE with BOM, tab separated.
    text(d / "orders.csv", "\ufeff客户编号\t下单日期\t金额\nA01\t2024-03-05\t100\n", "utf-16-le", newline="\r\n")


@case
def utf16_no_bom(d: Path) -> None:
    # UTF-16 LE without a BOM: neither UTF-8 nor GB18030 text.
    text(d / "orders.csv", "客户编号,下单日期,金额\nA01,2024-03-05,100\n", "utf-16-le", newline="\r\n")


@case
def parquet_corrupt(d: Path) -> None:
    (d / "orders.parquet").write_bytes(b"PAR1" + noise(512, seed=3))


@case
def duckdb_bad_table(d: Path) -> None:
    # Table orders: order_date 'soon' on row 2 (database rows count from 1, no header).
    duckdb_file(d / "crm.duckdb", {
        "accounts": "SELECT * FROM (VALUES ('A01'), ('A02')) t(account_id)",
        "orders": "SELECT * FROM (VALUES ('A01', '2024-03-05', 100.0), ('A02', 'soon', 200.0),"
                  " ('A01', '2024-03-07', 300.0)) t(account_id, order_date, revenue)",
    })


@case
def duckdb_corrupt(d: Path) -> None:
    (d / "crm.duckdb").write_bytes(noise(4096, seed=4))


@case
def many_bad_rows(d: Path) -> None:
    # 40 negative revenues on rows 2-41, then one good row (42).
    rows = "".join(f"A{i:02d},2024-03-05,{-(i + 1)}\n" for i in range(40))
    text(d / "orders.csv", "account_id,order_date,revenue\n" + rows + "A99,2024-03-05,5\n")


@case
def several_problems(d: Path) -> None:
    # Four errors in three files: an unknown table, a duplicate account id (row 3),
    # a bad date (row 2) and negative revenues (rows 3, 4) in orders; and a warning:
    # an unknown account (row 5).
    text(d / "sales_2024.csv", "account_id,order_date,revenue\nA01,2024-03-05,1\n")
    text(d / "accounts.csv", "account_id\nA01\nA01\nA02\n")
    text(d / "orders.csv",
         "account_id,order_date,revenue\nA01,someday,1\nA01,2024-03-05,-2\nA02,2024-03-05,-3\nZ9,2024-03-05,4\n")


# ------------------------------------------------------------- real exports: bad
# Exports as CRM systems and Excel write them, which used to load wrong values silently.


@case
def appended_more_columns(d: Path) -> None:
    # A second export appended below the first, with one more column (备注): its header is row 4.
    text(d / "orders.csv",
         "客户编号,下单日期,金额\nA01,2024-03-05,100\nA02,2024-03-06,200\n"
         "客户编号,下单日期,金额,备注\nA03,2024-04-01,300,补单\nA04,2024-04-02,400,\n")


@case
def appended_other_order(d: Path) -> None:
    # A second export appended below the first, its columns in another order: header on row 4.
    text(d / "orders.csv",
         "客户编号,下单日期,金额\nA01,2024-03-05,100\nA02,2024-03-06,200\n"
         "客户编号,金额,下单日期\nA03,300,2024-04-01\n")


@case
def total_label_not_total(d: Path) -> None:
    # Row 4 says 合计 in the account column, with a date, but 999 is not the sum of the rows above (300).
    text(d / "orders.csv", "客户编号,下单日期,金额\nA01,2024-03-05,100\nA02,2024-03-06,200\n合计,2024-03-31,999\n")


@case
def xlsx_error_cells(d: Path) -> None:
    # Excel error cells: #DIV/0! in 金额 (D4), #N/A in 产品编号 (E6); the product NA is a value.
    xlsx(d / "orders.xlsx", [
        ["订单号", "客户编号", "下单日期", "金额", "产品编号"],
        ["001", "A01", dt.datetime(2024, 3, 5), 100, "NA"],
        ["002", "A02", dt.datetime(2024, 3, 6), 200, "P2"],
        ["003", "A03", dt.datetime(2024, 3, 7), "#DIV/0!", "NA"],
        ["004", "A04", dt.datetime(2024, 3, 8), 400, "P2"],
        ["005", "A05", dt.datetime(2024, 3, 9), 500, "#N/A"],
    ])


@case
def nonfinite_numbers(d: Path) -> None:
    # NaN (row 3), inf (row 4), -inf (row 5) and 1e400 (row 6) are not amounts.
    text(d / "orders.csv",
         "account_id,order_date,revenue\nA01,2024-03-05,100\nA02,2024-03-05,NaN\nA03,2024-03-05,inf\n"
         "A04,2024-03-05,-inf\nA05,2024-03-05,1e400\n")


@case
def nonfinite_parquet(d: Path) -> None:
    # A float column as stored: NaN on row 2, an infinity on row 3 (database rows count from 1).
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"account_id": ["A01", "A02", "A03"],
                             "order_date": pa.array([dt.date(2024, 3, 5)] * 3),
                             "revenue": pa.array([100.0, float("nan"), float("inf")])}), d / "orders.parquet")


@case
def ambiguous_decimal(d: Path) -> None:
    # Semicolons (a decimal-comma country's CSV), and only numbers such as 1,234: 1234 or 1.234?
    text(d / "orders.csv", "客户编号;下单日期;金额\nA01;2024-03-05;1,234\nA02;2024-03-06;2,500\n")


@case
def date_out_of_range(d: Path) -> None:
    # Two-digit year 25/3/5 (row 3), 202403 and 1234567 read as Excel date numbers (rows 4, 5), 2454 (row 6).
    text(d / "orders.csv",
         "account_id,order_date,revenue\nA01,2024-03-05,1\nA02,25/3/5,1\nA03,202403,1\nA04,1234567,1\n"
         "A05,2454-01-01,1\n")


@case
def no_date_required(d: Path) -> None:
    # "No date" values in a required date column: 9999-12-31 (row 3) and 0000-00-00 (row 4).
    text(d / "orders.csv",
         "account_id,order_date,revenue\nA01,2024-03-05,1\nA02,9999-12-31,1\nA03,0000-00-00,1\n")


@case
def big5_broken(d: Path) -> None:
    # Big5 text, then a four-byte GB18030 character that Big5 does not have.
    data = "客戶編號,客戶名稱\nA01,台灣積體電路\n".encode("cp950") + b"A02,\x81\x30\x81\x30\n"
    (d / "accounts.csv").write_bytes(data)


# ---------------------------------------------------------------------- good corpus
# Expected values are in tests/test_data_load.py.


def good_zh_exports(d: Path) -> None:
    """Chinese CRM exports: GBK accounts, UTF-8-BOM opportunities, XLSX orders, kam.yml."""
    text(d / "accounts.csv",
         "客户编号,客户名称,区域,是否VIP,当前采购,采购能力,潜力\n"
         "007,华为技术,华南,是,2,4,\"1,500\"\n"
         "A02,联想集团,华北,否,0,3,800.5\n"
         "客户3,小米科技,华北,,,,\n",
         "gbk", newline="\r\n")
    text(d / "opportunities.csv",
         "商机编号,客户编号,状态,商机金额,创建日期\n"
         "P1,007,赢单,1000,2024-03-05\n"
         "P2,007,成交,2000,2024/3/5\n"
         "P3,A02,战败,300,2024年3月5日\n"
         "P4,A02,丢单,0,45356\n"
         "P5,客户3,跟进中,50.25,2024-03-06\n"
         "P6,客户3,won,,\n",
         "utf-8-sig", newline="\r\n")
    xlsx(d / "orders.xlsx", [
        ["订单号", "客户编号", "下单日期", "金额", "数量"],
        ["0001", "007", dt.datetime(2024, 3, 5), 1234.5, 2],
        ["0002", "007", "2024/3/5", "1,234.50", "3"],
        ["0003", "A02", 45356, 100, None],
        ["0004", "客户3", "2024年3月5日", 0, 1],
        ["0005", "A02", dt.datetime(2024, 12, 31, 15, 30), "¥99.99", 1.0],
    ], number_formats={"C2": "yyyy-mm-dd", "C6": "yyyy-mm-dd hh:mm"})
    # visits come from a file and headers named in kam.yml only.
    text(d / "走访.csv", "客户号,走访日期,拜访类型\n007,2024-03-05,上门\nA02,2024/03/07,电话\n")
    text(d / "kam.yml",
         "aliases:\n"
         "  files:\n"
         "    走访: visits\n"
         "  columns:\n"
         "    客户号: account_id\n"
         "    走访日期: visit_date\n")


GOOD_ACCOUNTS = pd.DataFrame({
    "account_id": ["007", "A02", "客户3"],
    "account_name": ["华为技术", "联想集团", "小米科技"],
    "vip": pd.array([True, False, None], dtype="boolean"),
    "purchase_level": pd.array([2, 0, None], dtype="Int64"),
    "capacity_level": pd.array([4, 3, None], dtype="Int64"),
})
GOOD_ORDERS = pd.DataFrame({
    "order_id": ["0001", "0002", "0003"],
    "account_id": ["007", "007", "A02"],
    "order_date": pd.to_datetime(["2024-03-05", "2024-03-06", "2024-12-31"]),
    "revenue": [1234.5, 0.0, 99.99],
    "quantity": [2.0, None, 1.0],
})


def good_parquet(d: Path) -> None:
    """Typed Parquet files (dates, floats, nullable ints and booleans as stored)."""
    GOOD_ACCOUNTS.to_parquet(d / "accounts.parquet", index=False)
    GOOD_ORDERS.to_parquet(d / "orders.parquet", index=False)


def good_duckdb(d: Path) -> None:
    """The same two tables in a DuckDB database file."""
    path = d / "crm.duckdb"
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.register("a", GOOD_ACCOUNTS)
        con.register("o", GOOD_ORDERS)
        con.execute("CREATE TABLE accounts AS SELECT * FROM a")
        con.execute("CREATE TABLE orders AS SELECT account_id, order_id, CAST(order_date AS DATE) AS order_date, "
                    "revenue, quantity FROM o")


def good_totals(d: Path) -> None:
    """Total rows: subtotals after each account and a grand total with a date (orders), 合计 and Total rows."""
    text(d / "orders.csv",
         "客户编号,下单日期,金额\nA01,2024-03-05,100\nA01,2024-03-06,200\n小计,,300\n"
         "A02,2024-03-07,50.5\n小计,,50.5\n合计,2024-03-31,350.5\n")
    text(d / "accounts.csv", "客户编号,客户名称,潜力\nA01,华为,100\nA02,联想,200\n合计,,300\n")
    text(d / "market.csv", "region,market_size,our_sales\n华东,1000,100\n华南,500,50\nTotal:,1500,150\n")


def good_appended(d: Path) -> None:
    """Two exports appended, each with a title line (Excel pads it with separators) and the same header."""
    text(d / "orders.csv",
         "订单明细,,\n客户编号,下单日期,金额\nA01,2024-03-05,100\nA02,2024-03-06,200\n"
         "订单明细,,\n客户编号,下单日期,金额\nA03,2024-04-01,300\n", "utf-8-sig", newline="\r\n")


def good_preamble(d: Path) -> None:
    """Excel's sep=; line, a title and a blank line above the header; decimal commas."""
    text(d / "orders.csv",
         "sep=;\n订单明细\n\n客户编号;下单日期;金额\n"
         "A01;2024-03-05;1.234,50\nA02;2024-03-06;12,5\nA03;2024-03-07;0,99\nA04;2024-03-08;1.000\n")


def good_xlsx_cells(d: Path) -> None:
    """A title row, NA / None / NULL / n/a / nan written as text, and a blank row (row 5)."""
    xlsx(d / "accounts.xlsx", [
        ["客户名单"],
        ["客户编号", "客户名称", "区域"],
        ["A01", "North Star", "NA"],
        ["A02", "None", "EU"],
        [],
        ["A03", "NULL", "NA"],
        ["A04", "nan", "n/a"],
    ])


def good_no_date(d: Path) -> None:
    """"No date" values in an optional date column: 9999-12-31, 1900-01-01, 0000-00-00."""
    text(d / "opportunities.csv",
         "商机编号,状态,关闭日期\nP1,won,9999-12-31\nP2,lost,1900-01-01\nP3,open,0000-00-00\nP4,won,2024-05-01\n"
         "P5,open,\n")


def good_big5(d: Path) -> None:
    """A Taiwan export in Big5 with Traditional headers (客戶編號, 訂單日期, 金額)."""
    text(d / "accounts.csv", "客戶編號,客戶名稱,區域\nA01,台灣積體電路製造,臺北\nA02,鴻海精密工業,新北\nA03,聯發科技,新竹\n",
         "cp950", newline="\r\n")
    text(d / "orders.csv", "訂單編號,客戶編號,訂單日期,金額\n001,A01,2024/3/5,1200\n002,A03,2024/3/6,800\n",
         "cp950", newline="\r\n")


def good_parquet_tz(d: Path) -> None:
    """Timestamps with their zone (Asia/Shanghai): 01:30 and 23:30 on 5 March there."""
    stamps = pd.to_datetime(["2024-03-05 01:30", "2024-03-05 23:30"]).tz_localize("Asia/Shanghai")
    pd.DataFrame({"account_id": ["A01", "A02"], "order_date": stamps, "revenue": [100.0, 200.0]}).to_parquet(
        d / "orders.parquet", index=False)


GOOD: dict[str, Callable[[Path], None]] = {
    "zh_exports": good_zh_exports,
    "parquet": good_parquet,
    "duckdb": good_duckdb,
    "totals": good_totals,
    "appended": good_appended,
    "preamble": good_preamble,
    "xlsx_cells": good_xlsx_cells,
    "no_date": good_no_date,
    "big5": good_big5,
    "parquet_tz": good_parquet_tz,
}


# ---------------------------------------------------------------------------- main


def write(root: Path) -> None:
    """Write ``root/bad/<case>/`` and ``root/good/<name>/`` (replacing what is there)."""
    for corpus, cases in (("bad", BAD), ("good", GOOD)):
        base = root / corpus
        shutil.rmtree(base, ignore_errors=True)
        for name, func in cases.items():
            folder = base / name
            folder.mkdir(parents=True)
            func(folder)


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"{len(BAD)} bad cases, {len(GOOD)} good datasets written to {HERE if len(sys.argv) < 2 else sys.argv[1]}")
