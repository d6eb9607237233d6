"""Readings of the visit plan: one generated sentence per table, in the report's language.

Every figure is written as :mod:`kamlib.i18n` formats it, as the tables show it.
"""

from __future__ import annotations

import pandas as pd

from kamlib import i18n
from kamlib.i18n import (
    format_count,
    format_date,
    format_days,
    format_month,
    format_number,
    format_percent,
)
from kamlib.visits.leads import TOTAL
from kamlib.visits.policy import VisitPolicy

__all__ = ["calendar_words", "fix_sentence", "policy_rule", "reading"]


def _day(value: object) -> str:
    """A day of the plan's month as the fixes name it: ``03-09``."""
    return f"{pd.Timestamp(value):%m-%d}"


def _per_month(rule_mandatory: int, rule_optional: int, months: int, lang: str) -> str:
    low, high = rule_mandatory, rule_mandatory + rule_optional
    visits = format_count(low, lang) if low == high else f"{format_count(low, lang)}–{format_count(high, lang)}"
    if months == 1:
        return i18n.t("text.vpl_per_month", lang, visits=visits)
    return i18n.t("text.vpl_per_months", lang, visits=visits, months=format_count(months, lang))


def calendar_words(name: str, lang: str = "en") -> str:
    """A working-day calendar's name (:attr:`WorkCalendar.name <kamlib.visits.WorkCalendar.name>`) in words of *lang*.

    Examples
    --------
    >>> calendar_words("chinesecalendar 1.11.0", "zh"), calendar_words("weekdays (Mon–Fri) + leave.csv", "zh")
    ('中国法定节假日及调休日历 1.11.0 版', '周一至周五 + leave.csv')
    """
    china, weekdays = "chinesecalendar ", "weekdays (Mon–Fri)"
    if name.startswith(china):
        version, _, rest = name.removeprefix(china).partition(" + ")
        return i18n.t("text.vpl_calendar_china", lang, version=version) + (f" + {rest}" if rest else "")
    if name.startswith(weekdays):
        return i18n.t("text.vpl_calendar_weekdays", lang) + name.removeprefix(weekdays)
    return name


def policy_rule(policy: VisitPolicy, calendar: str, lang: str = "en") -> str:
    """The rule the plan applied, in italics: the frequency of each class, leads, risk, cities, calendar.

    Examples
    --------
    >>> policy_rule(VisitPolicy(), "chinesecalendar 1.11.0", "en")[:60]
    '*Rule: visits per class: VIP 2–3 a month, A 2–3 a month, B 1'
    """
    classes = i18n.join([f"{name} {_per_month(r.mandatory, r.optional, r.months, lang)}"
                         for name, r in policy.classes.items()], lang)
    return i18n.rule("text.vpl_rule", lang, classes=classes, hot=format_count(policy.hot, lang),
                     promising=format_count(policy.promising, lang), at_risk=format_count(policy.at_risk, lang),
                     cities=format_count(policy.max_cities, lang), calendar=calendar_words(calendar, lang))


def fix_sentence(row: pd.Series, lang: str = "en", *, names: dict | None = None) -> str:
    """One shortfall row as what to do: ``+1 slot for R0007 between 03-09 and 03-13 (A0149, class B)``.

    Examples
    --------
    >>> row = pd.Series({"rep_id": "R0007", "account_id": "A0149", "class": "B", "missing": 1,
    ...                  "reason": "capacity", "fix": "add_slot", "fix_from": "2026-03-09", "fix_to": "2026-03-13"})
    >>> fix_sentence(row, "en")
    '+1 slot for R0007 between 03-09 and 03-13 (A0149, class B): the rep is fully booked.'
    >>> fix_sentence(row, "zh")
    'R0007 在 03-09 至 03-13 之间增加 1 个拜访名额（A0149，B类）：该代表已排满。'
    """
    account = (names or {}).get(row["account_id"]) or row["account_id"]
    fix = row["fix"] if pd.notna(row["fix"]) else "add_slot"
    return i18n.t(f"text.vpl_fix_{fix}", lang, rep=row["rep_id"] if pd.notna(row["rep_id"]) else "–",
                  missing=format_count(row["missing"], lang), start=_day(row["fix_from"]), end=_day(row["fix_to"]),
                  account=account, klass=row["class"], reason=i18n.value_label("vpl_reason", row["reason"], lang))


