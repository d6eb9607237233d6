"""Sections of the win/loss notebook, built as :class:`kamlib.sections.Section` values.

Each function computes one section with :mod:`kamlib.winloss.analysis` (and
:mod:`kamlib.winloss.model`), reads it with :func:`kamlib.winloss.readings.reading`
and names the charts that show it (:mod:`kamlib.winloss.plots`, :mod:`kamlib.plots`);
nothing is drawn, shown or written here (:meth:`kamlib.sections.Page.show` does that).

A section whose data lacks a table or column says so
(:meth:`Section.lacking <kamlib.sections.Section.lacking>`); an optional part that does
not apply — win rates by source when the groups already are sources, the Pareto of
reasons when there are no loss reasons — is an empty :class:`~kamlib.sections.Section`,
which shows nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from kamlib import i18n, plots
from kamlib.sections import Figure, Section, Table, needs
from kamlib.winloss import analysis, model
from kamlib.winloss import plots as charts
from kamlib.winloss.readings import reading

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from kamlib.data import Dataset

__all__ = [
    "MIN_CLOSED",
    "addressable_losses",
    "buying_process",
    "competitors",
    "cycle_times",
    "loss_pareto",
    "loss_reasons",
    "rep_performance",
    "showroom",
    "win_probability",
    "win_rates",
    "win_rates_by_source",
    "won_sources",
]

#: Closed deals the win-probability model needs to fit and backtest.
MIN_CLOSED = 10

_OPPORTUNITIES = "opportunities"
_REASON_VALUES = {"loss_reason": "loss_reason", "cause": "cause"}
_CYCLE_VALUES = {"status": "status", "stage": "stage"}


def _size_for_rows(rows: int) -> tuple[float, float]:
    """Size of a horizontal chart with one bar (or point) per row."""
    return (8, 1.2 + 0.28 * rows)


def _table(ds: Dataset, name: str) -> pd.DataFrame | None:
    return ds.table(name) if name in ds.names else None



# ------------------------------------------------------------------------ win rates
def _rate_readings(rates: pd.DataFrame, by: str, lang: str) -> list[str]:
    """The win rates read, then whether the groups differ."""
    return [reading("win_rates", rates, lang=lang, by=by),
            reading("test", analysis.difference_test(rates), lang=lang)]


def win_rates(opps: pd.DataFrame | None, *, by: str, level: float = 0.95, lang: str = "en") -> Section:
    """Win rate per group of *by* with its confidence interval, and whether the groups differ.

    Parameters
    ----------
    opps : DataFrame or None
        The opportunities (:func:`kamlib.winloss.load_opportunities`); None = the data has none.
    by : str
        Grouping column.
    level : float, default 0.95
        Confidence level of the intervals.
    lang : {"en", "zh"}
        Language of the readings.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = win_rates(load_opportunities(kamlib.data.load()), by="product_name")
    >>> list(section.saved), len(section.findings), section.items[-1].draw.__name__
    (['win_rates_by_product_name'], 2, 'plot_win_rates')
    """
    title = "title.wl_win_rates"
    gap = needs(opps, ["status", by], _OPPORTUNITIES)
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    rates = analysis.win_rates(opps, by=by, level=level)
    findings = _rate_readings(rates, by, lang)
    chart = Figure(charts.plot_win_rates, (rates,), {"by": by}, size=_size_for_rows(len(rates)))
    return Section(title, items=[i18n.join(findings, lang, sentences=True), Table(rates, {by: by}), chart], findings=findings,
                   saved={f"win_rates_by_{by}": Table(rates, {by: by})}, results={"rates": rates})


def win_rates_by_source(opps: pd.DataFrame | None, *, by: str, level: float = 0.95, lang: str = "en") -> Section:
    """Win rate per source of the deal, under :func:`win_rates` (no heading, not in the findings).

    Empty when the groups of :func:`win_rates` already are sources (``by="source"``) or
    the opportunities have no ``status`` or ``source``.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> opps = load_opportunities(kamlib.data.load())
    >>> list(win_rates_by_source(opps, by="product_name").saved), win_rates_by_source(opps, by="source").shows_anything
    (['win_rates_by_source'], False)
    """
    if by == "source" or needs(opps, ["status", "source"], _OPPORTUNITIES):
        return Section()
    rates = analysis.win_rates(opps, by="source", level=level)
    chart = Figure(charts.plot_win_rates, (rates,), {"by": "source"})
    return Section(items=[i18n.join(_rate_readings(rates, "source", lang), lang, sentences=True), chart],
                   saved={"win_rates_by_source": Table(rates, {"source": "source"})}, results={"rates": rates})


# --------------------------------------------------------------------- loss reasons
def loss_reasons(opps: pd.DataFrame | None, *, by: str, lang: str = "en") -> Section:
    """The loss table: lost deals per reason per group of *by*, and each reason's share as a heat map.

    The table is shown with a total row and column labelled in *lang*; the long form
    (one row per group and reason) is saved too.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = loss_reasons(load_opportunities(kamlib.data.load()), by="product_name")
    >>> list(section.saved), section.items[-1].draw.__name__
    (['loss_reasons_by_product_name', 'loss_table_by_product_name'], 'plot_loss_heatmap')
    """
    title = "title.wl_loss_reasons"
    gap = needs(opps, ["status", "loss_reason", by], _OPPORTUNITIES)
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    reasons = analysis.loss_reasons(opps, by=by)
    total = i18n.t("total", lang)
    counts = analysis.loss_matrix(reasons, by=by, total=total).reset_index()
    shares = analysis.loss_matrix(reasons, by=by, value="share", total=total)
    finding = reading("loss_table", reasons, lang=lang, by=by)
    shown = counts.rename(columns=lambda column: i18n.value_label("loss_reason", column, lang))
    heat_map = Figure(charts.plot_loss_heatmap, (shares,), {"by": by}, size=(11, 2 + 0.3 * len(shares)))
    saved = {f"loss_reasons_by_{by}": Table(reasons, {by: by, **_REASON_VALUES}),
             f"loss_table_by_{by}": Table(shown, {by: by})}
    return Section(title, items=[finding, Table(shown, {by: by}), heat_map], findings=[finding], saved=saved,
                   results={"reasons": reasons, "counts": counts, "shares": shares})


def loss_pareto(opps: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """Loss reasons from most to least frequent with their cumulative share: a part (level 3)
    of the loss reasons.

    Empty when the opportunities have no ``status`` or ``loss_reason`` (the loss reasons
    section already says so).

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = loss_pareto(load_opportunities(kamlib.data.load()))
    >>> section.level, list(section.saved), section.items[-1].draw.__name__
    (3, ['loss_reason_pareto'], 'plot_pareto')
    """
    if needs(opps, ["status", "loss_reason"], _OPPORTUNITIES):
        return Section()
    pareto = analysis.reason_pareto(opps)
    finding = reading("pareto", pareto, lang=lang)
    return Section("title.wl_pareto", level=3, items=[finding, Figure(charts.plot_pareto, (pareto,))],
                   findings=[finding], saved={"loss_reason_pareto": Table(pareto, _REASON_VALUES)},
                   results={"pareto": pareto})


def addressable_losses(opps: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """Losses training can fix: each rep's share of losses with a sales-side reason, as bars.

    The same table per product is saved too when the deals name their product.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = addressable_losses(load_opportunities(kamlib.data.load()))
    >>> list(section.saved), section.items[-1].percent
    (['addressable_losses_by_rep', 'addressable_losses_by_product'], 'x')
    """
    title = "title.wl_addressable"
    gap = needs(opps, ["status", "loss_reason", "rep_id"], _OPPORTUNITIES)
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    by_rep = analysis.addressable_losses(opps, by="rep_id")
    saved = {"addressable_losses_by_rep": Table(by_rep)}
    if "product_id" in opps.columns:
        saved["addressable_losses_by_product"] = Table(analysis.addressable_losses(opps, by="product_id"))
    finding = reading("addressable", by_rep, lang=lang, by="rep_id")
    bars = Figure(plots.plot_bar, (by_rep.dropna(subset=["sales_side_share"]),),
                  {"x": "rep_id", "y": "sales_side_share", "horizontal": True},
                  size=_size_for_rows(len(by_rep)), percent="x")
    return Section(title, items=[finding, bars], findings=[finding], saved=saved, results={"addressable": by_rep})


# ---------------------------------------------------------- competitors, cycle, funnel
def competitors(opps: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """Deals lost to each named competitor, as bars (none when no loss names one).

    The same table per product name and per region is saved too, where the deals have them.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = competitors(load_opportunities(kamlib.data.load()))
    >>> list(section.saved)
    ['competitors', 'competitors_by_product_name', 'competitors_by_region']
    """
    title = "title.wl_competitors"
    gap = needs(opps, ["status", "competitor"], _OPPORTUNITIES)
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    rivals = analysis.competitors(opps)
    saved = {"competitors": Table(rivals)} | {
        f"competitors_by_{column}": Table(analysis.competitors(opps, by=column), {column: column})
        for column in ("product_name", "region") if column in opps.columns
    }
    finding = reading("competitors", rivals, lang=lang)
    bars = [Figure(plots.plot_bar, (rivals,), {"x": "competitor", "y": "lost", "horizontal": True})] if len(rivals) else []
    return Section(title, items=[finding, *bars], findings=[finding], saved=saved, results={"competitors": rivals})


def cycle_times(opps: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """Days from created to closed, won against lost (per stage reached when deals have one).

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = cycle_times(load_opportunities(kamlib.data.load()))
    >>> list(section.saved), section.items[-1].options, section.items[-1].args[0] is section.results["overall"]
    (['cycle_times'], {'x': 'status', 'y': 'median_days'}, True)
    """
    title = "title.wl_cycle"
    gap = needs(opps, ["status", "created_date", "closed_date"], _OPPORTUNITIES)
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    cycle = analysis.cycle_times(opps, by="stage" if "stage" in opps.columns else None)
    overall = analysis.cycle_times(opps, by=None)
    finding = reading("cycle", overall, lang=lang)  # the medians of the deals, as the chart shows them
    bars = Figure(plots.plot_bar, (overall,), {"x": "status", "y": "median_days"})
    return Section(title, items=[finding, Table(cycle, _CYCLE_VALUES), bars], findings=[finding],
                   saved={"cycle_times": Table(cycle, _CYCLE_VALUES)}, results={"cycle": cycle, "overall": overall})


def buying_process(opps: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """The buying-process funnel: deals reaching each stage, conversion and where lost deals dropped out.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = buying_process(load_opportunities(kamlib.data.load()))
    >>> list(section.saved), section.items[-1].draw.__name__
    (['funnel'], 'plot_funnel')
    """
    title = "title.wl_funnel"
    gap = needs(opps, ["status", "stage"], _OPPORTUNITIES)
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    stages = analysis.funnel(opps)
    finding = reading("funnel", stages, lang=lang)
    return Section(title, items=[finding, Table(stages, {"stage": "stage"}), Figure(charts.plot_funnel, (stages,))],
                   findings=[finding], saved={"funnel": Table(stages, {"stage": "stage"})}, results={"funnel": stages})


# ------------------------------------------------------------ showroom, sources, reps
def showroom(ds: Dataset, *, lang: str = "en") -> Section:
    """Monthly showroom ratios from the raw counts: the last 12 months as a table, every month as lines.

    Examples
    --------
    >>> import kamlib.data
    >>> section = showroom(kamlib.data.load())
    >>> list(section.saved), len(section.items[1].frame) <= 12
    (['showroom_kpis'], True)
    """
    title = "title.wl_showroom"
    rooms = _table(ds, "showroom")
    gap = needs(rooms, ["month"], "showroom")
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    kpis = analysis.showroom_kpis(rooms)
    finding = reading("showroom", kpis, lang=lang)
    return Section(title, items=[finding, Table(kpis.tail(12)), Figure(charts.plot_showroom_kpis, (kpis,))],
                   findings=[finding], saved={"showroom_kpis": Table(kpis)}, results={"kpis": kpis})


def won_sources(opps: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """Where won deals come from: each source's share of the won deals, as bars.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = won_sources(load_opportunities(kamlib.data.load()))
    >>> list(section.saved), section.items[-1].percent
    (['won_sources'], 'y')
    """
    title = "title.wl_sources"
    gap = needs(opps, ["status", "source"], _OPPORTUNITIES)
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    sources = analysis.won_sources(opps)
    finding = reading("sources", sources, lang=lang)
    bars = Figure(plots.plot_bar, (sources.dropna(subset=["source"]),), {"x": "source", "y": "share"}, percent="y")
    return Section(title, items=[finding, bars], findings=[finding],
                   saved={"won_sources": Table(sources, {"source": "source"})}, results={"sources": sources})


def _with_win_rates(performance: pd.DataFrame, opps: pd.DataFrame | None, level: float) -> pd.DataFrame:
    """Each rep's closed deals and win rate next to the performance level, when the deals name reps."""
    if needs(opps, ["status", "rep_id"], _OPPORTUNITIES):
        return performance
    rates = analysis.win_rates(opps, by="rep_id", level=level)[["rep_id", "closed", "win_rate"]]
    return performance.merge(rates, on="rep_id", how="left")


