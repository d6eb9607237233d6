"""Benchmark: load a large orders file and total revenue per account.

Compares ``kamlib.data.load`` + a DuckDB aggregation with plain ``pandas.read_csv``
+ ``groupby`` on the same generated CSV. Each measurement runs in a fresh Python
process and reads its own peak resident memory (VmHWM). Times include the imports
(pandas in both).

kamlib is measured twice: *cold* (empty cache: the file is parsed, every cell is
checked and the typed tables are written to the cache) and *warm* (the next load
of the unchanged file, as every further notebook of a report run sees it).
*duckdb alone* is DuckDB reading the CSV and grouping it with nothing else (no
checks, no typing, no cache): the floor for any first load through DuckDB.

``--steps`` also times each step of one cold load (run under cProfile, in a fresh
process with an empty cache): reading the head of the file, encoding detection,
header search, DuckDB's type sniffing, the typed read, each check, the cache write,
reopening the cache and the pandas conversion, so the next reader sees where the time
of a first load goes.

Usage::

    python bench/load.py                 # 5,000,000 rows, 3 runs each
    python bench/load.py --rows 1000000 --runs 1
    python bench/load.py --postgres      # the same orders from a local PostgreSQL, vs pandas.read_sql
    python bench/load.py --steps --runs 1

Targets: kamlib cold at most 2x the DuckDB floor, kamlib warm at least 3x faster than
the pandas baseline, and under 1.5 GB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"

PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

KAMLIB = PEAK + """
import time, json, sys
start = time.perf_counter()
import kamlib.data as kd
ds = kd.load(sys.argv[1])
totals = ds.sql("SELECT account_id, sum(revenue) AS revenue FROM orders GROUP BY account_id")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rss_mb": peak_mb(),
                  "accounts": len(totals), "total": float(totals["revenue"].sum())}))
"""

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
    ("encoding detection", "read", "detect_encoding"),
    ("header search (head and tail)", "read", "sniff_layout"),
    ("type sniffing (DuckDB)", "read", "_describe"),
    ("blank-line scan", "read", "blank_lines"),
    ("typed read (CSV -> Arrow)", "build", "typed_rows"),
    ("total rows / repeated header", "build", "_probe"),
    ("checks (one pass, all rules)", "build", "_counts"),
    ("  of which: duplicate ids", "build", "_repeats"),
    ("rows into a DuckDB table (to delete)", "build", "as_table"),
    ("references between tables", "dataset", "_reference_problems"),
    ("cache: write the tables", "cache", "write_tables"),
    ("cache: report and checksums", "cache", "save"),
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
    """Run *code* in a fresh interpreter (cache folder *cache*) and return what it printed."""
    env = {**os.environ, "KAM_CACHE": str(cache)}
    out = subprocess.run([sys.executable, "-c", code, str(folder)], check=True, capture_output=True, text=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def series(args: argparse.Namespace, folder: Path) -> dict[str, list[dict]]:
    """Each variant measured ``args.runs`` times; cold runs get a new, empty cache."""
    results: dict[str, list[dict]] = {"kamlib cold": [], "kamlib warm": [], "duckdb alone": [], "pandas": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            results["kamlib cold"].append(measure(KAMLIB, folder, Path(cache)))
            results["kamlib warm"].append(measure(KAMLIB, folder, Path(cache)))
        results["duckdb alone"].append(measure(DUCKDB, folder, Path(tempfile.gettempdir())))
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
        print(f"  {label:<34} {statistics.median(t.get(key, 0.0) for t in times):6.2f} s")


KAMLIB_PG = PEAK + """
import time, json, os
start = time.perf_counter()
import kamlib.data as kd
ds = kd.load(os.environ["KAM_BENCH_DB_URL"], tables=["orders"])
totals = ds.sql("SELECT account_id, sum(revenue) AS revenue FROM orders GROUP BY account_id")
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rss_mb": peak_mb(),
                  "accounts": len(totals), "total": float(totals["revenue"].sum())}))
"""

PANDAS_PG = PEAK + """
import time, json, os
start = time.perf_counter()
import pandas as pd
import sqlalchemy
engine = sqlalchemy.create_engine(os.environ["KAM_BENCH_DB_URL"].replace("postgresql://", "postgresql+psycopg://")
                                  .split("?")[0])
