"""Reading the data contract straight from MySQL / MariaDB: a real server (see tests/mysql_server.py), the
embedded sample loaded into it, and the errors a scheduled report meets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import mysql_server as my
import pandas as pd
import pyarrow as pa
import pytest
from servers import running, stored

import kamlib.data as kd
from kamlib.data import cache
from kamlib.errors import DataError
from kamlib.masking import secret_forms

ROOT = Path(__file__).resolve().parents[1]
#: A wrong password, in no output either.
WRONG = "Wr0ng-Pw.9"


@pytest.fixture(scope="session")
def server(sample: kd.Dataset) -> Iterator[my.Server]:
    """One server per session, the sample in database ``kam`` (the reader may select from it)."""
    with running(my.start(), sample, "kam") as server:
        yield server


@pytest.fixture(scope="session")
def sample() -> kd.Dataset:
    """The embedded sample, as the files give it: what every read from the server is compared with."""
    return kd.load(cache=False)


def _leaks(text: str | bytes, server: my.Server) -> list[str]:
    """The forms of the password (or of the wrong one) found in *text*."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    forms = secret_forms(server.password) + secret_forms(WRONG)
    return [form for form in forms if form.encode("utf-8") in data]


def _kam(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from kamlib.cli import run; run()", *args], capture_output=True,
                          text=True, timeout=600, check=False, env={**os.environ, **(env or {})})


# ================================================================ the sample, through the database
@pytest.mark.parametrize("scheme", ["mysql", "mariadb"])
def test_every_table_reads_as_from_the_sample_files(server, sample, scheme):
    db = kd.load(server.url(scheme=scheme), cache=False)
    assert db.names == sample.names
    for name in sample.names:
        pd.testing.assert_frame_equal(db.table(name), sample.table(name), obj=name)
    assert not _leaks(db.source, server) and f"{scheme}://kam_reader:***@127.0.0.1" in db.source
    assert db.report.ok and not db.report.problems


def test_decimal_columns_read_exactly(server, sample):
    """A DECIMAL column (money as a CRM stores it) gives the numbers its decimals say, as the sample file does."""
    server.load({"orders": stored(sample.table("orders"))}, database="money")
    server.execute("ALTER TABLE money.orders MODIFY revenue DECIMAL(14, 2)", "ALTER TABLE money.orders ADD PRIMARY KEY "
                   "(order_id)")
    db = kd.load(server.url(database="money"), tables=["orders"], cache=False)
    pd.testing.assert_frame_equal(db.table("orders"), sample.table("orders"), check_exact=True)


def test_kam_yml_maps_table_names_and_gives_queries(server, sample, tmp_path):
    """Aliases and queries as for files; a query that fails is named with the server's words, the rest read."""
    server.load({"销售订单": stored(sample.table("orders"))}, database="renamed")
    (tmp_path / "kam.yml").write_text("aliases:\n  files: {销售订单: orders}\ndatabase:\n  queries:\n    accounts: "
                                      "SELECT * FROM kam.accounts WHERE region = 'south' ORDER BY account_id\n"
                                      "    reps: SELECT rep_code FROM kam.reps\n", encoding="utf-8")
    db = kd.load(f"{server.url(database='renamed')}?config={tmp_path}", tables=["orders", "accounts"],
                 optional=["reps"], cache=False)
    pd.testing.assert_frame_equal(db.table("orders"), sample.table("orders"))
    south = sample.table("accounts").query("region == 'south'").reset_index(drop=True)
    assert len(south) > 0
    pd.testing.assert_frame_equal(db.table("accounts"), south)
    (failed,) = [p for p in db.report.warnings if p.code == "db_query_fails"]
    assert "queries.reps" in failed.message and "Unknown column 'rep_code'" in failed.message, failed.message


def test_a_password_with_url_characters_is_written_url_quoted(server, sample):
    password = "p@ss:w/o%rd 1"
    server.execute(f"CREATE USER kam_quoted IDENTIFIED BY '{password}'", "GRANT SELECT ON kam.* TO kam_quoted")
    db = kd.load(server.url("kam_quoted", password=password), tables=["reps"], cache=False)
    pd.testing.assert_frame_equal(db.table("reps"), sample.table("reps"))
    assert "p%40ss" not in db.source and "kam_quoted:***@" in db.source


