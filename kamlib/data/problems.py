"""Problems found in input data, and the report ``kam validate`` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from kamlib.errors import DataError

MAX_ROWS = 5


@dataclass(frozen=True)
class Problem:
    """One problem in one table.

    Attributes
    ----------
    severity : {"error", "warning", "note"}
        Errors stop :func:`kamlib.data.load` (unless rows are excluded); warnings
        are reported and the data is used; notes say what the loader did on its own
        (rows that are not records left out, "no date" values read as empty).
    code : str
        Machine-readable kind, e.g. ``missing_column``, ``bad_date``, ``negative``.
    source : str
        File (or ``database:table``) the problem is in.
    message : str
        Full sentence: where, what was found next to what was expected, and the fix.
    column : str or None
        Column as named in the file.
    rows : tuple of int
        Up to five row numbers in the file (header = row 1).
    count : int
        Number of rows affected (0 for problems with a whole file or column).
    """

    severity: str
    code: str
    source: str
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    count: int = 0

    def error(self) -> DataError:
        """This problem as an exception."""
        return DataError(self.message, source=self.source, column=self.column, rows=self.rows,
                         problems=[self], code=self.code)


def row_list(rows: Sequence[int], count: int) -> str:
    """Describe example rows, e.g. ``rows 3, 8 and 11`` or ``rows 3, 4, 5, 6, 7 (of 40)``.

    Examples
    --------
    >>> row_list([3], 1)
    'row 3'
    >>> row_list([3, 4, 5, 6, 7], 40)
    'rows 3, 4, 5, 6, 7 (and 35 more)'
    """
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS])
    more = f" (and {count - len(rows[:MAX_ROWS])} more)" if count > len(rows[:MAX_ROWS]) else ""
    return f"row{'s' if count > 1 else ''} {shown}{more}"


def shown(values: Sequence[object]) -> str:
    """Cell values as a message shows them: text quoted, numbers and dates plain.

    Examples
    --------
    >>> from decimal import Decimal
    >>> shown(["abc", Decimal("-2.0"), None, 3.5, -1.0])
    "'abc', -2.0, empty, 3.5, -1"
    """
    return ", ".join(_shown(v) for v in values)


def _shown(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class ValidationReport:
    """Everything :func:`kamlib.data.validate` found.

    Attributes
    ----------
    source : str
        What was checked.
    problems : list of Problem
    tables : dict
        ``{table: (rows in file, rows usable)}`` for each table that could be read.
    """

    source: str
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        """Problems of severity ``note``: what the loader did on its own, counted."""
        return [p for p in self.problems if p.severity == "note"]

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors

    def frame(self) -> pd.DataFrame:
        """The problems as a table (one row per problem)."""
        columns = ["severity", "code", "source", "column", "count", "rows", "message"]
        return pd.DataFrame([{c: getattr(p, c) for c in columns} for p in self.problems], columns=columns)

    def format(self) -> str:
        """A readable report: tables and row counts, then every problem.

        Examples
        --------
        >>> print(ValidationReport("data/", tables={"orders": (10, 10)}).format())
        Checked data/
          orders           10 rows
        No problems found.
        """
        lines = [f"Checked {self.source}"]
        lines += [f"  {name:<14} {n_in:>4,} rows" + (f" ({n_in - n_ok:,} left out)" if n_ok != n_in else "")
                  for name, (n_in, n_ok) in self.tables.items()]
        if not self.problems:
            return "\n".join([*lines, "No problems found."])
        order = {"error": 0, "warning": 1, "note": 2}
        for p in sorted(self.problems, key=lambda p: order.get(p.severity, 1)):
            lines.append(f"{p.severity.upper()}: {p.message}")
        notes = f", {len(self.notes)} note(s)" if self.notes else ""
        lines.append(f"{len(self.errors)} error(s), {len(self.warnings)} warning(s){notes}.")
        return "\n".join(lines)

    def raise_errors(self) -> None:
        """Raise one :class:`DataError` listing every error (if there are any)."""
        errors = self.errors
        if not errors:
            return
        if len(errors) == 1:
            raise errors[0].error()
        first = errors[0]
        text = f"{len(errors)} problems in {self.source}:\n" + "\n".join(f"- {p.message}" for p in errors)
        raise DataError(text, source=first.source, column=first.column, rows=first.rows,
                        problems=errors, code=first.code)
