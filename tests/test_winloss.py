"""kamlib.winloss (analysis, model, readings): worked numbers on tiny hand-checked tables.

Rules from docs/win-loss.md (loss reasons, funnel stages, showroom KPIs, rep
performance). Every expected number below is computed by hand in the comment
next to it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kamlib.data
import kamlib.winloss as model
import kamlib.winloss as wl
from kamlib.errors import DataError
from kamlib.winloss import readings


def opps(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"opportunity_id": [f"o{i}" for i in range(n)], **columns})


# ----------------------------------------------------------------------- win rates
def test_win_rates_count_open_deals_but_rate_closed_ones():
    table = opps(status=["won", "won", "lost", "open", "open", "lost"], product_id=["X", "X", "X", "X", "Y", "Y"])
    rates = wl.win_rates(table, by="product_id").set_index("product_id")
    assert rates.loc["X", ["closed", "won", "lost", "open"]].tolist() == [3, 2, 1, 1]
    assert rates.loc["X", "win_rate"] == pytest.approx(2 / 3)
    assert rates.loc["Y", ["closed", "won", "open"]].tolist() == [1, 0, 1]
    assert rates.loc["Y", "win_rate"] == 0.0


def test_group_with_only_open_deals_has_no_rate():
    rates = wl.win_rates(opps(status=["open"], region=["east"]), by="region")
    assert rates["closed"].tolist() == [0] and math.isnan(rates["win_rate"][0]) and math.isnan(rates["ci_low"][0])


def test_win_rates_by_a_pair_of_columns_and_missing_group():
    table = opps(status=["won", "lost", "won"], product_id=["X", "X", "X"], region=["east", "west", None])
    rates = wl.win_rates(table, by=["product_id", "region"])
    assert len(rates) == 3 and rates["closed"].sum() == 3
    assert rates["region"].isna().sum() == 1


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(level):
    from statsmodels.stats.proportion import proportion_confint

    won = np.array([0, 1, 7, 10, 26, 448])
    closed = np.array([5, 1, 20, 10, 67, 1186])
    low, high = wl.wilson_interval(won, closed, level)
    ref_low, ref_high = proportion_confint(won, closed, alpha=1 - level, method="wilson")
    np.testing.assert_allclose(low, ref_low, rtol=0, atol=1e-9)
    np.testing.assert_allclose(high, ref_high, rtol=0, atol=1e-9)


def test_win_rates_intervals_match_statsmodels_on_sample():
    from statsmodels.stats.proportion import proportion_confint

    rates = wl.win_rates(kamlib.data.load().table("opportunities"), by="product_id", level=0.9)
    low, high = proportion_confint(rates["won"], rates["closed"], alpha=0.1, method="wilson")
    assert np.max(np.abs(rates["ci_low"] - low)) < 1e-9 and np.max(np.abs(rates["ci_high"] - high)) < 1e-9


def test_bad_level_is_refused():
    with pytest.raises(ValueError, match="level must be between 0 and 1, but 95 was passed"):
        wl.win_rates(opps(status=["won"], region=["e"]), by="region", level=95)


def test_missing_column_names_it_and_the_fix():
    with pytest.raises(DataError, match=r"win_rates: opportunities has no column 'region' \(columns: opportunity_id, status\)"):
        wl.win_rates(opps(status=["won"]), by="region")


def test_fisher_for_small_two_by_two():
    from scipy.stats import fisher_exact

    rates = pd.DataFrame({"won": [7, 2], "lost": [1, 6]})  # expected won in a row: 8*9/16 = 4.5 < 5
    result = wl.difference_test(rates)
    assert result.test == "fisher"
    assert result.p_value == pytest.approx(fisher_exact([[7, 1], [2, 6]])[1])


def test_chi_square_with_caveat_for_small_expected_counts():
    from scipy.stats import chi2_contingency

    rates = pd.DataFrame({"won": [30, 20, 1], "lost": [20, 30, 2]})
    result = wl.difference_test(rates)
    assert result.test == "chi_square" and result.dof == 2 and result.small_expected
    assert result.p_value == pytest.approx(chi2_contingency([[30, 20], [20, 30], [1, 2]])[1])
    assert "rough" in readings.reading("test", result, lang="en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_tiny_p_value_reads_below_one_in_a_thousand(lang):
    from scipy.stats import chi2_contingency

    rates = pd.DataFrame({"won": [90, 10], "lost": [10, 90]})
    assert chi2_contingency([[90, 10], [10, 90]])[1] < 1e-20  # printed with three decimals it would be 0.000
    sentence = readings.reading("test", wl.difference_test(rates), lang=lang)
    assert "p < 0.001" in sentence and "0.000" not in sentence


def test_no_test_for_one_group():
    assert wl.difference_test(pd.DataFrame({"won": [3], "lost": [1]})).test == "none"


# -------------------------------------------------------------------- loss reasons
CHINESE = {
    "品牌": "brand", "价格": "price", "外观": "exterior", "内饰": "interior", "配置": "configuration",
    "动力及操控": "power_handling", "质量": "quality", "态度不热情": "attitude", "服务不到位": "service",
    "报价不合理": "quote", "介绍不专业": "presentation", "跟进不及时": "follow_up", "承诺不兑现": "promise",
}


def test_chinese_reason_labels_map_to_canonical_codes():
    """The thirteen loss reasons of docs/win-loss.md#loss-reasons, as written in the source."""
    assert wl.canonical_reasons(pd.Series(list(CHINESE))).tolist() == list(CHINESE.values())


