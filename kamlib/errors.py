"""Exception types shared by every kamlib module.

Every message follows one shape: *where* (file, column or parameter), *what* (what
was found next to what was expected, up to five rows) and *the fix*.
"""

from __future__ import annotations

from collections.abc import Sequence


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
