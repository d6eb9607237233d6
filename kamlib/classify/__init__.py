"""Customer classification (客户分类): Pareto/ABC, the purchase-state grid, portfolio, profit
segments, selection score, whitespace, relationship stages, MAN and prospect temperature.

Computations are re-exported here (``kamlib.classify.<name>``); the generated sentences
live in :mod:`kamlib.classify.readings`, the charts in :mod:`kamlib.classify.plots` and
the notebook's sections in :mod:`kamlib.classify.sections`.
"""

from kamlib.classify import plots, readings, sections
from kamlib.classify.grades import (
    ABC_CLASSES,
    DEFAULT_GRID,
    PORTFOLIO,
    PROFIT_SEGMENTS,
    account_profit,
    derive_levels,
    grid_cells,
    grid_spec,
    grid_table,
    load_grid,
    pareto_abc,
    portfolio,
    profit_segments,
    segment_totals,
    top_share,
    whale_curve,
    xy_grade,
)
from kamlib.classify.prospects import (
    IMPORTANCE,
    MAN_ACTIONS,
    TEMPERATURES,
    man_qualify,
    man_summary,
    open_leads,
    prospect_temperature,
    temperature_matrix,
)
from kamlib.classify.scope import reference_day, scope
from kamlib.classify.selection import (
    SELECTION_WEIGHTS,
    STAGE_INDICATORS,
    STAGES,
    relationship_stages,
    selection_criteria,
    selection_score,
    stage_distribution,
    stage_group,
    trailing_revenue,
    whitespace,
    with_account_names,
)

__all__ = [
    "ABC_CLASSES",
    "DEFAULT_GRID",
    "IMPORTANCE",
    "MAN_ACTIONS",
    "PORTFOLIO",
    "PROFIT_SEGMENTS",
    "SELECTION_WEIGHTS",
    "STAGES",
    "STAGE_INDICATORS",
    "TEMPERATURES",
    "account_profit",
    "derive_levels",
    "grid_cells",
    "grid_spec",
    "grid_table",
    "load_grid",
    "man_qualify",
    "man_summary",
    "open_leads",
    "pareto_abc",
    "plots",
    "portfolio",
    "profit_segments",
    "prospect_temperature",
    "readings",
    "reference_day",
    "relationship_stages",
    "scope",
    "sections",
    "segment_totals",
    "selection_criteria",
    "selection_score",
    "stage_distribution",
    "stage_group",
    "temperature_matrix",
    "top_share",
    "trailing_revenue",
    "whale_curve",
    "whitespace",
    "with_account_names",
    "xy_grade",
]