def test_english_labels_codes_and_spacing_map_too():
    values = pd.Series(["Price", "SLOW FOLLOW-UP", " follow_up ", "Power & handling", "报价"])
    assert wl.canonical_reasons(values).tolist() == ["price", "follow_up", "follow_up", "power_handling", "quote"]


def test_unknown_reasons_are_other_and_blank_is_not_recorded():
    values = pd.Series(["距离太远", "weather", "", "  ", None, pd.NA])
    assert wl.canonical_reasons(values).tolist() == ["other", "other"] + ["not_recorded"] * 4


LOSS_TABLE = opps(
    status=["lost"] * 9 + ["won"],
    product_id=["X"] * 5 + ["Y"] * 4 + ["X"],
    loss_reason=["价格", "price", "品牌", "距离太远", None, "price", "态度不热情", "attitude", "attitude", "price"],
)


def test_loss_table_worked_example():
    """X lost 5: price 2, brand 1, other 1, not recorded 1; Y lost 4: price 1, attitude 3."""
    long = wl.loss_reasons(LOSS_TABLE, by="product_id")
    cell = long.set_index(["product_id", "loss_reason"])
    assert cell.loc[("X", "price"), "lost"] == 2 and cell.loc[("X", "price"), "group_lost"] == 5
    assert cell.loc[("X", "price"), "share"] == pytest.approx(2 / 5)
    assert cell.loc[("X", "price"), "overall_share"] == pytest.approx(2 / 9)
    assert cell.loc[("X", "other"), "lost"] == 1 and cell.loc[("X", "not_recorded"), "lost"] == 1
    assert cell.loc[("Y", "attitude"), "share"] == pytest.approx(3 / 4)
    assert cell.loc[("Y", "attitude"), "cause"] == "salesperson"
    assert long["lost"].sum() == 9  # nothing dropped

    wide = wl.loss_matrix(long, by="product_id")
    assert wide.loc["X", "total"] == 5 and wide.loc["Y", "total"] == 4
    assert wide.loc["total", "price"] == 3 and wide.loc["total", "attitude"] == 3 and wide.loc["total", "total"] == 9
    assert "exterior" not in wide.columns  # a reason nobody lost to
    shares = wl.loss_matrix(long, by="product_id", value="share")
    assert shares.loc["total", "price"] == pytest.approx(3 / 9) and shares.loc["Y", "total"] == 1.0


def test_loss_table_reading_names_the_top_reason_of_the_biggest_group():
    long = wl.loss_reasons(LOSS_TABLE, by="product_id")
    # X has most losses (5); its top recorded reason is price, 2 of 5 = 40%.
    assert readings.reading("loss_table", long, lang="en", by="product_id") == (
        "**Price** is the top loss reason for **X**, 40% of its 5 losses."
    )
    assert readings.reading("loss_table", long, lang="zh", by="product_id") == "**价格**是**X**最主要的战败原因，占其5个战败商机的40%。"


def test_pareto_worked_example():
    pareto = wl.reason_pareto(LOSS_TABLE)
    assert pareto["loss_reason"].tolist() == ["price", "attitude", "brand", "other", "not_recorded"]
    assert pareto["lost"].tolist() == [3, 3, 1, 1, 1]
    assert pareto["cumulative_share"].tolist() == pytest.approx([3 / 9, 6 / 9, 7 / 9, 8 / 9, 1.0])


