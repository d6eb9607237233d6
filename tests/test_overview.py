"""Unit tests of kamlib.overview on the tiny dataset of tests/conftest.py.

Hand-checked numbers (revenue per order):

=====  =======  ==========  =======  ======
order  account  date        revenue  region
=====  =======  ==========  =======  ======
o1     A1       2024-01-05  100      east
o2     A2       2024-01-20  50       east
o3     A3       2024-03-02  200      west
o4     A1       2024-03-30  150      east
o5     A4       2024-03-15  10       (empty)
o6     A9       2024-01-07  40       (account unknown)
=====  =======  ==========  =======  ======

east = 300 from 3 orders (54.5 %), west = 200 from 1 (36.4 %), no region = 50 from 2
(9.1 %); total 550. January 190, February 0, March 360.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kamlib.data
import kamlib.overview as ov
from kamlib import tables
from kamlib.errors import ConfigError, DataError
from kamlib.masking import mask_secret


# ------------------------------------------------------------------ table_overview
def test_table_overview_rows_and_dates(tiny_ds):
    table = ov.table_overview(tiny_ds).set_index("table")
    assert list(ov.table_overview(tiny_ds).columns) == [
        "table", "rows", "columns", "date_column", "first_date", "last_date", "excluded",
    ]
    assert table.loc["accounts", "rows"] == 4
    assert table.loc["orders", "rows"] == 6
    assert table.loc["orders", "date_column"] == "order_date"
    assert table.loc["orders", "first_date"] == pd.Timestamp("2024-01-05")
    assert table.loc["orders", "last_date"] == pd.Timestamp("2024-03-30")
    assert (table["excluded"] == 0).all()


def test_table_overview_counts_excluded_rows(tiny_folder):
    # A row without a date cannot be used: the loader excludes it, and the overview says so.
    with open(tiny_folder / "orders.csv", "a", encoding="utf-8") as handle:
        handle.write("o7,A1,,99\n")
    ds = kamlib.data.load(tiny_folder, errors="exclude")
    table = ov.table_overview(ds).set_index("table")
    assert table.loc["orders", "excluded"] == 1
    excluded = int(ds.excluded["rows"].sum()) if len(ds.excluded) else 0
    assert table["excluded"].sum() == excluded
    assert table.loc["orders", "rows"] + table.loc["orders", "excluded"] == 7


# ---------------------------------------------------------------------- revenue_by
def test_revenue_by_region_hand_checked(tiny_ds):
    table = ov.revenue_by(tiny_ds, by="region")
    assert table.columns.tolist() == ["region", "revenue", "orders", "share"]
    assert table["region"].iloc[:2].tolist() == ["east", "west"]
    assert pd.isna(table["region"].iloc[2])  # no region / unknown account: kept, last
    assert table["revenue"].tolist() == [300.0, 200.0, 50.0]
    assert table["orders"].tolist() == [3, 1, 2]
    assert table["share"].tolist() == pytest.approx([300 / 550, 200 / 550, 50 / 550])
    assert table["share"].sum() == pytest.approx(1.0)


def test_revenue_by_orders_column_needs_no_join(tiny_ds):
    table = ov.revenue_by(tiny_ds, by="account_id").set_index("account_id")
    assert table.loc["A1", "revenue"] == 250.0
    assert table.loc["A9", "revenue"] == 40.0  # unknown account still counted
    assert table["revenue"].sum() == 550.0


def test_revenue_by_other_account_column(tiny_ds):
    table = ov.revenue_by(tiny_ds, by="sector").set_index("sector")
    assert table.loc["logistics", "revenue"] == 450.0  # A1 250 + A3 200
    assert table.loc["retail", "revenue"] == 60.0  # A2 50 + A4 10


def test_revenue_by_unknown_column_says_what_is_allowed(tiny_ds):
    with pytest.raises(ConfigError, match=r"by must be a column of orders or accounts \(.*region.*\), but 'regoin' was passed"):
        ov.revenue_by(tiny_ds, by="regoin")


def test_revenue_by_without_orders_names_the_table(tiny_folder):
    (tiny_folder / "orders.csv").unlink()
    ds = kamlib.data.load(tiny_folder)
    with pytest.raises(DataError, match="needs the table 'orders'"):
        ov.revenue_by(ds)
    with pytest.raises(DataError, match="needs the table 'orders'"):
        ov.revenue_by_month(ds)


def test_revenue_by_does_not_change_the_dataset(tiny_ds):
    before = tiny_ds.table("orders").copy()
    ov.revenue_by(tiny_ds)
    ov.revenue_by_month(tiny_ds, by="region")
    pd.testing.assert_frame_equal(tiny_ds.table("orders"), before)


# ---------------------------------------------------------------- revenue_by_month
def test_revenue_by_month_fills_empty_months(tiny_ds):
    monthly = ov.revenue_by_month(tiny_ds)
    assert monthly.columns.tolist() == ["month", "revenue", "orders"]
    assert pd.api.types.is_datetime64_any_dtype(monthly["month"])
    assert monthly["month"].tolist() == list(pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]))
    assert monthly["revenue"].tolist() == [190.0, 0.0, 360.0]
    assert monthly["orders"].tolist() == [3, 0, 3]


def test_revenue_by_month_split(tiny_ds):
    monthly = ov.revenue_by_month(tiny_ds, by="region")
    assert monthly.columns.tolist() == ["month", "region", "revenue", "orders"]
    assert len(monthly) == 3 * 3  # every month x (east, west, no region)
    march = monthly[monthly["month"] == "2024-03-01"].set_index("region")["revenue"]
    assert march["east"] == 150.0 and march["west"] == 200.0
    assert monthly["revenue"].sum() == 550.0
    january_west = monthly[(monthly["month"] == "2024-01-01") & (monthly["region"] == "west")]
    assert january_west["revenue"].tolist() == [0.0]


# --------------------------------------------------------------------- properties
order_rows = st.lists(
    st.tuples(
        st.sampled_from(["A1", "A2", "A3", "A4", "A9"]),
        st.dates(min_value=pd.Timestamp("2023-01-01").date(), max_value=pd.Timestamp("2024-12-31").date()),
        st.integers(min_value=1, max_value=10_000),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=order_rows, reverse=st.booleans())
def test_totals_agree_and_shares_sum_to_one(tiny_folder, rows, reverse):
    """Property: by region and by month add up to the same total; order of rows does not matter."""
    lines = [f"o{i},{a},{d.isoformat()},{r}" for i, (a, d, r) in enumerate(rows)]
    if reverse:
        lines.reverse()
    (tiny_folder / "orders.csv").write_text("order_id,account_id,order_date,revenue\n" + "\n".join(lines) + "\n")
    ds = kamlib.data.load(tiny_folder)
    total = float(sum(r for _, _, r in rows))
    regions = ov.revenue_by(ds)
    monthly = ov.revenue_by_month(ds)
    assert regions["revenue"].sum() == pytest.approx(total)
    assert monthly["revenue"].sum() == pytest.approx(total)
    assert regions["share"].sum() == pytest.approx(1.0)
    assert regions["orders"].sum() == len(rows) == monthly["orders"].sum()
    assert monthly["month"].diff().dropna().dt.days.between(28, 31).all()  # no month skipped


# -------------------------------------------------------------- parameter_summary
def test_parameter_summary_is_a_two_column_table_in_order():
    table = tables.parameter_summary(data=None, lang="zh", output_dir="out", top_n=5)
    assert table.columns.tolist() == ["parameter", "value"]
    assert table["parameter"].tolist() == ["数据（data）", "语言（lang）", "输出目录（output_dir）", "top_n"]  # unlabelled: its name
    assert table["value"].tolist() == ["无", "zh", "out", "5"]  # not set, in the report's language
    assert tables.parameter_summary(data=None, lang="en")["value"].tolist() == ["None", "en"]
    assert tables.parameter_summary(data=None)["value"].tolist() == ["None"]


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("data", "postgresql://kam:hunter2@db.example.com:5432/crm", "postgresql://kam:***@db.example.com:5432/crm"),
        ("data", "mysql+pymysql://root:p%40ss@10.0.0.5/crm", "mysql+pymysql://root:***@10.0.0.5/crm"),
        ("data", "https://api.example.com/export?format=csv&access_token=abc123", "https://api.example.com/export?format=csv&access_token=***"),
        ("api_token", "abc123", "***"),
        ("db_password", "hunter2", "***"),
        ("client_secret", "xyz", "***"),
        ("data", "/home/li/exports/crm-2025-06", "…/exports/crm-2025-06"),  # no home folder
        ("data", "../exports/crm-2025-06", "../exports/crm-2025-06"),
        ("data", "https://example.com/data.csv", "https://example.com/data.csv"),
        ("lang", "zh", "zh"),
    ],
)
def test_parameter_summary_masks_secrets(name, value, shown):
    table = tables.parameter_summary(**{name: value})
    assert table["value"].tolist() == [shown]
    if shown != value:
        secret = {"api_token": "abc123", "db_password": "hunter2", "client_secret": "xyz"}.get(name)
        assert (secret or "hunter2") not in table.to_string()


def test_mask_secret_leaves_none_alone():
    assert mask_secret("token", None) is None


# ----------------------------------------------------------------------- findings
def test_findings_name_the_largest_region_in_both_languages(tiny_ds):
    regions, monthly = ov.revenue_by(tiny_ds), ov.revenue_by_month(tiny_ds)
    en = ov.readings.findings(regions, monthly, lang="en")
    zh = ov.readings.findings(regions, monthly, lang="zh")
    assert en.startswith("- ")
    assert "Total revenue of 550 from 6 orders, 2024-01 to 2024-03." in en  # months as the tables show them
    # east: A1 100 + 150 and A2 50 = 300 of 550 from o1, o2, o4; west (A3) has 200
    assert "**East** is the largest region: 54.5% of revenue (300 from 3 orders)" in en
    assert "9.1% of revenue (50) comes from orders with no region" in en
    assert "Best month: 2024-03 with 360." in en
    assert "2024年1月至2024年3月共6笔订单，销售额合计550。" in zh
    assert "**华东**是销售额最大的区域：占总销售额的54.5%（300，3笔订单）" in zh
    assert "销售额最高的月份是2024年3月（360）" in zh


def test_findings_compare_the_last_twelve_months():
    months = pd.date_range("2023-01-01", periods=24, freq="MS")
    monthly = pd.DataFrame({"month": months, "revenue": [100.0] * 12 + [125.0] * 12, "orders": 1})
    regions = pd.DataFrame({"region": ["east"], "revenue": [2700.0], "orders": [24], "share": [1.0]})
    assert "1,500, 25.0% more than the 12 months before" in ov.readings.findings(regions, monthly, lang="en")
    assert "比此前12个月增长25.0%" in ov.readings.findings(regions, monthly, lang="zh")
    monthly["revenue"] = [125.0] * 12 + [100.0] * 12
    assert "20.0% less" in ov.readings.findings(regions, monthly, lang="en")


def test_findings_without_revenue():
    empty = pd.DataFrame({"region": [], "revenue": [], "orders": [], "share": []})
    monthly = pd.DataFrame({"month": pd.to_datetime([]), "revenue": [], "orders": []})
    assert "no revenue" in ov.readings.findings(empty, monthly, lang="en")


def test_findings_checks_lang(tiny_ds):
    with pytest.raises(ConfigError, match="lang must be one of"):
        ov.readings.findings(ov.revenue_by(tiny_ds), ov.revenue_by_month(tiny_ds), lang="fr")


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [(980, "en", "980"), (45_000, "en", "45K"), (12_345_678, "en", "12.3M"), (2.5e9, "en", "2.50B"),
     (980, "zh", "980"), (45_000, "zh", "4.5万"), (12_345_678, "zh", "1,234.6万"), (3.2e8, "zh", "3.20亿")],
)
def test_format_money(value, lang, text):
    assert kamlib.i18n.format_money(value, lang) == text


def test_findings_on_the_sample_recomputed_from_the_orders():
    """Every figure of the closing list, recomputed from the orders and written as kamlib.i18n writes it."""
    from kamlib import i18n

    ds = kamlib.data.load()
    orders = ds.table("orders").merge(ds.table("accounts")[["account_id", "region"]], on="account_id", how="left")
    groups, monthly = ov.sections.revenue_by_group(ds), ov.sections.revenue_per_month(ds)
    lines = ov.sections.what_this_means(groups, monthly, lang="zh").items[0].splitlines()
    month = orders["order_date"].dt.to_period("M")
    per_month = orders.groupby(month)["revenue"].sum()
    per_region = orders.groupby("region")["revenue"].agg(["sum", "size"]).sort_values("sum", ascending=False)
    total = orders["revenue"].sum()
    last12, before = per_month.iloc[-12:].sum(), per_month.iloc[-24:-12].sum()
    assert lines == ["- " + line for line in [
        i18n.t("text.total_revenue", "zh", total=i18n.format_money(total, "zh"), orders=i18n.format_count(len(orders)),
               first="2023年1月", last="2025年12月"),
        i18n.t("text.largest_group", "zh", name=i18n.value_label("region", per_region.index[0], "zh"), group="区域", share=i18n.format_percent(per_region["sum"].iloc[0] / total, decimals=1),
               revenue=i18n.format_money(per_region["sum"].iloc[0], "zh"), orders=i18n.format_count(per_region["size"].iloc[0])),
        i18n.t("text.top_groups", "zh", n=3, group="区域", share=i18n.format_percent(per_region["sum"].head(3).sum() / total, decimals=1)),
        i18n.t("text.best_month", "zh", month=i18n.format_month(per_month.idxmax().to_timestamp(), "zh"),
               revenue=i18n.format_money(per_month.max(), "zh")),
        i18n.t("text.trend_down" if last12 < before else "text.trend_up", "zh",
               change=i18n.format_percent(abs(last12 / before - 1), decimals=1), revenue=i18n.format_money(last12, "zh")),
    ]]
