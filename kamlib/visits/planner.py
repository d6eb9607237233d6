"""The month's visit plan (月度访问计划表, ``docs/visits.md``): which rep visits which account on which
working day, and every mandatory visit that does not fit, with the reason and the fix.

Greedy insertion by priority, then a repair pass and a local search. Each rep is planned on
its own: locked appointments first, then mandatory visits (a visit whose window has no day to
spare first, then at-risk and hot accounts, VIP, A, B, C; least slack first; ties by account
id), then optional visits. Each visit goes to a working day of its visit window that already
has its city (grouping), else to a day that can still take a new city; among those, to the day
least wanted by the visits not yet placed (each spreads its demand evenly over its window), then
the day nearest its ideal date. The repair pass moves planned visits (one, or all of one city)
off a day to make room for a mandatory visit that found none. The local search then lowers the
city-days, each step only when every rule still holds and no other city-day is added: it empties
a city's smallest days into other days the rep already spends in that city (when such a day is
full, first moving one of its visits to another day of that visit's city, or swapping the visit
being moved with one of another city already on the day being emptied), and brings a city's
visits of two days together on one day; at most two rounds. Optional visits come last: to days
the rep already spends in their city first, then to any day with room; the local search runs
again over all the visits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from kamlib.errors import DataError, require_columns
from kamlib.visits.frequency import visit_frequency
from kamlib.visits.policy import VisitPolicy, policy_from
from kamlib.visits.workdays import WorkCalendar, calendar_from, month_days, month_start

__all__ = ["FIXES", "RULES", "SHORTFALL_REASONS", "MonthPlan", "compare_plans", "plan_month", "replan", "what_if"]

#: Why a visit is on its day.
RULES = ("locked", "due_class", "spacing", "grouped_city", "optional")
#: Why a mandatory visit is missing, and the fix for each.
SHORTFALL_REASONS = ("no_rep", "no_working_day", "capacity", "spacing", "city_limit")
FIXES = {"no_rep": "assign_rep", "no_working_day": "add_slot", "capacity": "add_slot", "spacing": "widen_gap",
         "city_limit": "allow_city"}
_VISIT_COLUMNS = ["rep_id", "account_id", "visit_date", "city", "class", "mandatory", "locked", "rule",
                  "rule_detail"]
_SHORTFALL_COLUMNS = ["rep_id", "account_id", "class", "missing", "reason", "fix_from", "fix_to", "fix"]
_CHANGE_COLUMNS = ["rep_id", "account_id", "old_date", "new_date", "change"]
_FAR = 10_000


@dataclass(frozen=True)
class MonthPlan:
    """A month's visit plan.

    Attributes
    ----------
    visits : DataFrame
        ``rep_id, account_id, visit_date, city, class, mandatory, locked, rule,
        rule_detail`` sorted by rep, date and account; ``rule`` is one of
        :data:`RULES` and ``rule_detail`` says more (the city grouped, the previous
        visit, the class's frequency).
    shortfall : DataFrame
        ``rep_id, account_id, class, missing, reason, fix_from, fix_to, fix``: every
        mandatory visit not planned, counted per account, with the window it needed.
    due : DataFrame
        The :func:`~kamlib.visits.visit_frequency` table planned from.
    calendar : str
        Name and source of the working-day calendar.
    policy : VisitPolicy
        The rules applied.
    month : date
        First day of the month.
    changes : DataFrame
        For a plan made by :func:`replan`: ``rep_id, account_id, old_date, new_date,
        change`` (moved, added, dropped); empty otherwise.
    inputs : mapping
        The tables and rules the plan was made from, for :func:`replan` and
        :func:`what_if`.
    """

    visits: pd.DataFrame
    shortfall: pd.DataFrame
    due: pd.DataFrame
    calendar: str
    policy: VisitPolicy
    month: date
    changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_CHANGE_COLUMNS))
    inputs: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def coverage(self) -> pd.DataFrame:
        """Required against planned visits per class.

        Returns
        -------
        DataFrame
            One row per class: ``class, accounts, mandatory_required,
            mandatory_planned, optional_required, optional_planned, missing,
            coverage`` (planned ÷ required mandatory visits; 1 when none required).
        """
        due = self.due.groupby("class", observed=True).agg(
            accounts=("account_id", "size"), mandatory_required=("mandatory", "sum"),
            optional_required=("optional", "sum"))
        planned = self.visits.groupby(["class", "mandatory"], observed=True).size().unstack(fill_value=0)
        out = due.join(planned.rename(columns={True: "mandatory_planned", False: "optional_planned"}), how="left")
        for column in ("mandatory_planned", "optional_planned"):
            out[column] = out[column].fillna(0).astype(int) if column in out.columns else 0
        out["missing"] = self.shortfall.groupby("class")["missing"].sum().reindex(out.index).fillna(0).astype(int)
        required = out["mandatory_required"].where(out["mandatory_required"] > 0)
        out["coverage"] = (out["mandatory_planned"].clip(upper=out["mandatory_required"]) / required).fillna(1.0)
        columns = ["accounts", "mandatory_required", "mandatory_planned", "optional_required", "optional_planned",
                   "missing", "coverage"]
        return out[columns].reset_index()

    def city_days(self) -> int:
        """Distinct (rep, day, city) triples: how many times a rep travels to a city."""
        return int(self.visits[["rep_id", "visit_date", "city"]].drop_duplicates().shape[0])


# --------------------------------------------------------------------------- one rep's month
@dataclass(slots=True, eq=False)
class _Account:
    """One account's planning state within its rep's month."""

    account_id: str
    city: int
    mandatory: int
    optional: int
    min_gap: int
    max_gap: int
    ideal_gap: int
    last: int | None          # last visit before the month, as a day offset (negative)
    tier: int
    bound: bool = False       # the window after the last visit holds a working day: its max gap binds
    window: np.ndarray | None = None  # open days the first visit may take
    days: list[int] = field(default_factory=list)
    locked: list[int] = field(default_factory=list)
    optional_days: list[int] = field(default_factory=list)


class _RepMonth:
    """Capacity, cities per day and the visits of one rep's month; days are offsets 0 … L-1."""

    def __init__(self, working: np.ndarray, capacity: int, n_cities: int, max_cities: int, first_day: int) -> None:
        self.working = working
        self.capacity = capacity
        self.max_cities = max_cities
        self.load = np.zeros(len(working), dtype=int)
        self.present = np.zeros((max(n_cities, 1), len(working)), dtype=int)
        self.has = np.zeros((max(n_cities, 1), len(working)), dtype=bool)
        self.demand = np.zeros((max(n_cities, 1), len(working)))
        self.total_demand = np.zeros(len(working))
        self.unmet = np.zeros(len(working))  # demand of the cities not yet on each day
        self.ncities = np.zeros(len(working), dtype=int)
        self.offsets = np.arange(len(working))
        self.all_days = np.ones(len(working), dtype=bool)
        self.open = working & (self.offsets >= first_day)
        self.free = self.open & (capacity > 0)
        self.new_city = np.full(len(working), max_cities > 0)
        self.visitors: list[list[_Account]] = [[] for _ in working]

    def _update(self, day: int) -> None:
        self.free[day] = self.open[day] and self.load[day] < self.capacity
        self.new_city[day] = self.ncities[day] < self.max_cities

    def add(self, acc: _Account, day: int) -> None:
        self.visitors[day].append(acc)
        self.load[day] += 1
        if self.present[acc.city, day] == 0:
            self.ncities[day] += 1
            self.has[acc.city, day] = True
            self.unmet[day] -= self.demand[acc.city, day]
        self.present[acc.city, day] += 1
        self._update(day)

    def remove(self, acc: _Account, day: int) -> None:
        self.visitors[day].remove(acc)
        self.load[day] -= 1
        self.present[acc.city, day] -= 1
        if self.present[acc.city, day] == 0:
            self.ncities[day] -= 1
            self.has[acc.city, day] = False
            self.unmet[day] += self.demand[acc.city, day]
        self._update(day)

    def spacing_ok(self, acc: _Account, own: Iterable[int]) -> np.ndarray:
        """Days where one more visit of *acc* keeps every gap within its window."""
        n = len(self.working)
        ok = self.all_days.copy()
        marks = sorted(own)
        history = acc.last is not None
        if history:
            marks = [acc.last, *marks]
        if not marks:
            return ok
        low, high = acc.min_gap, acc.max_gap
        for m in marks:  # slice bounds below 0 would count from the end: clip them
            a, b = m - low + 1, m + low
            ok[max(0, a):max(0, b)] = False
        first = marks[0]
        if not history and first > high:
            ok[:first - high] = False
        last_index = len(marks) - 1
        for i, m in enumerate(marks):
            binds = i > 0 or not history or acc.bound
            nxt = marks[i + 1] if i < last_index else n
            after = m + 1 if m > -1 else 0
            if binds:
                a = m + high + 1
                ok[max(0, a):max(0, nxt)] = False
            if nxt < n:
                b = nxt - high
                ok[after:max(0, b)] = False
                if binds and nxt - m > high:  # a gap already too wide: only a visit inside it can mend it
                    ok[:after] = False
                    ok[nxt:] = False
        return ok

    def room(self, acc: _Account) -> np.ndarray:
        """Days with capacity left where the account's city may go (already there, or under K cities)."""
        return self.free & (self.has[acc.city] | self.new_city)

    def target(self, acc: _Account, own: list[int]) -> int:
        anchor = max(own) if own else acc.last
        if anchor is None or (not own and not acc.bound):
            return 0
        return anchor + acc.ideal_gap

    def choose(self, acc: _Account, own: list[int], left: int, *, grouped_only: bool = False) -> int | None:
        """The best day for the next visit of *acc* (None when no day fits)."""
        room = self.free & self.has[acc.city] if grouped_only else self.room(acc)
        days = np.flatnonzero(self.spacing_ok(acc, own) & room)
        if not len(days):
            return None
        limit = len(self.working) - 1 - (left - 1) * acc.min_gap
        if days[0] <= limit:
            days = days[days <= limit]
        grouped = days[self.has[acc.city, days]]
        if len(grouped):
            days = grouped
        pressure = self.total_demand[days] / (self.capacity - self.load[days])
        if not len(grouped):
            others = self.unmet[days] - self.demand[acc.city, days]
            pressure = pressure + others / (self.max_cities - self.ncities[days])
        key = np.floor(pressure * 1000) + np.abs(days - self.target(acc, own)) / 1000
        return int(days[np.argmin(key)])

    def expect(self, acc: _Account, sign: int) -> None:
        """Add (+1) or take back (-1) the demand the account's unplaced mandatory visits put on its window."""
        need = max(acc.mandatory - len(acc.locked), 0)
        count = acc.window.sum()
        if need and count:
            share = acc.window * (sign * need / count)
            self.demand[acc.city] += share
            self.total_demand += share
            self.unmet += share * ~self.has[acc.city]

    def place(self, acc: _Account, count: int, *, optional: bool = False, grouped_only: bool = False) -> int:
        """Place up to *count* more visits of *acc*; return how many did not fit."""
        for placed in range(count):
            own = acc.days + acc.locked + acc.optional_days
            day = self.choose(acc, own, count - placed, grouped_only=grouped_only)
            if day is None:
                return count - placed
            self.add(acc, day)
            (acc.optional_days if optional else acc.days).append(day)
        return 0

    def move(self, acc: _Account, day: int, *, grouped_only: bool = False) -> int | None:
        """Move the visit of *acc* on *day* to another day, its city's days first; the new day or None."""
        kind = acc.days if day in acc.days else acc.optional_days
        self.remove(acc, day)
        own = [d for d in acc.days + acc.optional_days if d != day] + acc.locked
        ok = self.spacing_ok(acc, own) & self.room(acc)
        ok[day] = False
        grouped = ok & self.has[acc.city]
        ok = grouped if grouped.any() or grouped_only else ok
        if not ok.any():
            self.add(acc, day)
            return None
        new = int(np.flatnonzero(ok)[0])
        self.add(acc, new)
        kind[kind.index(day)] = new
        return new

    def _undo(self, moves: list[tuple[_Account, int, int]]) -> None:
        for acc, old, new in reversed(moves):
            kind = acc.days if new in acc.days else acc.optional_days
            self.remove(acc, new)
            self.add(acc, old)
            kind[kind.index(new)] = old

    def clear(self, day: int, city: int | None) -> list[tuple[_Account, int, int]] | None:
        """Move every visit of *city* off *day* (with None: any one visit); the moves made, or None."""
        visitors = [a for a in self.visitors[day] if city is None or a.city == city]
        if city is not None and any(day in a.locked for a in visitors):
            return None
        moves: list[tuple[_Account, int, int]] = []
        for other in visitors:
            if day in other.locked:
                continue
            new = self.move(other, day)
            if new is not None:
                moves.append((other, day, new))
                if city is None:
                    return moves
            elif city is not None:
                self._undo(moves)
                return None
        return moves if city is not None else None

    def free_day_for(self, acc: _Account) -> bool:
        """Move planned visits of other accounts to other days to make room for one more visit of *acc*."""
        if not self.free.any():
            return False
        own = acc.days + acc.locked + acc.optional_days
        for day in np.flatnonzero(self.spacing_ok(acc, own) & self.open):
            day = int(day)
            options: list[int | None] = [None]  # a free slot is enough
            if not self.has[acc.city, day] and self.ncities[day] >= self.max_cities:  # a city must leave the day
                options = sorted({a.city for a in self.visitors[day]}, key=lambda c: (self.present[c, day], c))
            for city in options:
                moves = self.clear(day, city)
                if moves is None:
                    continue
                if self.room(acc)[day]:
                    self.add(acc, day)
                    acc.days.append(day)
                    return True
                self._undo(moves)
        return False

    def bump_into(self, acc: _Account, day: int) -> list[tuple[_Account, int, int]] | None:
        """Move the visit of *acc* on *day* to a full day of its city, after moving a visit off that day
        to another day of that visit's city with room (not *day*); the moves made, or None."""
        own = [d for d in acc.days + acc.optional_days if d != day] + acc.locked
        full = self.spacing_ok(acc, own) & self.open & self.has[acc.city] & (self.load >= self.capacity)
        full[day] = False
        if not full.any():
            return None
        rooms = self.has & self.free
        rooms[:, day] = False
        movable = rooms.any(axis=1)
        for target in np.flatnonzero(full):
            target = int(target)
            for other in self.visitors[target]:
                if not movable[other.city] or target in other.locked:
                    continue
                room = rooms[other.city] & self.spacing_ok(
                    other, [d for d in other.days + other.optional_days if d != target] + other.locked)
                if room.any():
                    return [self.shift(other, target, int(np.flatnonzero(room)[0])), self.shift(acc, day, target)]
        return None

    def swap_into(self, acc: _Account, day: int) -> list[tuple[_Account, int, int]] | None:
        """Swap the visit of *acc* on *day* with a visit of another city on a day of its city, that city
        already being on *day*; the moves made, or None."""
        own = [d for d in acc.days + acc.optional_days if d != day] + acc.locked
        days = self.spacing_ok(acc, own) & self.open & self.has[acc.city]
        days[day] = False
        for target in np.flatnonzero(days):
            target = int(target)
            for other in self.visitors[target]:
                if other.city == acc.city or not self.has[other.city, day] or target in other.locked or \
                        other.account_id == acc.account_id:
                    continue
                if self.spacing_ok(other, [d for d in other.days + other.optional_days if d != target]
                                   + other.locked)[day]:
                    return [self.shift(other, target, day), self.shift(acc, day, target)]
        return None

    def shift(self, acc: _Account, day: int, new: int) -> tuple[_Account, int, int]:
        """Move the visit of *acc* on *day* to *new* (the caller checked the rules)."""
        kind = acc.days if day in acc.days else acc.optional_days
        self.remove(acc, day)
        self.add(acc, new)
        kind[kind.index(day)] = new
        return acc, day, new

    def empty(self, day: int, city: int) -> bool:
        """Move every visit of *city* off *day* to other days of that city (making room there by moving or
        swapping one visit); undo and return False when one of them finds no day."""
        visitors = [a for a in self.visitors[day] if a.city == city]
        if any(day in a.locked for a in visitors):
            return False
        moves: list[tuple[_Account, int, int]] = []
        for acc in visitors:
            new = self.move(acc, day, grouped_only=True)
            done = [(acc, day, new)] if new is not None else self.bump_into(acc, day) or self.swap_into(acc, day)
            if done is None:
                self._undo(moves)
                return False
            moves += done
        return True

    def spare(self, city: int) -> int:
        """The most visits a day without *city* can still take of it."""
        days = self.open & ~self.has[city] & self.new_city
        return int((self.capacity - self.load[days]).max()) if days.any() else 0

    def merge(self, city: int, first: int, second: int) -> bool:
        """Move the visits of *city* on two days together to one day without that city."""
        visitors = [(a, d) for d in (first, second) for a in self.visitors[d] if a.city == city]
        accounts = {a.account_id for a, _ in visitors}
        if len(accounts) < len(visitors) or any(d in a.locked for a, d in visitors):
            return False
        ok = self.open & ~self.has[city] & self.new_city & (self.load + len(visitors) <= self.capacity)
        for acc, day in visitors:
            if not ok.any():
                return False
            ok &= self.spacing_ok(acc, [d for d in acc.days + acc.optional_days if d != day] + acc.locked)
        if not ok.any():
            return False
        target = int(np.flatnonzero(ok)[0])
        for acc, day in visitors:
            self.shift(acc, day, target)
        return True

    def regroup(self) -> None:
        """Lower the city-days: empty the city-days with fewest visits into other days of the same city
        (making room there by moving or swapping one visit), then bring two days' visits of a city
        together on one day."""
        for _ in range(2):
            changed = False
            cities, days = np.nonzero(self.present)
            for k in np.argsort(self.present[cities, days], kind="stable"):
                city, day = int(cities[k]), int(days[k])
                if 0 < self.present[city, day] < self.capacity and self.empty(day, city):
                    changed = True
            for city in range(self.present.shape[0]):
                days = np.flatnonzero(self.present[city]).tolist()
                spare = self.spare(city)
                for i, first in enumerate(days):
                    for second in days[i + 1:]:
                        both = self.present[city, first] + self.present[city, second]
                        if self.present[city, first] and self.present[city, second] and both <= spare and \
                                self.merge(city, first, second):
                            changed = True
                            spare = self.spare(city)
            if not changed:
                return

    def why_missing(self, acc: _Account) -> tuple[str, int, int]:
        """Reason code and window (first, last offset) of the next missing visit of *acc*."""
        own = acc.days + acc.locked + acc.optional_days
        spaced = self.spacing_ok(acc, own)
        window = np.flatnonzero(spaced)
        if not len(window):
            return "spacing", 0, len(self.working) - 1
        first, last = int(window[0]), int(window[-1])
        if not (self.open & spaced).any():
            return "no_working_day", first, last
        usable = self.open & spaced & (self.load < self.capacity)
        if not usable.any():
            return "capacity", first, last
        if not (usable & ((self.present[acc.city] > 0) | (self.ncities < self.max_cities))).any():
            return "city_limit", first, last
        return "spacing", first, last


# --------------------------------------------------------------------------- inputs
def _capacity(reps: pd.DataFrame, policy: VisitPolicy) -> dict[str, int]:
    require_columns(reps, ["rep_id"], purpose="plan_month", table="reps")
    per_day = (pd.to_numeric(reps["visits_per_day"], errors="coerce") if "visits_per_day" in reps.columns
               else pd.Series(np.nan, index=reps.index)).fillna(policy.visits_per_day)
    return dict(zip(reps["rep_id"].astype(str), np.floor(per_day.to_numpy()).astype(int), strict=True))


def _locked_table(locked: pd.DataFrame | None, start: date, end: date) -> pd.DataFrame:
    if locked is None or not len(locked):
        return pd.DataFrame({"rep_id": pd.Series(dtype="string"), "account_id": pd.Series(dtype="string"),
                             "offset": pd.Series(dtype=int)})
    require_columns(locked, ["rep_id", "account_id", "visit_date"], purpose="plan_month", table="locked")
    days = pd.to_datetime(locked["visit_date"])
    outside = (days < pd.Timestamp(start)) | (days > pd.Timestamp(end))
    if outside.any():
        rows = (np.flatnonzero(outside.to_numpy()) + 2).tolist()[:5]
        raise DataError(f"plan_month: locked visits on rows {rows} are outside {start:%Y-%m} "
                        f"({days[outside].dt.date.head(5).tolist()}). Pass only the month's appointments.",
                        source="locked", column="visit_date", rows=rows, code="outside_month")
    return pd.DataFrame({"rep_id": locked["rep_id"].astype("string").to_numpy(),
                         "account_id": locked["account_id"].astype("string").to_numpy(),
                         "offset": (days - pd.Timestamp(start)).dt.days.to_numpy()})


def _other_reps_locked(lock: pd.DataFrame, due: pd.DataFrame) -> pd.DataFrame:
    """Rows with no visits due for locked visits a rep makes to an account it does not hold (or an unknown one),
    so that they take that rep's capacity and city slots."""
    held = pd.MultiIndex.from_arrays([due["rep_id"].fillna(""), due["account_id"]])
    other = lock[~pd.MultiIndex.from_arrays([lock["rep_id"], lock["account_id"]]).isin(held)]
    pairs = other.drop_duplicates(["rep_id", "account_id"])
    info = due.drop_duplicates("account_id").set_index("account_id")
    return pd.DataFrame({
        "account_id": pairs["account_id"].astype("string").to_numpy(),
        "rep_id": pairs["rep_id"].astype("string").to_numpy(),
        "city": pairs["account_id"].map(info["city"]).astype("string").to_numpy(),
        "class": pairs["account_id"].map(info["class"]).astype("string").to_numpy(),
        "due": 0, "mandatory": 0, "optional": 0, "min_gap": 1, "max_gap": 1,
        "last_visit": pd.Series(pd.NaT, index=pairs.index, dtype="datetime64[ns]").to_numpy(),
        "reasons": [["locked"] for _ in range(len(pairs))], "tier": 0,
    })


def _ideal_gaps(due: pd.DataFrame, policy: VisitPolicy, length: int) -> np.ndarray:
    cycle = due["class"].map({k: r.cycle_days if r.months > 1 else 0 for k, r in policy.classes.items()})
    monthly = length // due["due"].clip(lower=1)
    use_cycle = (cycle.fillna(0) > 0) & (due["mandatory"] <= 1)
    return np.where(use_cycle, cycle.fillna(0), monthly).astype(int)


def _all_accounts(due: pd.DataFrame, ideal: np.ndarray, start: date) -> list[_Account]:
    """One :class:`_Account` per row of *due*; ``city`` is numbered within the account's rep."""
    last = due["last_visit"]
    offsets = np.where(last.isna(), np.nan, (last - pd.Timestamp(start)).dt.days.to_numpy(dtype=float))
    pair = due.groupby(["rep_key", "city_key"], sort=True).ngroup().to_numpy()
    city = pair - pd.Series(pair).groupby(due["rep_key"].to_numpy()).transform("min").to_numpy()
    columns = [due["account_id"].to_numpy(dtype=object), city, *(due[c].to_numpy() for c in (
        "mandatory", "optional", "min_gap", "max_gap")), ideal, offsets, due["tier"].to_numpy()]
    return [
        _Account(account_id=a, city=int(c), mandatory=int(m), optional=int(o), min_gap=int(lo), max_gap=int(hi),
                 ideal_gap=max(int(g), int(lo)), last=None if np.isnan(off) else int(off), tier=int(t))
        for a, c, m, o, lo, hi, g, off, t in zip(*columns, strict=True)
    ]


def _priority(acc: _Account) -> tuple[int, int, str]:
    """Planning order: a visit with no room to spare in its window first, then by tier, least slack, id."""
    slack = int(np.count_nonzero(acc.window)) - acc.mandatory
    return acc.tier if slack > 0 else 0, slack, acc.account_id


def _plan_rep(accounts: list[_Account], rep: _RepMonth) -> dict[str, tuple[int, str, int, int]]:
    """Plan one rep's month in place; return the missing mandatory visits per account."""
    for acc in accounts:
        if acc.last is not None:
            acc.bound = bool(rep.open[max(acc.last + acc.min_gap, 0):max(acc.last + acc.max_gap + 1, 0)].any())
        for day in acc.locked:
            rep.add(acc, day)
    for acc in accounts:
        acc.window = rep.spacing_ok(acc, acc.locked) & rep.open
    order = sorted(accounts, key=_priority)
    for acc in order:
        rep.expect(acc, +1)
    missing: dict[str, int] = {}
    for acc in order:
        rep.expect(acc, -1)
        left = rep.place(acc, max(acc.mandatory - len(acc.locked), 0))
        if left:
            missing[acc.account_id] = left
    for acc in order:
        while missing.get(acc.account_id) and rep.free_day_for(acc):
            missing[acc.account_id] -= 1
    rep.regroup()
    for grouped_only in (True, False):  # optional visits ride along to cities already visited, then the rest
        for acc in order:
            extra = max(len(acc.locked) - acc.mandatory, 0) + len(acc.optional_days)
            rep.place(acc, max(acc.optional - extra, 0), optional=True, grouped_only=grouped_only)
    rep.regroup()
    out = {}
    for acc in order:
        both = sorted(acc.days + acc.optional_days)  # the earliest visits are the mandatory ones
        acc.days, acc.optional_days = both[:len(acc.days)], both[len(acc.days):]
        if missing.get(acc.account_id):
            reason, first, last = rep.why_missing(acc)
            out[acc.account_id] = (missing[acc.account_id], reason, first, last)
    return out


# --------------------------------------------------------------------------- output tables
def _rules(visits: pd.DataFrame, due: pd.DataFrame, start: date) -> pd.DataFrame:
    """Add ``rule`` and ``rule_detail`` to the planned visits."""
    visits = visits.sort_values(["rep_id", "visit_date", "account_id"], kind="stable").reset_index(drop=True)
    key = visits["city"].fillna("?" + visits["account_id"])
    same_city = visits.groupby([visits["rep_id"], visits["visit_date"], key])["account_id"].transform("size") > 1
    by_account = visits.sort_values(["account_id", "visit_date"], kind="stable")
    previous = by_account.groupby("account_id")["visit_date"].shift()
    info = visits[["account_id"]].join(due.set_index("account_id")[["last_visit", "min_gap"]], on="account_id")
    previous = previous.reindex(visits.index).fillna(info["last_visit"]).astype("datetime64[ns]")
    min_gap = info["min_gap"].fillna(0).astype(int)
    spaced = previous.notna() & ((visits["visit_date"] - previous).dt.days < min_gap + 3) & \
        (previous + pd.to_timedelta(min_gap, unit="D") > pd.Timestamp(start))
    rule = np.select([visits["locked"], ~visits["mandatory"], same_city, spaced],
                     ["locked", "optional", "grouped_city", "spacing"], "due_class")
    detail = np.select(
        [visits["locked"], ~visits["mandatory"], same_city, spaced],
        ["appointment", "room left", visits["city"].fillna("").astype(str),
         "after " + previous.dt.strftime("%Y-%m-%d").fillna("")],
        "class " + visits["class"].astype(str))
    visits["rule"] = pd.Series(rule, dtype="string")
    visits["rule_detail"] = pd.Series(detail, dtype="string")
    return visits


def _empty_visits() -> pd.DataFrame:
    return pd.DataFrame({"rep_id": pd.Series(dtype="string"), "account_id": pd.Series(dtype="string"),
                         "visit_date": pd.Series(dtype="datetime64[ns]"), "city": pd.Series(dtype="string"),
                         "class": pd.Series(dtype="string"), "mandatory": pd.Series(dtype=bool),
                         "locked": pd.Series(dtype=bool)})


def plan_month(accounts: pd.DataFrame, reps: pd.DataFrame, month: object, *, visits: pd.DataFrame | None = None,
               policy: VisitPolicy | Mapping[str, Any] | str | None = None,
               calendar: WorkCalendar | str | pd.DataFrame | None = None, locked: pd.DataFrame | None = None,
               leads: pd.DataFrame | None = None, signals: pd.DataFrame | None = None,
               orders: pd.DataFrame | None = None, from_date: object = None) -> MonthPlan:
    """Plan a month of visits for every rep (``docs/visits.md``).

    Parameters
    ----------
    accounts : DataFrame
        ``account_id, rep_id``; optional ``city`` and the columns
        :func:`~kamlib.visits.visit_frequency` reads (class, ``vip``,
        ``visits_per_month`` …).
    reps : DataFrame
        ``rep_id``; optional ``visits_per_day`` (its whole part is the day's capacity;
        missing = ``policy.visits_per_day``).
    month : month-like
        ``"2026-01"`` or a date in the month.
    visits : DataFrame, optional
        Past visits (``account_id, visit_date``): the last one sets the gap to the
        first visit of the month and the C cycle.
    policy : VisitPolicy, mapping, YAML path or None
        The rules; None = the defaults of :class:`~kamlib.visits.VisitPolicy`.
    calendar : WorkCalendar, "china", "weekdays", override file or table, optional
        Working days; default the Chinese calendar (holidays and adjusted working days).
    locked : DataFrame, optional
        Appointments already agreed (``rep_id, account_id, visit_date`` in the month):
        kept as given, counted first against the account's mandatory visits.
    leads, signals, orders : DataFrame, optional
        Passed to :func:`~kamlib.visits.visit_frequency` (hot and promising leads,
        churn signals, classes from revenue).
    from_date : date-like, optional
        No new visit before this day (used by :func:`replan`).

    Returns
    -------
    MonthPlan
        ``visits``, ``shortfall``, ``due``, ``calendar``, ``policy``; ``coverage()``.

    Raises
    ------
    DataError
        When a locked visit is outside the month.

    Notes
    -----
    Per rep, visits go on its working days only, at most its capacity a day and at
    most ``policy.max_cities`` cities a day; two visits of an account are at least
    ``min_gap`` and at most ``max_gap`` days apart, the last visit before the month
    included (an account never visited, or whose window after its last visit holds
    no working day of the month, is visited as early as there is room). Optional
    visits go first to days the rep already spends in the account's city, then to
    any day with room left. A local search then moves visits (one at a time, or
    two swapped) to days the rep already spends in their city, lowering the
    city-days without breaking a rule; locked visits never move. Every mandatory
    visit that does not fit is in ``shortfall`` with the count missing, the reason (no rep, no
    working day in its window, capacity, spacing, city limit) and the fix (assign a
    rep, add a slot, widen the gap, allow another city). The same input gives the
    same plan.

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> plan = plan_month(ds.table("accounts"), ds.table("reps"), "2026-01", visits=ds.table("visits"))
    >>> plan.calendar
    'chinesecalendar 1.11.0'
    >>> plan.visits.columns.tolist()
    ['rep_id', 'account_id', 'visit_date', 'city', 'class', 'mandatory', 'locked', 'rule', 'rule_detail']
    >>> bool((plan.visits["visit_date"].dt.date != pd.Timestamp("2026-01-01").date()).all())  # New Year's Day
    True
    """
    require_columns(accounts, ["account_id"], purpose="plan_month", table="accounts")
    policy = policy_from(policy)
    cal = calendar_from(calendar)
    start = month_start(month)
    days = month_days(start)
    first_day = 0 if from_date is None else max((pd.Timestamp(from_date).date() - start).days, 0)
    due = visit_frequency(accounts, leads=leads, signals=signals, policy=policy, month=start, visits=visits,
                          orders=orders)
    capacity = _capacity(reps, policy)
    lock = _locked_table(locked, start, days[-1])
    others = _other_reps_locked(lock, due)
    planned = pd.concat([due, others], ignore_index=True) if len(others) else due
    planned = planned.assign(city_key=planned["city"].fillna("?" + planned["account_id"]),
                             rep_key=planned["rep_id"].fillna(""))
    lookup = {key: i for i, key in enumerate(zip(planned["rep_key"], planned["account_id"], strict=True))}
    ideal = _ideal_gaps(planned, policy, len(days))
    company = np.array(cal.days(days))
    own_calendar = cal.rep_overrides()
    rows: list[tuple] = []
    short: list[tuple] = []
    accs = _all_accounts(planned, ideal, start)
    for row in lock.itertuples():
        key = (row.rep_id, row.account_id)
        if key in lookup:
            accs[lookup[key]].locked.append(int(row.offset))
    cities, classes = planned["city"].to_numpy(dtype=object), planned["class"].to_numpy(dtype=object)
    for rep_id, idx in sorted(planned.groupby("rep_key").indices.items()):
        if rep_id not in capacity:
            short += [(rep_id or pd.NA, accs[i].account_id, classes[i], accs[i].mandatory, "no_rep", 0, len(days) - 1)
                      for i in idx if accs[i].mandatory > 0]
            rows += [(rep_id, accs[i].account_id, d, cities[i], classes[i], False, True) for i in idx
                     for d in accs[i].locked]
            continue
        working = np.array(cal.days(days, rep_id)) if rep_id in own_calendar else company
        rep = _RepMonth(working, capacity[rep_id], max(accs[i].city for i in idx) + 1, policy.max_cities, first_day)
        missing = _plan_rep([accs[i] for i in idx], rep)
        for i in idx:
            acc, city, klass = accs[i], cities[i], classes[i]
            rows += [(rep_id, acc.account_id, d, city, klass, k < acc.mandatory, True)
                     for k, d in enumerate(sorted(acc.locked))]
            rows += [(rep_id, acc.account_id, d, city, klass, True, False) for d in acc.days]
            rows += [(rep_id, acc.account_id, d, city, klass, False, False) for d in acc.optional_days]
            if acc.account_id in missing:
                count, reason, first, last = missing[acc.account_id]
                short.append((rep_id, acc.account_id, klass, count, reason, first, last))
    return MonthPlan(visits=_visit_table(rows, due, start), shortfall=_shortfall_table(short, start), due=due,
                     calendar=cal.name, policy=policy, month=start,
                     inputs={"accounts": accounts, "reps": reps, "visits": visits, "policy": policy, "calendar": cal,
                             "locked": locked, "leads": leads, "signals": signals, "orders": orders})


def _visit_table(rows: list[tuple], due: pd.DataFrame, start: date) -> pd.DataFrame:
    if not rows:
        table = _empty_visits()
    else:
        table = pd.DataFrame(rows, columns=_VISIT_COLUMNS[:3] + _VISIT_COLUMNS[3:7])
        table["visit_date"] = pd.Timestamp(start) + pd.to_timedelta(table["visit_date"], unit="D")
        for column in ("rep_id", "account_id", "city", "class"):
            table[column] = table[column].astype("string")
        table["mandatory"] = table["mandatory"].astype(bool)
        table["locked"] = table["locked"].astype(bool)
    return _rules(table, due, start)[_VISIT_COLUMNS]


def _shortfall_table(short: list[tuple], start: date) -> pd.DataFrame:
    table = pd.DataFrame(short, columns=["rep_id", "account_id", "class", "missing", "reason", "first", "last"])
    table["fix_from"] = [start + timedelta(days=int(d)) for d in table["first"]]
    table["fix_to"] = [start + timedelta(days=int(d)) for d in table["last"]]
    table["fix"] = table["reason"].map(FIXES)
    for column in ("rep_id", "account_id", "class", "reason", "fix"):
        table[column] = table[column].astype("string")
    table["missing"] = table["missing"].astype(int)
    return table[_SHORTFALL_COLUMNS].sort_values(["rep_id", "account_id"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- re-planning and what-if
def _rerun(plan: MonthPlan, **changes: Any) -> MonthPlan:
    inputs = {**plan.inputs, **changes}
    return plan_month(inputs.pop("accounts"), inputs.pop("reps"), plan.month, **inputs)


def replan(plan: MonthPlan, from_date: object, *, locked: pd.DataFrame | None = None,
           calendar: WorkCalendar | str | pd.DataFrame | None = None) -> MonthPlan:
    """Plan the rest of the month again from *from_date*, keeping the visits before it.

    Parameters
    ----------
    plan : MonthPlan
        The plan made at the start of the month (:func:`plan_month`).
    from_date : date-like
        First day that may change; visits before it are kept as they are.
    locked : DataFrame, optional
        New appointments (``rep_id, account_id, visit_date``) from *from_date* on.
    calendar : optional
        A changed calendar (a rep's leave, a company day).

    Returns
    -------
    MonthPlan
        The new plan; its ``changes`` lists the visits moved, added or dropped
        (``rep_id, account_id, old_date, new_date, change``).

    Examples
    --------
    >>> accounts = pd.DataFrame({"account_id": ["a", "b"], "rep_id": "R1", "city": "x", "class": "B"})
    >>> plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"]}), "2026-03", calendar="weekdays")
    >>> plan.visits["visit_date"].dt.day.tolist()
    [2, 2]
    >>> absent = [{"date": "2026-03-02", "workday": "no", "rep_id": "R1"}]
    >>> later = replan(plan, "2026-03-02", calendar=WorkCalendar("weekdays").with_overrides(absent))
    >>> later.changes[["account_id", "change"]].values.tolist(), later.visits["visit_date"].dt.day.tolist()
    ([['a', 'moved'], ['b', 'moved']], [3, 3])
    """
    cut = pd.Timestamp(from_date)
    before = plan.visits[plan.visits["visit_date"] < cut][["rep_id", "account_id", "visit_date"]]
    extra = locked if locked is not None else before.iloc[:0]
    old_locked = plan.inputs.get("locked")
    kept_locked = (old_locked[pd.to_datetime(old_locked["visit_date"]) >= cut] if old_locked is not None
                   else before.iloc[:0])
    all_locked = pd.concat([before, kept_locked[["rep_id", "account_id", "visit_date"]], extra], ignore_index=True)
    changes: dict[str, Any] = {"locked": all_locked, "from_date": cut}
    if calendar is not None:
        changes["calendar"] = calendar
    new = _rerun(plan, **changes)
    return replace(new, changes=_changes(plan.visits, new.visits, cut),
                   inputs={**new.inputs, "locked": old_locked, "from_date": None})


def _changes(old: pd.DataFrame, new: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """Pair each account's visits from *cut* on in date order: moved, added or dropped."""
    def ranked(table: pd.DataFrame) -> pd.DataFrame:
        part = table[table["visit_date"] >= cut].sort_values(["rep_id", "account_id", "visit_date"])
        return part.assign(k=part.groupby(["rep_id", "account_id"]).cumcount())[["rep_id", "account_id", "k",
                                                                                   "visit_date"]]
    both = ranked(old).merge(ranked(new), on=["rep_id", "account_id", "k"], how="outer", suffixes=("_old", "_new"))
    both = both.rename(columns={"visit_date_old": "old_date", "visit_date_new": "new_date"})
    both["change"] = np.select([both["old_date"].isna(), both["new_date"].isna()], ["added", "dropped"], "moved")
    both = both[both["old_date"].isna() | both["new_date"].isna() | (both["old_date"] != both["new_date"])]
    both["change"] = both["change"].astype("string")
    return both[_CHANGE_COLUMNS].sort_values(["rep_id", "account_id", "old_date"], kind="stable").reset_index(drop=True)


def what_if(plan: MonthPlan, *, capacity: int = 0, absent: Mapping[str, Iterable[object]] | None = None,
            max_cities: int | None = None) -> MonthPlan:
    """The same month planned with changed means: capacity ± n a day, reps absent on given days, K cities.

    Parameters
    ----------
    plan : MonthPlan
        The plan to vary (its inputs are reused).
    capacity : int, default 0
        Visits a day added to (or, negative, taken from) every rep's capacity.
    absent : mapping of rep_id to dates, optional
        Days each rep is away (leave, training), as calendar overrides.
    max_cities : int, optional
        Another limit of cities per rep-day.

    Examples
    --------
    >>> accounts = pd.DataFrame({"account_id": list("abcd"), "rep_id": "R1", "city": list("wxyz"), "class": "A"})
    >>> reps = pd.DataFrame({"rep_id": ["R1"], "visits_per_day": [1]})
    >>> plan = plan_month(accounts, reps, "2026-03", calendar="weekdays")
    >>> fewer = what_if(plan, absent={"R1": pd.date_range("2026-03-02", "2026-03-20")})
    >>> int(plan.shortfall["missing"].sum()), int(fewer.shortfall["missing"].sum())
    (0, 2)
    """
    reps = plan.inputs["reps"].copy()
    per_day = (pd.to_numeric(reps["visits_per_day"], errors="coerce") if "visits_per_day" in reps.columns
               else pd.Series(np.nan, index=reps.index)).fillna(plan.policy.visits_per_day)
    reps["visits_per_day"] = (per_day + capacity).clip(lower=0)
    cal: WorkCalendar = plan.inputs["calendar"]
    if absent:
        cal = cal.with_overrides([{"date": pd.Timestamp(d).date().isoformat(), "workday": False, "rep_id": rep}
                                  for rep, dates in absent.items() for d in dates])
    policy = plan.policy if max_cities is None else replace(plan.policy, max_cities=max_cities)
    return _rerun(plan, reps=reps, calendar=cal, policy=policy)


def compare_plans(a: MonthPlan, b: MonthPlan, *, names: tuple[str, str] = ("a", "b")) -> pd.DataFrame:
    """Coverage and shortfall of two plans side by side, per class and in total.

    Returns
    -------
    DataFrame
        ``class`` then, for each plan, ``mandatory_planned_<name>``,
        ``optional_planned_<name>``, ``missing_<name>``, ``coverage_<name>``, and
        ``mandatory_required``; a last row ``total`` adds ``city_days``.

    Examples
    --------
    >>> accounts = pd.DataFrame({"account_id": list("ab"), "rep_id": "R1", "city": "x", "class": ["A", "C"]})
    >>> plan = plan_month(accounts, pd.DataFrame({"rep_id": ["R1"]}), "2026-03", calendar="weekdays")
    >>> table = compare_plans(plan, what_if(plan, capacity=-3))
    >>> table[["class", "mandatory_planned_a", "mandatory_planned_b"]].values.tolist()
    [['A', 2, 2], ['C', 1, 1], ['total', 3, 3]]
    """
    parts = []
    for plan, name in zip((a, b), names, strict=True):
        cov = plan.coverage().set_index("class")
        total = cov.sum(numeric_only=True)
        total["coverage"] = (total["mandatory_planned"] / total["mandatory_required"]
                             if total["mandatory_required"] else 1.0)
        cov.loc["total"] = total
        cov["city_days"] = np.nan
        cov.loc["total", "city_days"] = plan.city_days()
        keep = cov[["mandatory_planned", "optional_planned", "missing", "coverage", "city_days"]]
        parts.append(keep.add_suffix(f"_{name}"))
    required = a.coverage().set_index("class")["mandatory_required"]
    required.loc["total"] = required.sum()
    out = pd.concat([required, *parts], axis=1)
    for column in out.columns:
        if column.startswith(("mandatory", "optional", "missing")):
            out[column] = out[column].fillna(0).astype(int)
    return out.rename_axis("class").reset_index()
