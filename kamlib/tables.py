"""Tables in notebooks and reports: :func:`styled` shows one to a reader, :func:`save_table`
writes it next to the report as Excel-friendly CSV and XLSX (:func:`xlsx_ready` and
:func:`keep_text` make any sheet safe, also those of a report's workbook,
:mod:`kamlib.workbook`), :func:`fitting_columns` picks the columns a page has room for,
:func:`parameter_summary` lists the parameters a report ran with."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamlib import i18n
from kamlib.errors import ConfigError
from kamlib.files import atomic_write, atomic_write_text
from kamlib.masking import mask_secret

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pandas.io.formats.style import Styler

__all__ = ["fitting_columns", "keep_text", "labelled", "parameter_summary", "save_table", "styled", "xlsx_ready"]


def labelled(df: pd.DataFrame, lang: str, values: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """*df* as a reader sees it in *lang*: headers, and category values per ``{column: group}``.

    A group of ``None`` means the column holds column names (``order_date``), which
    are labelled like headers. Numbers stay numbers; *df* is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> labelled(pd.DataFrame({"region": ["east"], "revenue": [5]}), "zh", {"region": "region"}).columns.tolist()
    ['区域', '销售额']
    """
    import pandas as pd

    out = df.copy()
    for column, group in (values or {}).items():
        if column not in out.columns:
            continue
        if group is None:
            out[column] = [i18n.header([v], lang)[0] if isinstance(v, str) else v for v in out[column]]
        else:
            out[column] = [v if pd.isna(v) else i18n.value_label(group, v, lang) for v in out[column]]
    out.columns = i18n.header([str(c) for c in out.columns], lang)
    return out


#: How text a spreadsheet reads as a formula begins (OWASP "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _guard(value: Any) -> Any:
    """*value*, with a leading ``'`` when it is text a spreadsheet would read as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _guarded(table: pd.DataFrame) -> pd.DataFrame:
    """*table* for a CSV: headers and text cells guarded (:func:`_guard`), other cells as they are."""
    import pandas as pd

    out = table.copy()
    for i in range(table.shape[1]):
        column = table.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)):
            out.isetitem(i, column.astype(object).map(_guard))
    out.columns = [_guard(c) for c in table.columns]
    return out


