"""Problems found in input data, and the report ``kam validate`` prints.

Every message is written in English and in Chinese when the problem is found, from
one template per kind of problem in ``kamlib/labels.csv`` (keys ``data.msg.*``, with
the pieces they share under ``data.*``): :func:`problem` fills a template in both
languages, and :meth:`Problem.text`, :meth:`ValidationReport.format` and
:meth:`ValidationReport.raise_errors` speak the language asked for. The cache keeps
both, so a report read back from it speaks either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from kamlib import i18n
from kamlib.errors import ConfigError, DataError

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS = 5
#: Distinct bad values a message lists (each with its count and first rows); the rest are counted.
MAX_VALUES = 12
#: Rows shown for each bad value.
VALUE_ROWS = 3
#: Text in both languages: ``{"en": ..., "zh": ...}``.
Text = dict[str, str]


def say(key: str, /, **values: object) -> Text:
    """Fill the label template *key* in every language.

    A value that is itself a :data:`Text` gives each language its own words.

    Examples
    --------
    >>> say("data.rows_one", rows="7")
    {'en': 'row 7', 'zh': '第 7 行'}
    """
    return {lang: i18n.t(key, lang, **{k: v[lang] if isinstance(v, Mapping) else v for k, v in values.items()})
            for lang in i18n.LANGS}


class ConfigProblem(ConfigError):
    """A :class:`~kamlib.errors.ConfigError` written in every language: ``str()`` gives *lang*'s text.

    :func:`kamlib.data.load` and :func:`kamlib.data.validate` raise it again in the
    language they were asked for (:meth:`speak`).

    Examples
    --------
    >>> err = config_error("data.config.dates_order", low="2024-01-01", high="2020-01-01")
    >>> str(err)
    'reading: dates [2024-01-01, 2020-01-01]: the earliest date comes after the latest.'
    >>> str(err.speak("zh"))
    'reading: dates [2024-01-01, 2020-01-01]：最早的日期晚于最晚的日期。'
    """

    def __init__(self, texts: Text, lang: str = "en") -> None:
        super().__init__(texts[lang])
        self.texts = texts
        self.lang = lang

    def __reduce__(self) -> tuple[type[ConfigProblem], tuple[Text, str]]:
        return ConfigProblem, (self.texts, self.lang)

    def speak(self, lang: str) -> ConfigProblem:
        """The same error, its message in *lang*."""
        return ConfigProblem(self.texts, i18n.check_lang(lang))


def config_error(key: str, /, **values: object) -> ConfigProblem:
    """A :class:`ConfigProblem` whose message is the template *key* filled with *values* (see :func:`say`)."""
    return ConfigProblem(say(key, **values))


def join(parts: Sequence[Text], sep: Text | None = None) -> Text:
    """Join texts language by language (``"; "`` and ``"；"`` by default).

    Examples
    --------
    >>> join([{"en": "a", "zh": "甲"}, {"en": "b", "zh": "乙"}])
    {'en': 'a; b', 'zh': '甲；乙'}
    """
    sep = sep or {"en": "; ", "zh": "；"}
    return {lang: sep[lang].join(p[lang] for p in parts) for lang in i18n.LANGS}


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
    zh : str
        The message in Chinese (empty for the few messages written in English only;
        :meth:`text` then gives the English one).
    """

    severity: str
    code: str
    source: str
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    count: int = 0
    zh: str = ""

    def text(self, lang: str = "en") -> str:
        """The message in *lang* (``"en"`` or ``"zh"``).

        Examples
        --------
        >>> p = problem("warning", "no_rows", "orders.csv", "data.msg.no_rows", file="orders.csv", table="orders")
        >>> p.text("zh").startswith("orders.csv：")
        True
        """
        i18n.check_lang(lang)
        return self.zh if lang == "zh" and self.zh else self.message

    def error(self, lang: str = "en") -> DataError:
        """This problem as an exception, its message in *lang*."""
        return DataError(self.text(lang), source=self.source, column=self.column, rows=self.rows,
                         problems=[self], code=self.code)


def problem(severity: str, code: str, source: str, key: str, /, *, column: str | None = None,
            rows: Sequence[int] = (), count: int = 0, **values: object) -> Problem:
    """A :class:`Problem` whose message is the template *key* filled with *values* (see :func:`say`).

    Examples
    --------
    >>> p = problem("warning", "no_rows", "orders.csv", "data.msg.no_rows", file="orders.csv", table="orders")
    >>> p.message.startswith("orders.csv: the file has a header but no rows")
    True
    """
    text = say(key, **values)
    return Problem(severity, code, source, text["en"], column, tuple(rows), count, zh=text["zh"])


def with_text(found: Problem, extra: Text) -> Problem:
    """*found* with the sentence *extra* added to its message, in each language."""
    return replace(found, message=f"{found.message} {extra['en']}", zh=f"{found.zh or found.message}{extra['zh']}")


def row_list(rows: Sequence[int], count: int, lang: str = "en") -> str:
    """Describe example rows, e.g. ``rows 3, 8 and 11`` or ``rows 3, 4, 5, 6, 7 (of 40)``.

    Examples
    --------
    >>> row_list([3], 1)
    'row 3'
    >>> row_list([3, 4, 5, 6, 7], 40)
    'rows 3, 4, 5, 6, 7 (and 35 more)'
    >>> row_list([3, 4], 9, "zh")
    '第 3、4 行（另有 7 行）'
    """
    return rows_text(rows, count)[lang]


