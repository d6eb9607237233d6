"""SQL expressions that turn a column as read from a file into its contract type.

Each column kind of :mod:`kamlib.data.schema` has one parse expression. Values are
parsed inside DuckDB, so millions of rows never pass through Python. A value is
*invalid* when it is present in the file but its parse gives NULL.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from kamlib import i18n
from kamlib.data.aliases import SEPARATORS, normalise, simplified_pairs
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


def trimmed(ref: str) -> str:
    """SQL giving the VARCHAR column *ref* without the spaces around it, NULL when blank, as ``_text`` does.

    ``TRIM`` writes a new copy of every string; most cells need none, so only a cell that
    is empty, begins or ends with a space or holds a character beyond ASCII (where a
    Unicode space such as U+3000 may sit) is trimmed, the others are kept as they are:
    about half the cost for a column of ids.

    Examples
    --------
    >>> import duckdb
    >>> rows = "(' A01 '), ('A02'), (''), ('\u3000'), ('\u3000客户\u3000'), (NULL)"
    >>> duckdb.sql(f"SELECT {trimmed('x')} FROM (VALUES {rows}) t(x)").fetchall()
    [('A01',), ('A02',), (None,), (None,), ('客户',), (None,)]
    """
    return (f"(CASE WHEN {ref} = '' OR prefix({ref}, ' ') OR suffix({ref}, ' ') OR strlen({ref}) <> length({ref}) "
            f"THEN NULLIF(TRIM({ref}), '') ELSE {ref} END)")


def present(ref: str) -> str:
    """Predicate: the cell holds something (not NULL, not blank)."""
    return f"({_text(ref)} IS NOT NULL)"


def _number(ref: str, dtype: str, decimal: str = ".") -> str:
    if _is_numeric(dtype):
        return f"CAST({ref} AS DOUBLE)"
    return number_text(_text(ref), decimal)


def number_text(text: str, decimal: str = ".") -> str:
    """SQL reading the trimmed text *text* as a finite number written with the decimal mark *decimal*.

    Currency signs and spaces are dropped. With ``"."`` a comma (or ``，``) may only
    separate groups of three digits (``1,234.5``); with ``","`` a point does
    (``1.234,5``). Anything else — ``12,5`` when the mark is a point, ``NaN``,
    ``inf``, ``1e400`` — gives NULL, so the check names the cell instead of a wrong
    number being read. A plain number (``1234.5``, ``1e3``) takes a quick path.

    Examples
    --------
    >>> import duckdb
    >>> rows = "('1,234.50'), ('12,5'), ('¥99'), ('NaN'), ('1e400'), ('-3'), ('1，000')"
    >>> duckdb.sql(f"SELECT {number_text('x')} FROM (VALUES {rows}) t(x)").fetchall()
    [(1234.5,), (None,), (99.0,), (None,), (None,), (-3.0,), (1000.0,)]
    >>> rows = "('1.234,50'), ('12,5'), ('1.000'), ('1,234.5')"
    >>> duckdb.sql(f"SELECT {number_text('x', ',')} FROM (VALUES {rows}) t(x)").fetchall()
    [(1234.5,), (12.5,), (1000.0,), (None,)]
    """
    cleaned = f"regexp_replace({text}, '[¥￥$€元\\s\\x{{00A0}}\\x{{202F}}]', '', 'g')"
    if decimal == ",":
        grammar = "[-+]?(\\d{1,3}(\\.\\d{3}){1,99}|\\d{1,300})(,\\d+)?"
        value = f"TRY_CAST(replace(replace({cleaned}, '.', ''), ',', '.') AS DOUBLE)"
        return f"(CASE WHEN regexp_full_match({cleaned}, '{grammar}') THEN {value} END)"
    # digits are bounded so that no text reaching the cast overflows to infinity
    grammar = "[-+]?(\\d{1,3}([,，]\\d{3}){1,99}|\\d{1,300})?(\\.\\d+)?"
    value = f"TRY_CAST(replace(replace({cleaned}, ',', ''), '，', '') AS DOUBLE)"
    grouped = f"CASE WHEN regexp_full_match({cleaned}, '{grammar}') THEN {value} END"
    plain = f"TRY_CAST({text} AS DOUBLE)"
    return f"(CASE WHEN isfinite({plain}) THEN {plain} WHEN {plain} IS NULL THEN {grouped} END)"


def not_finite(ref: str) -> str:
    """Predicate: a column read as a float holds NaN or an infinity (never a usable number).

    Examples
    --------
    >>> import duckdb
    >>> duckdb.sql(f"SELECT {not_finite('x')} FROM (VALUES (1.5), ('nan'::DOUBLE), ('inf'::DOUBLE)) t(x)").fetchall()
    [(False,), (True,), (True,)]
    """
    return f"(NOT isfinite({ref}))"


def _whole(ref: str, dtype: str, low: int | None = None, high: int | None = None, decimal: str = ".") -> str:
    value = _number(ref, dtype, decimal)
    bounds = "".join(
        [f" AND {value} >= {low}" if low is not None else "", f" AND {value} <= {high}" if high is not None else ""]
    )
    return f"CASE WHEN {value} = floor({value}){bounds} THEN TRY_CAST({value} AS BIGINT) END"


def _date(ref: str, dtype: str, zone: str | None = None, date_format: str | None = None) -> str:
    if dtype == "DATE":
        return ref
    if dtype == "TIMESTAMP WITH TIME ZONE":  # the date in the timestamp's own zone, whatever the computer's
        offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", zone or "")
        if offset:  # a fixed offset such as +08:00
            minutes = (1 if offset[1] == "+" else -1) * (int(offset[2]) * 60 + int(offset[3]))
            return f"CAST(timezone('UTC', {ref}) + INTERVAL ({minutes}) MINUTE AS DATE)"
        return f"CAST(timezone({literal(zone or 'UTC')}, {ref}) AS DATE)"
    if dtype.startswith("TIMESTAMP"):
        return f"CAST({ref} AS DATE)"
    serial = _number(ref, dtype)
    excel = (
        f"CASE WHEN {serial} BETWEEN 1 AND {EXCEL_MAX_SERIAL} AND {serial} = floor({serial})"
        f" THEN {EXCEL_EPOCH} + CAST({serial} AS INTEGER) END"
    )
    if _is_numeric(dtype):
        return excel
    formats = "[" + ", ".join(literal(f) for f in ((date_format,) if date_format else ()) + DATE_FORMATS) + "]"
    text = _text(ref)
    return (
        f"CASE WHEN regexp_full_match({text}, '\\d{{1,7}}(\\.0+)?') THEN {excel}"
        f" ELSE CAST(TRY_STRPTIME({text}, {formats}) AS DATE) END"
    )


def no_date(value: str, raw: str | None, no_dates: tuple[str, ...]) -> str:
    """Predicate: a date cell holds a "no date" value (``9999-12-31``, ``0000-00-00`` …).

    *value* is the parsed date; *raw* the text as read (None when the file typed the
    column as dates). Values that are dates compare as dates, others (``0000-00-00``)
    as text.

    Examples
    --------
    >>> import duckdb
    >>> sql = no_date("CAST(TRY_CAST(x AS DATE) AS DATE)", "x", ("9999-12-31", "0000-00-00"))
    >>> duckdb.sql(f"SELECT {sql} FROM (VALUES ('9999-12-31'), ('0000-00-00'), ('2024-03-05')) t(x)").fetchall()
    [(True,), (True,), (False,)]
    """
    dates, words = [], []
    for item in no_dates:
        try:
            dates.append(f"DATE {literal(dt.date.fromisoformat(item).isoformat())}")
        except ValueError:
            words.append(literal(item))
    terms = [f"{value} IN ({', '.join(dates)})"] if dates else []
    if words and raw is not None:
        terms.append(f"({value} IS NULL AND {_text(raw)} IN ({', '.join(words)}))")
    return "coalesce(" + (" OR ".join(terms) or "FALSE") + ", FALSE)"


def outside(value: str, dates: tuple[str, str]) -> str:
    """Predicate: a parsed date lies outside the plausible range *dates* (earliest, latest)."""
    return f"({value} NOT BETWEEN DATE {literal(dates[0])} AND DATE {literal(dates[1])})"


def _bool(ref: str, dtype: str) -> str:
    if dtype == "BOOLEAN":
        return ref
    word = f"lower({_text(ref)})"
    yes = ", ".join(literal(w) for w in TRUE_WORDS)
    no = ", ".join(literal(w) for w in FALSE_WORDS)
    return f"CASE WHEN {word} IN ({yes}) THEN TRUE WHEN {word} IN ({no}) THEN FALSE END"


def value_key(text: str) -> str:
    """SQL normalising the text *text* as :func:`kamlib.data.aliases.normalise` does.

    Lower case, Traditional characters as Simplified, every run of spaces, hyphens and
    underscores as one ``_``: ``Closed Won``, ``closed-won`` and ``CLOSED_WON`` match
    one alias.

    Examples
    --------
    >>> import duckdb
    >>> rows = "(' Closed Won '), ('closed-won'), ('In  Progress'), ('贏單')"
    >>> duckdb.sql(f"SELECT {value_key('x')} FROM (VALUES {rows}) t(x)").fetchall()
    [('closed_won',), ('closed_won',), ('in_progress',), ('赢单',)]
    """
    old, new = simplified_pairs()
    return f"regexp_replace(translate(lower(trim({text})), {literal(old)}, {literal(new)}), {literal(SEPARATORS)}, '_', 'g')"


def _enum(ref: str, allowed: tuple[str, ...], aliases: Mapping[str, str]) -> str:
    word = value_key(_text(ref))
    pairs = {normalise(a): a for a in allowed} | {normalise(k): v for k, v in aliases.items() if v in allowed}
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in sorted(pairs.items()))
    return f"CASE {word} {cases} END"


def expression(column: Column, ref: str, dtype: str, aliases: Mapping[str, str] | None = None, *,
               decimal: str = ".", zone: str | None = None, date_format: str | None = None) -> str:
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
    decimal : {".", ","}
        Decimal mark of numbers written as text.
    zone : str, optional
        Time zone of a ``TIMESTAMP WITH TIME ZONE`` column (UTC when None): the
        date is the one in that zone.
    date_format : str, optional
        Format of text dates (``%d/%m/%Y``), tried before the built-in ones.

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
    >>> sql = expression(Column("d", "date"), "x", "VARCHAR", date_format="%d/%m/%Y")
    >>> duckdb.sql(f"SELECT {sql} FROM (VALUES ('05/03/2024'), ('2024-03-05')) t(x)").fetchall()
    [(datetime.date(2024, 3, 5),), (datetime.date(2024, 3, 5),)]
    """
    kind = column.kind
    if kind == "date":
        return _date(ref, dtype, zone, date_format)
    if kind == "number":
        return _number(ref, dtype, decimal)
    if kind == "count":
        return _whole(ref, dtype, decimal=decimal)
    if kind == "level":
        return _whole(ref, dtype, 0, 4, decimal)
    if kind == "bool":
        return _bool(ref, dtype)
    if kind == "enum":
        return _enum(ref, column.allowed, aliases or {})
    return trimmed(ref) if dtype == "VARCHAR" else _text(ref)


