"""The sections of the customer-classification notebook, built as :class:`kamlib.sections.Section` values.

One builder per section: it takes the tables in scope (:func:`kamlib.classify.scope`)
and the notebook's options, computes with :mod:`kamlib.classify`, words the result with
:mod:`kamlib.classify.readings` and names the charts of :mod:`kamlib.classify.plots`
it shows. A builder neither draws nor writes; a notebook cell shows what it built::

    page.show(kam.classify.sections.pareto(orders, cutoffs=cutoffs, lang=lang))

When the data lacks what a section needs, the builder returns
:meth:`Section.lacking <kamlib.sections.Section.lacking>` naming what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from kamlib import i18n
from kamlib.classify import grades, plots, prospects, readings
from kamlib.classify import selection as choice
from kamlib.classify.scope import reference_day
from kamlib.sections import Figure, Section, Table, needs

__all__ = ["man", "pareto", "portfolio", "profit", "selection", "stages", "temperature", "whitespace", "xy_grid"]

#: A table in scope, None when the data does not have it.
Frame = pd.DataFrame | None


def _paragraphs(*texts: str) -> str:
    """Texts shown as one Markdown output, a paragraph each."""
    return "\n\n".join(texts)


def _named(table: pd.DataFrame, accounts: Frame) -> pd.DataFrame:
    """*table* with each account's ``account_name`` beside its ``account_id`` when *accounts* has names
    (:func:`kamlib.classify.with_account_names`); *table* itself otherwise.

    Examples
    --------
    >>> table = pd.DataFrame({"account_id": ["a"], "revenue": [5.0]})
    >>> _named(table, pd.DataFrame({"account_id": ["a"], "account_name": ["Alpha"]})).values.tolist()
    [['a', 'Alpha', 5.0]]
    >>> _named(table, None) is table
    True
    """
    if accounts is None or "account_id" not in accounts.columns or "account_name" in table.columns:
        return table
    return choice.with_account_names(table, accounts)


# --------------------------------------------------------------------------- Pareto / ABC
def pareto(orders: Frame, *, accounts: Frame = None, cutoffs: Sequence[float] = (0.8, 0.95),
           lang: str = "en") -> Section:
    """Pareto / ABC: accounts ranked by revenue, split into A / B / C by cumulative share.

    Parameters
    ----------
    orders : DataFrame or None
        ``account_id, revenue`` (several rows per account are summed).
    accounts : DataFrame, optional
        ``account_id, account_name``: the tables name each account beside its id.
    cutoffs : pair of float, default (0.8, 0.95)
        Cumulative shares closing classes A and B.
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule and reading, the ten first accounts and the Pareto curve; saves
        ``abc_classes``; ``results["abc"]``.

    Examples
    --------
    >>> orders = pd.DataFrame({"account_id": list("abcde"), "revenue": [60.0, 20, 10, 5, 5]})
    >>> pareto(orders).findings
    ['The top 20% of accounts (1) bring 60% of revenue; 2 accounts are A, 2 B and 1 C.']
    >>> pareto(orders[["account_id"]]).missing
    'orders.revenue'
    """
    gap = needs(orders, ["account_id", "revenue"], "orders")
    if gap:
        return Section.lacking("title.cc_pareto", gap, note=i18n.needs_note(gap, lang))
    abc = grades.pareto_abc(orders, cutoffs=cutoffs)
    finding = readings.reading("pareto", abc, lang=lang)
    rule = readings.rule("pareto", lang, value=i18n.t("revenue", lang), a=i18n.format_percent(cutoffs[0], lang), b=i18n.format_percent(cutoffs[1], lang))
    named = _named(abc, accounts)
    top = named.drop(columns="cumulative_accounts").head(10)
    return Section(title="title.cc_pareto", items=[_paragraphs(rule, finding), Table(top),
                                                   Figure(plots.plot_pareto_curve, (abc,))],
                   findings=[finding], saved={"abc_classes": Table(named)}, results={"abc": abc})


# --------------------------------------------------------------------------- purchase-state grid
def _grid_gap(accounts: Frame) -> str | None:
    """What the grid lacks: the accounts, or both the levels and annual demand to derive them."""
    levels = accounts is not None and {"purchase_level", "capacity_level"} <= set(accounts.columns)
    gap = needs(accounts, [] if levels else ["annual_demand"], "accounts")
    return gap if gap is None or accounts is None else f"accounts.purchase_level, accounts.capacity_level / {gap}"


def xy_grid(accounts: Frame, orders: Frame = None, *, grid: str | Mapping | None = None, as_of: object = None,
            lang: str = "en") -> Section:
    """Purchase-state grid: each account's cell (X current purchase, Y capacity) and its class.

    Parameters
    ----------
    accounts : DataFrame or None
        ``account_id`` with ``purchase_level, capacity_level`` (0–4), or
        ``annual_demand`` to derive them from (with *orders*).
    orders : DataFrame, optional
        ``account_id, order_date, revenue``: X when the levels are derived.
    grid : str or mapping, optional
        YAML grid file (:func:`kamlib.classify.load_grid`), its content as a mapping
        (``{"cells": {4: ["A", "A", "B", "A", "A"], …}}``) or ``{(X, Y): class}``
        (:func:`kamlib.classify.grid_cells`); None = the default grid.
    as_of : date-like, optional
        End of the 12 months X is derived from (default: the last order date).
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule (and how the levels were derived), the reading, the accounts with
        X > Y (when any) and the grid; saves ``xy_classes`` and ``xy_grid_rule``.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": list("abc"), "purchase_level": [1, 2, 3], "capacity_level": [4, 4, 1]})
    >>> section = xy_grid(acc)
    >>> list(section.saved), [type(item).__name__ for item in section.items]
    (['xy_classes', 'xy_grid_rule'], ['str', 'Table', 'Figure'])
    >>> xy_grid(acc[["account_id"]]).missing
    'accounts.purchase_level, accounts.capacity_level / accounts.annual_demand'
    """
    gap = _grid_gap(accounts)
    if gap:
        return Section.lacking("title.cc_xy", gap, note=i18n.needs_note(gap, lang))
    day = reference_day(orders, as_of)
    cells = grades.grid_cells(grid or None)
    graded = grades.xy_grade(accounts, cells, orders=orders, as_of=day)
    source = str(grid) if isinstance(grid, str) else None if cells == grades.DEFAULT_GRID else (
        i18n.t("text.cc_grid_given", lang))
    finding = readings.reading("xy", graded, lang=lang)
    named = _named(graded, accounts)
    errors = named[named["check"] == "x_above_y"]
    shown = [Table(errors.head(10), values={"check": "check"})] if len(errors) else []
    return Section(title="title.cc_xy",
                   items=[_paragraphs(*readings.grid_notes(graded, lang, grid=source, as_of=day), finding), *shown,
                          Figure(plots.plot_xy_grid, (graded, cells), size=(6, 5))],
                   findings=[finding], results={"graded": graded},
                   saved={"xy_classes": Table(named, values={"check": "check"}),
                          "xy_grid_rule": Table(grades.grid_table(cells).rename(columns="X = {}".format).reset_index())})


# --------------------------------------------------------------------------- portfolio
def portfolio(accounts: Frame, *, lang: str = "en") -> Section:
    """Potential × capability portfolio: invest, selective, maintain or harvest, split at the medians.

    Parameters
    ----------
    accounts : DataFrame or None
        ``account_id, potential, capability``.
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule with the split points, the reading and the scatter; saves ``portfolio``.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": list("abcd"), "potential": [90.0, 80, 10, 20],
    ...                     "capability": [70.0, 10, 80, 20]})
    >>> portfolio(acc).findings
    ['1 accounts are to invest in and 1 deserve selective investment; 1 are to maintain and 1 to harvest.']
    """
    gap = needs(accounts, ["potential", "capability"], "accounts")
    if gap:
        return Section.lacking("title.cc_portfolio", gap, note=i18n.needs_note(gap, lang))
    port = grades.portfolio(accounts)
    finding = readings.reading("portfolio", port, lang=lang)
    p_cut, c_cut = port.attrs["split"]
    rule = readings.rule("portfolio", lang, p=i18n.format_number(p_cut, lang, 1), c=i18n.format_number(c_cut, lang, 1),
                         split=i18n.value_label("split", "median", lang))
    return Section(title="title.cc_portfolio", items=[_paragraphs(rule, finding), Figure(plots.plot_portfolio, (port,))],
                   findings=[finding], saved={"portfolio": Table(_named(port, accounts), values={"portfolio": "portfolio"})},
                   results={"portfolio": port})


# --------------------------------------------------------------------------- profit segments
def _profit_gap(orders: Frame, products: Frame) -> str | None:
    """What profit segments lack: the orders' columns, or a cost (a column, or quantity × products)."""
    gap = needs(orders, ["account_id", "revenue"], "orders")
    if gap:
        return gap
    costed = "cost" in orders.columns or (products is not None and {"product_id", "quantity"} <= set(orders.columns))
    return None if costed else "orders.cost"


