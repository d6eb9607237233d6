"""Sections of the visit-planning notebook, built as :class:`kamlib.sections.Section` values.

Each function computes one section with the :mod:`kamlib.visits` computations, reads it
with :mod:`kamlib.visits.readings` and names the charts that show it
(:mod:`kamlib.visits.plots`); nothing is drawn or shown here. A section whose data
lacks a table or column says so. :func:`plan_files` is the one function that writes:
the calendars (``.ics``) and the printable pre-call sheets (HTML) next to the report.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from kamlib import i18n, plots
from kamlib.errors import ConfigError
from kamlib.files import atomic_write_text
from kamlib.sections import Figure, Section, Table, needs
from kamlib.visits import coverage as cover
from kamlib.visits import ical
from kamlib.visits import plots as charts
from kamlib.visits.followup import follow_ups_due
from kamlib.visits.leads import lead_history
from kamlib.visits.leads import lead_targets as compute_lead_targets
from kamlib.visits.planner import MonthPlan, plan_month
from kamlib.visits.policy import VisitPolicy, policy_from
from kamlib.visits.precall import QUESTIONS, PrecallSheets, precall_sheets
from kamlib.visits.readings import fix_sentence, policy_rule, reading
from kamlib.visits.workdays import WorkCalendar, calendar_from

if TYPE_CHECKING:  # pragma: no cover
    from kamlib.data import Dataset

__all__ = [
    "PRECALL_FILE", "capacity", "follow_ups", "heat_map", "lead_targets", "manager_kpis", "month_of", "month_plan",
    "overdue", "plan_files", "planned_vs_actual", "policy_applied", "precall", "precall_page", "rep_names",
    "visits_by_class",
]

#: The printable pre-call sheets, written next to the report by :func:`plan_files`.
PRECALL_FILE = "precall_sheets.html"
#: Dated columns that tell where the data ends: the default month is the next one.
_DATED = {"orders": ("order_date",), "visits": ("visit_date",), "opportunities": ("created_date", "closed_date"),
          "leads": ("created_date",)}
_PLAN_VALUES = {"rule": "vpl_rule"}
_SHORT_VALUES = {"reason": "vpl_reason", "fix": "vpl_fix"}


def _table(ds: Dataset, name: str) -> pd.DataFrame | None:
    return ds.table(name) if name in ds.names else None


def month_of(ds: Dataset, month: object = None, *, today: date | None = None) -> pd.Timestamp:
    """The month planned: *month*, else the month after the data's last date (orders, visits,
    opportunities, leads), else the month after *today* (data without dates).

    Examples
    --------
    >>> import kamlib.data
    >>> month_of(kamlib.data.load()), month_of(kamlib.data.load(), "2026-03-15")
    (Timestamp('2026-01-01 00:00:00'), Timestamp('2026-03-01 00:00:00'))
    """
    if month is not None:
        return pd.Timestamp(month).to_period("M").start_time
    last = [ds.table(name)[column].max() for name, columns in _DATED.items() if name in ds.names
            for column in columns if column in ds.table(name).columns]
    last = [d for d in last if pd.notna(d)]
    end = max(last) if last else pd.Timestamp(today or date.today())
    return (pd.Timestamp(end).to_period("M") + 1).start_time


def _scoped(ds: Dataset, region: str | None, rep_id: str | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """The accounts and reps of *region* and *rep_id* (None = all)."""
    accounts, reps = _table(ds, "accounts"), _table(ds, "reps")
    if accounts is not None and region is not None and "region" in accounts.columns:
        accounts = accounts[accounts["region"] == region]
    if reps is not None and region is not None and "region" in reps.columns:
        reps = reps[reps["region"] == region]
    if rep_id is not None:
        accounts = accounts[accounts["rep_id"] == rep_id] if accounts is not None and "rep_id" in accounts else accounts
        reps = reps[reps["rep_id"] == rep_id] if reps is not None else reps
    return accounts, reps


def _revenue(ds: Dataset, accounts: pd.DataFrame) -> pd.DataFrame | None:
    """What the classes are read from: the orders, else the accounts' own ``revenue`` column."""
    orders = _table(ds, "orders")
    if orders is not None:
        return orders
    if "revenue" in accounts.columns:
        return pd.DataFrame({"account_id": accounts["account_id"],
                             "revenue": pd.to_numeric(accounts["revenue"], errors="coerce").fillna(0.0)})
    return None


