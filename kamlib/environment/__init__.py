"""Environment analysis (市场环境分析): market overview, BCG, Ansoff, SWOT, PEST, opportunity and
threat matrices, objectives check.

Computations are re-exported here (``kamlib.environment.<name>``); the generated sentences
live in :mod:`kamlib.environment.readings`, the charts in :mod:`kamlib.environment.plots` and
the notebook's sections in :mod:`kamlib.environment.sections`.
"""

from kamlib.environment import plots, readings, sections
from kamlib.environment.analysis import (
    ANSOFF_QUADRANTS,
    BCG_QUADRANTS,
    MACRO_CATEGORIES,
    MICRO_CATEGORIES,
    OBJECTIVE_KINDS,
    RISK_QUADRANTS,
    SWOT_KINDS,
    ansoff,
    bcg_matrix,
    check_objectives,
    factor_table,
    in_region,
    last_day,
    market_overview,
    needs,
    objectives_file,
    period,
    pest_coverage,
    read_factors,
    read_objectives,
    risk_matrix,
    swot,
)
from kamlib.environment.ratings import (
    IMPACT_WORDS,
    PROBABILITY_WORDS,
    parse_impact,
    parse_probability,
)

__all__ = [
    "ANSOFF_QUADRANTS",
    "BCG_QUADRANTS",
    "IMPACT_WORDS",
    "MACRO_CATEGORIES",
    "MICRO_CATEGORIES",
    "OBJECTIVE_KINDS",
    "PROBABILITY_WORDS",
    "RISK_QUADRANTS",
    "SWOT_KINDS",
    "ansoff",
    "bcg_matrix",
    "check_objectives",
    "factor_table",
    "in_region",
    "last_day",
    "market_overview",
    "needs",
    "objectives_file",
    "parse_impact",
    "parse_probability",
    "period",
    "pest_coverage",
    "plots",
    "read_factors",
    "read_objectives",
    "readings",
    "risk_matrix",
    "sections",
    "swot",
]
