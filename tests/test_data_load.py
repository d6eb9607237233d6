"""Good input loads with exact values and contract dtypes: the corpus in tests/data/good/.

``zh_exports`` is a folder of Chinese CRM exports as they come: GBK accounts.csv, a
UTF-8-BOM opportunities.csv, orders.xlsx with Chinese headers and dates in every
common form, and 走访.csv whose file name and headers are mapped by a kam.yml.
``parquet`` and ``duckdb`` hold the same typed accounts and orders.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from unittest import mock

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import kamlib.data as kd
from kamlib.data import read
from kamlib.errors import DataError

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good"
ZH = GOOD / "zh_exports"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
T = pd.Timestamp


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("kam-cache")
    monkeypatch.setenv("KAM_CACHE", str(folder))
    return folder


@pytest.fixture(scope="module")
def zh() -> kd.Dataset:
    return kd.load(ZH, cache=False)


def frame(columns: dict[str, tuple[str, list]]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(values, dtype=dtype) for name, (dtype, values) in columns.items()})


ACCOUNTS = frame({
    "account_id": ("string", ["007", "A02", "客户3"]),
    "account_name": ("string", ["华为技术", "联想集团", "小米科技"]),
    "region": ("string", ["华南", "华北", "华北"]),
    "vip": ("boolean", [True, False, None]),
    "purchase_level": ("Int64", [2, 0, None]),
    "capacity_level": ("Int64", [4, 3, None]),
    "potential": ("float64", [1500.0, 800.5, None]),
})
ORDERS = frame({
    "order_id": ("string", ["0001", "0002", "0003", "0004", "0005"]),
    "account_id": ("string", ["007", "007", "A02", "客户3", "A02"]),
    # a real Excel date, 2024/3/5, the serial number 45356, 2024年3月5日, a date-time
    "order_date": ("datetime64[ns]", [T("2024-03-05")] * 4 + [T("2024-12-31")]),
    "revenue": ("float64", [1234.5, 1234.5, 100.0, 0.0, 99.99]),
    "quantity": ("float64", [2.0, 3.0, None, 1.0, 1.0]),
})
OPPORTUNITIES = frame({
    "opportunity_id": ("string", ["P1", "P2", "P3", "P4", "P5", "P6"]),
    "account_id": ("string", ["007", "007", "A02", "A02", "客户3", "客户3"]),
    # 赢单, 成交, 战败, 丢单, 跟进中, won
    "status": ("string", ["won", "won", "lost", "lost", "open", "won"]),
    "amount": ("float64", [1000.0, 2000.0, 300.0, 0.0, 50.25, None]),
    # 2024-03-05, 2024/3/5, 2024年3月5日, 45356 (Excel serial as text), 2024-03-06, empty
    "created_date": ("datetime64[ns]", [T("2024-03-05")] * 4 + [T("2024-03-06"), None]),
})
VISITS = frame({
    "account_id": ("string", ["007", "A02"]),
    "visit_date": ("datetime64[ns]", [T("2024-03-05"), T("2024-03-07")]),
    "kind": ("string", ["上门", "电话"]),
})
TYPED_ACCOUNTS = ACCOUNTS.drop(columns=["region", "potential"])
TYPED_ORDERS = frame({
    "order_id": ("string", ["0001", "0002", "0003"]),
    "account_id": ("string", ["007", "007", "A02"]),
    "order_date": ("datetime64[ns]", [T("2024-03-05"), T("2024-03-06"), T("2024-12-31")]),
    "revenue": ("float64", [1234.5, 0.0, 99.99]),
    "quantity": ("float64", [2.0, None, 1.0]),
})


@pytest.mark.parametrize(("name", "expected"), [
    ("accounts", ACCOUNTS), ("orders", ORDERS), ("opportunities", OPPORTUNITIES), ("visits", VISITS),
])
def test_zh_exports_exact_values_and_dtypes(zh: kd.Dataset, name: str, expected: pd.DataFrame) -> None:
    assert_frame_equal(zh.table(name), expected)


def test_zh_exports_report(zh: kd.Dataset) -> None:
    assert zh.names == ["accounts", "orders", "opportunities", "visits"]
    assert zh.report.ok and not zh.report.problems
    assert zh.report.tables == {"accounts": (3, 3), "orders": (5, 5), "opportunities": (6, 6), "visits": (2, 2)}
    assert zh.excluded.empty
    assert "No problems found." in kd.validate(ZH, cache=False).format()


def test_leading_zeros_kept(zh: kd.Dataset) -> None:
    assert zh.table("accounts")["account_id"].iloc[0] == "007"
    assert zh.table("orders")["order_id"].iloc[0] == "0001"
    assert zh.sql("SELECT typeof(account_id) AS t FROM accounts LIMIT 1")["t"].iloc[0] == "VARCHAR"


def test_kam_yml_alias_needed(tmp_path: Path) -> None:
    """Without kam.yml, 走访.csv is not a table of the contract."""
    folder = tmp_path / "zh"
    shutil.copytree(ZH, folder)
    (folder / "kam.yml").unlink()
    with pytest.raises(DataError, match=r"走访\.csv: no table of the data contract is called '走访'") as info:
        kd.load(folder, cache=False)
    assert info.value.code == "unknown_table"


def test_aliases_argument_maps_a_header() -> None:
    ds = kd.load(DATA / "bad" / "missing_column_zh", aliases={"columns": {"金额额": "revenue"}}, cache=False)
    assert list(ds.table("orders")["revenue"]) == [100.0, 200.0]


def test_table_returns_a_copy(zh: kd.Dataset) -> None:
    first = zh.table("orders")
    first.loc[0, "revenue"] = -1.0
    first["account_id"] = "changed"
    first.iloc[1, 0] = "x"
    assert_frame_equal(zh.table("orders"), ORDERS)


def test_sql(zh: kd.Dataset) -> None:
    result = zh.sql("SELECT account_id, sum(revenue) AS revenue, count(*) AS n FROM orders "
                    "GROUP BY account_id ORDER BY account_id")
    assert result.to_dict("list") == {"account_id": ["007", "A02", "客户3"], "revenue": [2469.0, 199.99, 0.0],
                                      "n": [2, 2, 1]}
    won = zh.sql("SELECT count(*) AS n FROM opportunities WHERE status = ?", ["won"])["n"].iloc[0]
    assert won == 3


def test_summary(zh: kd.Dataset) -> None:
    summary = zh.summary()
    assert list(summary.columns) == ["table", "rows", "columns", "date_column", "first_date", "last_date", "excluded",
                                     "unused_columns"]
    rows = summary.set_index("table").to_dict("index")
    assert rows["orders"] == {"rows": 5, "columns": 5, "date_column": "order_date", "first_date": T("2024-03-05"),
                              "last_date": T("2024-12-31"), "excluded": 0, "unused_columns": ""}
    assert rows["opportunities"]["date_column"] == "created_date"
    assert (rows["opportunities"]["first_date"], rows["opportunities"]["last_date"]) == (T("2024-03-05"),
                                                                                          T("2024-03-06"))
    assert pd.isna(rows["accounts"]["date_column"]) and pd.isna(rows["accounts"]["first_date"])
    assert rows["visits"]["rows"] == 2


def test_missing(zh: kd.Dataset) -> None:
    assert zh.missing("orders", ["revenue", "cost", "quantity"]) == ["cost"]
    assert zh.missing("orders") == []
    assert zh.missing("reps", ["rep_id"]) == ["reps"]
    assert zh.columns("visits") == ["account_id", "visit_date", "kind"]
    assert "orders" in zh and "reps" not in zh


def test_absent_table_names_table_and_fix(zh: kd.Dataset) -> None:
    with pytest.raises(DataError, match=r"no table 'reps' \(tables: accounts, orders, opportunities, visits\)\. "
                                        r"Add a file reps\.csv .*rep_id") as info:
        zh.table("reps")
    assert info.value.code == "missing_table"
    with pytest.raises(DataError, match=r"no table 'sales'.*Tables of the data contract: accounts, orders"):
        zh.table("sales")


@pytest.mark.parametrize("name", ["parquet", "duckdb"])
def test_typed_inputs(name: str) -> None:
    path = GOOD / name
    path = next(path.glob("*.duckdb"), path)
    ds = kd.load(path, cache=False)
    assert ds.report.ok and not ds.report.problems
    assert_frame_equal(ds.table("accounts"), TYPED_ACCOUNTS)
    orders = ds.table("orders")
    assert_frame_equal(orders[list(TYPED_ORDERS.columns)], TYPED_ORDERS)


def test_duckdb_labels_name_the_table() -> None:
    ds = kd.load(GOOD / "duckdb" / "crm.duckdb", cache=False)
    assert ds.excluded.empty
    assert kd.validate(GOOD / "duckdb" / "crm.duckdb", cache=False).tables == {"accounts": (3, 3), "orders": (3, 3)}


def test_embedded_sample_loads() -> None:
    assert (SAMPLE / "accounts.csv").is_file(), "data/sample/ has not been generated"
    ds = kd.load()
    assert ds.source == "embedded sample"
    assert ds.report.ok, ds.report.format()
    for name in ("accounts", "orders", "opportunities", "visits"):
        assert name in ds and len(ds.table(name)) > 0
    orders = ds.table("orders")
    assert str(orders["order_date"].dtype) == "datetime64[ns]"
    assert str(orders["revenue"].dtype) == "float64"
    assert str(orders["account_id"].dtype) == "string"
    accounts = ds.table("accounts")
    assert accounts["account_id"].is_unique
    if "purchase_level" in accounts:
        assert str(accounts["purchase_level"].dtype) == "Int64"
    assert set(orders["account_id"]) <= set(accounts["account_id"])
    assert (ds.summary()["rows"] > 0).all()


def test_tables_can_be_read_after_the_summary(tmp_path: Path) -> None:
    ds = kd.load(ZH, cache=False)  # a fresh dataset: no table read yet
    summary = ds.summary()
    assert [len(ds.table(name)) for name in ds.names] == summary["rows"].tolist()


# ------------------------------------------------------------------------- cache


def _tables(ds: kd.Dataset) -> dict[str, pd.DataFrame]:
    return {name: ds.table(name) for name in ds.names}


def test_cache_gives_the_same_result(tmp_path: Path, _cache: Path) -> None:
    folder = tmp_path / "zh"
    shutil.copytree(ZH, folder)
    fresh = kd.load(folder, cache=False)
    first = kd.load(folder)  # builds the cache entry
    entries = list((_cache / "tables").iterdir())
    assert len(entries) == 1
    second = kd.load(folder)  # reads it
    assert list((_cache / "tables").iterdir()) == entries
    for ds in (first, second):
        assert ds.names == fresh.names
        for name, expected in _tables(fresh).items():
            assert_frame_equal(ds.table(name), expected)
        assert ds.report.tables == fresh.report.tables
        assert_frame_equal(ds.summary(), fresh.summary())
        assert ds.sql("SELECT sum(revenue) AS s FROM orders")["s"].iloc[0] == pytest.approx(2668.99)


def test_cache_keeps_problems_and_exclusions(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(DATA / "bad" / "several_problems", folder)
    (folder / "sales_2024.csv").unlink()
    for _ in range(2):
        with pytest.raises(DataError, match=r"^3 problems in "):
            kd.load(folder)
        report = kd.validate(folder)
        assert sorted(p.code for p in report.problems) == ["bad_date", "duplicate_id", "negative",
                                                          "unknown_reference"]
        ds = kd.load(folder, errors="exclude")
        assert_frame_equal(ds.excluded, kd.load(folder, errors="exclude", cache=False).excluded)


def test_cache_keeps_the_most_recently_used_entries(tmp_path: Path, _cache: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kd.cache, "KEEP", 2)
    folders = []
    for n in range(3):
        folders.append(tmp_path / f"copy{n}")
        shutil.copytree(ZH, folders[-1])

    def entries() -> set[Path]:
        return set((_cache / "tables").iterdir())

    kd.load(folders[0])
    (first,) = entries()
    kd.load(folders[1])
    (second,) = entries() - {first}
    for entry in (first, second):  # both made a minute ago
        mtime = (entry / kd.cache.REPORT_FILE).stat().st_mtime - 60
        os.utime(entry / kd.cache.REPORT_FILE, (mtime, mtime))
    kd.load(folders[0])  # used again: now the more recent of the two
    kd.load(folders[2])  # a third entry: the least recently used one goes
    kept = entries()
    assert len(kept) == 2 and first in kept and second not in kept


def test_changed_file_invalidates_cache(tmp_path: Path, _cache: Path) -> None:
    folder = tmp_path / "zh"
    shutil.copytree(ZH, folder)
    assert kd.load(folder).table("accounts")["potential"].iloc[1] == 800.5
    path = folder / "accounts.csv"
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(b"800.5", b"900.5"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert kd.load(folder).table("accounts")["potential"].iloc[1] == 900.5
    # a new problem is seen too
    path.write_bytes(path.read_bytes().replace(b"900.5", b"-9"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
    with pytest.raises(DataError, match=r"'潜力 \(potential\)' holds negative values in 1 row \(row 3: "):
        kd.load(folder)
    assert len(list((_cache / "tables").iterdir())) == 3


def test_changed_kam_yml_invalidates_cache(tmp_path: Path) -> None:
    folder = tmp_path / "zh"
    shutil.copytree(ZH, folder)
    assert "visits" in kd.load(folder)
    config = folder / "kam.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("走访: visits", "走访: reps_unused"),
                      encoding="utf-8")
    with pytest.raises(DataError, match=r"走访\.csv: no table"):
        kd.load(folder)


def test_a_clean_csv_parsed_from_text_is_cached_without_its_text(tmp_path: Path, _cache: Path) -> None:
    """Dates, flags and levels written as text (kept beside their values for the checks) leave no trace in
    the cached table, which equals the table of a load without the cache."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "accounts.csv").write_text("account_id,vip,purchase_level\n A1 ,是,2\nA2,否,4\n", encoding="utf-8")
    (folder / "orders.csv").write_text("account_id,order_date,revenue\nA1,2024/1/5,10\nA2,2024年3月6日,5\n",
                                       encoding="utf-8")
    fresh = kd.load(folder, cache=False)
    cached = kd.load(folder)
    (entry,) = (_cache / "tables").iterdir()
    for name in ("accounts", "orders"):
        assert_frame_equal(cached.table(name), fresh.table(name))
        written = pa.ipc.open_file(entry / f"{name}.arrow").schema.names
        assert written == list(fresh.table(name).columns) and not [n for n in written if n.startswith("__")]
    assert list(fresh.table("accounts")["account_id"]) == ["A1", "A2"]
    assert list(fresh.table("orders")["order_date"].dt.day) == [5, 6]


