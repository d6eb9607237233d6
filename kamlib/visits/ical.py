"""The month's visit plan as calendars (iCalendar, RFC 5545): one ``.ics`` file per rep.

Each planned visit is an event in Asia/Shanghai time (the file carries its VTIMEZONE).
Its UID is made of the rep, the account, the month and the visit's number among that
rep's visits to that account in the month — not of the date: a visit moved to another
day keeps its UID, so a calendar that imports the new file moves the event instead of
adding a second one, and the event's SEQUENCE is raised by one (RFC 5545, property SEQUENCE).

Times of day are the workbook's own (no source gives any): a rep's visits of one day
start at 09:00, one every 90 minutes, and last an hour.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from kamlib import i18n
from kamlib.errors import require_columns
from kamlib.files import atomic_write

__all__ = ["TIMEZONE", "calendar_events", "calendar_ics", "read_events", "write_calendars"]

#: The time zone of every event.
TIMEZONE = "Asia/Shanghai"
_DOMAIN = "kam-workbook"
_COLUMNS = ["uid", "sequence", "rep_id", "account_id", "account_name", "class", "visit_date", "start", "end",
            "moved", "summary"]


def _uid_part(value: object) -> str:
    """*value* as a UID part: letters, digits, ``_`` and ``-`` kept, anything else as ``%XX`` of its UTF-8 bytes."""
    return re.sub(r"[^A-Za-z0-9_-]", lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), str(value))


def _uids(visits: pd.DataFrame) -> pd.Series:
    """The stable UID of every visit: rep, account, month and the visit's number among that pair's visits."""
    month = visits["visit_date"].dt.strftime("%Y%m")
    order = visits.sort_values(["visit_date"], kind="stable")
    number = order.groupby([order["rep_id"], order["account_id"], month[order.index]], sort=False).cumcount() + 1
    number = number.reindex(visits.index)
    return pd.Series([f"{_uid_part(r)}-{_uid_part(a)}-{m}-{n}@{_DOMAIN}" for r, a, m, n in
                      zip(visits["rep_id"], visits["account_id"], month, number)], index=visits.index)


def _summary(name: str, klass: object, lang: str) -> str:
    if klass is None or pd.isna(klass):
        return i18n.t("text.vpl_event", lang, name=name)
    return i18n.t("text.vpl_event_class", lang, name=name, klass=klass)


def calendar_events(visits: pd.DataFrame, *, accounts: pd.DataFrame | None = None,
                    previous: pd.DataFrame | None = None, lang: str = "en", first: str = "09:00",
                    every_minutes: int = 90, minutes: int = 60) -> pd.DataFrame:
    """The events of a visit plan: a stable UID, its SEQUENCE, times and a summary per planned visit.

    Parameters
    ----------
    visits : DataFrame
        The planned visits (``MonthPlan.visits``): ``rep_id``, ``account_id``,
        ``visit_date`` and, where present, ``class``.
    accounts : DataFrame, optional
        Accounts with ``account_id`` and ``account_name``: the summaries name the account.
    previous : DataFrame, optional
        The events of an earlier plan of the same month (this function's result, or
        :func:`read_events` of its files): a visit whose UID is there keeps its SEQUENCE
        when its date is the same and gets one more when it moved.
    lang : {"en", "zh"}
        Language of the summaries.
    first : str, default "09:00"
        Start of a rep's first visit of a day.
    every_minutes : int, default 90
        Minutes from the start of one visit of a day to the next.
    minutes : int, default 60
        Length of a visit.

    Returns
    -------
    DataFrame
        One row per visit: ``uid``, ``sequence``, ``rep_id``, ``account_id``,
        ``account_name``, ``class``, ``visit_date``, ``start`` and ``end`` (aware, in
        Asia/Shanghai), ``moved`` (its date differs from *previous*), ``summary``.

    Examples
    --------
    >>> plan = pd.DataFrame({"rep_id": ["R1", "R1"], "account_id": ["A1", "A1"], "class": ["A", "A"],
    ...                      "visit_date": pd.to_datetime(["2026-01-05", "2026-01-19"])})
    >>> names = pd.DataFrame({"account_id": ["A1"], "account_name": ["海口昆仑"]})
    >>> events = calendar_events(plan, accounts=names, lang="zh")
    >>> events[["uid", "sequence", "summary"]].values.tolist()[0]
    ['R1-A1-202601-1@kam-workbook', 0, '拜访 海口昆仑（A类）']
    >>> moved = calendar_events(plan.assign(visit_date=pd.to_datetime(["2026-01-06", "2026-01-19"])), previous=events)
    >>> moved[["uid", "sequence", "moved"]].values.tolist()
    [['R1-A1-202601-1@kam-workbook', 1, True], ['R1-A1-202601-2@kam-workbook', 0, False]]
    """
    i18n.check_lang(lang)
    require_columns(visits, ["rep_id", "account_id", "visit_date"], purpose="calendar_events", table="plan visits")
    plan = visits.assign(visit_date=pd.to_datetime(visits["visit_date"]).dt.normalize()).reset_index(drop=True)
    if "class" not in plan.columns:
        plan["class"] = None
    names = {} if accounts is None or "account_name" not in accounts.columns else dict(
        zip(accounts["account_id"], accounts["account_name"]))
    plan["account_name"] = [names.get(a) if pd.notna(names.get(a)) else a for a in plan["account_id"]]
    plan["uid"] = _uids(plan)
    plan = plan.sort_values(["rep_id", "visit_date", "uid"], kind="stable", ignore_index=True)
    slot = plan.groupby(["rep_id", "visit_date"]).cumcount()
    hours, mins = (int(x) for x in first.split(":"))
    zone = ZoneInfo(TIMEZONE)
    plan["start"] = [pd.Timestamp(d).to_pydatetime().replace(hour=hours, minute=mins, tzinfo=zone)
                     + dt.timedelta(minutes=every_minutes * int(s)) for d, s in zip(plan["visit_date"], slot)]
    plan["end"] = [s + dt.timedelta(minutes=minutes) for s in plan["start"]]
    plan["sequence"], plan["moved"] = 0, False
    if previous is not None and len(previous):
        before = previous.drop_duplicates("uid").set_index("uid")
        known = plan["uid"].isin(before.index)
        old_date = pd.to_datetime(plan["uid"].map(before["visit_date"])).dt.normalize()
        plan["moved"] = known & (old_date != plan["visit_date"])
        plan["sequence"] = (plan["uid"].map(before["sequence"]).fillna(-1).astype(int) + plan["moved"].astype(int)
                            ).where(known, 0).astype(int)
    plan["summary"] = [_summary(str(n), k, lang) for n, k in zip(plan["account_name"], plan["class"])]
    return plan[_COLUMNS]


def calendar_ics(events: pd.DataFrame, *, name: str = "", stamp: dt.datetime | None = None) -> bytes:
    """One calendar (RFC 5545) holding *events* (:func:`calendar_events`), with its VTIMEZONE.

    Lines are folded at 75 octets on character boundaries (a Chinese summary stays valid
    UTF-8 on every line).

    Parameters
    ----------
    events : DataFrame
        The events of :func:`calendar_events` (usually one rep's).
    name : str
        The calendar's name (``X-WR-CALNAME``), e.g. the rep.
    stamp : datetime, optional
        DTSTAMP of every event; None = midnight UTC of the first day of the events' first
        month (two exports of one plan are the same bytes).

    Examples
    --------
    >>> plan = pd.DataFrame({"rep_id": ["R1"], "account_id": ["A1"], "visit_date": pd.to_datetime(["2026-01-05"])})
    >>> text = calendar_ics(calendar_events(plan), name="R1").decode()
    >>> [line for line in text.splitlines() if line.startswith(("UID", "DTSTART;", "SEQUENCE", "TZID"))]
    ['TZID:Asia/Shanghai', 'DTSTART;TZID=Asia/Shanghai:20260105T090000', 'UID:R1-A1-202601-1@kam-workbook', 'SEQUENCE:0']
    """
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{_DOMAIN}//visit plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
    first = pd.Timestamp(events["visit_date"].min()) if len(events) else pd.Timestamp("1970-01-01")
    if stamp is None:
        stamp = dt.datetime(first.year, first.month, 1, tzinfo=dt.UTC)
    for row in events.itertuples(index=False):
        event = icalendar.Event()
        event.add("uid", row.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", row.start)
        event.add("dtend", row.end)
        event.add("sequence", int(row.sequence))
        event.add("summary", row.summary)
        calendar.add_component(event)
    last = pd.Timestamp(events["visit_date"].max()) if len(events) else first
    until = (last + pd.DateOffset(years=1)).date()
    for place, tzid in enumerate(sorted(calendar.get_missing_tzids())):
        calendar.subcomponents.insert(place, _vtimezone(tzid, first.date(), until))
    return bytes(calendar.to_ical())


@functools.lru_cache(maxsize=32)
def _vtimezone(tzid: str, first: dt.date, last: dt.date) -> Any:
    """The VTIMEZONE of *tzid* from *first* to *last*, made once: working it out takes tens of
    milliseconds, and every rep's calendar of a month needs the same one. Only serialised, never changed."""
    import icalendar

    return icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)


