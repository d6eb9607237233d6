"""kamlib.visits.sections: what each section of the visit-planning notebook holds, on the embedded
sample and on data that lacks what a section needs; every sentence recomputed from its table."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import kamlib.data
import kamlib.plots
from kamlib import i18n
from kamlib.errors import ConfigError
from kamlib.i18n import format_count, format_month, format_percent
from kamlib.sections import Figure, Page, Table
from kamlib.visits import plots as charts
from kamlib.visits import sections
from kamlib.visits.readings import calendar_words, fix_sentence, reading


@pytest.fixture(scope="module")
def ds():
    return kamlib.data.load()


@pytest.fixture(scope="module")
def plan_section(ds):
    return sections.month_plan(ds, lang="zh")


@pytest.fixture(scope="module")
def planned(plan_section):
    return plan_section.results["plan"]


@pytest.fixture
def accounts_only(tmp_path) -> kamlib.data.Dataset:
    """Accounts with a class and reps, nothing else."""
    folder = tmp_path / "min"
    folder.mkdir()
    (folder / "accounts.csv").write_text("account_id,account_name,city,rep_id,class\nA1,甲公司,上海,R1,A\n"
                                         "A2,乙公司,上海,R1,B\nA3,丙公司,杭州,R2,A\n", encoding="utf-8")
    (folder / "reps.csv").write_text("rep_id,rep_name,visits_per_day\nR1,王一,1\nR2,李二,3\n", encoding="utf-8")
    return kamlib.data.load(folder)


def test_month_defaults_to_the_month_after_the_data(ds):
    assert sections.month_of(ds) == pd.Timestamp("2026-01-01")  # the sample ends on 2025-12-31


def test_plan_section_reads_its_tables(plan_section, planned):
    assert list(plan_section.saved) == ["visit_plan", "visit_shortfall", "visits_due"]
    summary, coverage = plan_section.findings
    assert format_count(len(planned.visits), "zh") in summary and format_month(planned.month, "zh") in summary
    assert "中国法定节假日及调休日历" in summary and "chinesecalendar" not in summary
    required = int(planned.due["mandatory"].sum())
    missing = int(planned.shortfall["missing"].sum())
    assert format_count(required, "zh") in coverage
    assert ("均已排入" in coverage) == (missing == 0)
    shown = next(item for item in plan_section.items if isinstance(item, Table))
    assert shown.frame["coverage_rate"].between(0, 1).all()
    assert [item.draw for item in plan_section.items if isinstance(item, Figure)] == [charts.plot_required_vs_planned]


def test_the_shortfall_comes_first_with_its_fixes(tmp_path):
    """One rep making one visit a day cannot make 2 visits to each of 20 A accounts in February 2026
    (15 working days around the Spring Festival)."""
    folder = tmp_path / "busy"
    folder.mkdir()
    rows = "".join(f"A{i:02d},R1,上海,A\n" for i in range(20))
    (folder / "accounts.csv").write_text("account_id,rep_id,city,class\n" + rows, encoding="utf-8")
    (folder / "reps.csv").write_text("rep_id,visits_per_day\nR1,1\n", encoding="utf-8")
    section = sections.month_plan(kamlib.data.load(folder), month="2026-02", lang="en")
    plan = section.results["plan"]
    assert plan.shortfall["missing"].sum() == 40 - len(plan.visits[plan.visits["mandatory"]])
    fixes = next(item for item in section.items if isinstance(item, str) and item.startswith("- "))
    assert section.items.index(fixes) < min(i for i, item in enumerate(section.items) if isinstance(item, Table))
    row = plan.shortfall.iloc[0]
    assert fixes.splitlines()[0] == "- " + fix_sentence(row, "en")
    assert fix_sentence(row, "en").startswith(
        f"+{row['missing']} slot for R1 between {row['fix_from']:%m-%d} and {row['fix_to']:%m-%d}")
    zh = fix_sentence(row, "zh")
    assert f"R1 在 {row['fix_from']:%m-%d} 至 {row['fix_to']:%m-%d} 之间增加" in zh
    assert i18n.value_label("vpl_reason", row["reason"], "zh") in zh
    assert "could not be planned" in section.findings[1]


def test_fix_sentences_for_each_fix():
    base = {"rep_id": "R7", "account_id": "A9", "class": "B", "missing": 1, "fix_from": "2026-03-09",
            "fix_to": "2026-03-13"}
    city = fix_sentence(pd.Series(base | {"reason": "city_limit", "fix": "allow_city"}), "en")
    gap = fix_sentence(pd.Series(base | {"reason": "spacing", "fix": "widen_gap"}), "zh")
    assert city.startswith("Allow R7 one more city a day between 03-09 and 03-13")
    assert gap.startswith("放宽 A9（B类，R7）的拜访间隔") and "03-09 至 03-13" in gap


def test_heat_map_counts_every_planned_visit(planned):
    section = sections.heat_map(planned, lang="zh")
    grid = section.results["grid"]
    assert grid.sum().sum() == len(planned.visits)
    assert grid[1].isna().all()  # New Year's Day is no working day
    assert section.items[0].draw is charts.plot_visit_heatmap


def test_heat_map_rows_are_the_reps_by_name(planned, ds):
    import matplotlib.pyplot as plt

    figure = sections.heat_map(planned, lang="zh").items[0]
    kamlib.plots.theme("zh")
    ax = figure.draw(*figure.args, lang="zh", ax=plt.subplots()[1], **figure.options)
    names = dict(zip(ds.table("reps")["rep_id"], ds.table("reps")["rep_name"]))
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert shown == [names[r] for r in sections.heat_map(planned).results["grid"].index]
    assert ax.get_ylabel() == kamlib.plots.column_label("rep_name", "zh")
    plt.close(ax.figure)


def test_capacity_is_working_days_times_visits_a_day(planned, ds):
    use = sections.capacity(planned, lang="en").results["capacity"].set_index("rep_id")
    reps = ds.table("reps").set_index("rep_id")
    r = "R0001"
    assert use.loc[r, "visits_per_day"] == math.floor(reps.loc[r, "visits_per_day"])
    assert use.loc[r, "capacity"] == use.loc[r, "working_days"] * use.loc[r, "visits_per_day"]
    assert use["planned"].sum() == len(planned.visits)
    finding = sections.capacity(planned, lang="en").findings[0]
    assert format_percent(use["planned"].sum() / use["capacity"].sum(), "en") in finding
    busiest = use.reset_index().sort_values(["capacity_share", "rep_id"], ascending=[False, True]).iloc[0]
    assert busiest["rep_name"] in finding and busiest["rep_id"] not in finding  # named, not by code


def test_overdue_and_norms_on_the_sample(planned, ds):
    late = sections.overdue(planned, ds, lang="zh")
    table = late.results["overdue"]
    assert (table["days_overdue"].dropna() > 0).all()
    assert format_count(len(table), "zh") in late.findings[0]
    most = table.dropna(subset=["days_overdue"]).iloc[0]  # the sentence names the most overdue account by name
    assert most["account_name"] in late.findings[0] and most["account_id"] not in late.findings[0]
    norms = sections.visits_by_class(planned, ds, lang="en").results["by_class"]
    assert set(norms["class"]) == {"VIP", "A", "B", "C"}
    assert norms["accounts"].sum() == len(planned.due)


def test_planned_vs_actual_waits_for_the_log(planned, ds):
    section = sections.planned_vs_actual(planned, ds, lang="zh")
    last = f"{ds.table('visits')['visit_date'].max():%Y-%m-%d}"
    assert section.items == [f"拜访记录截至{last}，早于2026年1月：记录该月的拜访后即可对比计划与实际。"]
    december = sections.month_plan(ds, month="2025-12").results["plan"]
    actual = sections.planned_vs_actual(december, ds, lang="en").results["actual"]
    log = ds.table("visits")
    in_december = log[(log["visit_date"] >= "2025-12-01") & (log["visit_date"] <= "2025-12-31")]
    assert actual["actual"].sum() == in_december["rep_id"].isin(actual["rep_id"]).sum()


def test_follow_ups_leads_and_kpis_read_their_tables(ds):
    follow = sections.follow_ups(ds, lang="en")
    due = follow.results["due"]
    assert f"{format_count(len(due), 'en')} follow-up touches fall due in 2026-01" in follow.findings[0]
    assert due["due_date"].between("2026-01-01", "2026-01-31").all()
    leads = sections.lead_targets(ds, deal_target=30, adjusted_rates={"showroom": 0.9}, lang="en")
    targets = leads.results["targets"].set_index("channel")
    assert targets.loc["total", "deals_needed"] == pytest.approx(30)
    assert targets.loc["showroom", "adjusted_leads_needed"] < targets.loc["showroom", "leads_needed"]
    assert f"To close 30 deals in 2026-01 the channels need {format_count(targets.loc['total', 'leads_needed'], 'en')}" \
        in leads.findings[0]
    kpis = sections.manager_kpis(ds, lang="zh")
    total = kpis.results["kpis"].set_index("rep_id").loc["total"]
    assert format_percent(total["churn_rate"], "zh") in kpis.findings[0]
    assert kpis.items[1].frame["rep_id"].iloc[0] == "total"  # shown first


def test_precall_and_files(planned, ds, tmp_path):
    section = sections.precall(planned, ds, lang="zh")
    sheets = section.results["precall"]
    assert len(sheets.sheets) == len(planned.visits)
    files = sections.plan_files(planned, ds, sheets, output_dir=tmp_path, lang="zh")
    names = sorted(p.name for p in files.results["files"])
    assert sections.PRECALL_FILE in names
    assert len([n for n in names if n.endswith(".ics")]) == planned.visits["rep_id"].nunique()
    page = (tmp_path / sections.PRECALL_FILE).read_text(encoding="utf-8")
    assert page.count('<section class="sheet">') == len(planned.visits)
    name = ds.table("reps").set_index("rep_id").loc["R0001", "rep_name"]
    assert f"[{name}](visits_R0001.ics)" in files.items[0]


def test_sections_without_the_data_they_need_say_so(accounts_only):
    ds = accounts_only
    plan = sections.month_plan(ds, month="2026-03", lang="zh")
    planned = plan.results["plan"]
    assert planned.visits["account_id"].nunique() == 3
    for section in (sections.overdue(planned, ds, lang="zh"), sections.visits_by_class(planned, ds, lang="zh"),
                    sections.planned_vs_actual(planned, ds, lang="zh")):
        assert section.missing == "visits" and section.note == i18n.needs_note("visits", "zh")
    assert sections.follow_ups(ds, lang="zh").missing == "orders"
    assert sections.lead_targets(ds, lang="zh").missing == "leads"
    assert sections.manager_kpis(ds, lang="zh").missing == "orders"


def test_no_plan_without_reps(tmp_path):
    folder = tmp_path / "accounts"
    folder.mkdir()
    (folder / "accounts.csv").write_text("account_id,rep_id\nA1,R1\n", encoding="utf-8")
    ds = kamlib.data.load(folder)
    plan = sections.month_plan(ds, month="2026-03", lang="zh")
    assert plan.missing == "reps" and plan.note == i18n.needs_note("reps", "zh")
    assert sections.heat_map(None, lang="zh").missing and sections.plan_files(None, ds).shows_anything is False


def test_a_year_the_holiday_calendar_does_not_know_is_an_error_with_the_fix(accounts_only):
    with pytest.raises(ConfigError, match=r"not of 2031.*override file.*'weekdays'"):
        sections.month_plan(accounts_only, month="2031-03", lang="en")


def test_the_weekdays_calendar_plans_any_year_and_says_so(accounts_only):
    section = sections.month_plan(accounts_only, month="2031-03", calendar="weekdays", lang="en")
    assert section.results["plan"].calendar.startswith("weekdays")
    assert set(section.results["plan"].visits["visit_date"].dt.day_of_week) <= {0, 1, 2, 3, 4}


def test_calendar_words_and_the_page_shows_the_plan(planned, plan_section, tmp_path):
    assert calendar_words(planned.calendar, "en").startswith("Chinese public holidays")
    kamlib.plots.theme("zh")
    shown = []
    page = Page(lang="zh", output_dir=tmp_path, display=shown.append)
    page.show(plan_section)
    saved = next(tmp_path.rglob("visit_plan.csv"))
    assert len(pd.read_csv(saved, encoding="utf-8-sig")) == len(plan_section.results["plan"].visits)
    assert page.findings == plan_section.findings


def test_readings_of_leads_say_gap_or_surplus():
    targets = pd.DataFrame({"channel": ["showroom", "referral", "total"], "deals_needed": [5.0, 5.0, 10.0],
                            "close_rate": [0.5, 0.5, float("nan")], "leads_needed": [10, 10, 20],
                            "leads_found": [4.0, 30.0, 34.0], "lead_gap": [6.0, -20.0, -14.0],
                            "adjusted_close_rate": [0.5, 0.5, float("nan")], "adjusted_leads_needed": [10, 10, 20],
                            "adjusted_lead_gap": [6.0, -20.0, -14.0]})
    text = reading("leads", targets, lang="en", month="2026-01-01")
    assert "20 leads against 34 found a month: a surplus of 14" in text
    assert "the largest gap is in Showroom (a gap of 6)" in text
    assert "adjusted" not in text  # no channel's rate was adjusted


def test_account_tables_name_each_account_beside_its_id(ds, plan_section, planned):
    names = ds.table("accounts").set_index("account_id")["account_name"]
    tables = {name: table.frame for name, table in plan_section.saved.items()}
    tables["follow_ups_due"] = sections.follow_ups(ds).saved["follow_ups_due"].frame
    tables["heat_map_first_days"] = next(i.frame for i in sections.heat_map(planned).items if isinstance(i, Table))
    assert len(tables["visit_plan"]) and len(tables["follow_ups_due"])  # the sample has no shortfall: its columns only
    for name, frame in tables.items():
        assert frame.columns[frame.columns.get_loc("account_id") + 1] == "account_name", name
        assert frame["account_name"].tolist() == frame["account_id"].map(names).tolist(), name
