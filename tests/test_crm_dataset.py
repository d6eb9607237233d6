"""A public B2B CRM practice dataset, end to end: ``kam validate`` and the win/loss report.

The dataset ("CRM sales opportunities": ``sales_pipeline.csv``, ``accounts.csv``,
``products.csv``, ``sales_teams.csv``) is not shipped with the project and cannot be
downloaded at test time (see ``tests/data/crm/README.md``), so these tests build a
faithful re-creation of its shape: the same files, headers and value vocabulary (deal
stages Prospecting, Engaging, Won, Lost; empty accounts, dates and values of open deals;
the product spelled ``GTXPro`` in the pipeline and ``GTX Pro`` in the product list; the
sector ``technolgy``), with made-up accounts and people. It is read as exported, as a
copy with Chinese file names, headers and stages saved in GBK, and as XLSX.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import kamlib.data as kd
from kamlib import report
from kamlib.cli import main

PRODUCTS = [("GTX Basic", "GTX", 550), ("GTX Pro", "GTX", 4821), ("MG Special", "MG", 55),
            ("MG Advanced", "MG", 3393), ("GTX Plus Pro", "GTX", 5482), ("GTX Plus Basic", "GTX", 1096),
            ("GTK 500", "GTK", 26768)]
SECTORS = ["technolgy", "medical", "retail", "software", "entertainment", "marketing", "telecommunications",
           "finance", "employment", "services"]
STAGES = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
HEADERS = {
    "sales_pipeline": ["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date",
                       "close_date", "close_value"],
    "accounts": ["account", "sector", "year_established", "revenue", "employees", "office_location",
                 "subsidiary_of"],
    "products": ["product", "series", "sales_price"],
    "sales_teams": ["sales_agent", "manager", "regional_office"],
}
#: The headers no analysis uses, by file: named in a note of their own.
UNUSED = {"accounts": ["year_established", "revenue", "employees", "office_location", "subsidiary_of"],
          "sales_teams": ["manager"]}
#: A Chinese CRM's words for the same export (file names, headers, stages).
ZH_FILES = {"sales_pipeline": "商机", "accounts": "客户", "products": "产品", "sales_teams": "销售团队"}
ZH_HEADERS = {
    "opportunity_id": "商机编号", "sales_agent": "负责人", "product": "产品名称", "account": "客户名称",
    "deal_stage": "销售阶段", "engage_date": "创建日期", "close_date": "结单日期", "close_value": "成交金额",
    "sector": "行业", "year_established": "成立年份", "revenue": "年营业额", "employees": "员工人数",
    "office_location": "总部所在地", "subsidiary_of": "母公司", "series": "产品系列", "sales_price": "标准价格",
    "manager": "销售经理", "regional_office": "所属区域",
}
ZH_STAGES = {"Won": "赢单", "Lost": "输单", "Engaging": "需求确定", "Prospecting": "初步接洽"}


def _export(seed: int = 7, deals: int = 400) -> dict[str, list[list[str]]]:
    """The four files as rows of text, header first."""
    rng = random.Random(seed)
    agents = [(f"Agent {i:02d}", f"Manager {i // 6}", ["Central", "East", "West"][i % 3]) for i in range(18)]
    accounts = [[f"Company {i:02d}", rng.choice(SECTORS), str(rng.randint(1979, 2017)),
                 f"{rng.uniform(5, 11000):.2f}", str(rng.randint(9, 20000)), rng.choice(["United States", "Kenya",
                 "Japan", "Italy", "China"]), rng.choice(["", "", "", "Company 00"])] for i in range(30)]
    pipeline = []
    for i in range(deals):
        stage = rng.choices(list(STAGES), weights=[48, 28, 18, 6])[0]
        product = rng.choice(PRODUCTS)[0]
        engaged = date(2016, 10, 20) + timedelta(days=rng.randint(0, 430))
        closed = engaged + timedelta(days=rng.randint(1, 130))
        account = rng.choice(accounts)[0] if stage in ("Won", "Lost") or rng.random() < 0.4 else ""
        pipeline.append([f"{rng.getrandbits(40):010X}"[:8], rng.choice(agents)[0],
                         "GTXPro" if product == "GTX Pro" else product, account, stage,
                         "" if stage == "Prospecting" else engaged.isoformat(),
                         closed.isoformat() if stage in ("Won", "Lost") else "",
                         str(rng.randint(0, 12000) if stage == "Won" else 0) if stage in ("Won", "Lost") else ""])
    return {
        "sales_pipeline": [HEADERS["sales_pipeline"], *pipeline],
        "accounts": [HEADERS["accounts"], *accounts],
        "products": [HEADERS["products"], *([n, s, str(p)] for n, s, p in PRODUCTS)],
        "sales_teams": [HEADERS["sales_teams"], *(list(a) for a in agents)],
    }


def _write_csv(folder: Path, rows: dict[str, list[list[str]]], names: dict[str, str] | None = None,
               encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in rows.items():
        with open(folder / f"{(names or {}).get(name, name)}.csv", "w", encoding=encoding, newline="") as out:
            csv.writer(out).writerows(table)
    return folder


def _chinese(rows: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    out = {}
    for name, (header, *body) in rows.items():
        stage = header.index("deal_stage") if "deal_stage" in header else None
        body = [[ZH_STAGES[v] if j == stage else v for j, v in enumerate(row)] for row in body]
        out[name] = [[ZH_HEADERS.get(h, h) if h != "sales_agent" or name == "sales_pipeline" else "销售代表"
                      for h in header], *body]
    return out


@pytest.fixture(scope="module")
def export() -> dict[str, list[list[str]]]:
    return _export()


@pytest.fixture(scope="module")
def copies(export, tmp_path_factory) -> dict[str, Path]:
    """The export as published, and the Chinese copy in GBK and as XLSX."""
    root = tmp_path_factory.mktemp("crm")
    zh = _chinese(export)
    xlsx = root / "xlsx"
    xlsx.mkdir()
    for name, (header, *body) in zh.items():
        pd.DataFrame(body, columns=header).to_excel(xlsx / f"{ZH_FILES[name]}.xlsx", index=False)
    return {"csv": _write_csv(root / "csv", export), "gbk": _write_csv(root / "gbk", zh, ZH_FILES, "gbk"),
            "xlsx": xlsx}


def _expected_status(export) -> Counter:
    header, *body = export["sales_pipeline"]
    return Counter(STAGES[row[header.index("deal_stage")]] for row in body)


@pytest.mark.parametrize("copy", ["csv", "gbk", "xlsx"])
def test_every_file_is_read_as_its_table_with_every_deal(copies, export, copy):
    ds = kd.load(copies[copy], cache=False)
    assert ds.names == ["accounts", "opportunities", "products", "reps"]
    opps = ds.table("opportunities")
    assert Counter(opps["status"]) == _expected_status(export)
    assert len(ds.table("accounts")) == len(export["accounts"]) - 1
    assert len(ds.table("reps")) == len(export["sales_teams"]) - 1
    assert opps["rep_id"].notna().all() and opps["product_id"].notna().all()
    won = opps[opps["status"] == "won"]
    assert won["closed_date"].notna().all() and won["amount"].notna().all()
    assert set(ds.table("products")["family"]) == {"GTX", "MG", "GTK"}
    assert set(ds.table("reps")["region"]) == {"Central", "East", "West"}


@pytest.mark.parametrize("copy", ["csv", "gbk"])
def test_every_column_is_used_or_named_as_unused(copies, copy):
    ds = kd.load(copies[copy], cache=False)
    notes = {Path(p.source).stem: p for p in ds.report.notes if p.code == "unused_columns"}
    names = {} if copy == "csv" else {v: k for k, v in ZH_FILES.items()}
    words = {} if copy == "csv" else ZH_HEADERS
    assert {names.get(stem, stem) for stem in notes} == set(UNUSED)
    for stem, note in notes.items():
        for header in UNUSED[names.get(stem, stem)]:
            assert f"'{words.get(header, header)}'" in note.message
    summary = ds.summary().set_index("table")["unused_columns"]
    assert summary["opportunities"] == "" and summary["products"] == ""
    assert summary["reps"] == words.get("manager", "manager")


def test_the_product_spelled_otherwise_in_the_pipeline_is_named_with_its_count(copies, export):
    header, *body = export["sales_pipeline"]
    n = sum(row[header.index("product")] == "GTXPro" for row in body)
    report_ = kd.validate(copies["csv"], cache=False)
    assert report_.ok
    (warning,) = report_.warnings
    assert warning.code == "unknown_reference" and warning.count == n
    assert f"refers to {n:,} rows with product_id values not in products.csv: 'GTXPro' in rows" in warning.message


@pytest.mark.parametrize("lang, words", [("en", ["Checked", "opportunities", "NOTE:", "'manager'", "0 error(s)"]),
                                         ("zh", ["已检查", "opportunities", "说明：", "'销售经理'", "0 个错误"])])
def test_kam_validate_speaks_the_language_asked_for(copies, lang, words):
    folder = copies["csv"] if lang == "en" else copies["gbk"]
    result = CliRunner().invoke(main, ["validate", str(folder), "--lang", lang])
    assert result.exit_code == 0, result.output
    assert all(word in result.output for word in words), result.output


def test_the_data_dictionary_of_the_download_is_named_without_a_table_suggested(tmp_path, export):
    folder = _write_csv(tmp_path / "download", export)
    (folder / "data_dictionary.csv").write_text("Table,Field,Description\naccounts,account,Company name\n",
                                                encoding="utf-8")
    (error,) = kd.validate(folder, cache=False).errors
    assert error.source == "data_dictionary.csv" and "Rename the file to <table>.csv" in error.message


@pytest.mark.slow
@pytest.mark.parametrize("copy, lang", [("csv", "en"), ("gbk", "zh"), ("xlsx", "zh")])
def test_the_win_loss_report_runs_on_the_export(copies, tmp_path, copy, lang):
    result = report.run(["04"], data=str(copies[copy]), lang=lang, out=tmp_path)
    assert result.ok, result.summary()
    html = next(tmp_path.rglob("04_win_loss_analysis.html")).read_text(encoding="utf-8")
    assert "MG Special" in html and "GTX Plus Basic" in html  # win rates by product
    assert ("Brier" in html) and (("赢单率" in html) if lang == "zh" else ("Win rate" in html))
