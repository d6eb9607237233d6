"""Every analysis notebook runs in a kernel with ``interactive=True``: no error, and its sections
with controls are widgets whose output holds the section (the kernel rendered it). The settings
a dashboard saves run as a batch report that shows the tables the dashboard showed."""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest

import kamlib as kam
from kamlib.explore.controls import caption
from kamlib.explore.dashboard import Dashboard
from kamlib.report import NOTEBOOKS_DIR, load_config, plan_batch

pytestmark = pytest.mark.slow

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Captions of controls each notebook's dashboard must have (Chinese), and headings drawn into widgets
#: (sections that follow a control).
CONTROLS = {
    "02_customer_classification": (["区域", "销售代表", "X = 1、Y = 4 的类别", "权重：采购量", "A类分界（累计占比）"],
                                   ["大客户选择评分", "客户购买状况", "结论与启示"]),
    "03_visit_planning": (["计划月份（如 2026-03）", "销售代表"], ["到期回访", "线索开发目标", "客户经理关键指标", "访前计划表"]),
}


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("0*.ipynb")), ids=lambda p: p.stem)
def test_the_notebook_runs_interactively(path, tmp_path):
    target = tmp_path / path.name
    papermill.execute_notebook(str(path), str(target), kernel_name="python3", cwd=str(NOTEBOOKS_DIR), progress_bar=False,
                               parameters={"interactive": True, "lang": "zh", "output_dir": str(tmp_path / "out")})
    executed = nbformat.read(target, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    shown = [m["state"]["outputs"] for m in state.values() if m["model_name"] == "OutputModel"]
    assert views and shown and all(shown)
    text = json.dumps(shown, ensure_ascii=False)
    assert "<h2" in text or "<h3" in text  # section headings drawn into the widgets
    captions, headings = CONTROLS.get(path.stem, ([], []))
    described = {m["state"].get("description") for m in state.values()}
    assert set(captions) <= described
    assert all(heading in text for heading in headings)


def test_settings_saved_on_a_dashboard_run_as_a_report_showing_the_same_tables(tmp_path):
    kam.plots.theme("en")  # the font of the account names in the charts
    ds = kam.data.load(tables=["accounts", "orders", "products", "visits", "leads", "opportunities"])
    page = Dashboard(lang="en", output_dir=tmp_path / "dashboard", notebook="02_customer_classification", delay=0,
                     display=lambda shown: None)
    tables = kam.explore.value(page, kam.classify.scope, ds, region=None, rep_id=None)
    accounts, orders, products, visits, _, _ = kam.explore.unpack(page, tables)
    day = kam.explore.value(page, kam.classify.reference_day, orders, None)
    kam.explore.show(page, kam.classify.sections.xy_grid, accounts, orders, grid=None, as_of=day, lang="en")
    kam.explore.show(page, kam.classify.sections.selection, accounts, orders, products, visits, weights=None,
                     as_of=day, lang="en")
    controls = {caption(c, "en"): w for step in page.steps for c, w in step.controls}
    controls["Region"].value = "south"
    controls["Class at X = 2, Y = 2"].value = "A"
    controls["Weight: Price sensitivity"].value = 0.9
    jobs, _ = plan_batch(load_config(page.save_settings()), lang="en")
    out = tmp_path / "report"
    papermill.execute_notebook(str(jobs[0].notebook), str(tmp_path / "02.ipynb"), kernel_name="python3",
                               cwd=str(NOTEBOOKS_DIR), progress_bar=False,
                               parameters={**jobs[0].parameters, "output_dir": str(out)})
    for table in ("xy_classes", "selection_scores"):
        shown = (tmp_path / "dashboard" / "tables" / f"{table}.csv").read_text(encoding="utf-8-sig")
        assert shown == (out / "tables" / f"{table}.csv").read_text(encoding="utf-8-sig"), table
    assert "south" in jobs[0].parameters.values()
