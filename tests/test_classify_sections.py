"""The sections of notebook 02 (customer classification), built on the embedded sample and
on data lacking what a section needs, and shown on a page that collects its outputs."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest

import kamlib.classify as cl
import kamlib.data
import kamlib.plots
from kamlib import i18n
from kamlib.classify import plots, readings, sections
from kamlib.i18n import format_count, format_money, format_number, format_percent
from kamlib.sections import Figure, Page, Section, Table

DAY = "2025-12-31"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame | None]:
    return cl.scope(kamlib.data.load())


def figures(section: Section) -> list:
    return [item.draw for item in section.items if isinstance(item, Figure)]


def kinds(section: Section) -> list[str]:
    return [type(item).__name__ for item in section.items]


def check_finding(section: Section, kind: str, table: pd.DataFrame, lang: str = "en") -> None:
    """One finding, shown, and equal to the reading of *table* recomputed."""
    assert section.findings == [readings.reading(kind, table, lang=lang)]
    assert section.findings[0] and section.findings[0] in section.items[0]


# --------------------------------------------------------------------------- each section on the sample
def test_pareto(tables):
    section = sections.pareto(tables["orders"], cutoffs=[0.8, 0.95])
    assert section.title == "title.cc_pareto" and list(section.saved) == ["abc_classes"]
    check_finding(section, "pareto", section.saved["abc_classes"].frame)
    assert section.items[0].startswith("*Rule: accounts ranked by Revenue; cumulative share up to 80% → A")
    assert kinds(section) == ["str", "Table", "Figure"] and figures(section) == [plots.plot_pareto_curve]
    assert len(section.items[1].frame) == 10 and "cumulative_accounts" not in section.items[1].frame


def test_xy_grid(tables):
    section = sections.xy_grid(tables["accounts"], tables["orders"], as_of=DAY)
    assert list(section.saved) == ["xy_classes", "xy_grid_rule"]
    check_finding(section, "xy", section.saved["xy_classes"].frame)
    assert section.saved["xy_classes"].values == {"check": "check"}
    assert kinds(section) == ["str", "Figure"]  # no X > Y in the sample: no table of errors
    assert figures(section) == [plots.plot_xy_grid] and section.items[-1].size == (6, 5)


def test_xy_grid_derives_levels_and_lists_errors(tables):
    accounts = tables["accounts"].drop(columns=["purchase_level", "capacity_level"])
    section = sections.xy_grid(accounts, tables["orders"], as_of=DAY)
    assert "X and Y were derived: X from revenue in the 12 months to 2025-12-31" in section.items[0]
    errors = section.items[1].frame
    assert kinds(section) == ["str", "Table", "Figure"] and set(errors["check"]) == {"x_above_y"}


def test_portfolio(tables):
    section = sections.portfolio(tables["accounts"], lang="zh")
    check_finding(section, "portfolio", section.saved["portfolio"].frame, lang="zh")
    assert "（中位数）" in section.items[0] and figures(section) == [plots.plot_portfolio]


def test_profit(tables):
    section = sections.profit(tables["orders"], tables["products"], cutoffs=(0.8, 0.95))
    check_finding(section, "profit", section.saved["profit_segments"].frame)
    totals = section.items[1].frame
    assert totals.columns.tolist() == ["profit_segment", "accounts", "revenue", "profit", "strategy"]
    assert totals["accounts"].sum() == len(section.saved["profit_segments"].frame)
    assert figures(section) == [plots.plot_whale_curve]


def test_selection(tables):
    section = sections.selection(tables["accounts"], tables["orders"], tables["products"], tables["visits"],
                                 as_of=DAY)
    scores = section.saved["selection_scores"].frame
    check_finding(section, "selection", scores)
    assert scores.columns[:2].tolist() == ["account_id", "account_name"] and scores.attrs["weights"]
    assert "Where each criterion comes from" in section.items[0]
    assert len(section.items[1].frame) == 15 and section.items[2].size == (10, 5.5)
    assert figures(section) == [plots.plot_selection]


def test_selection_names_missing_criteria(tables):
    accounts = tables["accounts"].drop(columns="relationship_stage")
    section = sections.selection(accounts, tables["orders"], weights={"volume": 1, "partnership": 1}, as_of=DAY)
    missing = "Not in the data and left out (weights renormalised): Service requirements, Price sensitivity, Wish for partnership."
    assert missing in section.items[0]
    assert section.saved["selection_scores"].frame.attrs["weights"] == {"volume": 1.0}


def test_whitespace(tables):
    section = sections.whitespace(tables["accounts"], tables["orders"], tables["products"], as_of=DAY)
    assert list(section.saved) == ["whitespace", "whitespace_by_family"]
    check_finding(section, "whitespace", section.results["space"])
    saved = section.saved["whitespace"].frame  # annual demand in money, not the 0–100 potential score
    assert "annual_demand" in saved and "potential" not in saved
    assert saved["annual_demand"].tolist() == section.results["space"]["potential"].tolist()
    assert "12 months to 2025-12-31" in section.items[0] and figures(section) == [plots.plot_headroom]


def test_man(tables):
    section = sections.man(tables["leads"])
    check_finding(section, "man", section.saved["man_qualification"].frame)
    assert kinds(section) == ["str", "Table"] and section.items[1].values == {"man": "man_set", "action": "man_action"}


def test_temperature(tables):
    section = sections.temperature(tables["leads"], as_of=DAY, lang="zh")
    temps = section.saved["prospect_temperature"].frame
    check_finding(section, "temperature", temps, lang="zh")
    matrix = section.items[1].frame
    assert matrix.columns.tolist() == ["importance", "热恋客户", "有望客户", "潜在客户"]
    assert matrix.iloc[:, 1:].to_numpy().sum() == len(temps) == (tables["leads"]["status"] == "open").sum()


def test_stages(tables):
    section = sections.stages(tables["accounts"])
    distribution = section.saved["relationship_stages"].frame
    check_finding(section, "stages", distribution)
    assert distribution.columns[0] == "region" and section.items[-1].options == {"by": "region"}
    assert figures(section) == [plots.plot_stages]


def test_stages_over_all_accounts_from_indicators():
    accounts = pd.DataFrame({"account_id": list("abc"), "trust": [0.0, 5, 10]})
    section = sections.stages(accounts, lang="en")
    assert section.saved["relationship_stages"].frame["all"].unique().tolist() == ["Total"]
    assert "scored from trust" in section.items[0]


# --------------------------------------------------------------------------- data lacking what a section needs
@pytest.mark.parametrize(("build", "missing"), [
    (lambda t: sections.pareto(t["orders"].drop(columns="revenue")), "orders.revenue"),
    (lambda t: sections.xy_grid(None), "accounts"),
    (lambda t: sections.xy_grid(t["accounts"].drop(columns=["capacity_level", "annual_demand"])),
     "accounts.purchase_level, accounts.capacity_level / accounts.annual_demand"),
    (lambda t: sections.portfolio(t["accounts"].drop(columns="capability")), "accounts.capability"),
    (lambda t: sections.profit(t["orders"].drop(columns="cost")), "orders.cost"),
    (lambda t: sections.selection(None), "accounts"),
    (lambda t: sections.whitespace(t["accounts"].drop(columns="annual_demand"), t["orders"]),
     "accounts.annual_demand"),
    (lambda t: sections.whitespace(t["accounts"], t["orders"].drop(columns="order_date")), "orders.order_date"),
    (lambda t: sections.man(t["leads"].drop(columns=["money", "need"])), "leads.money, leads.need"),
    (lambda t: sections.temperature(None, as_of=DAY), "leads"),
    (lambda t: sections.temperature(t["leads"], as_of=None), "orders.order_date / as_of"),
    (lambda t: sections.stages(t["accounts"].drop(columns="relationship_stage")), "accounts.relationship_stage"),
])
def test_a_section_says_what_the_data_lacks(tables, build, missing):
    section = build(tables)
    assert section.missing == missing and not section.items and not section.findings and not section.saved


def test_profit_costs_orders_from_products(tables):
    section = sections.profit(tables["orders"].drop(columns="cost"), tables["products"])
    assert section.missing is None and section.findings


# --------------------------------------------------------------------------- shown on a page
def test_page_shows_a_section_and_saves_its_tables(tables, tmp_path):
    shown: list = []
    page = Page(lang="en", output_dir=tmp_path, display=shown.append)
    section = sections.profit(tables["orders"], tables["products"])
    page.show(section)
    assert len(shown) == 4  # heading, rule and reading, totals, whale curve
    assert page.findings == section.findings
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == ["tables/profit_segments.csv"]


def test_page_shows_a_lacking_section_in_two_outputs(tmp_path):
    shown: list = []
    page = Page(lang="zh", output_dir=tmp_path, display=shown.append)
    page.show(sections.man(None, lang="zh"))
    assert len(shown) == 2 and shown[1].data == "本节需要线索表，数据中没有，已跳过。"  # labelled, no table code
    assert page.skipped == ["title.cc_man"] and not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- the small computations behind them
def test_reference_day_and_scope_order(tables):
    assert list(tables) == ["accounts", "orders", "products", "visits", "leads", "opportunities"]
    assert cl.reference_day(tables["orders"]) == DAY
    assert cl.reference_day(tables["orders"].drop(columns="order_date")) is None
    assert cl.reference_day(tables["orders"].head(0)) is None


def test_segment_totals_temperature_matrix_and_names():
    whale = cl.profit_segments(pd.DataFrame({"account_id": list("abc"), "profit": [8.0, 4.0, -2.0]}))
    assert cl.segment_totals(whale).columns.tolist() == ["profit_segment", "accounts", "profit"]
    leads = pd.DataFrame({"lead_id": ["a", "b"], "status": ["open", "lost"],
                          "expected_close_date": pd.to_datetime(["2025-06-03", "2025-06-04"])})
    temps = cl.prospect_temperature(cl.open_leads(leads), today="2025-06-01")
    assert cl.temperature_matrix(temps).to_numpy().tolist() == [[1, 0, 0]]
    named = cl.with_account_names(temps.assign(account_id=["x"]), pd.DataFrame({"account_id": ["y"]}))
    assert "account_name" not in named


def test_saved_tables_are_sections_tables(tables):
    every = [sections.pareto(tables["orders"]), sections.man(tables["leads"]), sections.portfolio(tables["accounts"])]
    assert all(isinstance(t, Table) for s in every for t in s.saved.values())


def test_every_section_on_one_page(tables, tmp_path):
    """The sections as the notebook shows them: 9 headings, 9 readings, 13 tables saved."""
    accounts, orders, products, visits, leads, _ = tables.values()
    shown: list = []
    page = Page(lang="en", output_dir=tmp_path, display=shown.append)
    for section in (sections.pareto(orders, lang="en"), sections.xy_grid(accounts, orders, as_of=DAY, lang="en"),
                    sections.portfolio(accounts, lang="en"), sections.profit(orders, products, lang="en"),
                    sections.selection(accounts, orders, products, visits, as_of=DAY, lang="en"),
                    sections.whitespace(accounts, orders, products, as_of=DAY, lang="en"),
                    sections.man(leads, lang="en"), sections.temperature(leads, as_of=DAY, lang="en"),
                    sections.stages(accounts, lang="en")):
        page.show(section)
    page.conclusions("text.cc_nothing")
    # per section a heading and the rule with the reading; then 5 tables and 7 figures; then the conclusions
    assert len(shown) == 9 * 2 + 5 + 7 + 2
    assert len(page.findings) == 9 and not page.skipped
    assert shown[-1].data.count("\n- ") == 8
    assert len(list(tmp_path.glob("tables/*.csv"))) == 11
    assert len(openpyxl.load_workbook(page.workbook).sheetnames) == 1 + 11  # contents, then one sheet per table


# --------------------------------------------------------------------------- every sentence, recomputed from its table
# Each reading's figures recomputed from the table the section shows or saves, written with the
# formats of kamlib.i18n: the sentence must be exactly that.
def _counted(series: pd.Series, *values: str) -> list[str]:
    return [format_count((series == v).sum()) for v in values]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pareto_sentence_recomputed(tables, lang):
    section = sections.pareto(tables["orders"], lang=lang)
    abc = section.saved["abc_classes"].frame
    revenue = tables["orders"].groupby("account_id")["revenue"].sum().sort_values(ascending=False)
    assert abc["revenue"].tolist() == pytest.approx(revenue.tolist())
    top = math.ceil(0.2 * len(revenue))
    na, nb, nc = _counted(abc["abc_class"], "A", "B", "C")
    value = i18n.t("revenue", lang)
    assert section.findings == [i18n.t("text.cc_read_pareto", lang, top="20%", n=format_count(top),
                                       share=format_percent(revenue.head(top).sum() / revenue.sum()),
                                       value=value.lower() if lang == "en" else value, na=na, nb=nb, nc=nc)]


def test_xy_portfolio_and_profit_sentences_recomputed(tables):
    graded = sections.xy_grid(tables["accounts"], tables["orders"], as_of=DAY).saved["xy_classes"].frame
    vip = graded["vip"].to_numpy(dtype=bool)
    assert (graded.loc[vip, "xy_class"] == "VIP").all() and (graded.loc[~vip, "xy_class"] != "VIP").all()
    cells = graded[(graded["check"] == "ok") & ~vip].value_counts(["purchase_level", "capacity_level"])
    crowded = min(cells[cells == cells.max()].index)  # on a tie, the first cell in (X, Y) order
    nv, na, nb, nc = _counted(graded["xy_class"], "VIP", "A", "B", "C")
    assert sections.xy_grid(tables["accounts"], tables["orders"], as_of=DAY).findings == [i18n.t(
        "text.cc_read_xy_vip", "en", nv=nv, na=na, nb=nb, nc=nc, x=crowded[0], y=crowded[1],
        n=format_count(cells.max()), errors=format_count((graded["check"] == "x_above_y").sum()))]

    port = sections.portfolio(tables["accounts"], lang="zh").saved["portfolio"].frame
    invest, selective, maintain, harvest = _counted(port["portfolio"], "invest", "selective", "maintain", "harvest")
    assert sections.portfolio(tables["accounts"], lang="zh").findings == [i18n.t(
        "text.cc_read_portfolio", "zh", invest=invest, selective=selective, maintain=maintain, harvest=harvest)]

    whale = sections.profit(tables["orders"], tables["products"]).saved["profit_segments"].frame
    profit = whale["profit"]
    cumulative = profit.cumsum() / profit.sum()
    assert profit.is_monotonic_decreasing and cumulative.tolist() == pytest.approx(whale["cumulative_profit_share"].tolist())
    peak = int(cumulative.to_numpy().argmax())
    assert sections.profit(tables["orders"], tables["products"]).findings == [i18n.t(
        "text.cc_read_profit", "en", peak=format_percent(cumulative.iloc[peak], decimals=1), n=format_count(peak + 1),
        loss=format_count((profit < 0).sum()), drag=format_percent(cumulative.iloc[peak] - 1, decimals=1))]


def test_selection_and_whitespace_sentences_recomputed(tables):
    section = sections.selection(tables["accounts"], tables["orders"], tables["products"], tables["visits"], as_of=DAY,
                                 lang="zh")
    scores = section.saved["selection_scores"].frame
    first = scores.loc[scores["ka_score"].idxmax()]
    weights = scores.attrs["weights"]
    top10 = scores.nlargest(10, "ka_score")
    criterion = max(weights, key=lambda c: weights[c] * top10[f"{c}_score"].sum())
    assert section.findings == [i18n.t("text.cc_read_selection", "zh", name=first["account_name"],
                                       score=format_number(first["ka_score"]), criterion=i18n.t(criterion, "zh"))]
    shown = f"{first['ka_score']:.2f}"  # the table shows two decimals, the sentence whole points
    assert f"以{round(first['ka_score'])}分" in section.findings[0] and "." in shown

    section = sections.whitespace(tables["accounts"], tables["orders"], tables["products"], as_of=DAY, lang="zh")
    space = section.saved["whitespace"].frame
    headroom = pd.Series(space["annual_demand"].to_numpy() - space["current"].to_numpy()).clip(lower=0)  # attrs left behind
    assert headroom.tolist() == pytest.approx(space["headroom"].tolist())
    assert section.findings == [i18n.t(
        "text.cc_read_whitespace", "zh", total=format_money(headroom.sum(), "zh"),
        top=format_percent(headroom.nlargest(10).sum() / headroom.sum()),
        wallet=format_percent(space["current"].sum() / space["annual_demand"].sum()))]


def test_man_temperature_and_stage_sentences_recomputed(tables):
    leads = tables["leads"]
    full = leads["money"] & leads["authority"] & leads["need"]
    none = ~(leads["money"] | leads["authority"] | leads["need"])
    assert sections.man(leads, lang="zh").findings == [i18n.t(
        "text.cc_read_man", "zh", ideal=format_count(full.sum()), n=format_count(len(leads)),
        share=format_percent(full.mean()), stop=format_count(none.sum()))]

    section = sections.temperature(leads, as_of=DAY, lang="en")
    temps = section.saved["prospect_temperature"].frame
    hot, promising = _counted(temps["temperature"], "hot", "promising")
    assert len(temps) == (leads["status"] == "open").sum()
    assert section.findings == [i18n.t("text.cc_read_temperature", "en", hot=hot, promising=promising,
                                       overdue=format_count(temps["overdue"].sum()), n=format_count(len(temps)))]

    section = sections.stages(tables["accounts"], lang="en")
    share = tables["accounts"]["relationship_stage"].value_counts(normalize=True)
    assert section.findings == [i18n.t(
        "text.cc_read_stages", "en", stage=i18n.value_label("relationship_stage", share.index[0], "en"),
        share=format_percent(share.iloc[0]), collab=format_percent(share[["partnership", "synergistic"]].sum()),
        uncoupling=format_percent(share["uncoupling"]))]


def test_selection_sources_and_stage_source_are_labelled(tables):
    section = sections.selection(tables["accounts"], tables["orders"], tables["products"], tables["visits"], as_of=DAY,
                                 lang="zh")
    sources = section.items[0].split("\n\n")[1]
    assert sources == ("各项标准的数据来源：采购量 ← 订单 × 产品：销售额，高毛利产品加权；采购集中度 ← 订单：每笔订单的平均销售额；"
                       "服务要求 ← 拜访：拜访次数；价格敏感度 ← 订单 × 产品：平均折扣；长期合作意愿 ← 客户表：关系阶段。")
    assert "取自客户表：关系阶段" in sections.stages(tables["accounts"], lang="zh").items[0]


def test_selection_table_says_the_units_of_its_criteria(tables):
    section = sections.selection(tables["accounts"], tables["orders"], tables["products"], tables["visits"], as_of=DAY,
                                 lang="zh")
    saved = section.saved["selection_scores"].frame
    assert {"volume", "concentration", "price_sensitivity"} <= set(saved.columns)
    money, per_order, share = i18n.header(["volume", "concentration", "price_sensitivity"], "zh")
    assert "金额" in money and "金额" in per_order and "折扣率" in share
    assert i18n.header(["potential"], "zh") != i18n.header(["annual_demand"], "zh")  # score 0–100 vs money


# --------------------------------------------------------------------------- what the page shows of the account tables
def shown_tables(section: Section, lang: str, tmp_path) -> list:
    """The tables *section* shows on a page, as rendered (pandas Stylers)."""
    kamlib.plots.theme(lang)
    shown: list = []
    Page(lang=lang, output_dir=tmp_path, display=shown.append).show(section)
    return [item for item in shown if hasattr(item, "to_html")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_selection_page_table_shows_name_score_class_and_largest_contributions(tables, tmp_path, lang):
    accounts, orders, products, visits = (tables[n] for n in ("accounts", "orders", "products", "visits"))
    section = sections.selection(accounts, orders, products, visits, as_of=DAY, lang=lang)
    (table,) = shown_tables(section, lang, tmp_path)
    headers = i18n.header(["rank", "account_name", "ka_score", "abc_class", "top_criteria"], lang)
    assert table.data.columns.tolist() == headers  # all five fit the page, nothing else is shown
    saved = section.saved["selection_scores"].frame
    classes = cl.pareto_abc(orders).set_index("account_id")["abc_class"]
    weights = saved.attrs["weights"]
    for (_, row), (_, shown) in zip(saved.head(15).iterrows(), table.data.iterrows(), strict=True):
        assert shown[headers[1]] == row["account_name"] and shown[headers[3]] == classes[row["account_id"]]
        points = sorted(((100 * w * row[f"{c}_score"], c) for c, w in weights.items()), key=lambda p: -p[0])[:3]
        expected = [f"{i18n.t(c, lang)} {format_number(v, lang)}" for v, c in points if v > 0]
        assert shown[headers[4]] == i18n.join(expected, lang)
    caption = table.caption
    assert "15" in caption and str(len(saved.columns)) in caption  # the rest is in the workbook and the CSV
    assert {"volume_score", "partnership", "abc_class"} <= set(saved.columns)


def test_account_tables_name_each_account_beside_its_id(tables, tmp_path):
    accounts, orders, products = tables["accounts"], tables["orders"], tables["products"]
    names = accounts.set_index("account_id")["account_name"]
    built = [sections.pareto(orders, accounts=accounts), sections.xy_grid(accounts, orders, as_of=DAY),
             sections.portfolio(accounts), sections.profit(orders, products, accounts=accounts),
             sections.whitespace(accounts, orders, products, as_of=DAY)]
    saved = {name: table.frame for section in built for name, table in section.saved.items() if name != "xy_grid_rule"}
    assert set(saved) == {"abc_classes", "xy_classes", "portfolio", "profit_segments", "whitespace",
                          "whitespace_by_family"}
    for name, frame in saved.items():
        position = frame.columns.get_loc("account_id")
        assert frame.columns[position + 1] == "account_name", name
        assert frame["account_name"].tolist() == frame["account_id"].map(names).tolist(), name
    (abc,) = shown_tables(built[0], "zh", tmp_path)
    assert abc.data.columns[:2].tolist() == ["客户编号", "客户名称"]
    assert abc.data["客户名称"].tolist() == [names[i] for i in abc.data["客户编号"]]
    assert "account_name" not in sections.pareto(orders).saved["abc_classes"].frame  # no accounts, no names


def test_account_tables_without_names_keep_the_ids_alone(tables):
    accounts = tables["accounts"].drop(columns="account_name")
    section = sections.pareto(tables["orders"], accounts=accounts)
    assert "account_name" not in section.saved["abc_classes"].frame and "account_name" not in section.items[1].frame
