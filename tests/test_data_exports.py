"""Real exports load right values or fail clearly: the shapes that used to load wrong numbers silently.

The corpus is written by ``tests/data/make_bad.py`` (``good/totals``, ``good/appended``,
``good/preamble``, ``good/xlsx_cells``, ``good/no_date``, ``good/big5``,
``good/parquet_tz``; the error cases are in ``tests/test_data_errors.py``). Rows are
numbered as the file shows them (header = row 1); every row read is loaded or left out
with a reason: ``rows in == loaded + excluded``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import kamlib.data as kd
from kamlib.data import read
from kamlib.errors import ConfigError, DataError

DATA = Path(__file__).parent / "data"
GOOD, BAD = DATA / "good", DATA / "bad"
T = pd.Timestamp


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAM_CACHE", str(tmp_path_factory.mktemp("kam-cache")))


def excluded(ds: kd.Dataset) -> dict[tuple[str, str], int]:
    return {(t, r): n for t, r, n in ds.excluded[["table", "reason", "rows"]].itertuples(index=False)}


def counted(ds: kd.Dataset) -> None:
    """Nothing dropped uncounted: every row read is loaded or excluded with a reason."""
    for name in ds.names:
        rows_in, rows_loaded = ds.report.tables[name]
        assert rows_loaded == len(ds.table(name))
        assert rows_in == rows_loaded + sum(n for (t, _), n in excluded(ds).items() if t == name)


# ----------------------------------------------------------------------- 1. total rows


def test_total_rows_are_left_out_and_counted_with_a_note() -> None:
    ds = kd.load(GOOD / "totals", cache=False)
    orders = ds.table("orders")
    assert list(orders["account_id"]) == ["A01", "A01", "A02"]  # no account called 合计 or 小计
    assert orders["revenue"].sum() == 350.5
    assert ds.file_rows("orders") == [2, 3, 5]
    assert list(ds.table("accounts")["account_id"]) == ["A01", "A02"]
    assert list(ds.table("market")["region"]) == ["华东", "华南"]
    assert excluded(ds) == {("orders", "total_row"): 3, ("accounts", "total_row"): 1, ("market", "total_row"): 1}
    assert ds.report.ok and not ds.report.errors and not ds.report.warnings
    notes = {p.source: p for p in ds.report.notes}
    assert [(p.code, p.rows, p.count) for p in notes.values()] == [
        ("total_row", (4,), 1), ("total_row", (4, 6, 7), 3), ("total_row", (4,), 1)]
    assert notes["orders.csv"].message.startswith(
        "orders.csv: rows 4, 6, 7 ('小计', '小计', '合计' in column '客户编号') are total rows of the export; left out")
    counted(ds)


def test_validate_shows_total_rows_as_notes() -> None:
    text = kd.validate(GOOD / "totals", cache=False).format()
    assert "No problems found" not in text
    assert "  orders            6 rows (3 left out)" in text
    assert "NOTE: market.csv: row 4 ('Total:' in column 'region') is a total row" in text
    assert text.endswith("0 error(s), 0 warning(s), 3 note(s).")
    assert "Fill in" not in text  # a total row is not a record with a missing date


@pytest.mark.parametrize(("rows", "kept", "totals"), [
    # a grand total with a date, equal to the sum of the rows above
    (["A01,2024-03-05,100", "A02,2024-03-06,200", "合计,2024-03-31,300"], ["A01", "A02"], 1),
    # in the middle: a subtotal per block (other key fields empty), then Total written other ways
    (["A01,2024-03-05,100", "小 计,,100", "A02,2024-03-06,200", "TOTAL：,,300"], ["A01", "A02"], 2),
    # Traditional characters; a grand total at the top, equal to the sum of the whole table
    (["總計,2024-03-31,300", "A01,2024-03-05,100", "A02,2024-03-06,200"], ["A01", "A02"], 1),
    # a real account whose name merely contains the word
    (["Total Petroleum,2024-03-05,100"], ["Total Petroleum"], 0),
])
def test_total_rows_found_by_label_and_sum(tmp_path: Path, rows: list[str], kept: list[str], totals: int) -> None:
    (tmp_path / "orders.csv").write_text("\n".join(["客户编号,下单日期,金额", *rows]) + "\n", encoding="utf-8")
    ds = kd.load(tmp_path, cache=False)
    assert list(ds.table("orders")["account_id"]) == kept
    assert excluded(ds) == ({("orders", "total_row"): totals} if totals else {})
    counted(ds)


def load_error(folder: Path, text: str, match: str) -> DataError:
    """The error of loading *folder* with an orders.csv holding *text*, checked against *match*."""
    (folder / "orders.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=match) as info:
        kd.load(folder, cache=False)
    return info.value


def test_a_total_line_with_fewer_fields_is_named(tmp_path: Path) -> None:
    error = load_error(tmp_path, "account_id,order_date,revenue\nA1,2024-03-05,10\n合计：10\n",
                       r"\(row 3: 1 fields\); row 3 \('合计：10'\) looks like a total row: delete it")
    assert error.rows == (3,)


def test_total_labels_are_a_setting(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text("account_id,account_name\nA01,x\nSumma,\n", encoding="utf-8")
    assert list(kd.load(tmp_path, cache=False).table("accounts")["account_id"]) == ["A01", "Summa"]
    (tmp_path / "kam.yml").write_text("reading:\n  total_labels: [合计, summa]\n", encoding="utf-8")
    assert list(kd.load(tmp_path, cache=False).table("accounts")["account_id"]) == ["A01"]


# -------------------------------------------------------- 2. header lines and appended exports


def test_an_appended_export_with_the_same_columns_loads_every_part() -> None:
    ds = kd.load(GOOD / "appended", cache=False)
    orders = ds.table("orders")
    assert list(orders["account_id"]) == ["A01", "A02", "A03"]
    assert ds.file_rows("orders") == [3, 4, 7]  # title on row 1, header on row 2; the second export's on 5, 6
    assert excluded(ds) == {("orders", "repeated_header"): 2}
    (note,) = ds.report.notes
    assert (note.code, note.rows) == ("repeated_header", (5, 6))
    assert "another export appended below the first, with the same columns" in note.message
    counted(ds)


def test_title_sep_line_and_decimal_commas() -> None:
    ds = kd.load(GOOD / "preamble", cache=False)
    orders = ds.table("orders")
    assert list(orders["revenue"]) == [1234.5, 12.5, 0.99, 1000.0]
    assert ds.file_rows("orders") == [5, 6, 7, 8]  # sep=;, a title, a blank line, the header on row 4
    assert ds.report.ok and not ds.report.problems


@pytest.mark.parametrize("same", [True, False])
def test_an_appended_export_far_down_the_file(tmp_path: Path, same: bool) -> None:
    """Beyond the rows DuckDB looks at to guess the columns: still found, with its row number."""
    rows = [f"A{i:05d},2024-03-05,{i}" for i in range(30_000)]
    header = "account_id,order_date,revenue" + ("" if same else ",note")
    second = ["A99999,2024-04-01,5" + ("" if same else ",x")]
    (tmp_path / "orders.csv").write_text("\n".join(["account_id,order_date,revenue", *rows, header, *second]) + "\n",
                                         encoding="utf-8")
    if same:
        ds = kd.load(tmp_path, cache=False)
        assert len(ds.table("orders")) == 30_001
        assert excluded(ds) == {("orders", "repeated_header"): 1}
        assert ds.report.notes[0].rows == (30_002,)
        assert ds.file_rows("orders")[-1] == 30_003
    else:
        with pytest.raises(DataError, match=r"row 30002 is a second header .*adds column 'note'") as info:
            kd.load(tmp_path, cache=False)
        assert info.value.code == "second_header" and info.value.rows == (30_002,)


def test_an_appended_export_in_a_sheet(tmp_path: Path) -> None:
    """Two exports pasted one below the other in a sheet, with their title rows, and a column without a header."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["订单明细"], ["客户编号", "下单日期", "金额", None], ["A01", "2024-03-05", 100, "x"], [],
                ["订单明细"], ["客户编号", "下单日期", "金额"], ["A02", "2024-04-01", 300]):
        sheet.append(row)
    book.save(tmp_path / "orders.xlsx")
    ds = kd.load(tmp_path, cache=False)
    assert list(ds.table("orders")["account_id"]) == ["A01", "A02"]
    assert ds.columns("orders") == ["account_id", "order_date", "revenue", "column_d"]
    assert ds.file_rows("orders") == [3, 7]
    assert excluded(ds) == {("orders", "repeated_header"): 2}
    assert ds.report.notes[0].rows == (5, 6)
    counted(ds)


