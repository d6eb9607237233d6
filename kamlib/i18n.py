"""Bilingual labels (English / Simplified Chinese) from one label table.

All display text — headings, axis labels, category names, table headers — comes
from ``labels.csv`` beside this module (columns ``key, en, zh``). Code keeps
English snake_case names; only what a reader sees is translated.

Keys are plain column names (``revenue``) or dotted ``group.value`` pairs for
category values (``status.won``, ``sector.logistics``) and headings
(``title.data_overview``). Figures read aloud follow one style: :func:`format_money`
(K / M / B in English, 万 / 亿 in Chinese) and :func:`format_month`.
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
    return text.format(**values) if values else text


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
    return [t(c, lang) if has(c) else c for c in columns]


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


def format_money(value: float, lang: str = "en") -> str:
    """A revenue figure as a reader says it, with the units of :func:`kamlib.plots.money_axis`.

    English uses K / M / B (thousands, millions, billions); Chinese uses 万 (10⁴) and
    亿 (10⁸).

    Examples
    --------
    >>> format_money(12_345_678, "en"), format_money(12_345_678, "zh")
    ('12.3M', '1,234.6万')
    >>> format_money(980, "en"), format_money(3.2e8, "zh")
    ('980', '3.20亿')
    """
    check_lang(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    size = abs(value)
    if lang == "zh":
        if size >= 1e8:
            return f"{value / 1e8:,.2f}亿"
        if size >= 1e4:
            return f"{value / 1e4:,.1f}万"
        return f"{value:,.0f}"
    if size >= 1e9:
        return f"{value / 1e9:,.2f}B"
    if size >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if size >= 1e4:
        return f"{value / 1e3:,.0f}K"
    return f"{value:,.0f}"


def format_month(month: pd.Timestamp, lang: str = "en") -> str:
    """``Jun 2025`` / ``2025年6月``.

    Examples
    --------
    >>> import pandas as pd
    >>> format_month(pd.Timestamp("2025-06-01"), "zh")
    '2025年6月'
    """
    import pandas as pd

    month = pd.Timestamp(month)
    return f"{month.year}年{month.month}月" if lang == "zh" else month.strftime("%b %Y")