def test_kam_validate_checks_a_mysql_url(server):
    proc = _kam("validate", server.url())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No problems found" in proc.stdout and "orders" in proc.stdout
    assert not _leaks(proc.stdout + proc.stderr, server)


@pytest.mark.slow
def test_the_report_batch_from_mysql_matches_the_sample_folder(server, tmp_path):
    """``kam report`` with ``data=env:KAM_TEST_MYSQL_URL`` (two notebooks): the same CSV tables as from the
    sample folder, and the password in no file and no output line."""
    batch = tmp_path / "batch.yml"
    batch.write_text("notebooks:\n  - notebook: 00_data_overview\n  - notebook: 02_customer_classification\n",
                     encoding="utf-8")
    env = {"KAM_TEST_MYSQL_URL": server.url()}
    runs = {}
    for kind, data in (("database", ["--param", "data=env:KAM_TEST_MYSQL_URL"]), ("files", [])):
        proc = _kam("report", "--config", str(batch), "--lang", "en", *data, "--out", str(tmp_path / kind), env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert not _leaks(proc.stdout + proc.stderr, server)
        (runs[kind],) = (tmp_path / kind).iterdir()
    found = {kind: sorted(p.relative_to(run) for p in run.rglob("tables/*.csv")) for kind, run in runs.items()}
    assert found["database"] == found["files"] and len(found["files"]) > 5
    for csv in found["files"]:
        assert (runs["database"] / csv).read_bytes() == (runs["files"] / csv).read_bytes(), csv
    assert not [p for p in runs["database"].rglob("*") if p.is_file() and _leaks(p.read_bytes(), server)]
    manifest = json.loads((runs["database"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["data"] == "env:KAM_TEST_MYSQL_URL"


def test_the_cache_follows_row_count_and_last_update(server, tmp_path, monkeypatch):
    """With a last-update column named in kam.yml a load is cached; a row added (even with a ``%`` in the
    query) is read again."""
    monkeypatch.setenv("KAM_CACHE", str(tmp_path / "cache"))
    server.load({"reps": pa.table({"rep_id": ["R1", "R2"], "updated_at": pa.array([1, 2], pa.int64())})},
                database="dated")
    (tmp_path / "kam.yml").write_text("database:\n  updated: {reps: updated_at}\n  queries: {reps: SELECT * FROM "
                                      "dated.reps WHERE rep_id LIKE 'R%' ORDER BY rep_id}\n", encoding="utf-8")
    url = f"{server.url(database='dated')}?config={tmp_path}"
    entries = lambda: sorted((cache.root() / "tables").iterdir())
    assert kd.load(url).table("reps")["rep_id"].tolist() == ["R1", "R2"]
    assert len(entries()) == 1 and kd.load(url).table("reps")["rep_id"].tolist() == ["R1", "R2"]
    assert len(entries()) == 1  # unchanged: served from the cache
    server.execute("INSERT INTO dated.reps VALUES ('R3', 3)")
    assert kd.load(url).table("reps")["rep_id"].tolist() == ["R1", "R2", "R3"] and len(entries()) == 2


# ================================================================ bad data, bad connections
def test_a_bad_status_names_table_column_rows_and_fix(server):
    ids = [f"OP{n:03d}" for n in range(1, 8)]
    status = ["won", "lost", "open", "won", "maybe", "lost", "won"]
    server.load({"opportunities": pa.table({"opportunity_id": ids[::-1], "status": status[::-1]})},
                database="bad_status")  # stored in reverse order: rows are numbered in primary-key order
    server.execute("ALTER TABLE bad_status.opportunities ADD PRIMARY KEY (opportunity_id)")
    with pytest.raises(DataError) as info:
        kd.load(server.url(database="bad_status"), tables=["opportunities"])
    (found,) = info.value.problems
    assert found.column == "status" and list(found.rows) == [status.index("maybe") + 1]
    assert "'maybe'" in found.message and "bad_status.opportunities" in found.message
    assert "values:" in found.message  # the kam.yml lines that map the word
    assert not _leaks(found.message, server)


def test_a_missing_table_and_a_table_the_user_may_not_read(server, sample):
    server.load({"orders": stored(sample.table("orders").head(5)), "reps": stored(sample.table("reps"))},
                database="locked")
    server.execute(f"REVOKE SELECT ON locked.orders FROM {my.READER}", f"GRANT INSERT ON locked.orders TO {my.READER}")
    with pytest.raises(DataError) as info:
        kd.load(server.url(database="locked"), tables=["orders", "visits"])
    denied, missing = sorted(info.value.problems, key=lambda p: p.code)  # the denial is found on reading
    assert denied.code == "db_denied" and "GRANT SELECT ON locked.orders TO kam_reader" in denied.message
    assert missing.code == "db_no_table" and "no table or view visits" in missing.message
    assert "'orders', 'reps'" in missing.message  # what the database does hold
    db = kd.load(server.url(database="locked"), tables=["reps"], optional=["orders"])
    assert db.names == ["reps"] and {p.code for p in db.report.warnings} == {"db_denied", "table_left_out"}


@pytest.mark.parametrize(("case", "code", "words"), [
    ("wrong password", "db_login", "refused the login of user kam_reader"),
    ("unreachable port", "db_unreachable", "cannot connect to the database server"),
    ("no such database", "db_no_database", "has no database 'nodb'"),
    ("database not granted", "db_refused", "user kam_reader may not use database mysql, or there is none"),
    ("no database the user may use", "db_refused", "GRANT SELECT ON nodb.* TO kam_reader;"),
    ("unknown URL parameter", "db_url", "does not accept a URL parameter (Unknown URL parameter `colour')"),
])
def test_connection_failures_are_one_quick_clear_error_without_the_password(server, case, code, words, capfd):
    url = {"wrong password": server.url(password=WRONG),
           "unreachable port": server.url().replace(f":{server.port}/", f":{my.free_port()}/"),
           "no such database": server.url(my.OWNER, database="nodb"),
           "no database the user may use": server.url(database="nodb"),
           "unknown URL parameter": server.url() + "?colour=blue",
           "database not granted": server.url(database="mysql")}[case]
    started = time.monotonic()
    with pytest.raises(DataError) as info:
        kd.load(url, lang="zh")
    assert time.monotonic() - started < 5
    (found,) = info.value.problems
    assert found.code == code and words in found.message, found.message
    assert str(info.value) == found.zh  # said in the language asked for
    assert ":***@127.0.0.1" in found.message and ":***@127.0.0.1" in found.zh
    printed = capfd.readouterr()
    assert not printed.err.strip()  # no driver log lines
    for text in (found.message, found.zh, *printed):
        assert not _leaks(text, server), text


def test_kam_report_cannot_start_on_a_wrong_password(server, tmp_path):
    """Exit status 2 (could not start), at once, the reason on the page, the password nowhere."""
    out = tmp_path / "reports"
    proc = _kam("report", "--only", "00", "--param", "data=env:KAM_TEST_MYSQL_URL", "--out", str(out),
                env={"KAM_TEST_MYSQL_URL": server.url(password=WRONG)})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "refused the login of user kam_reader" in proc.stdout
    (run,) = out.iterdir()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert [job["status"] for job in manifest["jobs"]] == ["bad_data"]
    assert not [p for p in run.rglob("*") if p.is_file() and _leaks(p.read_bytes(), server)]
    assert not _leaks(proc.stdout + proc.stderr, server)


def test_the_readme_read_only_user_reads_and_cannot_write(server, sample):
    """The README's SQL for a least-privilege MySQL user, run as written (database and user renamed)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```sql\n(.*?)```", readme, flags=re.DOTALL) if "ON crm.*" in b]
    sql = block.replace("crm.*", f"{my.DATABASE}.*").replace("kam_reader", "kam_readme")
    server.execute(*(s.replace("'…'", "'Readme-Pw.3'") for s in sql.split(";") if s.strip()))
    url = server.url("kam_readme", password="Readme-Pw.3")
    pd.testing.assert_frame_equal(kd.load(url, tables=["products"], cache=False).table("products"),
                                  sample.table("products"))
    import pymysql

    with server.connect("kam_readme", "Readme-Pw.3", my.DATABASE) as con, con.cursor() as cur, \
            pytest.raises(pymysql.MySQLError, match="DELETE command denied"):
        cur.execute("DELETE FROM products")