def test_cache_keeps_row_numbers_types_and_empty_tables(tmp_path: Path) -> None:
    """The cache's Arrow files give back the same tables, file row numbers and report, empty tables too."""
    folder = tmp_path / "data"
    folder.mkdir()
    # orders: row 3 blank, row 4 a negative revenue (so rows are numbered), dates in two forms;
    # accounts: a header only, with a flag and a level column
    (folder / "orders.csv").write_text("account_id,order_date,revenue,quantity\nA1,2024-01-05,10,2\n\n"
                                       "A2,2024/1/6,-1,3\nA3,2024-01-07,5,\n", encoding="utf-8")
    (folder / "accounts.csv").write_text("account_id,vip,purchase_level\n", encoding="utf-8")
    fresh = kd.load(folder, errors="exclude", cache=False)
    for _ in range(2):  # builds the entry, then reads it
        ds = kd.load(folder, errors="exclude")
        assert ds.names == fresh.names == ["accounts", "orders"]
        for name in ds.names:
            assert_frame_equal(ds.table(name), fresh.table(name))
            assert ds.file_rows(name) == fresh.file_rows(name)
        assert ds.file_rows("orders") == [2, 5]
        assert ds.table("accounts").dtypes.astype(str).tolist() == ["string", "boolean", "Int64"]
        assert ds.report == fresh.report
        assert_frame_equal(ds.excluded, fresh.excluded)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 64])
