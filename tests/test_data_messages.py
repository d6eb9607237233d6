"""Details of the loader's messages: ignored files, empty folders, how values are shown."""

from __future__ import annotations

import duckdb
import pytest

import kamlib.data as kd
from kamlib.errors import DataError


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
