"""What visit planning hands to people: the follow-up calendar, the lead targets, the coverage
tables, the pre-call sheets and the calendar files (docs/visits.md).

Worked numbers are computed by hand from the rules in docs/visits.md ("Follow-up cycle",
"Lead targets"); the calendar files are parsed back with ``icalendar``.
"""

from __future__ import annotations

import math
import re

import icalendar
import pandas as pd
import pytest

from kamlib.errors import ConfigError, DataError
from kamlib.visits import (
    calendar_events,
    calendar_ics,
    follow_up_schedule,
    follow_ups_due,
    last_visits,
    lead_history,
    lead_targets,
    manager_kpis,
    overdue_accounts,
    precall_sheets,
    read_events,
    visits_by_class,
    write_calendars,
)
from kamlib.visits.sections import precall_page

# ------------------------------------------------------------------------------ follow-ups


def test_follow_up_cycle_has_24_touches_from_the_delivery_date():
    """docs/visits.md, Follow-up cycle: delivery 2024-01-15 → 01-18, 01-22, 01-29, 02-15, 04-15, …, 2029-01-15."""
    cycle = follow_up_schedule("2024-01-15")
    days = [f"{d:%Y-%m-%d}" for d in cycle["due_date"]]
    assert len(cycle) == 24
    assert days[:5] == ["2024-01-18", "2024-01-22", "2024-01-29", "2024-02-15", "2024-04-15"]
    assert days[-1] == "2029-01-15"
    assert cycle["kind"].tolist()[:4] == ["call", "call", "mailing", "contact"]
    assert cycle.loc[cycle["anniversary"], "months"].tolist() == [12, 24, 36, 48, 60]
    assert cycle["months"].tolist()[4:] == list(range(3, 61, 3))


def test_month_ends_are_clamped_from_the_delivery_date_not_chained():
    """Jan 31 + 1 month = Feb 29 in a leap year, Feb 28 in another; + 3 months = Apr 30, + 6 = Jul 31."""
    leap = follow_up_schedule("2024-01-31").set_index("months")["due_date"]
    assert f"{leap[1]:%Y-%m-%d}" == "2024-02-29"
    assert f"{leap[3]:%Y-%m-%d}" == "2024-04-30"
    assert f"{leap[6]:%Y-%m-%d}" == "2024-07-31"  # not Apr 30 + 3 months
    assert f"{leap[60]:%Y-%m-%d}" == "2029-01-31"
    plain = follow_up_schedule("2025-01-31").set_index("months")["due_date"]
    assert f"{plain[1]:%Y-%m-%d}" == "2025-02-28"
    # day offsets cross a month end and a leap day
    feb = follow_up_schedule("2024-02-27")
    assert [f"{d:%m-%d}" for d in feb["due_date"].head(3)] == ["03-01", "03-05", "03-12"]


def test_follow_up_schedule_refuses_a_non_date():
    with pytest.raises(DataError, match="delivery_date='soon' is not a date"):
        follow_up_schedule("soon")


def test_follow_ups_due_across_all_deliveries():
    """An order of 2023-11-30 is due at 27 months on 2026-02-28 (clamped); one of 2025-12-29 has its
    calls on 01-01 and 01-05, the mailing on 01-12 and the 1-month contact on 01-29 of 2026."""
    orders = pd.DataFrame({"account_id": ["A1", "A2", "A3"], "order_id": ["o1", "o2", "o3"],
                           "order_date": pd.to_datetime(["2025-12-29", "2023-11-30", "2019-12-01"])})
    january = follow_ups_due(orders, "2026-01")
    assert january["account_id"].tolist() == ["A1"] * 4
    assert [f"{d:%m-%d}" for d in january["due_date"]] == ["01-01", "01-05", "01-12", "01-29"]
    february = follow_ups_due(orders, "2026-02")
    assert february[["account_id", "months"]].values.tolist() == [["A2", 27]]
    assert f"{february['due_date'].iloc[0]:%Y-%m-%d}" == "2026-02-28"
    # A3's 60th month was 2024-12: nothing of it is due any more
    assert "A3" not in set(follow_ups_due(orders, "2025-12")["account_id"])
    assert follow_ups_due(orders.iloc[:0], "2026-01").empty