# ------------------------------------------------------------------------ policy and plan
def _policy(policy: object) -> VisitPolicy:
    """The policy a notebook parameter stands for: a mapping, a YAML file, or a mapping written as
    YAML text (``kam report --param policy='{hot: 5}'``)."""
    if isinstance(policy, str) and policy.lstrip().startswith("{"):
        import yaml

        try:
            policy = yaml.safe_load(policy)
        except yaml.YAMLError as err:
            raise ConfigError(f"policy: {policy!r} is neither a YAML file nor a YAML mapping ({err}). "
                              "Write it as {hot: 5, classes: {C: {months: 2}}}.") from err
    return policy_from(policy)


def policy_applied(policy: object = None, *, calendar: object = None, lang: str = "en") -> Section:
    """The visit policy applied: each class's visits, cycle and window, as a rule and a table.

    Examples
    --------
    >>> section = policy_applied({"hot": 5}, lang="zh")
    >>> section.results["rules"]["class"].tolist(), section.items[0][:12]
    (['VIP', 'A', 'B', 'C'], '*规则：各类客户拜访频率')
    >>> policy_applied("{classes: {C: {months: 2}}}").results["policy"].classes["C"].months
    2
    """
    rules = _policy(policy)
    table = pd.DataFrame([{"class": name, "mandatory": r.mandatory, "optional": r.optional, "cycle_months": r.months,
                           "min_gap": r.min_gap, "max_gap": r.max_gap} for name, r in rules.classes.items()])
    rule = policy_rule(rules, calendar_from(calendar).name, lang)
    return Section("title.vpl_policy", items=[rule, Table(table)], saved={"visit_policy": Table(table)},
                   results={"rules": table, "policy": rules})


def month_plan(ds: Dataset, *, month: object = None, region: str | None = None, rep_id: str | None = None,
               policy: object = None, calendar: object = None, lang: str = "en") -> Section:
    """The month's plan: what it holds, the visits that could not be planned with their fixes
    first, then required against planned visits per class.

    Needs accounts (``account_id``, ``rep_id``) and reps (``rep_id``). *calendar* is China's
    official calendar (None), ``"weekdays"`` or an override file (see
    :func:`~kamlib.visits.calendar_from`); a month the calendar does not cover is an error
    that says how to fix it, never a guess. The plan is in
    ``results["plan"]`` (a :class:`~kamlib.visits.MonthPlan`) for the sections after it.

    Examples
    --------
    >>> import kamlib.data
    >>> section = month_plan(kamlib.data.load(), lang="en")
    >>> list(section.saved), section.results["plan"].month
    (['visit_plan', 'visit_shortfall', 'visits_due'], datetime.date(2026, 1, 1))
    """
    title = "title.vpl_plan"
    accounts, reps = _scoped(ds, region, rep_id)
    gap = needs(accounts, ["account_id", "rep_id"], "accounts") or needs(reps, ["rep_id"], "reps")
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    start = month_of(ds, month)
    calendar = calendar_from(calendar)
    planned = plan_month(accounts, reps, start, visits=_table(ds, "visits"), policy=_policy(policy), calendar=calendar,
                         leads=_table(ds, "leads"), orders=_revenue(ds, accounts))
    cover_table = planned.coverage().rename(columns={"coverage": "coverage_rate"})
    days = len(calendar.working_days(start))
    summary = reading("plan", {"visits": len(planned.visits), "reps": planned.visits["rep_id"].nunique(),
                               "accounts": planned.visits["account_id"].nunique(), "month": start, "days": days,
                               "calendar": planned.calendar}, lang=lang)
    findings = [summary, reading("coverage", cover_table, lang=lang)]
    names = dict(zip(accounts["account_id"], accounts["account_name"])) if "account_name" in accounts else {}
    fixes = [fix_sentence(row, lang, names=names) for _, row in planned.shortfall.iterrows()]
    items: list[Any] = [i18n.join(findings, lang, sentences=True)]
    if fixes:
        items.append("\n".join(f"- {line}" for line in fixes[:15]))
    chart = Figure(charts.plot_required_vs_planned, (cover_table,), size=(8, 4))
    items += [Table(cover_table), chart]
    saved = {"visit_plan": Table(_named(planned.visits, accounts), _PLAN_VALUES),
             "visit_shortfall": Table(_named(planned.shortfall, accounts), _SHORT_VALUES),
             "visits_due": Table(_named(planned.due.drop(columns=["reasons"]), accounts))}
    return Section(title, items=items, findings=findings, saved=saved,
                   results={"plan": planned, "coverage": cover_table, "fixes": fixes,
                            "accounts": accounts, "reps": reps})


