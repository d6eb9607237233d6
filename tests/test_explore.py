"""Exploring the analysis notebooks: controls that call the section builders again.

The widgets are driven in Python, as a kernel drives them when a browser moves one:
setting a slider's value runs its handler; with no event loop running (or ``delay=0``)
the redraw happens at once. Expected values come from the analysis functions
(``kamlib.classify.pareto_abc`` …), never from the dashboard.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys

import pandas as pd
import pytest
import yaml

import kamlib as kam
from kamlib.explore.controls import caption
from kamlib.explore.dashboard import ALL, SETTINGS_FILE, Dashboard
from kamlib.report import NOTEBOOKS_DIR, load_config, plan_batch
from kamlib.sections import Page


@pytest.fixture(scope="module")
def ds():
    return kam.data.load()


@pytest.fixture
def dashboard(tmp_path) -> Dashboard:
    return Dashboard(lang="en", output_dir=tmp_path, notebook="02_customer_classification", delay=0,
                     display=lambda shown: None)


def shown_text(outputs) -> str:
    """What a section's outputs show as text (HTML and Markdown)."""
    return "\n".join(str(o["data"].get("text/html", o["data"].get("text/plain", ""))) for o in outputs)


def widget(page: Dashboard, label: str):
    """The widget of the control labelled *label* (English caption), across the page's steps."""
    found = [w for step in page.steps for c, w in step.controls if caption(c, "en") == label]
    assert len(found) == 1, label
    return found[0]


def a_count(text: str) -> int:
    return int(re.search(r"(\d+) accounts are A", text).group(1))


def test_batch_mode_shows_exactly_what_page_show_shows(ds, tmp_path):
    orders = ds.table("orders")
    plain, explored = [], []
    kam.plots.theme("zh")
    Page(lang="zh", output_dir=tmp_path, display=plain.append).show(
        kam.classify.sections.pareto(orders, cutoffs=[0.8, 0.95], lang="zh"))
    page = kam.explore.page(lang="zh", output_dir=tmp_path)
    page._display = explored.append  # collect instead of displaying
    section = kam.explore.show(page, kam.classify.sections.pareto, orders, cutoffs=[0.8, 0.95], lang="zh")
    assert type(page) is Page and section.findings == page.findings
    assert [rendered(x) for x in explored] == [rendered(x) for x in plain]


def rendered(shown) -> str:
    """An output as it reads: Markdown's text, a table's HTML, a figure's type."""
    if hasattr(shown, "to_html"):
        return re.sub(r"T_[0-9a-f_]+", "T_", shown.to_html())  # pandas numbers each styled table
    return getattr(shown, "data", type(shown).__name__)