def expected(column: Column, lang: str = "en") -> str:
    """Describe, for an error message, what *column* accepts.

    Examples
    --------
    >>> from kamlib.data.schema import Column
    >>> expected(Column("status", "enum", allowed=("won", "lost", "open")))
    'one of won, lost, open'
    >>> expected(Column("n", "count"), "zh")
    '整数（如 12）'
    """
    if column.kind == "enum":
        return i18n.t("data.expected.enum", lang, allowed=i18n.join(column.allowed, lang))
    kind = column.kind if i18n.has(f"data.expected.{column.kind}") else "text"
    return i18n.t(f"data.expected.{kind}", lang)


#: Values Excel writes for a formula that failed (error cells, or their text in a CSV file).
EXCEL_ERRORS = ("#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA")


def label_variants(labels: tuple[str, ...]) -> list[str]:
    """Every spelling of total labels that an exact comparison must match.

    Upper, lower and title case; a trailing ``:`` or ``：``; Chinese labels with a
    space between their characters (``合 计``) and in Traditional characters (``合計``).

    Examples
    --------
    >>> v = label_variants(("合计", "total"))
    >>> all(x in v for x in ("合计", "合 计", "合計：", "Total", "TOTAL:", "total"))
    True
    """
    from kamlib.data.aliases import traditional

    words: set[str] = set()
    for label in labels:
        forms = {label, label.lower(), label.upper(), label.title(), label.capitalize()}
        if any(ord(c) > 0x2E80 for c in label):
            forms |= set(traditional(label))
            forms |= {sep.join(form) for form in forms for sep in (" ", "\u3000")}
        words |= {f"{form}{end}" for form in forms for end in ("", ":", "：")}
    return sorted(words)