def _xml_text(value: Any) -> Any:
    r"""*value* with the control characters an XLSX file cannot hold written as ``\\x07``.

    Examples
    --------
    >>> _xml_text("bell\x07"), _xml_text(5)
    ('bell\\x07', 5)
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def keep_text(worksheet: Any) -> None:
    """Make every text cell of an openpyxl *worksheet* written from a table a string cell, marked
    as quoted text when it begins like a formula (openpyxl reads text beginning with ``=`` as a
    formula), and give the columns readable widths.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> sheet = Workbook().active
    >>> sheet.append(["=1+2", "-5", -5])
    >>> keep_text(sheet)
    >>> [(c.data_type, c.quotePrefix) for c in sheet[1]]
    [('s', True), ('s', True), ('n', False)]
    """
    for cells in worksheet.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"
            if cell.data_type == "s" and str(cell.value).startswith(FORMULA_START):
                cell.quotePrefix = True
    for cells in worksheet.columns:  # readable column widths
        width = max(len(str(c.value)) if c.value is not None else 0 for c in cells)
        worksheet.column_dimensions[cells[0].column_letter].width = min(max(10, width * 1.3), 60)


def xlsx_ready(table: pd.DataFrame) -> pd.DataFrame:
    r"""*table* as an XLSX sheet can hold it: dates without time zone (Excel has none), and the
    control characters an XLSX file cannot hold written as their escape (``\x07``) in text
    cells and headers. Numbers stay numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> xlsx_ready(pd.DataFrame({"name\x07": ["bell\x07"], "n": [1]})).to_dict("list")
    {'name\\x07': ['bell\\x07'], 'n': [1]}
    """
    import pandas as pd

    sheet = table.copy()
    for i in range(sheet.shape[1]):
        column = sheet.iloc[:, i]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            sheet.isetitem(i, column.dt.tz_localize(None))
        elif not pd.api.types.is_numeric_dtype(column):
            sheet.isetitem(i, column.map(_xml_text))
    sheet.columns = [_xml_text(c) for c in sheet.columns]
    return sheet


def save_table(
    df: pd.DataFrame,
    name: str,
    output_dir: str | Path,
    *,
    lang: str | None = None,
    values: Mapping[str, str | None] | None = None,
    formats: Sequence[str] = ("csv", "xlsx"),
) -> list[Path]:
    """Write a table a report shows into *output_dir*, as Excel-friendly files.

    CSV is written in UTF-8 with a BOM (``utf-8-sig``) so that Excel shows Chinese
    correctly; XLSX alongside it. Files are written atomically (a reader never sees
    half a file) and replace an earlier file of the same name.

    Text stays text: the data comes from fields anyone can type into, and a
    spreadsheet reads text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return as a formula (OWASP "CSV Injection": ``=HYPERLINK(...)``,
    ``=cmd|' /C calc'!A0``). In the CSV such a text cell — and such a header — gets
    a leading ``'`` (``'=HYPERLINK(...)``), which Excel does not show; in the XLSX
    every text cell is a string cell holding the text unchanged, and one that begins
    like a formula is marked as quoted text (editing it in Excel does not turn it
    into a formula either). Numbers stay numbers
    in both files: ``-5`` as a number is written as ``-5``, the text ``"-5"`` as
    ``'-5`` in the CSV. A text cell holding a carriage return is quoted (the CSV then
    ends its lines with CR LF), so that it cannot start a new row. Control characters
    an XLSX file cannot hold (``\x00``–``\x1f`` but tab and line ends) are written
    there as their escape, ``\x07``; the CSV keeps them.

    Parameters
    ----------
    df : DataFrame
        The table, English snake_case columns.
    name : str
        File stem, e.g. ``"revenue_by_region"`` (letters, digits, ``_``, ``-``, ``.``).
    output_dir : str or Path
        Folder to write into (created if needed).
    lang : {"en", "zh"}, optional
        When given, headers and the category values named in *values* are labelled
        in that language, as in the report; numbers stay numbers.
    values : mapping, optional
        ``{column: label group}`` for category columns (see :func:`styled`).
    formats : sequence of {"csv", "xlsx"}
        Which files to write.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ConfigError
        When *name* or a format is not valid.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"region": ["east"], "revenue": [1.0]})
    >>> [p.name for p in save_table(frame, "t", tempfile.mkdtemp(), lang="zh")]
    ['t.csv', 't.xlsx']
    >>> typed = pd.DataFrame({"product": ["=1+2", "-5", "T5"], "margin": [-5, 3, 1]})
    >>> csv, _ = save_table(typed, "typed", tempfile.mkdtemp())
    >>> csv.read_text(encoding="utf-8-sig").splitlines()
    ['product,margin', "'=1+2,-5", "'-5,3", 'T5,1']
    """
    if not re.fullmatch(r"[\w.\-]+", name) or name.startswith("."):
        raise ConfigError(f"save_table: name must be a plain file stem such as 'revenue_by_region', but {name!r} was passed.")
    unknown = set(formats) - {"csv", "xlsx"}
    if unknown:
        raise ConfigError(f"save_table: formats must be among 'csv', 'xlsx', but {sorted(unknown)} was passed.")
    table = labelled(df, lang, values) if lang is not None else df
    folder = Path(output_dir)
    written = []
    if "csv" in formats:
        guarded = _guarded(table)
        # pandas quotes a cell for the characters of the line end only: a carriage return
        # alone in a cell would end the row in Excel and start a new, unguarded one
        cr = any(isinstance(v, str) and "\r" in v for v in [*guarded.columns, *guarded.to_numpy().ravel()])
        text = guarded.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\r\n" if cr else None)
        written.append(atomic_write_text(folder / f"{name}.csv", text, encoding="utf-8-sig"))
    if "xlsx" in formats:
        import io

        import pandas as pd

        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            xlsx_ready(table).to_excel(writer, index=False, sheet_name=name[:31])
            keep_text(writer.sheets[name[:31]])
        written.append(atomic_write(folder / f"{name}.xlsx", buffer.getvalue()))
    return written


#: Columns of shares 0–1 that are not named ``share``, ``*_share``, ``*_rate``, ``*_pct`` or ``*_growth``.
PERCENT_COLUMNS = frozenset({"ci_low", "ci_high", "probability", "p_alive", "predicted", "observed"})
#: Columns named like shares that are not shares (our sales ÷ the leader's: 0.39, 1.69).
RATIO_COLUMNS = frozenset({"relative_share"})


def _is_percent(column: str) -> bool:
    """Whether the column *column* holds shares 0–1, shown as percentages.

    Examples
    --------
    >>> [_is_percent(c) for c in ("share", "win_rate", "ci_low", "market_growth", "relative_share", "revenue")]
    [True, True, True, True, False, False]
    """
    if column in RATIO_COLUMNS:
        return False
    return column in ("share", "growth") or column in PERCENT_COLUMNS or column.endswith(
        ("_share", "_rate", "_pct", "_growth"))


def _is_days(column: str) -> bool:
    return column == "days" or column.endswith("_days") or column.startswith("days_")


def _is_month(column: str) -> bool:
    return column == "month" or column.endswith("_month")


def _holds_bools(column: pd.Series) -> bool:
    """Whether *column* holds yes/no values only (a bool column, or bools and gaps)."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return True
    known = column.dropna()
    return column.dtype == object and len(known) > 0 and all(isinstance(v, bool) for v in known)


