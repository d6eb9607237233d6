"""Data overview (数据概览): what tables there are, for which period, and where revenue comes from.

Computations are re-exported here (``kamlib.overview.<name>``); the closing sentences
live in :mod:`kamlib.overview.readings` and the notebook's sections in
:mod:`kamlib.overview.sections`.
"""

from kamlib.overview import readings, sections
from kamlib.overview.analysis import needs, revenue_by, revenue_by_month, table_overview

__all__ = ["needs", "readings", "revenue_by", "revenue_by_month", "sections", "table_overview"]