def profit(orders: Frame, products: Frame = None, *, accounts: Frame = None, cutoffs: Sequence[float] = (0.8, 0.95),
           lang: str = "en") -> Section:
    """Profit segments and the whale curve: most to least profitable accounts, loss-makers last.

    Parameters
    ----------
    orders : DataFrame or None
        ``account_id, revenue`` and ``cost``, or ``product_id, quantity`` with *products*.
    products : DataFrame, optional
        ``product_id, unit_cost`` to cost orders without a cost column.
    accounts : DataFrame, optional
        ``account_id, account_name``: the saved table names each account beside its id.
    cutoffs : pair of float, default (0.8, 0.95)
        Shares of the positive profit closing the first two segments.
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule, the reading, the totals per segment with their strategies and the
        whale curve; saves ``profit_segments``.

    Examples
    --------
    >>> orders = pd.DataFrame({"account_id": list("abc"), "revenue": [10.0, 8, 2], "cost": [2.0, 6, 4]})
    >>> profit(orders).findings
    ['Cumulative profit peaks at 125.0% of the total after the 2 most profitable accounts; the 1 loss-making accounts take back 25.0% of it.']
    >>> profit(orders.drop(columns="cost")).missing
    'orders.cost'
    """
    gap = _profit_gap(orders, products)
    if gap:
        return Section.lacking("title.cc_profit", gap, note=i18n.needs_note(gap, lang))
    whale = grades.profit_segments(orders, products=products, cutoffs=cutoffs)
    totals = readings.with_strategies(grades.segment_totals(whale), lang)
    finding = readings.reading("profit", whale, lang=lang)
    rule = readings.rule("profit", lang, a=i18n.format_percent(cutoffs[0], lang), b=i18n.format_percent(cutoffs[1], lang))
    segment = {"profit_segment": "profit_segment"}
    return Section(title="title.cc_profit", items=[_paragraphs(rule, finding), Table(totals, values=segment),
                                                   Figure(plots.plot_whale_curve, (whale,))],
                   findings=[finding], saved={"profit_segments": Table(_named(whale, accounts), values=segment)},
                   results={"whale": whale, "totals": totals})