def rep_performance(ds: Dataset, opps: pd.DataFrame | None = None, *, level: float = 0.95,
                    lang: str = "en") -> Section:
    """Each rep's performance level (target met, recognised) with the win rate of their deals,
    and the mix of levels next to the survey's.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> ds = kamlib.data.load()
    >>> section = rep_performance(ds, load_opportunities(ds))
    >>> list(section.saved), "win_rate" in section.results["performance"].columns
    (['rep_performance'], True)
    """
    title = "title.wl_reps"
    reps = _table(ds, "reps")
    gap = needs(reps, ["rep_id", "target_met", "recognised"], "reps")
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    performance = _with_win_rates(analysis.rep_performance(reps), opps, level)
    mix = analysis.performance_mix(performance)
    finding = reading("reps", mix, lang=lang)
    values = {"performance": "performance", "region": "region"}
    shown = Table(performance.sort_values(["performance", "rep_id"]), values)
    return Section(title, items=[finding, shown, Figure(charts.plot_performance_mix, (mix,))], findings=[finding],
                   saved={"rep_performance": Table(performance, values)},
                   results={"performance": performance, "mix": mix})


# ------------------------------------------------------------------ win probability
def _model_gap(opps: pd.DataFrame, lang: str) -> tuple[str, str] | None:
    """What the model lacks — enough closed deals to learn from, or an open deal to score — as
    ``(missing, what the reader is told)``."""
    if int(opps["status"].isin(["won", "lost"]).sum()) < MIN_CLOSED:
        return f"opportunities ({MIN_CLOSED}+ closed deals)", i18n.t("text.wl_needs_closed", lang, n=MIN_CLOSED)
    return None if (opps["status"] == "open").any() else (i18n.t("status.open", lang), i18n.t("text.wl_needs_open", lang))