# ---------------------------------------------------------------------------- lead targets
MIX = {"showroom": 0.5, "referral": 0.3, "outreach": 0.2}
RATES = {"showroom": 0.25, "referral": 0.4, "outreach": 0.1}
FOUND = {"showroom": 30, "referral": 20, "outreach": 25}


def test_lead_targets_steps_one_to_seven():
    """① 20 deals; ③ 10 / 6 / 4; ⑤ 10 ÷ 0.25 = 40, 6 ÷ 0.4 = 15, 4 ÷ 0.1 = 40; ⑦ 40 − 30 = 10,
    15 − 20 = −5 (a surplus), 40 − 25 = 15; totals 95 needed, 75 found, gap 20."""
    table = lead_targets(20, MIX, RATES, history=FOUND).set_index("channel")
    assert table["deals_needed"].tolist() == [10, 6, 4, 20]
    assert table["leads_needed"].tolist() == [40, 15, 40, 95]
    assert table["lead_gap"].tolist() == [10, -5, 15, 20]
    assert table.loc["total", "leads_found"] == 75
    assert table.loc["referral", "lead_gap"] < 0  # more leads than needed: kept negative


def test_leads_needed_are_rounded_up_without_float_noise():
    """7 × 0.3 = 2.1 deals ÷ 0.3 = 7 leads (not 8, which 2.1000000000000005 / 0.3 would give);
    7 × 0.7 = 4.9 ÷ 0.6 = 8.17 → 9."""
    table = lead_targets(7, {"a": 0.3, "b": 0.7}, {"a": 0.3, "b": 0.6}).set_index("channel")
    assert table.loc["a", "leads_needed"] == 7
    assert table.loc["b", "leads_needed"] == 9
    assert table.loc["total", "leads_needed"] == 16
    assert math.isnan(table.loc["a", "lead_gap"])  # no history: no gap


def test_adjusted_close_rate_steps_eight_to_ten():
    """⑧ showroom converts 40 % instead of 25 %: ⑨ 10 ÷ 0.4 = 25 leads, ⑩ 25 − 30 = −5; the other
    channels keep their rates; totals 25 + 15 + 40 = 80, gap 80 − 75 = 5."""
    table = lead_targets(20, MIX, RATES, history=FOUND, adjusted={"showroom": 0.4}).set_index("channel")
    assert table.loc["showroom", "adjusted_leads_needed"] == 25
    assert table.loc["showroom", "adjusted_lead_gap"] == -5
    assert table.loc["outreach", "adjusted_close_rate"] == 0.1
    assert table.loc["total", "adjusted_leads_needed"] == 80
    assert table.loc["total", "adjusted_lead_gap"] == 5


@pytest.mark.parametrize(("rates", "message"), [
    ({"showroom": 0.25, "referral": 0.0, "outreach": 0.1}, "channel 'referral' must be in \\(0, 1\\], but 0.0"),
    ({"showroom": 0.25, "outreach": 0.1}, "channel 'referral' must be in \\(0, 1\\], but no rate"),
    ({"showroom": 1.5, "referral": 0.4, "outreach": 0.1}, "channel 'showroom'"),
])
def test_a_zero_or_missing_rate_names_the_channel(rates, message):
    with pytest.raises(ConfigError, match=message):
        lead_targets(20, MIX, rates)


def test_the_mix_must_sum_to_one():
    with pytest.raises(ConfigError, match="sum to 1, but they sum to 0.9"):
        lead_targets(20, {"showroom": 0.5, "referral": 0.4}, {"showroom": 0.3, "referral": 0.3})
    with pytest.raises(ConfigError, match="adjusted names channels not in the mix: \\['web'\\]"):
        lead_targets(20, MIX, RATES, adjusted={"web": 0.5})


