"""Workshop 4, "Plan the visits": a small territory, one week, and a checker of the participant's plan.

:func:`sample_territory` is one rep's territory — ten accounts with their class, city and
last visit, the rep's visits a day, the visit policy — and the week to plan, Monday to
Friday, with its working days from :class:`kamlib.visits.WorkCalendar` (China's calendar:
the week holds a public holiday). :func:`check_week` checks a plan (a day, or not this
week, for each account) against the rules of :mod:`kamlib.visits`:

- **due**: an account whose visit window (its class's most days between visits,
  :func:`kamlib.visits.visit_frequency`) closes by the end of the week, or that was never
  visited, is planned, and on a day before its window closes;
- **spacing**: no account is visited sooner than its class's fewest days between visits;
- **working days**: no visit on a day off;
- **capacity**: no day holds more visits than the rep makes a day;
- **cities**: no day takes the rep to more cities than the policy allows.

Each rule broken is named with what breaks it ("Tuesday: 4 visits, capacity 3"); the
score is the share of the five rules kept, so full marks only when nothing breaks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from kamlib import i18n
from kamlib.training.checks import Result
from kamlib.visits.coverage import last_visits
from kamlib.visits.frequency import visit_frequency
from kamlib.visits.policy import VisitPolicy, policy_from
from kamlib.visits.workdays import WorkCalendar

__all__ = ["DAYS", "NOT_THIS_WEEK", "RULES", "Territory", "check_week", "day_label", "sample_territory",
           "territory_table", "week_day"]

#: Day ids of the week, Monday to Friday.
DAYS = ("mon", "tue", "wed", "thu", "fri")
#: The choice of an account left out of the week.
NOT_THIS_WEEK = "none"
#: The rules a week is checked against, in the order their problems are told.
RULES = ("working_day", "capacity", "cities", "due", "spacing")
#: The points of a week plan: one per rule kept.
POINTS = float(len(RULES))


@dataclass(frozen=True)
class Territory:
    """One rep's accounts and the week to plan.

    Attributes
    ----------
    accounts : DataFrame
        ``account_id, rep_id, class, city`` and ``city_zh`` (the city's Chinese name).
    visits : DataFrame
        The visit log before the week (``account_id, visit_date``).
    monday : date
        The week's Monday.
    rep_id : str
        The rep who plans.
    capacity : int
        The rep's visits a day.
    policy : VisitPolicy
        Visit windows by class and the most cities a day.
    calendar : WorkCalendar
        Which days are working days.
    """

    accounts: pd.DataFrame
    visits: pd.DataFrame
    monday: date
    rep_id: str = "R01"
    capacity: int = 3
    policy: VisitPolicy = field(default_factory=VisitPolicy)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    @property
    def days(self) -> dict[str, date]:
        """Day id → date, Monday to Friday."""
        return {day: self.monday + timedelta(days=n) for n, day in enumerate(DAYS)}

    @property
    def working(self) -> dict[str, bool]:
        """Day id → whether the rep works that day."""
        days = self.days
        return dict(zip(days, self.calendar.days(list(days.values()), self.rep_id), strict=True))

    def windows(self) -> pd.DataFrame:
        """Per account: class, city, last visit, fewest and most days between visits, first and last day allowed.

        ``due`` is True when the window closes before the next Monday or the account was
        never visited.
        """
        monday = pd.Timestamp(self.monday)
        freq = visit_frequency(self.accounts, policy=self.policy, month=monday)
        last = last_visits(self.accounts, self.visits, as_of=monday).set_index("account_id")["last_visit"]
        table = self.accounts.merge(freq[["account_id", "min_gap", "max_gap"]], on="account_id")
        table["last_visit"] = table["account_id"].map(last).astype("datetime64[ns]")
        table["earliest"] = table["last_visit"] + pd.to_timedelta(table["min_gap"], unit="D")
        table["latest"] = table["last_visit"] + pd.to_timedelta(table["max_gap"], unit="D")
        table["due"] = table["last_visit"].isna() | (table["latest"] < monday + pd.Timedelta(days=7))
        return table


def sample_territory() -> Territory:
    """The workshop's territory: ten accounts in three cities, the week of 6 April 2026 (Qingming).

    Monday 6 April is a public holiday in China's calendar; the rep makes 3 visits a day and
    the policy allows one city a day (visits are grouped by city).

    Examples
    --------
    >>> t = sample_territory()
    >>> len(t.accounts), t.working["mon"], t.working["tue"], t.capacity, t.policy.max_cities
    (10, False, True, 3, 1)
    """
    rows = [  # account, class, city, city in Chinese, last visit (None: never visited)
        ("K-01", "A", "Suzhou", "苏州", "2026-03-20"), ("K-02", "A", "Suzhou", "苏州", "2026-03-18"),
        ("K-03", "A", "Wuxi", "无锡", "2026-04-01"), ("K-04", "B", "Wuxi", "无锡", "2026-02-25"),
        ("K-05", "B", "Changzhou", "常州", "2026-03-02"), ("K-06", "C", "Changzhou", "常州", "2026-02-10"),
        ("K-07", "A", "Changzhou", "常州", "2026-03-19"), ("K-08", "C", "Suzhou", "苏州", None),
        ("K-09", "B", "Suzhou", "苏州", "2026-03-30"), ("K-10", "C", "Wuxi", "无锡", "2026-03-01"),
    ]
    accounts = pd.DataFrame([r[:4] for r in rows], columns=["account_id", "class", "city", "city_zh"])
    accounts.insert(1, "rep_id", "R01")
    visits = pd.DataFrame([(r[0], pd.Timestamp(r[4])) for r in rows if r[4]], columns=["account_id", "visit_date"])
    return Territory(accounts, visits, date(2026, 4, 6), policy=policy_from({"max_cities": 1, "visits_per_day": 3}))


# ----------------------------------------------------------------------------- wording
def day_label(territory: Territory, day: str, lang: str = "en") -> str:
    """A day of the week as shown: ``Tuesday 04-07`` / ``周二 04-07``.

    Examples
    --------
    >>> day_label(sample_territory(), "tue", "zh")
    '周二 04-07'
    """
    return i18n.t("training.week.day_date", lang, day=i18n.t(f"training.week.day.{day}", lang),
                  date=f"{territory.days[day]:%m-%d}")


def _city(row: pd.Series, lang: str) -> str:
    return str(row["city_zh"] if lang == "zh" else row["city"])


def territory_table(territory: Territory, lang: str = "en") -> pd.DataFrame:
    """The accounts as the participant sees them: account, class, city, last visit (headers in *lang*).

    Examples
    --------
    >>> territory_table(sample_territory(), "zh").iloc[7].tolist()
    ['K-08', 'C', '苏州', '从未拜访']
    """
    table = territory.windows()
    never = i18n.t("training.week.never", lang)
    return pd.DataFrame({
        i18n.t("training.week.account", lang): table["account_id"],
        i18n.t("training.week.class", lang): table["class"],
        i18n.t("training.week.city", lang): [_city(row, lang) for _, row in table.iterrows()],
        i18n.t("training.week.last_visit", lang): [never if pd.isna(d) else i18n.format_date(d, lang)
                                                   for d in table["last_visit"]],
    })


# ----------------------------------------------------------------------------- checking
def week_day(value: object) -> str | None:
    """A plan's value as a day id: ``"tue"``; None for not this week; ValueError for anything else.

    Examples
    --------
    >>> week_day("Tue"), week_day(""), week_day(NOT_THIS_WEEK)
    ('tue', None, None)
    """
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", NOT_THIS_WEEK)):
        return None
    if isinstance(value, str) and value.strip().lower() in DAYS:
        return value.strip().lower()
    raise ValueError(value)


def _key(account_id: str) -> str:
    """An account id as a plan may write it: ``K-07`` and ``k07`` are the same account."""
    return account_id.replace("-", "").strip().lower()


def _read_plan(plan: object, territory: Territory) -> dict[str, str | None] | str:
    """The plan as account id → day id (None: not this week), or the code of why it cannot be read."""
    if not isinstance(plan, Mapping):
        return "not_mapping"
    ids = {_key(a): a for a in territory.accounts["account_id"]}
    read: dict[str, str | None] = {a: None for a in ids.values()}
    for key, value in plan.items():
        if not isinstance(key, str) or _key(key) not in ids:
            return "unknown_account"
        try:
            read[ids[_key(key)]] = week_day(value)
        except ValueError:
            return "unknown_day"
    return read


def _problems(plan: dict[str, str | None], territory: Territory, lang: str) -> dict[str, list[str]]:
    """Each rule's broken cases, as sentences in *lang*."""
    found: dict[str, list[str]] = {rule: [] for rule in RULES}
    table = territory.windows().set_index("account_id")

    def say(key: str, **values: object) -> str:
        return i18n.t(f"training.week.{key}", lang, **values)

    for day in DAYS:
        planned = [a for a, d in plan.items() if d == day]
        label = day_label(territory, day, lang)
        if planned and not territory.working[day]:
            found["working_day"].append(say("off_day", day=label, accounts=i18n.join(planned, lang)))
        if len(planned) > territory.capacity:
            found["capacity"].append(say("over_capacity", day=label, n=len(planned), capacity=territory.capacity))
        cities = list(dict.fromkeys(_city(table.loc[a], lang) for a in planned))
        if len(cities) > territory.policy.max_cities:
            found["cities"].append(say("too_many_cities", day=label, n=len(cities), cities=i18n.join(cities, lang),
                                       most=territory.policy.max_cities))
    for account, row in table.iterrows():
        day = plan[account]
        when = None if day is None else pd.Timestamp(territory.days[day])
        values = {"account": account, "cls": row["class"], "min_gap": int(row["min_gap"]),
                  "max_gap": int(row["max_gap"]), "last": i18n.format_date(row["last_visit"], lang),
                  "latest": i18n.format_date(row["latest"], lang), "earliest": i18n.format_date(row["earliest"], lang)}
        if row["due"] and when is None:
            key = "never_visited" if pd.isna(row["last_visit"]) else "due_not_planned"
            found["due"].append(say(key, **values))
        elif when is not None and pd.notna(row["latest"]) and when > row["latest"]:
            found["due"].append(say("too_late", day=day_label(territory, day, lang), **values))
        if when is not None and pd.notna(row["earliest"]) and when < row["earliest"]:
            found["spacing"].append(say("too_soon", day=day_label(territory, day, lang), **values))
    return found


def check_week(plan: object, territory: Territory, lang: str = "en") -> Result:
    """Check a week plan against the visit rules; never raises for any plan.

    Parameters
    ----------
    plan : mapping
        Account id (``"K-07"`` or ``"k07"``) → day id (``"mon"`` … ``"fri"``), or
        ``"none"`` / ``""`` / None for not this week; an account left out is not planned.
    territory : Territory
        From :func:`sample_territory`.
    lang : {"en", "zh"}
        The language of the feedback.

    Returns
    -------
    Result
        ``score``: one point per rule of :data:`RULES` kept; ``correct`` when all are;
        ``feedback``: every problem, then the explanation once the week holds;
        ``details["broken"]``: the rules broken.

    Examples
    --------
    >>> t = sample_territory()
    >>> r = check_week({"K-01": "mon", "K-02": "tue"}, t)
    >>> r.correct, r.score, r.details["broken"]
    (False, 3.0, ['working_day', 'due'])
    >>> r.feedback[0]
    'Monday 04-06 is not a working day: K-01 cannot be visited then.'
    """
    i18n.check_lang(lang)
    read = _read_plan(plan, territory)
    if isinstance(read, str):
        return Result(False, 0.0, (i18n.t(f"training.week.malformed.{read}", lang),), {"malformed": read})
    found = _problems(read, territory, lang)
    broken = [rule for rule in RULES if found[rule]]
    feedback = [sentence for rule in RULES for sentence in found[rule]]
    if not broken:
        feedback.append(i18n.t("training.week.all_kept", lang))
    return Result(not broken, POINTS - len(broken), tuple(feedback), {"broken": broken})
