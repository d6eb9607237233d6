"""Reading the data contract straight from PostgreSQL: a real server (see tests/postgres_server.py),
the embedded sample loaded into it, and the errors a scheduled report meets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import postgres_server as pg
import pyarrow as pa
import pytest
from servers import running, stored

import kamlib.data as kd
from kamlib.data import cache, database
from kamlib.errors import ConfigError, DataError
from kamlib.masking import secret_forms

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample() -> kd.Dataset:
    return kd.load(cache=False)


@pytest.fixture(scope="session")
def server(sample: kd.Dataset) -> Iterator[pg.Server]:
    """One server per session, the sample in schema ``crm`` (the reader may select from it)."""
    with running(pg.start(), sample, "crm") as server:
        yield server


def _url(server: pg.Server, schema: str = pg.SCHEMA, **options: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"schema": schema, **options}.items())
    return f"{server.url()}?{query}"


def _leaks(text: str | bytes, server: pg.Server) -> list[str]:
    """The forms of the password found in *text*."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return [form for form in secret_forms(server.password) if form.encode("utf-8") in data]


def _kam(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from kamlib.cli import run; run()", *args], capture_output=True,
                          text=True, timeout=600, check=False, env={**os.environ, **(env or {})})


# ================================================================ the sample, through the database
def test_every_table_reads_as_from_the_sample_files(server, sample):
    db = kd.load(_url(server), cache=False)
    assert db.names == sample.names
    for name in sample.names:
        pd.testing.assert_frame_equal(db.table(name), sample.table(name), obj=name)
    assert server.password not in db.source and "kam_reader:***@127.0.0.1" in db.source
    assert db.report.ok and not db.report.problems


def test_the_user_search_path_is_read_without_a_schema(server, sample):
    server.execute(f"ALTER ROLE {pg.READER} SET search_path = crm")
    try:
        db = kd.load(server.url(), tables=["reps"], cache=False)
    finally:
        server.execute(f"ALTER ROLE {pg.READER} RESET search_path")
    pd.testing.assert_frame_equal(db.table("reps"), sample.table("reps"))


def test_kam_validate_checks_a_database_url(server):
    proc = _kam("validate", _url(server))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No problems found" in proc.stdout and "orders" in proc.stdout
    assert not _leaks(proc.stdout + proc.stderr, server)


