"""Workshop 4's week: the territory, the checker of a week plan, and the planner widget.

A valid week passes; a week that breaks one rule is told that rule, naming the day or
the account, in English and in Chinese; the planner records what the checker says.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest
from widget_states import widget_states

from kamlib import i18n
from kamlib.training import load_banks
from kamlib.training.territory import (
    DAYS,
    RULES,
    check_week,
    sample_territory,
    territory_table,
)
from kamlib.training.widgets import Workshop
from kamlib.training.widgets.week import WeekPlanner

TERRITORY = sample_territory()
QUESTION = load_banks()["visit_week"].question("plan_the_week")
#: A week that keeps every rule: Suzhou on Tuesday, Wuxi on Wednesday, Changzhou on Thursday.
VALID = {"K-01": "tue", "K-02": "tue", "K-08": "tue", "K-03": "wed", "K-04": "wed", "K-10": "wed",
         "K-05": "thu", "K-06": "thu", "K-07": "thu", "K-09": "none"}


def _due_by_hand() -> dict[str, pd.Timestamp | None]:
    """Accounts due this week and the last day their window allows (None: never visited), by plain arithmetic."""
    last = TERRITORY.visits.groupby("account_id")["visit_date"].max()
    next_monday = pd.Timestamp(TERRITORY.monday) + pd.Timedelta(days=7)
    due = {}
    for account, cls in TERRITORY.accounts[["account_id", "class"]].itertuples(index=False):
        if account not in last:
            due[account] = None
            continue
        latest = last[account] + pd.Timedelta(days=TERRITORY.policy.classes[cls].max_gap)
        if latest < next_monday:
            due[account] = latest
    return due


def _changed(**moves: str) -> dict[str, str]:
    return {**VALID, **moves}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_valid_week_gets_full_marks(lang):
    result = check_week(VALID, TERRITORY, lang)
    assert result.correct and result.score == len(RULES) == QUESTION.points
    assert result.details["broken"] == []
    assert result.feedback == (i18n.t("training.week.all_kept", lang),)


def test_another_valid_week_with_friday_used_scores_the_same():
    week = _changed(**{"K-10": "fri", "K-01": "fri", "K-08": "fri"})  # Wuxi alone on Friday would break the city rule
    assert check_week(week, TERRITORY).details["broken"] == ["cities"]
    week = _changed(**{"K-01": "fri", "K-08": "fri"})
    assert check_week(week, TERRITORY).correct


def test_the_banks_answer_is_a_valid_week_of_the_territory():
    ids = {a.replace("-", "").lower() for a in TERRITORY.accounts["account_id"]}
    assert {o.id for o in QUESTION.options} == ids
    assert {t.id for t in QUESTION.targets} == {*DAYS, "none"}
    assert check_week(QUESTION.answer, TERRITORY).correct


def test_monday_is_a_holiday_in_the_calendar():
    assert TERRITORY.working == {"mon": False, "tue": True, "wed": True, "thu": True, "fri": True}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_visit_on_a_day_off_is_named(lang):
    result = check_week(_changed(**{"K-06": "mon"}), TERRITORY, lang)
    assert result.details["broken"] == ["working_day"] and result.score == len(RULES) - 1
    assert result.feedback[0].startswith(i18n.t("training.week.day.mon", lang))
    assert "K-06" in result.feedback[0] and "04-06" in result.feedback[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_day_over_capacity_is_named_with_its_visits_and_capacity(lang):
    tight = replace(TERRITORY, capacity=2)
    result = check_week(VALID, tight, lang)
    assert result.details["broken"] == ["capacity"]
    assert len(result.feedback) == 3  # Tuesday, Wednesday and Thursday hold 3 visits each
    tuesday = result.feedback[0]
    assert tuesday.startswith(i18n.t("training.week.day.tue", lang)) and "3" in tuesday and "2" in tuesday
    if lang == "en":
        assert tuesday == "Tuesday 04-07: 3 visits, capacity 2."


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_two_cities_on_one_day_are_named(lang):
    result = check_week(_changed(**{"K-08": "wed", "K-10": "tue"}), TERRITORY, lang)
    assert result.details["broken"] == ["cities"]
    suzhou, wuxi = ("Suzhou", "Wuxi") if lang == "en" else ("苏州", "无锡")
    assert len(result.feedback) == 2 and all(suzhou in f and wuxi in f for f in result.feedback)
    assert check_week(_changed(**{"K-08": "wed", "K-10": "tue"}),
                      replace(TERRITORY, policy=replace(TERRITORY.policy, max_cities=2)), lang).correct


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_due_account_left_out_is_named(lang):
    due = _due_by_hand()
    assert set(due) == {"K-01", "K-02", "K-04", "K-06", "K-07", "K-08"}
    result = check_week({}, TERRITORY, lang)
    assert result.details["broken"] == ["due"] and result.score == len(RULES) - 1
    assert len(result.feedback) == len(due)
    for account, latest in due.items():
        sentence = next(f for f in result.feedback if account in f)
        if latest is not None:
            assert f"{latest:%Y-%m-%d}" in sentence
    k07 = next(f for f in result.feedback if "K-07" in f)
    if lang == "en":
        assert k07.startswith("Account K-07 (A) is due and not planned")
    else:
        assert k07.startswith("客户 K-07（A 类）到期却没有安排")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_visit_after_the_window_closes_is_named(lang):
    result = check_week(_changed(**{"K-02": "fri"}), TERRITORY, lang)
    assert result.details["broken"] == ["due"]
    (sentence,) = result.feedback
    latest = _due_by_hand()["K-02"]
    assert "K-02" in sentence and f"{latest:%Y-%m-%d}" in sentence
    assert i18n.t("training.week.day.fri", lang) in sentence


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_visit_too_soon_is_named_with_the_first_day_allowed(lang):
    result = check_week(_changed(**{"K-09": "fri"}), TERRITORY, lang)
    assert result.details["broken"] == ["spacing"]
    (sentence,) = result.feedback
    last = TERRITORY.visits.set_index("account_id").loc["K-09", "visit_date"]
    earliest = last + pd.Timedelta(days=TERRITORY.policy.classes["B"].min_gap)
    assert "K-09" in sentence and f"{earliest:%Y-%m-%d}" in sentence


def test_the_score_counts_the_rules_kept():
    week = _changed(**{"K-06": "mon", "K-09": "fri", "K-07": "none"})
    result = check_week(week, TERRITORY)
    assert result.details["broken"] == ["working_day", "due", "spacing"]
    assert result.score == len(RULES) - 3 and not result.correct


@pytest.mark.parametrize("plan, code", [
    ([], "not_mapping"), ("K-01 tue", "not_mapping"), ({"K-99": "tue"}, "unknown_account"),
    ({"K-01": "sat"}, "unknown_day"), ({"K-01": 3}, "unknown_day"), ({1: "tue"}, "unknown_account"),
])
def test_a_plan_that_cannot_be_read_gets_a_message_not_an_error(plan, code):
    for lang in ("en", "zh"):
        result = check_week(plan, TERRITORY, lang)
        assert result.details == {"malformed": code} and result.score == 0
        assert result.feedback == (i18n.t(f"training.week.malformed.{code}", lang),)


def test_plans_may_write_accounts_and_days_as_the_bank_does():
    assert check_week({"k01": "Tue", "k02": "TUE", "k08": "tue", "k03": "wed", "k04": "wed", "k10": "wed",
                       "k05": "thu", "k06": "thu", "k07": "thu"}, TERRITORY).correct


def test_the_table_shows_no_window_or_due_date():
    for lang in ("en", "zh"):
        table = territory_table(TERRITORY, lang)
        assert len(table.columns) == 4 and len(table) == len(TERRITORY.accounts)
    assert "苏州" in territory_table(TERRITORY, "zh").to_numpy()


# ----------------------------------------------------------------------------- the planner widget
@pytest.fixture
def planner(tmp_path) -> WeekPlanner:
    ws = Workshop.open("visit_week", participant="Ann", results_dir=tmp_path)
    return WeekPlanner(ws, TERRITORY)


def test_check_records_the_week_and_shows_the_checkers_feedback(planner, tmp_path):
    planner.choices["K-01"].value = "mon"
    planner.button.click()
    expected = check_week(planner.plan(), TERRITORY, "en")
    assert "K-01" in planner.feedback.value and i18n.t("training.ui.wrong", "en") in planner.feedback.value
    for name, value in VALID.items():
        planner.choices[name].value = value
    planner.button.click()
    assert i18n.t("training.ui.right", "en") in planner.feedback.value
    lines = [json.loads(line) for line in (tmp_path / "visit_week").glob("*.jsonl").__next__().read_text().splitlines()]
    assert [line["question"] for line in lines] == ["plan_the_week"] * 2
    assert lines[0]["score"] == expected.score and lines[1]["score"] == QUESTION.points
    assert lines[1]["response"] == VALID


def test_switching_language_keeps_the_days_and_relabels(planner):
    planner.choices["K-07"].value = "thu"
    planner.button.click()
    planner.workshop.set_lang("zh")
    assert planner.choices["K-07"].value == "thu"
    assert dict(planner.choices["K-07"].options)["周四 04-09"] == "thu"
    assert planner.button.description == i18n.t("training.ui.check", "zh")
    assert "苏州" in planner.table.value and "未能" not in planner.feedback.value
    assert "到期" in planner.feedback.value  # the feedback is told again in Chinese


def test_no_answer_is_in_the_widgets_before_check(planner):
    state = json.dumps(widget_states(planner.widget), ensure_ascii=False, default=str)
    for lang in ("en", "zh"):
        assert QUESTION.explanation.get(lang)[:40] not in state
        assert i18n.t("training.week.all_kept", lang) not in state
    for sentence in check_week({}, TERRITORY).feedback:
        assert sentence not in state


def test_check_waits_for_a_name(tmp_path):
    ws = Workshop.open("visit_week", participant="", results_dir=tmp_path)
    planner = WeekPlanner(ws, TERRITORY)
    assert planner.button.disabled
    ws.name.value = "Bo"
    assert not planner.button.disabled