def _lacking_plan(title: str, lang: str) -> Section:
    return Section.lacking(title, "accounts.rep_id; reps", note=i18n.needs_note("accounts.rep_id; reps", lang))


def heat_map(planned: MonthPlan | None, *, lang: str = "en") -> Section:
    """Visits per rep and day as a calendar heat map (days off in grey), and the first days of the plan.

    Examples
    --------
    >>> import kamlib.data
    >>> plan = month_plan(kamlib.data.load()).results["plan"]
    >>> section = heat_map(plan)
    >>> section.items[0].draw.__name__, section.results["grid"].shape[1]
    ('plot_visit_heatmap', 31)
    """
    title = "title.vpl_heat_map"
    if planned is None:
        return _lacking_plan(title, lang)
    calendar: WorkCalendar = planned.inputs.get("calendar") or WorkCalendar()
    grid = charts.visits_per_day(planned.visits, planned.month, calendar.working_days(planned.month))
    first = _named(planned.visits.drop(columns=["rule_detail"]).head(12), planned.inputs.get("accounts"))
    names = rep_names(planned.inputs.get("reps"))
    shown = grid.rename(index=names).rename_axis("rep_name") if names else grid
    figure = Figure(charts.plot_visit_heatmap, (shown,), size=(12, 1.4 + 0.32 * max(len(grid), 1)))
    return Section(title, items=[figure, Table(first, _PLAN_VALUES)], results={"grid": grid})


def rep_names(reps: pd.DataFrame | None) -> dict[str, str]:
    """Each rep's name by rep ID, when the reps table gives every rep a name of their own (else empty).

    Examples
    --------
    >>> rep_names(pd.DataFrame({"rep_id": ["R1", "R2"], "rep_name": ["王芳", "李强"]}))
    {'R1': '王芳', 'R2': '李强'}
    >>> rep_names(pd.DataFrame({"rep_id": ["R1", "R2"], "rep_name": ["王芳", "王芳"]}))
    {}
    """
    if reps is None or "rep_name" not in reps.columns or not (reps["rep_name"].notna().all() and reps["rep_name"].is_unique):
        return {}
    return dict(zip(reps["rep_id"].astype(str), reps["rep_name"].astype(str)))