def _file_stem(rep: object) -> str:
    return "visits_" + re.sub(r"[^\w-]", "_", str(rep))[:60]


def write_calendars(events: pd.DataFrame, output_dir: str | Path, *,
                    rep_names: Mapping[str, str] | None = None) -> list[Path]:
    """Write one ``visits_<rep_id>.ics`` per rep of *events* into *output_dir*.

    Files are written atomically and replace earlier ones of the same name.

    Examples
    --------
    >>> import tempfile
    >>> plan = pd.DataFrame({"rep_id": ["R1", "R2"], "account_id": ["A1", "A2"],
    ...                      "visit_date": pd.to_datetime(["2026-01-05", "2026-01-06"])})
    >>> [p.name for p in write_calendars(calendar_events(plan), tempfile.mkdtemp())]
    ['visits_R1.ics', 'visits_R2.ics']
    """
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for rep, own in events.groupby("rep_id", sort=True):
        name = (rep_names or {}).get(rep) or str(rep)
        written.append(atomic_write(folder / f"{_file_stem(rep)}.ics", calendar_ics(own, name=str(name))))
    return written


def read_events(paths: Iterable[str | Path]) -> pd.DataFrame:
    """The events of ``.ics`` files (an earlier export): ``uid``, ``sequence``, ``visit_date``, ``start``, ``summary``.

    Pass the result as ``previous`` to :func:`calendar_events` to raise the SEQUENCE of
    the visits that moved.

    Examples
    --------
    >>> import tempfile
    >>> plan = pd.DataFrame({"rep_id": ["R1"], "account_id": ["A1"], "visit_date": pd.to_datetime(["2026-01-05"])})
    >>> read_events(write_calendars(calendar_events(plan), tempfile.mkdtemp()))[["uid", "sequence"]].values.tolist()
    [['R1-A1-202601-1@kam-workbook', 0]]
    """
    import icalendar

    rows = []
    for path in paths:
        for event in icalendar.Calendar.from_ical(Path(path).read_bytes()).walk("VEVENT"):
            start = event.decoded("dtstart")
            rows.append({"uid": str(event["uid"]), "sequence": int(event.get("sequence", 0)),
                         "visit_date": pd.Timestamp(start.date()), "start": start, "summary": str(event["summary"])})
    return pd.DataFrame(rows, columns=["uid", "sequence", "visit_date", "start", "summary"])