@pytest.mark.parametrize(("text", "line", "headers"), [
    ("a,b,c\n1,2,3\n", 1, ["a", "b", "c"]),
    ("订单明细\n导出时间：2024-06-30 10:00\n\n客户编号,下单日期,金额\nA01,2024-03-05,1\n", 4, ["客户编号", "下单日期", "金额"]),
    ("订单明细,,,\n导出人,张三,,\n客户编号,客户名称,区域,行业\nA01,华为,华南,通信\n", 3, ["客户编号", "客户名称", "区域", "行业"]),
    ("导出时间,2024-06-30 10:00,导出人,张三\n客户编号,客户名称,区域,行业\nA01,华为,华南,通信\n", 2,
     ["客户编号", "客户名称", "区域", "行业"]),
    (",account_id,revenue\n0,A01,5\n", 1, ["", "account_id", "revenue"]),  # pandas' index column has no name
    ("region,2023,2024\n华东,100,120\n", 1, ["region", "2023", "2024"]),  # a header of years
    ("id,name,2024\nA01,华为,\nA02,联想,5\n", 1, ["id", "name", "2024"]),
    ("市场容量表,,\nregion,2023,2024\n华东,100,120\n", 2, ["region", "2023", "2024"]),
    ("A01,2024-03-05,100\nA02,2024-03-06,200\n", 1, ["A01", "2024-03-05", "100"]),  # no header: as before
    ("sep=|\nid|name\n7|x\n", 2, ["id", "name"]),
])
def test_header_line_found(tmp_path: Path, text: str, line: int, headers: list[str]) -> None:
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    layout = read.sniff_layout(path)
    assert (layout.header_line, layout.headers) == (line, headers)


