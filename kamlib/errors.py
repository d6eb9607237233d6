"""Exception types shared by every kamlib module.

Every message follows one shape: *where* (file, column or parameter), *what* (what
was found next to what was expected, up to five rows) and *the fix*.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class KamlibError(Exception):
    """Base class of every error kamlib raises on purpose."""


class DataError(KamlibError, ValueError):
    """Input data that cannot be used as it is.

    Parameters
    ----------
    message : str
        The full, human-readable message.
    source : str, optional
        File (or DuckDB table) the problem was found in.
    column : str, optional
        Column concerned, as named in the file.
    rows : sequence of int, optional
        Row numbers in the file (header = row 1), at most five are shown.
    problems : sequence, optional
        Every problem found, when the error reports several at once.
    code : str, optional
        Machine-readable reason, e.g. ``missing_column`` or ``bad_date``.

    Examples
    --------
    >>> err = DataError("orders.csv: bad", source="orders.csv", column="revenue", rows=[3])
    >>> err.source, err.column, err.rows
    ('orders.csv', 'revenue', (3,))
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        column: str | None = None,
        rows: Sequence[int] = (),
        problems: Sequence[object] = (),
        code: str = "invalid",
    ) -> None:
        super().__init__(message)
        self.source = source
        self.column = column
        self.rows = tuple(rows)
        self.problems = tuple(problems)
        self.code = code


class ConfigError(KamlibError, ValueError):
    """A rule, parameter or configuration file that is not valid."""


class ReportError(KamlibError, RuntimeError):
    """A report run that could not be set up or completed."""


def require_columns(
    df: Any,
    columns: Sequence[str],
    *,
    purpose: str,
    table: str,
    fix: str = "Add it to the data or pass the column's name.",
) -> None:
    """Raise :class:`DataError` when *df* lacks one of *columns*, naming them and the columns it has.

    Parameters
    ----------
    df : DataFrame
        The table to check.
    columns : sequence of str
        The columns *purpose* needs.
    purpose : str
        What needs them (a function name), the start of the message.
    table : str
        The table's name in the data contract (``orders``, ``accounts`` …).
    fix : str
        The last sentence of the message: what the user can do.

    Raises
    ------
    DataError
        With ``column`` = the first missing column and ``code="missing_column"``.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], purpose="demo", table="orders")
    Traceback (most recent call last):
    ...
    kamlib.errors.DataError: demo: orders has no column 'b' (columns: a). Add it to the data or pass the column's name.
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(
            f"{purpose}: {table} has no column {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(map(str, df.columns))}). {fix}",
            source=table, column=missing[0], code="missing_column",
        )