def _formatter(name: str, column: pd.Series, lang: str) -> Callable[[Any], str] | None:
    """How a reader sees the values of *column* (named *name* in the data), None = as text.

    See :func:`styled`; every figure goes through the formats of :mod:`kamlib.i18n`.
    """
    import functools

    import numpy as np
    import pandas as pd

    if _holds_bools(column):
        return functools.partial(i18n.format_bool, lang=lang)
    if pd.api.types.is_datetime64_any_dtype(column):
        return functools.partial(i18n.format_month if _is_month(name) else i18n.format_date, lang=lang)
    if not pd.api.types.is_numeric_dtype(column):
        return None
    if name == "year" or name.endswith("_year"):
        return lambda v: f"{int(v)}"
    if _is_percent(name):
        return functools.partial(i18n.format_percent, lang=lang, decimals=1)
    if _is_days(name):
        return functools.partial(i18n.format_days, lang=lang)
    finite = column.to_numpy(dtype="float64", na_value=np.nan)
    finite = finite[np.isfinite(finite)]
    if pd.api.types.is_integer_dtype(column) or np.array_equal(finite, np.round(finite)):
        return functools.partial(i18n.format_count, lang=lang)  # counts, levels, whole amounts
    if not len(finite) or np.abs(finite).max() < 100:
        return functools.partial(i18n.format_number, lang=lang, decimals=2)
    # amounts: no decimals; a small fraction among them (a share target of 0.23 beside 850,000,000) keeps two
    return lambda v: i18n.format_number(v, lang, 2 if abs(v) < 100 and v != round(v) else 0)


