"""Shared fixtures: a tiny hand-checked dataset, one real report run per session, and the
published CDNOW summary."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

# The tiny dataset (hand-checked numbers are in tests/test_overview.py):
#   accounts: A1 east, A2 east, A3 west, A4 (no region)
#   orders:   o6 belongs to A9, an account that is not in accounts.
TINY_ACCOUNTS = """account_id,account_name,region,sector
A1,Alpha,east,logistics
A2,Beta,east,retail
A3,Gamma,west,logistics
A4,Delta,,retail
"""

TINY_ORDERS = """order_id,account_id,order_date,revenue
o1,A1,2024-01-05,100
o2,A2,2024-01-20,50
o3,A3,2024-03-02,200
o4,A1,2024-03-30,150
o5,A4,2024-03-15,10
o6,A9,2024-01-07,40
"""


@pytest.fixture
def tiny_folder(tmp_path: Path) -> Path:
    """A data folder with accounts.csv and orders.csv (see module docstring)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "accounts.csv").write_text(TINY_ACCOUNTS, encoding="utf-8")
    (folder / "orders.csv").write_text(TINY_ORDERS, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_ds(tiny_folder: Path):
    import kamlib.data

    return kamlib.data.load(tiny_folder)


@pytest.fixture(scope="session")
def report_run(tmp_path_factory: pytest.TempPathFactory):
    """``kam report --lang all`` on the embedded sample, run once per session.

    Returns ``(click result, run folder)``.
    """
    from click.testing import CliRunner

    import kamlib.report  # noqa: F401 - the cli imports it lazily
    from kamlib.cli import main

    out = tmp_path_factory.mktemp("reports")
    result = CliRunner().invoke(main, ["report", "--lang", "all", "--out", str(out)], catch_exceptions=False)
    runs = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(runs) == 1, (result.output, runs)
    return result, runs[0]


@pytest.fixture
def report_html():
    """Read the HTML of the first job of a :func:`kamlib.report.run` result (the run must be ok)."""

    def read(result) -> str:
        assert result.ok, [job.error for job in result.jobs]
        return (Path(result.run_dir) / result.jobs[0].html).read_text(encoding="utf-8")

    return read


#: Where the published CDNOW summary comes from: the lifetimes wheel on PyPI (MIT).
CDNOW_WHEEL = "lifetimes==0.11.3"
CDNOW_MEMBER = "lifetimes/datasets/cdnow_customers_summary.csv"


@pytest.fixture(scope="session")
def cdnow_summary(tmp_path_factory) -> pd.DataFrame:
    """The CDNOW RFM summary (frequency, recency, T in weeks; 2,357 customers), read from the
    lifetimes wheel, downloaded from PyPI once per machine into the data cache."""
    folder = Path(os.environ.get("KAM_CACHE") or Path.home() / ".cache" / "kam-workbook") / "test-downloads"
    folder.mkdir(parents=True, exist_ok=True)
    wheels = sorted(folder.glob("[Ll]ifetimes-0.11.3-*.whl"))
    if not wheels:
        command = [sys.executable, "-m", "pip", "download", CDNOW_WHEEL, "--no-deps", "--quiet", "-d", str(folder)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wheels = sorted(folder.glob("[Ll]ifetimes-0.11.3-*.whl"))
        assert wheels, f"could not download {CDNOW_WHEEL} from PyPI for the CDNOW data: {done.stderr[-500:]}"
    with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(CDNOW_MEMBER) as handle:
        return pd.read_csv(handle)[["frequency", "recency", "T"]]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright, one per test module (``served_apps.launch_browser``)."""
    from served_apps import launch_browser

    with launch_browser() as chromium:
        yield chromium
