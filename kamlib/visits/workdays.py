"""Working days (工作日) for the visit plan: the Chinese calendar of public holidays and adjusted
working weekends (调休), company days and rep leave from an override file, or plain Mon–Fri.

The Chinese calendar comes from the ``chinesecalendar`` package, which carries the State
Council's holiday notices for the years it knows. A year it does not know is an error
until an override file lists that year's days off and working weekends.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from kamlib.errors import ConfigError

__all__ = ["KINDS", "WorkCalendar", "calendar_from", "month_days", "month_start", "read_overrides"]

#: Calendars to choose from: ``china`` (holidays and 调休) and ``weekdays`` (Mon–Fri).
KINDS = ("china", "weekdays")
_YES = {"yes", "y", "true", "1", "是", "工作", "上班", "workday"}
_NO = {"no", "n", "false", "0", "否", "休息", "休假", "off", "holiday", "leave"}
_OVERRIDE_COLUMNS = ("date", "workday", "rep_id", "note")


def month_days(month: object) -> list[date]:
    """Every calendar day of *month* (``"2026-10"``, a date or a Timestamp in it).

    Examples
    --------
    >>> days = month_days("2026-02")
    >>> days[0], days[-1], len(days)
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28), 28)
    """
    start = month_start(month)
    length = monthrange(start.year, start.month)[1]
    return [start + timedelta(days=i) for i in range(length)]


def month_start(month: object) -> date:
    """The first day of *month*.

    Examples
    --------
    >>> month_start("2026-10-15")
    datetime.date(2026, 10, 1)
    """
    try:
        stamp = pd.Timestamp(str(month) if isinstance(month, str) else month)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"month: {month!r} is not a month; pass it as '2026-10' or a date in the month.") from err
    if pd.isna(stamp):
        raise ConfigError("month: a month is needed; pass it as '2026-10' or a date in the month.")
    return date(stamp.year, stamp.month, 1)


def _flag(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ConfigError(f"{where}: column 'workday' must be yes or no (是/否), but {value!r} was found.")


def read_overrides(source: str | Path | pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Read an override table: ``date, workday`` (yes/no), optional ``rep_id`` (leave or duty of one rep) and ``note``.

    Parameters
    ----------
    source : CSV or YAML path, DataFrame or list of mappings
        A YAML file holds a list of rows (``- {date: 2031-01-01, workday: no, note: 元旦}``)
        or a mapping with such a list under ``overrides``.

    Returns
    -------
    DataFrame
        ``date`` (datetime.date), ``workday`` (bool), ``rep_id`` (string, NA = the whole
        company), ``note``.

    Raises
    ------
    ConfigError
        Naming the file, the row and the column.

    Examples
    --------
    >>> read_overrides([{"date": "2031-01-01", "workday": "否"}, {"date": "2031-01-05", "workday": "yes",
    ...                 "rep_id": "R1"}])[["date", "workday", "rep_id"]].values.tolist()
    [[datetime.date(2031, 1, 1), False, <NA>], [datetime.date(2031, 1, 5), True, 'R1']]
    """
    where = "overrides"
    if isinstance(source, pd.DataFrame):
        table = source.copy()
    elif isinstance(source, (str, Path)):
        where = str(source)
        table = _read_override_file(Path(source))
    else:
        table = pd.DataFrame(list(source))
    missing = [c for c in ("date", "workday") if c not in table.columns]
    if missing:
        raise ConfigError(f"{where}: column {missing[0]!r} not found (columns: {', '.join(map(str, table.columns))}). "
                          "An override table has date, workday (yes/no), optional rep_id and note.")
    dates = pd.to_datetime(table["date"].astype(str), errors="coerce")
    if dates.isna().any():
        row = int(dates.isna().to_numpy().argmax()) + 2
        raise ConfigError(f"{where}: row {row}, column 'date': {table['date'].iloc[row - 2]!r} is not a date "
                          "(write it as 2031-01-01).")
    out = pd.DataFrame({
        "date": [d.date() for d in dates],
        "workday": [_flag(v, f"{where}: row {i + 2}") for i, v in enumerate(table["workday"])],
        "rep_id": (table["rep_id"] if "rep_id" in table.columns else pd.Series(pd.NA, index=table.index))
        .astype("string").str.strip().replace("", pd.NA).to_numpy(),
        "note": (table["note"] if "note" in table.columns else pd.Series("", index=table.index))
        .fillna("").astype(str).to_numpy(),
    })
    out["rep_id"] = out["rep_id"].astype("string")
    return out