def capacity(planned: MonthPlan | None, *, lang: str = "en") -> Section:
    """Each rep's visits planned against the visits the month's working days allow (reps by name
    when the reps table gives every rep a name of their own).

    Examples
    --------
    >>> import kamlib.data
    >>> section = capacity(month_plan(kamlib.data.load()).results["plan"])
    >>> list(section.results["capacity"].columns)
    ['rep_id', 'rep_name', 'working_days', 'visits_per_day', 'capacity', 'planned', 'capacity_share']
    """
    title = "title.vpl_capacity"
    if planned is None:
        return _lacking_plan(title, lang)
    reps: pd.DataFrame = planned.inputs["reps"]
    calendar: WorkCalendar = planned.inputs.get("calendar") or WorkCalendar()
    default = planned.policy.visits_per_day
    per_day = (reps["visits_per_day"].astype(float).fillna(default) if "visits_per_day" in reps.columns
               else pd.Series(default, index=reps.index)).map(math.floor)
    days = [len(calendar.working_days(planned.month, r)) for r in reps["rep_id"]]
    counts = planned.visits.groupby("rep_id").size()
    use = pd.DataFrame({"rep_id": reps["rep_id"].to_numpy(), "working_days": days, "visits_per_day": per_day.to_numpy()})
    use["capacity"] = use["working_days"] * use["visits_per_day"]
    use["planned"] = use["rep_id"].map(counts).fillna(0).astype(int)
    use["capacity_share"] = use["planned"] / use["capacity"].where(use["capacity"] > 0)
    use = use.sort_values(["capacity_share", "rep_id"], ascending=[False, True], ignore_index=True)
    names = rep_names(reps)
    named = bool(names)
    if named:
        use.insert(1, "rep_name", use["rep_id"].map(names))
    finding = reading("capacity", use, lang=lang)
    bars = Figure(plots.plot_bar, (use.dropna(subset=["capacity_share"]),),
                  {"x": "rep_name" if named else "rep_id", "y": "capacity_share", "horizontal": True},
                  size=(8, 1.2 + 0.28 * len(use)), percent="x")
    return Section(title, items=[finding, bars], findings=[finding], saved={"capacity_use": Table(use)},
                   results={"capacity": use})


# ----------------------------------------------------------------------- coverage of the log
def _plan_and_visits_gap(planned: MonthPlan | None, ds: Dataset, title: str, lang: str) -> Section | None:
    """The note of a section that reads the plan and the visit log, when either is missing."""
    if planned is None:
        return _lacking_plan(title, lang)
    gap = needs(_table(ds, "visits"), ["account_id", "visit_date"], "visits")
    return Section.lacking(title, gap, note=i18n.needs_note(gap, lang)) if gap else None


def overdue(planned: MonthPlan | None, ds: Dataset, *, lang: str = "en") -> Section:
    """Accounts overdue against their class's window at the start of the month, and the longest unvisited.

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> section = overdue(month_plan(ds).results["plan"], ds)
    >>> list(section.saved)
    ['overdue_accounts']
    """
    title = "title.vpl_overdue"
    lacking = _plan_and_visits_gap(planned, ds, title, lang)
    if lacking:
        return lacking
    late = cover.overdue_accounts(planned.due, month=planned.month)
    accounts = planned.inputs["accounts"]
    last = cover.last_visits(accounts, _table(ds, "visits"), as_of=planned.month).set_index("account_id")
    late["last_outcome"] = late["account_id"].map(last["last_outcome"])
    if "account_name" in accounts.columns:
        late.insert(1, "account_name", late["account_id"].map(dict(zip(accounts["account_id"], accounts["account_name"]))))
    finding = reading("overdue", late, lang=lang)
    values = {"last_outcome": "outcome"}
    return Section(title, items=[finding, Table(late.head(15), values)], findings=[finding],
                   saved={"overdue_accounts": Table(late, values)}, results={"overdue": late})


def visits_by_class(planned: MonthPlan | None, ds: Dataset, *, months: int = 3, lang: str = "en") -> Section:
    """Visits a month per account of each class over the last *months* months, against the policy's norm.

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> section = visits_by_class(month_plan(ds).results["plan"], ds)
    >>> section.results["by_class"]["class"].tolist()
    ['VIP', 'A', 'B', 'C']
    """
    title = "title.vpl_by_class"
    lacking = _plan_and_visits_gap(planned, ds, title, lang)
    if lacking:
        return lacking
    table = cover.visits_by_class(planned.due, _table(ds, "visits"), month=planned.month, months=months,
                                  policy=planned.policy)
    finding = reading("by_class", table, lang=lang, months=months)
    return Section(title, items=[finding, Table(table)], findings=[finding], saved={"visits_by_class": Table(table)},
                   results={"by_class": table})


