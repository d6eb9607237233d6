"""Benchmark: what notebooks/02_customer_classification.ipynb computes, on 200,000 accounts
(~5 million orders), with the data cache cold and then warm.

Generates the company with ``kamlib.sample.generate`` once (cached in
``bench/_data/churn_<n>_<seed>``, shared with bench/churn.py; git-ignored) and says
whether this run generated it or found it there. Then it runs the notebook's steps in
the notebook's order — ``kamlib.data.load`` of its six tables, ``kamlib.classify.scope``,
every section builder of ``kamlib.classify.sections``, and the churn sections of
``kamlib.churn.sections`` (holdout choice of the purchase model and its fit,
Gamma-Gamma spend fit and CLV, warning signals) — timing each, twice:

* **cold**: ``kamlib.data.load`` starts from an empty table cache (a fresh
  ``$KAM_CACHE``), so it reads and validates the files and writes the cache, as a
  first run on new data does;
* **warm**: the same again in the same process, the table cache now filled, as every
  later run on the same data does (Python modules are imported already).

Drawing and writing the report (``Page.show``) are not included.

Usage::

    python bench/classify.py                  # 200,000 accounts
    python bench/classify.py --accounts 20000

Targets (issue "Customer classification"): under 30 s end to end on 2 cores, the
purchase-model fit under 5 s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import DATA, sample_folder, timed

import kamlib.data
from kamlib import classify
from kamlib.churn import sections as churn_sections
from kamlib.classify import sections

TABLES = ["accounts", "orders", "products", "visits", "leads", "opportunities"]


def notebook(folder: Path, run: str) -> float:
    """Every computing step of notebook 02 on *folder*, each timed; returns the total seconds."""
    print(f"\n-- {run}")
    start = time.perf_counter()
    ds = timed("load (6 tables)", kamlib.data.load, folder, tables=TABLES)
    tables = timed("scope", classify.scope, ds)
    accounts, orders, products, visits, leads, opportunities = tables.values()
    day = classify.reference_day(orders, None)
    timed("pareto / ABC", sections.pareto, orders, accounts=accounts)
    timed("purchase-state grid", sections.xy_grid, accounts, orders, as_of=day)
    timed("portfolio", sections.portfolio, accounts)
    timed("profit segments (whale curve)", sections.profit, orders, products, accounts=accounts)
    timed("selection score", sections.selection, accounts, orders, products, visits, as_of=day)
    timed("white space", sections.whitespace, accounts, orders, products, as_of=day)
    timed("MAN", sections.man, leads)
    timed("temperature", sections.temperature, leads, as_of=day)
    timed("relationship stages", sections.stages, accounts)
    churn = timed("churn: model choice, fit, p_alive", churn_sections.activity, orders, as_of=day)
    value = timed("churn: gamma_gamma_fit + clv", churn_sections.lifetime_value, churn,
                  accounts=accounts)
    risk = timed("churn: warning signals", churn_sections.at_risk, orders, visits, churn=churn, accounts=accounts,
                 opportunities=opportunities)
    total = time.perf_counter() - start
    print(f"{'end to end (' + run + ')':<36} {total:8.2f} s")
    fit = churn.results["fit"]
    print(f"{len(orders):,} orders, {len(accounts):,} accounts; model {type(fit).__name__} converged={fit.converged}; "
          f"CLV computed: {bool(value.saved)}; at-risk accounts {len(risk.results.get('risk', [])):,}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args()
    existed = any((DATA / f"churn_{opts.accounts}_{opts.seed}" / f"orders.{ext}").exists() for ext in ("csv", "parquet"))
    folder = sample_folder(opts.accounts, opts.seed)
    print(f"sample company: {folder} ({'found in' if existed else 'generated now into'} bench/_data)")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["KAM_CACHE"] = cache  # an empty table cache: the first run is cold
        cold = notebook(folder, "cold table cache")
        warm = notebook(folder, "warm table cache")
    print(f"\nend to end: cold {cold:.2f} s, warm {warm:.2f} s (target < 30 s)")


if __name__ == "__main__":
    main()
