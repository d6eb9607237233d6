"""Sections of the environment analysis notebook, built as :class:`kamlib.sections.Section` values.

One function per section: market overview, BCG matrix, Ansoff matrix, SWOT, the PEST
and micro-environment checklist, the opportunity and threat matrices, the objectives
check. Each computes with :mod:`kamlib.environment.analysis`, reads the result with
:mod:`kamlib.environment.readings`, names the charts of
:mod:`kamlib.environment.plots` that show it, and returns the section — or
:meth:`Section.lacking <kamlib.sections.Section.lacking>` when the data lacks what it
needs. Nothing is drawn, shown or written here (:meth:`kamlib.sections.Page.show`
does that)::

    page.show(kam.environment.sections.bcg(ds, by="segment", lang=lang))
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kamlib import i18n, plots
from kamlib.environment import analysis, readings
from kamlib.environment import plots as env_plots
from kamlib.sections import Figure, Section, Table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from kamlib.data import Dataset

__all__ = ["ansoff", "bcg", "checklist", "market", "objectives", "risk", "swot"]

_SWOT_VALUES = {"kind": "kind", "side": "side", "category": "category"}
_CHECKLIST_VALUES = {"scope": "scope", "category": "category", "coverage": "coverage"}
_RISK_VALUES = {"matrix": "matrix", "quadrant": "risk"}
_ANSOFF_VALUES = {"quadrant": "ansoff", "product_type": "novelty", "market_type": "novelty"}
_OBJECTIVE_VALUES = {"kind": "objective_kind", "metric": "metric", "issue": "issue"}
_BCG_SHOWN = ["our_sales", "leader_sales", "relative_share", "market_growth", "quadrant"]


# ------------------------------------------------------------------------- helpers
def _lacks(table: pd.DataFrame | None, columns: Sequence[str], name: str) -> str | None:
    """What *table* lacks, as :func:`kamlib.environment.needs` says it: ``"factors (category)"``,
    ``"factors"`` when there is no table, None when nothing is missing."""
    if table is None:
        return name
    missing = [c for c in columns if c not in table.columns]
    return f"{name} ({', '.join(missing)})" if missing else None


def _group(by: str, lang: str) -> str:
    """The grouping column's name for use inside a sentence ("segment", "细分市场")."""
    label = i18n.t(by, lang)
    return label.lower() if lang == "en" else label


def _placed(ds: Dataset, *, by: str, region: str | None, year: int | None,
            share_split: float = 1.0, growth_split: float = 0.10) -> pd.DataFrame:
    """The BCG matrix of the dataset's market table, limited to *region*."""
    table = analysis.in_region(ds.table("market"), region)
    return analysis.bcg_matrix(table, by=by, year=year, share_split=share_split, growth_split=growth_split)


# ------------------------------------------------------------------ market and BCG
def market(ds: Dataset, *, by: str = "segment", region: str | None = None, year: int | None = None,
           lang: str = "en") -> Section:
    """Market size, our sales, our share and market growth per *by* for the year analysed.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`kamlib.data.load`); needs the ``market`` table with
        ``leader_sales`` (the same rows as the BCG matrix).
    by : {"segment", "region"}
        Grouping column of the market table.
    region : str, optional
        Only this region's rows; None = every region.
    year : int, optional
        Year analysed; None = the latest year of the table.
    lang : {"en", "zh"}
        Language of the sentences.

    Returns
    -------
    Section
        The explanation, the table (saved as ``market_overview``), its reading and a
        bar chart of the shares; ``results["bcg"]`` is the BCG matrix it read.

    Examples
    --------
    >>> import kamlib.data
    >>> section = market(kamlib.data.load())
    >>> list(section.saved), section.items[-1].draw.__name__, section.items[-1].percent
    (['market_overview'], 'plot_bar', 'y')
    """
    gap = analysis.needs(ds, "bcg", by=by)
    if gap:
        return Section.lacking("title.env_market", gap, note=i18n.needs_note(gap, lang))
    placed = _placed(ds, by=by, region=region, year=year)
    table = placed.drop(columns=["year", "relative_share", "quadrant", "leader_basis"], errors="ignore")
    shown = Table(table, {by: by})
    shown_year = int(placed["year"].iloc[0]) if "year" in placed else "–"
    reading = readings.reading("market", placed, lang=lang, by=by)
    bars = Figure(plots.plot_bar, (placed,), {"x": by, "y": "market_share", "title": "title.env_market"}, percent="y")
    return Section("title.env_market",
                   items=[i18n.t("text.env_explain_market_value", lang, group=_group(by, lang), year=shown_year),
                          shown, reading, bars],
                   findings=[reading], saved={"market_overview": Table(table, {by: by})}, results={"bcg": placed})


