"""Reports that stop on bad data: the problems, structured, instead of a traceback.

A report notebook that meets data it cannot use raises
:class:`~kamlib.errors.DataError` (or :class:`~kamlib.errors.ConfigError` for a rule
or parameter it cannot apply). Every report kernel runs :func:`record` before the
notebook (a new kernel on start, :data:`KERNEL_ARGUMENT`; a warm kernel when its
session is reset for the job): when such an error leaves a cell, the kernel writes
its problems as JSON (:data:`PROBLEMS_FILE`, in the job's folder) and shows the
error as usual. Nothing is added to the notebook. After the job the runner reads the file back
(:func:`read_problems`), so the problems keep their file, column and rows whatever
the message says, and publishes a page listing them in the report's language
(:func:`write_page`) in place of the page with the traceback.

Every value on the page is escaped: the messages quote cells of the data.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kamlib import i18n
from kamlib.errors import ConfigError, DataError
from kamlib.files import atomic_write_text
from kamlib.tables import parameter_summary

__all__ = ["FIELDS", "KERNEL_ARGUMENT", "PROBLEMS_FILE", "describe", "message", "problem_list", "problems_of", "read_problems", "record", "rows_text", "write_page"]

#: Written by the kernel into the job's folder when bad data stops the notebook; removed by the runner.
PROBLEMS_FILE = ".bad_data.json"

#: Kernel option that makes a new kernel run :func:`record` in its working directory (the job's folder).
KERNEL_ARGUMENT = "--IPKernelApp.exec_lines=import kamlib.report.bad_data; kamlib.report.bad_data.record()"

#: The fields of one problem, as the manifest keeps them (``zh``: the message in Chinese, when it has one).
FIELDS = ("severity", "code", "source", "column", "rows", "count", "message", "zh")


# ================================================================ inside the kernel
def problems_of(exc: BaseException) -> list[dict[str, Any]]:
    """The problems an error reports, one dict per problem (:data:`FIELDS`).

    A :class:`DataError` from :func:`kamlib.data.load` lists every problem it found;
    any other error is one problem, from its own attributes.

    Examples
    --------
    >>> err = DataError("orders.csv: bad date. Fix it.", source="orders.csv", column="order_date", rows=[3, 9])
    >>> problems_of(err)[0]["rows"], problems_of(ConfigError("by: no such column"))[0]["source"]
    ([3, 9], None)
    """
    found = [p for p in getattr(exc, "problems", ()) if hasattr(p, "message")]
    if not found:
        found = [exc]
    out = []
    for item in found:
        rows = [int(r) for r in getattr(item, "rows", ()) or ()]
        out.append({
            "severity": getattr(item, "severity", "error"),
            "code": getattr(item, "code", type(exc).__name__),
            "source": getattr(item, "source", None),
            "column": getattr(item, "column", None),
            "rows": rows,
            "count": int(getattr(item, "count", 0) or len(rows)),
            "message": str(getattr(item, "message", item)),
            "zh": str(getattr(item, "zh", "") or ""),
        })
    return out


def record(folder: str | os.PathLike[str] | None = None) -> None:
    """Write the problems of a :class:`DataError` or :class:`ConfigError` that leaves a cell to *folder*.

    Run inside a report's kernel (*folder*: the job's folder, by default the working
    directory now); the error is still shown in the notebook as usual. Outside
    IPython this does nothing.

    Examples
    --------
    >>> record()  # not in IPython: nothing to do
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    target = Path(folder or os.getcwd()) / PROBLEMS_FILE

    def handler(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> list[str]:
        atomic_write_text(target, json.dumps({"error": etype.__name__, "problems": problems_of(value)},
                                             ensure_ascii=False))
        return shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)

    shell.set_custom_exc((DataError, ConfigError), handler)


# ================================================================ outside the kernel
def read_problems(folder: Path) -> list[dict[str, Any]] | None:
    """The problems the kernel recorded in *folder* (the file is removed), or None if it recorded none."""
    path = Path(folder) / PROBLEMS_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        path.unlink(missing_ok=True)
    problems = payload.get("problems") if isinstance(payload, dict) else None
    if not isinstance(problems, list):
        return None
    return [{f: p.get(f) for f in FIELDS} for p in problems if isinstance(p, dict)]


def rows_text(problem: Mapping[str, Any], lang: str = "en") -> str:
    """The rows of a problem as the page shows them (``4, 7`` or ``4, 7 … (40 in all)``); ``–`` for none.

    Examples
    --------
    >>> rows_text({"rows": [4, 7], "count": 2}), rows_text({"rows": [4, 7], "count": 40}, "zh")
    ('4, 7', '4、7…（共 40 行）')
    >>> rows_text({"rows": [], "count": 0})
    '–'
    """
    rows = [str(r) for r in problem.get("rows") or []]
    if not rows:
        return "–"
    count = int(problem.get("count") or 0)
    more = i18n.t("report.bad_data_more_rows", lang, count=i18n.format_count(count, lang)) if count > len(rows) else ""
    return ("、" if lang == "zh" else ", ").join(rows) + more