def test_lead_history_averages_the_three_months_before():
    """Oct–Dec 2025: showroom 4 leads, 1 won; referral 2 leads, 2 won; a September lead is outside."""
    leads = pd.DataFrame({"channel": ["showroom"] * 4 + ["referral"] * 3,
                          "created_date": pd.to_datetime(["2025-10-03", "2025-11-05", "2025-12-01", "2025-12-20",
                                                          "2025-11-11", "2025-12-02", "2025-09-30"]),
                          "status": ["won", "lost", "lost", "open", "won", "won", "won"]})
    history = lead_history(leads, "2026-01").set_index("channel")
    assert history.loc["showroom", "close_rate"] == 0.25
    assert history.loc["referral", "close_rate"] == 1.0
    assert history.loc["referral", "deal_share"] == pytest.approx(2 / 3)
    assert history.loc["showroom", "leads_found"] == pytest.approx(4 / 3)


# -------------------------------------------------------------------------------- coverage
def test_last_visit_overdue_and_norms():
    accounts = pd.DataFrame({"account_id": ["a", "b", "c"]})
    log = pd.DataFrame({"account_id": ["a", "a", "b"], "outcome": ["progress", "order", "rejected"],
                        "visit_date": pd.to_datetime(["2025-12-01", "2025-12-20", "2025-11-01"])})
    last = last_visits(accounts, log, as_of="2026-01-01").set_index("account_id")
    assert last.loc["a", "days_since"] == 12 and last.loc["a", "last_outcome"] == "order"
    assert pd.isna(last.loc["c", "last_visit"])
    due = pd.DataFrame({"account_id": ["a", "b", "c"], "class": ["A", "B", "C"], "max_gap": [21, 45, 60],
                        "last_visit": pd.to_datetime(["2025-12-20", "2025-11-01", None])})
    late = overdue_accounts(due, month="2026-01")
    assert late["account_id"].tolist() == ["c", "b"]  # never visited first; b: 61 days > 45
    assert late.loc[1, "days_overdue"] == 16
    norms = visits_by_class(due, log, month="2026-01").set_index("class")
    assert norms.loc["A", "visits_per_month"] == pytest.approx(2 / 3)  # 2 visits in 3 months
    assert norms.loc["A", "below_norm"] == 1 and norms.loc["C", "norm_low"] == pytest.approx(2 / 3)


def test_manager_kpis_growth_churn_and_new_customers():
    """R1: 100 + 50 in 2024 → 150 in 2025 = 0 % growth; b bought in 2024 only = 1 of 2 churned;
    R2: c's first order is in 2025 = 1 new customer."""
    orders = pd.DataFrame({"account_id": ["a", "b", "a", "c"], "rep_id": ["R1", "R1", "R1", "R2"],
                           "revenue": [100, 50, 150, 30],
                           "order_date": pd.to_datetime(["2024-03-01", "2024-05-01", "2025-02-01", "2025-06-01"])})
    kpis = manager_kpis(orders, as_of="2026-01-01").set_index("rep_id")
    assert kpis.loc["R1", "sales_growth_rate"] == 0
    assert kpis.loc["R1", "churn_rate"] == 0.5
    assert kpis.loc["R2", "new_customers"] == 1 and pd.isna(kpis.loc["R2", "sales_growth_rate"])
    assert kpis.loc["total", "sales_growth_rate"] == pytest.approx(180 / 150 - 1)


