"""Read, map and validate input data (the data contract: :mod:`kamlib.data.schema`).

>>> import kamlib.data as kd
>>> ds = kd.load()          # the embedded sample
>>> orders = ds.table("orders")
>>> orders.columns[:3].tolist()
['account_id', 'order_date', 'revenue']
"""

from kamlib.data.dataset import Dataset, load, sample_dir, validate
from kamlib.data.problems import Problem, ValidationReport
from kamlib.data.schema import TABLES
from kamlib.errors import DataError

__all__ = ["TABLES", "DataError", "Dataset", "Problem", "ValidationReport", "load", "sample_dir", "validate"]