def planned_vs_actual(planned: MonthPlan | None, ds: Dataset, *, lang: str = "en") -> Section:
    """Per rep: visits planned in the month against visits logged in it (once the log covers the month).

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> planned_vs_actual(month_plan(ds).results["plan"], ds).items[0][:26]
    'The visit log ends on 2025'
    """
    title = "title.vpl_actual"
    lacking = _plan_and_visits_gap(planned, ds, title, lang)
    if lacking:
        return lacking
    log = _table(ds, "visits")
    last = log["visit_date"].max()
    if pd.isna(last) or pd.Timestamp(last) < pd.Timestamp(planned.month):
        return Section(title, items=[i18n.t("text.vpl_no_actual", lang, last=i18n.format_date(last, lang),
                                            month=i18n.format_month(planned.month, lang))])
    table = cover.planned_vs_actual(planned.visits, log, month=planned.month)
    finding = reading("actual", table, lang=lang)
    return Section(title, items=[finding, Table(table)], findings=[finding],
                   saved={"planned_vs_actual": Table(table)}, results={"actual": table})


# ------------------------------------------------------------------ follow-ups, leads, KPIs
def _named(table: pd.DataFrame, accounts: pd.DataFrame | None) -> pd.DataFrame:
    """*table* with each account's ``account_name`` (from *accounts*) right after its ``account_id``;
    *table* itself when either lacks the columns or it has names already.

    Examples
    --------
    >>> table = pd.DataFrame({"rep_id": ["R1"], "account_id": ["a"]})
    >>> _named(table, pd.DataFrame({"account_id": ["a"], "account_name": ["Alpha"]})).columns.tolist()
    ['rep_id', 'account_id', 'account_name']
    """
    if (accounts is None or not {"account_id", "account_name"} <= set(accounts.columns)
            or "account_id" not in table.columns or "account_name" in table.columns):
        return table
    names = accounts.drop_duplicates("account_id").set_index("account_id")["account_name"]
    out = table.copy()
    out.insert(out.columns.get_loc("account_id") + 1, "account_name", out["account_id"].map(names))
    return out


def _in_scope(table: pd.DataFrame, accounts: pd.DataFrame | None) -> pd.DataFrame:
    if accounts is None or "account_id" not in table.columns:
        return table
    return table[table["account_id"].isin(accounts["account_id"])]


def follow_ups(ds: Dataset, *, month: object = None, region: str | None = None, rep_id: str | None = None,
               lang: str = "en") -> Section:
    """The follow-up touches due in the month, counted from each order's date (the delivery).

    Examples
    --------
    >>> import kamlib.data
    >>> section = follow_ups(kamlib.data.load(), lang="zh")
    >>> list(section.saved), section.items[0][:8]
    (['follow_ups_due'], '2026年1月有')
    """
    title = "title.vpl_follow_ups"
    orders = _table(ds, "orders")
    gap = needs(orders, ["account_id", "order_date"], "orders")
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    start = month_of(ds, month)
    accounts, _ = _scoped(ds, region, rep_id)
    due = follow_ups_due(_in_scope(orders, accounts if region or rep_id else None), start)
    finding = reading("follow_ups", due, lang=lang, month=start)
    values = {"kind": "vpl_kind"}
    named = _named(due, _table(ds, "accounts"))
    shown = named.drop(columns=["days"]).head(15)
    return Section(title, items=[finding, Table(shown, values)], findings=[finding],
                   saved={"follow_ups_due": Table(named, values)}, results={"due": due})