# ------------------------------------------------------------------------- pre-call sheets
def test_precall_sheet_has_the_stage_persons_and_escapes_data():
    plan = pd.DataFrame({"rep_id": ["R1", "R1"], "account_id": ["A1", "A2"], "class": ["A", "C"],
                         "visit_date": pd.to_datetime(["2026-01-06", "2026-01-07"])})
    accounts = pd.DataFrame({"account_id": ["A1", "A2"], "account_name": ["<script>x</script>", "乙公司"]})
    opps = pd.DataFrame({"account_id": ["A1", "A1", "A1"], "status": ["open", "open", "won"],
                         "stage": ["low_interest", "conviction", "commitment"], "amount": [1e5, 2e5, 9e9]})
    contacts = pd.DataFrame({"account_id": ["A1"] * 4, "name": ["甲", "乙", "丙", "丁"], "influence": [3, 5, 4, 5],
                             "closeness": [1, 4, 2, 2], "layer": ["use", "decision", "image", "image"]})
    log = pd.DataFrame({"account_id": ["A1"], "visit_date": pd.to_datetime(["2025-12-10"]), "outcome": ["objection"]})
    pre = precall_sheets(plan, accounts, history=log, contacts=contacts, opportunities=opps)
    first = pre.sheets.iloc[0]
    assert (first["open_opportunities"], first["open_amount"], first["stage"], first["next_stage"]) == (
        2, 3e5, "conviction", "commitment")
    assert first["last_outcome"] == "objection"
    assert pre.sheets.iloc[1]["next_stage"] == "low_interest"  # no open deal: create interest
    assert pre.persons["name"].tolist() == ["丁", "乙", "丙"]  # influence 5, 5, 4; the less close first
    page = precall_page(pre, lang="zh")
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert page.count('<section class="sheet">') == 2 and "break-after: page" in page
    assert "什么时间拜访客户最好？" in page and "客户最可能的负反馈是什么？" in page
    assert "确信" in page and "承诺" in page and "提出异议" in page  # stage, aim and last outcome in words
    english = precall_page(pre, lang="en")
    assert "Are the conditions to buy there?" in english and "Decision layer" in english


# --------------------------------------------------------------------------------- calendars
PLAN = pd.DataFrame({
    "rep_id": ["R1", "R1", "R1", "R2"],
    "account_id": ["A1", "A1", "A2", "A3"],
    "class": ["A", "A", "B", "C"],
    "visit_date": pd.to_datetime(["2026-01-05", "2026-01-19", "2026-01-05", "2026-01-06"]),
})
NAMES = pd.DataFrame({"account_id": ["A1", "A2", "A3"],
                      "account_name": ["乌鲁木齐市天山区环境卫生管理所附属专用车辆维修服务中心", "南宁骏马铁路工程有限公司", "<b>甲</b>"]})


def _events(files) -> list:
    return [e for path in files for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")]


def test_ics_files_parse_back_with_one_event_per_visit(tmp_path):
    files = write_calendars(calendar_events(PLAN, accounts=NAMES, lang="zh"), tmp_path)
    assert [p.name for p in files] == ["visits_R1.ics", "visits_R2.ics"]
    events = _events(files)
    assert len(events) == len(PLAN)
    summaries = sorted(str(e["summary"]) for e in events)
    assert "拜访 南宁骏马铁路工程有限公司（B类）" in summaries
    assert any("乌鲁木齐市天山区环境卫生管理所" in s for s in summaries)
    starts = [e.decoded("dtstart") for e in events]
    assert {str(s.tzinfo) for s in starts} == {"Asia/Shanghai"}
    assert sorted(s.strftime("%m-%d %H:%M") for s in starts) == ["01-05 09:00", "01-05 10:30", "01-06 09:00",
                                                                  "01-19 09:00"]
    calendar = icalendar.Calendar.from_ical(files[0].read_bytes())
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]


def test_ics_lines_are_folded_on_characters(tmp_path):
    files = write_calendars(calendar_events(PLAN, accounts=NAMES, lang="zh"), tmp_path)
    for path in files:
        raw = path.read_bytes()
        lines = raw.split(b"\r\n")
        assert all(len(line) <= 75 for line in lines), max(lines, key=len)
        for line in lines:
            line.decode("utf-8")  # every line on its own is valid UTF-8: folded between characters
    assert any(line.startswith(b" ") for line in files[0].read_bytes().split(b"\r\n"))  # the long name was folded


