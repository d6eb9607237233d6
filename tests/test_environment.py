"""kamlib.environment: quadrant boundaries, Ansoff on hand-built histories, SWOT/PEST, risk, objectives.

Rules from docs/environment.md: BCG split at relative share 1.0 and growth 10 % (value at the
split counts as high); Ansoff "new" = not sold before the period.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kamlib.environment as env
from kamlib.errors import ConfigError, DataError


def _market(our, leader, growth, names=("a",)):
    return pd.DataFrame({"segment": list(names), "market_size": [1000.0] * len(names), "our_sales": our,
                         "leader_sales": leader, "market_growth": growth})


# ---------------------------------------------------------------------------- BCG
@pytest.mark.parametrize(
    ("our", "leader", "growth", "quadrant"),
    [
        (100.0, 100.0, 0.10, "star"),  # share exactly 1.0 and growth exactly at the split: both high
        (100.0, 100.0, 0.0999, "cash_cow"),
        (99.0, 100.0, 0.10, "question_mark"),
        (99.0, 100.0, 0.05, "dog"),
    ],
)
def test_bcg_boundaries(our, leader, growth, quadrant):
    table = env.bcg_matrix(_market([our], [leader], [growth]), by="segment")
    assert table["quadrant"].tolist() == [quadrant]


def test_bcg_growth_from_years_counts_exactly_ten_percent_as_high():
    market = pd.DataFrame({"region": ["east", "east"], "year": [2024, 2025], "market_size": [100.0, 110.0],
                           "our_sales": [30.0, 40.0], "leader_sales": [40.0, 40.0]})
    table = env.bcg_matrix(market)  # 110 / 100 - 1 is 0.10000000000000009
    assert table["year"].tolist() == [2025]
    assert table["relative_share"].tolist() == [1.0]
    assert table["quadrant"].tolist() == ["star"]


def test_bcg_split_points_are_parameters():
    table = env.bcg_matrix(_market([100.0], [100.0], [0.10]), by="segment", share_split=1.5, growth_split=0.2)
    assert table["quadrant"].tolist() == ["dog"]


def _regions(leaders=None):
    """One segment in three regions; our sales 60 + 30 + 10 = 100."""
    market = pd.DataFrame({"segment": ["van"] * 3, "region": ["east", "west", "north"], "market_size": [500.0] * 3,
                           "our_sales": [60.0, 30.0, 10.0], "leader_sales": [50.0, 40.0, 30.0],
                           "market_growth": [0.05] * 3})
    return market if leaders is None else market.assign(leader=leaders)


def test_bcg_over_regions_does_not_add_up_different_leaders():
    """K leads east and west (50 + 40 = 90), M leads north (30): the segment's leader sells at least 90."""
    table = env.bcg_matrix(_regions(["K", "K", "M"]), by="segment")
    assert table["leader_sales"].tolist() == [90.0]
    assert table["leader_basis"].tolist() == ["named"]
    assert table["relative_share"].tolist() == [pytest.approx(100 / 90)]
    assert table.attrs["leader_bound"] == []


def test_bcg_over_regions_with_one_named_leader_everywhere_adds_its_sales():
    table = env.bcg_matrix(_regions(["K", "K", "K"]), by="segment")
    assert table["leader_sales"].tolist() == [120.0]


def test_bcg_over_regions_without_names_uses_the_largest_regional_leader_and_says_so():
    table = env.bcg_matrix(_regions(), by="segment")
    assert table["leader_sales"].tolist() == [50.0]  # not 50 + 40 + 30
    assert table["leader_basis"].tolist() == ["largest_row"]
    assert table.attrs["leader_bound"] == ["van"]
    one = env.bcg_matrix(_regions().iloc[:1], by="segment")
    assert one["leader_basis"].tolist() == ["one_row"] and one.attrs["leader_bound"] == []


