"""What a rep takes into each planned visit: the pre-call sheet's data (访前计划).

A visit plan is built from the customer's priority, the sales target, the visit
objective, the customer data and where the customer stands in the buying process, so
that each visit moves it one stage on (``docs/visits.md``, "Planning a visit"). The
sheet gathers those per planned visit: the account and its class, the last visit and
its outcome, the open opportunities and their furthest buying stage, the stage the
visit aims for, and the key persons to meet. The sheet's SMART objective and the five
pre-call questions are text, written by :mod:`kamlib.visits.sections`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kamlib.errors import require_columns
from kamlib.visits.coverage import last_visits
from kamlib.winloss.analysis import STAGES

__all__ = ["QUESTIONS", "PrecallSheets", "precall_sheets"]

#: The five pre-call questions, as label keys (the sources' 「计划拜访」).
QUESTIONS = ("precall.best_time", "precall.needs", "precall.conditions", "precall.aids", "precall.negative")

_PERSON_COLUMNS = ["account_id", "name", "title", "layer", "buyer_role", "influence", "closeness", "basic_need"]
_SHEET_COLUMNS = ["rep_id", "visit_date", "account_id", "account_name", "class", "city", "last_visit",
                  "last_outcome", "open_opportunities", "open_amount", "stage", "next_stage"]


@dataclass
class PrecallSheets:
    """The pre-call sheets of a plan.

    Attributes
    ----------
    sheets : DataFrame
        One row per planned visit, in the order of the plan (rep, date): ``rep_id``,
        ``visit_date``, ``account_id``, ``account_name``, ``class``, ``city``,
        ``last_visit``, ``last_outcome``, ``open_opportunities``, ``open_amount``,
        ``stage`` (the furthest buying stage of the open opportunities, empty when
        none), ``next_stage`` (the stage the visit aims for).
    persons : DataFrame
        The key persons to meet, up to *persons* per account, most influential first:
        ``account_id``, ``name``, ``title``, ``layer``, ``buyer_role``, ``influence``,
        ``closeness``, ``basic_need`` (columns the contacts lack are empty).
    """

    sheets: pd.DataFrame
    persons: pd.DataFrame


def _open_deals(opportunities: pd.DataFrame | None) -> pd.DataFrame:
    """Per account: open opportunities, their amount and the furthest stage reached."""
    columns = ["account_id", "open_opportunities", "open_amount", "stage"]
    if opportunities is None or not {"account_id", "status"} <= set(opportunities.columns):
        return pd.DataFrame(columns=columns)
    live = opportunities[opportunities["status"].astype(str) == "open"]
    rank = {s: i for i, s in enumerate(STAGES)}
    stage = live["stage"].map(rank) if "stage" in live.columns else pd.Series(float("nan"), index=live.index)
    amount = live["amount"] if "amount" in live.columns else pd.Series(float("nan"), index=live.index)
    grouped = pd.DataFrame({"account_id": live["account_id"], "amount": amount, "rank": stage}).groupby("account_id")
    table = grouped.agg(open_opportunities=("amount", "size"), open_amount=("amount", lambda a: a.sum(min_count=1)),
                        rank=("rank", "max")).reset_index()
    table["stage"] = [STAGES[int(r)] if pd.notna(r) else None for r in table["rank"]]
    return table[columns]


def _next(stage: object) -> str:
    """The stage a visit aims for: one on from *stage*; interest first when there is no open deal."""
    if stage is None or pd.isna(stage):
        return STAGES[1]
    return STAGES[min(STAGES.index(str(stage)) + 1, len(STAGES) - 1)]


def _persons(contacts: pd.DataFrame | None, accounts: set[str], per_account: int) -> pd.DataFrame:
    if contacts is None or not {"account_id", "name"} <= set(contacts.columns):
        return pd.DataFrame(columns=_PERSON_COLUMNS)
    mine = contacts[contacts["account_id"].isin(accounts)].copy()
    for column in _PERSON_COLUMNS:
        if column not in mine.columns:
            mine[column] = None
    # most influential first; among equals the weakest relationship first (it needs the visit most)
    mine = mine.sort_values(["account_id", "influence", "closeness"], ascending=[True, False, True],
                            na_position="last", kind="stable")
    return mine.groupby("account_id", sort=False).head(per_account)[_PERSON_COLUMNS].reset_index(drop=True)


def precall_sheets(visits: pd.DataFrame, accounts: pd.DataFrame, *, history: pd.DataFrame | None = None,
                   contacts: pd.DataFrame | None = None, opportunities: pd.DataFrame | None = None,
                   persons: int = 3) -> PrecallSheets:
    """The pre-call sheet of every planned visit.

    Parameters
    ----------
    visits : DataFrame
        The planned visits (``MonthPlan.visits``): ``rep_id``, ``account_id``,
        ``visit_date``; ``class`` and ``city`` where present.
    accounts : DataFrame
        ``account_id``; ``account_name`` and ``city`` where present.
    history : DataFrame, optional
        The visit log (``account_id``, ``visit_date``, ``outcome``): the last visit before
        the plan's first day.
    contacts : DataFrame, optional
        ``account_id``, ``name``; ``title``, ``layer``, ``buyer_role``, ``influence``,
        ``closeness``, ``basic_need`` where present.
    opportunities : DataFrame, optional
        ``account_id``, ``status``; ``stage`` and ``amount`` where present.
    persons : int, default 3
        Key persons per account.

    Returns
    -------
    PrecallSheets

    Examples
    --------
    >>> plan = pd.DataFrame({"rep_id": ["R1"], "account_id": ["A1"], "class": ["A"],
    ...                      "visit_date": pd.to_datetime(["2026-01-06"])})
    >>> accounts = pd.DataFrame({"account_id": ["A1"], "account_name": ["海口昆仑"]})
    >>> opps = pd.DataFrame({"account_id": ["A1", "A1"], "status": ["open", "open"],
    ...                      "stage": ["low_interest", "conviction"], "amount": [1.0, 2.0]})
    >>> contacts = pd.DataFrame({"account_id": ["A1"] * 2, "name": ["曹霞", "袁芳"], "influence": [3, 5]})
    >>> pre = precall_sheets(plan, accounts, opportunities=opps, contacts=contacts)
    >>> pre.sheets[["account_name", "open_opportunities", "stage", "next_stage"]].values.tolist()
    [['海口昆仑', 2, 'conviction', 'commitment']]
    >>> pre.persons["name"].tolist()
    ['袁芳', '曹霞']
    """
    require_columns(visits, ["rep_id", "account_id", "visit_date"], purpose="precall_sheets", table="plan visits")
    require_columns(accounts, ["account_id"], purpose="precall_sheets", table="accounts")
    plan = visits.assign(visit_date=pd.to_datetime(visits["visit_date"]))
    plan = plan.sort_values(["rep_id", "visit_date", "account_id"], kind="stable").reset_index(drop=True)
    info = accounts[[c for c in ("account_id", "account_name", "city") if c in accounts.columns]]
    sheets = plan.drop(columns=[c for c in ("account_name",) if c in plan.columns]).merge(
        info.drop(columns=[c for c in ("city",) if c in plan.columns], errors="ignore"), on="account_id", how="left")
    first = plan["visit_date"].min() if len(plan) else pd.Timestamp("1970-01-01")
    last = last_visits(info, history, as_of=first).set_index("account_id")
    sheets["last_visit"] = sheets["account_id"].map(last["last_visit"])
    sheets["last_outcome"] = sheets["account_id"].map(last["last_outcome"])
    deals = _open_deals(opportunities).set_index("account_id")
    sheets["open_opportunities"] = sheets["account_id"].map(deals["open_opportunities"]).fillna(0).astype(int)
    sheets["open_amount"] = sheets["account_id"].map(deals["open_amount"]).astype(float)
    sheets["stage"] = sheets["account_id"].map(deals["stage"])
    sheets["next_stage"] = [_next(s) for s in sheets["stage"]]
    for column in _SHEET_COLUMNS:
        if column not in sheets.columns:
            sheets[column] = None
    return PrecallSheets(sheets[_SHEET_COLUMNS], _persons(contacts, set(sheets["account_id"]), persons))