def test_addressable_losses_by_rep():
    table = opps(
        status=["lost"] * 5, rep_id=["R1", "R1", "R1", "R2", "R2"],
        loss_reason=["跟进不及时", "price", None, "service", "quote"],
    )
    out = wl.addressable_losses(table).set_index("rep_id")
    # R1: 3 lost, 2 with a reason, 1 sales-side (follow-up) -> 1/2; 1 of 3 not recorded.
    assert out.loc["R1", ["lost", "recorded", "sales_side"]].tolist() == [3, 2, 1]
    assert out.loc["R1", "sales_side_share"] == 0.5 and out.loc["R1", "not_recorded_share"] == pytest.approx(1 / 3)
    assert out.loc["R2", "sales_side_share"] == 1.0  # service and quote are both sales-side


# ---------------------------------------------------------------- competitors, cycle
def test_competitors_by_product_and_region():
    table = opps(
        status=["lost", "lost", "lost", "lost", "won"], competitor=["A", "A", "B", None, "A"],
        product_id=["X", "Y", "X", "X", "X"], region=["e", "e", "w", "e", "e"], amount=[10.0, 20.0, 30.0, 40.0, 50.0],
    )
    out = wl.competitors(table, by=["product_id"]).set_index(["competitor", "product_id"])
    assert out.loc[("A", "X"), "lost"] == 1 and out.loc[("A", "X"), "share"] == 0.5  # X: A 1, B 1
    assert out.loc[("A", "Y"), "share"] == 1.0
    assert wl.competitors(table, by="region").set_index(["competitor", "region"]).loc[("A", "e"), "amount"] == 30.0


def test_cycle_times_worked_example():
    day = pd.Timestamp("2024-01-01")
    table = opps(
        status=["won", "won", "won", "lost", "lost", "open"],
        created_date=[day] * 6,
        closed_date=[day + pd.Timedelta(days=d) for d in (10, 20, 60)] + [day + pd.Timedelta(days=5), day - pd.Timedelta(days=3), pd.NaT],
    )
    out = wl.cycle_times(table, by=None).set_index("status")
    assert out.loc["won", ["deals", "median_days", "mean_days"]].tolist() == [3, 20.0, 30.0]
    assert out.loc["lost", "deals"] == 1 and out.loc["lost", "excluded"] == 1  # closed before created
    assert "open" not in out.index


def test_funnel_worked_example():
    table = opps(
        status=["won", "won", "lost", "lost", "lost", "open", "lost"],
        stage=["commitment", "conviction", "no_interest", "strong_interest", "strong_interest", "low_interest", "bogus"],
    )
    out = wl.funnel(table).set_index("stage")
    # reached: a deal has reached its stage and every earlier one; won deals reached commitment.
    assert out["reached"].tolist() == [6, 5, 4, 2, 2]
    assert out["lost_here"].tolist() == [1, 0, 2, 0, 0]
    # closed deals reaching each stage: 5, 4, 4, 2, 2 -> conversion 4/5, 4/4, 2/4, 2/2.
    assert out["conversion_rate"].tolist()[:4] == pytest.approx([0.8, 1.0, 0.5, 1.0])
    assert out["lost_share"].tolist() == pytest.approx([1 / 3, 0, 2 / 3, 0, 0])
    assert wl.funnel(table).attrs["unknown_stage"] == 1
    assert "**Strong interest** to **Conviction**" in readings.reading("funnel", wl.funnel(table), lang="en")


def test_funnel_stage_names_are_a_parameter():
    table = opps(status=["won", "lost"], stage=["order", "lead"])
    assert wl.funnel(table, stages=["lead", "order"])["reached"].tolist() == [2, 1]