@pytest.mark.parametrize("data", [
    b"a,b\n1,2\n" * 40 + "客户,3\n".encode(),  # a character split across chunks after ASCII ones
    b"a,b\n1,2\n" * 40 + "客户,3\n".encode("gbk") + b"1,2\n" * 40,  # GBK text far into the file
    b"a,b\n1," + b"\xe5" + b"2\n" * 40,  # a cut UTF-8 character followed by ASCII chunks
    b"a,b\n\xe5a\x85\x85\n",  # GB18030 only: an ASCII byte inside a character must not be passed over
    b"a,b\n1,2\n" * 40 + b"\xe5",  # a cut character at the very end
    b"a,b\n\x81\x30\x81\x30\n" * 3,  # a four-byte GB18030 character
])
def test_encoding_judged_on_every_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int,
                                       data: bytes) -> None:
    """ASCII chunks are passed over, yet the answer is that of decoding the whole file."""
    monkeypatch.setattr(read, "CHUNK_BYTES", chunk)
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            assert not read._decodes(path, encoding)
        else:
            assert read._decodes(path, encoding)


@settings(max_examples=300, deadline=None)
@given(data=st.lists(st.sampled_from([b"a", b",", b"\n", b"\r", b"\r\n"]), max_size=30).map(b"".join),
       chunk=st.integers(1, 7))
