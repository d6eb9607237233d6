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

Usage::

    python bench/load.py                 # 5,000,000 rows, 3 runs each
    python bench/load.py --rows 1000000 --runs 1

Targets (issue "Foundation"): at least 3x faster than the pandas baseline and under
1.5 GB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = DATA / f"orders_{args.rows}"
    path = make_orders(args.rows, folder)
    print(f"orders file: {path} ({path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows)")
    results = series(args, folder)
    median = {n: statistics.median(r["seconds"] for r in runs) for n, runs in results.items()}
    for name, runs in results.items():
        secs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"{name:<12} median {median[name]:6.2f} s (runs: {secs})  peak RSS "
              f"{max(r['rss_mb'] for r in runs):6.0f} MB  accounts {runs[0]['accounts']:,}")
    totals = {n: round(runs[0]["total"]) for n, runs in results.items()}
    assert len(set(totals.values())) == 1, f"the totals differ: {totals}"
    for name in ("kamlib cold", "kamlib warm", "duckdb alone"):
        peak = max(r["rss_mb"] for r in results[name])
        print(f"{name}: {median['pandas'] / median[name]:.1f}x the pandas baseline's speed (target >= 3x), "
              f"peak RSS {peak:.0f} MB (target < 1500 MB)")


if __name__ == "__main__":
    main()
