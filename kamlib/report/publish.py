"""Publishing a run: each executed notebook as an HTML page without code, the run's
``manifest.json`` (jobs, parameters with secrets masked, timings, versions) and its
``index.html`` linking everything."""

from __future__ import annotations

import datetime as _dt
import functools
import html
import json
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import kamlib
from kamlib import i18n
from kamlib.files import atomic_write_text
from kamlib.masking import mask_secret
from kamlib.report.bad_data import problem_list
from kamlib.report.jobs import JobResult, now
from kamlib.sections import markdown_html

__all__ = ["HEADLINES", "headline_findings", "render_html", "report_title", "run_status", "versions", "write_index",
           "write_manifest"]


def report_title(notebook: Path, lang: str) -> str:
    """Page title: the label ``title.<name without number>`` (``title.data_overview``).

    Examples
    --------
    >>> report_title(Path("00_data_overview.ipynb"), "zh") != "00_data_overview"
    True
    """
    key = "title." + re.sub(r"^\d+[_\-]", "", notebook.stem)
    return i18n.t(key, lang) if i18n.has(key) else notebook.stem


_REPORT_CSS = """
  body.jp-Notebook { max-width: 1000px; margin: 0 auto; padding: 24px 40px 64px;
    --jp-content-font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei",
        "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
    --jp-ui-font-family: var(--jp-content-font-family);
    font-family: var(--jp-content-font-family); color: #222; background: #fff; }
  .jp-RenderedHTMLCommon { font-size: 15px; line-height: 1.65; padding-right: 0; }
  .jp-RenderedHTMLCommon h1 { font-size: 28px; margin-top: 8px; border-bottom: 2px solid #3366A8; padding-bottom: 8px; }
  .jp-RenderedHTMLCommon h2 { font-size: 21px; margin-top: 32px; color: #1f3d66; }
  .jp-RenderedHTMLCommon table { border-collapse: collapse; margin: 6px 0 14px; font-size: 14px;
    table-layout: auto; }
  .jp-RenderedHTMLCommon thead { border-bottom: 1px solid #b9c6da; }
  .jp-RenderedHTMLCommon th { background: #f2f5fa; padding: 6px 14px; font-weight: 600; }
  .jp-RenderedHTMLCommon td { border-bottom: 1px solid #e6e9ee; padding: 5px 14px; }
  .jp-RenderedHTMLCommon tbody tr:nth-child(odd) { background: #fff; }
  .jp-RenderedHTMLCommon tbody tr:hover { background: #f7f9fc; }
  .jp-OutputArea-output img { max-width: 100%; height: auto; }
  .jp-OutputArea-output pre { white-space: pre-wrap; }
  .jp-Cell { padding-left: 0; padding-right: 0; }
  .jp-OutputPrompt, .jp-InputPrompt { display: none; }
  @media print { body.jp-Notebook { padding: 0; } }
"""

# The lab template without scripts from CDNs (require.js, MathJax, Mermaid): a report
# opens offline and asks no third party for anything.
_REPORT_TEMPLATE = (
    "{%- extends 'index.html.j2' -%}\n"
    "{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}\n"
    "{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}\n"
    "{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}\n"
    "{%- block html_head_css -%}<style type=\"text/css\">" + _REPORT_CSS + "</style>{%- endblock html_head_css -%}\n"
    # a figure's text alternative (kamlib.plots.inline_figures puts it in the PNG's metadata)
    "{%- block data_png scoped -%}{%- set alt = output | get_metadata('alt', 'image/png') -%}"
    "{%- if alt -%}{{ super() | replace('<img src=', '<img alt=\"' ~ (alt | escape_html) ~ '\" src=', 1) }}"
    "{%- else -%}{{ super() }}{%- endif -%}{%- endblock data_png -%}\n"
    # Markdown a cell displays may hold data values: raw HTML in it is escaped (kamlib.sections.Page
    # shows its Markdown as escaped HTML already; this covers any other Markdown output)
    "{%- block data_markdown scoped -%}<div class=\"jp-RenderedHTMLCommon jp-RenderedMarkdown jp-OutputArea-output "
    "{{ extra_class }}\" data-mime-type=\"text/markdown\">\n{{ output.data['text/markdown'] | markdown_html }}\n</div>"
    "{%- endblock data_markdown -%}\n"
)


