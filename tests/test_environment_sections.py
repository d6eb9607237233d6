"""kamlib.environment.sections: the sections of the environment notebook, on the sample and on
data lacking what they need, and shown on a page."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import kamlib.data
import kamlib.environment as env
import kamlib.plots
from kamlib import i18n
from kamlib.environment import plots as env_plots
from kamlib.environment import readings, sections
from kamlib.sections import Figure, Page, Section, Table

#: reading key of each section: (name of its saved table, the chart functions it shows, in order)
EXPECTED = {
    "market": ("market_overview", [kamlib.plots.plot_bar]),
    "bcg": ("bcg_matrix", [env_plots.plot_bcg]),
    "ansoff": ("ansoff", [env_plots.plot_ansoff]),
    "swot": ("swot", [env_plots.plot_swot]),
    "coverage": ("pest_checklist", [env_plots.plot_coverage]),
    "risk": ("risk_matrix", [env_plots.plot_risk, env_plots.plot_risk]),
    "objectives": ("objectives_check", []),
}
TITLES = {"market": "title.env_market", "bcg": "title.env_bcg", "ansoff": "title.env_ansoff",
          "swot": "title.env_swot", "coverage": "title.env_coverage", "risk": "title.env_risk",
          "objectives": "title.env_objectives"}


@pytest.fixture(scope="module")
def sample():
    return kamlib.data.load()


@pytest.fixture(scope="module")
def factors(sample):
    return env.factor_table(sample)


@pytest.fixture
def orders_only(tmp_path):
    """A dataset with two orders and nothing else."""
    folder = tmp_path / "orders_only"
    folder.mkdir()
    (folder / "orders.csv").write_text("account_id,order_date,revenue\nA,2025-01-01,5\nB,2025-02-01,7\n",
                                       encoding="utf-8")
    return kamlib.data.load(folder)


def build(name: str, ds, factors: pd.DataFrame | None, lang: str = "en", **options) -> Section:
    """Section *name* built as the notebook builds it (segments, latest year, all regions)."""
    as_of = env.last_day(ds)
    builders = {
        "market": lambda: sections.market(ds, by="segment", lang=lang, **options),
        "bcg": lambda: sections.bcg(ds, by="segment", lang=lang, **options),
        "ansoff": lambda: sections.ansoff(ds, as_of=as_of, market="sector", lang=lang, **options),
        "swot": lambda: sections.swot(factors, lang=lang),
        "coverage": lambda: sections.checklist(factors, lang=lang),
        "risk": lambda: sections.risk(factors, lang=lang, **options),
        "objectives": lambda: sections.objectives(ds, as_of=as_of, lang=lang, **options),
    }
    return builders[name]()


# ------------------------------------------------------------------------ on the sample
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(EXPECTED))
def test_sample_section_reads_its_saved_table(sample, factors, name, lang):
    section = build(name, sample, factors, lang)
    saved, charts = EXPECTED[name]
    assert section.title == TITLES[name] and section.level == 2 and section.missing is None
    assert list(section.saved) == [saved]
    assert [item.draw for item in section.items if isinstance(item, Figure)] == charts
    expected = readings.reading(name, section.saved[saved].frame, lang=lang, by="segment")
    assert section.findings == [expected] and expected
    assert expected in section.items  # shown under the table as well
    assert isinstance(section.items[0], str) and section.items[0] != expected  # the explanation comes first


def test_market_overview_table(sample):
    section = sections.market(sample, by="segment", lang="en")
    table = section.saved["market_overview"]
    assert {"year", "relative_share", "quadrant"}.isdisjoint(table.frame.columns)
    assert table.values == {"segment": "segment"}
    shown = next(item for item in section.items if isinstance(item, Table))
    assert shown.formats is None  # market growth is a share: styled shows it as a percentage, never -0.0%
    assert section.items[0] == i18n.t("text.env_explain_market_value", "en", group="segment", year=2025)
    assert section.items[-1].percent == "y" and section.items[-1].options["y"] == "market_share"


def test_market_of_one_region(sample):
    east = sections.market(sample, by="segment", region="east", year=2024).saved["market_overview"].frame
    market = sample.table("market")
    rows = market[(market["region"] == "east") & (market["year"] == 2024)]
    assert east["our_sales"].sum() == pytest.approx(rows["our_sales"].sum())


def test_bcg_rule_and_chart_follow_the_split_points(sample):
    section = sections.bcg(sample, by="segment", share_split=0.5, growth_split=0.2, lang="en")
    assert "share ≥ 0.5 is high, growth ≥ 20% is high" in section.items[0]
    assert section.items[-1].options == {"by": "segment", "share_split": 0.5, "growth_split": 0.2}
    shown = section.items[1]
    assert list(shown.frame.columns) == ["segment", "our_sales", "leader_sales", "relative_share", "market_growth",
                                         "quadrant"]
    assert shown.formats is None  # relative share as a ratio (0.39), market growth as a percentage
    assert section.results["bcg"]["quadrant"].tolist() == section.saved["bcg_matrix"].frame["quadrant"].tolist()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_risk_lists_what_to_act_on_now(factors, lang):
    section = sections.risk(factors, impact_split=4, probability_split=0.6, lang=lang)
    opportunity, threat = (item for item in section.items if isinstance(item, Figure))
    assert opportunity.options == {"matrix": "opportunity", "impact_split": 4, "probability_split": 0.6}
    assert threat.options["matrix"] == "threat"
    assert section.items[3] == "### " + i18n.t("title.env_act_now", lang)
    act_now = section.items[4].frame
    table = section.saved["risk_matrix"].frame
    assert "quadrant" not in act_now and len(act_now) == int((table["quadrant"] == "act_now").sum()) > 0


def test_objectives_without_a_file_say_where_it_was_looked_for(sample, tmp_path):
    missing = tmp_path / "objectives.yml"
    section = sections.objectives(sample, missing, lang="en")
    assert section.missing == str(missing) and not section.findings and not section.saved
    assert section.note == i18n.t("text.env_objectives_missing_file", "en", file=missing)
    assert sections.objectives(sample, data="my_data", lang="zh").note.startswith("在 objectives 没有找到目标文件")


def test_factor_table_from_the_data_or_a_file_limited_to_a_region(sample):
    from_data = env.factor_table(sample, region="east")
    from_file = env.factor_table(sample, kamlib.data.sample_dir() / "factors.csv", region="east")
    assert from_data["statement"].tolist() == from_file["statement"].tolist()
    assert set(from_data["region"].dropna()) == {"east"} and from_data["region"].isna().any()
    assert len(from_data) < len(env.factor_table(sample))


# ------------------------------------------------------------------- lacking data
@pytest.mark.parametrize(("name", "needs"), [
    ("market", "market"), ("bcg", "market"), ("ansoff", "orders (product_id); accounts (sector)"),
    ("swot", "factors"), ("coverage", "factors"), ("risk", "factors")])
def test_orders_only_lacks(orders_only, name, needs):
    assert env.factor_table(orders_only) is None
    section = build(name, orders_only, None)
    assert (section.title, section.missing, section.items, section.findings) == (TITLES[name], needs, [], [])


@pytest.mark.parametrize(("name", "dropped", "needs"), [
    ("swot", ["kind"], "factors (kind)"),
    ("coverage", ["category"], "factors (category)"),
    ("risk", ["impact", "probability"], "factors (impact, probability)"),
    ("risk", ["probability"], "factors (probability)")])
def test_factors_lacking_a_column(sample, factors, name, dropped, needs):
    section = build(name, sample, factors.drop(columns=dropped))
    assert (section.title, section.missing) == (TITLES[name], needs)


@pytest.mark.parametrize("name", ["market", "bcg"])
def test_market_without_the_leader_sales(tmp_path, name):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "market.csv").write_text("segment,year,market_size,our_sales\ntractor,2025,100,20\n", encoding="utf-8")
    assert build(name, kamlib.data.load(folder), None).missing == "market (leader_sales)"


# --------------------------------------------------------------------------- on a page
def _kind(output) -> str:
    return {"Markdown": "text", "Styler": "table", "Figure": "figure"}[type(output).__name__]


def _expected_kinds(section: Section) -> list[str]:
    kinds = {str: "text", Table: "table", Figure: "figure"}
    return ["text"] + [kinds[type(item)] for item in section.items]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_shows_the_sample_and_its_conclusions(sample, factors, tmp_path, lang):
    shown: list = []
    page = Page(lang=lang, output_dir=tmp_path, display=shown.append)
    built = [build(name, sample, factors, lang) for name in EXPECTED]
    with matplotlib.rc_context():  # draw as the notebook does, after theme(), and leave no settings behind
        kamlib.plots.theme(lang)
        for section in built:
            page.show(section)
    page.conclusions("text.nothing_to_read")
    assert [_kind(o) for o in shown] == [k for s in built for k in _expected_kinds(s)] + ["text", "text"]
    assert shown[-2].data == f"## {i18n.t('title.what_this_means', lang)}"
    assert shown[-1].data == "\n".join(f"- {s.findings[0]}" for s in built)
    assert sum(_kind(o) == "figure" for o in shown) == 7
    assert {f"{saved}.csv" for saved, _ in EXPECTED.values()} <= {p.name for p in Path(tmp_path, "tables").iterdir()}


@pytest.mark.parametrize(("lang", "skipped"), [
    ("en", ("- Skipped for lack of data: Market overview, BCG growth–share matrix, Ansoff matrix: where revenue "
            "comes from, SWOT, PEST and micro-environment checklist, Opportunity and threat matrices, "
            "Objectives check.")),
    ("zh", ("- 因缺少数据而跳过：市场概况、波士顿矩阵、安索夫矩阵：销售额从哪里来、SWOT分析、PEST与微观环境检查表、机会矩阵与威胁矩阵、"
            "目标检查。"))])
def test_page_names_the_skipped_sections(orders_only, tmp_path, lang, skipped):
    shown: list = []
    page = Page(lang=lang, output_dir=tmp_path / "out", display=shown.append)
    for name in ["market", "bcg", "ansoff", "swot", "coverage", "risk"]:
        page.show(build(name, orders_only, env.factor_table(orders_only), lang))
    page.show(sections.objectives(orders_only, data="orders_only", lang=lang))
    page.conclusions("text.nothing_to_read")
    needs = i18n.t("text.needs_data", lang, what=i18n.describe_missing("orders (product_id); accounts (sector)", lang))
    assert needs in [o.data for o in shown]
    assert {"en": "Orders: Product ID; Accounts: Sector", "zh": "订单表：产品编号；客户表：行业"}[lang] in needs
    assert i18n.t("text.env_objectives_missing_file", lang, file="objectives") in [o.data for o in shown]
    assert shown[-1].data == skipped
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# ------------------------------------------------------------- every sentence, recomputed from its table
def _share(x: float) -> str:
    """A share as the environment sentences write it: whole percent, one decimal below 10 %."""
    return i18n.format_percent(x, decimals=None)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_market_and_bcg_sentences_recomputed(sample, lang):
    table = sections.market(sample, lang=lang).saved["market_overview"].frame
    share = table["our_sales"] / table["market_size"]
    assert share.tolist() == pytest.approx(table["market_share"].tolist())
    top = table.loc[share.idxmax(), "segment"]
    assert sections.market(sample, lang=lang).findings == [i18n.t(
        "text.env_market_reading", lang, name=i18n.value_label("segment", top, lang), share=_share(share.max()),
        total=_share(table["our_sales"].sum() / table["market_size"].sum()))]

    placed = sections.bcg(sample, lang=lang).saved["bcg_matrix"].frame
    relative = placed["our_sales"] / placed["leader_sales"]
    high_share, high_growth = relative >= 1.0, placed["market_growth"] >= 0.10
    quadrants = {"star": high_share & high_growth, "question_mark": ~high_share & high_growth,
                 "cash_cow": high_share & ~high_growth, "dog": ~high_share & ~high_growth}
    counts = ("，" if lang == "zh" else ", ").join(
        f"{i18n.value_label('bcg', q, lang)} {int(rows.sum())}" for q, rows in quadrants.items())
    largest = placed.loc[placed["our_sales"].idxmax()]
    quadrant = i18n.value_label("bcg", largest["quadrant"], lang)
    assert sections.bcg(sample, lang=lang).findings == [i18n.t(
        "text.env_bcg_reading", lang, counts=counts, name=i18n.value_label("segment", largest["segment"], lang),
        quadrant=quadrant.lower() if lang == "en" else quadrant)]


def test_ansoff_swot_coverage_risk_and_objectives_sentences_recomputed(sample, factors):
    table = sections.ansoff(sample, as_of="2025-12-31", lang="en").saved["ansoff"].frame
    share = table.set_index("quadrant")["revenue"] / table["revenue"].sum()
    assert sections.ansoff(sample, as_of="2025-12-31", lang="en").findings == [i18n.t(
        "text.env_ansoff_reading", "en", share=_share(share.max()),
        quadrant=i18n.value_label("ansoff", share.idxmax(), "en"), new=_share(1 - share["market_penetration"]))]
    assert 0 < 1 - share["market_penetration"] < 0.5  # the sample enters new markets and launches products in 2025

    kinds = factors["kind"].value_counts()
    assert sections.swot(factors, lang="zh").findings == [i18n.t(
        "text.env_swot_reading", "zh", **{k: str(kinds.get(k, 0)) for k in "SWOT"})]

    categories = factors["category"].dropna().unique()
    coverage = sections.checklist(factors, lang="en").saved["pest_checklist"].frame
    assert len(coverage) == 12 and set(categories) <= set(coverage["category"])
    assert sections.checklist(factors, lang="en").findings == [i18n.t("text.env_coverage_full", "en", n="12")]

    scored = factors[factors["kind"].isin(["O", "T"])].dropna(subset=["impact", "probability"])  # outside factors
    act = scored[(scored["impact"] >= 3) & (scored["probability"] >= 0.5)]
    first = act.loc[(act["impact"] * act["probability"]).idxmax(), "statement"]
    assert sections.risk(factors, lang="zh").findings == [i18n.t(
        "text.env_risk_first", "zh", act=str(len(act)), n=str(len(scored)), first=first.rstrip("。"))]
    assert sections.risk(factors, lang="zh").findings[0].endswith("货车司机队伍老化。")  # one full stop

    checked = sections.objectives(sample, as_of="2025-12-31", lang="en").saved["objectives_check"].frame
    flawed = checked.loc[checked["issue"] != "ok", "goal"].nunique()
    assert sections.objectives(sample, as_of="2025-12-31", lang="en").findings == [i18n.t(
        "text.env_objectives_reading", "en", bad=str(flawed), n=str(checked["goal"].nunique()))]


def test_a_lacking_environment_section_names_what_it_needs_in_labels(orders_only):
    section = build("ansoff", orders_only, None, "zh")
    assert section.missing == "orders (product_id); accounts (sector)"
    assert section.note == "本节需要订单表：产品编号；客户表：行业，数据中没有，已跳过。"


def test_bcg_over_regions_says_how_the_largest_competitor_was_found():
    """The sample's market table gives each region's leader without its name: the section says the share is a bound."""
    ds = kamlib.data.load()
    en = sections.bcg(ds, by="segment", lang="en")
    assert en.results["bcg"]["leader_basis"].eq("largest_row").all()
    assert "upper bound" in en.items[0] and "would be wrong" in en.items[0]
    assert "上限" in sections.bcg(ds, by="segment", lang="zh").items[0]
    one_region = sections.bcg(ds, by="segment", region="east", lang="en")
    assert one_region.results["bcg"]["leader_basis"].eq("one_row").all()
    assert "upper bound" not in one_region.items[0]
