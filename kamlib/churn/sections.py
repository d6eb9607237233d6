"""The churn sections of the customer-classification notebook, built as :class:`kamlib.sections.Section` values.

Three builders, shown one after the other under the heading "Churn risk":

* :func:`activity` compares the BG/NBD and Pareto/NBD models on a holdout period,
  fits the better one and shows each account's probability of still being active;
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
from kamlib.churn import holdout, plots, purchases, readings, signals
from kamlib.sections import Figure, Section, Table, needs

__all__ = ["activity", "at_risk", "lifetime_value"]

#: Periods (weeks) ahead of the lifetime value; the sentence of ``text.cc_clv_model`` says the horizon the CLV used.
HORIZON = 52
#: Weeks held out to compare the two purchase models (``kamlib.churn.holdout.compare_models``).
HOLDOUT = 52
_BUCKET_FORMATS = {"actual": "{:.2f}", "bgnbd": "{:.2f}", "pareto_nbd": "{:.2f}"}


def _last_day(orders: pd.DataFrame) -> str:
    return str(orders["order_date"].max().date())


def activity(orders: pd.DataFrame | None, *, as_of: object = None, lang: str = "en") -> Section:
    """Churn risk, first part: the purchase model chosen on a holdout, and each account's probability of being active.

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
        The rule; the holdout comparison of BG/NBD and Pareto/NBD (a sentence naming
        the better model with the figures, and the table by earlier repeat purchases)
        or why they could not be compared; the chosen model's parameters (and what it
        means when its fit did not converge); the one-time-buyer caveat; the reading
        and the histogram of ``p_alive``. ``results``: ``as_of``, ``summary``
        (:func:`kamlib.churn.rfm_summary`), ``comparison``
        (:class:`kamlib.churn.holdout.HoldoutComparison`), ``fit`` (the chosen
        model's parameters on every order up to ``as_of``) and ``alive`` (the summary
        with ``p_alive``). Saves ``model_holdout`` when the models were compared.

    Examples
    --------
    >>> import kamlib.data
    >>> section = activity(kamlib.data.load().table("orders"), as_of="2025-12-31")
    >>> section.results["comparison"].chosen == purchases.model_name(section.results["fit"])
    True
    >>> bool(section.results["alive"]["p_alive"].between(0, 1).all()), list(section.saved)
    (True, ['model_holdout'])
    >>> activity(None).missing
    'orders'
    """
    gap = needs(orders, ["account_id", "order_date", "revenue"], "orders")
    if gap:
        return Section.lacking("title.cc_churn", gap, note=i18n.needs_note(gap, lang))
    day = str(as_of) if as_of else _last_day(orders)
    summary = signals.rfm_summary(orders, as_of=day)
    comparison = holdout.compare_models(orders, as_of=day, holdout=HOLDOUT)
    fit = purchases.fit_model(comparison.chosen, summary, start=comparison.fits.get(comparison.chosen))
    alive = summary.assign(p_alive=purchases.alive_probability(fit, summary).to_numpy())
    finding = readings.reading("p_alive", alive, lang=lang)
    rule = i18n.rule("text.cc_rule_churn_models", lang, as_of=day, holdout=HOLDOUT)
    text = "\n\n".join([rule, readings.holdout_note(comparison, lang)])
    compared = readings.holdout_table(comparison)
    shown = [Table(compared, formats=_BUCKET_FORMATS)] if len(compared) else []
    notes = "\n\n".join([*readings.fit_notes(fit, lang), readings.one_time_note(fit, summary, lang), finding])
    return Section(title="title.cc_churn",
                   items=[text, *shown, notes, Figure(plots.plot_p_alive, (alive["p_alive"],))],
                   findings=[finding], saved={"model_holdout": Table(compared)} if len(compared) else {},
                   results={"as_of": day, "summary": summary, "comparison": comparison, "fit": fit, "alive": alive})


def lifetime_value(churn: Section, *, accounts: pd.DataFrame | None = None, lang: str = "en") -> Section:
    """Churn risk, second part: the accounts' expected value over the next 52 weeks, with its caveat.

    Parameters
    ----------
    churn : Section
        What :func:`activity` built (its fit, of the chosen model, is reused).
    accounts : DataFrame, optional
        ``account_id, account_name``: the saved table names each account beside its id.
    lang : {"en", "zh"}

    Returns
    -------
    Section
        No heading: the total CLV, the spend model's caveat and the one-time-buyer
        caveat on the saved probabilities; saves ``p_alive_clv``.
        Empty (shows nothing) without a fit or with fewer than two repeat buyers,
        which the spend model needs.

    Examples
    --------
    >>> import kamlib.data
    >>> churn = activity(kamlib.data.load().table("orders"), as_of="2025-12-31")
    >>> list(lifetime_value(churn).saved), lifetime_value(activity(None)).shows_anything
    (['p_alive_clv'], False)
    >>> named = lifetime_value(churn, accounts=kamlib.data.load().table("accounts")).saved["p_alive_clv"].frame
    >>> named.columns[:2].tolist()
    ['account_id', 'account_name']
    """
    summary = churn.results.get("summary")
    if summary is None or (summary["frequency"] > 0).sum() < 2:
        return Section()
    value = signals.clv(summary, churn.results["fit"], horizon=HORIZON)
    columns = ["account_id", "expected_purchases", "expected_spend", "clv"]
    table = churn.results["alive"].merge(value[columns], on="account_id")
    if accounts is not None and {"account_id", "account_name"} <= set(accounts.columns):
        names = accounts.drop_duplicates("account_id").set_index("account_id")["account_name"]
        table.insert(1, "account_name", table["account_id"].map(names))
    caveat = readings.one_time_note(churn.results["fit"], summary, lang)
    return Section(items=[i18n.join([readings.clv_note(value, lang), caveat], lang, sentences=True)],
                   saved={"p_alive_clv": Table(table)}, results={"clv": value})


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
        No heading: the reading, the 20 accounts with most revenue at risk and the
        one-time-buyer caveat on their probability of being active; saves ``at_risk``
        (every account with a signal). Empty without a fit.

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> churn = activity(ds.table("orders"), as_of="2025-12-31")
    >>> section = at_risk(ds.table("orders"), ds.table("visits"), churn=churn, opportunities=ds.table("opportunities"))
    >>> listed = section.saved["at_risk"].frame
    >>> section.findings[0].startswith(f"{len(listed)} accounts show at least one warning signal")
    True
    """
    if "fit" not in churn.results:
        return Section()
    risk = signals.churn_signals(orders, visits, as_of=churn.results["as_of"], params=churn.results["fit"],
                                 summary=churn.results["summary"], competitors=_competitors(opportunities))
    finding = readings.reading("risk", risk, lang=lang)
    listed = readings.at_risk(risk, lang=lang, accounts=accounts)
    every = readings.at_risk(risk, lang=lang, accounts=accounts, top=len(risk))
    caveat = readings.one_time_note(churn.results["fit"], churn.results["summary"], lang)
    return Section(items=[finding, Table(listed), caveat], findings=[finding], saved={"at_risk": Table(every)},
                   results={"risk": risk})
