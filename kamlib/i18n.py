"""Bilingual labels (English / Simplified Chinese) from one label table.

All display text — headings, axis labels, category names, table headers — comes
from ``labels.csv`` beside this module (columns ``key, en, zh``). Code keeps
English snake_case names; only what a reader sees is translated.

An English label writes ``{n|one|other}`` where a count *n* can be 1
(``{n} {n|account was|accounts were}``; :func:`singular_or_plural`).

Keys are plain column names (``revenue``) or dotted ``group.value`` pairs for
category values (``status.won``, ``sector.logistics``) and headings
(``title.data_overview``). A ``header.<column>`` key, where there is one, is the
column's table header and axis label in place of its plain label (the header says
the unit: ``header.our_sales`` 我方销售额, money, where 销量 would be units).

One formatting layer
--------------------
Tables (:func:`kamlib.tables.styled`), sentences (the wings' ``readings``) and chart
axes (:mod:`kamlib.plots`) show figures through the same functions, so a number reads
the same wherever it appears:

======================  ==========================================  =====================
what                    function                                    shown as
======================  ==========================================  =====================
number                  :func:`format_number`                       ``1,234,568``, ``0.28``
count                   :func:`format_count`                        ``3,723`` (never ``20.00``)
percentage              :func:`format_percent`                      ``38%``, ``38.8%`` (never ``-0.0%``)
money (read aloud)      :func:`format_money`                        ``12.3M`` / ``1,234.6万``
days                    :func:`format_days`                         ``37``, ``35.5``
p-value                 :func:`format_p_value`                      ``p = 0.012``, ``p < 0.001``
month                   :func:`format_month`                        ``2025-01`` / ``2025年1月``
date                    :func:`format_date`                         ``2025-06-30``
yes / no                :func:`format_bool`                         ``Yes`` / ``是``
list of names           :func:`join`                                ``a, b`` / ``a、b``
======================  ==========================================  =====================

Days are whole numbers of days, and their medians and means are shown with one
decimal only when they are not whole (``35.5``, ``37``): a half day of a median is
real, and rounding it away would make a sentence disagree with its table. A negative
figure that rounds to zero is shown as zero. Missing values are ``–``. Only the shown
text changes: the tables saved next to a report keep their numbers.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

from kamlib.errors import ConfigError

LANGS = ("en", "zh")


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    text = resources.files("kamlib").joinpath("labels.csv").read_text(encoding="utf-8")
    return {row["key"]: {"en": row["en"], "zh": row["zh"]} for row in csv.DictReader(text.splitlines())}


def check_lang(lang: str) -> str:
    """Return *lang* if it is supported, else raise :class:`ConfigError`.

    Examples
    --------
    >>> check_lang("zh")
    'zh'
    """
    if lang not in LANGS:
        raise ConfigError(f"lang must be one of {', '.join(map(repr, LANGS))}, but {lang!r} was passed.")
    return lang


def t(key: str, lang: str = "en", /, **values: object) -> str:
    """Translate one label key, filling ``{name}`` placeholders from *values*.

    Parameters
    ----------
    key : str
        Label key, e.g. ``"revenue"`` or ``"status.won"``.
    lang : {"en", "zh"}
        Output language.
    **values
        Values for the ``{placeholders}`` in the label text.

    Returns
    -------
    str

    Raises
    ------
    ConfigError
        When *lang* is not supported or *key* is not in the label table.

    Examples
    --------
    >>> t("revenue", "zh")
    '销售额'
    >>> t("status.won", "en")
    'Won'
    """
    check_lang(lang)
    try:
        text = _table()[key][lang]
    except KeyError:
        raise ConfigError(f"label {key!r} is not in kamlib/labels.csv; add a row 'key,en,zh' for it.") from None
    return singular_or_plural(text, values).format(**values) if values else text


def singular_or_plural(text: str, values: Mapping[str, object]) -> str:
    """*text* with each ``{name|one|other}`` replaced by *one* when the value *name* is 1, else by *other*.

    English labels say ``{n} {n|account shows|accounts show}`` where a count can be 1
    (Chinese needs no plural). The value may be a number or a formatted count (``"1"``).

    Examples
    --------
    >>> singular_or_plural("for {reps} {reps|rep|reps}", {"reps": 1}).format(reps=1)
    'for 1 rep'
    >>> t("text.vpl_overdue_never", "en", n="1"), t("text.vpl_overdue_never", "en", n="3")
    ('1 account was never visited.', '3 accounts were never visited.')
    """
    import re

    def choose(match: re.Match[str]) -> str:
        value = values.get(match[1])
        return match[2] if str(value).strip() in ("1", "1.0") else match[3]

    return re.sub(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}", choose, text)


def has(key: str) -> bool:
    """Whether *key* is in the label table.

    Examples
    --------
    >>> has("revenue"), has("no_such_label")
    (True, False)
    """
    return key in _table()


def value_label(group: str, value: object, lang: str = "en") -> str:
    """Label a category value, falling back to the value itself.

    Data values that kamlib defines (status, sector codes, classes) are translated;
    values that come from the user's data (a region called 华东) are shown as they are.

    Examples
    --------
    >>> value_label("status", "lost", "zh")
    '战败'
    >>> value_label("region", "华东", "en")
    '华东'
    """
    key = f"{group}.{value}"
    return t(key, lang) if has(key) else str(value)


def header(columns: Iterable[str], lang: str = "en") -> list[str]:
    """Translate column names into table headers (unknown names pass through).

    Examples
    --------
    >>> header(["account_id", "revenue", "my_column"], "zh")
    ['客户编号', '销售额', 'my_column']
    """
    check_lang(lang)
    return [t(f"header.{c}", lang) if has(f"header.{c}") else t(c, lang) if has(c) else c for c in columns]


def translate_frame(
    df: pd.DataFrame, lang: str = "en", *, values: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Return a copy of *df* ready for display: translated headers and category values.

    Parameters
    ----------
    df : DataFrame
        Tidy table with English snake_case column names.
    lang : {"en", "zh"}
        Output language.
    values : mapping, optional
        ``{column: label group}`` for columns whose values are categories to translate,
        e.g. ``{"status": "status"}``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"status": ["won", "open"], "revenue": [1.0, 2.0]})
    >>> translate_frame(frame, "zh", values={"status": "status"}).columns.tolist()
    ['状态', '销售额']
    """
    out = df.copy()
    for column, group in (values or {}).items():
        out[column] = [value_label(group, v, lang) for v in out[column]]
    out.columns = header(out.columns, lang)
    return out


