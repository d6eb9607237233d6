"""One Excel workbook per report: a contents sheet, then one sheet per table the report saved.

A report's tables (:class:`kamlib.sections.Page` saves them) go into one ``.xlsx``
file beside the report, so a reader opens one file instead of dozens: the first
sheet says what each sheet holds (the report's section, rows, columns, the CSV file
with the same table) and lists the parameters the report ran with; then one sheet
per table, named in the report's language (:func:`sheet_label`) within Excel's rules
for sheet names (:func:`sheet_names`). Cells are written as :func:`kamlib.tables.save_table`
writes them: text stays text, numbers stay numbers (:func:`kamlib.tables.xlsx_ready`,
:func:`kamlib.tables.keep_text`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kamlib import i18n
from kamlib.files import atomic_write
from kamlib.tables import keep_text, xlsx_ready

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SHEET_NAME_LIMIT", "WorkbookTable", "sheet_label", "sheet_names", "write_workbook"]

#: The most characters Excel allows in a sheet name.
SHEET_NAME_LIMIT = 31
#: Characters Excel does not allow in a sheet name, each replaced by a space.
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


@dataclass(frozen=True)
class WorkbookTable:
    """One table of a report's workbook.

    Attributes
    ----------
    name : str
        The table's file stem (``"win_rates_by_region"``).
    frame : DataFrame
        The table as the report labels it (headers and category values in its language).
    section : str
        Heading of the report section that showed it, in the report's language ("" = none).
    csv : str
        Path of the same table as CSV, relative to the workbook (``"tables/win_rates_by_region.csv"``).
    """

    name: str
    frame: pd.DataFrame
    section: str = ""
    csv: str = ""


def sheet_label(name: str, lang: str, fallback: str = "") -> str:
    """The sheet name for the table saved as *name*, in *lang* (before :func:`sheet_names` makes it legal).

    The label ``sheet.<name>``; for ``<table>_by_<column>`` without one, the label
    ``sheet.<table>_by`` with the column's header (``Win rate by Region``); else
    *fallback* (the heading of the section that showed the table), else *name*.

    Examples
    --------
    >>> sheet_label("at_risk", "zh"), sheet_label("win_rates_by_region", "en")
    ('风险客户', 'Win rate by Region')
    >>> sheet_label("my_table", "zh", "我的表"), sheet_label("my_table", "en")
    ('我的表', 'my_table')
    """
    if i18n.has(f"sheet.{name}"):
        return i18n.t(f"sheet.{name}", lang)
    table, by, column = name.partition("_by_")
    if by and i18n.has(f"sheet.{table}_by"):
        return i18n.t(f"sheet.{table}_by", lang, by=i18n.header([column], lang)[0])
    return fallback or name


def sheet_names(labels: Sequence[str]) -> list[str]:
    """Legal, distinct Excel sheet names for *labels*, in order.

    Excel refuses ``[ ] : * ? / \\`` in a sheet name (each becomes a space), a name
    longer than :data:`SHEET_NAME_LIMIT` characters (cut), a name beginning or ending
    with ``'``, an empty name and ``History``; and it tells names apart without regard
    to case, so a repeated name gets `` (2)``, `` (3)`` within the limit.

    Examples
    --------
    >>> sheet_names(["Win rate: region/rep", "win rate: REGION/rep", "'Quoted'", "", "x" * 40])
    ['Win rate  region rep', 'win rate  REGION rep (2)', 'Quoted', 'Sheet', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    """
    names: list[str] = []
    taken: set[str] = set()
    for label in labels:
        base = _FORBIDDEN.sub(" ", label).strip().strip("'").strip()[:SHEET_NAME_LIMIT].strip() or "Sheet"
        base = "Sheet" if base.casefold() == "history" else base
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _contents(tables: Sequence[WorkbookTable], names: Sequence[str], lang: str) -> pd.DataFrame:
    """The contents sheet's table: what each sheet holds."""
    import pandas as pd

    rows = [(sheet, table.section or sheet, len(table.frame),
             ", ".join(str(c) for c in table.frame.columns), table.csv)
            for sheet, table in zip(names, tables)]
    headers = [i18n.t(f"workbook.{key}", lang) for key in ("sheet", "holds", "rows", "columns", "csv")]
    return pd.DataFrame(rows, columns=headers)


def write_workbook(
    path: str | Path, tables: Sequence[WorkbookTable], *, lang: str = "en", parameters: pd.DataFrame | None = None
) -> Path:
    """Write a report's workbook: a contents sheet, then one sheet per table in *tables*.

    The first sheet (``Contents`` / ``目录``) lists every sheet (linked), the report
    section it comes from, its rows and columns and its CSV file; under it, the
    *parameters* the report ran with (:func:`kamlib.tables.parameter_summary`, secrets
    masked). Every cell is written as :func:`kamlib.tables.save_table` writes one:
    a text cell is a string cell holding the text unchanged, marked as quoted text
    when it begins like a formula; control characters an XLSX file cannot hold are
    written as their escape (``\\x07``). The file is written atomically.

    Parameters
    ----------
    path : str or Path
        The workbook file (``…/04_win_loss_analysis-zh.xlsx``).
    tables : sequence of WorkbookTable
        The tables, in the order the report showed them.
    lang : {"en", "zh"}
        Language of the sheet names and the contents sheet.
    parameters : DataFrame, optional
        Columns ``parameter, value``: the parameters the report ran with.

    Returns
    -------
    Path
        *path*.

    Examples
    --------
    >>> import tempfile
    >>> import openpyxl
    >>> import pandas as pd
    >>> rates = WorkbookTable("win_rates_by_region", pd.DataFrame({"区域": ["华东"], "赢单率": [0.4]}), "赢单率")
    >>> path = write_workbook(Path(tempfile.mkdtemp()) / "report.xlsx", [rates], lang="zh")
    >>> openpyxl.load_workbook(path).sheetnames
    ['目录', '按区域赢单率']
    """
    import io

    import pandas as pd
    from openpyxl.worksheet.hyperlink import Hyperlink

    i18n.check_lang(lang)
    contents_name, *names = sheet_names([i18n.t("workbook.contents", lang), *(sheet_label(t.name, lang, t.section) for t in tables)])
    contents = _contents(tables, names, lang)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        xlsx_ready(contents).to_excel(writer, index=False, sheet_name=contents_name)
        if parameters is not None:
            shown = parameters.set_axis([i18n.t("workbook.parameter", lang), i18n.t("workbook.value", lang)], axis=1)
            xlsx_ready(shown).to_excel(writer, index=False, sheet_name=contents_name, startrow=len(contents) + 2)
        for name, table in zip(names, tables):
            xlsx_ready(table.frame).to_excel(writer, index=False, sheet_name=name)
        for sheet in writer.sheets.values():
            keep_text(sheet)
        first = writer.sheets[contents_name]
        for row, name in enumerate(names, start=2):
            cell = first.cell(row=row, column=1)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location="'{}'!A1".format(name.replace("'", "''")))
    return atomic_write(Path(path), buffer.getvalue())
