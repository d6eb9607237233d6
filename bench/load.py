"""Benchmark: load a large orders file and total revenue per account.

Compares ``kamlib.data.load`` + a DuckDB aggregation with plain ``pandas.read_csv``
+ ``groupby`` on the same generated CSV. Each measurement runs in a fresh Python
process and reads its own peak resident memory (VmHWM). Times include the imports
(pandas in both).

kamlib is measured twice: *cold* (empty cache: the file is parsed, every cell is
checked and the typed tables are written to the cache) and *warm* (the next load
of the unchanged file, as every further notebook of a report run sees it).
*duckdb alone* is DuckDB reading the CSV and grouping it with nothing else (no
checks, no typing, no cache): the floor for any first load through DuckDB. It reads
only the two columns the query needs; *duckdb all* reads every column into a DuckDB
table first, as any load that keeps the table must, and is printed beside it. Each
variant's CPU seconds (every thread) are printed too: on a shared machine they vary
less than the times do.

``--steps`` also times each step of one cold load (run under cProfile, in a fresh
process with an empty cache): reading the head of the file, encoding detection,
header search, DuckDB's type sniffing, the typed read, each check, the cache write,
reopening the cache and the pandas conversion, so the next reader sees where the time
of a first load goes. The search for blank lines, the writing of the cache's table
files and the import of pandas run in threads beside the main one, which cProfile
does not see: their steps show only how long the load waited for them.

Usage::

    python bench/load.py                 # 5,000,000 rows, 3 runs each
    python bench/load.py --rows 1000000 --runs 1
    python bench/load.py --postgres      # the same orders from a local PostgreSQL, vs pandas.read_sql
    python bench/load.py --postgres --numeric  # revenue stored as NUMERIC(14, 2)
    python bench/load.py --mysql --runs 2  # the same from a local MariaDB, vs pandas.read_sql (PyMySQL)
    python bench/load.py --steps --runs 1

Targets: kamlib cold at most 2x the DuckDB floor, kamlib warm at least 3x faster than
the pandas baseline, and under 1.5 GB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"

PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

#: kamlib's load of SOURCE (a folder or a database URL) and the total per account.
KAMLIB_LOAD = PEAK + """
import time, json, os, sys
start = time.perf_counter()
import kamlib.data as kd
ds = kd.load(SOURCE)
totals = ds.sql("SELECT account_id, sum(revenue) AS revenue FROM orders GROUP BY account_id")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rss_mb": peak_mb(),
                  "accounts": len(totals), "total": float(totals["revenue"].sum())}))
"""
KAMLIB = KAMLIB_LOAD.replace("SOURCE", "sys.argv[1]")

DUCKDB = PEAK + """
import time, json, sys
start = time.perf_counter()
import duckdb
totals = duckdb.sql(f"SELECT account_id, sum(revenue) AS revenue FROM read_csv('{sys.argv[1]}/orders.csv') "
                    "GROUP BY account_id").fetchall()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rss_mb": peak_mb(),
                  "accounts": len(totals), "total": float(sum(r for _, r in totals))}))
"""

DUCKDB_ALL = PEAK + """
import time, json, sys
start = time.perf_counter()
import duckdb
duckdb.execute(f"CREATE TABLE orders AS SELECT * FROM read_csv('{sys.argv[1]}/orders.csv')")
totals = duckdb.sql("SELECT account_id, sum(revenue) AS revenue FROM orders GROUP BY account_id").fetchall()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rss_mb": peak_mb(),
                  "accounts": len(totals), "total": float(sum(r for _, r in totals))}))
"""

PANDAS = PEAK + """
import time, json, sys
start = time.perf_counter()
import pandas as pd
orders = pd.read_csv(sys.argv[1] + "/orders.csv", parse_dates=["order_date"])
totals = orders.groupby("account_id")["revenue"].sum()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rss_mb": peak_mb(),
                  "accounts": len(totals), "total": float(totals.sum())}))