# ----------------------------------------------------------------------- showroom
def test_showroom_ratios_worked_example():
    """Jan 2023 of the sample: 321 traffic, 193 first visits, 100 records, 68 test drives,
    62 stayed 30 min, sales 16 showroom + 8 secondary + 5 wholesale = 29."""
    rooms = pd.DataFrame({
        "month": pd.to_datetime(["2023-01-01"]), "traffic": [321], "first_visits": [193], "records": [100],
        "test_drives": [68], "stay_30min": [62], "showroom_sales": [16], "secondary_sales": [8], "wholesale_sales": [5],
    }).astype({c: "Int64" for c in ("traffic", "first_visits", "records", "test_drives", "stay_30min",
                                     "showroom_sales", "secondary_sales", "wholesale_sales")})
    row = wl.showroom_kpis(rooms).iloc[0]
    assert row["daily_traffic"] == pytest.approx(321 / 31)
    assert row["total_sales"] == 29
    assert row["close_rate"] == pytest.approx(16 / 193)
    assert row["record_rate"] == pytest.approx(100 / 193)
    assert row["test_drive_rate"] == pytest.approx(68 / 193)
    assert row["stay_rate"] == pytest.approx(62 / 193)
    assert row["secondary_share"] == pytest.approx(8 / 29)
    assert row["wholesale_share"] == pytest.approx(5 / 29)
    assert row["showroom_retail_share"] == pytest.approx(16 / 29)
    assert row["note"] == ""


def test_months_as_text_from_read_csv_are_accepted(tmp_path):
    """A showroom CSV read with pandas.read_csv keeps its months as text ("2013-01")."""
    (tmp_path / "showroom.csv").write_text("month,traffic,first_visits,showroom_sales\n2013-02,280,70,7\n2013-01,310,62,9\n")
    kpis = wl.showroom_kpis(pd.read_csv(tmp_path / "showroom.csv"))
    assert kpis["month"].dt.strftime("%Y-%m").tolist() == ["2013-01", "2013-02"]
    assert kpis["daily_traffic"].tolist() == pytest.approx([310 / 31, 280 / 28])
    assert kpis["close_rate"].tolist() == pytest.approx([9 / 62, 7 / 70])


def test_a_month_that_names_no_month_is_an_error_naming_the_row():
    rooms = pd.DataFrame({"month": ["2013-01", "Jan?"], "traffic": [1, 2]})
    with pytest.raises(DataError, match=r"row 3 \('Jan\?'\)") as caught:
        wl.showroom_kpis(rooms)
    assert caught.value.column == "month" and caught.value.rows == (3,)


def test_daily_traffic_divides_by_days_open_where_given():
    """The source divides most months by a fixed 28 open days; an empty cell falls back to the calendar."""
    rooms = pd.DataFrame({"month": ["2013-01", "2013-03"], "traffic": [560, 620], "days_open": [28, None]})
    assert wl.showroom_kpis(rooms)["daily_traffic"].tolist() == pytest.approx([560 / 28, 620 / 31])


def test_source_january_retail_and_wholesale_shares():
    """January of the source's table: 63 showroom sales of 81 in total; the split of the other 18
    between secondary and wholesale outlets (12 + 6) is this test's own."""
    rooms = pd.DataFrame({"month": ["2013-01"], "showroom_sales": [63], "secondary_sales": [12], "wholesale_sales": [6]})
    row = wl.showroom_kpis(rooms).iloc[0]
    assert row["total_sales"] == 81
    assert row["showroom_retail_share"] == pytest.approx(63 / 81)
    assert row["wholesale_share"] == pytest.approx(6 / 81)
    assert row[["showroom_retail_share", "secondary_share", "wholesale_share"]].sum() == pytest.approx(1.0)


def test_zero_denominators_give_missing_values_and_a_note():
    rooms = pd.DataFrame({
        "month": pd.to_datetime(["2024-02-01"]), "first_visits": [0], "records": [3], "showroom_sales": [0],
        "secondary_sales": [0], "wholesale_sales": [0],
    }).astype({c: "Int64" for c in ("first_visits", "records", "showroom_sales", "secondary_sales", "wholesale_sales")})
    row = wl.showroom_kpis(rooms).iloc[0]
    assert math.isnan(row["close_rate"]) and math.isnan(row["record_rate"]) and math.isnan(row["secondary_share"])
    assert row["note"] == "first_visits = 0, total_sales = 0"
    assert "test_drive_rate" not in row.index  # its columns are absent: left out, not an error


# ---------------------------------------------------------------- sources and reps
def test_referral_share_of_won_deals():
    table = opps(status=["won", "won", "won", "won", "lost"], source=["referral", "referral", "showroom", "referral", "referral"])
    out = wl.won_sources(table)
    assert out.set_index("source")["share"].to_dict() == {"referral": 0.75, "showroom": 0.25}
    assert readings.reading("sources", out, lang="en").startswith("Referrals bring the most won deals: 75%")