orders = pd.read_sql("SELECT * FROM crm.orders", engine)
totals = orders.groupby("account_id")["revenue"].sum()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rss_mb": peak_mb(),
                  "accounts": len(totals), "total": float(totals.sum())}))
"""


def postgres(args: argparse.Namespace, path: Path) -> None:
    """Load the orders table from a local PostgreSQL server: kamlib (ADBC, Arrow) vs ``pandas.read_sql``.

    The server is a throwaway one (``tests/postgres_server.py``: Debian's ``postgresql``
    package, run in a temporary folder); the orders file is loaded into ``crm.orders``
    with ``order_id`` as primary key (kamlib reads in key order). kamlib reads without a
    cache (``kam.yml`` names no last-update column); pandas reads through SQLAlchemy and
    psycopg (the ``bench`` extra). The URL reaches each process in an environment variable.
    """
    import pyarrow.csv as pacsv

    sys.path.insert(0, str(HERE.parent / "tests"))
    import postgres_server

    server = postgres_server.start()
    try:
        start = time.perf_counter()
        orders = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={"order_date": pa.date32()}))
        server.load({"orders": orders})
        server.execute("ALTER TABLE crm.orders ADD PRIMARY KEY (order_id)", "ANALYZE crm.orders")
        print(f"PostgreSQL {postgres_server.binaries().parts[-2]}: crm.orders loaded ({orders.num_rows:,} rows) "
              f"in {time.perf_counter() - start:.1f} s")
        env = {**os.environ, "KAM_BENCH_DB_URL": f"{server.url()}?schema=crm"}
        results: dict[str, list[dict]] = {"kamlib (ADBC)": [], "pandas.read_sql": []}
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as cache:
                for name, code in (("kamlib (ADBC)", KAMLIB_PG), ("pandas.read_sql", PANDAS_PG)):
                    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                                         env={**env, "KAM_CACHE": cache})
                    results[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        server.stop()
    median = {n: statistics.median(r["seconds"] for r in runs) for n, runs in results.items()}
    for name, runs in results.items():
        secs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"{name:<16} median {median[name]:6.2f} s (runs: {secs})  peak RSS "
              f"{max(r['rss_mb'] for r in runs):6.0f} MB  accounts {runs[0]['accounts']:,}")
    totals = {n: round(runs[0]["total"]) for n, runs in results.items()}
    assert len(set(totals.values())) == 1, f"the totals differ: {totals}"
    peak = max(r["rss_mb"] for r in results["kamlib (ADBC)"])
    print(f"kamlib from PostgreSQL: {median['pandas.read_sql'] / median['kamlib (ADBC)']:.1f}x the speed of "
          f"pandas.read_sql (target >= 3x), peak RSS {peak:.0f} MB (target < 1500 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", action="store_true", help="also time each step of a cold load")
    parser.add_argument("--postgres", action="store_true",
                        help="load the orders from a local PostgreSQL server instead, vs pandas.read_sql")
    args = parser.parse_args()
    folder = DATA / f"orders_{args.rows}"
    path = make_orders(args.rows, folder)
    print(f"orders file: {path} ({path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows)")
    if args.postgres:
        postgres(args, path)
        return
    if args.steps:
        steps(folder, args.runs)
    results = series(args, folder)
    median = {n: statistics.median(r["seconds"] for r in runs) for n, runs in results.items()}
    for name, runs in results.items():
        secs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"{name:<12} median {median[name]:6.2f} s (runs: {secs})  peak RSS "
              f"{max(r['rss_mb'] for r in runs):6.0f} MB  accounts {runs[0]['accounts']:,}")
    totals = {n: round(runs[0]["total"]) for n, runs in results.items()}
    assert len(set(totals.values())) == 1, f"the totals differ: {totals}"
    floor = median["duckdb alone"]
    print(f"kamlib cold: {median['kamlib cold'] / floor:.1f}x the DuckDB floor's time (target <= 2.0x)")
    for name in ("kamlib cold", "kamlib warm", "duckdb alone"):
        peak = max(r["rss_mb"] for r in results[name])
        print(f"{name}: {median['pandas'] / median[name]:.1f}x the pandas baseline's speed (target >= 3x), "
              f"peak RSS {peak:.0f} MB (target < 1500 MB)")


if __name__ == "__main__":
    main()
