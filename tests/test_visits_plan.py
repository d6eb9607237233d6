"""The visit policy, the visit frequency and the month's visit plan (``docs/visits.md``).

hypothesis checks the planner's rules on random portfolios: capacity a day, working days only,
visit windows, at most K cities a rep-day, every mandatory visit planned or in the shortfall
with the exact count, locked appointments kept, the same plan for the same input in any row
order. Worked numbers check the class frequencies of the sources (A 2–3 a month, B 1, C 2 every
3 months; VIP at least A), the per-account override and a month with holidays.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kamlib.data
from kamlib.errors import ConfigError, DataError
from kamlib.visits import (
    VisitPolicy,
    WorkCalendar,
    compare_plans,
    plan_month,
    policy_from,
    replan,
    visit_frequency,
    what_if,
)

CAL = WorkCalendar()


# --------------------------------------------------------------------------- the rules, checked
def check_rules(plan, reps: pd.DataFrame, calendar: WorkCalendar, locked: pd.DataFrame | None) -> None:
    """Assert every rule of the plan (see the module docstring)."""
    v = plan.visits
    capacity = dict(zip(reps["rep_id"], np.floor(reps["visits_per_day"]).astype(int), strict=True))
    per_day = v.groupby(["rep_id", "visit_date"]).size()
    assert all(n <= capacity[rep] for (rep, _), n in per_day.items())
    cities = v.groupby(["rep_id", "visit_date"])["city"].nunique()
    assert (cities <= plan.policy.max_cities).all()
    for (rep, day) in per_day.index:
        assert calendar.is_workday(day, rep), (rep, day)
    due = plan.due.set_index("account_id")
    start = pd.Timestamp(plan.month)
    for account, group in v.groupby("account_id"):
        row = due.loc[account]
        days = sorted((group["visit_date"] - start).dt.days)
        fixed = set((group.loc[group["locked"], "visit_date"] - start).dt.days)
        last = None if pd.isna(row["last_visit"]) else (row["last_visit"] - start).days
        marks = ([last] if last is not None else []) + days
        for a, b in itertools.pairwise(marks):
            if (a == last and b in fixed) or (a in fixed and b in fixed):
                continue
            assert b - a >= row["min_gap"], (account, marks)
        for a, b in itertools.pairwise(days):
            if not (a in fixed and b in fixed):
                assert b - a <= row["max_gap"], (account, days)
        window = [start + timedelta(days=d) for d in range(max(last + row["min_gap"], 0), last + row["max_gap"] + 1)
                  ] if last is not None else []
        if window and any(calendar.is_workday(d, row["rep_id"]) for d in window if d.month == start.month) \
                and days[0] not in fixed:
            assert days[0] - last <= row["max_gap"], (account, marks)
    planned = v[v["mandatory"]].groupby("account_id").size()
    missing = plan.shortfall.set_index("account_id")["missing"]
    got = planned.reindex(due.index, fill_value=0) + missing.reindex(due.index, fill_value=0)
    assert (got == due["mandatory"]).all(), got[got != due["mandatory"]]
    if locked is not None:
        kept = v[v["locked"]][["rep_id", "account_id", "visit_date"]].sort_values(["rep_id", "account_id",
                                                                                 "visit_date"])
        given = locked.assign(visit_date=pd.to_datetime(locked["visit_date"])).sort_values(
            ["rep_id", "account_id", "visit_date"])
        assert kept.to_numpy().tolist() == given[["rep_id", "account_id", "visit_date"]].to_numpy().tolist()


@st.composite
def portfolios(draw):
    """Random accounts, reps, past visits, locked appointments and a month of 2025–2026."""
    n_reps = draw(st.integers(1, 3))
    reps = pd.DataFrame({"rep_id": [f"R{i}" for i in range(n_reps)],
                         "visits_per_day": draw(st.lists(st.floats(0.0, 5.0), min_size=n_reps, max_size=n_reps))})
    n = draw(st.integers(1, 30))
    accounts = pd.DataFrame({
        "account_id": [f"A{i:02d}" for i in range(n)],
        "rep_id": draw(st.lists(st.sampled_from([*reps["rep_id"], None]), min_size=n, max_size=n)),
        "city": draw(st.lists(st.sampled_from(["北京", "天津", "石家庄", "太原", None]), min_size=n, max_size=n)),
        "class": draw(st.lists(st.sampled_from(["A", "B", "C", "VIP"]), min_size=n, max_size=n)),
    })
    month = date(draw(st.sampled_from([2025, 2026])), draw(st.integers(1, 12)), 1)
    ago = draw(st.lists(st.one_of(st.none(), st.integers(1, 120)), min_size=n, max_size=n))
    visits = pd.DataFrame({"account_id": [a for a, d in zip(accounts["account_id"], ago, strict=True) if d],
                           "visit_date": [pd.Timestamp(month) - pd.Timedelta(days=d) for d in ago if d]})
    locked = None
    if draw(st.booleans()):
        rows = []
        taken: set[tuple[str, date]] = set()
        for account, rep in zip(accounts["account_id"], accounts["rep_id"], strict=True):
            cap = reps.set_index("rep_id")["visits_per_day"].get(rep, 0)
            day = draw(st.sampled_from(CAL.working_days(month)))
            if rep is not None and cap >= 1 and (rep, day) not in taken and draw(st.integers(0, 4)) == 0:
                taken.add((rep, day))
                rows.append((rep, account, day))
        locked = pd.DataFrame(rows, columns=["rep_id", "account_id", "visit_date"]) if rows else None
    return accounts, reps, visits, locked, month


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios())
def test_every_plan_keeps_the_rules(case):
    accounts, reps, visits, locked, month = case
    plan = plan_month(accounts, reps, month, visits=visits, locked=locked, calendar=CAL)
    check_rules(plan, reps, CAL, locked)
    assert set(plan.shortfall["reason"]) <= {"no_rep", "no_working_day", "capacity", "spacing", "city_limit"}
    assert (plan.shortfall["missing"] > 0).all()
    no_rep = set(accounts.loc[~accounts["rep_id"].isin(reps["rep_id"]), "account_id"])
    assert no_rep.isdisjoint(plan.visits["account_id"])


@settings(max_examples=15, deadline=None)
@given(portfolios(), st.randoms(use_true_random=False))
def test_same_input_same_plan_in_any_row_order(case, rnd):
    accounts, reps, visits, locked, month = case
    first = plan_month(accounts, reps, month, visits=visits, locked=locked, calendar=CAL)
    again = plan_month(accounts, reps, month, visits=visits, locked=locked, calendar=CAL)
    order = list(range(len(accounts)))
    rnd.shuffle(order)
    shuffled = plan_month(accounts.iloc[order], reps, month, visits=visits, locked=locked, calendar=CAL)
    pd.testing.assert_frame_equal(first.visits, again.visits)
    pd.testing.assert_frame_equal(first.visits, shuffled.visits)
    pd.testing.assert_frame_equal(first.shortfall, shuffled.shortfall)


# --------------------------------------------------------------------------- frequency, worked numbers
def test_class_frequencies_of_the_sources():
    """A 2–3 a month (2 mandatory + 1 optional), B 1 a month, C due when its cycle says (docs/visits.md)."""
    accounts = pd.DataFrame({"account_id": ["a", "b", "c"], "class": ["A", "B", "C"]})
    freq = visit_frequency(accounts, month="2026-03").set_index("account_id")
    assert freq.loc["a", ["mandatory", "optional"]].tolist() == [2, 1]
    assert freq.loc["b", ["mandatory", "optional"]].tolist() == [1, 0]
    assert freq.loc["c", "mandatory"] == 1                 # never visited: due now
    assert freq.loc["c", "reasons"] == ["c_cycle"]


def test_c_cycle_gives_two_visits_a_quarter_across_the_year_end():
    """C: 2 visits every 3 months, counted from the last visit (docs/visits.md): a visit on 2025-11-20
    makes the account due again in January, not December; planned month by month, the first quarter
    of 2026 gets two visits."""
    accounts = pd.DataFrame({"account_id": ["c"], "rep_id": ["R1"], "city": ["x"], "class": ["C"]})
    reps = pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [3]})
    visits = pd.DataFrame({"account_id": ["c"], "visit_date": [pd.Timestamp("2025-11-20")]})
    assert visit_frequency(accounts, month="2025-12", visits=visits)["mandatory"].tolist() == [0]
    assert visit_frequency(accounts, month="2026-01", visits=visits)["mandatory"].tolist() == [1]
    planned = []
    for month in ("2026-01", "2026-02", "2026-03"):
        plan = plan_month(accounts, reps, month, visits=visits, calendar=CAL)
        planned += plan.visits["visit_date"].tolist()
        visits = pd.concat([visits, plan.visits[["account_id", "visit_date"]]], ignore_index=True)
    assert len(planned) == 2
    assert all(b - a >= pd.Timedelta(days=30) for a, b in itertools.pairwise(planned))


def test_vip_is_visited_at_least_as_often_as_a():
    accounts = pd.DataFrame({"account_id": ["a", "v", "w"], "class": ["A", "VIP", "B"],
                             "vip": [False, False, True]})
    freq = visit_frequency(accounts, month="2026-03").set_index("account_id")
    for account in ("v", "w"):
        assert freq.loc[account, "class"] == "VIP"
        assert freq.loc[account, "mandatory"] >= freq.loc["a", "mandatory"]
        assert freq.loc[account, "due"] >= freq.loc["a", "due"]
        assert freq.loc[account, "min_gap"] <= freq.loc["a", "min_gap"]


def test_override_column_wins_and_is_planned():
    """S0: the frequency is set per customer; a visits_per_month value wins over every rule."""
    accounts = pd.DataFrame({"account_id": ["c", "d"], "rep_id": "R1", "city": "x", "class": ["C", "C"],
                             "visits_per_month": [4, None]})
    signals = pd.DataFrame({"account_id": ["c"], "n_signals": [2]})
    freq = visit_frequency(accounts, month="2026-03", signals=signals).set_index("account_id")
    assert freq.loc["c", ["mandatory", "optional"]].tolist() == [4, 0]
    assert freq.loc["c", "reasons"] == ["override"]
    assert freq.loc["d", "reasons"] == ["c_cycle"]
    plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [2]}), "2026-03",
                      calendar="weekdays")
    assert (plan.visits["account_id"] == "c").sum() == 4
    assert plan.shortfall.empty


def test_hot_leads_and_churn_signals_raise_the_frequency():
    accounts = pd.DataFrame({"account_id": ["a", "b", "c"], "account_name": ["甲", "乙", "丙"], "class": "B"})
    leads = pd.DataFrame({"lead_id": ["l1", "l2", "l3"], "account_name": ["甲", "乙", "乙"], "status": "open",
                          "expected_close_date": pd.to_datetime(["2026-03-04", "2026-03-12", "2026-06-01"])})
    signals = pd.DataFrame({"account_id": ["c"], "n_signals": [1]})
    freq = visit_frequency(accounts, month="2026-03", leads=leads, signals=signals).set_index("account_id")
    policy = VisitPolicy()
    assert freq.loc["a", "mandatory"] == policy.hot and "hot" in freq.loc["a", "reasons"]
    assert freq.loc["b", "mandatory"] == policy.promising and "promising" in freq.loc["b", "reasons"]
    assert freq.loc["c", "mandatory"] == 1 + policy.at_risk and "at_risk" in freq.loc["c", "reasons"]
    assert (freq["tier"] == 1).all()


def test_class_comes_from_orders_when_there_is_no_class_column():
    """Pareto/ABC with the default cut-offs 80 % / 95 % (docs/classification.md); no orders → C."""
    accounts = pd.DataFrame({"account_id": ["a", "b", "c", "d"]})
    orders = pd.DataFrame({"account_id": ["a", "b", "c", "a"], "revenue": [50.0, 15.0, 5.0, 30.0]})
    freq = visit_frequency(accounts, month="2026-03", orders=orders)
    assert freq["class"].tolist() == ["A", "B", "C", "C"]
    assert visit_frequency(accounts, month="2026-03")["reasons"].tolist() == [["class", "default_class"]] * 4
    with_revenue = accounts.assign(revenue=[80.0, 15.0, 5.0, 0.0])
    assert visit_frequency(with_revenue, month="2026-03")["class"].tolist() == ["A", "B", "C", "C"]


def test_unknown_class_is_named():
    with pytest.raises(ConfigError, match=r"column 'class' has classes \['D'\].*Add them to the policy"):
        visit_frequency(pd.DataFrame({"account_id": ["a"], "class": ["D"]}), month="2026-03")


# --------------------------------------------------------------------------- policy
def test_policy_from_yaml_file_and_errors(tmp_path: Path):
    path = tmp_path / "policy.yml"
    path.write_text("hot: 6\nclasses:\n  C: {months: 2}\n  D: {mandatory: 1, months: 6, min_gap: 60, max_gap: 200}\n",
                    encoding="utf-8")
    policy = policy_from(path)
    assert policy.hot == 6 and policy.classes["C"].months == 2 and policy.classes["C"].mandatory == 2
    assert policy.classes["D"].cycle_days == 183
    with pytest.raises(ConfigError, match=r"classes.A: unknown key 'mandatroy' \(valid keys: mandatory, max_gap, min_gap"):
        policy_from({"classes": {"A": {"mandatroy": 3}}})
    with pytest.raises(ConfigError, match="1 ≤ min_gap ≤ max_gap"):
        policy_from({"classes": {"A": {"min_gap": 30, "max_gap": 10}}})
    with pytest.raises(ConfigError, match="expected a VisitPolicy"):
        policy_from(3)


# --------------------------------------------------------------------------- plans, worked numbers
def test_national_day_month_on_the_real_calendar():
    """October 2026: 1–7 off, Saturday 10 worked (调休); 18 working days in all."""
    n = 40
    accounts = pd.DataFrame({"account_id": [f"a{i:02d}" for i in range(n)], "rep_id": "R1", "city": "x",
                             "class": "B"})
    plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [2]}), "2026-10")
    expected = ({8, 9, 10} | set(range(12, 17)) | set(range(19, 24)) | set(range(26, 31)))
    assert set(plan.visits["visit_date"].dt.day) == expected
    assert len(plan.visits) == 2 * len(expected)
    assert plan.shortfall["missing"].sum() == n - 2 * len(expected)
    assert set(plan.shortfall["reason"]) == {"capacity"} and set(plan.shortfall["fix"]) == {"add_slot"}


def test_city_limit_shortfall_names_the_window_and_the_fix():
    """Two B accounts in two cities whose windows close on Monday 2 March; one city a day (K = 1)."""
    accounts = pd.DataFrame({"account_id": ["a", "b"], "rep_id": "R1", "city": ["x", "y"], "class": "B"})
    visits = pd.DataFrame({"account_id": ["a", "b"], "visit_date": pd.Timestamp("2026-03-02") - pd.Timedelta(days=45)})
    plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"]}), "2026-03", visits=visits, calendar="weekdays",
                      policy={"max_cities": 1})
    assert len(plan.visits) == 1
    row = plan.shortfall.iloc[0]
    assert (row["reason"], row["fix"], row["missing"]) == ("city_limit", "allow_city", 1)
    assert (row["fix_from"], row["fix_to"]) == (date(2026, 3, 1), date(2026, 3, 2))


def test_accounts_without_a_known_rep_are_in_the_shortfall():
    accounts = pd.DataFrame({"account_id": ["a", "b"], "rep_id": ["R1", "R9"], "class": "A"})
    plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"]}), "2026-03", calendar="weekdays")
    assert plan.shortfall[["account_id", "missing", "reason", "fix"]].values.tolist() == [["b", 2, "no_rep",
                                                                                              "assign_rep"]]


def test_grouping_puts_a_city_on_the_same_day():
    accounts = pd.DataFrame({"account_id": list("abcd"), "rep_id": "R1", "city": ["x", "y", "x", "y"],
                             "class": "B"})
    plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [4]}), "2026-03",
                      calendar="weekdays", policy={"max_cities": 1})
    assert plan.visits.groupby("visit_date")["city"].nunique().max() == 1
    assert plan.city_days() == 2
    assert set(plan.visits["rule"]) == {"grouped_city"}


def test_local_search_packs_each_city_on_as_few_days_as_capacity_allows():
    """Seven visits in two cities, 2 a day: no plan has fewer city-days than ⌈visits ÷ 2⌉ per city."""
    accounts = pd.DataFrame({"account_id": list("abcdefgh"), "rep_id": "R1", "city": ["y", "y"] + ["x"] * 6,
                             "class": ["B", "C", "C", "C", "C", "C", "B", "C"]})
    last = ["2025-12-22", "2026-01-22", "2026-01-15", "2026-02-26", "2026-01-21", "2025-12-05", "2026-01-18",
            "2025-12-06"]
    reps = pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [2.0]})
    policy = {"classes": {name: {"optional": 0} for name in VisitPolicy().classes}}
    plan = plan_month(accounts, reps, "2026-03", visits=pd.DataFrame({"account_id": list("abcdefgh"),
                                                                       "visit_date": pd.to_datetime(last)}),
                      policy=policy, calendar="weekdays")
    check_rules(plan, reps, WorkCalendar("weekdays"), None)
    assert plan.shortfall.empty
    per_city = plan.visits.groupby("city").size()
    assert plan.city_days() == int(np.ceil(per_city / 2).sum())


def test_locked_appointment_is_kept_and_counted():
    accounts = pd.DataFrame({"account_id": ["a"], "rep_id": "R1", "city": "x", "class": "A"})
    locked = pd.DataFrame({"rep_id": ["R1"], "account_id": ["a"], "visit_date": ["2026-03-18"]})
    plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"]}), "2026-03", locked=locked, calendar="weekdays")
    assert plan.visits.loc[plan.visits["locked"], "visit_date"].tolist() == [pd.Timestamp("2026-03-18")]
    assert plan.visits["mandatory"].sum() == 2 and len(plan.visits) == 3
    assert plan.visits.loc[plan.visits["locked"], "rule"].tolist() == ["locked"]
    with pytest.raises(DataError, match="outside 2026-03"):
        plan_month(accounts, pd.DataFrame({"rep_id": ["R1"]}), "2026-03",
                   locked=locked.assign(visit_date="2026-04-01"))


def test_a_locked_visit_to_another_reps_account_takes_the_day():
    accounts = pd.DataFrame({"account_id": ["a", "b"], "rep_id": ["R1", "R2"], "city": "x", "class": "B"})
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "visits_per_day": [1, 1]})
    locked = pd.DataFrame({"rep_id": ["R2", "R3"], "account_id": ["a", "zz"], "visit_date": ["2026-03-02"] * 2})
    plan = plan_month(accounts, reps, "2026-03", locked=locked, calendar="weekdays")
    r2 = plan.visits[plan.visits["rep_id"] == "R2"].set_index("account_id")
    assert r2.loc["a", "locked"] and not r2.loc["a", "mandatory"]
    assert r2.loc["b", "visit_date"] != pd.Timestamp("2026-03-02")
    assert plan.visits.loc[plan.visits["account_id"] == "zz", "locked"].tolist() == [True]
    assert plan.shortfall.empty


def test_replan_keeps_the_past_and_lists_what_moved():
    accounts = pd.DataFrame({"account_id": list("abc"), "rep_id": "R1", "city": "x", "class": "A"})
    reps = pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [3]})
    plan = plan_month(accounts, reps, "2026-03", calendar="weekdays")
    cut = pd.Timestamp("2026-03-10")
    later = plan.visits.loc[plan.visits["visit_date"] >= cut, "visit_date"].min()
    leave = [{"date": later.date().isoformat(), "workday": "no", "rep_id": "R1"}]
    new = replan(plan, cut, calendar=WorkCalendar("weekdays").with_overrides(leave))
    before = ["rep_id", "account_id", "visit_date"]
    pd.testing.assert_frame_equal(plan.visits.loc[plan.visits["visit_date"] < cut, before].reset_index(drop=True),
                                  new.visits.loc[new.visits["visit_date"] < cut, before].reset_index(drop=True))
    assert later not in set(new.visits["visit_date"])
    assert not new.changes.empty and set(new.changes["change"]) <= {"moved", "added", "dropped"}
    assert (new.changes["old_date"].dropna() >= cut).all()


def test_what_if_and_compare_plans():
    accounts = pd.DataFrame({"account_id": [f"a{i}" for i in range(30)], "rep_id": "R1", "city": "x",
                             "class": "A"})
    plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [2]}), "2026-03",
                      calendar="weekdays")
    more = what_if(plan, capacity=1)
    table = compare_plans(plan, more).set_index("class")
    assert table.loc["total", "mandatory_required"] == 60
    assert table.loc["total", "mandatory_planned_a"] == 44          # 22 weekdays × 2
    assert table.loc["total", "mandatory_planned_b"] == 60
    assert table.loc["total", "missing_a"] == 16 and table.loc["total", "missing_b"] == 0
    away = what_if(plan, absent={"R1": pd.bdate_range("2026-03-02", "2026-03-06")})
    assert int(away.visits["visit_date"].between("2026-03-02", "2026-03-06").sum()) == 0


def test_coverage_adds_up():
    accounts = pd.DataFrame({"account_id": [f"a{i}" for i in range(12)], "rep_id": "R1", "city": "x",
                             "class": ["A", "B", "C"] * 4})
    plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [1]}), "2026-02",
                      calendar="weekdays")
    cov = plan.coverage().set_index("class")
    assert cov["accounts"].tolist() == [4, 4, 4]
    assert (cov["mandatory_planned"] + cov["missing"] == cov["mandatory_required"]).all()
    assert cov["optional_planned"].sum() == (~plan.visits["mandatory"]).sum()


# --------------------------------------------------------------------------- the sample company
def test_sample_month_after_the_data_and_accounts_with_reps_only():
    ds = kamlib.data.load()
    accounts, reps, visits = ds.table("accounts"), ds.table("reps"), ds.table("visits")
    month = (visits["visit_date"].max() + pd.offsets.MonthBegin(1)).date()
    plan = plan_month(accounts, reps, month, visits=visits, leads=ds.table("leads"), orders=ds.table("orders"))
    check_rules(plan, reps, CAL, None)
    assert plan.visits["visit_date"].dt.month.eq(month.month).all()
    bare = plan_month(accounts[["account_id", "rep_id"]], reps[["rep_id"]], month)
    assert len(bare.visits) > 0
    assert (bare.due["reasons"].map(lambda r: "default_class" in r)).all()
    assert bare.visits.groupby(["rep_id", "visit_date"]).size().max() <= VisitPolicy().visits_per_day