def bcg(ds: Dataset, *, by: str = "segment", region: str | None = None, year: int | None = None,
        share_split: float = 1.0, growth_split: float = 0.10, lang: str = "en") -> Section:
    """The BCG growth–share matrix per *by*: relative share × market growth.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset; needs the ``market`` table with ``leader_sales``.
    by, region, year, lang
        As for :func:`market`.
    share_split : float, default 1.0
        Relative share at or above which share is high.
    growth_split : float, default 0.10
        Market growth at or above which growth is high.

    Returns
    -------
    Section
        The rule applied, the matrix (saved as ``bcg_matrix``), its reading and the
        bubble chart; ``results["bcg"]`` is the matrix.

    Examples
    --------
    >>> import kamlib.data
    >>> section = bcg(kamlib.data.load(), share_split=0.5)
    >>> list(section.saved), section.items[-1].draw.__name__, "≥ 0.5" in section.items[0]
    (['bcg_matrix'], 'plot_bcg', True)
    """
    gap = analysis.needs(ds, "bcg", by=by)
    if gap:
        return Section.lacking("title.env_bcg", gap, note=i18n.needs_note(gap, lang))
    placed = _placed(ds, by=by, region=region, year=year, share_split=share_split, growth_split=growth_split)
    values = {by: by, "quadrant": "bcg", "leader_basis": "leader_basis"}
    shown = Table(placed[[by, *_BCG_SHOWN]], values)
    rule = i18n.t("text.env_explain_bcg_value", lang, group=_group(by, lang), share_split=f"{share_split:g}",
                  growth_split=i18n.format_percent(growth_split, lang))
    reading = readings.reading("bcg", placed, lang=lang, by=by)
    chart = Figure(env_plots.plot_bcg, (placed,), {"by": by, "share_split": share_split, "growth_split": growth_split})
    rule = i18n.join([rule, *_leader_notes(placed, by, lang)], lang, sentences=True)
    return Section("title.env_bcg", items=[rule, shown, reading, chart], findings=[reading],
                   saved={"bcg_matrix": Table(placed, values)}, results={"bcg": placed})


def _leader_notes(placed: pd.DataFrame, by: str, lang: str) -> list[str]:
    """How the largest competitor was found where a group spans several rows of the market table."""
    bound = placed.attrs.get("leader_bound", [])
    if bound:
        names = (i18n.t("text.env_bcg_every", lang, group=_group(by, lang)) if len(bound) == len(placed)
                 else i18n.join([i18n.value_label(by, g, lang) for g in bound], lang))
        return [i18n.t("text.env_bcg_leader_bound", lang, groups=names)]
    return [i18n.t("text.env_bcg_leader_named", lang)] if (placed["leader_basis"] == "named").any() else []


# ---------------------------------------------------------------------------- Ansoff
def ansoff(ds: Dataset, *, as_of: str | pd.Timestamp | None, market: str = "sector", region: str | None = None,
           lang: str = "en") -> Section:
    """The year's revenue by new / existing product and market (Ansoff matrix).

    Parameters
    ----------
    ds : Dataset
        A loaded dataset; needs ``orders`` (``account_id, order_date, revenue,
        product_id``) and the *market* column in orders or accounts.
    as_of : date
        Last day of the year analysed (:func:`kamlib.environment.last_day`).
    market : str, default "sector"
        What a market is: ``sector`` or ``region`` (a column of orders or accounts).
    region : str, optional
        Only the orders of accounts in this region.
    lang : {"en", "zh"}
        Language of the sentences.

    Returns
    -------
    Section
        The explanation, the quadrant table (saved as ``ansoff``), its reading and the
        2×2 chart; ``results["ansoff"]`` is the table.

    Examples
    --------
    >>> import kamlib.data
    >>> section = ansoff(kamlib.data.load(), as_of="2025-12-31")
    >>> list(section.saved), section.items[-1].draw.__name__, "2025-01-01" in section.items[0]
    (['ansoff'], 'plot_ansoff', True)
    """
    gap = analysis.needs(ds, "ansoff", market=market)
    if gap or as_of is None:
        gap = gap or "orders (order_date)"
        return Section.lacking("title.env_ansoff", gap, note=i18n.needs_note(gap, lang))
    accounts = ds.table("accounts") if "accounts" in ds.names else None
    table = analysis.ansoff(ds.table("orders"), accounts, as_of=as_of, market=market, region=region)
    start, end = analysis.period(as_of)
    rule = i18n.t("text.env_explain_ansoff", lang, start=i18n.format_date(start, lang), end=i18n.format_date(end, lang),
                  market=i18n.header([market], lang)[0])
    reading = readings.reading("ansoff", table, lang=lang)
    return Section("title.env_ansoff",
                   items=[rule, Table(table, _ANSOFF_VALUES), reading, Figure(env_plots.plot_ansoff, (table,))],
                   findings=[reading], saved={"ansoff": Table(table, _ANSOFF_VALUES)}, results={"ansoff": table})


