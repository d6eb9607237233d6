"""SQL expressions that turn a column as read from a file into its contract type.

Each column kind of :mod:`kamlib.data.schema` has one parse expression. Values are
parsed inside DuckDB, so millions of rows never pass through Python. A value is
*invalid* when it is present in the file but its parse gives NULL.
"""

from __future__ import annotations

from collections.abc import Mapping

from kamlib.data.schema import Column

DATE_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d",
    "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y-%m", "%Y/%m", "%Y年%m月",
)
TRUE_WORDS = ("true", "t", "yes", "y", "1", "1.0", "是", "有", "对", "√", "✓", "x")
FALSE_WORDS = ("false", "f", "no", "n", "0", "0.0", "否", "无", "没有", "×")
EXCEL_EPOCH = "DATE '1899-12-30'"
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                 "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL")
INTEGER_TYPES = NUMERIC_TYPES[:8]


def quote(name: str) -> str:
    """Quote an identifier for DuckDB.

    Examples
    --------
    >>> print(quote("金额"))
    "金额"
    """
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """Quote a string literal for DuckDB.

    Examples
    --------
    >>> literal("it's")
    "'it''s'"
    """
    return "'" + text.replace("'", "''") + "'"


def _is_numeric(dtype: str) -> bool:
    return dtype.startswith("DECIMAL") or dtype in NUMERIC_TYPES


def _text(ref: str) -> str:
    return f"NULLIF(TRIM(CAST({ref} AS VARCHAR)), '')"


def present(ref: str) -> str:
    """Predicate: the cell holds something (not NULL, not blank)."""
    return f"({_text(ref)} IS NOT NULL)"


def _number(ref: str, dtype: str) -> str:
    if _is_numeric(dtype):
        return f"CAST({ref} AS DOUBLE)"
    cleaned = f"regexp_replace({_text(ref)}, '[,，¥￥$元\\s]', '', 'g')"
    return f"TRY_CAST({cleaned} AS DOUBLE)"


def _whole(ref: str, dtype: str, low: int | None = None, high: int | None = None) -> str:
    value = _number(ref, dtype)
    bounds = "".join(
        [f" AND {value} >= {low}" if low is not None else "", f" AND {value} <= {high}" if high is not None else ""]
    )
    return f"CASE WHEN {value} = floor({value}){bounds} THEN CAST({value} AS BIGINT) END"


def _date(ref: str, dtype: str) -> str:
    if dtype == "DATE":
        return ref
    if dtype.startswith("TIMESTAMP"):
        return f"CAST({ref} AS DATE)"
    serial = _number(ref, dtype)
    excel = (
        f"CASE WHEN {serial} BETWEEN 1 AND {EXCEL_MAX_SERIAL} AND {serial} = floor({serial})"
        f" THEN {EXCEL_EPOCH} + CAST({serial} AS INTEGER) END"
    )
    if _is_numeric(dtype):
        return excel
    formats = "[" + ", ".join(literal(f) for f in DATE_FORMATS) + "]"
    text = _text(ref)
    return (
        f"CASE WHEN regexp_full_match({text}, '\\d{{1,7}}(\\.0+)?') THEN {excel}"
        f" ELSE CAST(TRY_STRPTIME({text}, {formats}) AS DATE) END"
    )


def _bool(ref: str, dtype: str) -> str:
    if dtype == "BOOLEAN":
        return ref
    word = f"lower({_text(ref)})"
    yes = ", ".join(literal(w) for w in TRUE_WORDS)
    no = ", ".join(literal(w) for w in FALSE_WORDS)
    return f"CASE WHEN {word} IN ({yes}) THEN TRUE WHEN {word} IN ({no}) THEN FALSE END"


def _enum(ref: str, allowed: tuple[str, ...], aliases: Mapping[str, str]) -> str:
    word = f"lower({_text(ref)})"
    pairs = {a.lower(): a for a in allowed} | {k.lower(): v for k, v in aliases.items() if v in allowed}
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in sorted(pairs.items()))
    return f"CASE {word} {cases} END"


def expression(column: Column, ref: str, dtype: str, aliases: Mapping[str, str] | None = None) -> str:
    """SQL that parses the file column *ref* (DuckDB type *dtype*) as *column*'s kind.

    Parameters
    ----------
    column : Column
        Contract column (its kind, bounds and allowed values).
    ref : str
        Quoted column reference in the raw relation.
    dtype : str
        DuckDB type the column was read with (``VARCHAR`` for text files).
    aliases : mapping, optional
        Value aliases for enum columns (``{"赢单": "won"}``).

    Returns
    -------
    str
        A SQL expression; NULL where the value is missing or cannot be parsed.

    Examples
    --------
    >>> import duckdb
    >>> from kamlib.data.schema import Column
    >>> sql = expression(Column("d", "date"), "x", "VARCHAR")
    >>> duckdb.sql(f"SELECT {sql} FROM (VALUES ('2024年3月5日'), ('2024/3/5'), ('45356')) t(x)").fetchall()
    [(datetime.date(2024, 3, 5),), (datetime.date(2024, 3, 5),), (datetime.date(2024, 3, 5),)]
    """
    kind = column.kind
    if kind == "date":
        return _date(ref, dtype)
    if kind == "number":
        return _number(ref, dtype)
    if kind == "count":
        return _whole(ref, dtype)
    if kind == "level":
        return _whole(ref, dtype, 0, 4)
    if kind == "bool":
        return _bool(ref, dtype)
    if kind == "enum":
        return _enum(ref, column.allowed, aliases or {})
    return _text(ref)


EXPECTED = {
    "date": "a date such as 2024-03-05, 2024/3/5, 2024年3月5日 or an Excel date number",
    "number": "a number such as 1234.5",
    "count": "a whole number such as 12",
    "level": "a whole number from 0 to 4",
    "bool": "yes/no (true/false, 1/0, 是/否)",
}


def expected(column: Column) -> str:
    """Describe, for an error message, what *column* accepts.

    Examples
    --------
    >>> from kamlib.data.schema import Column
    >>> expected(Column("status", "enum", allowed=("won", "lost", "open")))
    'one of won, lost, open'
    """
    if column.kind == "enum":
        return "one of " + ", ".join(column.allowed)
    return EXPECTED.get(column.kind, "text")
