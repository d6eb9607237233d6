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
from kamlib.explore.dashboard import SETTINGS_FILE, Dashboard
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
    found = [w for step in page.steps for c, w in step.controls if kam.i18n.t(c.label, "en") == label]
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
    assert kam.i18n.t("title.wl_win_rates", "en") in shown[-1].data