def styled(
    df: pd.DataFrame, lang: str = "en", *, values: Mapping[str, str | None] | None = None
) -> Styler:
    """A table formatted for readers: labels in *lang*, numbers with separators.

    Every figure is shown through the formats of :mod:`kamlib.i18n`:

    - shares (``share``, ``*_share``, ``*_rate``, ``*_pct``, ``*_growth`` and
      :data:`PERCENT_COLUMNS` such as ``ci_low`` or ``probability``) as percentages
      with one decimal, ``38.8%`` (never ``-0.0%``);
    - days (``*_days``) as :func:`~kamlib.i18n.format_days` says: ``37``, ``35.5``;
    - whole numbers — counts (``accounts``, ``orders``, ``won`` …), levels, whole
      amounts — with thousands separators and no decimals, also when the column is
      of floats (``20``, not ``20.00``); other numbers with two decimals, amounts
      (a column reaching 100) without, but for a fraction below 100 among them; years
      as ``2025``;
    - yes/no values as ``Yes`` / ``No`` (``是`` / ``否``);
    - months (``month``, ``*_month``) as ``2025-01`` / ``2025年1月``, other dates as
      ``2025-06-30``;
    - missing values as ``–``; no index.

    Headers and text cells wrap at spaces (and between Chinese characters), figures
    do not: a table with long text fits a page's width (see :func:`fitting_columns`).

    Only the shown text changes: the frame keeps its values.

    Every text cell, index label and header is HTML-escaped (``<script>`` in an
    account name shows as that text and runs nothing); numbers are formatted as
    above. A format set later must escape too: ``.format(..., escape="html")``.
    A caption set on the result is not escaped by pandas: pass it through
    :func:`html.escape` when it holds data.

    Parameters
    ----------
    df : DataFrame
        Tidy table with English snake_case column names.
    lang : {"en", "zh"}
        Language of headers and category values.
    values : mapping, optional
        ``{column: label group}`` for category columns, e.g. ``{"region": "region"}``
        (values via :func:`kamlib.i18n.value_label`); a group of ``None`` means the
        column's values are themselves column names (``order_date`` → "Order date").

    Returns
    -------
    pandas Styler
        Displays as an HTML table in a notebook and in the report.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"region": ["east"], "revenue": [1234.5], "share": [0.25]})
    >>> html = styled(frame, "zh").to_html()
    >>> "销售额" in html and "1,234" in html and "25.0%" in html
    True
    >>> "&lt;b&gt;east&lt;/b&gt;" in styled(pd.DataFrame({"region": ["<b>east</b>"]})).to_html()
    True
    """
    import pandas as pd

    i18n.check_lang(lang)
    shown = labelled(df, lang, values)
    formats: dict[str, Any] = {}
    for i, original in enumerate(df.columns):
        shape = _formatter(str(original), shown.iloc[:, i], lang)
        if shape is not None:
            formats[shown.columns[i]] = shape
    numeric = [
        label
        for label in shown.columns
        if pd.api.types.is_numeric_dtype(shown[label]) and not pd.api.types.is_bool_dtype(shown[label])
    ]
    right = [{"selector": "td", "props": "text-align: right; white-space: nowrap;"},
             {"selector": "th", "props": "text-align: right;"}]
    return (
        shown.style.format(formats, na_rep="–", escape="html")
        .format_index(escape="html", axis="index")
        .format_index(escape="html", axis="columns")
        .hide(axis="index")
        .set_table_styles(
            [
                {"selector": "th", "props": "text-align: left; white-space: normal;"},
                {"selector": "td", "props": "text-align: left; white-space: normal; overflow-wrap: break-word;"},
            ]
        )
        .set_table_styles({label: right for label in numeric}, overwrite=False)
    )


#: Width in CSS pixels that a report's tables may take (the text column of the page).
PAGE_WIDTH = 900
#: Per column: the cell padding and border a report's table adds, in CSS pixels.
CELL_PADDING = 30
#: Below this width in CSS pixels a text column is not narrowed by wrapping (unless all its text is shorter).
TEXT_WIDTH = 150


def _text_width(text: str) -> float:
    """Width of *text* in CSS pixels at the 14 px of a report's tables: wide (Chinese) characters 14, others 8."""
    import unicodedata

    return sum(14.0 if unicodedata.east_asian_width(c) in "WF" else 8.0 for c in text)


def _narrowest(text: str) -> float:
    """Width of the longest piece of *text* that a line cannot break: a word, or one wide (Chinese) character.

    Examples
    --------
    >>> _narrowest("call the buyer"), _narrowest("客户" * 40), _narrowest("\U00020000" * 60)
    (40.0, 14.0, 14.0)
    """
    import unicodedata

    widest, run = 0.0, 0.0
    for c in text:
        wide = unicodedata.east_asian_width(c) in "WF"
        run = 0.0 if wide or c.isspace() else run + 8.0
        widest = max(widest, 14.0 if wide else run)
    return widest


def _column_width(header: str, texts: Sequence[str], wraps: bool) -> float:
    """Estimated width in CSS pixels of a column of a report's table (see :func:`fitting_columns`)."""
    head = max(_narrowest(header), min(_text_width(header), 84.0))
    if wraps:
        widest = max((_text_width(t) for t in texts), default=0.0)
        body = max(min(widest, TEXT_WIDTH), *(_narrowest(t) for t in texts)) if texts else 0.0
    else:
        body = max((_text_width(t) for t in texts), default=0.0)
    return CELL_PADDING + max(head, body)