def reading(kind: str, table: pd.DataFrame | dict, *, lang: str = "en", **context: object) -> str:
    """One sentence that reads a visit-planning table, generated from the data, in *lang*.

    *kind* names the table: ``plan, coverage, capacity, overdue, by_class, actual,
    follow_ups, leads, kpis``; *context* carries what the table does not (the month).

    Examples
    --------
    >>> kpis = pd.DataFrame({"rep_id": ["total"], "sales_growth_rate": [0.1], "churn_rate": [0.05],
    ...                      "churned": [3], "customers_before": [60], "new_customers": [7]})
    >>> reading("kpis", kpis, lang="zh", months=12)
    '与前12个月相比，过去12个月销售额增长10%；前期的60家客户中有3家（5%）本期没有购买；新赢得7家客户。'
    """
    i18n.check_lang(lang)
    return _READERS[kind](table, lang, **context)


def _read_plan(plan: dict, lang: str, **context: object) -> str:
    return i18n.t("text.vpl_plan", lang, visits=format_count(plan["visits"], lang), reps=format_count(plan["reps"], lang),
                  accounts=format_count(plan["accounts"], lang), month=format_month(plan["month"], lang),
                  days=format_count(plan["days"], lang), calendar=calendar_words(plan["calendar"], lang))


def _read_coverage(coverage: pd.DataFrame, lang: str, **context: object) -> str:
    required, missing = int(coverage["mandatory_required"].sum()), int(coverage["missing"].sum())
    if missing == 0:
        return i18n.t("text.vpl_all_planned", lang, required=format_count(required, lang))
    worst = coverage.sort_values(["coverage_rate", "class"]).iloc[0]
    return i18n.t("text.vpl_shortfall", lang, missing=format_count(missing, lang),
                  required=format_count(required, lang), klass=worst["class"],
                  coverage=format_percent(worst["coverage_rate"], lang, 1))


def _read_capacity(use: pd.DataFrame, lang: str, **context: object) -> str:
    if use.empty or use["capacity"].sum() == 0:
        return i18n.t("text.vpl_no_capacity", lang)
    busiest = use.sort_values(["capacity_share", "rep_id"], ascending=[False, True]).iloc[0]
    return i18n.t("text.vpl_capacity", lang, share=format_percent(use["planned"].sum() / use["capacity"].sum(), lang),
                  rep=busiest.get("rep_name", busiest["rep_id"]), top=format_percent(busiest["capacity_share"], lang))


def _read_overdue(overdue: pd.DataFrame, lang: str, **context: object) -> str:
    if overdue.empty:
        return i18n.t("text.vpl_none_overdue", lang)
    never = int(overdue["days_since"].isna().sum())
    seen = overdue.dropna(subset=["days_overdue"])
    if seen.empty:
        return i18n.t("text.vpl_overdue_never", lang, n=format_count(len(overdue), lang))
    top = seen.iloc[0]
    name = top.get("account_name")
    return i18n.t("text.vpl_overdue", lang, n=format_count(len(overdue), lang), never=format_count(never, lang),
                  account=name if isinstance(name, str) and name else top["account_id"],
                  days=format_days(top["days_since"], lang),
                  klass=top["class"], gap=format_days(top["max_gap"], lang))


def _read_by_class(table: pd.DataFrame, lang: str, **context: object) -> str:
    if table.empty:
        return i18n.t("text.vpl_no_log", lang)
    worst = table.sort_values(["below_norm_share", "class"], ascending=[False, True]).iloc[0]
    return i18n.t("text.vpl_by_class", lang, months=format_count(context.get("months", 3), lang), klass=worst["class"],
                  rate=format_number(worst["visits_per_month"], lang, 1), norm=format_number(worst["norm_low"], lang, 1),
                  below=format_percent(worst["below_norm_share"], lang))