def message(problem: Mapping[str, Any], lang: str = "en") -> str:
    """The problem's message in *lang* (English when it has none in Chinese).

    Examples
    --------
    >>> message({"message": "bad", "zh": "错误"}, "zh"), message({"message": "bad", "zh": ""}, "zh")
    ('错误', 'bad')
    """
    return str((problem.get("zh") if lang == "zh" else None) or problem.get("message") or "")


def describe(problems: Sequence[Mapping[str, Any]]) -> str:
    """One line for logs and the run index: ``bad data: 2 problems (accounts.csv, orders.csv)``.

    Examples
    --------
    >>> describe([{"source": "accounts.csv"}, {"source": "accounts.csv"}, {"source": None}])
    'bad data: 3 problems (accounts.csv)'
    """
    files = list(dict.fromkeys(str(p.get("source")) for p in problems if p.get("source")))
    where = f" ({', '.join(files)})" if files else ""
    return f"bad data: {len(problems)} problem{'' if len(problems) == 1 else 's'}{where}"


def problem_list(problems: Sequence[Mapping[str, Any]], lang: str = "en") -> str:
    """The problems as an escaped HTML list for the run index (empty text for none).

    Examples
    --------
    >>> problem_list([{"message": "a.csv: <script> in row 3. Fix it.", "rows": [3]}])
    '<ul class="problems"><li>a.csv: &lt;script&gt; in row 3. Fix it.</li></ul>'
    """
    if not problems:
        return ""
    items = "".join(f"<li>{html.escape(message(p, lang))}</li>" for p in problems)
    return f'<ul class="problems">{items}</ul>'


_PAGE_CSS = """
  body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "Segoe UI", Roboto,
         Helvetica, Arial, sans-serif; max-width: 1000px; margin: 0 auto; padding: 24px 40px 64px; color: #222;
         font-size: 15px; line-height: 1.65; }
  h1 { font-size: 28px; margin-top: 8px; border-bottom: 2px solid #3366A8; padding-bottom: 8px; }
  h2 { font-size: 21px; margin-top: 24px; color: #c62828; }
  table { border-collapse: collapse; margin: 6px 0 14px; font-size: 14px; width: 100%; }
  th { background: #f2f5fa; padding: 6px 12px; font-weight: 600; text-align: left; border-bottom: 1px solid #b9c6da; }
  td { border-bottom: 1px solid #e6e9ee; padding: 6px 12px; vertical-align: top; }
  td.where { white-space: nowrap; }
  h3 { font-size: 18px; margin-top: 28px; color: #1f3d66; }
  code { background: #f2f5fa; padding: 1px 4px; }
"""


def write_page(target: Path, problems: Sequence[Mapping[str, Any]], *, title: str, lang: str = "en",
               parameters: Mapping[str, Any] | None = None) -> Path:
    """Write the page of a report that bad data stopped: what to correct, one row per problem.

    Columns: file, column, rows (as numbered in the file, header = row 1) and the
    problem with its fix; then the *parameters* the report ran with, as every report
    shows them (:func:`kamlib.tables.parameter_summary`: secrets masked, paths by
    their last parts). Every value is HTML-escaped; the page has no script.

    Examples
    --------
    >>> import tempfile
    >>> page = write_page(Path(tempfile.mkdtemp()) / "r.html", [{"source": "a.csv", "column": "<b>",
    ...     "rows": [3], "count": 1, "message": "a.csv: bad. Fix it."}], title="Win/loss", lang="en")
    >>> text = page.read_text(encoding="utf-8"); "&lt;b&gt;" in text and "<b>" not in text
    True
    """
    lang = lang if lang in i18n.LANGS else "en"
    esc = html.escape
    intro = "report.bad_data_intro_one" if len(problems) == 1 else "report.bad_data_intro"
    rows = "\n".join(
        f'<tr><td class="where">{esc(str(p.get("source") or "–"))}</td>'
        f'<td class="where">{esc(str(p.get("column") or "–"))}</td>'
        f"<td>{esc(rows_text(p, lang))}</td><td>{esc(message(p, lang))}</td></tr>"
        for p in problems
    )
    headers = "".join(f"<th>{esc(i18n.t(f'report.bad_data_{key}', lang))}</th>"
                      for key in ("file", "column", "rows", "problem"))
    shown = parameter_summary(**{**(parameters or {}), "lang": lang})
    settings = "\n".join(f"<tr><td>{esc(name)}</td><td>{esc(value)}</td></tr>" for name, value in shown.values.tolist())
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{_PAGE_CSS}</style>
</head>
<body>
<h1>{esc(title)}</h1>
<h2>{esc(i18n.t("report.bad_data_heading", lang))}</h2>
<p>{esc(i18n.t(intro, lang, count=i18n.format_count(len(problems), lang)))}</p>
<table>
<thead><tr>{headers}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p>{esc(i18n.t("report.bad_data_then", lang))}</p>
<h3>{esc(i18n.t("title.parameters", lang))}</h3>
<table>
<thead><tr><th>{esc(i18n.t("parameter", lang))}</th><th>{esc(i18n.t("value", lang))}</th></tr></thead>
<tbody>
{settings}
</tbody>
</table>
</body>
</html>
"""
    return atomic_write_text(Path(target), page)
