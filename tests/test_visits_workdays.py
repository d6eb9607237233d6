"""Working days for the visit plan (``docs/visits.md``): the Chinese calendar of 2025 and 2026
checked day by day against the State Council's holiday notices, a year without data, override
files (company days, rep leave) and the Mon–Fri calendar."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from kamlib.errors import ConfigError
from kamlib.visits import WorkCalendar, calendar_from, read_overrides


def _span(first: str, last: str) -> set[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return {start + timedelta(days=i) for i in range((end - start).days + 1)}


#: Days off and adjusted working weekends (调休) from the notices for 2025 (国办发明电〔2024〕12号)
#: and 2026 (国办发明电〔2025〕7号).
NOTICES = {
    2025: (
        _span("2025-01-01", "2025-01-01") | _span("2025-01-28", "2025-02-04") | _span("2025-04-04", "2025-04-06")
        | _span("2025-05-01", "2025-05-05") | _span("2025-05-31", "2025-06-02") | _span("2025-10-01", "2025-10-08"),
        {date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)},
    ),
    2026: (
        _span("2026-01-01", "2026-01-03") | _span("2026-02-15", "2026-02-23") | _span("2026-04-04", "2026-04-06")
        | _span("2026-05-01", "2026-05-05") | _span("2026-06-19", "2026-06-21") | _span("2026-09-25", "2026-09-27")
        | _span("2026-10-01", "2026-10-07"),
        {date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
         date(2026, 10, 10)},
    ),
}


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_every_day_of_the_year_follows_the_state_council_notice(year):
    off, worked = NOTICES[year]
    days = sorted(_span(f"{year}-01-01", f"{year}-12-31"))
    expected = [(d in worked) or (d.weekday() < 5 and d not in off) for d in days]
    assert WorkCalendar().days(days) == expected


def test_known_days_of_2026():
    cal = WorkCalendar()
    assert not cal.is_workday("2026-01-01")                       # New Year's Day
    assert cal.is_workday("2026-01-04")                           # a Sunday worked
    assert not any(cal.is_workday(d) for d in _span("2026-02-15", "2026-02-23"))  # Spring Festival
    assert cal.is_workday("2026-02-14") and cal.is_workday("2026-02-28")           # Saturdays worked
    assert [d.day for d in cal.working_days("2026-10")][:3] == [8, 9, 10]          # after National Day


def test_a_year_without_data_raises_a_clear_error():
    with pytest.raises(ConfigError, match=r"2004–2026 only, not of 2031.*override file"):
        WorkCalendar().working_days("2031-01")


def test_an_override_file_covers_a_year_without_data(tmp_path: Path):
    path = tmp_path / "overrides.csv"
    path.write_text("date,workday,note\n2031-01-01,否,元旦\n2031-01-04,是,调休\n", encoding="utf-8")
    cal = WorkCalendar().with_overrides(path)
    weekdays = {d.date() for d in pd.bdate_range("2031-01-01", "2031-01-31")}
    assert set(cal.working_days("2031-01")) == (weekdays - {date(2031, 1, 1)}) | {date(2031, 1, 4)}
    assert cal.name == "chinesecalendar 1.11.0 + overrides.csv"


def test_rep_leave_from_yaml_applies_to_that_rep_only(tmp_path: Path):
    path = tmp_path / "leave.yml"
    path.write_text("overrides:\n  - {date: 2026-03-02, workday: no, rep_id: R1, note: 年假}\n"
                    "  - {date: 2026-03-07, workday: yes}\n", encoding="utf-8")
    cal = calendar_from(path)
    assert date(2026, 3, 2) not in cal.working_days("2026-03", "R1")
    assert date(2026, 3, 2) in cal.working_days("2026-03", "R2")
    assert date(2026, 3, 7) in cal.working_days("2026-03")        # a company Saturday
    assert cal.rep_overrides() == {"R1"}


def test_weekdays_calendar_ignores_chinese_holidays():
    cal = calendar_from("weekdays")
    assert cal.name == "weekdays (Mon–Fri)"
    assert cal.is_workday("2026-10-01") and not cal.is_workday("2026-10-10")
    assert len(cal.working_days("2031-01")) == len(pd.bdate_range("2031-01-01", "2031-01-31"))


def test_bad_override_rows_are_named():
    with pytest.raises(ConfigError, match=r"row 3: column 'workday' must be yes or no.*'maybe'"):
        read_overrides([{"date": "2031-01-01", "workday": "no"}, {"date": "2031-01-02", "workday": "maybe"}])
    with pytest.raises(ConfigError, match=r"row 2, column 'date': 'someday' is not a date"):
        read_overrides([{"date": "someday", "workday": "no"}])
    with pytest.raises(ConfigError, match="kind must be one of china, weekdays"):
        WorkCalendar("moon")