def _read_override_file(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() in (".yml", ".yaml"):
            import yaml

            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
            rows = spec.get("overrides", []) if isinstance(spec, Mapping) else spec
            return pd.DataFrame(list(rows or []), columns=None)
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    except (OSError, ValueError, TypeError, AttributeError) as err:
        raise ConfigError(f"{path}: could not read the working-day overrides ({err}). Expected a CSV or YAML "
                          "table with date, workday (yes/no), optional rep_id and note.") from err


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, for the company and for each rep.

    Parameters
    ----------
    kind : {"china", "weekdays"}, default "china"
        ``china``: mainland public holidays and adjusted working weekends (调休) from
        ``chinesecalendar``; ``weekdays``: Monday to Friday, for teams outside China.
    overrides : DataFrame, optional
        :func:`read_overrides` output: company days off or on (no ``rep_id``) and one
        rep's leave or duty (with ``rep_id``). Company rows for a year the ``china``
        calendar does not know make that year usable: the days listed are as given,
        the other days Monday to Friday.
    source : str, default ""
        Where the overrides came from (a file name), for :attr:`name`.

    Examples
    --------
    >>> cal = WorkCalendar()
    >>> cal.name
    'chinesecalendar 1.11.0'
    >>> [d.day for d in cal.working_days("2026-10")][:4]
    [8, 9, 10, 12]
    >>> cal.is_workday("2026-10-10")  # an adjusted working Saturday (调休)
    True
    """

    kind: str = "china"
    overrides: pd.DataFrame | None = field(default=None, compare=False)
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"calendar: kind must be one of {', '.join(KINDS)}, but {self.kind!r} was passed.")

    @property
    def name(self) -> str:
        """The calendar's name and source, as a plan states it."""
        base = f"chinesecalendar {version('chinesecalendar')}" if self.kind == "china" else "weekdays (Mon–Fri)"
        if self.overrides is None or self.overrides.empty:
            return base
        return f"{base} + {self.source or f'overrides ({len(self.overrides)} days)'}"

    def with_overrides(self, overrides: str | Path | pd.DataFrame | Iterable[Mapping[str, Any]]) -> WorkCalendar:
        """A copy with more override rows (later rows win over earlier ones for the same day and rep).

        Examples
        --------
        >>> cal = WorkCalendar("weekdays").with_overrides([{"date": "2026-03-02", "workday": "no", "rep_id": "R1"}])
        >>> cal.is_workday("2026-03-02", "R1"), cal.is_workday("2026-03-02", "R2"), cal.name
        (False, True, 'weekdays (Mon–Fri) + overrides (1 days)')
        """
        extra = read_overrides(overrides)
        label = str(overrides) if isinstance(overrides, (str, Path)) else ""
        rows = extra if self.overrides is None else pd.concat([self.overrides, extra], ignore_index=True)
        source = " + ".join(s for s in (self.source, Path(label).name if label else "") if s)
        return replace(self, overrides=rows, source=source)

    def _override_map(self) -> dict[tuple[date, str | None], bool]:
        if self.overrides is None:
            return {}
        reps = [None if pd.isna(r) else str(r) for r in self.overrides["rep_id"]]
        return dict(zip(zip(self.overrides["date"], reps, strict=True), self.overrides["workday"], strict=True))

    def _covered_years(self) -> set[int]:
        if self.overrides is None:
            return set()
        company = self.overrides[self.overrides["rep_id"].isna()]
        return {d.year for d in company["date"]}

    def _base(self, day: date, covered: set[int]) -> bool:
        if self.kind == "weekdays" or day.year in covered:
            return day.weekday() < 5
        import chinese_calendar

        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as err:
            first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
            raise ConfigError(
                f"calendar: chinesecalendar {version('chinesecalendar')} has the holidays of {first}–{last} only, "
                f"not of {day.year}. Upgrade it (pip install -U chinesecalendar) once the State Council has "
                f"published {day.year}'s holidays, or give an override file (date, workday) listing {day.year}'s "
                "days off and adjusted working days; or use the 'weekdays' calendar.") from err

    def days(self, days: Iterable[date], rep_id: str | None = None) -> list[bool]:
        """Whether each of *days* is a working day (for *rep_id* when given)."""
        table = self._override_map()
        covered = self._covered_years()
        out = []
        for day in days:
            flag = table.get((day, None))
            flag = self._base(day, covered) if flag is None else flag
            if rep_id is not None:
                flag = table.get((day, str(rep_id)), flag)
            out.append(flag)
        return out

    def is_workday(self, day: object, rep_id: str | None = None) -> bool:
        """Whether *day* is a working day (for *rep_id*, counting its leave, when given)."""
        return self.days([pd.Timestamp(day).date()], rep_id)[0]

    def working_days(self, month: object, rep_id: str | None = None) -> list[date]:
        """The working days of *month*, for the company or for one rep (its leave left out).

        Examples
        --------
        >>> len(WorkCalendar("weekdays").working_days("2026-02"))
        20
        """
        days = month_days(month)
        return [d for d, ok in zip(days, self.days(days, rep_id), strict=True) if ok]

    def rep_overrides(self) -> set[str]:
        """The reps that have their own override rows."""
        if self.overrides is None:
            return set()
        return {str(r) for r in self.overrides["rep_id"].dropna()}


def calendar_from(obj: WorkCalendar | str | Path | pd.DataFrame | None) -> WorkCalendar:
    """The calendar *obj* stands for: a WorkCalendar as is, ``"china"`` / ``"weekdays"``, an override file
    or table on top of the Chinese calendar, or None (the Chinese calendar).

    Examples
    --------
    >>> calendar_from("weekdays").name
    'weekdays (Mon–Fri)'
    """
    if obj is None:
        return WorkCalendar()
    if isinstance(obj, WorkCalendar):
        return obj
    if isinstance(obj, str) and obj in KINDS:
        return WorkCalendar(obj)
    if isinstance(obj, (str, Path, pd.DataFrame)):
        return WorkCalendar().with_overrides(obj)
    raise ConfigError(f"calendar: expected a WorkCalendar, 'china', 'weekdays', an override file or table, "
                      f"but {type(obj).__name__} was passed.")