def test_uids_are_stable_and_a_moved_visit_raises_its_sequence(tmp_path):
    first = calendar_events(PLAN, accounts=NAMES)
    again = calendar_events(PLAN.sample(frac=1, random_state=3), accounts=NAMES)
    assert sorted(first["uid"]) == sorted(again["uid"])
    assert calendar_ics(first[first["rep_id"] == "R1"]) == calendar_ics(again[again["rep_id"] == "R1"])
    assert first["uid"].is_unique
    assert set(first["uid"]) == {"R1-A1-202601-1@kam-workbook", "R1-A1-202601-2@kam-workbook",
                                 "R1-A2-202601-1@kam-workbook", "R2-A3-202601-1@kam-workbook"}
    old = read_events(write_calendars(first, tmp_path / "old"))
    moved = PLAN.assign(visit_date=PLAN["visit_date"].where(PLAN["account_id"] != "A3", pd.Timestamp("2026-01-08")))
    new = calendar_events(moved, accounts=NAMES, previous=old).set_index("uid")
    assert new.loc["R2-A3-202601-1@kam-workbook", "sequence"] == 1
    assert new.loc["R1-A2-202601-1@kam-workbook", "sequence"] == 0
    back = read_events(write_calendars(new.reset_index(), tmp_path / "new")).set_index("uid")
    assert back.loc["R2-A3-202601-1@kam-workbook", "sequence"] == 1
    assert f"{back.loc['R2-A3-202601-1@kam-workbook', 'visit_date']:%Y-%m-%d}" == "2026-01-08"
    twice = calendar_events(moved, previous=new.reset_index()).set_index("uid")  # moved again later: 2
    twice_moved = calendar_events(moved.assign(visit_date=moved["visit_date"] + pd.Timedelta(days=1)),
                                  previous=twice.reset_index()).set_index("uid")
    assert twice.loc["R2-A3-202601-1@kam-workbook", "sequence"] == 1
    assert twice_moved.loc["R2-A3-202601-1@kam-workbook", "sequence"] == 2


def test_uid_parts_keep_odd_ids_apart():
    plan = pd.DataFrame({"rep_id": ["王 1", "R/1"], "account_id": ["A-1", "A-1"],
                         "visit_date": pd.to_datetime(["2026-01-05", "2026-01-05"])})
    uids = calendar_events(plan)["uid"].tolist()
    assert len(set(uids)) == 2 and all(re.fullmatch(r"[A-Za-z0-9_%-]+-A-1-202601-1@kam-workbook", u) for u in uids)


@pytest.mark.parametrize("shift", [0, 181])
def test_each_calendar_carries_the_vtimezone_icalendar_makes_for_its_dates(shift):
    """From its first visit to a year after its last, as ``add_missing_timezones`` would add it."""
    plan = PLAN.assign(visit_date=pd.to_datetime(PLAN["visit_date"]) + pd.Timedelta(days=shift))
    events = calendar_events(plan, accounts=NAMES)
    for rep in ("R1", "R2"):
        own = events[events["rep_id"] == rep]
        made = icalendar.Calendar.from_ical(calendar_ics(own, name=rep))
        expected = icalendar.Calendar()
        for event in made.walk("VEVENT"):
            expected.add_component(event)
        expected.add_missing_timezones(first_date=own["visit_date"].min().date(),
                                       last_date=(own["visit_date"].max() + pd.DateOffset(years=1)).date())
        assert [z.to_ical() for z in made.walk("VTIMEZONE")] == [z.to_ical() for z in expected.walk("VTIMEZONE")]
        assert made.subcomponents[0].name == "VTIMEZONE"