"""


#: The steps of a cold load: label, then the kamlib module and function whose cumulative time it is.
STEPS = (
    ("check the file opens", "read", "check_readable"),
    ("encoding (the head; DuckDB checks the rest)", "read", "detect_encoding"),
    ("header search (head and tail)", "read", "sniff_layout"),
    ("type sniffing (DuckDB)", "read", "_describe"),
    ("typed read (CSV -> Arrow)", "build", "typed_rows"),
    ("  of which: cells to trim", "build", "trim"),
    ("blank lines (a thread; the wait)", "read", "settle"),
    ("total rows / repeated header", "build", "_probe"),
    ("checks (one pass, all rules)", "build", "_counts"),
    ("  of which: duplicate ids", "build", "_repeats"),
    ("rows into a DuckDB table (to delete)", "build", "as_table"),
    ("references between tables", "dataset", "_reference_problems"),
    ("cache: table files (a thread; the wait)", "cache", "finish"),
    ("cache: report", "cache", "save"),
    ("cache: open the tables", "cache", "open_tables"),
    ("group by account (DuckDB)", "dataset", "sql"),
    ("pandas conversion (table())", "dataset", "_frame"),
)

PROFILE = """
import cProfile, json, pstats, sys, time
start = time.perf_counter()
import kamlib.data as kd
imported = time.perf_counter() - start
profile = cProfile.Profile()
profile.enable()
ds = kd.load(sys.argv[1])
ds.sql("SELECT account_id, sum(revenue) AS revenue FROM orders GROUP BY account_id")
ds.table("orders")
profile.disable()
total = time.perf_counter() - start
steps = {f"{file.rsplit('/', 2)[-1][:-3]}.{name}": row[3]
         for (file, _, name), row in pstats.Stats(profile).stats.items() if "/kamlib/data/" in file}
print(json.dumps({"import kamlib.data": imported, "total": total, **steps}))
"""


def make_orders(rows: int, folder: Path, seed: int = 7) -> Path:
    """Write a deterministic orders.csv with *rows* rows (skipped when it exists)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "orders.csv"
    if path.is_file():
        return path
    rng = np.random.default_rng(seed)
    n_accounts = max(rows // 25, 1)
    weights = 1 / np.arange(1, n_accounts + 1) ** 1.1
    accounts = rng.choice(n_accounts, size=rows, p=weights / weights.sum())
    days = rng.integers(0, 3 * 365, size=rows)
    frame = pd.DataFrame({
        "order_id": [f"O{i:08d}" for i in range(rows)],
        "account_id": [f"A{a:06d}" for a in accounts],
        "order_date": (np.datetime64("2023-01-01") + days).astype("datetime64[D]").astype(str),
        "product_id": [f"P{p:03d}" for p in rng.integers(0, 60, size=rows)],
        "quantity": rng.integers(1, 20, size=rows),
        "revenue": np.round(rng.lognormal(11, 1.0, size=rows), 2),
    })
    tmp = path.with_suffix(".partial")
    frame.to_csv(tmp, index=False)
    tmp.rename(path)
    return path


def measure(code: str, folder: Path, cache: Path) -> dict:
    """Run *code* in a fresh interpreter (cache folder *cache*) and return what it printed, with the CPU seconds
    (user and system, every thread, the interpreter's start included) the process used as ``cpu``."""
    env = {**os.environ, "KAM_CACHE": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", code, str(folder)], check=True, capture_output=True, text=True,
                         env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "cpu": cpu}


def series(args: argparse.Namespace, folder: Path) -> dict[str, list[dict]]:
    """Each variant measured ``args.runs`` times; cold runs get a new, empty cache."""
    results: dict[str, list[dict]] = {"kamlib cold": [], "kamlib warm": [], "duckdb alone": [], "duckdb all": [],
                                      "pandas": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            results["kamlib cold"].append(measure(KAMLIB, folder, Path(cache)))
            results["kamlib warm"].append(measure(KAMLIB, folder, Path(cache)))
        results["duckdb alone"].append(measure(DUCKDB, folder, Path(tempfile.gettempdir())))
        results["duckdb all"].append(measure(DUCKDB_ALL, folder, Path(tempfile.gettempdir())))
        results["pandas"].append(measure(PANDAS, folder, Path(tempfile.gettempdir())))
    return results


def steps(folder: Path, runs: int) -> None:
    """Print the seconds of each step of a cold load (median of *runs* profiled loads, each with an empty cache)."""
    times: list[dict[str, float]] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            times.append(measure(PROFILE, folder, Path(cache)))
    print("cold load, step by step (cProfile, cumulative seconds; the steps overlap where one calls another):")
    for label, key in [("import kamlib.data", "import kamlib.data"),
                       *((label, f"{module}.{name}") for label, module, name in STEPS), ("total", "total")]:
        print(f"  {label:<42} {statistics.median(t.get(key, 0.0) for t in times):6.2f} s")


KAMLIB_DB = KAMLIB_LOAD.replace("SOURCE", 'os.environ["KAM_BENCH_DB_URL"], tables=["orders"]')

PANDAS_DB = PEAK + """
import time, json, os
start = time.perf_counter()
import pandas as pd
import sqlalchemy
engine = sqlalchemy.create_engine(os.environ["KAM_BENCH_SA_URL"])
orders = pd.read_sql(os.environ["KAM_BENCH_SQL"], engine)
totals = orders.groupby("account_id")["revenue"].sum()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rss_mb": peak_mb(),
                  "accounts": len(totals), "total": float(totals.sum())}))
"""


def _postgres(args: argparse.Namespace, path: Path) -> tuple[Any, dict[str, str], str]:
    """Start a throwaway PostgreSQL server with the orders in ``crm.orders``: (server, environment, what it is)."""
    import postgres_server

    server = postgres_server.start()
    try:
        orders = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"order_date": pa.date32()}))
        server.load({"orders": orders})
        numeric = ["ALTER TABLE crm.orders ALTER COLUMN revenue TYPE numeric(14, 2)"] if args.numeric else []
        server.execute(*numeric, "ALTER TABLE crm.orders ADD PRIMARY KEY (order_id)", "ANALYZE crm.orders")
    except BaseException:
        server.stop()
        raise
    env = {"KAM_BENCH_DB_URL": f"{server.url()}?schema=crm", "KAM_BENCH_SQL": "SELECT * FROM crm.orders",
           "KAM_BENCH_SA_URL": server.url().replace("postgresql://", "postgresql+psycopg://")}
    return server, env, (f"PostgreSQL {postgres_server.binaries().parts[-2]}: crm.orders ({orders.num_rows:,} rows, "
                         f"revenue {'NUMERIC' if args.numeric else 'double precision'})")