def test_rows_keep_their_file_numbers_below_a_preamble(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("订单明细\n\n客户编号,下单日期,金额\nA01,2024-03-05,1\n\nA02,2024-03-05,-2\n",
                                         encoding="utf-8")
    with pytest.raises(DataError, match=r"negative values in 1 row \(row 6: -2\)") as info:
        kd.load(tmp_path, cache=False)
    assert info.value.rows == (6,)


# ------------------------------------------------------------------------ 3. Excel cells


def test_xlsx_cells_are_read_as_written() -> None:
    ds = kd.load(GOOD / "xlsx_cells", cache=False)
    accounts = ds.table("accounts")
    assert list(accounts["account_name"]) == ["North Star", "None", "NULL", "nan"]
    assert list(accounts["region"]) == ["NA", "EU", "NA", "n/a"]  # NA is North America, not a gap
    assert ds.file_rows("accounts") == [3, 4, 6, 7]  # a title row above the header, a blank row 5
    assert ds.report.ok and not ds.report.problems


def test_error_text_in_a_csv_text_column_is_a_bad_value(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text("account_id,account_name\nA01,华为\nA02,#N/A\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"'account_name' holds Excel error values in 1 row \(row 3: '#N/A'\)"):
        kd.load(tmp_path, cache=False)


def test_error_cells_in_a_column_no_analysis_uses_are_a_warning(tmp_path: Path) -> None:
    (tmp_path / "accounts.csv").write_text("account_id,客户经理\nA01,张三\nA02,#N/A\n", encoding="utf-8")
    ds = kd.load(tmp_path, cache=False)
    assert ds.table("accounts")["客户经理"].isna().tolist() == [False, True]
    (warning,) = ds.report.warnings
    assert (warning.code, warning.rows) == ("excel_error", (3,))
    assert "They are read as empty (the analyses do not use this column)" in warning.message


# ---------------------------------------------------------------------- 5. decimal marks


@pytest.mark.parametrize(("mark", "values"), [(",", [1.234, 2.5]), (".", [1234.0, 2500.0])])
def test_declared_decimal_mark(tmp_path: Path, mark: str, values: list[float]) -> None:
    shutil.copytree(BAD / "ambiguous_decimal", tmp_path / "data")
    ds = kd.load(tmp_path / "data", cache=False, reading={"decimal": {"orders": mark}})
    assert list(ds.table("orders")["revenue"]) == values
    (tmp_path / "data" / "kam.yml").write_text(f"reading:\n  decimal: '{mark}'\n", encoding="utf-8")
    assert list(kd.load(tmp_path / "data").table("orders")["revenue"]) == values


def test_reading_settings_are_part_of_the_cache_key(tmp_path: Path) -> None:
    shutil.copytree(BAD / "ambiguous_decimal", tmp_path / "data")
    for mark, values in ((",", [1.234, 2.5]), (".", [1234.0, 2500.0]), (",", [1.234, 2.5])):
        ds = kd.load(tmp_path / "data", reading={"decimal": mark})
        assert list(ds.table("orders")["revenue"]) == values


def test_a_number_against_the_files_decimal_mark_is_named(tmp_path: Path) -> None:
    """The mark comes from the head of the file; a value further down written the other way is an error."""
    rows = [f"A{i},2024-03-05,{i}.5" for i in range(4000)]
    rows[3500] = 'A9,2024-03-05,"12,5"'  # past the first 64 KB, before the last 4 KB
    (tmp_path / "orders.csv").write_text("\n".join(["account_id,order_date,revenue", *rows]) + "\n",
                                         encoding="utf-8")
    with pytest.raises(DataError, match=r"not a number such as 1234\.5 in 1 row \(row 3502: '12,5'\)"):
        kd.load(tmp_path, cache=False)


def test_mixed_decimal_marks_are_named(tmp_path: Path) -> None:
    error = load_error(tmp_path, "account_id;order_date;revenue;cost\nA1;2024-03-05;1.234,50;12.5\n",
                       r"decimal point and with a decimal comma \(column 'revenue': '1\.234,50'; column 'cost': "
                       r"'12\.5'\)")
    assert error.code == "mixed_decimal"


@given(cents=st.lists(st.integers(0, 10**9), min_size=1, max_size=20), comma=st.booleans())
@settings(max_examples=40, deadline=None)
def test_decimal_marks_round_trip(cents: list[int], comma: bool) -> None:
    """Numbers written with grouping and either mark (1.234.567,89 or 1,234,567.89) read back exactly."""
    import tempfile

    def fmt(c: int) -> str:
        text = f"{c / 100:,.2f}"
        return text.translate(str.maketrans(",.", ".,")) if comma else f'"{text}"'

    delim = ";" if comma else ","
    lines = [f"account_id{delim}order_date{delim}revenue", *(f"A{i}{delim}2024-03-05{delim}{fmt(c)}"
                                                                for i, c in enumerate(cents))]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        ds = kd.load(folder, cache=False)
        assert list(ds.table("orders")["revenue"]) == [c / 100 for c in cents]


# ----------------------------------------------------------------------------- 6. dates


def test_no_date_values_are_missing_and_counted() -> None:
    ds = kd.load(GOOD / "no_date", cache=False)
    closed = ds.table("opportunities")["closed_date"]
    assert closed.isna().tolist() == [True, True, True, False, True]
    assert closed.iloc[3] == T("2024-05-01")
    (note,) = ds.report.notes
    assert (note.code, note.column, note.rows, note.count) == ("no_date", "关闭日期", (2, 3, 4), 3)
    assert "are read as empty" in note.message
    assert ds.report.ok and ds.excluded.empty


def test_dates_from_typed_files_are_checked_too(tmp_path: Path) -> None:
    frame = pd.DataFrame({"account_id": ["A1", "A2", "A3"], "order_date": pd.to_datetime(
        ["2024-03-05", "2262-04-01", "1900-01-01"]).date, "revenue": [1.0, 2.0, 3.0]})
    frame.to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(DataError, match=r"dates outside 1990-01-01 – 2100-12-31 in 1 row \(row 2: "):
        kd.load(tmp_path, cache=False)
    ds = kd.load(tmp_path, cache=False, errors="exclude")
    assert list(ds.table("orders")["account_id"]) == ["A1"]  # 1900-01-01 is "no date" in a required column
    assert excluded(ds) == {("orders", "date_out_of_range"): 1, ("orders", "empty_value"): 1}


def test_the_plausible_range_is_a_setting(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("account_id,order_date,revenue\nA1,1985-06-01,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="dates outside 1990-01-01"):
        kd.load(tmp_path, cache=False)
    ds = kd.load(tmp_path, cache=False, reading={"dates": ["1980-01-01", "2100-12-31"]})
    assert ds.table("orders")["order_date"].iloc[0] == T("1985-06-01")
    with pytest.raises(ConfigError, match=r"dates .*1678-01-01 and 2261-12-31"):
        kd.load(tmp_path, cache=False, reading={"dates": ["1500-01-01", "2100-12-31"]})
    with pytest.raises(ConfigError, match=r"unknown setting\(s\) \['date_range'\]"):
        kd.load(tmp_path, cache=False, reading={"date_range": ["1980-01-01", "2100-12-31"]})


# -------------------------------------------------------------------------- 7. Big5


def test_big5_export_reads_as_big5() -> None:
    ds = kd.load(GOOD / "big5", cache=False)
    accounts = ds.table("accounts")
    assert list(accounts["account_name"]) == ["台灣積體電路製造", "鴻海精密工業", "聯發科技"]
    assert list(accounts["region"]) == ["臺北", "新北", "新竹"]
    orders = ds.table("orders")  # Traditional headers map like Simplified ones (訂單日期 = 订单日期)
    assert list(orders["revenue"]) == [1200.0, 800.0]
    assert ds.report.ok and not ds.report.problems


COMMON_SIMPLIFIED = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本"
    "去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总"
    "次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权"
    "收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连"
    "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
)


@given(st.text(alphabet=COMMON_SIMPLIFIED, min_size=4, max_size=40))
@settings(max_examples=200, deadline=None)
def test_simplified_gbk_is_never_taken_for_big5(text: str) -> None:
    data = f"客户编号,{text}\n".encode("gbk")
    assert not read.looks_big5(data)


@given(st.text(alphabet=COMMON_SIMPLIFIED, min_size=4, max_size=40))
@settings(max_examples=200, deadline=None)
def test_traditional_big5_is_found(text: str) -> None:
    from kamlib.data.aliases import traditional

    spelled = traditional(text)[-1]
    try:
        data = f"客戶編號,{spelled}\n".encode("cp950")
    except UnicodeEncodeError:
        return
    assert read.looks_big5(data)


def test_declared_encoding(tmp_path: Path) -> None:
    shutil.copytree(GOOD / "big5", tmp_path / "data")
    with pytest.raises(DataError, match=r"accounts\.csv: the text is not valid UTF-8") as info:
        kd.load(tmp_path / "data", cache=False, reading={"encoding": {"accounts": "utf-8"}})
    assert info.value.code == "unknown_encoding"


@pytest.mark.parametrize("above", [5_000, 30_000])  # rows of UTF-8 text: within DuckDB's type sample, and below it
@pytest.mark.parametrize("blank", [False, True])
def test_gbk_text_below_a_utf8_head_is_read_as_gbk(tmp_path: Path, above: int, blank: bool) -> None:
    """A file whose first 64 KB are UTF-8 is read as if its encoding were judged on every byte up front."""
    rows = "".join(f"A{i:05d},2024-01-05,{i}\n" for i in range(above))
    data = (f"account_id,order_date,revenue\n{rows}" + ("\n" if blank else "")).encode() \
        + "客户甲,2024-01-06,7\n".encode("gbk")
    assert len(data) > read.SNIFF_BYTES
    (tmp_path / "orders.csv").write_bytes(data)
    ds = kd.load(tmp_path, cache=False)
    assert_frame_equal(ds.table("orders"), kd.load(tmp_path, cache=False,
                                                   reading={"encoding": "gb18030"}).table("orders"))
    assert ds.table("orders")["account_id"].iloc[-1] == "客户甲"
    assert len(ds.table("orders")) == above + 1


def test_bytes_of_no_encoding_below_a_utf8_head_are_refused(tmp_path: Path) -> None:
    rows = "".join(f"A{i:05d},2024-01-05,{i}\n" for i in range(30_000))
    (tmp_path / "orders.csv").write_bytes(f"account_id,order_date,revenue\n{rows}".encode() + b"A\xff\xff,2024-01-06,7\n")
    with pytest.raises(DataError, match=r"^orders\.csv: ") as info:
        kd.load(tmp_path, cache=False)
    assert info.value.code == "unknown_encoding"


# ------------------------------------------------------------------- 8. time zones

LOAD_DATES = """
import json, sys
import kamlib.data as kd
ds = kd.load(sys.argv[1], cache=sys.argv[2] == "cache")
print(json.dumps([str(d.date()) for d in ds.table("orders")["order_date"]]))
"""


def _dates_under(zone: str, folder: Path, cache: str, env_cache: Path) -> list[str]:
    env = {**os.environ, "TZ": zone, "KAM_CACHE": str(env_cache)}
    out = subprocess.run([sys.executable, "-c", LOAD_DATES, str(folder), cache], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_timestamps_with_a_zone_give_the_same_day_on_every_machine(tmp_path: Path) -> None:
    """The date is the one in the timestamp's own zone (Asia/Shanghai here), whatever TZ the computer has."""
    want = ["2024-03-05", "2024-03-05"]  # 01:30 and 23:30 in Shanghai
    for zone in ("America/Los_Angeles", "Asia/Shanghai", "UTC"):
        assert _dates_under(zone, GOOD / "parquet_tz", "none", tmp_path / "c0") == want, zone
    # one machine builds the cache, another one with another zone reads it: the same days
    assert _dates_under("America/Los_Angeles", GOOD / "parquet_tz", "cache", tmp_path / "c1") == want
    assert _dates_under("Asia/Tokyo", GOOD / "parquet_tz", "cache", tmp_path / "c1") == want


@pytest.mark.parametrize(("zone", "dates"), [("+08:00", ["2024-03-05", "2024-03-05"]),
                                             ("-05:30", ["2024-03-05", "2024-03-05"]),
                                             ("UTC", ["2024-03-05", "2024-03-05"])])
def test_fixed_offsets_give_their_own_day(tmp_path: Path, zone: str, dates: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = pd.to_datetime(["2024-03-05 01:30", "2024-03-05 23:30"]).tz_localize(zone)
    table = pa.table({"account_id": ["A1", "A2"], "order_date": pa.array(stamps, pa.timestamp("us", tz=zone)),
                      "revenue": [1.0, 2.0]})
    pq.write_table(table, tmp_path / "orders.parquet")
    ds = kd.load(tmp_path, cache=False)
    assert [str(d.date()) for d in ds.table("orders")["order_date"]] == dates


def test_an_unknown_time_zone_is_named(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = pa.array([0], pa.timestamp("us", tz="UTC"))
    schema = pa.schema([("account_id", pa.string()), ("order_date", pa.timestamp("us", tz="Mars/Olympus")),
                        ("revenue", pa.float64())])
    table = pa.table({"account_id": ["A1"], "order_date": stamps.cast(pa.int64()), "revenue": [1.0]})
    pq.write_table(table.cast(schema), tmp_path / "orders.parquet")
    with pytest.raises(DataError, match=r"'order_date' holds timestamps in the time zone 'Mars/Olympus'") as info:
        kd.load(tmp_path, cache=False)
    assert info.value.code == "unknown_time_zone"


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize("encoding", ["big5", "gb18030"])
def test_transcoding_across_chunks(tmp_path: Path, chunk: int, encoding: str) -> None:
    """A character cut by a chunk boundary is read whole; a bad byte is named by its line."""
    from unittest import mock

    text = "客戶編號,名稱\n" + "A01,台灣積體電路\n" * 20 if encoding == "big5" else "客户编号,名称\n" + "A01,华为技术\n" * 20
    data = text.encode("cp950" if encoding == "big5" else "gb18030")
    source = tmp_path / "x.csv"
    source.write_bytes(data)
    with mock.patch.object(read, "CHUNK_BYTES", chunk):
        assert read._transcode(source, tmp_path, encoding).read_text(encoding="utf-8") == text
        source.write_bytes(data + b"A02,\xff\xff\n")
        with pytest.raises(DataError, match=r"\(line 22 holds bytes that are not\)"):
            read._transcode(source, tmp_path, encoding)
