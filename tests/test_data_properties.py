"""Properties of the loader on random valid and invalid tables (hypothesis).

1. Round trip: random valid ``orders`` and ``accounts`` written as CSV (UTF-8,
   UTF-8 with BOM, GB18030), XLSX, Parquet and a DuckDB file load back equal to the
   original, in file order, whatever the format.
2. Nothing is silently dropped: with random bad cells injected and
   ``errors="exclude"``, rows in the file == rows loaded + rows excluded, and the
   excluded counts by reason are the injected ones.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import kamlib.data as kd

ID_CHARS = "0123456789ABCXYZabxyz客户华为北京订单_-"
FORMATS = ("csv-utf8", "csv-bom", "csv-gb18030", "xlsx", "parquet", "duckdb")
# GB18030 and XLSX files get the Chinese headers of a real export (a GBK file whose
# only non-ASCII text is a short id such as 为 = CE AA is also valid UTF-8 and is
# read as such; Chinese headers make the encoding unambiguous, as in real exports).
ZH_HEADERS = {"order_id": "订单号", "account_id": "客户编号", "order_date": "下单日期", "revenue": "金额",
              "purchase_level": "当前采购", "capacity_level": "采购能力"}
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.builds(lambda zeros, rest: zeros + (rest.strip("_-") or "7"),  # '007' must stay '007'
                st.sampled_from(["", "", "0", "00"]), st.text(ID_CHARS, min_size=1, max_size=5))
dates = st.dates(dt.date(1995, 1, 1), dt.date(2035, 12, 31))
cents = st.integers(0, 10**8)


@st.composite
def levels(draw: st.DrawFn) -> tuple[int | None, int | None]:
    """Optional purchase (X) and capacity (Y) levels with X <= Y."""
    y = draw(st.none() | st.integers(0, 4))
    if y is None:
        return None, None
    return draw(st.none() | st.integers(0, y)), y


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, list[dict]]:
    """Rows of a valid ``accounts`` and ``orders`` table (plain Python values)."""
    account_ids = draw(st.lists(ids, min_size=1, max_size=6, unique=True))
    accounts = []
    for account_id in account_ids:
        x, y = draw(levels())
        accounts.append({"account_id": account_id, "purchase_level": x, "capacity_level": y})
    order_ids = draw(st.lists(ids, min_size=1, max_size=8, unique=True))
    orders = [{"order_id": order_id, "account_id": draw(st.sampled_from(account_ids) | ids),
               "order_date": draw(dates), "revenue": draw(cents) / 100} for order_id in order_ids]
    return {"accounts": accounts, "orders": orders}


def expected(rows: list[dict], table: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    dtypes = {"account_id": "string", "order_id": "string", "order_date": "datetime64[ns]", "revenue": "float64",
              "purchase_level": "Int64", "capacity_level": "Int64"}
    columns = ["order_id", "account_id", "order_date", "revenue"] if table == "orders" else list(frame.columns)
    frame = frame[columns]
    return frame.astype({c: dtypes[c] for c in columns})


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return value


def write(folder: Path, data: dict[str, list[dict]], fmt: str) -> Path:
    """Write *data* in format *fmt*; return the path to load."""
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "duckdb":
        path = folder / "crm.duckdb"
        with duckdb.connect(str(path)) as con:
            for table, rows in data.items():
                frame = pd.DataFrame(rows).astype(object).where(pd.DataFrame(rows).notna(), None)
                con.register("rows_in", frame)
                casts = ", ".join(
                    f"CAST({c} AS DATE) AS {c}" if c == "order_date" else
                    f"CAST({c} AS INTEGER) AS {c}" if c.endswith("_level") else
                    f"CAST({c} AS DOUBLE) AS {c}" if c == "revenue" else f"CAST({c} AS VARCHAR) AS {c}"
                    for c in frame.columns)
                con.execute(f"CREATE TABLE {table} AS SELECT {casts} FROM rows_in")
                con.unregister("rows_in")
        return path
    for table, rows in data.items():
        columns = list(rows[0])
        headers = [ZH_HEADERS[c] if fmt in ("csv-gb18030", "xlsx") else c for c in columns]
        if fmt.startswith("csv"):
            encoding = {"csv-utf8": "utf-8", "csv-bom": "utf-8-sig", "csv-gb18030": "gb18030"}[fmt]
            frame = pd.DataFrame([[_csv_cell(r[c]) for c in columns] for r in rows], columns=headers)
            frame.to_csv(folder / f"{table}.csv", index=False, encoding=encoding)
        elif fmt == "xlsx":
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.append(headers)
            for r in rows:
                ws.append([r[c] for c in columns])
            wb.save(folder / f"{table}.xlsx")
        elif fmt == "parquet":
            frame = pd.DataFrame(rows, columns=columns)
            for c in columns:
                if c.endswith("_level"):
                    frame[c] = frame[c].astype("Int64")
                elif c == "order_date":
                    frame[c] = pd.to_datetime(frame[c])
                elif c != "revenue":
                    frame[c] = frame[c].astype(str)
            frame.to_parquet(folder / f"{table}.parquet", index=False)
    return folder


class _Scratch:
    """A fresh temporary folder per hypothesis example (function fixtures are shared)."""

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix="kam-prop-"))
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


@SETTINGS
@given(data=datasets())
def test_round_trip_every_format(data: dict[str, list[dict]]) -> None:
    want = {table: expected(rows, table) for table, rows in data.items()}
    with _Scratch() as scratch:
        loaded = {}
        for fmt in FORMATS:
            ds = kd.load(write(scratch / fmt, data, fmt), cache=False)
            assert ds.report.ok, (fmt, ds.report.format())
            assert {p.code for p in ds.report.problems} <= {"unknown_reference"}, fmt
            for table, frame in want.items():
                got = ds.table(table)
                assert_frame_equal(got[list(frame.columns)], frame, obj=f"{fmt} {table}")
                # rows come back in file order, numbered as the file shows them
                first = 2 if fmt in ("csv-utf8", "csv-bom", "csv-gb18030", "xlsx") else 1
                numbers = ds.file_rows(table)
                assert numbers == list(range(first, first + len(frame))), (fmt, table)
            assert ds.excluded.empty
            loaded[fmt] = ds
        for fmt in FORMATS[1:]:
            for table, frame in want.items():
                columns = list(frame.columns)
                assert_frame_equal(loaded[fmt].table(table)[columns], loaded[FORMATS[0]].table(table)[columns])


# Not "03/05/2024": a CSV column of such dates is taken as dd/mm/yyyy by DuckDB's
# sniffer (see the date_day_first case of tests/test_data_errors.py).
BAD_DATES = ("2024-13-01", "2024-02-30", "明天", "2024年2月30日", "soon")


@st.composite
def injected(draw: st.DrawFn) -> tuple[dict[str, list[dict]], dict[str, dict[str, int]], dict[str, list[int]]]:
    """A valid dataset with bad cells injected, one reason per bad row.

    Returns the rows, the injected ``{table: {reason: rows}}`` and the indexes of
    the rows that must load.
    """
    data = draw(datasets())
    counts: dict[str, dict[str, int]] = {"orders": {}, "accounts": {}}
    keep: dict[str, list[int]] = {"orders": [], "accounts": []}
    reasons = {"orders": ("ok", "bad_date", "negative", "duplicate_id"),
               "accounts": ("ok", "bad_level", "duplicate_id")}
    key = {"orders": "order_id", "accounts": "account_id"}
    for table, rows in data.items():
        for i, row in enumerate(rows):
            reason = draw(st.sampled_from(reasons[table] if i else reasons[table][:-1]))
            if reason == "ok":
                keep[table].append(i)
                continue
            counts[table][reason] = counts[table].get(reason, 0) + 1
            if reason == "bad_date":
                row["order_date"] = draw(st.sampled_from(BAD_DATES))
            elif reason == "negative":
                row["revenue"] = -draw(st.integers(1, 10**6)) / 100
            elif reason == "bad_level":
                row["purchase_level"] = draw(st.sampled_from([5, 9, -1, "high", 2.5]))
                row["capacity_level"] = None
            elif reason == "duplicate_id":
                row[key[table]] = rows[draw(st.integers(0, i - 1))][key[table]]
    return data, counts, keep


@SETTINGS
@given(case=injected(), fmt=st.sampled_from(("csv-utf8", "csv-gb18030", "xlsx")))
def test_exclude_counts_every_row(case: tuple, fmt: str) -> None:
    data, counts, keep = case
    with _Scratch() as scratch:
        ds = kd.load(write(scratch, data, fmt), errors="exclude", cache=False)
        excluded = ds.excluded.groupby(["table", "reason"])["rows"].sum().to_dict()
        for table, rows in data.items():
            loaded = ds.table(table)
            got = {reason: n for (t, reason), n in excluded.items() if t == table}
            assert got == counts[table], (table, ds.report.format())
            assert len(rows) == len(loaded) + sum(got.values())
            assert ds.report.tables[table] == (len(rows), len(loaded))
            key = "order_id" if table == "orders" else "account_id"
            assert list(loaded[key]) == [str(rows[i][key]) for i in keep[table]]
        if any(counts[t] for t in counts):
            assert not ds.report.ok
            assert not kd.validate(scratch, cache=False).ok


@st.composite
def with_totals(draw: st.DrawFn) -> tuple[list[dict], list[dict | str]]:
    """Valid orders, and the same rows with total rows inserted as exports write them.

    A subtotal (小计, no date) after some rows, the running total so far; at the end a
    grand total (合计 / Total) with or without a date.
    """
    orders = draw(datasets())["orders"]
    rows: list[dict | str] = []
    block = total = 0.0
    for order in orders:
        rows.append(order)
        block, total = block + order["revenue"], total + order["revenue"]
        if draw(st.booleans()):
            rows.append({"order_id": "", "account_id": draw(st.sampled_from(["小计", "小 计", "Subtotal"])),
                         "order_date": "", "revenue": round(block, 2)})
            block = 0.0
    label = draw(st.sampled_from(["合计", "总计", "Total", "Grand total", "合計"]))
    rows.append({"order_id": "", "account_id": label, "order_date": draw(st.sampled_from(["", "2035-12-31"])),
                 "revenue": round(total, 2)})
    return orders, rows


@SETTINGS
@given(case=with_totals(), fmt=st.sampled_from(("csv-utf8", "csv-gb18030", "xlsx")))
def test_total_rows_are_counted_never_loaded(case: tuple, fmt: str) -> None:
    """Rows in the file == rows loaded + total rows left out; the records load unchanged."""
    orders, rows = case
    with _Scratch() as scratch:
        write(scratch, {"orders": rows}, fmt)
        ds = kd.load(scratch, cache=False)
        loaded = ds.table("orders")
        assert list(loaded["order_id"]) == [o["order_id"] for o in orders]
        assert loaded["revenue"].tolist() == [o["revenue"] for o in orders]
        totals = len(rows) - len(orders)
        assert ds.excluded.groupby("reason")["rows"].sum().to_dict() == {"total_row": totals}
        assert ds.report.tables["orders"] == (len(rows), len(orders))
        assert ds.report.ok and [p.code for p in ds.report.notes] == ["total_row"]
