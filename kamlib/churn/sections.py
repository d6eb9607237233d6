"""The churn sections of the customer-classification notebook, built as :class:`kamlib.sections.Section` values.

Three builders, shown one after the other under the heading "Churn risk":

* :func:`activity` fits the BG/NBD model and shows each account's probability of
  still being active;
* :func:`lifetime_value` adds the 52-week customer lifetime value of that fit;
* :func:`at_risk` lists the accounts showing churn warning signals.

The last two take the first one's section and reuse its fit (``section.results``)::

    churn = page.show(kam.churn.sections.activity(orders, as_of=day, lang=lang))
    page.show(kam.churn.sections.lifetime_value(churn, lang=lang))

Builders neither draw nor write; without the orders they need, :func:`activity` says
so and the other two show nothing.
"""

from __future__ import annotations

import pandas as pd

from kamlib import i18n
from kamlib.churn import bgnbd, plots, readings, signals
from kamlib.sections import Figure, Section, Table, needs

__all__ = ["activity", "at_risk", "lifetime_value"]

#: Periods (weeks) ahead of the lifetime value; the sentence of ``text.cc_clv`` says 52 weeks.
HORIZON = 52


def _last_day(orders: pd.DataFrame) -> str:
    return str(orders["order_date"].max().date())


def activity(orders: pd.DataFrame | None, *, as_of: object = None, lang: str = "en") -> Section:
    """Churn risk, first part: the BG/NBD fit and each account's probability of still being active.

    Parameters
    ----------
    orders : DataFrame or None
        ``account_id, order_date, revenue``.
    as_of : date-like, optional
        The day the model looks back from (default: the last order date).
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule, the fitted parameters (and a warning when the fit did not
        converge), the reading and the histogram of ``p_alive``. ``results``:
        ``as_of``, ``summary`` (:func:`kamlib.churn.rfm_summary`), ``fit`` and
        ``alive`` (the summary with ``p_alive``).

    Examples
    --------
    >>> import kamlib.data
    >>> section = activity(kamlib.data.load().table("orders"), as_of="2025-12-31")
    >>> section.findings
    ['24 of 284 accounts (8%) have a probability of being active below 50%; the median is 99%.']
    >>> activity(None).missing
    'orders'
    """
    gap = needs(orders, ["account_id", "order_date", "revenue"], "orders")
    if gap:
        return Section.lacking("title.cc_churn", gap, note=i18n.needs_note(gap, lang))
    day = str(as_of) if as_of else _last_day(orders)
    summary = signals.rfm_summary(orders, as_of=day)
    fit = bgnbd.bgnbd_fit(summary)
    alive = summary.assign(p_alive=bgnbd.p_alive(fit, summary).to_numpy())
    finding = readings.reading("p_alive", alive, lang=lang)
    text = "\n\n".join([i18n.rule("text.cc_rule_churn", lang, as_of=day), *readings.fit_notes(fit, lang), finding])
    return Section(title="title.cc_churn", items=[text, Figure(plots.plot_p_alive, (alive["p_alive"],))],
                   findings=[finding], results={"as_of": day, "summary": summary, "fit": fit, "alive": alive})


def lifetime_value(churn: Section, *, lang: str = "en") -> Section:
    """Churn risk, second part: the accounts' expected value over the next 52 weeks, with its caveat.

    Parameters
    ----------
    churn : Section
        What :func:`activity` built (its fit is reused).
    lang : {"en", "zh"}

    Returns
    -------
    Section
        No heading: the total CLV and the spend model's caveat; saves ``p_alive_clv``.
        Empty (shows nothing) without a fit or with fewer than two repeat buyers,
        which the spend model needs.

    Examples
    --------
    >>> import kamlib.data
    >>> churn = activity(kamlib.data.load().table("orders"), as_of="2025-12-31")
    >>> list(lifetime_value(churn).saved), lifetime_value(activity(None)).shows_anything
    (['p_alive_clv'], False)
    """
    summary = churn.results.get("summary")
    if summary is None or (summary["frequency"] > 0).sum() < 2:
        return Section()
    value = signals.clv(summary, churn.results["fit"], horizon=HORIZON)
    columns = ["account_id", "expected_purchases", "expected_spend", "clv"]
    table = churn.results["alive"].merge(value[columns], on="account_id")
    return Section(items=[readings.clv_note(value, lang)], saved={"p_alive_clv": Table(table)},
                   results={"clv": value})


def _competitors(opportunities: pd.DataFrame | None) -> list[str]:
    """Competitor names the opportunities mention (searched for in visit notes)."""
    if opportunities is None or "competitor" not in opportunities.columns:
        return []
    return opportunities["competitor"].dropna().unique().tolist()


def at_risk(orders: pd.DataFrame | None, visits: pd.DataFrame | None = None, *, churn: Section,
            accounts: pd.DataFrame | None = None, opportunities: pd.DataFrame | None = None,
            lang: str = "en") -> Section:
    """Churn risk, last part: the accounts showing warning signals and the response to each.

    Parameters
    ----------
    orders : DataFrame or None
        ``account_id, order_date, revenue`` (those :func:`activity` was built from).
    visits : DataFrame, optional
        ``account_id, visit_date`` with ``notes`` and ``accepted``: the visit signals.
    churn : Section
        What :func:`activity` built (its day and fit are reused).
    accounts : DataFrame, optional
        ``account_id, account_name``: names in the list.
    opportunities : DataFrame, optional
        ``competitor``: the names searched for in visit notes.
    lang : {"en", "zh"}

    Returns
    -------
    Section
        No heading: the reading and the 20 accounts with most revenue at risk; saves
        ``at_risk`` (every account with a signal). Empty without a fit.

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> churn = activity(ds.table("orders"), as_of="2025-12-31")
    >>> section = at_risk(ds.table("orders"), ds.table("visits"), churn=churn, opportunities=ds.table("opportunities"))
    >>> section.findings[0][:40], len(section.saved["at_risk"].frame)
    ('155 accounts show at least one warning s', 155)
    """
    if "fit" not in churn.results:
        return Section()
    risk = signals.churn_signals(orders, visits, as_of=churn.results["as_of"], params=churn.results["fit"],
                                 summary=churn.results["summary"], competitors=_competitors(opportunities))
    finding = readings.reading("risk", risk, lang=lang)
    listed = readings.at_risk(risk, lang=lang, accounts=accounts)
    every = readings.at_risk(risk, lang=lang, accounts=accounts, top=len(risk))
    return Section(items=[finding, Table(listed)], findings=[finding], saved={"at_risk": Table(every)},
                   results={"risk": risk})