# ----------------------------------------------------------------------- SWOT and PEST
def swot(factors: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """Strengths, weaknesses, opportunities and threats, each ranked by impact.

    Parameters
    ----------
    factors : DataFrame or None
        The factors (:func:`kamlib.environment.factor_table`): ``statement, kind``;
        None when there are none.
    lang : {"en", "zh"}
        Language of the sentences.

    Returns
    -------
    Section
        The explanation, the reading and the 2×2 chart; the table is saved as ``swot``
        and is ``results["swot"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> section = swot(pd.DataFrame({"statement": ["Dealer network"], "kind": ["S"]}))
    >>> section.findings, list(section.saved)
    (['1 strength, 0 weaknesses, 0 opportunities and 0 threats are listed.'], ['swot'])
    >>> swot(None).missing, swot(pd.DataFrame({"statement": ["x"]})).missing
    ('factors', 'factors (kind)')
    """
    gap = _lacks(factors, ["statement", "kind"], "factors")
    if gap:
        return Section.lacking("title.env_swot", gap, note=i18n.needs_note(gap, lang))
    table = analysis.swot(factors)
    reading = readings.reading("swot", table, lang=lang)
    return Section("title.env_swot",
                   items=[i18n.t("text.env_explain_swot", lang), reading, Figure(env_plots.plot_swot, (table,))],
                   findings=[reading], saved={"swot": Table(table, _SWOT_VALUES)}, results={"swot": table})


def checklist(factors: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """The PEST and micro-environment checklist: entries per category, empty ones marked.

    Parameters
    ----------
    factors : DataFrame or None
        The factors (:func:`kamlib.environment.factor_table`): ``statement, kind,
        category``; None when there are none.
    lang : {"en", "zh"}
        Language of the sentences.

    Returns
    -------
    Section
        The explanation, the checklist (saved as ``pest_checklist``), its reading and
        a bar chart; ``results["coverage"]`` is the checklist.

    Examples
    --------
    >>> import pandas as pd
    >>> factors = pd.DataFrame({"statement": ["x"], "kind": ["O"]})
    >>> checklist(factors).missing
    'factors (category)'
    >>> section = checklist(factors.assign(category="economic"))
    >>> list(section.saved), section.findings[0].startswith("1 of 12 categories")
    (['pest_checklist'], True)
    """
    gap = _lacks(factors, ["statement", "kind", "category"], "factors")
    if gap:
        return Section.lacking("title.env_coverage", gap, note=i18n.needs_note(gap, lang))
    table = analysis.pest_coverage(factors)
    reading = readings.reading("coverage", table, lang=lang)
    return Section("title.env_coverage",
                   items=[i18n.t("text.env_explain_coverage", lang), Table(table, _CHECKLIST_VALUES), reading,
                          Figure(env_plots.plot_coverage, (table,))],
                   findings=[reading], saved={"pest_checklist": Table(table, _CHECKLIST_VALUES)},
                   results={"coverage": table})


# --------------------------------------------------------------------- risk matrices
def risk(factors: pd.DataFrame | None, *, impact_split: float = 3.0, probability_split: float = 0.5,
         lang: str = "en") -> Section:
    """The opportunity and threat matrices, then the factors to act on now.

    Parameters
    ----------
    factors : DataFrame or None
        The factors (:func:`kamlib.environment.factor_table`): ``statement, kind,
        impact, probability``; None when there are none.
    impact_split : float, default 3.0
        Impact at or above which a factor is high.
    probability_split : float, default 0.5
        Probability at or above which a factor is likely.
    lang : {"en", "zh"}
        Language of the sentences.

    Returns
    -------
    Section
        The rule applied, the opportunity matrix, the threat matrix, the "act now"
        sub-heading and table and the reading; both matrices are saved as
        ``risk_matrix`` and are ``results["risk"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> factors = pd.DataFrame({"statement": ["x", "y"], "kind": ["O", "T"], "impact": [5, 1],
    ...                         "probability": [0.9, 0.1]})
    >>> section = risk(factors)
    >>> [f.options["matrix"] for f in section.items if hasattr(f, "draw")], section.items[3]
    (['opportunity', 'threat'], '### Act now')
    >>> risk(factors.drop(columns="impact")).missing
    'factors (impact)'
    """
    gap = _lacks(factors, ["statement", "kind", "impact", "probability"], "factors")
    if gap:
        return Section.lacking("title.env_risk", gap, note=i18n.needs_note(gap, lang))
    table = analysis.risk_matrix(factors, impact_split=impact_split, probability_split=probability_split)
    splits = {"impact_split": impact_split, "probability_split": probability_split}
    rule = i18n.t("text.env_explain_risk", lang, impact_split=f"{impact_split:g}",
                  probability_split=i18n.format_percent(probability_split, lang))
    act_now = table[table["quadrant"] == "act_now"].drop(columns="quadrant")
    reading = readings.reading("risk", table, lang=lang)
    return Section("title.env_risk",
                   items=[rule, Figure(env_plots.plot_risk, (table,), {"matrix": "opportunity", **splits}),
                          Figure(env_plots.plot_risk, (table,), {"matrix": "threat", **splits}),
                          "### " + i18n.t("title.env_act_now", lang), Table(act_now, _RISK_VALUES), reading],
                   findings=[reading], saved={"risk_matrix": Table(table, _RISK_VALUES)}, results={"risk": table})


# ------------------------------------------------------------------------ objectives
def objectives(ds: Dataset, path: str | Path | None = None, *, data: str | Path | None = None,
               as_of: str | pd.Timestamp | None = None, lang: str = "en") -> Section:
    """The objectives of a YAML file checked: quantified, dated, ranked, realistic, consistent.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset; its ``market`` table (when it has one) enables the checks
        against market size.
    path : str or Path, optional
        The objectives file (:func:`kamlib.environment.read_objectives`); None = the
        sample's when *data* is None (:func:`kamlib.environment.objectives_file`).
    data : str or Path, optional
        The data the dataset was loaded from (None = the embedded sample).
    as_of : date, optional
        Last day analysed; an objective due before it is past due.
    lang : {"en", "zh"}
        Language of the sentences.

    Returns
    -------
    Section
        The explanation, the check (saved as ``objectives_check``) and its reading;
        without a file, a line saying where the file was looked for.

    Examples
    --------
    >>> import kamlib.data
    >>> ds = kamlib.data.load()
    >>> section = objectives(ds, as_of="2025-12-31")
    >>> list(section.saved), section.findings[0].endswith("have an issue to fix.")
    (['objectives_check'], True)
    >>> objectives(ds, data="my_data").note
    'No objectives file at objectives. Write one in the format described in kamlib.environment.read_objectives and set the objectives parameter to its path.'
    """
    file = analysis.objectives_file(path, data=data)
    if file is None or not file.is_file():
        note = i18n.t("text.env_objectives_missing_file", lang, file=file or "objectives")
        return Section.lacking("title.env_objectives", str(file or "objectives"), note=note)
    table = ds.table("market") if "market" in ds.names else None
    checked = analysis.check_objectives(analysis.read_objectives(file), market=table, as_of=as_of)
    reading = readings.reading("objectives", checked, lang=lang)
    return Section("title.env_objectives",
                   items=[i18n.t("text.env_explain_objectives", lang, file=f"`{file.name}`"),
                          Table(checked.assign(target=readings.objective_targets(checked, lang))[
                              ["rank", "goal", "metric", "target", "due", "issue"]], _OBJECTIVE_VALUES), reading],
                   findings=[reading], saved={"objectives_check": Table(checked, _OBJECTIVE_VALUES)},
                   results={"objectives": checked})