_SURE_COMMA = re.compile(r"[-+]?(\d{1,3}(\.\d{3}){2,}(,\d+)?|\d{1,3}(\.\d{3})+,\d+|\d+,(\d{1,2}|\d{4,}))")
_SURE_POINT = re.compile(r"[-+]?(\d{1,3}(,\d{3}){2,}(\.\d+)?|\d{1,3}(,\d{3})+\.\d+|\d+\.(\d{1,2}|\d{4,}))")
_EITHER = re.compile(r"[-+]?\d{1,3}[.,]\d{3}")


def decimal_sign(text: str) -> str | None:
    """What one number cell says about the decimal mark: ``"."``, ``","``, ``"?"`` (either) or None.

    Examples
    --------
    >>> [decimal_sign(v) for v in ("1.234,50", "12,5", "1,234.50", "0.99", "1,234", "1.234", "12", "A01")]
    [',', ',', '.', '.', '?', '?', None, None]
    """
    value = re.sub(r"[¥￥$€元\s\u00a0\u202f]", "", text)
    if _SURE_COMMA.fullmatch(value):
        return ","
    if _SURE_POINT.fullmatch(value):
        return "."
    return "?" if _EITHER.fullmatch(value) else None


def decimal_mark(columns: Mapping[str, list[str]], delim: str) -> tuple[str, dict[str, list[str]]]:
    """The decimal mark of a CSV file, from a sample of its number columns (``{header: cells}``).

    Returns ``(mark, examples)``: mark ``"."`` or ``","``, or ``"mixed"`` (both are
    used) or ``"ambiguous"`` (only numbers such as ``1,234`` that read either way, in a
    file separated by ``;`` — the separator of the countries that write a decimal
    comma); *examples* are the cells that show it, by column.

    Examples
    --------
    >>> decimal_mark({"金额": ["1.234,50", "12,5"]}, ";")[0], decimal_mark({"金额": ["1,234", "800.5"]}, ",")[0]
    (',', '.')
    >>> decimal_mark({"金额": ["1,234", "2,500"]}, ";")
    ('ambiguous', {'金额': ['1,234', '2,500']})
    """
    signs: dict[str, dict[str, list[str]]] = {".": {}, ",": {}, "?": {}}
    for header, cells in columns.items():
        for cell in cells:
            sign = decimal_sign(cell)
            if sign and len(signs[sign].setdefault(header, [])) < 3:
                signs[sign][header].append(cell)
    if signs["."] and signs[","]:
        return "mixed", {h: signs["."].get(h, []) + signs[","].get(h, []) for h in columns
                         if h in signs["."] or h in signs[","]}
    if signs[","]:
        return ",", signs[","]
    if signs["?"] and not signs["."] and delim == ";":
        return "ambiguous", signs["?"]
    return ".", signs["."]
