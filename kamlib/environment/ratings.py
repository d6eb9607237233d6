"""Probability and impact of SWOT factors as people write them (``docs/environment.md``).

A factors file filled in by hand holds ``70%``, ``0.7`` or ``70`` for a probability
and ``4`` or ``高`` for an impact. :func:`parse_probability` and :func:`parse_impact`
turn each cell into a number on one scale (probability 0–1, impact on the file's own
scale, words on the sample's 1–5) or name the cells they cannot read — file, row,
column and the fix — so that no factor silently loses its place in the risk matrix.
An empty cell stays empty: the factor is unrated.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kamlib.errors import DataError

__all__ = ["IMPACT_WORDS", "PROBABILITY_WORDS", "parse_impact", "parse_probability"]

#: Probability words → fraction 0–1: ``medium`` is the default probability split (0.5),
#: so a medium probability counts as likely.
PROBABILITY_WORDS: dict[str, float] = {
    "high": 0.8, "高": 0.8, "medium": 0.5, "中": 0.5, "中等": 0.5, "low": 0.2, "低": 0.2,
}
#: Impact words → the sample's 1–5 impact scale: ``medium`` is the default impact split (3),
#: so a medium impact counts as high.
IMPACT_WORDS: dict[str, float] = {
    "high": 5.0, "高": 5.0, "medium": 3.0, "中": 3.0, "中等": 3.0, "low": 1.0, "低": 1.0,
}

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _text(value: object) -> str | None:
    """The cell as normalised text (full-width ``７０％`` → ``70%``), None when empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    return text or None


def _cells(positions: Sequence[int], rows: Sequence[int], values: Sequence[object]) -> str:
    return ", ".join(f"row {rows[i]} ({values[i]!r})" for i in positions[:5])


def _fail(source: str, column: str, rows: Sequence[int], values: Sequence[object], bad: Sequence[int], what: str,
          fix: str) -> DataError:
    return DataError(f"{source}, column '{column}': {len(bad)} cell(s) {what}: {_cells(bad, rows, values)}. {fix}",
                     source=source, column=column, rows=[rows[i] for i in bad[:5]], code="bad_rating")


def _read(values: pd.Series, words: Mapping[str, float], *, percent: bool) -> tuple[np.ndarray, list[int], list[int]]:
    """Each cell as a number: a word of *words*, a number, or (when *percent*) ``70%`` as 0.7.

    Returns the numbers (NaN for empty and unread cells), the positions of bare numbers and
    the positions of cells that could not be read.
    """
    out = np.full(len(values), np.nan)
    bare: list[int] = []
    unread: list[int] = []
    for i, cell in enumerate(values):
        text = _text(cell)
        if text is None:
            continue
        if text in words:
            out[i] = words[text]
        elif percent and text.endswith("%") and _NUMBER.fullmatch(text[:-1].strip()):
            out[i] = float(text[:-1]) / 100
        elif _NUMBER.fullmatch(text):
            out[i] = float(text)
            bare.append(i)
        else:
            unread.append(i)
    return out, bare, unread


def parse_probability(
    values: pd.Series,
    *,
    source: str = "factors",
    rows: Sequence[int] | None = None,
    words: Mapping[str, float] = PROBABILITY_WORDS,
) -> pd.Series:
    """Probabilities as fractions 0–1 from ``70%``, ``0.7``, ``70`` or a word (``高``, ``high``).

    Bare numbers are read column by column: all between 0 and 1 → fractions; any
    above 1 → every bare number is a percentage (0–100). Empty cells stay empty.

    Parameters
    ----------
    values : Series
        The cells of the ``probability`` column.
    source : str
        File name for the error message.
    rows : sequence of int, optional
        Row number of each cell in *source* (default: header = row 1, first value = row 2).
    words : mapping
        Word → fraction (:data:`PROBABILITY_WORDS`).

    Raises
    ------
    DataError
        Naming the cells (row and value) that are not a probability, above 100 %, or
        a fraction among percentages, and how to write them.

    Examples
    --------
    >>> parse_probability(pd.Series(["70%", "７５％", "高", "low", None])).tolist()
    [0.7, 0.75, 0.8, 0.2, nan]
    >>> parse_probability(pd.Series([0.7, 0.25])).tolist(), parse_probability(pd.Series(["70", "5"])).tolist()
    ([0.7, 0.25], [0.7, 0.05])
    """
    cells = list(values)
    rows = list(rows) if rows is not None else [i + 2 for i in range(len(cells))]
    out, bare, unread = _read(values, words, percent=True)
    fix = "Write each probability as 70%, 0.7 or high / medium / low (高 / 中 / 低)."
    if unread:
        raise _fail(source, "probability", rows, cells, unread, "are not a probability", fix)
    if any(out[i] > 1 for i in bare):
        fractions = [i for i in bare if 0 < out[i] < 1]
        if fractions:
            raise _fail(source, "probability", rows, cells, fractions,
                        "are fractions in a column of percentages (other cells are above 1)",
                        "Write every probability the same way: 70% or 0.7.")
        out[bare] = out[bare] / 100
    outside = [i for i in range(len(cells)) if out[i] < 0 or out[i] > 1]
    if outside:
        raise _fail(source, "probability", rows, cells, outside, "are outside 0–100 %", fix)
    return pd.Series(out, index=values.index, name=values.name, dtype="float64")


def parse_impact(
    values: pd.Series,
    *,
    source: str = "factors",
    rows: Sequence[int] | None = None,
    words: Mapping[str, float] = IMPACT_WORDS,
) -> pd.Series:
    """Impact ratings as numbers from a number (``4``, ``4.5``) or a word (``高``, ``medium``).

    Numbers keep the file's own scale; words are placed on the sample's 1–5 scale
    (:data:`IMPACT_WORDS`). Empty cells stay empty.

    Raises
    ------
    DataError
        Naming the cells (row and value) that are neither a number nor a word.

    Examples
    --------
    >>> parse_impact(pd.Series(["4", "高", "Medium", 2, None])).tolist()
    [4.0, 5.0, 3.0, 2.0, nan]
    """
    cells = list(values)
    rows = list(rows) if rows is not None else [i + 2 for i in range(len(cells))]
    out, _, unread = _read(values, words, percent=False)
    if unread:
        raise _fail(source, "impact", rows, cells, unread, "are not an impact rating",
                    "Write each impact as a number of your scale (the sample's is 1–5) or high / medium / low "
                    "(高 / 中 / 低).")
    return pd.Series(out, index=values.index, name=values.name, dtype="float64")