def test_blank_lines_found_across_chunks(data: bytes, chunk: int) -> None:
    """The quick scan agrees with a regular expression over the whole file, wherever the chunks end."""
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(read, "SCAN_BYTES", chunk):
        path = Path(folder) / "x.csv"
        path.write_bytes(data)
        assert read._has_blank_lines(path) == bool(re.search(rb"\n\r?\n", data))


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), st.text(alphabet="ab 1\u3000客", max_size=4)), min_size=1, max_size=12),
       cut=st.integers(0, 12), start=st.integers(0, 3))
def test_cells_that_need_trimming_are_found_in_the_arrow_bytes(cells: list[str | None], cut: int, start: int) -> None:
    """The look at the bytes agrees with DuckDB's test of the cells it trims, in chunks and slices of chunks."""
    import duckdb

    from kamlib.data import build
    from kamlib.data.parse import trimmed

    values = pa.array(cells, pa.string())
    chunked = pa.chunked_array([values.slice(start, cut), values.slice(start + cut)])
    changed = duckdb.sql(f"SELECT count(*) FILTER (WHERE x IS DISTINCT FROM {trimmed('x')}) FROM chunked t(x)"
                         ).fetchall()[0][0]
    special = [c for c in cells[start:] if c is not None and (not c or c[0] == " " or c[-1] == " " or not c.isascii())]
    assert build.needs_trim(chunked) == bool(special)
    assert not changed or special  # every cell DuckDB changes is one found


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(st.one_of(st.none(), st.sampled_from(["", "A1", "T1", "Total", "合计", "合", "#N/A", "sum"])),
                      min_size=1, max_size=10),
       words=st.lists(st.sampled_from(["Total", "合计", "#N/A", "sum", "T"]), max_size=4), cut=st.integers(0, 10))
