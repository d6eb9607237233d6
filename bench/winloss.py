"""Benchmark: every win/loss table for 2 million opportunities.

Generates a deterministic opportunities table (seed 0) with the dtypes the loader
gives (``string[pyarrow]`` text, ``datetime64[ns]`` dates, ``float64`` amounts),
with Chinese and English loss-reason spellings, unknown reasons and blanks mixed
in, then times each :mod:`kamlib.winloss` table.
Generation is not timed.

Usage::

    python bench/winloss.py                  # 2,000,000 opportunities, best of 3
    python bench/winloss.py --rows 200000 --runs 1

Target (issue "Win/loss analysis"): all tables in under 5 s.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import kamlib.winloss as wl

REASONS = [*wl.REASON_CAUSES][:13] + ["价格", "态度不热情", "Slow follow-up", "距离太远", ""]


def generate(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    text = pd.StringDtype("pyarrow")

    def pick(values, p=None):
        return pd.array(np.asarray(values, dtype=object)[rng.choice(len(values), rows, p=p)], dtype=text)

    status = pick(["won", "lost", "open"], p=[0.34, 0.56, 0.10])
    lost = np.asarray(status == "lost")
    created = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 6 * 365, rows), unit="D")
    closed = created + pd.to_timedelta(rng.gamma(2.0, 20.0, rows).round(), unit="D")
    frame = pd.DataFrame({
        "opportunity_id": pd.array([f"OP{i:07d}" for i in range(rows)], dtype=text),
        "status": status,
        "rep_id": pick([f"R{i:04d}" for i in range(300)]),
        "product_id": pick([f"P{i:02d}" for i in range(40)]),
        "region": pick(["east", "north", "south", "west", "central"]),
        "source": pick(["referral", "outreach", "showroom", "tender", "phone", "event", "online"]),
        "stage": pick(list(wl.STAGES)),
        "created_date": created,
        "closed_date": closed.where(np.asarray(status != "open")),
        "amount": rng.lognormal(14, 1, rows),
        "loss_reason": pick(REASONS),
        "competitor": pick(["鼎峰重卡", "华岳汽车", "天驰商用车", "远航重工", "骏程卡车"]),
    })
    frame.loc[~lost, ["loss_reason", "competitor"]] = pd.NA
    frame.loc[np.asarray(status == "won"), "stage"] = "commitment"
    return frame


def tables(opps: pd.DataFrame) -> dict[str, float]:
    timings: dict[str, float] = {}

    def timed(name, func, *args, **kwargs):
        start = time.perf_counter()
        out = func(*args, **kwargs)
        timings[name] = time.perf_counter() - start
        return out

    opps = timed("add_context (amount bands)", wl.add_context, opps)
    for by in ("product_id", "rep_id", "region", "source", "amount_band", ["product_id", "region"]):
        rates = timed(f"win_rates by {by}", wl.win_rates, opps, by=by)
        timed(f"difference_test by {by}", wl.difference_test, rates)
    reasons = timed("loss_reasons by product", wl.loss_reasons, opps, by="product_id")
    timed("loss_matrix", wl.loss_matrix, reasons)
    timed("reason_pareto", wl.reason_pareto, opps)
    timed("addressable by rep", wl.addressable_losses, opps, by="rep_id")
    timed("addressable by product", wl.addressable_losses, opps, by="product_id")
    timed("competitors", wl.competitors, opps)
    timed("competitors by product, region", wl.competitors, opps, by=["product_id", "region"])
    timed("cycle_times by stage", wl.cycle_times, opps)
    timed("funnel", wl.funnel, opps)
    timed("won_sources", wl.won_sources, opps)
    open_deals = opps[opps["status"] == "open"]
    timed("win_probability (open deals)", wl.win_probability, open_deals, opps, top=2)
    timed("backtest", wl.backtest, opps)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    opps = generate(args.rows)
    print(f"generated {len(opps):,} opportunities in {time.perf_counter() - start:.1f} s (not timed below)")
    runs = [tables(opps) for _ in range(args.runs)]
    best = {name: min(run[name] for run in runs) for name in runs[0]}
    for name, seconds in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<34} {seconds:7.3f} s")
    totals = [sum(run.values()) for run in runs]
    print(f"all tables: best {min(totals):.2f} s, runs {', '.join(f'{t:.2f}' for t in totals)} s (target < 5 s)")


if __name__ == "__main__":
    main()