def fitting_columns(
    df: pd.DataFrame, lang: str = "en", *, values: Mapping[str, str | None] | None = None, width: float = PAGE_WIDTH
) -> list[str]:
    """The columns of *df*, in their order, that fit side by side in *width* CSS pixels as
    :func:`styled` shows them.

    Each column's width is estimated from its header and its cells as shown (labels and
    formats of :func:`styled`): figures, dates and words do not break, headers and text
    wrap (a text column gets at least :data:`TEXT_WIDTH` when its text is longer). The
    first column is always kept; each further column is kept when it still fits. A
    report shows these columns and links the full table.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"account_id": ["A1"], "response": ["call the buyer " * 30], "revenue": [1.5e6]})
    >>> fitting_columns(frame, "en")
    ['account_id', 'response', 'revenue']
    >>> fitting_columns(frame.assign(**{f"x{i}": [1e9] for i in range(12)}), "en")[-1]
    'x2'
    """
    shown = labelled(df, lang, values)
    kept: list[str] = []
    used = 0.0
    for i, original in enumerate(df.columns):
        column = shown.iloc[:, i]
        shape = _formatter(str(original), column, lang)
        texts = [("–" if _missing(v) else shape(v) if shape else str(v)) for v in column]
        needed = _column_width(str(shown.columns[i]), texts, wraps=shape is None)
        if not kept or used + needed <= width:
            kept.append(original)
            used += needed
    return kept


def _missing(value: Any) -> bool:
    import pandas as pd

    return not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value))


#: Parts of an absolute path a report shows (``…/exports/crm-2025-06``): enough to tell the data, no home folder.
PATH_PARTS = 2


def shown_path(value: str) -> str:
    """A path as a report shows it: an absolute one by its last :data:`PATH_PARTS` parts only.

    The server's folders (a home directory, a user name) stay out of a report; a
    relative path, ``env:NAME`` and any other text are shown as given.

    Examples
    --------
    >>> shown_path("/home/li/exports/crm-2025-06"), shown_path("~/crm.duckdb"), shown_path(r"C:\\Users\\li\\crm")
    ('…/exports/crm-2025-06', '…/crm.duckdb', '…/li/crm')
    >>> shown_path("../data/sample"), shown_path("env:KAM_DB"), shown_path("/crm")
    ('../data/sample', 'env:KAM_DB', '…/crm')
    """
    if not re.match(r"^(/|~|[A-Za-z]:[\\/]|\\\\)", value):
        return value
    parts = [part for part in re.split(r"[\\/]+", value) if part and part != "~" and not re.fullmatch(r"[A-Za-z]:", part)]
    return "…/" + "/".join(parts[-PATH_PARTS:])


def parameter_summary(**params: Any) -> pd.DataFrame:
    """The parameters a report ran with, as a two-column table, secrets masked.

    This is the first output of every report: a reader sees what the report ran with.
    Each parameter is named by its label in the report's language with its name in
    the notebook after it (``Region (region)``, ``区域（region）``); a path is shown
    by its last parts (:func:`shown_path`), never with the server's folders.

    Parameters
    ----------
    **params
        The notebook's parameters, by name.

    Returns
    -------
    DataFrame
        Columns ``parameter, value`` (both text), in the order given. Secrets are
        shown as ``***`` (see :func:`kamlib.masking.mask_secret`); ``None`` (not set) is
        shown as ``None``, or as ``无`` when the report's ``lang`` parameter is ``zh``.

    Examples
    --------
    >>> parameter_summary(data="mysql://kam:pw@db/crm", lang="zh", token="abc")["value"].tolist()
    ['mysql://kam:***@db/crm', 'zh', '***']
    >>> parameter_summary(data="/home/li/exports/crm", lang="zh").values.tolist()
    [['数据（data）', '…/exports/crm'], ['语言（lang）', 'zh']]
    """
    import pandas as pd

    lang = params.get("lang") if params.get("lang") in i18n.LANGS else "en"
    none = i18n.t("parameter.none", lang)
    rows = [(_parameter_label(str(name), lang), none if value is None else shown_path(str(mask_secret(name, value))))
            for name, value in params.items()]
    return pd.DataFrame(rows, columns=["parameter", "value"], dtype=object)


def _parameter_label(name: str, lang: str) -> str:
    key = f"parameter.{name}"
    if not i18n.has(key):
        return name
    return f"{i18n.t(key, lang)}（{name}）" if lang == "zh" else f"{i18n.t(key, lang)} ({name})"