def test_a_column_holds_a_word_exactly_when_one_of_its_cells_is_one(cells: list[str | None], words: list[str],
                                                                    cut: int) -> None:
    from kamlib.data import build

    values = pa.array(cells, pa.string())
    chunked = pa.chunked_array([values.slice(0, cut), values.slice(cut)])
    assert build._holds_any(chunked, words) == any(c in words for c in cells if c is not None)


def test_the_cache_holds_the_tables_kept_and_no_other(tmp_path: Path, _cache: Path) -> None:
    """A table written to the cache as soon as it was read is removed again when the load leaves it out, and
    replaced when its checks change it."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "accounts.csv").write_text("account_id,potential\nA1,5\nA2,-3\n", encoding="utf-8")
    (folder / "orders.csv").write_text("account_id,order_date,revenue\nA1,2024-01-05,10\nA2,2024-01-06,-1\n"
                                       "A1,2024-01-07,4\n", encoding="utf-8")
    fresh = kd.load(folder, tables=["orders"], optional=["accounts"], errors="exclude", cache=False)
    ds = kd.load(folder, tables=["orders"], optional=["accounts"], errors="exclude")
    assert ds.names == fresh.names == ["orders"]
    assert sorted(p.name for p in _entry(_cache).iterdir()) == ["orders.arrow", kd.cache.REPORT_FILE]
    assert_frame_equal(ds.table("orders"), fresh.table("orders"))
    assert list(ds.table("orders")["revenue"]) == [10.0, 4.0]


def _entry(cache: Path) -> Path:
    (entry,) = [p for p in (cache / "tables").iterdir() if not p.name.endswith(".partial")]
    return entry


def _flip(data: bytes, at: int, n: int = 16) -> bytes:
    return data[:at] + bytes(b ^ 0xFF for b in data[at:at + n]) + data[at + n:]


@pytest.mark.parametrize("damage, what", [
    ("truncated", r"orders\.arrow has [\d,]+ bytes instead of [\d,]+"),
    ("garbage", r"orders\.arrow does not match its checksum"),
    ("missing", r"orders\.arrow is missing"),
    ("bad report", r"report\.json cannot be read: JSONDecodeError"),
    ("no report", r"report\.json is missing"),
])
def test_a_damaged_cache_entry_is_built_again_with_a_warning(tmp_path: Path, _cache: Path, damage: str,
                                                             what: str) -> None:
    import warnings

    folder = tmp_path / "zh"
    shutil.copytree(ZH, folder)
    fresh = kd.load(folder, cache=False)
    kd.load(folder)  # builds the entry
    entry = _entry(_cache)
    orders = entry / "orders.arrow"
    data = orders.read_bytes()
    if damage == "truncated":
        orders.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":  # the same size, other bytes in the middle of the columns
        orders.write_bytes(_flip(data, len(data) // 2))
    elif damage == "missing":
        orders.unlink()
    elif damage == "bad report":
        (entry / kd.cache.REPORT_FILE).write_bytes(b"\x00\x01 not json")
    else:
        (entry / kd.cache.REPORT_FILE).unlink()
    with pytest.warns(UserWarning, match=rf"^{re.escape(str(folder))}: the cached tables are damaged \({what}\); "
                                         r"they are built again from the data files\.$"):
        ds = kd.load(folder)
    for name, expected in _tables(fresh).items():
        assert_frame_equal(ds.table(name), expected)
    assert ds.report == fresh.report
    assert _entry(_cache) == entry and orders.read_bytes() == data  # built again, in its place
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_frame_equal(kd.load(folder).table("orders"), fresh.table("orders"))  # served again, silently


def test_a_damaged_entry_that_cannot_be_replaced_is_not_served(tmp_path: Path, _cache: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "zh"
    shutil.copytree(ZH, folder)
    fresh = kd.load(folder, cache=False)
    kd.load(folder)
    orders = _entry(_cache) / "orders.arrow"
    orders.write_bytes(_flip(orders.read_bytes(), 200))

    def refuse(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(kd.cache.os, "replace", refuse)  # a cache folder that is read-only
    with pytest.warns(UserWarning, match=r"orders\.arrow does not match its checksum"):
        ds = kd.load(folder)
    assert_frame_equal(ds.table("orders"), fresh.table("orders"))


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_partial_folders_of_killed_loads_are_removed_by_the_next_load(tmp_path: Path, _cache: Path) -> None:
    folder = tmp_path / "zh"
    shutil.copytree(ZH, folder)
    kd.load(folder)
    tables = _cache / "tables"
    hour_ago = time.time() - 3700

    def partial(digest: str, pid: int, *, old: bool = False) -> Path:
        path = tables / f"{digest}.{pid}.partial"
        path.mkdir()
        (path / "orders.arrow").write_bytes(b"\0" * 100_000)
        if old:
            for p in (path / "orders.arrow", path):
                os.utime(p, (hour_ago, hour_ago))
        return path

    dead = partial("a" * 24, _dead_pid())
    stale = partial("b" * 24, os.getpid(), old=True)  # a PID that runs again, for another process
    busy = partial("c" * 24, os.getpid())  # a load going on now
    kd.load(folder)  # served from the cache
    assert not dead.exists() and not stale.exists() and busy.exists()
    assert (_entry(_cache) / "orders.arrow").is_file()