@pytest.mark.slow
def test_the_report_batch_from_postgresql_matches_the_sample_folder(server, tmp_path):
    """``kam report`` with ``data=env:KAM_TEST_DB_URL``: the same CSV tables as from the sample folder, and
    the URL's password in no file and no output line."""
    batch = tmp_path / "batch.yml"  # the default notebooks, with the sample's objectives for both runs
    notebooks = "".join(f"  - notebook: {p.stem}\n" for p in sorted((ROOT / "notebooks").glob("0*.ipynb")))
    objectives = ROOT / "data" / "sample_config" / "objectives.yml"
    batch.write_text(f"parameters: {{objectives: '{objectives}'}}\nnotebooks:\n{notebooks}", encoding="utf-8")
    started = {kind: subprocess.Popen(  # side by side: each leaves a core idle part of the time
        [sys.executable, "-c", "from kamlib.cli import run; run()", "report", "--config", str(batch), "--lang", "en",
         *data, "--out", str(tmp_path / kind)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "KAM_TEST_DB_URL": _url(server)})
        for kind, data in (("database", ["--param", "data=env:KAM_TEST_DB_URL"]), ("files", []))}
    runs = {}
    for kind, proc in started.items():
        output = proc.communicate(timeout=600)[0]
        assert proc.returncode == 0, output
        assert not _leaks(output, server)
        (runs[kind],) = (tmp_path / kind).iterdir()
    tables = {kind: sorted(p.relative_to(run) for p in run.rglob("tables/*.csv")) for kind, run in runs.items()}
    assert tables["database"] == tables["files"] and len(tables["files"]) > 20
    for csv in tables["files"]:
        assert (runs["database"] / csv).read_bytes() == (runs["files"] / csv).read_bytes(), csv
    for path in (p for p in runs["database"].rglob("*") if p.is_file()):
        assert not _leaks(path.read_bytes(), server), path
    manifest = json.loads((runs["database"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["data"] == "env:KAM_TEST_DB_URL"


# ================================================================ kam.yml: aliases, queries, cache
def _config(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    (folder / "kam.yml").write_text(text, encoding="utf-8")
    return folder


def test_kam_yml_maps_table_and_column_names_and_gives_queries(server, sample, tmp_path):
    orders = sample.table("orders").rename(columns={"revenue": "金额"})
    server.load({"销售订单": stored(orders)}, schema="renamed")
    folder = _config(tmp_path, "aliases:\n  files: {销售订单: orders}\n  tables: {orders: {金额: revenue}}\n"
                               "database:\n  queries:\n    accounts: SELECT * FROM crm.accounts WHERE region = 'south'"
                               " ORDER BY account_id\n")
    db = kd.load(_url(server, "renamed", config=str(folder)), cache=False)
    pd.testing.assert_frame_equal(db.table("orders"), sample.table("orders"))
    south = sample.table("accounts").query("region == 'south'").reset_index(drop=True)
    assert len(south) > 0
    pd.testing.assert_frame_equal(db.table("accounts"), south)


def test_a_failing_query_leaves_the_next_tables_read(server, sample, tmp_path):
    """The tables are read in one transaction: after a query fails, the next ones are still read."""
    folder = _config(tmp_path, "database:\n  queries:\n    accounts: SELECT 1/0 AS account_id\n"
                               "    reps: SELECT * FROM crm.reps ORDER BY rep_id\n")
    db = kd.load(_url(server, config=str(folder)), tables=["reps"], optional=["accounts"], cache=False)
    pd.testing.assert_frame_equal(db.table("reps"), sample.table("reps"))
    (failed,) = [p for p in db.report.warnings if p.code == "db_query_fails"]
    assert "queries.accounts" in failed.message and "division by zero" in failed.message


def test_a_wrong_database_setting_in_kam_yml_names_the_file(server, tmp_path):
    folder = _config(tmp_path, "database:\n  queris: {orders: SELECT 1}\n")
    with pytest.raises(ConfigError, match=r"kam\.yml: database: unknown setting\(s\) queris"):
        kd.load(_url(server, config=str(folder)))


def _entries() -> set[Path]:
    tables = cache.root() / "tables"
    return set(tables.iterdir()) if tables.exists() else set()


def test_the_cache_is_keyed_on_row_count_and_last_update(server, tmp_path, monkeypatch):
    monkeypatch.setenv("KAM_CACHE", str(tmp_path / "cache"))
    server.load({"reps": pa.table({"rep_id": ["R1", "R2"], "updated_at": pa.array([1, 2], pa.int64())})},
                schema="dated")
    plain = kd.load(_url(server, "dated"))
    assert len(plain.table("reps")) == 2 and not _entries()  # no last-update column named: not cached
    url = _url(server, "dated", config=str(_config(tmp_path, "database: {updated: {reps: updated_at}}\n")))
    kd.load(url)
    first = _entries()
    assert len(first) == 1
    assert len(kd.load(url).table("reps")) == 2 and _entries() == first  # unchanged: served from the cache
    server.execute("INSERT INTO dated.reps VALUES ('R3', 3)")
    assert kd.load(url).table("reps")["rep_id"].tolist() == ["R1", "R2", "R3"]
    assert len(_entries()) == 2
    server.execute("UPDATE dated.reps SET updated_at = 4, rep_id = 'R9' WHERE rep_id = 'R3'")  # same row count
    assert kd.load(url).table("reps")["rep_id"].tolist() == ["R1", "R2", "R9"]


# ================================================================ bad data in the database
def test_a_missing_column_names_the_database_table_column_and_fix(server, sample):
    server.load({"orders": stored(sample.table("orders").drop(columns=["revenue"]))}, schema="no_revenue")
    with pytest.raises(DataError) as info:
        kd.load(_url(server, "no_revenue"), tables=["orders"])
    message = str(info.value)
    assert f"127.0.0.1:{server.port}/kam" in message and "no_revenue.orders" in message
    assert "required column 'revenue' not found" in message and "kam.yml" in message
    assert not _leaks(message, server)


@pytest.fixture
def ranges(monkeypatch) -> list[tuple[str, bool]]:
    """Read every analysed table with a one-column primary key in three key ranges, as a large one is; the
    list fills with ``(query, read over a connection of its own)`` of each range but the first."""
    monkeypatch.setattr(database, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(database, "PARTS", 3)
    read = database._fetch_part
    queries: list[tuple[str, bool]] = []

    def spy(target: database.Target, exported: str, query: str) -> pa.Table | None:
        part = read(target, exported, query)
        queries.append((query, part is not None))
        return part

    monkeypatch.setattr(database, "_fetch_part", spy)
    return queries


@pytest.mark.parametrize("split", [False, True], ids=["whole", "key ranges"])
def test_a_bad_status_names_its_row_in_primary_key_order(server, split, request):
    ids = [f"OP{n:03d}" for n in range(1, 8)]
    status = ["won", "lost", "open", "won", "maybe", "lost", "won"]
    stored = pa.table({"opportunity_id": ids[::-1], "status": status[::-1]})  # stored in reverse order
    server.load({"opportunities": stored}, schema="bad_status")
    server.execute("ALTER TABLE bad_status.opportunities ADD PRIMARY KEY (opportunity_id)",
                   "ANALYZE bad_status.opportunities")
    queries = request.getfixturevalue("ranges") if split else []
    with pytest.raises(DataError) as info:
        kd.load(_url(server, "bad_status"), tables=["opportunities"])
    (found,) = info.value.problems
    assert found.column == "status" and list(found.rows) == [status.index("maybe") + 1]
    assert "'maybe'" in found.message and "bad_status.opportunities" in found.message
    assert "values:" in found.message  # the kam.yml lines that map the word
    assert len(queries) == (2 if split else 0)


def test_a_table_read_in_key_ranges_is_one_snapshot_in_key_order(server, sample, ranges):
    """The ranges read over other connections see the table as the first one does, even when it changes
    meanwhile; joined, they give every row once, in key order (the table is stored in reverse)."""
    orders = sample.table("orders")
    server.load({"orders": stored(orders.iloc[::-1])}, schema="ranges")
    server.execute("ALTER TABLE ranges.orders ADD PRIMARY KEY (order_id)", "ANALYZE ranges.orders")
    last = orders["order_id"].max()
    spy = database._fetch_part

    def changing(target: database.Target, exported: str, query: str) -> pa.Table | None:
        server.execute(f"DELETE FROM ranges.orders WHERE order_id = '{last}'")  # committed before this range is read
        return spy(target, exported, query)

    database._fetch_part = changing  # restored by the fixture's monkeypatch
    db = kd.load(_url(server, "ranges"), tables=["orders"], cache=False)
    assert len(ranges) == 2 and all("WHERE" in q and own for q, own in ranges)
    pd.testing.assert_frame_equal(db.table("orders"), orders)
    after = kd.load(_url(server, "ranges"), tables=["orders"], cache=False).table("orders")
    assert len(after) == len(orders) - 1 and last not in set(after["order_id"])  # the change did happen


def test_key_ranges_fall_back_to_one_connection_at_the_role_connection_limit(server, sample, ranges):
    """A role allowed one connection: the ranges the other connections cannot open are read over the first."""
    server.load({"orders": stored(sample.table("orders"))}, schema="limited")
    server.execute("ALTER TABLE limited.orders ADD PRIMARY KEY (order_id)", "ANALYZE limited.orders",
                   f"ALTER ROLE {pg.READER} CONNECTION LIMIT 1")
    try:
        db = kd.load(_url(server, "limited"), tables=["orders"], cache=False)
    finally:
        server.execute(f"ALTER ROLE {pg.READER} CONNECTION LIMIT -1")
    assert len(ranges) == 2 and not any(own for _, own in ranges)  # tried, and refused by the server
    pd.testing.assert_frame_equal(db.table("orders"), sample.table("orders"))


def test_numeric_columns_read_exactly(server, sample):
    """A NUMERIC column (money as a CRM stores it) gives the numbers its decimals say, as the sample file does."""
    server.load({"orders": stored(sample.table("orders"))}, schema="money")
    server.execute("ALTER TABLE money.orders ALTER COLUMN revenue TYPE numeric(14, 2)",
                   "ALTER TABLE money.orders ADD PRIMARY KEY (order_id)")
    db = kd.load(_url(server, "money"), tables=["orders"], cache=False)
    pd.testing.assert_frame_equal(db.table("orders"), sample.table("orders"), check_exact=True)


def test_a_missing_table_and_a_table_the_role_may_not_read(server, sample):
    server.load({"orders": stored(sample.table("orders").head(5)), "reps": stored(sample.table("reps"))},
                schema="locked")
    server.execute("REVOKE SELECT ON locked.orders FROM kam_reader")
    with pytest.raises(DataError) as info:
        kd.load(_url(server, "locked"), tables=["orders", "visits"])
    denied, missing = info.value.problems
    assert denied.code == "db_denied" and "GRANT SELECT ON locked.orders TO kam_reader" in denied.message
    assert missing.code == "db_no_table" and "no table or view visits" in missing.message
    assert "'orders', 'reps'" in missing.message  # what the schema does hold
    # a table the analysis can do without is left out, with a warning saying why
    db = kd.load(_url(server, "locked"), tables=["reps"], optional=["orders"])
    assert db.names == ["reps"]
    assert {p.code for p in db.report.warnings} == {"db_denied", "table_left_out"}


@pytest.mark.parametrize(("case", "code", "words"), [
    ("wrong password", "db_login", "refused the login of user kam_reader"),
    ("unreachable host", "db_unreachable", "cannot connect to the database server"),
    ("no such database", "db_no_database", "has no database 'nodb'"),
    ("no such schema", "db_no_schema", "no schema nowhere"),
])
def test_connection_failures_are_one_clear_error_without_the_password(server, case, code, words):
    url = {"wrong password": server.url(password="Wr0ng-Pw.9"),
           "unreachable host": server.url().replace(f":{server.port}/", f":{pg.free_port()}/"),
           "no such database": server.url(database="nodb"),
           "no such schema": _url(server, "nowhere")}[case]
    with pytest.raises(DataError) as info:
        kd.load(url, lang="zh")
    (found,) = info.value.problems
    assert found.code == code and words in found.message, found.message
    assert str(info.value) == found.zh  # said in the language asked for
    for text in (found.message, found.zh):
        assert not _leaks(text, server) and "Wr0ng" not in text and ":***@127.0.0.1" in text


def test_a_database_the_role_may_not_connect_to(server):
    server.execute("CREATE DATABASE closed", "REVOKE CONNECT ON DATABASE closed FROM PUBLIC", database="postgres")
    with pytest.raises(DataError) as info:
        kd.load(server.url(database="closed"))
    (found,) = info.value.problems
    assert found.code == "db_refused" and "let user kam_reader connect" in found.message, found.message
    assert not _leaks(found.message, server)


def test_kam_report_cannot_start_on_a_wrong_password(server, tmp_path):
    """Exit status 2 (could not start), the reason on the page, the password nowhere."""
    out = tmp_path / "reports"
    wrong = server.url(password="Wr0ng-Pw.9")
    proc = _kam("report", "--only", "00", "--param", "data=env:KAM_TEST_DB_URL", "--out", str(out),
                env={"KAM_TEST_DB_URL": wrong})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "refused the login of user kam_reader" in proc.stdout
    (run,) = out.iterdir()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert [job["status"] for job in manifest["jobs"]] == ["bad_data"]
    for path in (p for p in run.rglob("*") if p.is_file()):
        assert b"Wr0ng-Pw.9" not in path.read_bytes(), path
    assert "Wr0ng-Pw.9" not in proc.stdout + proc.stderr


def test_the_readme_read_only_role_reads_and_cannot_write(server, sample):
    """The README's SQL for a least-privilege role, run as written (database and role renamed)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```sql\n(.*?)```", readme, flags=re.DOTALL) if "CREATE ROLE kam_reader" in b]
    sql = block.replace("DATABASE crm", f"DATABASE {pg.DATABASE}").replace("kam_reader", "kam_readme")
    server.execute(*(s.replace("'…'", "'Readme-Pw.3'") for s in sql.split(";") if s.strip()))
    url = server.url("kam_readme", password="Readme-Pw.3") + "?schema=crm"
    pd.testing.assert_frame_equal(kd.load(url, tables=["products"], cache=False).table("products"),
                                  sample.table("products"))
    import adbc_driver_postgresql.dbapi as driver

    with driver.connect(url.split("?")[0]) as con, con.cursor() as cur, pytest.raises(driver.Error, match="read-only"):
        cur.execute("DELETE FROM crm.products")


@pytest.mark.parametrize("lang, words, head", [("en", "not a database URL", "error: "),
                                              ("zh", "不是工作簿能读取的数据库地址", "错误：")])
def test_kam_validate_names_the_database_urls_it_reads_for_another_scheme(lang, words, head):
    proc = _kam("validate", "sqlite://reader:s3cret-pw@host/crm", "--lang", lang)
    assert proc.returncode == 2 and proc.stderr.startswith(head)
    assert words in proc.stderr and "mysql://" in proc.stderr and "postgresql://" in proc.stderr
    assert "s3cret-pw" not in proc.stdout + proc.stderr