def test_rep_performance_levels_and_mix():
    """docs/win-loss.md#rep-performance: target met and recognised -> high; one -> medium; neither -> low."""
    reps = pd.DataFrame({
        "rep_id": ["R1", "R2", "R3", "R4", "R5"],
        "target_met": pd.array([True, True, False, False, None], dtype="boolean"),
        "recognised": pd.array([True, False, True, False, True], dtype="boolean"),
    })
    out = wl.rep_performance(reps)
    assert out["performance"].astype(object).tolist()[:4] == ["high", "medium", "medium", "low"]
    assert pd.isna(out["performance"][4])  # unknown flag: no guess
    mix = wl.performance_mix(out).set_index("performance")
    assert mix["reps"].tolist() == [1, 2, 1] and mix.loc["medium", "survey_share"] == 0.47


# ----------------------------------------------------------------------- the model
def test_naive_bayes_worked_example():
    """won: ref, ref; lost: ref, web. Levels 2 + 1 unseen, alpha 1:
    P(ref|won) = 3/5, P(ref|lost) = 2/5 -> odds 1.5 -> p 0.6; P(web|won) = 1/5, P(web|lost) = 2/5 -> p 1/3;
    unseen value: 1/5 over 1/5 -> p 0.5; missing value: no step -> prior odds (3/3) -> 0.5."""
    history = pd.DataFrame({"status": ["won", "won", "lost", "lost"], "source": ["ref", "ref", "ref", "web"]})
    deals = pd.DataFrame({"opportunity_id": list("abcd"), "source": ["ref", "web", "fax", None], "amount": [100.0] * 4})
    out = model.win_probability(deals, history, features=["source"])
    assert out["probability"].tolist() == pytest.approx([0.6, 1 / 3, 0.5, 0.5])
    assert out["weighted_amount"].tolist() == pytest.approx([60, 100 / 3, 50, 50])
    assert out["drivers"][1] == "source=web (-0.69)"


def test_probabilities_are_clipped():
    history = pd.DataFrame({"status": ["won"] * 200 + ["lost"] * 2, "source": ["a"] * 200 + ["b"] * 2})
    out = model.win_probability(pd.DataFrame({"opportunity_id": ["x"], "source": ["a"]}), history, features=["source"], clip=0.05)
    assert out["probability"][0] == pytest.approx(0.95)


def test_backtest_and_pipeline_on_the_sample():
    table = wl.add_context(kamlib.data.load().table("opportunities"))
    scores, calibration = model.backtest(table)
    closed = int(table["status"].isin(["won", "lost"]).sum())
    assert scores["train"] + scores["test"] == closed
    assert 0 < scores["brier"] < 0.25 and calibration["deals"].sum() == scores["test"]
    open_deals = table[table["status"] == "open"]
    pipeline = model.weighted_pipeline(model.win_probability(open_deals, table), open_deals)
    assert pipeline["deals"].sum() == len(open_deals)
    assert pipeline["weighted_amount"].sum() < open_deals["amount"].sum()


def test_backtest_needs_ten_closed_deals():
    with pytest.raises(DataError, match="needs at least 10 closed deals, but found 2"):
        model.backtest(pd.DataFrame({"status": ["won", "lost"], "source": ["a", "b"]}))


