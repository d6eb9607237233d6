"""kamlib.winloss.sections: what each section of the win/loss notebook holds, on the
embedded sample and on data that lacks what a section needs; and the notebook stays thin."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import chi2_contingency

import kamlib.data
import kamlib.errors
import kamlib.plots
import kamlib.winloss as wl
from kamlib import i18n
from kamlib.i18n import (
    format_count,
    format_days,
    format_money,
    format_month,
    format_number,
    format_percent,
)
from kamlib.sections import Figure, Page, Section, Table
from kamlib.winloss import plots as charts
from kamlib.winloss import sections
from kamlib.winloss.readings import reading

BY = "product_name"
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "04_win_loss_analysis.ipynb"


@pytest.fixture(scope="module")
def ds():
    return kamlib.data.load()


@pytest.fixture(scope="module")
def opps(ds):
    return wl.load_opportunities(ds)


def draws(section: Section) -> list[Callable]:
    return [item.draw for item in section.items if isinstance(item, Figure)]


def frame(section: Section, stem: str) -> pd.DataFrame:
    return section.saved[stem].frame


# ------------------------------------------------------------------ on the sample
def _rates_readings(rates: pd.DataFrame, by: str) -> list[str]:
    return [reading("win_rates", rates, lang="zh", by=by), reading("test", wl.difference_test(rates), lang="zh")]


def test_win_rates(opps):
    section = sections.win_rates(opps, by=BY, level=0.9, lang="zh")
    rates = frame(section, f"win_rates_by_{BY}")
    assert list(section.saved) == [f"win_rates_by_{BY}"]
    assert section.findings == _rates_readings(rates, BY) and all(section.findings)
    assert section.items[0] == "".join(section.findings)  # Chinese sentences follow one another without a space
    assert rates.attrs["level"] == 0.9
    assert draws(section) == [charts.plot_win_rates]
    assert section.items[-1].size == (8, 1.2 + 0.28 * len(rates))


def test_win_rates_by_source_is_a_part_without_heading_or_finding(opps):
    section = sections.win_rates_by_source(opps, by=BY, lang="zh")
    assert section.title is None and section.findings == []
    assert list(section.saved) == ["win_rates_by_source"]
    assert section.items[0] == "".join(_rates_readings(frame(section, "win_rates_by_source"), "source"))
    assert draws(section) == [charts.plot_win_rates]
    # the groups already are sources, or there are no sources: nothing to add
    assert not sections.win_rates_by_source(opps, by="source").shows_anything
    assert not sections.win_rates_by_source(opps.drop(columns="source"), by=BY).shows_anything


def test_loss_reasons_table_and_heat_map(opps):
    section = sections.loss_reasons(opps, by=BY, lang="en")
    assert list(section.saved) == [f"loss_reasons_by_{BY}", f"loss_table_by_{BY}"]
    assert section.findings == [reading("loss_table", frame(section, f"loss_reasons_by_{BY}"), lang="en", by=BY)]
    shown = section.items[1].frame
    assert "Price" in shown.columns and "Price" in frame(section, f"loss_table_by_{BY}").columns
    saved_zh = frame(sections.loss_reasons(opps, by=BY, lang="zh"), f"loss_table_by_{BY}")
    assert i18n.t("loss_reason.price", "zh") in saved_zh.columns and "price" not in saved_zh.columns
    assert shown.iloc[-1, 0] == "Total"
    assert draws(section) == [charts.plot_loss_heatmap]


def test_loss_pareto_is_a_part_of_the_loss_reasons(opps):
    section = sections.loss_pareto(opps, lang="zh")
    assert (section.title, section.level) == ("title.wl_pareto", 3)
    assert section.findings == [reading("pareto", frame(section, "loss_reason_pareto"), lang="zh")]
    assert draws(section) == [charts.plot_pareto]


ONE_READING = [
    # builder, saved tables, (kind, saved table — or result — the reading reads, by), charts
    (lambda ds, opps: sections.addressable_losses(opps, lang="zh"),
     ["addressable_losses_by_rep", "addressable_losses_by_product"],
     ("addressable", "addressable_losses_by_rep", "rep_id"), [kamlib.plots.plot_bar]),
    (lambda ds, opps: sections.competitors(opps, lang="zh"),
     ["competitors", "competitors_by_product_name", "competitors_by_region"],
     ("competitors", "competitors", None), [kamlib.plots.plot_bar]),
    (lambda ds, opps: sections.cycle_times(opps, lang="zh"), ["cycle_times"], ("cycle", "overall", None),
     [kamlib.plots.plot_bar]),
    (lambda ds, opps: sections.buying_process(opps, lang="zh"), ["funnel"], ("funnel", "funnel", None),
     [charts.plot_funnel]),
    (lambda ds, opps: sections.showroom(ds, lang="zh"), ["showroom_kpis"], ("showroom", "showroom_kpis", None),
     [charts.plot_showroom_kpis]),
    (lambda ds, opps: sections.won_sources(opps, lang="zh"), ["won_sources"], ("sources", "won_sources", None),
     [kamlib.plots.plot_bar]),
]


@pytest.mark.parametrize(("build", "saved", "read", "charted"), ONE_READING,
                         ids=["addressable", "competitors", "cycle", "funnel", "showroom", "sources"])
def test_sections_with_one_reading(ds, opps, build, saved, read, charted):
    section = build(ds, opps)
    kind, stem, by = read
    assert list(section.saved) == saved
    table = frame(section, stem) if stem in section.saved else section.results[stem]
    assert section.findings == [reading(kind, table, lang="zh", by=by)]
    assert section.items[0] == section.findings[0] and section.findings[0]
    assert draws(section) == charted


def test_addressable_and_sources_show_shares_as_percentages(opps):
    assert sections.addressable_losses(opps).items[-1].percent == "x"
    assert sections.won_sources(opps).items[-1].percent == "y"


def test_rep_performance_joins_the_win_rates(ds, opps):
    section = sections.rep_performance(ds, opps, lang="en")
    performance = frame(section, "rep_performance")
    assert {"performance", "closed", "win_rate"} <= set(performance.columns)
    assert section.findings == [reading("reps", wl.performance_mix(performance), lang="en")]
    assert draws(section) == [charts.plot_performance_mix]
    alone = frame(sections.rep_performance(ds, None), "rep_performance")
    assert "win_rate" not in alone.columns


def test_win_probability(opps):
    section = sections.win_probability(opps, lang="en")
    assert list(section.saved) == ["win_probability", "backtest_calibration", "weighted_pipeline"]
    assert section.findings == [reading("pipeline", frame(section, "win_probability"), lang="en"),
                                reading("backtest", section.results["scores"], lang="en")]
    tables = [item.frame for item in section.items if isinstance(item, Table)]
    assert len(tables) == 3 and len(tables[0]) == 10
    assert tables[0]["probability"].is_monotonic_decreasing
    assert draws(section) == [charts.plot_calibration]


# ---------------------------------------------------------- data that lacks something
@pytest.mark.parametrize(("drop", "build", "missing"), [
    ("loss_reason", lambda o: sections.loss_reasons(o, by=BY), "opportunities.loss_reason"),
    ("loss_reason", lambda o: sections.addressable_losses(o), "opportunities.loss_reason"),
    ("competitor", lambda o: sections.competitors(o), "opportunities.competitor"),
    ("closed_date", lambda o: sections.cycle_times(o), "opportunities.closed_date"),
    ("stage", lambda o: sections.buying_process(o), "opportunities.stage"),
    ("source", lambda o: sections.won_sources(o), "opportunities.source"),
    (BY, lambda o: sections.win_rates(o, by=BY), f"opportunities.{BY}"),
    ("opportunity_id", lambda o: sections.win_probability(o), "opportunities.opportunity_id"),
])
def test_a_missing_column_is_named(opps, drop, build, missing):
    section = build(opps.drop(columns=drop))
    assert section.missing == missing
    assert section.title and not section.items and not section.saved and not section.findings


def test_no_opportunities_table(ds):
    assert sections.win_rates(None, by=BY).missing == "opportunities"
    assert sections.win_probability(None).missing == "opportunities"
    assert not sections.loss_pareto(None).shows_anything
    assert not sections.loss_pareto(pd.DataFrame({"status": ["lost"]})).shows_anything


def test_missing_tables_of_the_dataset(tmp_path):
    (tmp_path / "opportunities.csv").write_text("opportunity_id,status,product_id\no1,won,X\no2,lost,X\n",
                                                encoding="utf-8")
    (tmp_path / "reps.csv").write_text("rep_id,region\nR1,east\n", encoding="utf-8")
    small = kamlib.data.load(tmp_path)
    assert sections.showroom(small).missing == "showroom"
    assert sections.rep_performance(small).missing == "reps.target_met, reps.recognised"


def test_the_model_needs_ten_closed_deals_and_an_open_one(opps):
    assert sections.win_probability(opps.head(5)).missing == "opportunities (10+ closed deals)"
    closed = opps[opps["status"] != "open"]
    assert sections.win_probability(closed, lang="en").missing == "Open"
    assert sections.win_probability(closed, lang="zh").missing == "跟进中"


# ------------------------------------------------------------------------- the page
def test_page_shows_and_saves_built_sections(opps, tmp_path):
    shown: list = []
    page = Page(lang="en", output_dir=tmp_path, display=shown.append)
    rates = sections.win_rates(opps, by=BY)
    assert page.show(rates) is None  # a cell ending in page.show(…) has no Out[]
    assert len(shown) == 4  # heading, reading, table, chart
    assert type(shown[-1]).__name__ == "Figure"
    assert rates.results["rates"] is rates.saved[f"win_rates_by_{BY}"].frame
    page.show(sections.loss_pareto(opps))
    assert len(shown) == 7  # ### heading, reading, chart
    page.show(sections.win_rates_by_source(opps, by="source"))
    assert len(shown) == 7  # an empty part shows nothing
    page.show(sections.competitors(opps.drop(columns="competitor")))
    assert len(shown) == 9  # heading, "needs …"
    assert len(page.findings) == 3 and page.skipped == ["title.wl_competitors"]
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == sorted(
        f"{stem}.csv" for stem in (f"win_rates_by_{BY}", "loss_reason_pareto"))
    assert page.save_workbook() == page.workbook and page.workbook.parent == tmp_path


# ------------------------------------------------------------------ the notebook
def _code_cells() -> list[dict]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])]


def test_notebook_cells_are_short_and_plain():
    for cell in _code_cells():
        source = "".join(cell["source"])
        lines = [line for line in source.splitlines() if line.strip()]
        assert len(lines) <= 8, source
        tree = ast.parse(source)
        branches = (ast.If, ast.IfExp, ast.FunctionDef, ast.ClassDef, ast.For, ast.While)
        assert not [node for node in ast.walk(tree) if isinstance(node, branches)], source


def test_notebook_shows_every_section():
    source = "\n".join("".join(c["source"]) for c in _code_cells())
    for name in sections.__all__:
        if callable(getattr(sections, name)):
            called = re.search(rf"kam\.winloss\.sections\.{name}(\(|, )", source)  # directly or through explore
            assert called, name
    assert 'page.conclusions("text.wl_nothing")' in source


# --------------------------------------------- every sentence, recomputed from its table
# Each reading's figures are recomputed here from the table the section shows (or saves)
# and written with the formats of kamlib.i18n: the sentence must be exactly that.


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_win_rate_sentences_recomputed(opps, lang):
    section = sections.win_rates(opps, by=BY, level=0.9, lang=lang)
    rates = section.results["rates"]
    closed = rates[rates["closed"] > 0]
    assert closed["win_rate"].tolist() == pytest.approx((closed["won"] / closed["closed"]).tolist())
    tops = closed[closed["win_rate"] == closed["win_rate"].max()]  # groups tied for the best (8/15 = 16/30) …
    bottoms = closed[closed["win_rate"] == closed["win_rate"].min()]  # … or the worst rate: any of them may be named
    expected = {i18n.t("text.wl_win_rates_level", lang, overall=format_percent(closed["won"].sum() / closed["closed"].sum()),
                       closed=format_count(closed["closed"].sum()), best=best[BY], best_rate=format_percent(best["win_rate"]),
                       level="90%", low=format_percent(best["ci_low"]), high=format_percent(best["ci_high"]),
                       worst=worst[BY], worst_rate=format_percent(worst["win_rate"]))
                for _, best in tops.iterrows() for _, worst in bottoms.iterrows()}
    assert section.findings[0] in expected
    _, p_value, _, expected_counts = chi2_contingency(closed[["won", "lost"]].to_numpy(dtype=float))
    key = "text.wl_test_significant" if p_value < 0.05 else "text.wl_test_not_significant"
    shown_p = f"p = {p_value:.3f}" if p_value >= 0.001 else "p < 0.001"
    sentences = [i18n.t(key, lang, groups=format_count(len(closed)), p=shown_p, test=i18n.t("wl.chi_square", lang))]
    if (expected_counts < 5).any():  # small groups: the p-value is only rough, and the reader is told so
        sentences.append(i18n.t("text.wl_test_small", lang))
    assert section.findings[1] == i18n.join(sentences, lang, sentences=True)


def test_loss_reason_sentences_recomputed(opps):
    section = sections.loss_reasons(opps, by=BY, lang="zh")
    counts = section.results["counts"].iloc[:-1].set_index(BY)  # the shown matrix without its total row
    biggest = counts["total"].idxmax()
    reasons = counts.loc[biggest].drop(["total", "not_recorded"])
    expected = i18n.t("text.wl_top_reason", "zh", reason=i18n.value_label("loss_reason", reasons.idxmax(), "zh"),
                      group=biggest, share=format_percent(reasons.max() / counts.loc[biggest, "total"]),
                      lost=format_count(counts.loc[biggest, "total"]))
    assert section.findings == [expected]

    pareto = sections.loss_pareto(opps, lang="zh").results["pareto"]
    lost = opps[opps["status"] == "lost"]["loss_reason"].value_counts()
    lost["not_recorded"] = (opps["status"] == "lost").sum() - lost.sum()  # last: the losses without a reason
    assert pareto["lost"].tolist() == lost.tolist()
    n = min(3, int((lost.cumsum() / lost.sum() < 0.8).sum()) + 1)
    expected = i18n.t("text.wl_pareto", "zh", n=n, share=format_percent(lost.head(n).sum() / lost.sum()),
                      reasons="、".join(i18n.value_label("loss_reason", r, "zh") for r in lost.index[:n]))
    assert sections.loss_pareto(opps, lang="zh").findings == [expected]


def test_addressable_competitor_and_source_sentences_recomputed(opps):
    table = sections.addressable_losses(opps, lang="en").results["addressable"]
    top = table.loc[table["sales_side_share"].idxmax()]
    assert sections.addressable_losses(opps, lang="en").findings == [i18n.t(
        "text.wl_addressable", "en", share=format_percent(table["sales_side"].sum() / table["recorded"].sum()),
        group=top["rep_id"], top=format_percent(top["sales_side"] / top["recorded"]),
        none=format_percent(1 - table["recorded"].sum() / table["lost"].sum()))]

    rivals = sections.competitors(opps, lang="en").results["competitors"]
    named = opps[(opps["status"] == "lost") & opps["competitor"].notna()]["competitor"].value_counts()
    assert sections.competitors(opps, lang="en").findings == [i18n.t(
        "text.wl_competitor", "en", competitor=named.index[0], lost=format_count(named.iloc[0]),
        share=format_percent(named.iloc[0] / named.sum()))]
    assert rivals["lost"].sum() == named.sum()

    won = opps[opps["status"] == "won"]["source"].value_counts()
    assert won.index[0] == "referral"
    assert sections.won_sources(opps, lang="zh").findings == [i18n.t(
        "text.wl_sources_referral", "zh", share=format_percent(won["referral"] / won.sum()))]


def test_cycle_sentence_is_the_median_of_the_deals(opps):
    """The sentence says what the chart shows: the median days of the won and of the lost deals —
    not the median of the medians per stage (which differ on the sample)."""
    section = sections.cycle_times(opps, lang="en")
    closed = opps[opps["status"].isin(["won", "lost"])]
    days = (closed["closed_date"] - closed["created_date"]).dt.days
    median = days.groupby(closed["status"]).median()
    assert section.findings == [i18n.t("text.wl_cycle", "en", won=format_days(median["won"]), lost=format_days(median["lost"]))]
    charted = section.items[-1].args[0].set_index("status")["median_days"]
    assert charted.to_dict() == median.to_dict()
    per_stage = section.results["cycle"].groupby("status")["median_days"].median()
    assert per_stage["lost"] != median["lost"]  # what the sentence used to say


def test_cycle_reading_refuses_a_table_per_stage(opps):
    with pytest.raises(kamlib.errors.ConfigError, match="one row per status"):
        reading("cycle", wl.cycle_times(opps, by="stage"))


def test_days_in_a_sentence_keep_a_half_day():
    table = pd.DataFrame({"status": ["lost", "won"], "median_days": [35.5, 37.0]})
    assert reading("cycle", table, lang="zh") == "赢单商机从创建到关闭的天数中位数为37天，战败商机为35.5天。"


def test_funnel_showroom_reps_and_pipeline_sentences_recomputed(ds, opps):
    stages = sections.buying_process(opps, lang="zh").results["funnel"]
    leak = stages["conversion_rate"].idxmin()
    assert sections.buying_process(opps, lang="zh").findings == [i18n.t(
        "text.wl_funnel", "zh", a=i18n.value_label("stage", stages.loc[leak, "stage"], "zh"),
        b=i18n.value_label("stage", stages.loc[leak + 1, "stage"], "zh"),
        rate=format_percent(stages.loc[leak, "conversion_rate"]))]

    section = sections.showroom(ds, lang="zh")
    shown = section.items[1].frame  # the last 12 months, as the table shows them
    best = shown.loc[shown["close_rate"].idxmax()]
    assert section.findings == [i18n.t("text.wl_showroom", "zh", avg=format_percent(shown["close_rate"].mean()),
                                       month=format_month(best["month"], "zh"), rate=format_percent(best["close_rate"]))]

    mix = sections.rep_performance(ds, opps, lang="en").results["mix"].set_index("performance")
    reps = ds.table("reps")
    assert mix["reps"].sum() == len(reps)
    assert sections.rep_performance(ds, opps, lang="en").findings == [i18n.t(
        "text.wl_reps", "en", reps=format_count(len(reps)), high=format_percent(mix.loc["high", "reps"] / len(reps)),
        medium=format_percent(mix.loc["medium", "reps"] / len(reps)), low=format_percent(mix.loc["low", "reps"] / len(reps)))]

    section = sections.win_probability(opps, lang="en")
    scored = section.results["scored"]
    assert len(scored) == (opps["status"] == "open").sum()
    assert section.findings[0] == i18n.t("text.wl_pipeline", "en", deals=format_count(len(scored)),
                                         wins=format_number(scored["probability"].sum()),
                                         weighted=format_money((scored["amount"] * scored["probability"]).sum()))


def test_backtest_sentence_compares_what_it_shows(opps):
    section = sections.win_probability(opps, lang="en")
    scores = section.results["scores"]
    brier, base = f"{scores['brier']:.3f}", f"{scores['brier_base_rate']:.3f}"
    assert float(brier) < float(base)
    assert section.findings[1] == i18n.t("text.wl_backtest_better", "en", brier=brier, base=base,
                                         test=format_count(scores["test"]), train=format_count(scores["train"]))
    calibration = section.results["calibration"]
    assert calibration["deals"].sum() == scores["test"]
    # two scores that read the same are about the same, whichever is smaller unrounded
    for brier, base in [(0.24049, 0.23951), (0.23951, 0.24049)]:
        text = reading("backtest", {"brier": brier, "brier_base_rate": base, "test": 3723, "train": 23570}, lang="en")
        assert text.startswith("On the 3,723 newest closed deals the model's Brier score is 0.240, about the same as "
                               "the base rate alone (0.240)"), text
        assert "better" not in text and "23,570" in text
    worse = reading("backtest", {"brier": 0.25, "brier_base_rate": 0.24, "test": 9, "train": 21}, lang="zh")
    assert worse == i18n.t("text.wl_backtest_worse", "zh", brier="0.250", base="0.240", test=9, train=21)


def test_a_model_without_inputs_says_every_deal_gets_the_base_rate(opps):
    bare = opps.drop(columns=[c for c in wl.FEATURES if c in opps.columns])
    section = sections.win_probability(bare, lang="zh")
    assert section.results["scored"]["probability"].nunique() == 1  # the base rate, for every open deal
    assert section.results["scores"]["inputs"] == 0
    assert section.findings[1] == i18n.t("text.wl_backtest_no_inputs", "zh", inputs="来源、产品编号、区域、金额区间")
    assert "优于" not in section.findings[1]


def test_drivers_and_bands_are_labelled_in_the_report_language(opps):
    zh = sections.win_probability(opps, lang="zh")
    drivers = zh.results["scored"]["drivers"]
    assert drivers.str.contains(r"来源=转介绍 \(\+\d\.\d\d\)", regex=True).any()  # referrals raise the odds
    assert not drivers.str.contains(r"source=|product_id=|region=|amount_band=|, ").any()
    en = sections.win_probability(opps, lang="en").results["scored"]["drivers"]
    assert en.str.contains(r"Source=Referral \(\+\d\.\d\d\), Product=", regex=True).any()
    bands = zh.results["calibration"]["band"].tolist()
    assert len(bands) >= 4 and bands == ["0–20%", "20–40%", "40–60%", "60–80%", "80–100%"][: len(bands)]
    assert wl.analysis.amount_band_names("zh")["1M–3M"] == "100万–300万"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_drivers_name_products_by_their_names_from_the_products_table(ds, opps, lang):
    drivers = sections.win_probability(opps, lang=lang).results["scored"]["drivers"]
    product = i18n.header(["product_name"], lang)[0]
    named = drivers.str.extractall(rf"{product}=(?P<name>[^(]+) \(")["name"].unique()
    products = ds.table("products")
    assert len(named) > 0 and set(named) <= set(products["product_name"])
    assert not drivers.str.contains(rf"{i18n.header(['product_id'], lang)[0]}=|=P\d", regex=True).any()
    coded = sections.win_probability(opps.drop(columns="product_name"), lang=lang).results["scored"]["drivers"]
    codes = coded.str.extractall(rf"{i18n.header(['product_id'], lang)[0]}=(?P<code>\S+) \(")["code"].unique()
    assert len(codes) > 0 and set(codes) <= set(products["product_id"])  # without names, the codes


def test_rep_regions_are_labelled(ds, opps):
    shown = sections.rep_performance(ds, opps, lang="zh").items[1]
    assert shown.values["region"] == "region"


def test_a_lacking_section_names_what_it_needs_in_labels(opps):
    section = sections.loss_reasons(opps.drop(columns="loss_reason"), by=BY, lang="zh")
    assert section.missing == "opportunities.loss_reason"
    assert section.note == "本节需要商机表：战败原因，数据中没有，已跳过。"
    few = sections.win_probability(opps.head(5), lang="zh")
    assert few.note == "本节需要至少10个已关闭（赢单或战败）的商机，数据中没有，已跳过。"