def _missing(value: object) -> bool:
    """Whether *value* is a missing figure: None, NaN, NaT or ``pd.NA``."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not one value
        return False


def _no_negative_zero(text: str) -> str:
    """``-0.0%`` → ``0.0%``: a negative figure that rounds to zero is shown as zero."""
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def format_number(value: float, lang: str = "en", decimals: int = 0, *, significant: int | None = None) -> str:
    """A number with thousands separators and *decimals* decimals (``–`` when missing).

    *significant* digits instead of *decimals*: a fitted parameter (``13,800``, ``2.77``,
    ``0.5``), never in scientific notation.

    Examples
    --------
    >>> format_number(1234567.8), format_number(0.2849, "zh", 2), format_number(-0.001, decimals=2)
    ('1,234,568', '0.28', '0.00')
    >>> [format_number(x, significant=3) for x in (13_812.4, 2.7712, 0.5, 3.27e6, 0.0000123)]
    ['13,800', '2.77', '0.5', '3,270,000', '0.0000123']
    """
    check_lang(lang)
    if _missing(value):
        return "–"
    value = float(value)
    if significant is not None and value != 0 and math.isfinite(value):
        magnitude = math.floor(math.log10(abs(value)))
        value = round(value, significant - 1 - magnitude)
        decimals = max(0, significant - 1 - magnitude)
        text = f"{value:,.{decimals}f}"
        return _no_negative_zero(text.rstrip("0").rstrip(".") if "." in text else text)
    return _no_negative_zero(f"{value:,.{decimals}f}")


def format_count(value: float, lang: str = "en") -> str:
    """A count: a whole number with thousands separators, never ``20.00``.

    Examples
    --------
    >>> format_count(23570), format_count(20.0, "zh"), format_count(None)
    ('23,570', '20', '–')
    """
    return format_number(value, lang, 0)


def format_percent(value: float, lang: str = "en", decimals: int | None = 0) -> str:
    """A share 0–1 as a percentage: ``38%`` (*decimals* 0), ``38.8%`` (1).

    *decimals* None keeps a digit for small shares: whole percent from 10 % up, one
    decimal below (``15%``, ``0.5%``). A negative share that rounds to zero is ``0%``.

    Examples
    --------
    >>> format_percent(0.3849), format_percent(0.3849, "zh", 1), format_percent(-0.0004, decimals=1)
    ('38%', '38.5%', '0.0%')
    >>> format_percent(0.005, decimals=None), format_percent(0.15, decimals=None), format_percent(float("nan"))
    ('0.5%', '15%', '–')
    """
    check_lang(lang)
    if _missing(value):
        return "–"
    value = float(value)
    if decimals is None:
        decimals = 0 if abs(value) >= 0.1 else 1
    return _no_negative_zero(f"{value:.{decimals}%}")


def format_days(value: float, lang: str = "en") -> str:
    """A number of days: whole days as ``37``, a median or mean between two days as ``35.5``.

    Examples
    --------
    >>> format_days(37.0), format_days(35.5, "zh"), format_days(42.349), format_days(1234.0)
    ('37', '35.5', '42.3', '1,234')
    """
    if _missing(value):
        return "–"
    value = float(value)
    return format_number(value, lang, 0 if round(value, 1) == round(value) else 1)


def format_p_value(value: float, lang: str = "en") -> str:
    """A test's p-value as a reader writes it: ``p = 0.012`` with three decimals, ``p < 0.001``
    below that (never ``p = 0.000``), ``p = –`` when missing.

    Examples
    --------
    >>> format_p_value(0.01234), format_p_value(0.00004, "zh"), format_p_value(1.0), format_p_value(0.0009996)
    ('p = 0.012', 'p < 0.001', 'p = 1.000', 'p < 0.001')
    """
    check_lang(lang)
    if not _missing(value) and float(value) < 0.001:
        return "p < 0.001"
    return f"p = {format_number(value, lang, 3)}"


def rule(key: str, lang: str = "en", **values: object) -> str:
    """The rule a section applied: the sentence labelled *key*, filled with *values*, in italics.

    Examples
    --------
    >>> rule("text.cc_rule_pareto", "en", value="revenue", a="80%", b="95%")
    '*Rule: accounts ranked by revenue; cumulative share up to 80% → A, up to 95% → B, the rest → C.*'
    """
    return f"*{t(key, lang, **values)}*"


def format_money(value: float, lang: str = "en", *, trim: bool = False) -> str:
    """A revenue figure as a reader says it, with the units of :func:`kamlib.plots.money_axis`.

    English uses K / M / B (thousands, millions, billions); Chinese uses 万 (10⁴) and
    亿 (10⁸). *trim* drops decimals that are zero (``1M``, ``50万``: band edges).

    Examples
    --------
    >>> format_money(12_345_678, "en"), format_money(12_345_678, "zh")
    ('12.3M', '1,234.6万')
    >>> format_money(980, "en"), format_money(3.2e8, "zh")
    ('980', '3.20亿')
    >>> format_money(5e5, "zh", trim=True), format_money(1e6, "en", trim=True), format_money(-0.2)
    ('50万', '1M', '0')
    """
    check_lang(lang)
    if _missing(value):
        return "–"
    size = abs(value)
    if lang == "zh":
        units = ((1e8, 2, "亿"), (1e4, 1, "万"))
    else:
        units = ((1e9, 2, "B"), (1e6, 1, "M"), (1e4, 0, "K"))
    scale, decimals, suffix = next(((s, d, u) for s, d, u in units if size >= s), (1.0, 0, ""))
    if suffix == "K":
        scale = 1e3
    number = f"{value / scale:,.{decimals}f}"
    if trim and "." in number:
        number = number.rstrip("0").rstrip(".")
    return _no_negative_zero(number) + suffix


def format_month(month: object, lang: str = "en") -> str:
    """A month: ``2025-06`` / ``2025年6月``, in tables and sentences alike.

    Examples
    --------
    >>> import pandas as pd
    >>> format_month(pd.Timestamp("2025-06-01"), "zh"), format_month("2025-06-01", "en")
    ('2025年6月', '2025-06')
    """
    import pandas as pd

    check_lang(lang)
    if _missing(month):
        return "–"
    month = pd.Timestamp(month)
    return f"{month.year}年{month.month}月" if lang == "zh" else f"{month.year}-{month.month:02d}"


def format_date(day: object, lang: str = "en") -> str:
    """A day: ``2025-06-30`` in both languages (``–`` when missing).

    Examples
    --------
    >>> import pandas as pd
    >>> format_date(pd.Timestamp("2025-06-30 00:00"), "zh"), format_date(pd.NaT)
    ('2025-06-30', '–')
    """
    import pandas as pd

    check_lang(lang)
    return "–" if _missing(day) else f"{pd.Timestamp(day):%Y-%m-%d}"


def format_bool(value: object, lang: str = "en") -> str:
    """A yes/no value as a word of *lang*: ``Yes`` / ``No``, ``是`` / ``否``.

    Examples
    --------
    >>> format_bool(True, "zh"), format_bool(False, "en"), format_bool(None)
    ('是', 'No', '–')
    """
    return "–" if _missing(value) else t("bool.yes" if value else "bool.no", lang)


def join(items: Iterable[object], lang: str = "en", *, clauses: bool = False, sentences: bool = False) -> str:
    """Names as one list in *lang*: ``a, b`` / ``a、b``; *clauses* (phrases with commas
    of their own) as ``a; b`` / ``a；b``; whole *sentences* one after the other
    (``A. B.`` / ``甲。乙。``).

    Examples
    --------
    >>> join(["价格", "品牌"], "zh"), join(["Price", "Brand"]), join(["x: 1, 2", "y"], "zh", clauses=True)
    ('价格、品牌', 'Price, Brand', 'x: 1, 2；y')
    >>> join(["查明原因。", "保持联系。"], "zh", sentences=True), join(["Call.", "Visit."], sentences=True)
    ('查明原因。保持联系。', 'Call. Visit.')
    """
    return separator(lang, clauses=clauses, sentences=sentences).join(map(str, items))


def separator(lang: str = "en", *, clauses: bool = False, sentences: bool = False) -> str:
    """What :func:`join` puts between two items in *lang*.

    Examples
    --------
    >>> separator("zh"), separator("zh", clauses=True), separator("en", clauses=True), separator("zh", sentences=True)
    ('、', '；', '; ', '')
    """
    check_lang(lang)
    zh = lang == "zh"
    return ("" if zh else " ") if sentences else ("；" if zh else "; ") if clauses else ("、" if zh else ", ")


def describe_missing(what: str, lang: str = "en") -> str:
    """What a section lacks, labelled for a reader: ``opportunities.loss_reason`` →
    ``Opportunities: Loss reason`` / ``商机表：战败原因``; a whole table ``showroom`` →
    ``the Showroom table`` / ``展厅表``.

    *what* is as :func:`kamlib.sections.needs` and the wings' ``needs`` write it: a table
    (``leads``), columns of a table (``accounts.potential, accounts.capability`` or
    ``factors (kind, category)``), several tables separated by ``; ``, alternatives by
    `` / ``. Names without a label stay as written.

    Examples
    --------
    >>> describe_missing("accounts.potential, accounts.capability", "zh")
    '客户表：潜力、能力'
    >>> describe_missing("accounts.purchase_level / accounts.relationship_stage", "en")
    'Accounts: Current purchase (X) or Accounts: Relationship stage'
    >>> describe_missing("factors (kind)", "zh"), describe_missing("leads", "zh"), describe_missing("showroom", "en")
    ('环境因素表：类型', '线索表', 'the Showroom table')
    >>> describe_missing("orders (product_id); accounts (sector)", "zh")
    '订单表：产品编号；客户表：行业'
    """
    import re

    check_lang(lang)

    def table_label(name: str) -> str:
        return t(f"table.{name}", lang) if has(f"table.{name}") else name

    def whole_table(name: str) -> str:
        return t("text.table_named", lang, table=table_label(name)) if has(f"table.{name}") else name

    def columns_of(part: str) -> list[tuple[str, str | None]]:
        grouped = re.fullmatch(r"(\w+) \((.+)\)", part.strip())
        if grouped:
            return [(grouped[1], c.strip()) for c in grouped[2].split(",")]
        return [(p.strip().split(".", 1)[0], p.strip().split(".", 1)[1] if "." in p else None) for p in part.split(",")]

    def one(alternative: str) -> str:
        tables: dict[str, list[str]] = {}
        for name, column in [pair for part in alternative.split("; ") for pair in columns_of(part)]:
            tables.setdefault(name, []).extend(header([column], lang) if column else [])
        return join([t("text.column_of", lang, table=table_label(name), column=join(columns, lang)) if columns
                     else whole_table(name) for name, columns in tables.items()], lang, clauses=True)

    return t("text.or", lang).join(one(alternative) for alternative in what.split(" / "))


def needs_note(what: str, lang: str = "en") -> str:
    """The line a skipped section shows: it needs *what* (:func:`describe_missing`), which the data lacks.

    Examples
    --------
    >>> needs_note("opportunities.loss_reason", "zh")
    '本节需要商机表：战败原因，数据中没有，已跳过。'
    >>> needs_note("showroom", "zh")
    '本节需要展厅表，数据中没有，已跳过。'
    """
    return t("text.needs_data", lang, what=describe_missing(what, lang))


def _chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def _line_in(line: str, lang: str) -> str:
    """Of a title line ``English · 中文`` the side in *lang*; any other line as it is."""
    marks, _, title = line.rpartition("# ")
    parts = title.split(" · ")
    if len(parts) != 2 or _chinese(parts[0]) or not _chinese(parts[1]):
        return line
    side = parts[1] if lang == "zh" else parts[0]
    return f"{marks}# {side}" if marks or line.startswith("# ") else side


def one_language(markdown: str, lang: str) -> str:
    """The parts of a bilingual Markdown text written in *lang*.

    Notebooks a person reads in either language say everything twice: titles as
    ``English · 中文`` and paragraphs in English, then in Chinese. A page served in one
    language keeps one side of each title and the paragraphs in its language (a
    paragraph with Chinese characters counts as Chinese).

    Examples
    --------
    >>> text = "# Class results · 全班结果\\n\\nPress **Refresh**.\\n\\n点击 **刷新**。"
    >>> one_language(text, "zh")
    '# 全班结果\\n\\n点击 **刷新**。'
    >>> one_language(text, "en")
    '# Class results\\n\\nPress **Refresh**.'
    """
    check_lang(lang)
    blocks = ["\n".join(_line_in(line, lang) for line in block.split("\n")) for block in markdown.split("\n\n")]
    return "\n\n".join(b for b in blocks if b.lstrip().startswith("#") or _chinese(b) == (lang == "zh"))