# ----------------------------------------------------------------------- properties
statuses = st.lists(st.tuples(st.sampled_from(["won", "lost", "open"]), st.sampled_from(["X", "Y", "Z"]),
                              st.sampled_from(["价格", "price", "brand", "??", None])), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(statuses)
def test_properties_counts_add_up_and_order_does_not_matter(rows):
    table = opps(status=[r[0] for r in rows], product_id=[r[1] for r in rows], loss_reason=[r[2] for r in rows])
    rates = wl.win_rates(table, by="product_id")
    assert rates[["won", "lost", "open"]].to_numpy().sum() == len(table)
    shuffled = wl.win_rates(table.iloc[::-1], by="product_id")
    pd.testing.assert_frame_equal(rates, shuffled)
    long = wl.loss_reasons(table, by="product_id")
    assert long["lost"].sum() == (table["status"] == "lost").sum()
    sums = long.groupby("product_id")["share"].sum()
    assert np.allclose(sums[long.groupby("product_id")["group_lost"].first() > 0], 1.0)
    assert ((rates["ci_low"] <= rates["win_rate"]) | rates["win_rate"].isna()).all()


def test_win_rate_bars_accept_rates_on_the_end_of_their_interval():
    """A group that won every deal has rate 1 and an upper bound that rounds to just below 1."""
    import matplotlib.pyplot as plt

    from kamlib.winloss.plots import plot_win_rates

    rates = pd.DataFrame({"region": ["south", "east"], "closed": [3, 5], "win_rate": [1.0, 0.0],
                          "ci_low": [0.4385, 0.0], "ci_high": [1.0 - 1e-16, 0.4345]})
    ax = plot_win_rates(rates, by="region", lang="en")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["South", "East"]
    plt.close(ax.figure)


# ------------------------------------------------------- fast paths equal plain pandas
def _plain_status_counts(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    counts = table.groupby([*keys, "status"], observed=True, dropna=False).size().unstack("status")
    counts = counts.reindex(columns=["won", "lost", "open"], fill_value=0).fillna(0).astype("int64")
    counts.columns.name = None
    return counts


KEY_DTYPES = {
    "object": object, "string": pd.StringDtype("pyarrow"), "default": None,
    "category": pd.CategoricalDtype(["Z", "Y", "X", "unused"]),
}
rows_with_gaps = st.lists(st.tuples(st.sampled_from(["won", "lost", "open", "bogus", None]), st.sampled_from(["X", "Y", "Z", None]),
                                    st.sampled_from(["e", "w", None]), st.sampled_from(["价格", "price", "attitude", " ", None])),
                          min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(rows_with_gaps, st.sampled_from(sorted(KEY_DTYPES)))
def test_grouped_tables_match_plain_pandas_grouping(rows, dtype):
    """Grouping by integer codes gives the groups, their order and dtypes that pandas' groupby gives."""
    table = opps(status=[r[0] for r in rows], product_id=[r[1] for r in rows], region=[r[2] for r in rows],
                 loss_reason=[r[3] for r in rows])
    if KEY_DTYPES[dtype] is not None:
        table = table.astype({"product_id": KEY_DTYPES[dtype], "region": object if dtype == "category" else KEY_DTYPES[dtype]})
    for keys in (["product_id"], ["product_id", "region"]):
        expected = _plain_status_counts(table, keys).reset_index()
        pd.testing.assert_frame_equal(wl.win_rates(table, by=keys)[expected.columns].sort_values(keys, ignore_index=True),
                                      expected.sort_values(keys, ignore_index=True), check_exact=True)
    lost = table[table["status"] == "lost"].assign(loss_reason=lambda t: wl.canonical_reasons(t["loss_reason"]))
    long = wl.loss_reasons(table, by="product_id")
    plain = lost.groupby(["product_id", "loss_reason"], observed=True, dropna=False).size().rename("lost").reset_index()
    got = long.loc[long["lost"] > 0, ["product_id", "loss_reason", "lost"]]
    assert sorted(got.astype(object).map(str).to_numpy().tolist()) == sorted(plain.astype(object).map(str).to_numpy().tolist())
    by_rep = wl.addressable_losses(table.assign(rep_id=table["product_id"]))
    assert by_rep["lost"].sum() == len(lost) and by_rep["recorded"].sum() == (lost["loss_reason"] != "not_recorded").sum()


def test_grouping_by_two_columns_of_many_values():
    """Combinations too sparse to count in a table are renumbered by hashing: same result."""
    rng = np.random.default_rng(0)  # 1000 products × 1301 regions: 1.3 million possible pairs, 6000 rows
    table = opps(status=rng.choice(["won", "lost", "open"], 6000), product_id=[f"P{i}" for i in rng.integers(0, 1000, 6000)],
                 region=[f"R{i}" for i in rng.integers(0, 1301, 6000)])
    expected = _plain_status_counts(table, ["product_id", "region"]).reset_index()
    rates = wl.win_rates(table, by=["product_id", "region"])
    assert len(rates) == len(expected) > 1000
    pd.testing.assert_frame_equal(rates[expected.columns].sort_values(["product_id", "region"], ignore_index=True),
                                  expected.sort_values(["product_id", "region"], ignore_index=True), check_exact=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["won", "lost", "open"]), st.sampled_from(list(wl.STAGES) + [None]),
                          st.one_of(st.none(), st.integers(-5, 400))), min_size=1, max_size=80))