def _product_names(opps: pd.DataFrame) -> dict[str, str]:
    """``{product_id: product_name}`` of the deals that have both (the products table's names)."""
    if not {"product_id", "product_name"} <= set(opps.columns):
        return {}
    named = opps.dropna(subset=["product_id", "product_name"]).drop_duplicates("product_id")
    return dict(zip(named["product_id"].astype(str), named["product_name"].astype(str), strict=True))


def _driver_name(lang: str, products: Mapping[str, str] | None = None) -> Callable[[str, str], str]:
    """How the drivers of a deal name a feature value in *lang*: ``来源=转介绍``, ``Amount band=500K–1M``,
    a product by its name from *products* (``{product_id: product_name}``) when it has one, else by its code.

    Examples
    --------
    >>> name = _driver_name("zh", {"P27": "鸿途 H5 自卸车"})
    >>> name("product_id", "P27"), name("product_id", "P99"), name("source", "referral")
    ('产品名称=鸿途 H5 自卸车', '产品编号=P99', '来源=转介绍')
    """
    bands = analysis.amount_band_names(lang)
    products = products or {}

    def name(feature: str, value: str) -> str:
        if feature == "product_id" and value in products:
            return f"{i18n.header(['product_name'], lang)[0]}={products[value]}"
        shown = bands.get(value, value) if feature == "amount_band" else i18n.value_label(feature, value, lang)
        return f"{i18n.header([feature], lang)[0]}={shown}"

    return name


