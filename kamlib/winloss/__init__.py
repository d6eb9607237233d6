"""Win/loss analysis (赢单/战败分析): win rates with intervals, loss reasons, competitors, cycle
times, funnel, showroom KPIs, rep performance and the win probability of open deals.

Computations are re-exported here (``kamlib.winloss.<name>``); the generated sentences
live in :mod:`kamlib.winloss.readings`, the charts in :mod:`kamlib.winloss.plots` and
the notebook's sections in :mod:`kamlib.winloss.sections`.
"""

from kamlib.winloss import plots, readings, sections
from kamlib.winloss.analysis import (
    GROUP_COLUMNS,
    PERFORMANCE,
    REASON_CAUSES,
    SHOWROOM_RATIOS,
    STAGES,
    GroupTest,
    add_context,
    addressable_losses,
    canonical_reasons,
    competitors,
    cycle_times,
    difference_test,
    funnel,
    group_columns,
    load_opportunities,
    loss_matrix,
    loss_reasons,
    performance_mix,
    reason_pareto,
    rep_performance,
    select,
    showroom_kpis,
    wilson_interval,
    win_rates,
    won_sources,
)
from kamlib.winloss.model import (
    FEATURES,
    backtest,
    calibration,
    fit_counts,
    weighted_pipeline,
    win_probability,
)

__all__ = [
    "FEATURES",
    "GROUP_COLUMNS",
    "PERFORMANCE",
    "REASON_CAUSES",
    "SHOWROOM_RATIOS",
    "STAGES",
    "GroupTest",
    "add_context",
    "addressable_losses",
    "backtest",
    "calibration",
    "canonical_reasons",
    "competitors",
    "cycle_times",
    "difference_test",
    "fit_counts",
    "funnel",
    "group_columns",
    "load_opportunities",
    "loss_matrix",
    "loss_reasons",
    "performance_mix",
    "plots",
    "readings",
    "reason_pareto",
    "rep_performance",
    "sections",
    "select",
    "showroom_kpis",
    "weighted_pipeline",
    "wilson_interval",
    "win_probability",
    "win_rates",
    "won_sources",
]
