"""kamlib.winloss.sections: what each section of the win/loss notebook holds, on the
embedded sample and on data that lacks what a section needs; and the notebook stays thin."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import kamlib.data
import kamlib.plots
import kamlib.winloss as wl
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
    assert section.items[0] == " ".join(section.findings)
    assert rates.attrs["level"] == 0.9
    assert draws(section) == [charts.plot_win_rates]
    assert section.items[-1].size == (8, 1.2 + 0.28 * len(rates))


def test_win_rates_by_source_is_a_part_without_heading_or_finding(opps):
    section = sections.win_rates_by_source(opps, by=BY, lang="zh")
    assert section.title is None and section.findings == []
    assert list(section.saved) == ["win_rates_by_source"]
    assert section.items[0] == " ".join(_rates_readings(frame(section, "win_rates_by_source"), "source"))
    assert draws(section) == [charts.plot_win_rates]
    # the groups already are sources, or there are no sources: nothing to add
    assert not sections.win_rates_by_source(opps, by="source").shows_anything
    assert not sections.win_rates_by_source(opps.drop(columns="source"), by=BY).shows_anything


def test_loss_reasons_table_and_heat_map(opps):
    section = sections.loss_reasons(opps, by=BY, lang="en")
    assert list(section.saved) == [f"loss_reasons_by_{BY}", f"loss_table_by_{BY}"]
    assert section.findings == [reading("loss_table", frame(section, f"loss_reasons_by_{BY}"), lang="en", by=BY)]
    shown = section.items[1].frame
    assert "Price" in shown.columns and "price" in frame(section, f"loss_table_by_{BY}").columns
    assert shown.iloc[-1, 0] == "Total"
    assert draws(section) == [charts.plot_loss_heatmap]


def test_loss_pareto_is_a_part_of_the_loss_reasons(opps):
    section = sections.loss_pareto(opps, lang="zh")
    assert (section.title, section.level) == ("title.wl_pareto", 3)
    assert section.findings == [reading("pareto", frame(section, "loss_reason_pareto"), lang="zh")]
    assert draws(section) == [charts.plot_pareto]


ONE_READING = [
    # builder, saved tables, (kind, saved table the reading reads, by), charts
    (lambda ds, opps: sections.addressable_losses(opps, lang="zh"),
     ["addressable_losses_by_rep", "addressable_losses_by_product"],
     ("addressable", "addressable_losses_by_rep", "rep_id"), [kamlib.plots.plot_bar]),
    (lambda ds, opps: sections.competitors(opps, lang="zh"),
     ["competitors", "competitors_by_product_name", "competitors_by_region"],
     ("competitors", "competitors", None), [kamlib.plots.plot_bar]),
    (lambda ds, opps: sections.cycle_times(opps, lang="zh"), ["cycle_times"], ("cycle", "cycle_times", None),
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
    assert section.findings == [reading(kind, frame(section, stem), lang="zh", by=by)]
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
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{stem}.{ext}" for stem in (f"win_rates_by_{BY}", "loss_reason_pareto") for ext in ("csv", "xlsx"))


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
            assert f"kam.winloss.sections.{name}(" in source, name
    assert 'page.conclusions("text.wl_nothing")' in source