def rows_text(rows: Sequence[int], count: int, limit: int = MAX_ROWS) -> Text:
    """:func:`row_list` in both languages, showing up to *limit* rows."""
    more = count - len(rows[:limit])
    text = {}
    for lang in i18n.LANGS:
        sep = "、" if lang == "zh" else ", "
        shown_rows = sep.join(str(r) for r in rows[:limit])
        key = "data.rows_one" if count == 1 else "data.rows_many"
        text[lang] = i18n.t(key, lang, rows=shown_rows)
        if more > 0:
            text[lang] = i18n.t("data.rows_more", lang, shown=text[lang], more=i18n.format_count(more, lang))
    return text


def shown(values: Sequence[object], lang: str = "en") -> str:
    """Cell values as a message shows them: text quoted, numbers and dates plain.

    Examples
    --------
    >>> from decimal import Decimal
    >>> shown(["abc", Decimal("-2.0"), None, 3.5, -1.0])
    "'abc', -2.0, empty, 3.5, -1"
    >>> shown(["abc", None], "zh")
    "'abc'、空"
    """
    return shown_text(values)[lang]


def shown_text(values: Sequence[object]) -> Text:
    """:func:`shown` in both languages."""
    return {lang: ("、" if lang == "zh" else ", ").join(_shown(v, lang) for v in values) for lang in i18n.LANGS}


def _shown(value: object, lang: str = "en") -> str:
    if value is None:
        return i18n.t("data.empty", lang)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def quoted(names: Sequence[str]) -> Text:
    """Names quoted and listed, e.g. ``'manager', 'employees'`` / ``'manager'、'employees'``.

    Examples
    --------
    >>> quoted(["a", "b"])["zh"]
    "'a'、'b'"
    """
    return shown_text(list(names))


def value_list(groups: Sequence[tuple[object, int, Sequence[int]]], distinct: int, count: int) -> Text:
    """Every bad value (up to :data:`MAX_VALUES`) with its count and first rows, and how many more.

    *groups* are ``(value, rows with it, its first rows)`` in order of first
    appearance; *distinct* and *count* are the numbers of distinct values and of rows.

    Examples
    --------
    >>> value_list([("Engaging", 3, [2, 5, 9]), ("Prospecting", 1, [7])], 2, 4)["en"]
    "'Engaging' in rows 2, 5, 9; 'Prospecting' in row 7"
    >>> value_list([("x", 2, [2, 3])], 30, 90)["zh"]
    "'x'：第 2、3 行；另有 29 个值（88 行）"
    """
    parts = [say("data.value_rows", value=shown_text([value]), where=rows_text(rows, n, VALUE_ROWS))
             for value, n, rows in groups[:MAX_VALUES]]
    if distinct > len(parts):
        rest = count - sum(n for _, n, _ in groups[:MAX_VALUES])
        parts.append(say("data.more_values", n=distinct - len(parts), rows=rest))
    return join(parts)


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
        import pandas as pd

        columns = ["severity", "code", "source", "column", "count", "rows", "message"]
        return pd.DataFrame([{c: getattr(p, c) for c in columns} for p in self.problems], columns=columns)

    def format(self, lang: str = "en") -> str:
        """A readable report in *lang*: tables and row counts, then every problem.

        Examples
        --------
        >>> print(ValidationReport("data/", tables={"orders": (10, 10)}).format())
        Checked data/
          orders           10 rows
        No problems found.
        >>> print(ValidationReport("data/", tables={"orders": (10, 8)}).format("zh"))
        已检查 data/
          orders           10 行（2 行被排除）
        未发现问题。
        """
        i18n.check_lang(lang)
        lines = [i18n.t("data.checked", lang, source=self.source)]
        for name, (n_in, n_ok) in self.tables.items():
            key = "data.table_rows" if n_ok == n_in else "data.table_left_out"
            lines.append(f"  {name:<14} " + i18n.t(key, lang, rows=f"{n_in:>4,}", n=f"{n_in - n_ok:,}"))
        if not self.problems:
            return "\n".join([*lines, i18n.t("data.no_problems", lang)])
        order = {"error": 0, "warning": 1, "note": 2}
        for p in sorted(self.problems, key=lambda p: order.get(p.severity, 1)):
            lines.append(i18n.t(f"data.severity.{p.severity}", lang, message=p.text(lang)))
        lines.append(i18n.t("data.totals_notes" if self.notes else "data.totals", lang, errors=len(self.errors),
                            warnings=len(self.warnings), notes=len(self.notes)))
        return "\n".join(lines)

    def raise_errors(self, lang: str = "en") -> None:
        """Raise one :class:`DataError` listing every error (if there are any), in *lang*."""
        errors = self.errors
        if not errors:
            return
        if len(errors) == 1:
            raise errors[0].error(lang)
        first = errors[0]
        text = i18n.t("data.several_problems", lang, n=len(errors), source=self.source) + "\n" + "\n".join(
            f"- {p.text(lang)}" for p in errors)
        raise DataError(text, source=first.source, column=first.column, rows=first.rows,
                        problems=errors, code=first.code)