def _read_actual(table: pd.DataFrame, lang: str, **context: object) -> str:
    planned, actual = int(table["planned"].sum()), int(table["actual"].sum())
    return i18n.t("text.vpl_actual", lang, actual=format_count(actual, lang), planned=format_count(planned, lang),
                  share=format_percent(actual / planned if planned else float("nan"), lang),
                  visited=format_count(table["accounts_visited"].sum(), lang),
                  accounts=format_count(table["accounts_planned"].sum(), lang))


def _read_follow_ups(due: pd.DataFrame, lang: str, **context: object) -> str:
    month = format_month(context["month"], lang)
    if due.empty:
        return i18n.t("text.vpl_no_follow_ups", lang, month=month)
    kinds = due["kind"].value_counts()
    return i18n.t("text.vpl_follow_ups", lang, n=format_count(len(due), lang), month=month,
                  accounts=format_count(due["account_id"].nunique(), lang),
                  calls=format_count(kinds.get("call", 0), lang), mailings=format_count(kinds.get("mailing", 0), lang),
                  contacts=format_count(kinds.get("contact", 0), lang),
                  anniversaries=format_count(int(due["anniversary"].sum()), lang))


def _gap_words(gap: float, lang: str) -> str:
    if gap < 0:
        return i18n.t("text.vpl_surplus", lang, n=format_count(-gap, lang))
    return i18n.t("text.vpl_gap", lang, n=format_count(gap, lang))


def _read_leads(targets: pd.DataFrame, lang: str, **context: object) -> str:
    total = targets[targets["channel"] == TOTAL].iloc[0]
    channels = targets[targets["channel"] != TOTAL].sort_values(["lead_gap", "channel"], ascending=[False, True])
    top = channels.iloc[0]
    text = i18n.t("text.vpl_leads", lang, deals=format_number(total["deals_needed"], lang, 0),
                  month=format_month(context["month"], lang), leads=format_count(total["leads_needed"], lang),
                  found=format_number(total["leads_found"], lang, 0), gap=_gap_words(total["lead_gap"], lang),
                  channel=i18n.value_label("channel", top["channel"], lang),
                  channel_gap=_gap_words(top["lead_gap"], lang))
    if (channels["adjusted_close_rate"] != channels["close_rate"]).any():
        text += i18n.t("text.vpl_leads_adjusted", lang, leads=format_count(total["adjusted_leads_needed"], lang),
                       gap=_gap_words(total["adjusted_lead_gap"], lang))
    return text


def _growth_words(rate: float, lang: str) -> str:
    if pd.isna(rate):
        return i18n.t("text.vpl_no_growth", lang)
    return i18n.t("text.vpl_fell" if rate < 0 else "text.vpl_grew", lang, p=format_percent(abs(rate), lang))


def _read_kpis(kpis: pd.DataFrame, lang: str, **context: object) -> str:
    total = kpis[kpis["rep_id"] == "total"].iloc[0]
    return i18n.t("text.vpl_kpis", lang, months=format_count(context.get("months", 12), lang),
                  growth=_growth_words(total["sales_growth_rate"], lang),
                  churned=format_count(total["churned"], lang), before=format_count(total["customers_before"], lang),
                  churn=format_percent(total["churn_rate"], lang), new=format_count(total["new_customers"], lang))


def _read_precall(sheets: pd.DataFrame, lang: str, **context: object) -> str:
    return i18n.t("text.vpl_precall", lang, n=format_count(len(sheets), lang), file=context["file"],
                  link=i18n.t("text.vpl_precall_link", lang),
                  first=format_date(sheets["visit_date"].min(), lang) if len(sheets) else "–")


_READERS = {
    "plan": _read_plan, "coverage": _read_coverage, "capacity": _read_capacity, "overdue": _read_overdue,
    "by_class": _read_by_class, "actual": _read_actual, "follow_ups": _read_follow_ups, "leads": _read_leads,
    "kpis": _read_kpis, "precall": _read_precall,
}