def lead_targets(ds: Dataset, *, month: object = None, deal_target: float | None = None,
                 adjusted_rates: Mapping[str, float] | None = None, months: int = 3, lang: str = "en") -> Section:
    """The month's lead target per channel from the last *months* months of leads, its gap, and the
    what-if of the adjusted close rates.

    The window is the *months* months before the month planned, or before the month after
    the data's last date when the month planned is later. *deal_target* None = the
    window's deals a month, rounded up. Channels without a deal
    in the window have no close rate and are left out (their share of the deals is 0).

    Examples
    --------
    >>> import kamlib.data
    >>> section = lead_targets(kamlib.data.load(), adjusted_rates={"showroom": 0.5})
    >>> table = section.results["targets"]
    >>> table["channel"].iloc[-1], bool((table["adjusted_leads_needed"] <= table["leads_needed"]).all())
    ('total', True)
    """
    title = "title.vpl_leads"
    leads = _table(ds, "leads")
    gap = needs(leads, ["channel", "created_date", "status"], "leads")
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    start = month_of(ds, month)
    window = min(start, month_of(ds))  # the last months with data, when the month planned is later
    history = lead_history(leads, window, months=months)
    if history["deals"].sum() == 0:
        return Section(title, items=[i18n.t("text.vpl_no_lead_deals", lang, months=i18n.format_count(months, lang))])
    rated = history[history["close_rate"] > 0]
    left_out = history.loc[~history.index.isin(rated.index), "channel"]
    target = deal_target if deal_target is not None else math.ceil(history["deals"].sum() / months)
    targets = compute_lead_targets(target, dict(zip(rated["channel"], rated["deal_share"])),
                                   dict(zip(rated["channel"], rated["close_rate"])),
                                   history=dict(zip(rated["channel"], rated["leads_found"])),
                                   adjusted={k: v for k, v in (adjusted_rates or {}).items() if k in set(rated["channel"])})
    rule = i18n.rule("text.vpl_rule_leads", lang, months=i18n.format_count(months, lang),
                     start=i18n.format_month(window - pd.DateOffset(months=months), lang),
                     end=i18n.format_month(window - pd.Timedelta(days=1), lang), target=i18n.format_count(target, lang),
                     source=i18n.t("vpl_target.given" if deal_target is not None else "vpl_target.average", lang))
    finding = reading("leads", targets, lang=lang, month=start)
    items: list[Any] = [rule, finding]
    if len(left_out):
        items.append(i18n.t("text.vpl_bad_rates", lang, channels=i18n.join(
            [i18n.value_label("channel", c, lang) for c in left_out], lang)))
    values = {"channel": "channel"}
    items.append(Table(targets, values))
    bars = Figure(plots.plot_bar, (targets[targets["channel"] != "total"],), {"x": "channel", "y": "lead_gap"})
    return Section(title, items=[*items, bars], findings=[finding],
                   saved={"lead_targets": Table(targets, values), "lead_history": Table(history, values)},
                   results={"targets": targets, "history": history})


def manager_kpis(ds: Dataset, *, month: object = None, region: str | None = None, rep_id: str | None = None,
                 months: int = 12, lang: str = "en") -> Section:
    """The managers' KPIs per rep: sales growth rate, churn rate, new customers won (last *months* months).

    Examples
    --------
    >>> import kamlib.data
    >>> section = manager_kpis(kamlib.data.load())
    >>> section.results["kpis"]["rep_id"].iloc[-1], list(section.saved)
    ('total', ['manager_kpis'])
    """
    title = "title.vpl_kpis"
    orders = _table(ds, "orders")
    gap = needs(orders, ["account_id", "order_date", "revenue"], "orders")
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    accounts, _ = _scoped(ds, region, rep_id)
    kpis = cover.manager_kpis(_in_scope(orders, accounts if region or rep_id else None), as_of=month_of(ds, month),
                              months=months, accounts=accounts)
    finding = reading("kpis", kpis, lang=lang, months=months)
    values = {"rep_id": "rep_id"}
    shown = pd.concat([kpis.tail(1), kpis.iloc[:-1]], ignore_index=True)  # the total first
    return Section(title, items=[finding, Table(shown, values)], findings=[finding],
                   saved={"manager_kpis": Table(kpis, values)}, results={"kpis": kpis})