# --------------------------------------------------------------------------- selection score
def selection(accounts: Frame, orders: Frame = None, products: Frame = None, visits: Frame = None, *,
              weights: Mapping[str, float] | None = None, as_of: object = None, lang: str = "en") -> Section:
    """Key-account selection score: five criteria, derived from the data where possible, weighted.

    Parameters
    ----------
    accounts : DataFrame or None
        ``account_id`` and criteria columns or what they derive from
        (:func:`kamlib.classify.selection_criteria`).
    orders, products, visits : DataFrame, optional
        What the criteria derive from.
    weights : mapping, optional
        ``{criterion: weight}``; None = equal weights.
    as_of : date-like, optional
        End of the trailing 12 months (default: the last order date).
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule, where each criterion came from, the reading, the top 15 accounts
        (:func:`_selection_top`) and their stacked points; saves ``selection_scores``
        (every criterion, its score and the ABC class when there are orders).

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "volume": [10.0, 5], "partnership": [1.0, 3]})
    >>> section = selection(acc, weights={"volume": 3, "partnership": 1})
    >>> section.findings, section.results["scores"]["ka_score"].tolist()
    (['**a** ranks first with 75 of 100 points; among the top 10, Purchase volume contributes most.'], [75.0, 25.0])
    """
    gap = needs(accounts, ["account_id"], "accounts")
    if gap:
        return Section.lacking("title.cc_selection", gap, note=i18n.needs_note(gap, lang))
    scores = choice.selection_score(accounts, weights=weights, orders=orders, products=products, visits=visits,
                                    as_of=reference_day(orders, as_of))
    scores = _with_abc_class(choice.with_account_names(scores, accounts), orders)
    finding = readings.reading("selection", scores, lang=lang)
    top = Table(_selection_top(scores, lang), values={"abc_class": "abc_class"})
    return Section(title="title.cc_selection",
                   items=[_paragraphs(*readings.selection_notes(scores, lang), finding), top,
                          Figure(plots.plot_selection, (scores,), size=(10, 5.5))],
                   findings=[finding], saved={"selection_scores": Table(scores)}, results={"scores": scores})