def _mysql(args: argparse.Namespace, path: Path) -> tuple[Any, dict[str, str], str]:
    """Start a throwaway MariaDB server with the orders in ``kam.orders`` (``LOAD DATA`` of the file)."""
    import mysql_server

    server = mysql_server.start()
    revenue = "DECIMAL(14, 2)" if args.numeric else "DOUBLE"
    try:
        server.execute(f"CREATE TABLE kam.orders (order_id VARCHAR(12) PRIMARY KEY, account_id VARCHAR(12), "
                       f"order_date DATE, product_id VARCHAR(8), quantity BIGINT, revenue {revenue})",
                       f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE kam.orders FIELDS TERMINATED BY ',' "
                       f"IGNORE 1 LINES", f"GRANT SELECT ON kam.orders TO {mysql_server.READER}")
    except BaseException:
        server.stop()
        raise
    with server.connect() as con, con.cursor() as cur:
        cur.execute("SELECT version(), count(*) FROM kam.orders")
        version, rows = cur.fetchone()
    env = {"KAM_BENCH_DB_URL": server.url(), "KAM_BENCH_SQL": "SELECT * FROM orders",
           "KAM_BENCH_SA_URL": server.url().replace("mysql://", "mysql+pymysql://")}
    return server, env, f"MariaDB {version.split('-')[0]}: kam.orders ({rows:,} rows, revenue {revenue})"