# ------------------------------------------------------------------------- pre-call sheets
def precall(planned: MonthPlan | None, ds: Dataset, *, lang: str = "en") -> Section:
    """The pre-call sheet of every planned visit: a table of the first ones here, every sheet in
    :data:`PRECALL_FILE` (written by :func:`plan_files`).

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> section = precall(month_plan(ds).results["plan"], ds)
    >>> len(section.results["precall"].sheets) == len(month_plan(ds).results["plan"].visits)
    True
    """
    title = "title.vpl_precall"
    if planned is None:
        return _lacking_plan(title, lang)
    sheets = precall_sheets(planned.visits, planned.inputs["accounts"], history=_table(ds, "visits"),
                            contacts=_table(ds, "contacts"), opportunities=_table(ds, "opportunities"))
    finding = reading("precall", sheets.sheets, lang=lang, file=PRECALL_FILE)
    values = {"last_outcome": "outcome", "stage": "stage", "next_stage": "stage"}
    shown = sheets.sheets[["rep_id", "visit_date", "account_name", "class", "last_visit", "last_outcome", "stage",
                           "next_stage", "open_opportunities"]].head(10)
    return Section(title, items=[finding, Table(shown, values)], saved={"precall_sheets": Table(sheets.sheets, values)},
                   results={"precall": sheets})


_PAGE_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 0; color: #222; }
.sheet { padding: 14mm 16mm; break-after: page; page-break-after: always; }
.sheet:last-child { break-after: auto; page-break-after: auto; }
h1 { font-size: 18pt; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 5mm 0 2mm; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; font-size: 10pt; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f3f8; width: 28%; }
ol { margin: 0; padding-left: 6mm; } li { margin: 0 0 6mm; }
.lines { border-bottom: 1px solid #999; height: 16mm; }
@page { size: A4; margin: 0; }
"""


def _cell(value: object, lang: str) -> str:
    """A data value as escaped HTML text (``–`` when missing)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return html.escape(str(value))


def _person(row: Mapping[str, Any], lang: str) -> str:
    facts = [i18n.value_label(group, row[group], lang) for group in ("layer", "buyer_role", "basic_need")
             if pd.notna(row[group])]
    facts += [i18n.t(f"precall.{key}", lang, n=i18n.format_count(row[key], lang)) for key in ("influence", "closeness")
              if pd.notna(row[key])]
    key = "precall.person" if pd.notna(row["title"]) else "precall.person_untitled"
    return f"<li>{_text(key, lang, name=row['name'], title=row['title'], facts=i18n.join(facts, lang))}</li>"


def _text(key: str, lang: str, **values: object) -> str:
    """The label *key* as escaped HTML text."""
    return html.escape(i18n.t(key, lang, **values))


def _facts(row: Mapping[str, Any], name: str, stage: str, lang: str) -> list[tuple[str, str]]:
    """The sheet's first table: visit, account, last visit, open opportunities, buying stage (labels, text)."""
    last = (i18n.t("precall.never", lang) if pd.isna(row["last_visit"]) else
            i18n.format_date(row["last_visit"], lang) + (" · " + i18n.value_label("outcome", row["last_outcome"], lang)
                                                        if pd.notna(row["last_outcome"]) else ""))
    deals = i18n.format_count(row["open_opportunities"], lang) + (
        f" · {i18n.format_money(row['open_amount'], lang)}" if pd.notna(row["open_amount"]) else "")
    klass = i18n.t("precall.class", lang, klass=row["class"]) if pd.notna(row["class"]) else None
    account = " · ".join(str(v) for v in (f"{name} ({row['account_id']})", klass, row["city"]) if pd.notna(v))
    return [("precall.visit", f"{i18n.format_date(row['visit_date'], lang)} · {row['rep_id']}"),
            ("precall.account", account), ("precall.last_visit", last), ("precall.opportunities", deals),
            ("precall.stage", stage)]


def _sheet(row: Mapping[str, Any], people: str, lang: str) -> str:
    name = str(row["account_name"] if pd.notna(row["account_name"]) else row["account_id"])
    stage = i18n.value_label("stage", row["stage"], lang) if pd.notna(row["stage"]) else i18n.t("precall.no_stage", lang)
    objective = i18n.t("precall.objective_text" if pd.notna(row["stage"]) else "precall.objective_new", lang,
                       date=i18n.format_date(row["visit_date"], lang), account=name, stage=stage,
                       next=i18n.value_label("stage", row["next_stage"], lang))
    table = "".join(f"<tr><th>{_text(key, lang)}</th><td>{_cell(value, lang)}</td></tr>"
                    for key, value in _facts(row, name, stage, lang))
    questions = "".join(f"<li>{_text(q, lang)}</li>" for q in QUESTIONS)
    return (f'<section class="sheet"><h1>{_text("precall.title", lang)} · {_cell(name, lang)}</h1>'
            f"<table>{table}</table><h2>{_text('precall.persons', lang)}</h2>{people}"
            f"<h2>{_text('precall.objective', lang)}</h2><p>{html.escape(objective)}</p>"
            f"<h2>{_text('precall.questions', lang)}</h2><ol>{questions}</ol>"
            f'<h2>{_text("precall.notes", lang)}</h2><div class="lines"></div></section>')


def precall_page(sheets: PrecallSheets, *, lang: str = "en") -> str:
    """The pre-call sheets as one printable HTML page: one sheet per printed page, every data value escaped.

    Each sheet: the visit, the account and its class, the last visit and its outcome,
    the open opportunities and the buying stage, the key persons to meet, a SMART
    objective to complete (move the account one buying stage on), the five pre-call
    questions, and room for the result.

    Examples
    --------
    >>> plan = pd.DataFrame({"rep_id": ["R1"], "account_id": ["A1"], "class": ["A"],
    ...                      "visit_date": pd.to_datetime(["2026-01-06"])})
    >>> page = precall_page(precall_sheets(plan, pd.DataFrame({"account_id": ["A1"], "account_name": ["<b>甲</b>"]})), lang="zh")
    >>> "&lt;b&gt;甲&lt;/b&gt;" in page, page.count('class="sheet"'), "break-after: page" in page
    (True, 1, True)
    """
    i18n.check_lang(lang)
    people = {account: "<ul>" + "".join(_person(p, lang) for p in persons.to_dict("records")) + "</ul>"
              for account, persons in sheets.persons.groupby("account_id", sort=False)}
    nobody = f"<p>{_text('precall.no_persons', lang)}</p>"
    body = "".join(_sheet(row, people.get(row["account_id"], nobody), lang) for row in sheets.sheets.to_dict("records"))
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{html.escape(i18n.t('title.vpl_precall', lang))}</title><style>{_PAGE_STYLE}</style></head>"
            f"<body>{body}</body></html>")