def test_cycle_statistics_match_pandas_groupby(rows):
    """Median, mean and quartiles from one sort of whole days equal pandas' per-group ones exactly."""
    day = pd.Timestamp("2024-01-01")
    table = opps(status=[r[0] for r in rows], stage=[r[1] for r in rows], created_date=[day] * len(rows),
                 closed_date=[pd.NaT if r[2] is None else day + pd.Timedelta(days=r[2]) for r in rows])
    out = wl.cycle_times(table).set_index(["status", "stage"])
    closed = table[table["status"].isin(["won", "lost"])]
    days = (closed["closed_date"] - closed["created_date"]).dt.days.astype("float64")
    grouped = closed.assign(days=days.where(days >= 0)).groupby(["status", "stage"], dropna=False)["days"]
    for column, values in {"deals": grouped.count(), "median_days": grouped.median(), "mean_days": grouped.mean(),
                           "p25_days": grouped.quantile(0.25), "p75_days": grouped.quantile(0.75)}.items():
        pd.testing.assert_series_equal(out[column].sort_index(), values.sort_index(), check_names=False, check_exact=True,
                                       check_index_type=False, check_dtype=False)
    assert out["excluded"].sum() == int((~(days >= 0)).sum())


@pytest.mark.parametrize("groups", [2, 3, 7])
def test_chi_square_is_scipys_to_the_last_digit(groups):
    """Same statistic and p-value as scipy.stats.chi2_contingency (Yates' correction for two groups)."""
    from scipy.stats import chi2_contingency

    rng = np.random.default_rng(groups)
    for _ in range(50):
        rates = pd.DataFrame({"won": rng.integers(5, 400, groups), "lost": rng.integers(5, 400, groups)})
        result = wl.difference_test(rates)
        statistic, p_value, dof, _ = chi2_contingency(rates[["won", "lost"]].to_numpy(dtype=float), correction=groups == 2)
        assert (result.test, result.statistic, result.p_value, result.dof) == ("chi_square", statistic, p_value, dof)


def test_drivers_name_the_largest_steps_of_each_deal():
    """Texts built once per combination of values equal the per-deal reading of the steps."""
    history = pd.DataFrame({"status": ["won", "won", "lost", "lost", "won", "lost"] * 3,
                            "source": ["ref", "ref", "web", "web", "fax", "ref"] * 3,
                            "region": ["e", "w", "e", "w", "e", "e"] * 3, "product_id": ["X"] * 18})
    deals = pd.DataFrame({"opportunity_id": list("abcdef"), "source": ["ref", "web", None, "tv", "fax", "ref"],
                          "region": ["w", "e", "e", None, "w", "e"], "product_id": ["X", "X", "Y", "X", None, "X"]})
    features = ["source", "region", "product_id"]
    model_table = model.fit_counts(history, features)
    for top in (1, 2, 3, 5):
        out = model.win_probability(deals, history, features=features, top=top)
        for i, deal in deals.iterrows():
            steps = []
            for feature in features:
                rows = model_table[model_table["feature"] == feature].set_index("value")
                value = deal[feature]
                step = 0.0 if pd.isna(value) else rows["log_ratio"].get(value, rows["unseen"].iloc[0])
                steps.append((feature, "–" if pd.isna(value) else value, step))
            ranked = sorted(steps, key=lambda s: -abs(s[2]))[:top]  # stable: ties keep the feature order
            expected = ", ".join(f"{f}={v} ({s:+.2f})" for f, v, s in ranked if s != 0)
            assert out["drivers"][i] == expected


def test_backtest_scores_as_win_probability_on_the_split():
    """The backtest's integer-code model gives exactly win_probability's numbers on the same split."""
    table = wl.add_context(kamlib.data.load().table("opportunities"))
    scores, calibration = model.backtest(table, alpha=0.5, clip=0.05)
    closed = table[table["status"].isin(["won", "lost"])]
    closed = closed.iloc[np.argsort(closed["closed_date"].to_numpy(), kind="stable")]
    cut = int(len(closed) * 0.7)
    train, test = closed.iloc[:cut], closed.iloc[cut:]
    scored = model.win_probability(test, train, top=0, alpha=0.5, clip=0.05)
    won = (test["status"] == "won").to_numpy(dtype=float)
    assert scores["brier"] == float(np.mean((scored["probability"].to_numpy() - won) ** 2))
    assert scores["brier_base_rate"] == float(np.mean(((train["status"] == "won").mean() - won) ** 2))
    pd.testing.assert_frame_equal(calibration, model.calibration(scored["probability"], pd.Series(won)), check_exact=True)
