"""Visit planning (拜访计划): visit policy, working days, visit frequency by class, the month's visit
plan per rep, the follow-up cycle, lead targets, visit coverage, pre-call sheets and calendar export.

Computations are re-exported here (``kamlib.visits.<name>``); the notebook's sections are in
:mod:`kamlib.visits.sections`, its sentences in :mod:`~kamlib.visits.readings` and its charts in
:mod:`~kamlib.visits.plots`.
"""

from kamlib.visits import plots, readings, sections
from kamlib.visits.coverage import (
    last_visits,
    manager_kpis,
    overdue_accounts,
    planned_vs_actual,
    visits_by_class,
)
from kamlib.visits.followup import TOUCHES, Touch, follow_up_schedule, follow_ups_due
from kamlib.visits.frequency import (
    CLASS_COLUMNS,
    OVERRIDE_COLUMN,
    REASONS,
    visit_frequency,
)
from kamlib.visits.ical import (
    TIMEZONE,
    calendar_events,
    calendar_ics,
    read_events,
    write_calendars,
)
from kamlib.visits.leads import TOTAL, lead_history, lead_targets
from kamlib.visits.planner import (
    FIXES,
    RULES,
    SHORTFALL_REASONS,
    MonthPlan,
    compare_plans,
    plan_month,
    replan,
    what_if,
)
from kamlib.visits.policy import CLASS_ORDER, ClassRule, VisitPolicy, policy_from
from kamlib.visits.precall import QUESTIONS, PrecallSheets, precall_sheets
from kamlib.visits.workdays import (
    KINDS,
    WorkCalendar,
    calendar_from,
    month_days,
    month_start,
    read_overrides,
)

__all__ = [
    "CLASS_COLUMNS",
    "CLASS_ORDER",
    "FIXES",
    "KINDS",
    "OVERRIDE_COLUMN",
    "QUESTIONS",
    "REASONS",
    "RULES",
    "SHORTFALL_REASONS",
    "TIMEZONE",
    "TOTAL",
    "TOUCHES",
    "ClassRule",
    "MonthPlan",
    "PrecallSheets",
    "Touch",
    "VisitPolicy",
    "WorkCalendar",
    "calendar_events",
    "calendar_from",
    "calendar_ics",
    "compare_plans",
    "follow_up_schedule",
    "follow_ups_due",
    "last_visits",
    "lead_history",
    "lead_targets",
    "manager_kpis",
    "month_days",
    "month_start",
    "overdue_accounts",
    "plan_month",
    "planned_vs_actual",
    "plots",
    "policy_from",
    "precall_sheets",
    "read_events",
    "read_overrides",
    "readings",
    "replan",
    "sections",
    "visit_frequency",
    "visits_by_class",
    "what_if",
    "write_calendars",
]