#: Accounts the page's selection table shows, and how many criteria it names per account.
SELECTION_SHOWN = 15
SELECTION_CONTRIBUTORS = 3


def _with_abc_class(scores: pd.DataFrame, orders: Frame) -> pd.DataFrame:
    """*scores* with each account's ``abc_class`` (:func:`kamlib.classify.pareto_abc` of *orders*) after its
    name; *scores* itself without orders. An account without revenue has no class."""
    if needs(orders, ["account_id", "revenue"], "orders"):
        return scores
    classes = grades.pareto_abc(orders).set_index("account_id")["abc_class"]
    out = scores.copy()
    out.insert(out.columns.get_loc("account_name" if "account_name" in out else "account_id") + 1, "abc_class",
               out["account_id"].map(classes))
    return out


def _selection_top(scores: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The selection table a page has room for: rank, account (name, else id), score, ABC class and the
    :data:`SELECTION_CONTRIBUTORS` criteria giving the account most points (``Price sensitivity 18, …``),
    for the first :data:`SELECTION_SHOWN` accounts; every criterion stays in the saved table.

    Examples
    --------
    >>> scores = pd.DataFrame({"account_id": ["a"], "volume_score": [1.0], "partnership_score": [0.5],
    ...                        "ka_score": [75.0], "rank": [1]})
    >>> scores.attrs["weights"] = {"volume": 0.5, "partnership": 0.5}
    >>> _selection_top(scores, "en").values.tolist()
    [[1, 'a', 75.0, 'Purchase volume 50, Wish for partnership 25']]
    """
    top = scores.head(SELECTION_SHOWN)
    weights = scores.attrs.get("weights", {})
    points = pd.DataFrame({c: 100 * w * top[f"{c}_score"] for c, w in weights.items()}, index=top.index)

    def largest(row: pd.Series) -> str:
        best = row[row > 0].sort_values(ascending=False, kind="stable").head(SELECTION_CONTRIBUTORS)
        return i18n.join([f"{i18n.t(c, lang)} {i18n.format_number(v, lang)}" for c, v in best.items()], lang)

    name = "account_name" if "account_name" in top else "account_id"
    shown = top[[c for c in ("rank", name, "ka_score", "abc_class") if c in top]]
    return shown.assign(top_criteria=points.apply(largest, axis=1) if len(points.columns) else "")


# --------------------------------------------------------------------------- white space
def whitespace(accounts: Frame, orders: Frame, products: Frame = None, *, as_of: object = None,
               lang: str = "en") -> Section:
    """White space: headroom = annual demand − what the account bought from us in 12 months.

    Parameters
    ----------
    accounts : DataFrame or None
        ``account_id, annual_demand`` (``sector`` and *products* split it by family).
    orders : DataFrame or None
        ``account_id, order_date, revenue``.
    products : DataFrame, optional
        ``product_id, family``: headroom per product family.
    as_of : date-like, optional
        End of the 12 months (default: the last order date).
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule, the reading and the accounts with most headroom; saves
        ``whitespace`` (and ``whitespace_by_family``).

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": ["a", "b"], "annual_demand": [100.0, 50.0]})
    >>> orders = pd.DataFrame({"account_id": ["a", "b"], "revenue": [30.0, 45.0],
    ...                        "order_date": pd.to_datetime(["2025-03-01", "2025-06-01"])})
    >>> whitespace(acc, orders).findings
    ["Total headroom is 75, 100% of it at the 10 accounts with most white space; we hold 50% of these accounts' combined demand."]
    >>> whitespace(acc, None).missing
    'orders'
    """
    gap = needs(accounts, ["annual_demand"], "accounts") or needs(orders, ["order_date", "revenue"], "orders")
    if gap:
        return Section.lacking("title.cc_whitespace", gap, note=i18n.needs_note(gap, lang))
    day = reference_day(orders, as_of)
    space = choice.with_account_names(choice.whitespace(accounts, orders, as_of=day, products=products), accounts)
    finding = readings.reading("whitespace", space, lang=lang)
    saved = {"whitespace": Table(space.rename(columns={"potential": "annual_demand"}))}
    if "by_family" in space.attrs:
        saved["whitespace_by_family"] = Table(_named(space.attrs["by_family"], accounts), values={"family": "family"})
    return Section(title="title.cc_whitespace",
                   items=[_paragraphs(readings.rule("whitespace", lang, as_of=day), finding),
                          Figure(plots.plot_headroom, (space,), size=(10, 5.5))],
                   findings=[finding], saved=saved, results={"space": space})


# --------------------------------------------------------------------------- prospects
def man(leads: Frame, *, lang: str = "en") -> Section:
    """Prospect qualification: each lead's combination of Money, Authority and Need, and what to do.

    Parameters
    ----------
    leads : DataFrame or None
        ``lead_id, money, authority, need``.
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule, the reading and the leads per combination; saves ``man_qualification``.

    Examples
    --------
    >>> leads = pd.DataFrame({"lead_id": ["a", "b"], "money": [True, False], "authority": [True, False],
    ...                       "need": [True, False]})
    >>> man(leads).findings
    ['1 of 2 leads (50%) has Money, Authority and Need; 1 has none of them.']
    >>> man(None).missing
    'leads'
    """
    gap = needs(leads, ["lead_id", "money", "authority", "need"], "leads")
    if gap:
        return Section.lacking("title.cc_man", gap, note=i18n.needs_note(gap, lang))
    summary = prospects.man_summary(prospects.man_qualify(leads))
    finding = readings.reading("man", summary, lang=lang)
    labels = {"man": "man_set", "action": "man_action"}  # MAN, MA, …: letters; none: in words
    return Section(title="title.cc_man", items=[_paragraphs(readings.rule("man", lang), finding),
                                                Table(summary, values=labels)],
                   findings=[finding], saved={"man_qualification": Table(summary, values=labels)},
                   results={"man": summary})


def _temperature_labels(matrix: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The temperature matrix with its temperature columns labelled in *lang*."""
    return matrix.rename(columns={t: i18n.value_label("temperature", t, lang) for t in prospects.TEMPERATURES})


def temperature(leads: Frame, *, as_of: object, lang: str = "en") -> Section:
    """Prospect temperature: open leads hot, promising or potential by their expected close date.

    Parameters
    ----------
    leads : DataFrame or None
        ``lead_id, expected_close_date`` (``status``: only open leads; ``importance``: rows).
    as_of : date-like or None
        The day the temperature is judged on (the notebook's reference day).
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule, the reading and leads per importance and temperature; saves
        ``prospect_temperature``.

    Examples
    --------
    >>> leads = pd.DataFrame({"lead_id": ["a", "b"], "expected_close_date": pd.to_datetime(["2025-06-03", "2025-07-01"])})
    >>> temperature(leads, as_of="2025-06-01").findings
    ['1 open leads are hot (0 of them past their expected close) and 0 promising, out of 2.']
    >>> temperature(leads, as_of=None).missing
    'orders.order_date / as_of'
    """
    gap = needs(leads, ["lead_id", "expected_close_date"], "leads") or (None if as_of else "orders.order_date / as_of")
    if gap:
        return Section.lacking("title.cc_temperature", gap, note=i18n.needs_note(gap, lang))
    temps = prospects.prospect_temperature(prospects.open_leads(leads), today=as_of)
    finding = readings.reading("temperature", temps, lang=lang)
    rule = readings.rule("temperature", lang, today=as_of, hot=i18n.format_count(temps.attrs["hot_days"], lang),
                         promising=i18n.format_count(temps.attrs["promising_days"], lang))
    matrix = _temperature_labels(prospects.temperature_matrix(temps), lang)
    return Section(title="title.cc_temperature",
                   items=[_paragraphs(rule, finding), Table(matrix, values={"importance": "importance"})],
                   findings=[finding], results={"temperatures": temps},
                   saved={"prospect_temperature": Table(temps, values={"temperature": "temperature",
                                                                       "importance": "importance"})})


# --------------------------------------------------------------------------- relationship stage
def _stage_gap(accounts: Frame) -> str | None:
    """What relationship stages lack: the accounts, or both the stage column and every indicator."""
    indicators = accounts is not None and any(c in accounts.columns for c in choice.STAGE_INDICATORS)
    return None if indicators else needs(accounts, ["relationship_stage"], "accounts")


def stages(accounts: Frame, *, lang: str = "en") -> Section:
    """Relationship stages (Millman–Wilson) per region, else per rep, else over all accounts.

    Parameters
    ----------
    accounts : DataFrame or None
        ``account_id`` and ``relationship_stage``, or indicator columns
        (:data:`kamlib.classify.STAGE_INDICATORS`); ``region`` or ``rep_id`` to compare.
    lang : {"en", "zh"}

    Returns
    -------
    Section
        The rule, the reading and the stage shares per group; saves ``relationship_stages``.

    Examples
    --------
    >>> acc = pd.DataFrame({"account_id": list("abc"), "region": ["east", "east", "west"],
    ...                     "relationship_stage": ["mid", "pre", "partnership"]})
    >>> section = stages(acc)
    >>> section.findings, list(section.results["distribution"])
    (['The most common stage is Pre-KAM (33%); 33% of accounts are at partnership or synergistic KAM and 0% are uncoupling.'], ['region', 'relationship_stage', 'accounts', 'share'])
    """
    gap = _stage_gap(accounts)
    if gap:
        return Section.lacking("title.cc_stages", gap, note=i18n.needs_note(gap, lang))
    group = choice.stage_group(accounts)
    by = group or "all"
    found = choice.relationship_stages(accounts)
    found[by] = accounts[group].to_numpy() if group else i18n.t("total", lang)
    dist = choice.stage_distribution(found, by=by)
    finding = readings.reading("stages", dist, lang=lang)
    rule = readings.rule("stages", lang, source=readings.stage_source(found, lang))
    values = {"relationship_stage": "relationship_stage", by: group}
    return Section(title="title.cc_stages",
                   items=[_paragraphs(rule, finding), Figure(plots.plot_stages, (dist,), {"by": by})],
                   findings=[finding], saved={"relationship_stages": Table(dist, values=values)},
                   results={"stages": found, "distribution": dist})