def test_a_batch_run_never_imports_ipywidgets():
    code = ("import sys, kamlib as kam; kam.explore.page(); kam.explore.value(kam.explore.page(), max, 1, 2); "
            "print('ipywidgets' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"


def test_moving_the_a_cutoff_redraws_the_reading_and_table_as_pareto_abc_says(ds, dashboard):
    orders = ds.table("orders")
    kam.explore.show(dashboard, kam.classify.sections.pareto, orders, cutoffs=[0.8, 0.95], lang="en")
    step = dashboard.steps[0]
    before = step.output.outputs
    expected = kam.classify.pareto_abc(orders, cutoffs=(0.8, 0.95))
    assert a_count(shown_text(before)) == (expected["abc_class"] == "A").sum()

    widget(dashboard, "A cut-off (cumulative share)").value = 0.6
    after = step.output.outputs
    expected = kam.classify.pareto_abc(orders, cutoffs=(0.6, 0.95))
    assert a_count(shown_text(after)) == (expected["abc_class"] == "A").sum()
    shown = step.result.results["abc"].set_index("account_id")["abc_class"]
    assert shown.equals(expected.set_index("account_id")["abc_class"].loc[shown.index])
    assert (shown == "B").sum() > (kam.classify.pareto_abc(orders)["abc_class"] == "B").sum()
    assert any("image/png" in o["data"] for o in after)  # the curve is drawn again


def test_an_impossible_setting_says_why_and_keeps_the_last_result(ds, dashboard):
    kam.explore.show(dashboard, kam.classify.sections.pareto, ds.table("orders"), cutoffs=[0.8, 0.95], lang="en")
    step = dashboard.steps[0]
    before = step.output.outputs
    widget(dashboard, "A cut-off (cumulative share)").value = 0.95
    widget(dashboard, "B cut-off (cumulative share)").value = 0.9
    assert "0 &lt; A &lt; B" in step.error.value and step.output.outputs == before
    widget(dashboard, "B cut-off (cumulative share)").value = 0.97
    assert step.error.value == "" and step.output.outputs != before


def test_going_back_to_a_setting_comes_from_the_cache(ds, dashboard):
    kam.explore.show(dashboard, kam.classify.sections.pareto, ds.table("orders"), cutoffs=[0.8, 0.95], lang="en")
    step, slider = dashboard.steps[0], widget(dashboard, "A cut-off (cumulative share)")
    first, section = step.output.outputs, step.result
    slider.value = 0.7
    assert step.result is not section
    slider.value = 0.8
    assert step.result is section and step.output.outputs == first and len(step.cache) == 2


def test_the_saved_table_is_the_shown_setting_also_when_it_comes_from_the_cache(ds, dashboard, tmp_path):
    orders = ds.table("orders")
    kam.explore.show(dashboard, kam.classify.sections.pareto, orders, cutoffs=[0.8, 0.95], lang="en")
    slider, saved = widget(dashboard, "A cut-off (cumulative share)"), tmp_path / "tables" / "abc_classes.csv"

    def a_rows() -> int:
        return int((pd.read_csv(saved, dtype=str).iloc[:, -1] == "A").sum())

    at = {c: int((kam.classify.pareto_abc(orders, cutoffs=(c, 0.95))["abc_class"] == "A").sum()) for c in (0.8, 0.6)}
    assert at[0.8] != at[0.6] and a_rows() == at[0.8]
    slider.value = 0.6
    assert a_rows() == at[0.6]
    slider.value = 0.8  # from the cache
    assert a_rows() == at[0.8]


def test_changes_close_together_redraw_once_and_the_old_result_stays_meanwhile(ds, tmp_path):
    page = Dashboard(lang="en", output_dir=tmp_path, delay=0.2, display=lambda shown: None)
    kam.explore.show(page, kam.classify.sections.pareto, ds.table("orders"), cutoffs=[0.8, 0.95], lang="en")
    step, slider = page.steps[0], widget(page, "A cut-off (cumulative share)")
    first = step.output.outputs

    async def drag() -> tuple[bool, int]:
        for value in (0.75, 0.7, 0.65):
            slider.value = value
            await asyncio.sleep(0.02)
        unchanged = step.output.outputs == first
        await asyncio.sleep(0.5)
        return unchanged, len(step.cache)

    unchanged, computed = asyncio.run(drag())
    assert unchanged and computed == 2  # the first setting and the last one only
    assert a_count(shown_text(step.output.outputs)) == (
        kam.classify.pareto_abc(ds.table("orders"), cutoffs=(0.65, 0.95))["abc_class"] == "A").sum()


def test_win_loss_period_region_and_confidence_redraw_every_section_that_follows(ds, tmp_path):
    page = Dashboard(lang="en", output_dir=tmp_path, notebook="04_win_loss_analysis", delay=0,
                     display=lambda shown: None)
    opps = kam.explore.value(page, kam.winloss.load_opportunities, ds, start=None, end=None, region=None,
                             rep_id=None)
    rates = kam.explore.show(page, kam.winloss.sections.win_rates, opps, by="region", level=0.95, lang="en")
    kam.explore.show(page, kam.winloss.sections.cycle_times, opps, lang="en")
    rates_step, cycle_step = page.steps[1], page.steps[2]
    low = rates.results["rates"].set_index("region")["ci_low"]

    widget(page, "Confidence level").value = 0.99
    wider = rates_step.result.results["rates"].set_index("region")["ci_low"]
    assert (wider <= low).all() and (wider < low).any()
    assert shown_text(rates_step.output.outputs) != shown_text(()) and "99" in shown_text(rates_step.output.outputs)

    cycle_before = cycle_step.result
    widget(page, "Region").value = "east"
    east = kam.winloss.load_opportunities(ds, region="east")
    frame = rates_step.result.results["rates"]
    assert frame["region"].tolist() == ["east"]
    assert frame["closed"].sum() == east["status"].isin(["won", "lost"]).sum()
    assert cycle_step.result is not cycle_before  # the cycle-time section follows the deals too


def test_bcg_split_points_move_units_between_quadrants(ds, tmp_path):
    page = Dashboard(lang="en", output_dir=tmp_path, delay=0, display=lambda shown: None)
    bcg = kam.explore.show(page, kam.environment.sections.bcg, ds, by="segment", region=None, year=None,
                           share_split=1.0, growth_split=0.10, lang="en")
    widget(page, "Relative share split").value = 0.9
    widget(page, "Market growth split").value = 0.02
    new = page.steps[0].result.results["bcg"]
    high_share, high_growth = new["relative_share"] >= 0.9, new["market_growth"] >= 0.02
    rule = pd.Series("dog", index=new.index).mask(high_share & high_growth, "star").mask(
        high_share & ~high_growth, "cash_cow").mask(~high_share & high_growth, "question_mark")
    assert new["quadrant"].tolist() == rule.tolist() != bcg.results["bcg"]["quadrant"].tolist()
    assert "≥ 0.9" in shown_text(page.steps[0].output.outputs)


def test_visit_plan_policy_redraws_the_plan_and_the_sections_computed_from_it(ds, tmp_path):
    page = Dashboard(lang="en", output_dir=tmp_path, delay=0, display=lambda shown: None)
    plan = kam.explore.show(page, kam.visits.sections.month_plan, ds, month=None, region=None, rep_id=None,
                            policy=None, calendar=None, lang="en")
    planned = kam.explore.result(page, plan, "plan")
    kam.explore.show(page, kam.visits.sections.capacity, planned, lang="en")
    plan_step, _, capacity_step = page.steps
    before = capacity_step.result
    widget(page, "Cities a day").value = 1
    assert plan_step.result.results["plan"] is not planned and capacity_step.result is not before
    assert plan_step.call_kwargs()["policy"] == {"hot": 4, "max_cities": 1}
    rep = widget(page, "Rep")
    rep.value = rep.options[1][1]
    assert set(plan_step.result.results["plan"].visits["rep_id"]) <= {rep.value}


def test_the_settings_button_writes_a_batch_fragment_the_report_accepts(ds, dashboard, tmp_path):
    orders = ds.table("orders")
    kam.explore.show(dashboard, kam.classify.sections.pareto, orders, cutoffs=[0.8, 0.95], lang="en")
    kam.explore.show(dashboard, kam.classify.sections.profit, orders, ds.table("products"), cutoffs=[0.8, 0.95],
                     lang="en")
    widget_a = next(w for c, w in dashboard.steps[0].controls if c.part == 0)
    widget_a.value = 0.7
    path = dashboard.save_settings()
    assert path == tmp_path / SETTINGS_FILE
    fragment = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert fragment == {"notebooks": [{"notebook": "02_customer_classification",
                                       "parameters": {"cutoffs": [0.7, 0.95]}}]}
    assert "cutoffs:" in dashboard.settings_note.value
    config = load_config(path)
    jobs, _ = plan_batch(config, lang="en")
    assert [job.parameters["cutoffs"] for job in jobs] == [[0.7, 0.95]]
    assert jobs[0].notebook.resolve() == NOTEBOOKS_DIR / "02_customer_classification.ipynb"


def test_an_explored_page_keeps_the_data_path_off_the_page(tmp_path):
    shown = []
    page = Dashboard(lang="zh", output_dir=tmp_path, display=shown.append)
    page.start("title.customer_classification", "text.cc_intro",
               parameters={"data": "/srv/secret/crm-exports", "lang": "zh", "output_dir": str(tmp_path)})
    table = page.parameters
    assert "crm-exports" not in table.to_string() and str(tmp_path) not in table.to_string()
    assert (table["value"] == kam.i18n.t("explore.on_server", "zh")).sum() == 2


def test_every_control_names_a_parameter_its_notebook_declares():
    from kamlib.explore.controls import CONTROLS
    from kamlib.report import notebook_parameters

    declared = set().union(*(notebook_parameters(p) for p in NOTEBOOKS_DIR.glob("*.ipynb")))
    named = {c.parameter for controls in CONTROLS.values() for c in controls if c.parameter}
    assert named <= declared and {"cutoffs", "confidence", "share_split", "month"} <= named
    for path in NOTEBOOKS_DIR.glob("*.ipynb"):
        assert notebook_parameters(path)["interactive"]["default"] == "False", path.name


def test_chinese_controls(ds, tmp_path):
    page = Dashboard(lang="zh", output_dir=tmp_path, delay=0, display=lambda shown: None)
    kam.explore.show(page, kam.classify.sections.pareto, ds.table("orders"), cutoffs=[0.8, 0.95], lang="zh")
    captions = [w.description for _, w in page.steps[0].controls]
    assert all(re.search(r"[\u4e00-\u9fff]", c) for c in captions)


def test_a_section_the_data_cannot_fill_is_named_in_the_conclusions(tmp_path):
    shown = []
    page = Dashboard(lang="en", output_dir=tmp_path, delay=0, display=shown.append)
    kam.explore.show(page, kam.winloss.sections.win_rates, None, by="region", level=0.95, lang="en")
    page.conclusions("text.wl_nothing")
    assert page.skipped == ["title.wl_win_rates"]
    assert kam.i18n.t("title.wl_win_rates", "en") in shown_text(page.closing.outputs)


# --------------------------------------------------------------------------- customer classification (02)
def classification(page: Page, ds, *, region=None, rep_id=None, grid=None, weights=None) -> dict:
    """The classification notebook's scope and sections as its cells call them; the sections by name."""
    tables = kam.explore.value(page, kam.classify.scope, ds, region=region, rep_id=rep_id)
    accounts, orders, products, visits, leads, _ = kam.explore.unpack(page, tables)
    day = kam.explore.value(page, kam.classify.reference_day, orders, None)
    sections = {
        "pareto": kam.explore.show(page, kam.classify.sections.pareto, orders, accounts=accounts,
                                   cutoffs=[0.8, 0.95], lang=page.lang),
        "xy": kam.explore.show(page, kam.classify.sections.xy_grid, accounts, orders, grid=grid, as_of=day,
                               lang=page.lang),
        "selection": kam.explore.show(page, kam.classify.sections.selection, accounts, orders, products, visits,
                                      weights=weights, as_of=day, lang=page.lang),
        "man": kam.explore.show(page, kam.classify.sections.man, leads, lang=page.lang),
    }
    page.conclusions("text.cc_nothing")
    return sections


def now(page: Dashboard, build) -> kam.sections.Section:
    """The section *build* made that the dashboard shows now."""
    return next(step.result for step in page.steps if step.compute is build)


@pytest.fixture(scope="module")
def sample(ds):
    """The classification's tables of the whole sample."""
    return kam.classify.scope(ds)


def test_region_and_rep_redraw_every_classification_section_with_the_scope_they_choose(ds, dashboard, sample):
    classification(dashboard, ds)
    accounts, orders, leads = sample["accounts"], sample["orders"], sample["leads"]
    widget(dashboard, "Region").value = "east"
    east = accounts.loc[accounts["region"] == "east", "account_id"]
    abc = kam.classify.pareto_abc(orders[orders["account_id"].isin(east)])
    shown = now(dashboard, kam.classify.sections.pareto)
    assert set(shown.results["abc"]["account_id"]) == set(abc["account_id"]) < set(orders["account_id"])
    assert a_count(shown_text(next(s.output.outputs for s in dashboard.steps if s.result is shown))) == (
        abc["abc_class"] == "A").sum()
    assert set(now(dashboard, kam.classify.sections.xy_grid).results["graded"]["account_id"]) == set(east)

    rep = widget(dashboard, "Rep")
    rep.value = rep.options[1][1]
    mine = accounts[(accounts["region"] == "east") & (accounts["rep_id"] == rep.value)]
    assert set(now(dashboard, kam.classify.sections.selection).results["scores"]["account_id"]) == set(
        mine["account_id"])
    assert now(dashboard, kam.classify.sections.man).results["man"]["leads"].sum() == (leads["rep_id"] == rep.value).sum()


def test_all_regions_is_a_shown_choice_and_choosing_it_again_widens_the_scope(ds, dashboard, sample):
    classification(dashboard, ds)
    region = widget(dashboard, "Region")
    assert region.index == 0 and region.label == "All"  # a Dropdown at None would show no choice at all
    full = set(now(dashboard, kam.classify.sections.pareto).results["abc"]["account_id"])
    region.value = "east"
    assert set(now(dashboard, kam.classify.sections.pareto).results["abc"]["account_id"]) < full
    region.value = ALL
    assert set(now(dashboard, kam.classify.sections.pareto).results["abc"]["account_id"]) == full
    assert dashboard.settings()["notebooks"][0]["parameters"]["region"] is None


def test_a_grid_cell_control_reclasses_the_accounts_in_that_cell(ds, dashboard, sample):
    sections = classification(dashboard, ds)
    graded = sections["xy"].results["graded"]
    in_cell = (graded["purchase_level"] == 2) & (graded["capacity_level"] == 3)
    assert in_cell.any() and kam.classify.DEFAULT_GRID[(2, 3)] == "A"
    widget(dashboard, "Class at X = 2, Y = 3").value = "C"
    new = now(dashboard, kam.classify.sections.xy_grid).results["graded"]
    assert (new.loc[in_cell.to_numpy(), "grid_class"] == "C").all()
    assert new.loc[~in_cell.to_numpy(), "grid_class"].equals(graded.loc[~in_cell, "grid_class"])
    c_now = ((graded["grid_class"] == "C") | in_cell) & ~graded["vip"] & (graded["check"] == "ok")
    reading = now(dashboard, kam.classify.sections.xy_grid).findings[0]
    assert re.search(r"B and (\d+) C", reading).group(1) == str(c_now.sum())
    assert reading != sections["xy"].findings[0]


def test_the_selection_weights_rescore_as_a_weighted_sum_of_the_criteria(ds, dashboard):
    sections = classification(dashboard, ds)
    for criterion, weight in (("Purchase volume", 0.6), ("Purchase concentration", 0.0), ("Service requirements", 0.0),
                              ("Price sensitivity", 0.0), ("Wish for partnership", 0.2)):
        widget(dashboard, f"Weight: {criterion}").value = weight
    scores = now(dashboard, kam.classify.sections.selection).results["scores"].set_index("account_id")
    before = sections["selection"].results["scores"].set_index("account_id")
    expected = (100 * (0.6 * before["volume_score"] + 0.2 * before["partnership_score"]) / 0.8).round(2)
    assert (scores["ka_score"] - expected.loc[scores.index]).abs().max() < 0.01
    top = expected.sort_values(ascending=False).index[0]
    assert scores.loc[top, "rank"] == 1 and before.loc[top, "account_name"] in now(
        dashboard, kam.classify.sections.selection).findings[0]


def test_what_this_means_follows_the_controls_as_a_batch_run_with_those_settings_reads(ds, dashboard, tmp_path):
    classification(dashboard, ds)
    first = shown_text(dashboard.closing.outputs)
    widget(dashboard, "Region").value = "north"
    widget(dashboard, "A cut-off (cumulative share)").value = 0.6
    widget(dashboard, "Weight: Purchase volume").value = 1.0
    batch = Page(lang="en", output_dir=tmp_path / "batch", display=lambda shown: None)
    weights = {"volume": 1.0, "concentration": 0.2, "service_level": 0.2, "price_sensitivity": 0.2, "partnership": 0.2}
    sections = classification(batch, ds, region="north", weights=weights)
    batch_page = Page(lang="en", output_dir=tmp_path / "again", display=lambda shown: None)
    tables = kam.classify.scope(ds, region="north")
    batch_page.show(kam.classify.sections.pareto(tables["orders"], accounts=tables["accounts"], cutoffs=[0.6, 0.95]))
    expected = [*batch_page.findings, *[f for name, s in sections.items() if name != "pareto" for f in s.findings]]
    assert dashboard.findings == expected
    text = shown_text(dashboard.closing.outputs)
    assert text != first and all(kam.sections.markdown_html(f).strip()[3:-4] in text for f in expected)


def test_the_settings_of_the_new_controls_run_as_a_batch(ds, dashboard, tmp_path):
    classification(dashboard, ds)
    widget(dashboard, "Region").value = "east"
    widget(dashboard, "Class at X = 0, Y = 2").value = "A"
    widget(dashboard, "Weight: Wish for partnership").value = 0.8
    config = load_config(dashboard.save_settings())
    saved = config["notebooks"][0]["parameters"]
    assert saved["region"] == "east" and saved["grid"]["cells"][2] == ["A", "C", "B", "-", "-"]
    assert saved["weights"]["partnership"] == 0.8
    jobs, _ = plan_batch(config, lang="zh")
    given = jobs[0].parameters
    tables = kam.classify.scope(ds, region=given["region"])
    graded = kam.classify.sections.xy_grid(tables["accounts"], tables["orders"], grid=given["grid"]).results["graded"]
    assert graded.equals(now(dashboard, kam.classify.sections.xy_grid).results["graded"])
    assert kam.classify.grid_cells(given["grid"]) == {**kam.classify.DEFAULT_GRID, (0, 2): "A"}


def test_the_grid_parameter_takes_a_file_or_its_content(tmp_path, sample):
    spec = kam.classify.grid_spec({**kam.classify.DEFAULT_GRID, (2, 4): "A"})
    path = tmp_path / "grid.yml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    accounts, orders = sample["accounts"], sample["orders"]
    from_file = kam.classify.sections.xy_grid(accounts, orders, grid=str(path))
    from_mapping = kam.classify.sections.xy_grid(accounts, orders, grid=spec)
    assert from_file.results["graded"].equals(from_mapping.results["graded"])
    assert str(path) in from_file.items[0] and "the grid set in the parameters" in from_mapping.items[0]
    with pytest.raises(kam.errors.ConfigError, match="missing"):
        kam.classify.grid_cells({"cells": {4: ["A"] * 5}})
    notebook = NOTEBOOKS_DIR / "02_customer_classification.ipynb"
    jobs, _ = plan_batch({"notebooks": [{"notebook": notebook.stem, "parameters": {"grid": str(path)}}]}, lang="en")
    assert jobs[0].parameters["grid"] == str(path)  # a file name stays a file name


def test_a_grid_file_gives_the_cell_controls_their_start(ds, tmp_path, sample):
    path = tmp_path / "grid.yml"
    path.write_text(yaml.safe_dump(kam.classify.grid_spec({**kam.classify.DEFAULT_GRID, (2, 4): "C"})),
                    encoding="utf-8")
    page = Dashboard(lang="en", output_dir=tmp_path, delay=0, display=lambda shown: None)
    classification(page, ds, grid=str(path))
    assert widget(page, "Class at X = 2, Y = 4").value == "C" and widget(page, "Class at X = 1, Y = 4").value == "A"


# --------------------------------------------------------------------------- visit planning (03)
def test_follow_ups_kpis_and_pre_call_sheets_follow_the_plan_month_and_rep(ds, tmp_path):
    page = Dashboard(lang="en", output_dir=tmp_path, notebook="03_visit_planning", delay=0,
                     display=lambda shown: None)
    plan = kam.explore.show(page, kam.visits.sections.month_plan, ds, month=None, region=None, rep_id=None,
                            policy=None, calendar=None, lang="en")
    planned = kam.explore.result(page, plan, "plan")
    kam.explore.show(page, kam.visits.sections.follow_ups, ds, month=None, region=None, rep_id=None, lang="en")
    kam.explore.show(page, kam.visits.sections.lead_targets, ds, month=None, deal_target=None, adjusted_rates=None,
                     lang="en")
    kam.explore.show(page, kam.visits.sections.manager_kpis, ds, month=None, region=None, rep_id=None, lang="en")
    sheets = kam.explore.show(page, kam.visits.sections.precall, planned, ds, lang="en")
    kam.explore.show(page, kam.visits.sections.plan_files, planned, ds, kam.explore.result(page, sheets, "precall"),
                     output_dir=tmp_path / "files", lang="en")
    page.conclusions("text.vpl_nothing")
    rep = widget(page, "Rep")
    rep.value = rep.options[3][1]
    widget(page, "Month (e.g. 2026-03)").value = "2026-04"

    accounts, orders = ds.table("accounts"), ds.table("orders")
    mine = orders[orders["account_id"].isin(accounts.loc[accounts["rep_id"] == rep.value, "account_id"])]
    due = now(page, kam.visits.sections.follow_ups).results["due"]
    assert due.equals(kam.visits.follow_ups_due(mine, pd.Timestamp("2026-04-01")))
    assert set(due["account_id"]) <= set(mine["account_id"])
    kpis = now(page, kam.visits.sections.manager_kpis).results["kpis"]
    assert set(kpis["rep_id"]) - {"total"} <= {rep.value}
    assert "2026-04" in now(page, kam.visits.sections.lead_targets).findings[0]
    precall = now(page, kam.visits.sections.precall).results["precall"].sheets
    assert len(precall) and set(precall["rep_id"]) == {rep.value}
    assert precall["visit_date"].dt.strftime("%Y-%m").eq("2026-04").all()
    written = now(page, kam.visits.sections.plan_files).results["files"]
    assert any(rep.value in p.name for p in written) and all(p.exists() for p in written)
    assert any("2026-04" in f for f in page.findings) and not any("2026-01" in f for f in page.findings)


def test_the_overview_closing_speaks_of_the_grouping_the_control_chose(ds, tmp_path):
    page = Dashboard(lang="en", output_dir=tmp_path, notebook="00_data_overview", delay=0, display=lambda shown: None)
    groups = kam.explore.show(page, kam.overview.sections.revenue_by_group, ds, by="region")
    monthly = kam.overview.sections.revenue_per_month(ds)
    kam.explore.show(page, kam.overview.sections.what_this_means, groups, monthly, lang="en")
    closing = page.steps[-1]
    by_region = kam.overview.sections.what_this_means(groups, monthly, by="region", lang="en").items[0]
    assert closing.result.items[0] == by_region

    widget(page, "Group by").value = "customer_type"
    by_type = kam.overview.sections.revenue_by_group(ds, by="customer_type")
    expected = kam.overview.sections.what_this_means(by_type, monthly, by="customer_type", lang="en").items[0]
    assert expected != by_region
    assert closing.result.items[0] == expected
    shown = shown_text(closing.output.outputs)
    assert "is the largest customer type" in shown and "is the largest region" not in shown