def database(args: argparse.Namespace, path: Path) -> None:
    """Load the orders table from a local database server: kamlib (Arrow) vs ``pandas.read_sql``.

    ``--postgres``: a throwaway PostgreSQL (``tests/postgres_server.py``), read with ADBC;
    ``--mysql``: a throwaway MariaDB (``tests/mysql_server.py``), read with connectorx.
    The orders file is loaded with ``order_id`` as primary key (kamlib reads in key
    order). kamlib reads without a cache (``kam.yml`` names no last-update column);
    pandas reads through SQLAlchemy and psycopg or PyMySQL (the ``bench`` extra). The
    URL reaches each process in an environment variable. With ``--numeric`` revenue is
    stored as ``NUMERIC(14, 2)`` / ``DECIMAL(14, 2)``, as a CRM stores money. Each
    variant's CPU seconds (the client process, every thread; not the server's) are
    printed beside its times.
    """
    sys.path.insert(0, str(HERE.parent / "tests"))
    start = time.perf_counter()
    server, env, loaded = (_mysql if args.mysql else _postgres)(args, path)
    print(f"{loaded} loaded in {time.perf_counter() - start:.1f} s")
    ours = "kamlib (connectorx)" if args.mysql else "kamlib (ADBC)"
    results: dict[str, list[dict]] = {ours: [], "pandas.read_sql": []}
    try:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                for name, code in ((ours, KAMLIB_DB), ("pandas.read_sql", PANDAS_DB)):
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                         env={**os.environ, **env, "KAM_CACHE": cache})
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                    results[name].append({**json.loads(out.stdout.strip().splitlines()[-1]), "cpu": cpu})
    finally:
        server.stop()
    median = {n: statistics.median(r["seconds"] for r in runs) for n, runs in results.items()}
    for name, runs in results.items():
        secs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"{name:<20} median {median[name]:6.2f} s (runs: {secs})  CPU "
              f"{statistics.median(r['cpu'] for r in runs):5.2f} s  peak RSS "
              f"{max(r['rss_mb'] for r in runs):6.0f} MB  accounts {runs[0]['accounts']:,}")
    totals = {n: round(runs[0]["total"]) for n, runs in results.items()}
    assert len(set(totals.values())) == 1, f"the totals differ: {totals}"
    peak = max(r["rss_mb"] for r in results[ours])
    print(f"kamlib from {'MySQL' if args.mysql else 'PostgreSQL'}: {median['pandas.read_sql'] / median[ours]:.1f}x "
          f"the speed of pandas.read_sql (target >= 3x), peak RSS {peak:.0f} MB (target < 1500 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", action="store_true", help="also time each step of a cold load")
    parser.add_argument("--numeric", action="store_true",
                        help="with --postgres or --mysql: revenue stored as NUMERIC(14, 2) / DECIMAL(14, 2)")
    parser.add_argument("--mysql", action="store_true",
                        help="load the orders from a local MariaDB server instead, vs pandas.read_sql")
    parser.add_argument("--postgres", action="store_true",
                        help="load the orders from a local PostgreSQL server instead, vs pandas.read_sql")
    args = parser.parse_args()
    folder = DATA / f"orders_{args.rows}"
    path = make_orders(args.rows, folder)
    print(f"orders file: {path} ({path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows)")
    if args.postgres or args.mysql:
        database(args, path)
        return
    if args.steps:
        steps(folder, args.runs)
    results = series(args, folder)
    median = {n: statistics.median(r["seconds"] for r in runs) for n, runs in results.items()}
    cpu = {n: statistics.median(r["cpu"] for r in runs) for n, runs in results.items()}
    for name, runs in results.items():
        secs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"{name:<12} median {median[name]:6.2f} s (runs: {secs})  CPU {cpu[name]:5.2f} s  peak RSS "
              f"{max(r['rss_mb'] for r in runs):6.0f} MB  accounts {runs[0]['accounts']:,}")
    totals = {n: round(runs[0]["total"]) for n, runs in results.items()}
    assert len(set(totals.values())) == 1, f"the totals differ: {totals}"
    floor = median["duckdb alone"]
    print(f"kamlib cold: {median['kamlib cold'] / floor:.1f}x the DuckDB floor's time (target <= 2.0x); "
          f"CPU seconds: {cpu['kamlib cold'] / cpu['duckdb alone']:.1f}x the floor's")
    print(f"  (the floor reads 2 of the 6 columns; DuckDB reading every column into a table, as a typed load must, "
          f"then grouping: {median['duckdb all']:.2f} s, {median['duckdb all'] / floor:.1f}x the floor; "
          f"kamlib cold is {median['kamlib cold'] / median['duckdb all']:.1f}x that)")
    for name in ("kamlib cold", "kamlib warm", "duckdb alone"):
        peak = max(r["rss_mb"] for r in results[name])
        print(f"{name}: {median['pandas'] / median[name]:.1f}x the pandas baseline's speed (target >= 3x), "
              f"peak RSS {peak:.0f} MB (target < 1500 MB)")


if __name__ == "__main__":
    main()