def test_bcg_zero_competitor_sales_is_a_clear_message():
    with pytest.raises(DataError, match=r"leader_sales .* zero or missing for segment \['b'\].*division by zero"):
        env.bcg_matrix(_market([10.0, 5.0], [20.0, 0.0], [0.1, 0.1], names=("a", "b")), by="segment")


def test_bcg_without_leader_sales_or_growth():
    with pytest.raises(DataError, match="no leader_sales"):
        env.bcg_matrix(_market([10.0], [20.0], [0.1]).drop(columns="leader_sales"), by="segment")
    with pytest.raises(DataError, match="market growth is missing"):
        env.bcg_matrix(_market([10.0], [20.0], [0.1]).drop(columns="market_growth"), by="segment")


def test_bcg_unknown_year():
    market = _market([10.0], [20.0], [0.1]).assign(year=2025)
    with pytest.raises(DataError, match=r"year 2030 is not in the market table \(years: 2025\)"):
        env.bcg_matrix(market, by="segment", year=2030)


def test_bcg_on_the_sample_region():
    import kamlib.data

    market = env.in_region(kamlib.data.load().table("market"), "east")
    table = env.bcg_matrix(market, by="segment")
    assert len(table) == 10 and set(table["quadrant"]) <= set(env.BCG_QUADRANTS.values())
    assert table["our_sales"].is_monotonic_decreasing


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 100), st.floats(-0.5, 0.5))
def test_bcg_quadrant_matches_rule(share, growth):
    quadrant = env.bcg_matrix(_market([share * 10], [10.0], [growth]), by="segment")["quadrant"].iloc[0]
    assert quadrant == env.BCG_QUADRANTS[(round(share * 10 / 10, 9) >= 1.0, round(growth, 9) >= 0.10)]


