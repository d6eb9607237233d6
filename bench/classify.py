"""Benchmark: the whole customer classification, BG/NBD fit and churn signals on
200,000 accounts (~5 million orders).

Generates the company with ``kamlib.sample.generate`` once (cached in
``bench/_data/churn_<n>_<seed>``, shared with bench/churn.py; git-ignored), loads it
through ``kamlib.data.load`` and times each step, then the end-to-end total.

Usage::

    python bench/classify.py                  # 200,000 accounts
    python bench/classify.py --accounts 20000

Targets (issue "Customer classification"): under 30 s end to end on 2 cores, the
BG/NBD fit under 5 s.
"""

from __future__ import annotations

import time

from _common import sample_from_args, timed

import kamlib.data
from kamlib import churn
from kamlib import classify as cl

AS_OF = "2025-12-31"


def main() -> None:
    folder = sample_from_args(__doc__.splitlines()[0])
    start = time.perf_counter()
    ds = timed("load", kamlib.data.load, folder)
    accounts, orders, products, visits, leads = (
        timed(f"{name} table", ds.table, name) for name in ("accounts", "orders", "products", "visits", "leads"))
    print(f"{len(orders):,} orders, {len(accounts):,} accounts, {len(visits):,} visits, {len(leads):,} leads")

    abc = timed("pareto_abc (from orders)", cl.pareto_abc, orders)
    graded = timed("xy_grade (given levels)", cl.xy_grade, accounts)
    derived = timed("xy_grade (levels derived)", cl.xy_grade,
                    accounts.drop(columns=["purchase_level", "capacity_level"]), orders=orders, as_of=AS_OF)
    timed("portfolio", cl.portfolio, accounts)
    whale = timed("profit_segments", cl.profit_segments, orders, products=products)
    timed("selection_score", cl.selection_score, accounts, orders=orders, products=products, visits=visits,
          as_of=AS_OF)
    timed("whitespace (with families)", cl.whitespace, accounts, orders, as_of=AS_OF, products=products)
    timed("relationship stages", cl.stage_distribution,
          cl.relationship_stages(accounts).assign(region=accounts["region"].to_numpy()), by="region")
    timed("man_qualify + temperature", lambda: (cl.man_qualify(leads), cl.prospect_temperature(leads, today=AS_OF)))
    summary = timed("rfm_summary (weekly)", churn.rfm_summary, orders, as_of=AS_OF)
    params = timed("bgnbd_fit", churn.bgnbd_fit, summary)
    timed("p_alive", churn.p_alive, params, summary)
    risk = timed("churn_signals (with p_alive)", churn.churn_signals, orders, visits, as_of=AS_OF, params=params,
                 summary=summary, competitors=kamlib.sample.COMPETITORS)
    total = time.perf_counter() - start
    print(f"{'end to end (load → churn signals)':<36} {total:8.2f} s")

    print(f"\nABC: {abc['abc_class'].value_counts().to_dict()}, top 20 % hold {cl.top_share(abc):.1%}")
    print(f"XY given: {graded['xy_class'].value_counts().to_dict()}; derived: X > Y for "
          f"{int((derived['check'] == 'x_above_y').sum()):,} accounts")
    print(f"whale curve peak {whale['cumulative_profit_share'].max():.1%}; "
          f"BG/NBD converged={params.converged}; at-risk accounts {len(risk):,}")


if __name__ == "__main__":
    main()