@functools.cache
def _exporter(lang: str) -> Any:
    """The HTML exporter for reports in *lang*, built once per process (its templates compile once)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"kam_report.html.j2": _REPORT_TEMPLATE})],
        template_file="kam_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=lang,
        # nbconvert's defaults (execute, clear or extract outputs, highlight magics, ...)
        # change nothing in an executed report, but each would check the notebook again
        default_preprocessors=[],
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"notebook-only"}, enabled=True), enabled=True
    )
    exporter.register_filter("markdown_html", markdown_html)
    return exporter


def render_html(notebook: str | Path, target: str | Path, *, title: str | None = None, lang: str = "en") -> Path:
    """Render an executed notebook as a self-contained HTML page without code.

    Code cells' inputs and prompts are left out (nbconvert ``exclude_input``); outputs
    and markdown stay. Markdown cells tagged ``notebook-only`` (notes for someone
    running the notebook, such as how to change a parameter) are left out too. The
    page loads nothing from the internet (figures are embedded) and declares *lang*
    so browsers pick Chinese fonts for ``zh``.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    exporter = _exporter(lang if lang in i18n.LANGS else "en")
    resources = {"metadata": {"name": title or Path(notebook).stem}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return atomic_write_text(Path(target), body)




def versions(*, distributed: bool = False) -> dict[str, str]:
    """Versions of Python, kamlib and the libraries a report depends on (for the manifest)."""
    from importlib.metadata import PackageNotFoundError, version

    names = ["pandas", "duckdb", "papermill", "nbconvert", "nbclient", "matplotlib"]
    names += ["dask", "distributed"] if distributed else []
    found = {"python": platform.python_version(), "kamlib": kamlib.__version__}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover
            found[name] = "not installed"
    return found


def run_status(jobs: Sequence[JobResult], *, finished: bool) -> str:
    """``running``, ``interrupted``, ``failed`` or ``ok`` for a run with these jobs."""
    if any(j.status == "interrupted" for j in jobs):
        return "interrupted"
    if not finished:
        return "running"
    return "ok" if all(j.ok for j in jobs) else "failed"


def write_manifest(
    run_dir: Path,
    jobs: Sequence[JobResult],
    *,
    parameters: Mapping[str, Any],
    seconds: float,
    finished: bool = True,
    started: _dt.datetime | str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``manifest.json``: every job with its parameters, status, times, attempts and files.

    Rewritten after every job (status ``running`` until the last), so an interrupted
    run still says what it did. Secrets in *parameters* are masked. *extra* adds
    run-level entries (config file, scheduler, workers).
    """
    if isinstance(started, _dt.datetime):
        started = started.astimezone().isoformat(timespec="seconds")
    manifest = {
        "run_id": Path(run_dir).name,
        "started": started or now(),
        "updated": now(),
        "status": run_status(jobs, finished=finished),
        "seconds": round(seconds, 2),
        "kamlib_version": kamlib.__version__,
        "versions": versions(distributed=bool((extra or {}).get("scheduler"))),
        "parameters": {k: mask_secret(k, v) for k, v in parameters.items()},
        **(extra or {}),
        "jobs": [asdict(j) for j in jobs],
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n"
    return atomic_write_text(Path(run_dir) / "manifest.json", text)


_INDEX_CSS = """
  body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Segoe UI", Roboto, Arial, sans-serif;
         max-width: 1100px; margin: 40px auto; padding: 0 24px; color: #222; }
  h1 { font-size: 26px; border-bottom: 2px solid #3366A8; padding-bottom: 6px; }
  p.meta { color: #555; }
  table { border-collapse: collapse; width: 100%; font-size: 15px; }
  th { text-align: left; background: #f2f5fa; border-bottom: 1px solid #b9c6da; padding: 8px 10px;
       vertical-align: bottom; }
  td { border-bottom: 1px solid #e6e9ee; padding: 8px 10px; vertical-align: top; }
  td.num { text-align: right; white-space: nowrap; }
  .ok { color: #2e7d32; font-weight: bold; }
  .failed { color: #c62828; font-weight: bold; }
  .pending, .interrupted { color: #8a6d00; font-weight: bold; }
  .bad_data { color: #c62828; font-weight: bold; }
  ul.problems { margin: 4px 0 0; padding-left: 18px; color: #c62828; font-size: 13px; }
  .error { color: #c62828; font-size: 13px; }
  .files { margin-top: 4px; }
  .files a { margin-right: 10px; font-size: 13px; color: #666; text-decoration: none; }
  .files a:hover { text-decoration: underline; }
  td.report { width: 55%; }
  .files a { white-space: nowrap; }
  ul.findings { margin: 6px 0 2px; padding-left: 18px; font-size: 14px; color: #333; }
  ul.findings li { margin: 2px 0; }
  ul.findings p { margin: 0; }
"""


def _both(key: str) -> str:
    """``English / 中文`` for the run index, which serves readers of both languages."""
    return f"{i18n.t(key, 'en')} / {i18n.t(key, 'zh')}" if i18n.has(key) else key


#: How many findings of a report the run index shows under its link.
HEADLINES = 3


@functools.lru_cache(maxsize=256)
def _read_findings(notebook: Path, stamp: tuple[int, int]) -> tuple[str, ...]:
    """The findings the executed *notebook* recorded (see :func:`headline_findings`); *stamp* keys the cache."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return ()
    found: list[str] = []
    for cell in cells:
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            kept = (output.get("metadata") or {}).get("kamlib") if isinstance(output, dict) else None
            if isinstance(kept, dict) and isinstance(kept.get("findings"), list):
                found = [str(f) for f in kept["findings"]]
    return tuple(found)


def headline_findings(notebook: str | Path, count: int = HEADLINES) -> list[str]:
    """The first *count* findings of an executed report notebook, as Markdown (none when it has none).

    :class:`kamlib.sections.Page` records a page's findings in the metadata of its
    closing heading; they are read from the executed notebook, which the runner has
    cleared of the run's secrets. A notebook that cannot be read has none.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "r.ipynb"
    >>> output = {"output_type": "display_data", "metadata": {"kamlib": {"findings": ["A.", "B.", "C.", "D."]}}}
    >>> _ = path.write_text(json.dumps({"cells": [{"outputs": [output]}]}), encoding="utf-8")
    >>> headline_findings(path), headline_findings(path.with_name("missing.ipynb"))
    (['A.', 'B.', 'C.'], [])
    """
    path = Path(notebook)
    try:
        info = path.stat()
    except OSError:
        return []
    return list(_read_findings(path, (info.st_mtime_ns, info.st_size))[:count])


def _findings_html(run_dir: Path, job: JobResult) -> str:
    """The headline findings of *job*'s report as an escaped HTML list ("" when it has none)."""
    notebook = next((f for f in job.files if f.endswith(f"/{job.notebook}.ipynb")), None)
    lines = headline_findings(Path(run_dir) / notebook) if notebook and job.ok else []
    if not lines:
        return ""
    items = markdown_html("\n".join("- " + " ".join(line.split()) for line in lines))
    return items.replace("<ul>", '<ul class="findings">', 1)


def _downloads(job: JobResult) -> list[tuple[str, str]]:
    """``(link, text)`` of what a reader of *job*'s report may download: its workbook, the folder
    of its CSV tables, the other pages it wrote, its executed notebook, and its folder when it
    wrote further files (calendars …)."""
    folder = f"{job.folder}/"
    top = [f for f in job.files if f.startswith(folder) and "/" not in f[len(folder):] and f != job.html]
    links = [(f, f"{i18n.t('report.workbook', job.lang)}: {Path(f).name}") for f in top if f.endswith(".xlsx")]
    if any(f.startswith(f"{folder}tables/") for f in job.files):
        links.append((f"{folder}tables/", i18n.t("report.csv_tables", job.lang)))
    links += [(f, Path(f).name) for f in top if f.endswith((".html", ".ipynb"))]
    others = [f for f in top if not f.endswith((".xlsx", ".html", ".ipynb"))]
    return links + ([(folder, i18n.t("report.more_files", job.lang, count=len(others)))] if others else [])


def write_index(run_dir: Path, jobs: Sequence[JobResult], *, seconds: float, finished: bool = True) -> Path:
    """Write ``index.html``: one row per job, linking its HTML report, with its headline findings
    (:func:`headline_findings`), its workbook, CSV tables and notebook, status and duration."""
    esc = html.escape
    rows = []
    for job in jobs:
        title = " · ".join([report_title(Path(job.notebook), job.lang), *(f"{k} = {v}" for k, v in job.fanout.items())])
        link = f'<a href="{esc(job.html)}">{esc(title)}</a>' if job.html else esc(title)
        files = " ".join(f'<a href="{esc(href)}">{esc(text)}</a>' for href, text in _downloads(job))
        findings = _findings_html(run_dir, job)
        error = f'<div class="error">{esc(job.error)}</div>' if job.error else ""
        error += problem_list(job.problems, job.lang)
        status = i18n.t(f"report.status_{job.status}", job.lang)
        rows.append(
            f"<tr><td class=\"report\">{link}{findings}<div class=\"files\">{files}</div>{error}</td>"
            f"<td>{esc(job.notebook)}</td><td>{esc(job.lang)}</td>"
            f'<td class="{esc(job.status)}">{esc(status)}</td>'
            f'<td class="num">{f"{job.seconds:.1f} s" if job.ended else "–"}</td></tr>'
        )
    ok = sum(j.ok for j in jobs)
    state = "" if finished else " …"
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(_both("report.index_title"))} {esc(Path(run_dir).name)}</title>
<style>{_INDEX_CSS}</style>
</head>
<body>
<h1>{esc(_both("report.index_title"))} {esc(Path(run_dir).name)}</h1>
<p class="meta">{ok} / {len(jobs)} ok · {seconds:.1f} s · kamlib {esc(kamlib.__version__)}{state} ·
<a href="manifest.json">manifest.json</a></p>
<table>
<thead><tr><th>{esc(_both("report.report"))}</th><th>{esc(_both("report.notebook"))}</th>
<th>{esc(_both("report.language"))}</th><th>{esc(_both("status"))}</th>
<th>{esc(_both("report.duration"))}</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</body>
</html>
"""
    return atomic_write_text(Path(run_dir) / "index.html", page)