# -------------------------------------------------------------------------- Ansoff
def _orders(rows):
    frame = pd.DataFrame(rows, columns=["account_id", "product_id", "order_date", "revenue"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    return frame


ACCOUNTS = pd.DataFrame({"account_id": ["A", "B", "C"], "region": ["east", "west", "east"],
                         "sector": ["grain", "grain", "postal"]})


def test_ansoff_hand_built_history():
    """2024 history: p1 sold to A (east, grain). 2025: each quadrant once."""
    orders = _orders([
        ("A", "p1", "2024-05-01", 100),
        ("A", "p1", "2025-02-01", 10),   # existing product, existing market → penetration
        ("A", "p2", "2025-03-01", 20),   # new product, existing market → product development
        ("B", "p1", "2025-04-01", 30),   # existing product, new market (west) → market development
        ("B", "p3", "2025-05-01", 40),   # new product, new market → diversification
        ("C", "p1", "2026-01-01", 999),  # after the period: ignored
    ])
    table = env.ansoff(orders, ACCOUNTS, as_of="2025-12-31", market="region")
    assert table["quadrant"].tolist() == list(env.ANSOFF_QUADRANTS.values())
    assert table["revenue"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert table["share"].tolist() == [0.1, 0.2, 0.3, 0.4]
    assert table["accounts"].tolist() == [1, 1, 1, 1]
    assert table["product_type"].tolist() == ["existing", "new", "existing", "new"]


def test_ansoff_market_can_be_sector_and_a_product_sold_in_the_period_stays_new():
    orders = _orders([("A", "p1", "2024-05-01", 100), ("C", "p2", "2025-02-01", 10), ("A", "p2", "2025-06-01", 5)])
    table = env.ansoff(orders, ACCOUNTS, as_of="2025-12-31", market="sector").set_index("quadrant")
    assert table.loc["diversification", "revenue"] == 10  # p2 new, postal new
    assert table.loc["product_development", "revenue"] == 5  # p2 is new all period long


def test_ansoff_start_region_and_unknown():
    orders = _orders([("A", "p1", "2025-01-15", 100), ("C", "p1", "2025-03-01", 50), ("Z", "p1", "2025-03-01", 7)])
    table = env.ansoff(orders, ACCOUNTS, as_of="2025-12-31", start="2025-02-01", market="region")
    assert table.set_index("quadrant").loc["market_penetration", "revenue"] == 50  # east sold in January
    assert table["quadrant"].tolist()[-1] == "unknown"  # account Z has no region
    east = env.ansoff(orders, ACCOUNTS, as_of="2025-12-31", start="2025-02-01", market="region", region="east")
    assert east["revenue"].sum() == 50 and "unknown" not in east["quadrant"].tolist()


def test_ansoff_empty_period_and_missing_columns():
    table = env.ansoff(_orders([("A", "p1", "2024-05-01", 100)]), ACCOUNTS, as_of="2025-12-31")
    assert table["revenue"].sum() == 0 and table["share"].isna().all()
    with pytest.raises(DataError, match="market='channel' is not a column of orders or accounts"):
        env.ansoff(_orders([]), ACCOUNTS, as_of="2025-12-31", market="channel")
    with pytest.raises(DataError, match="orders needs the column.*product_id"):
        env.ansoff(_orders([]).drop(columns="product_id"), ACCOUNTS, as_of="2025-12-31")


# -------------------------------------------------------------------- SWOT, PEST, risk
FACTORS = pd.DataFrame({
    "statement": ["s1", "s2", "w1", "o1", "o2", "t1", "t2"],
    "kind": ["S", "S", "W", "O", "O", "T", "T"],
    "category": ["company", "company", "suppliers", "economic", "political", "competitors", "local_custom"],
    "impact": [2, 5, 3, 3, 2, 5, None],
    "probability": [0.5, 0.9, 0.1, 0.5, 0.99, 0.49, 0.3],
})


def test_swot_ranked_by_impact():
    table = env.swot(FACTORS)
    assert table["statement"].tolist() == ["s2", "s1", "w1", "o1", "o2", "t1", "t2"]
    assert table["rank"].tolist() == [1, 2, 1, 1, 2, 1, 2]
    assert table["side"].tolist()[:3] == ["internal"] * 3


def test_pest_coverage_lists_every_category_and_the_extra_ones():
    table = env.pest_coverage(FACTORS).set_index("category")
    assert len(table) == 13 and table.loc["local_custom", "scope"] == "other"
    assert table.loc["company", ["entries", "strengths", "coverage"]].tolist() == [2, 2, "covered"]
    assert table.loc["religious", "coverage"] == "empty"


def test_risk_matrix_quadrants_at_the_splits():
    table = env.risk_matrix(FACTORS).set_index("statement")
    assert table.loc["o1", "quadrant"] == "act_now"  # impact 3 and probability 0.5: both at the split
    assert table.loc["o2", "quadrant"] == "monitor"
    assert table.loc["t1", "quadrant"] == "prepare"
    assert pd.isna(table.loc["t2", "quadrant"])  # no impact: not placed
    assert set(table.index) == {"o1", "o2", "t1", "t2"}


def test_risk_matrix_rejects_percentages():
    with pytest.raises(DataError, match="divide them by 100"):
        env.risk_matrix(FACTORS.assign(probability=FACTORS["probability"] * 100))


def test_read_factors_yaml_and_bad_kind(tmp_path):
    path = tmp_path / "f.yml"
    path.write_text("factors:\n  - statement: 新政策\n    kind: o\n    impact: 4\n    probability: 0.7\n", encoding="utf-8")
    table = env.read_factors(path)
    assert table["kind"].tolist() == ["O"] and table["impact"].tolist() == [4.0]
    path.write_text("- statement: x\n  kind: P\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kind must be S, W, O or T, but found \['P'\]"):
        env.read_factors(path)


def test_read_factors_reads_probabilities_and_impacts_as_people_write_them(tmp_path):
    """Percent strings, 高/中/低 and high/medium/low keep every factor in its quadrant."""
    path = tmp_path / "factors.csv"
    path.write_text("statement,kind,probability,impact\n"
                    "新政策,O,70%,高\n竞品降价,T,20 %,low\n渠道扩张,O,中,4\n汇率波动,T,,\n", encoding="utf-8")
    table = env.read_factors(path)
    assert table["probability"].tolist()[:3] == pytest.approx([0.7, 0.2, 0.5])
    assert table["impact"].tolist()[:3] == [5.0, 1.0, 4.0]
    assert table[["probability", "impact"]].iloc[3].isna().all()  # empty cells: unrated, as written
    quadrants = env.risk_matrix(table).set_index("statement")["quadrant"]
    assert quadrants.dropna().astype(str).to_dict() == {"新政策": "act_now", "渠道扩张": "act_now", "竞品降价": "ignore"}


@pytest.mark.parametrize(("cells", "expected"), [
    (["0.7", "0.25", "1"], [0.7, 0.25, 1.0]),  # every bare number within 0–1: fractions
    (["70", "25", "1"], [0.7, 0.25, 0.01]),  # one above 1: every bare number is a percentage
    (["70", "0.5%"], [0.7, 0.005]),
])
def test_bare_probabilities_are_read_column_by_column(tmp_path, cells, expected):
    path = tmp_path / "factors.csv"
    path.write_text("statement,kind,probability\n" + "".join(f"f{i},O,{c}\n" for i, c in enumerate(cells)))
    assert env.read_factors(path)["probability"].tolist() == pytest.approx(expected)


@pytest.mark.parametrize(("column", "cells", "row", "message"), [
    ("probability", ["0.3", "likely"], 3, "are not a probability"),
    ("probability", ["70", "0.5"], 3, "fractions in a column of percentages"),
    ("probability", ["120%", "0.3"], 2, "outside 0–100"),
    ("impact", ["4", "很大"], 3, "are not an impact rating"),
])
def test_unreadable_rating_names_file_row_column_and_fix(tmp_path, column, cells, row, message):
    path = tmp_path / "my_factors.csv"
    path.write_text(f"statement,kind,{column}\n" + "".join(f"f{i},T,{c}\n" for i, c in enumerate(cells)),
                    encoding="utf-8")
    with pytest.raises(DataError, match=message) as caught:
        env.read_factors(path)
    error = caught.value
    assert (error.source, error.column, error.rows) == ("my_factors.csv", column, (row,))
    assert f"row {row} ({cells[row - 2]!r})" in str(error) and "Write " in str(error)


def test_read_factors_yaml_counts_entries_from_one(tmp_path):
    path = tmp_path / "f.yml"
    path.write_text("- {statement: a, kind: O, probability: 0.6}\n- {statement: b, kind: O, probability: 也许}\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as caught:
        env.read_factors(path)
    assert caught.value.rows == (2,)


# ------------------------------------------------------------------------- objectives
def test_objectives_check_flags(tmp_path):
    path = tmp_path / "objectives.yml"
    path.write_text(
        "objectives:\n"
        "  - {goal: sales east, kind: profit, rank: 1, metric: revenue, target: 300, due: 2026-12-31, region: east}\n"
        "  - {goal: share east, kind: share, rank: 2, metric: market_share, target: 50, unit: '%', due: 2026-12-31, region: east}\n"
        "  - {goal: big, kind: profit, rank: 3, metric: revenue, target: 2000, due: 2025-06-30, region: west}\n"
        "  - {goal: brand, kind: brand, metric: brand_awareness, due: someday}\n",
        encoding="utf-8",
    )
    market = pd.DataFrame({"region": ["east", "west"], "market_size": [1000.0, 1000.0], "our_sales": [1.0, 1.0]})
    checked = env.check_objectives(env.read_objectives(path), market=market, as_of="2025-12-31")
    issues = checked.groupby("goal", sort=False)["issue"].apply(list).to_dict()
    assert issues == {
        "sales east": ["targets_disagree"],  # 300 / 1000 = 30 % against a 50 % share target
        "share east": ["targets_disagree"],
        "big": ["past_due", "revenue_above_market"],
        "brand": ["not_quantified", "not_dated", "unranked"],
    }


def test_sample_objectives_file_is_checked():
    import kamlib.data

    path = env.objectives_file(None)
    checked = env.check_objectives(env.read_objectives(path), market=kamlib.data.load().table("market"),
                                   as_of="2025-12-31")
    flagged = set(checked.loc[checked["issue"] != "ok", "rank"])
    assert flagged == {4, 5, 6}
    assert {"share_above_market", "revenue_above_market", "not_dated", "not_quantified"} <= set(checked["issue"])


@pytest.mark.parametrize(("lang", "money"), [("en", "850.0M"), ("zh", "8.50亿")])
def test_objective_targets_read_as_written(tmp_path, lang, money):
    """Revenue 850,000,000 is money; a share of 0.23 is a fraction (23 %); 5 with unit % is 5 %; 120 with
    unit % is 120 %; 30 new accounts is a count; no target is a dash."""
    path = tmp_path / "objectives.yml"
    path.write_text(
        "objectives:\n"
        "  - {goal: sales, kind: profit, rank: 1, metric: revenue, target: 850000000, unit: CNY, due: 2026-12-31}\n"
        "  - {goal: share, kind: share, rank: 2, metric: market_share, target: 0.23, due: 2026-12-31}\n"
        "  - {goal: overdue, kind: risk, rank: 3, metric: overdue_rate, target: 5, unit: '%', due: 2026-12-31}\n"
        "  - {goal: typo, kind: share, rank: 4, metric: market_share, target: 120, unit: '%', due: 2026-12-31}\n"
        "  - {goal: new, kind: profit, rank: 5, metric: new_accounts, target: 30, due: 2026-12-31}\n"
        "  - {goal: brand, kind: brand, rank: 6, metric: brand_awareness, due: 2026-12-31}\n",
        encoding="utf-8",
    )
    checked = env.check_objectives(env.read_objectives(path)).drop_duplicates("goal")
    shown = dict(zip(checked["goal"], env.readings.objective_targets(checked, lang)))
    assert shown == {"sales": money, "share": "23%", "overdue": "5%", "typo": "120%", "new": "30", "brand": "–"}


def test_read_objectives_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        env.read_objectives(tmp_path / "none.yml")
    (tmp_path / "o.yml").write_text("goals: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'objectives:' list"):
        env.read_objectives(tmp_path / "o.yml")


# --------------------------------------------------------------------------- texts
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_findings_in_both_languages(tmp_path, lang):
    import matplotlib

    import kamlib.plots
    from kamlib.sections import Page

    shown = []
    page = Page(lang=lang, output_dir=tmp_path, display=shown.append)
    with matplotlib.rc_context():  # the sections draw their charts: after theme(), as in the notebook
        kamlib.plots.theme(lang)
        page.show(env.sections.swot(FACTORS, lang=lang))
        page.show(env.sections.risk(FACTORS, lang=lang))
    page.show(env.sections.swot(None, lang=lang))
    page.conclusions()
    text = shown[-1].data
    assert text.count("\n- ") == 2
    skipped = "- Skipped for lack of data: SWOT." if lang == "en" else "- 因缺少数据而跳过：SWOT分析。"
    assert text.splitlines()[-1] == skipped


def test_needs_on_an_orders_only_dataset(tmp_path):
    import kamlib.data

    (tmp_path / "orders.csv").write_text("account_id,order_date,revenue\nA,2025-01-01,5\n", encoding="utf-8")
    ds = kamlib.data.load(tmp_path)
    assert env.needs(ds, "bcg") == "market"
    assert env.needs(ds, "ansoff") == "orders (product_id); accounts (sector)"
    assert env.needs(ds, "risk") == "factors"