def plan_files(planned: MonthPlan | None, ds: Dataset, sheets: PrecallSheets | None = None, *,
               output_dir: str | Path = ".", lang: str = "en") -> Section:
    """Write the plan's calendars (one ``visits_<rep>.ics`` per rep) and the printable pre-call sheets
    (:data:`PRECALL_FILE`) into *output_dir*; the section lists them.

    Examples
    --------
    >>> import tempfile
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> section = plan_files(month_plan(ds).results["plan"], ds, output_dir=tempfile.mkdtemp())
    >>> sorted(p.suffix for p in section.results["files"])[-1], len(section.results["files"]) > 10
    ('.ics', True)
    """
    if planned is None:
        return Section()
    folder = Path(output_dir)
    reps = planned.inputs["reps"]
    names = dict(zip(reps["rep_id"], reps["rep_name"])) if "rep_name" in reps.columns else {}
    events = ical.calendar_events(planned.visits, accounts=planned.inputs["accounts"], lang=lang)
    files = ical.write_calendars(events, folder, rep_names=names)
    if sheets is not None:
        files.append(atomic_write_text(folder / PRECALL_FILE, precall_page(sheets, lang=lang)))
    ics = dict(zip(events.drop_duplicates("rep_id")["rep_id"], files))
    listed = i18n.join([f"[{names.get(rep) or rep}]({path.name})" for rep, path in ics.items()], lang)
    return Section(items=[i18n.t("text.vpl_files", lang, files=listed)], results={"files": files, "events": events})
