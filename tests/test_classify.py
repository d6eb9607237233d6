"""Tests of kamlib.classify (grades, selection, prospects, readings).

Worked examples come from docs/classification.md (purchase-state grid; MAN qualification);
hypothesis checks the properties of the issue: one class per account, row-order
invariance, cumulative share non-decreasing to 1, monotone cut-offs, X > Y never
classified.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kamlib.churn.readings as churn_text
import kamlib.classify as cl
import kamlib.classify.readings as text
from kamlib.errors import ConfigError, DataError

GRID_YML = Path(__file__).resolve().parents[1] / "data" / "sample_config" / "grid.yml"
RANK = {"A": 0, "B": 1, "C": 2}

revenues = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=40)


def accounts_of(values) -> pd.DataFrame:
    return pd.DataFrame({"account_id": [f"a{i:02d}" for i in range(len(values))], "revenue": values})


# --------------------------------------------------------------------------- Pareto / ABC
def test_pareto_hand_checked():
    """Orders are summed per account: a 70, b 30, c 15, d 5 of 120 → 58 %, 83 %, 96 %, 100 %."""
    orders = pd.DataFrame({"account_id": ["a", "b", "a", "c", "d"], "revenue": [50.0, 30, 20, 15, 5]})
    out = cl.pareto_abc(orders)
    assert out["account_id"].tolist() == ["a", "b", "c", "d"]
    assert out["abc_class"].tolist() == ["A", "B", "C", "C"]
    assert out["abc_class"].cat.ordered
    assert cl.top_share(out, 0.25) == pytest.approx(70 / 120)
    assert cl.top_share(out, 0.5) == pytest.approx(100 / 120)


def test_pareto_ties_are_ordered_by_id():
    out = cl.pareto_abc(pd.DataFrame({"account_id": ["z", "y", "x"], "revenue": [10.0, 10.0, 10.0]}))
    assert out["account_id"].tolist() == ["x", "y", "z"]


def test_pareto_errors():
    with pytest.raises(ConfigError, match=r"cutoffs must be two shares 0 < A < B ≤ 1.*\(0.9, 0.8\)"):
        cl.pareto_abc(accounts_of([1.0]), cutoffs=(0.9, 0.8))
    with pytest.raises(DataError, match="must not be negative.*profit_segments"):
        cl.pareto_abc(accounts_of([1.0, -2.0]))
    with pytest.raises(DataError, match="has no column 'sales'"):
        cl.pareto_abc(accounts_of([1.0]), value="sales")


@settings(max_examples=60, deadline=None)
@given(values=revenues, seed=st.integers(0, 1000))
def test_pareto_properties(values, seed):
    """One class per account; row order does not matter; cumulative share rises to 1."""
    if sum(values) <= 0:
        return
    df = accounts_of(values)
    out = cl.pareto_abc(df)
    assert sorted(out["account_id"]) == sorted(df["account_id"]) and out["abc_class"].notna().all()
    shuffled = cl.pareto_abc(df.sample(frac=1, random_state=seed))
    pd.testing.assert_frame_equal(out, shuffled)
    assert (np.diff(out["cumulative_share"]) >= -1e-12).all()
    assert out["cumulative_share"].iloc[-1] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(values=revenues, a=st.floats(0.05, 0.9), step=st.floats(0.01, 0.09), raise_by=st.floats(0.0, 0.05))
def test_raising_cutoffs_never_lowers_a_class(values, a, step, raise_by):
    if sum(values) <= 0:
        return
    df = accounts_of(values)
    low = cl.pareto_abc(df, cutoffs=(a, a + step)).set_index("account_id")["abc_class"].map(RANK)
    high = cl.pareto_abc(df, cutoffs=(a + raise_by, min(1.0, a + step + raise_by))).set_index("account_id")[
        "abc_class"].map(RANK)
    assert (high.loc[low.index] <= low).all()


# --------------------------------------------------------------------------- XY grid
@pytest.mark.parametrize("cell, expected", [
    ((1, 4), "A"), ((0, 3), "A"), ((1, 3), "A"), ((4, 4), "A"), ((3, 4), "A"),
    ((2, 4), "B"), ((0, 2), "B"), ((0, 1), "C"), ((1, 2), "C"), ((1, 1), "C"),
    ((2, 3), "A"), ((3, 3), "A"), ((0, 4), "A"), ((2, 2), "B"), ((0, 0), "C"),
])
def test_grid_worked_examples(cell, expected):
    """docs/classification.md#purchase-state-grid: A = (1,4) (0,3) (1,3) (4,4) (3,4); B = (2,4) (0,2); C = (0,1) (1,2) (1,1);
    default completion (2,3) (3,3) (0,4) → A, (2,2) → B, (0,0) → C."""
    acc = pd.DataFrame({"account_id": ["x"], "purchase_level": [cell[0]], "capacity_level": [cell[1]]})
    assert cl.xy_grade(acc)["xy_class"].iloc[0] == expected


def test_grid_yaml_is_the_default_and_can_change_a_cell(tmp_path):
    assert cl.load_grid(GRID_YML) == cl.DEFAULT_GRID
    changed = tmp_path / "grid.yml"
    changed.write_text(GRID_YML.read_text(encoding="utf-8").replace("4: [A, A, B, A, A]", "4: [A, A, A, A, A]"),
                       encoding="utf-8")
    acc = pd.DataFrame({"account_id": ["x"], "purchase_level": [2], "capacity_level": [4]})
    assert cl.xy_grade(acc, changed)["xy_class"].iloc[0] == "A"


def test_grid_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"missing: \[\(0, 0\)\]"):
        cl.xy_grade(pd.DataFrame({"account_id": ["x"]}), {k: v for k, v in cl.DEFAULT_GRID.items() if k != (0, 0)})
    with pytest.raises(ConfigError, match=r"X > Y.*\[\(3, 1\)\]"):
        cl.xy_grade(pd.DataFrame({"account_id": ["x"]}), {**cl.DEFAULT_GRID, (3, 1): "A"})
    bad = tmp_path / "bad.yml"
    bad.write_text("rows: 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="could not read a grid"):
        cl.load_grid(bad)


def test_vip_is_a_class_of_its_own_and_missing_levels():
    """VIP (重量级客户) is an override and a fourth class, even with no purchases; missing levels are not classified."""
    acc = pd.DataFrame({"account_id": list("abcd"), "purchase_level": pd.array([0, None, 2, 1], dtype="Int64"),
                        "capacity_level": pd.array([0, None, 4, 4], dtype="Int64"), "vip": [True, True, True, False]})
    out = cl.xy_grade(acc)
    assert out["xy_class"].tolist() == ["VIP", "VIP", "VIP", "A"]
    assert list(out["xy_class"].cat.categories) == ["VIP", "A", "B", "C"]
    assert out["grid_class"].astype(object).tolist()[:3] == ["C", np.nan, "B"]
    assert out["check"].tolist() == ["ok", "no_levels", "ok", "ok"]
    assert cl.xy_grade(acc, vip_class=None)["xy_class"].astype(object).tolist() == ["C", np.nan, "B", "A"]
    with pytest.raises(ConfigError, match="vip_class must be a class name"):
        cl.xy_grade(acc, vip_class="")


def test_vip_counts_in_the_reading_and_its_own_box_in_the_grid():
    from kamlib.classify import plots, readings
    acc = pd.DataFrame({"account_id": list("abcde"), "purchase_level": [0, 1, 1, 1, 2],
                        "capacity_level": [0, 4, 4, 4, 4], "vip": [True, True, False, False, False]})
    graded = cl.xy_grade(acc)
    text = readings.reading("xy", graded, lang="en")
    assert text.startswith("2 accounts are VIP, 2 A, 1 B and 0 C")
    assert "X = 1, Y = 4 (2 accounts besides the VIPs)" in text
    assert readings.reading("xy", graded, lang="zh").startswith("重量级客户2个")
    ax = plots.plot_xy_grid(graded, cl.DEFAULT_GRID, lang="en")
    cell = [t.get_text() for t in ax.texts if t.get_position() == (1, 4)]
    assert cell == ["A\n2"]  # the VIP at (1, 4) is counted in the VIP box, not in its cell
    assert ax.texts[-1].get_text() == "VIP\n2"


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4), st.booleans()), min_size=1, max_size=30))
def test_x_above_y_never_classified(cells):
    acc = pd.DataFrame(cells, columns=["purchase_level", "capacity_level", "vip"])
    acc.insert(0, "account_id", [f"a{i}" for i in range(len(acc))])
    out = cl.xy_grade(acc)
    error = acc["purchase_level"] > acc["capacity_level"]
    assert out.loc[error.to_numpy(), "xy_class"].isna().all()
    assert (out.loc[error.to_numpy(), "check"] == "x_above_y").all()
    assert out.loc[~error.to_numpy(), "xy_class"].notna().all()


def test_levels_are_derived_from_revenue_and_demand():
    """Thresholds at the 20/40/60/80 % quantiles of demand (8, 16, 24, 32): revenue 40 > demand 30 → X > Y."""
    acc = pd.DataFrame({"account_id": list("abcde"), "annual_demand": [0.0, 10, 20, 30, 40]})
    orders = pd.DataFrame({"account_id": ["b", "d", "old"], "revenue": [15.0, 40.0, 99.0],
                           "order_date": pd.to_datetime(["2025-06-01", "2025-07-01", "2023-01-01"])})
    out = cl.xy_grade(acc, orders=orders, as_of="2025-12-31", quantiles=(0.2, 0.4, 0.6, 0.8))
    assert out["purchase_level"].tolist() == [0, 1, 0, 4, 0]
    assert out["capacity_level"].tolist() == [0, 1, 2, 3, 4]
    assert out["check"].tolist() == ["ok", "ok", "ok", "x_above_y", "ok"]
    assert out.attrs["derived"]


# --------------------------------------------------------------------------- portfolio, profit
def test_portfolio_median_split_and_missing():
    acc = pd.DataFrame({"account_id": list("abcde"), "potential": [1.0, 2, 3, 4, None],
                        "capability": [4.0, 1, 3, 2, 1]})
    out = cl.portfolio(acc)
    assert out.attrs["split"] == (2.5, 2.0)
    assert out["portfolio"].astype(object).tolist() == ["maintain", "harvest", "invest", "invest", np.nan]
    with pytest.raises(ConfigError, match="split must be 'median', 'mean' or a number"):
        cl.portfolio(acc, split="mode")


def test_whale_curve_rises_above_one_and_segments():
    """Profits 60, 30, 15, -5: the curve reaches 105 % and falls back to 100 %."""
    orders = pd.DataFrame({"account_id": ["a", "b", "c", "d", "a"], "revenue": [100.0, 80, 40, 10, 20],
                           "cost": [50.0, 50, 25, 15, 10]})
    out = cl.profit_segments(orders)
    assert out["profit"].tolist() == [60.0, 30.0, 15.0, -5.0]
    assert out["cumulative_profit_share"].tolist() == pytest.approx([0.6, 0.9, 1.05, 1.0])
    assert out["profit_segment"].tolist() == ["most_profitable", "second_profitable", "not_profitable", "loss_making"]


def test_profit_from_quantity_and_unit_cost_or_a_clear_error():
    orders = pd.DataFrame({"account_id": ["a", "b"], "revenue": [10.0, 10.0], "product_id": ["p", "q"],
                           "quantity": [1.0, 2.0]})
    products = pd.DataFrame({"product_id": ["p", "q"], "unit_cost": [4.0, 6.0]})
    assert cl.profit_segments(orders, products=products)["profit"].tolist() == [6.0, -2.0]
    with pytest.raises(DataError, match="orders have no 'cost'"):
        cl.profit_segments(orders[["account_id", "revenue"]])


# --------------------------------------------------------------------------- selection, white space, stages
def test_selection_weights_are_validated():
    acc = pd.DataFrame({"account_id": ["a"], "volume": [1.0]})
    for weights in ({"volume": -1}, {"volume": 0}, {"size": 1}):
        with pytest.raises(ConfigError, match="weights must map criteria"):
            cl.selection_score(acc, weights=weights)
    with pytest.raises(DataError, match="none of the weighted criteria"):
        cl.selection_score(pd.DataFrame({"account_id": ["a"]}))


def test_selection_criteria_derived_from_orders_products_visits():
    """Product p has margin 50 %, q 10 % (below the median 30 % → counted at half)."""
    acc = pd.DataFrame({"account_id": ["a", "b"], "relationship_stage": ["synergistic", "uncoupling"]})
    orders = pd.DataFrame({"account_id": ["a", "b", "b"], "order_date": pd.to_datetime(["2025-05-01"] * 3),
                           "revenue": [90.0, 100.0, 100.0], "product_id": ["p", "q", "q"], "quantity": [1.0, 1, 1]})
    products = pd.DataFrame({"product_id": ["p", "q"], "unit_price": [100.0, 100.0], "unit_cost": [50.0, 90.0]})
    visits = pd.DataFrame({"account_id": ["a", "a", "b"], "visit_date": pd.to_datetime(["2025-04-01"] * 3)})
    c = cl.selection_criteria(acc, orders=orders, products=products, visits=visits)
    assert c["volume"].tolist() == [90.0, 100.0]
    assert c["concentration"].tolist() == [90.0, 100.0]
    assert c["service_level"].tolist() == [2.0, 1.0]
    assert c["price_sensitivity"].tolist() == pytest.approx([0.1, 0.0])
    assert c["partnership"].tolist() == [4.0, 0.0]
    assert all(c.attrs["sources"].values())
    score = cl.selection_score(acc, orders=orders, products=products, visits=visits)
    # b wins volume, concentration and price sensitivity; a service and partnership: 60 vs 40 points
    assert score[["account_id", "ka_score", "rank"]].values.tolist() == [["b", 60.0, 1], ["a", 40.0, 2]]


def test_whitespace_and_family_split():
    acc = pd.DataFrame({"account_id": ["a", "b"], "annual_demand": [100.0, 40.0], "sector": ["s", "s"]})
    orders = pd.DataFrame({"account_id": ["a", "b", "b"], "order_date": pd.to_datetime(["2025-03-01"] * 3),
                           "revenue": [30.0, 20.0, 30.0], "product_id": ["p", "p", "q"]})
    products = pd.DataFrame({"product_id": ["p", "q"], "family": ["truck", "van"]})
    out = cl.whitespace(acc, orders, products=products)
    assert out[["account_id", "headroom"]].values.tolist() == [["a", 70.0], ["b", 0.0]]
    family = out.attrs["by_family"].set_index(["account_id", "family"])
    # sector mix: truck 50/80, van 30/80 → a expects 62.5 trucks (bought 30) and 37.5 vans (bought 0)
    assert family.loc[("a", "truck"), "headroom"] == pytest.approx(32.5)
    assert family.loc[("a", "van"), "headroom"] == pytest.approx(37.5)


sales = st.lists(st.tuples(st.sampled_from(["a", "b", "c", "x"]), st.integers(0, 500),
                          st.sampled_from([10.0, 0.1, 0.7, 1e6 / 3]), st.sampled_from(["p", "q", "r", "z"]),
                          st.sampled_from([1.0, 2.0, np.nan])), min_size=1, max_size=60)
SECTORS = {"a": "s", "b": "s", "c": "t", "d": None}
PRODUCTS = pd.DataFrame({"product_id": ["p", "q", "r"], "family": ["truck", "van", "van"],
                         "unit_price": [100.0, 50.0, 40.0], "unit_cost": [50.0, 45.0, 20.0]})


def sales_of(rows) -> pd.DataFrame:
    """Orders of a, b, c and x (not an account) for products p, q, r and z (not in the catalogue)."""
    orders = pd.DataFrame(rows, columns=["account_id", "day", "revenue", "product_id", "quantity"])
    orders["order_date"] = pd.Timestamp("2024-10-01") + pd.to_timedelta(orders.pop("day"), "D")
    return orders.astype({"account_id": "string", "product_id": "string"})


@given(sales, st.randoms())
@settings(max_examples=50, deadline=None)
def test_selection_criteria_match_plain_definitions(rows, rnd):
    orders = sales_of(rows)
    acc = pd.DataFrame({"account_id": list(SECTORS)})
    c = cl.selection_criteria(acc, orders=orders, products=PRODUCTS, as_of="2025-12-31").set_index("account_id")
    shuffled = orders.sample(frac=1.0, random_state=rnd.randint(0, 10**6))
    pd.testing.assert_frame_equal(c, cl.selection_criteria(acc, orders=shuffled, products=PRODUCTS,
                                                           as_of="2025-12-31").set_index("account_id"))
    window = orders[(orders["order_date"] > pd.Timestamp("2024-12-31")) & (orders["order_date"] <= pd.Timestamp("2025-12-31"))]
    catalogue = PRODUCTS.set_index("product_id")
    margin = (1 - catalogue["unit_cost"] / catalogue["unit_price"]).reindex(window["product_id"]).to_numpy()
    weighted = window["revenue"] * np.where(margin >= 0.5, 1.0, 0.5)  # median margin 50 %; unknown: low
    listed = window["quantity"] * catalogue["unit_price"].reindex(window["product_id"]).to_numpy()
    priced = listed.notna()
    by_account = {
        "volume": weighted.groupby(window["account_id"]).sum(),
        "concentration": window.groupby("account_id")["revenue"].mean(),
        "price_sensitivity": 1 - window["revenue"][priced].groupby(window["account_id"][priced]).sum()
        / listed[priced].groupby(window["account_id"][priced]).sum(),
    }
    for name, expected in by_account.items():
        assert c[name].tolist() == pytest.approx(expected.reindex(c.index).tolist(), nan_ok=True), name


def test_selection_criteria_with_a_product_missing_from_the_catalogue():
    """Product z is not in the catalogue: its revenue counts at the low-margin weight and has no list price."""
    orders = sales_of([("a", 400, 100.0, "p", 1.0), ("a", 401, 30.0, "z", 1.0)])
    c = cl.selection_criteria(pd.DataFrame({"account_id": ["a"]}), orders=orders, products=PRODUCTS)
    assert c[["volume", "concentration", "price_sensitivity"]].values.tolist() == [[115.0, 65.0, 0.0]]


def plain_family_split(acc, orders, products, potential):
    """Each account's potential split by its sector's family mix, merged with what it bought (12 months)."""
    window = orders[orders["order_date"] > orders["order_date"].max() - pd.DateOffset(months=12)]
    frame = window.assign(family=window["product_id"].map(products.set_index("product_id")["family"]),
                          peer=window["account_id"].map(acc.set_index("account_id")["sector"]))
    mix = frame.groupby(["peer", "family"])["revenue"].sum()
    mix = (mix / mix.groupby(level="peer").transform("sum")).rename("mix").reset_index()
    current = frame.groupby(["account_id", "family"])["revenue"].sum().rename("current").reset_index()
    base = pd.DataFrame({"account_id": acc["account_id"], "potential": potential, "peer": acc["sector"]})
    out = base.merge(mix, on="peer").merge(current, on=["account_id", "family"], how="left")
    out["current"] = out["current"].fillna(0.0)
    out["expected"] = out["potential"] * out["mix"]
    out["headroom"] = (out["expected"] - out["current"]).clip(lower=0)
    return out[["account_id", "family", "expected", "current", "headroom"]].sort_values(
        ["headroom", "account_id", "family"], ascending=[False, True, True], ignore_index=True)


@given(sales, st.lists(st.sampled_from([0.0, 5.0, 1e6, np.nan]), min_size=4, max_size=4), st.randoms())
@settings(max_examples=50, deadline=None)
def test_whitespace_family_split_matches_a_plain_merge(rows, demand, rnd):
    orders = sales_of(rows)
    acc = pd.DataFrame({"account_id": list(SECTORS), "sector": list(SECTORS.values()), "annual_demand": demand})
    out = cl.whitespace(acc, orders, products=PRODUCTS)
    family = out.attrs["by_family"]
    expected = plain_family_split(acc, orders, PRODUCTS, demand)
    pd.testing.assert_frame_equal(family, expected, check_dtype=False)
    shuffled = cl.whitespace(acc, orders.sample(frac=1.0, random_state=rnd.randint(0, 10**6)), products=PRODUCTS)
    pd.testing.assert_frame_equal(shuffled.attrs["by_family"], family)
    bought = cl.trailing_revenue(orders, as_of=orders["order_date"].max())
    assert out.set_index("account_id")["current"].tolist() == pytest.approx(
        bought.reindex(out["account_id"], fill_value=0.0).tolist())


def test_relationship_stages_from_column_and_indicators():
    acc = pd.DataFrame({"account_id": list("abc"), "relationship_stage": ["mid", "Synergistic", "friends"],
                        "region": ["e", "e", "w"]})
    out = cl.relationship_stages(acc)
    assert out["relationship_stage"].astype(object).tolist() == ["mid", "synergistic", np.nan]
    assert out.attrs["unknown"] == ["friends"]
    dist = cl.stage_distribution(out.assign(region=acc["region"]), by="region")
    east = dist[dist["region"] == "e"].set_index("relationship_stage")["share"]
    assert east["mid"] == 0.5 and east.sum() == 1.0
    scored = cl.relationship_stages(pd.DataFrame({"account_id": ["a", "b"], "trust": [1.0, 3.0],
                                                  "uncoupling": [True, False]}))
    assert scored["relationship_stage"].tolist() == ["uncoupling", "synergistic"]
    with pytest.raises(DataError, match="neither 'relationship_stage' nor any indicator"):
        cl.relationship_stages(pd.DataFrame({"account_id": ["a"]}))


# --------------------------------------------------------------------------- prospects
@pytest.mark.parametrize("m, a, n, combo, action", [
    (True, True, True, "MAN", "ideal_target"),
    (True, True, False, "MA", "skilled_selling"),
    (True, False, True, "MN", "find_authority"),
    (False, True, True, "AN", "check_credit"),
    (True, False, False, "M", "nurture"),
    (False, False, True, "N", "nurture"),
    (False, False, False, "none", "stop"),
])
def test_man_worked_examples(m, a, n, combo, action):
    """docs/classification.md#man-qualification: M+A+N ideal target; M+A winnable with skilled selling; M+N contact, find the
    person with authority; A+N contact, check credit, consider financing; one → nurture; none → stop."""
    out = cl.man_qualify(pd.DataFrame({"lead_id": ["x"], "money": [m], "authority": [a], "need": [n]}))
    assert (out["man"].iloc[0], out["action"].iloc[0]) == (combo, action)


def test_man_missing_flag_counts_as_not_established():
    leads = pd.DataFrame({"lead_id": ["x"], "money": pd.array([None], dtype="boolean"),
                          "authority": [True], "need": [True]})
    out = cl.man_qualify(leads)
    assert out["man"].iloc[0] == "AN" and out.attrs["unknown_flags"] == 1


def test_prospect_temperature_boundaries():
    """Within 1 week → hot, within 2 weeks → promising, later → potential (docs/classification.md#prospect-temperature)."""
    leads = pd.DataFrame({"lead_id": list("abcde"), "expected_close_date": pd.to_datetime(
        ["2025-06-08", "2025-06-09", "2025-06-15", "2025-06-16", None]), "importance": ["important"] * 5})
    out = cl.prospect_temperature(leads, today="2025-06-01")
    assert out["temperature"].astype(object).tolist() == ["hot", "promising", "promising", "potential", np.nan]
    assert out["importance"].cat.ordered
    with pytest.raises(ConfigError, match="hot_days < promising_days"):
        cl.prospect_temperature(leads, today="2025-06-01", hot_days=14, promising_days=7)


# --------------------------------------------------------------------------- readings
def test_readings_in_both_languages():
    abc = cl.pareto_abc(accounts_of([60.0, 20, 10, 5, 5]))
    assert "60%" in text.reading("pareto", abc, lang="en")
    assert "前20%的客户" in text.reading("pareto", abc, lang="zh")
    risk = pd.DataFrame({"account_id": ["a"], "revenue_at_risk": [1e6], "signals": ["overdue"], "overdue": [True]})
    assert "找到原因" not in churn_text.reading("risk", risk, lang="zh") and "超过惯常间隔未采购" in churn_text.reading("risk", risk, lang="zh")
    assert churn_text.at_risk(risk, lang="zh")["response"].iloc[0].startswith("上门拜访或致电")