def _model_inputs(opps: pd.DataFrame) -> int:
    """How many of the model's inputs (:data:`kamlib.winloss.FEATURES`) the deals have values of."""
    return sum(feature in opps.columns and bool(opps[feature].notna().any()) for feature in model.FEATURES)


def win_probability(opps: pd.DataFrame | None, *, lang: str = "en") -> Section:
    """The win probability of each open deal (naive Bayes on the closed ones), the weighted
    pipeline per month, and how well the model did on the newest closed deals.

    Needs at least :data:`MIN_CLOSED` closed deals and one open deal.

    Examples
    --------
    >>> import kamlib.data
    >>> from kamlib.winloss import load_opportunities
    >>> section = win_probability(load_opportunities(kamlib.data.load()))
    >>> list(section.saved), section.items[-1].draw.__name__
    (['win_probability', 'backtest_calibration', 'weighted_pipeline'], 'plot_calibration')
    """
    title = "title.wl_model"
    gap = needs(opps, ["status", "opportunity_id"], _OPPORTUNITIES)
    if gap:
        return Section.lacking(title, gap, note=i18n.needs_note(gap, lang))
    lack = _model_gap(opps, lang)
    if lack:
        return Section.lacking(title, lack[0], note=i18n.t("text.needs_data", lang, what=lack[1]))
    open_deals = opps[opps["status"] == "open"]
    scored = model.win_probability(open_deals, opps, name=_driver_name(lang, _product_names(opps)),
                                   separator=i18n.separator(lang))
    scores, calibration = model.backtest(opps)
    scores["inputs"] = _model_inputs(opps)
    findings = [reading("pipeline", scored, lang=lang), reading("backtest", scores, lang=lang)]
    saved = {"win_probability": Table(scored), "backtest_calibration": Table(calibration)}
    if "created_date" in open_deals.columns:
        saved["weighted_pipeline"] = Table(model.weighted_pipeline(scored, open_deals))
    top = Table(scored.sort_values("probability", ascending=False).head(10))
    pipeline = [saved["weighted_pipeline"]] if "weighted_pipeline" in saved else []
    items = [i18n.join(findings, lang, sentences=True), top, *pipeline, Table(calibration), Figure(charts.plot_calibration, (calibration,))]
    return Section(title, items=items, findings=findings, saved=saved,
                   results={"scored": scored, "scores": scores, "calibration": calibration})
