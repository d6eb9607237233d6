"""Helpers shared by the benchmark scripts (run them as ``python bench/<name>.py``)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kamlib.sample

DATA = Path(__file__).resolve().parent / "_data"


def timed(label: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)``, print how long it took under *label*, return its result."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<36} {time.perf_counter() - start:8.2f} s")
    return result


def sample_folder(accounts: int, seed: int) -> Path:
    """The generated sample company of that size, written once under ``bench/_data/``."""
    folder = DATA / f"churn_{accounts}_{seed}"
    if not (folder / "orders.parquet").exists() and not (folder / "orders.csv").exists():
        timed("generate (once, cached)", kamlib.sample.generate, accounts, seed=seed, out=folder)
    return folder


def sample_from_args(description: str) -> Path:
    """Parse ``--accounts`` and ``--seed`` and return that sample company's folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args()
    return sample_folder(opts.accounts, opts.seed)
