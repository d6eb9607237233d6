"""Reports: run the analysis notebooks with papermill and publish them as HTML.

One run writes one new folder, never touching earlier runs::

    reports/20261122-173000/
        index.html                      links to every report, with status and duration
        manifest.json                   jobs, parameters (secrets masked), timings, versions
        00_data_overview-en/
            00_data_overview.ipynb      the executed notebook (outputs kept)
            00_data_overview.html       the same without code: what a reader gets
            revenue_by_region.csv ...   tables the notebook wrote (UTF-8 with BOM) and .xlsx

The runner is a chain of small steps so that parallel and distributed execution and
batch configs can be added around it: :func:`find_notebooks` → :func:`plan` (checks
every parameter before anything runs) → :func:`new_run_dir` → :func:`execute_job`
(papermill, then :func:`render_html`) → :func:`write_manifest` / :func:`write_index`.
:func:`run` strings them together.

Notebooks use two helpers from here: :func:`save_table` (write a shown table next to
the report) and :func:`styled` (a table formatted for readers).
"""

from __future__ import annotations

import datetime as _dt
import functools
import html
import json
import os
import platform
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import kamlib
from kamlib import i18n
from kamlib.errors import ConfigError, ReportError
from kamlib.masking import mask_secret

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pandas.io.formats.style import Styler

__all__ = [
    "NOTEBOOKS_DIR",
    "EnvValue",
    "Job",
    "JobResult",
    "RunResult",
    "assign_folders",
    "check_parameters",
    "declared_parameters",
    "find_notebooks",
    "job_files",
    "new_run_dir",
    "notebook_parameters",
    "period_of",
    "plan",
    "render_html",
    "resolve",
    "run",
    "safe_name",
    "save_table",
    "styled",
    "write_index",
    "write_manifest",
]

#: Where the analysis notebooks live (next to the package in the source tree).
NOTEBOOKS_DIR = Path(kamlib.__file__).resolve().parent.parent / "notebooks"

#: Parameters every report notebook takes (design.md: "Every notebook takes lang").
BASE_PARAMETERS = ("data", "lang", "output_dir")

# ============================================================================ files
def _atomic_write(path: Path, data: bytes) -> Path:
    """Write *data* to *path* through a temporary file in the same folder + os.replace.

    A reader (or a crashed run) never sees half a file; permissions follow the umask
    like any other file (so a web server can serve the report).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    return _atomic_write(path, text.encode(encoding))


def _translate(df: pd.DataFrame, lang: str, values: Mapping[str, str | None] | None) -> pd.DataFrame:
    """Labels for display: headers, and category values per ``{column: group}``.

    A group of ``None`` means the column holds column names (``order_date``), which
    are labelled like headers.
    """
    import pandas as pd  # imported when used: the report runner itself needs no pandas

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
    """
    if not re.fullmatch(r"[\w.\-]+", name) or name.startswith("."):
        raise ConfigError(f"save_table: name must be a plain file stem such as 'revenue_by_region', but {name!r} was passed.")
    unknown = set(formats) - {"csv", "xlsx"}
    if unknown:
        raise ConfigError(f"save_table: formats must be among 'csv', 'xlsx', but {sorted(unknown)} was passed.")
    table = _translate(df, lang, values) if lang is not None else df
    folder = Path(output_dir)
    written = []
    if "csv" in formats:
        text = table.to_csv(index=False, date_format="%Y-%m-%d")
        written.append(_atomic_write_text(folder / f"{name}.csv", text, encoding="utf-8-sig"))
    if "xlsx" in formats:
        import io

        import pandas as pd

        buffer = io.BytesIO()
        sheet = table.copy()
        for column in sheet.columns:  # Excel has no time zones
            if isinstance(sheet[column].dtype, pd.DatetimeTZDtype):
                sheet[column] = sheet[column].dt.tz_localize(None)
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            sheet.to_excel(writer, index=False, sheet_name=name[:31])
            worksheet = writer.sheets[name[:31]]
            for cells in worksheet.columns:  # readable column widths
                width = max(len(str(c.value)) if c.value is not None else 0 for c in cells)
                worksheet.column_dimensions[cells[0].column_letter].width = min(max(10, width * 1.3), 60)
        written.append(_atomic_write(folder / f"{name}.xlsx", buffer.getvalue()))
    return written


def _is_percent(column: str) -> bool:
    return column == "share" or column.endswith(("_share", "_rate", "_pct"))


def styled(
    df: pd.DataFrame, lang: str = "en", *, values: Mapping[str, str | None] | None = None
) -> Styler:
    """A table formatted for readers: labels in *lang*, numbers with separators.

    Shares (``share``, ``*_share``, ``*_rate``) as percentages, whole numbers with
    thousands separators, amounts without decimals (two decimals below 100), dates
    as ``2025-06-30``, missing values as ``–``; no index.

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
    """
    import pandas as pd

    i18n.check_lang(lang)
    shown = _translate(df, lang, values)
    formats: dict[str, Any] = {}
    for original, label in zip(df.columns, shown.columns):
        column = shown[label]
        if pd.api.types.is_bool_dtype(column):
            continue
        if pd.api.types.is_datetime64_any_dtype(column):
            formats[label] = lambda v: "–" if pd.isna(v) else f"{v:%Y-%m-%d}"
        elif pd.api.types.is_integer_dtype(column):
            formats[label] = "{:,}"
        elif pd.api.types.is_float_dtype(column):
            if _is_percent(str(original)):
                formats[label] = "{:.1%}"
            elif column.abs().max() >= 100:
                formats[label] = "{:,.0f}"
            else:
                formats[label] = "{:,.2f}"
    numeric = [
        label
        for label in shown.columns
        if pd.api.types.is_numeric_dtype(shown[label]) and not pd.api.types.is_bool_dtype(shown[label])
    ]
    right = [{"selector": "td", "props": "text-align: right;"}, {"selector": "th", "props": "text-align: right;"}]
    return (
        shown.style.format(formats, na_rep="–")
        .hide(axis="index")
        .set_table_styles(
            [
                {"selector": "th", "props": "text-align: left; white-space: nowrap;"},
                {"selector": "td", "props": "text-align: left; white-space: nowrap;"},
            ]
        )
        .set_table_styles({label: right for label in numeric}, overwrite=False)
    )


# ============================================================================ plan
def safe_name(value: Any, *, limit: int = 60) -> str:
    """*value* as one file-name part: letters (Chinese too), digits, ``_`` and ``-`` only.

    Anything else (``/``, ``.``, spaces) becomes ``_``, so a fan-out value can never
    leave the run folder.

    Examples
    --------
    >>> safe_name("../../evil"), safe_name("/etc/passwd"), safe_name("华东 区"), safe_name("..")
    ('evil', 'etc_passwd', '华东_区', '_')
    """
    text = re.sub(r"[^\w\-]+", "_", str(value)).strip("_")[:limit]
    return text or "_"


@dataclass
class Job:
    """One notebook run with one parameter set (one language, one fan-out value).

    *fanout* holds the parameters set by a batch's ``for_each`` (they name the job's
    folder); *timeout* is the seconds the whole job may run, *cell_timeout* the seconds
    one cell may run (None = no limit); *folder* is set when the run starts.
    """

    notebook: Path
    lang: str
    parameters: dict[str, Any]
    fanout: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    timeout: float | None = None
    cell_timeout: float | None = None
    folder: str | None = None

    @property
    def name(self) -> str:
        """``00_data_overview-zh`` or ``01_environment_analysis-zh-east``: the job's folder."""
        parts = [self.notebook.stem, self.lang, self.label, *self.fanout.values()]
        return self.folder or "-".join(safe_name(p) for p in parts if p is not None)

    @property
    def title(self) -> str:
        """``01_environment_analysis (zh, region=east)``: the job in log lines."""
        return _describe(self.notebook.stem, self.lang, self.fanout)


def _describe(notebook: str, lang: str, fanout: Mapping[str, Any]) -> str:
    return f"{notebook} ({', '.join([lang, *(f'{k}={v}' for k, v in fanout.items())])})"


def assign_folders(jobs: Sequence[Job]) -> None:
    """Give every job its own folder name (``-2``, ``-3`` … when two would share one)."""
    taken: set[str] = set()
    for job in jobs:
        base, n = job.name, 1
        while (name := base if n == 1 else f"{base}-{n}") in taken:
            n += 1
        taken.add(name)
        job.folder = name


@dataclass
class JobResult:
    """What happened to one job.

    ``status`` is ``"ok"``, ``"failed"``, ``"pending"`` (not finished yet) or
    ``"interrupted"``; ``files`` are paths relative to the run folder; ``error`` is a
    one-line summary (``ValueError: … (cell In [5])``) or None; ``parameters`` are the
    ones the notebook got, secrets masked; ``attempts`` counts kernel starts.
    """

    notebook: str
    lang: str
    status: str
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)
    error: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    fanout: dict[str, Any] = field(default_factory=dict)
    folder: str = ""
    source: str = ""
    started: str | None = None
    ended: str | None = None
    attempts: int = 0
    timeout: float | None = None
    cell_timeout: float | None = None

    @classmethod
    def pending(cls, job: Job) -> JobResult:
        """The entry of a job that has not finished (yet)."""
        return cls(
            notebook=job.notebook.stem,
            lang=job.lang,
            status="pending",
            parameters={**{k: mask_secret(k, v) for k, v in job.parameters.items()}, "output_dir": job.name},
            fanout=dict(job.fanout),
            folder=job.name,
            source=str(job.notebook),
            timeout=job.timeout,
            cell_timeout=job.cell_timeout,
        )

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def title(self) -> str:
        return _describe(self.notebook, self.lang, self.fanout)

    @property
    def html(self) -> str | None:
        """The job's HTML report (relative to the run folder), if one was written."""
        return next((f for f in self.files if f.endswith(f"{self.notebook}.html")), None)


@dataclass
class RunResult:
    """A finished report run: its folder, every job's result, and whether all went well."""

    run_dir: Path
    jobs: list[JobResult]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(job.ok for job in self.jobs)

    @property
    def failed(self) -> list[JobResult]:
        return [job for job in self.jobs if not job.ok]

    def summary(self) -> str:
        """``2 reports: 2 ok, 0 failed in 5.3 s``."""
        failed = len(self.failed)
        text = f"{len(self.jobs)} reports: {len(self.jobs) - failed} ok, {failed} failed in {self.seconds:.1f} s"
        if failed:
            text += " (failed: " + ", ".join(j.title for j in self.failed) + ")"
        return text


def find_notebooks(only: Iterable[str | Path] | None = None, *, folder: Path | None = None) -> list[Path]:
    """The notebooks to run: every ``[0-9]*.ipynb`` in *folder*, or those named in *only*.

    An entry of *only* is a path to a notebook file, or a notebook in *folder*
    given by file name (``00_data_overview.ipynb``), stem (``00_data_overview``)
    or number prefix (``00``).

    Raises
    ------
    ReportError
        When an entry matches no notebook, or several.

    Examples
    --------
    >>> [p.name for p in find_notebooks(["00"])]
    ['00_data_overview.ipynb']
    """
    folder = NOTEBOOKS_DIR if folder is None else Path(folder)
    available = sorted(folder.glob("[0-9]*.ipynb"))
    if only is None:
        if not available:
            raise ReportError(f"No notebooks to run: {folder} has no [0-9]*.ipynb files.")
        return available
    chosen: list[Path] = []
    for entry in only:
        path = Path(entry)
        if path.suffix == ".ipynb" and path.is_file():
            matches = [path.resolve()]
        else:
            text = str(entry).removesuffix(".ipynb")
            matches = [p for p in available if p.stem == text] or [
                p for p in available if p.stem.startswith(text + "_")
            ]
        if len(matches) != 1:
            names = ", ".join(p.stem for p in available) or "none"
            found = "matches several notebooks" if matches else "matches no notebook"
            raise ReportError(
                f"--only {entry!s}: {found} (notebooks in {folder}: {names}). "
                "Give a notebook's name, number or path."
            )
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def _langs(lang: str) -> list[str]:
    if lang == "all":
        return list(i18n.LANGS)
    if lang not in i18n.LANGS:
        raise ReportError(f"lang must be one of {', '.join(map(repr, (*i18n.LANGS, 'all')))}, but {lang!r} was passed.")
    return [lang]


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def _coerce(notebook: Path, name: str, value: Any, type_name: str) -> Any:
    """Turn a text value (from the command line) into the parameter's declared type."""
    if not isinstance(value, str):
        return value
    kinds = {part.strip() for part in type_name.replace("Optional[", "").rstrip("]").split("|")}
    if "None" in kinds and value.strip() in {"None", "none", "null", ""}:
        return None
    for kind, convert in (("int", int), ("float", float)):
        if kind in kinds:
            try:
                return convert(value)
            except ValueError:
                if "str" in kinds:
                    return value
                raise ReportError(
                    f"{notebook.name}: parameter {name!r} expects {type_name}, but {value!r} was passed."
                ) from None
    if "bool" in kinds:
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
        raise ReportError(f"{notebook.name}: parameter {name!r} expects true or false, but {value!r} was passed.")
    return value


def notebook_parameters(notebook: str | Path) -> dict[str, dict[str, str]]:
    """The parameters a notebook declares in its cell tagged ``parameters``.

    Returns the same shape as :func:`papermill.inspect_notebook` (``{name: {name,
    inferred_type_name, default, help}}``) but reads the cell with :mod:`ast`, so
    modern annotations such as ``str | None`` are understood (papermill's pattern
    skips them and then reports the parameter as unknown).

    Examples
    --------
    >>> params = notebook_parameters(NOTEBOOKS_DIR / "00_data_overview.ipynb")
    >>> params["data"]["inferred_type_name"], params["lang"]["default"]
    ('str | None', '"en"')
    """
    import ast

    # Plain JSON: importing nbformat costs about a second, and only one cell is needed.
    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return {}
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ReportError(f"{Path(notebook).name}: the parameters cell is not valid Python (line {exc.lineno}: {exc.msg}).") from None
    lines = source.splitlines()
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets, annotation, value = [node.target.id], ast.unparse(node.annotation), node.value
        elif isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            annotation, value = "None", node.value
        else:
            continue
        line = lines[node.end_lineno - 1].encode("utf-8") if node.end_lineno else b""
        # ast offsets count UTF-8 bytes, not characters (a default may be "华东")
        comment = line[node.end_col_offset or 0 :].decode("utf-8", "replace").strip()
        help_text = comment[1:].strip() if comment.startswith("#") else ""
        for name in targets:
            found[name] = {
                "name": name,
                "inferred_type_name": annotation,
                "default": ast.get_source_segment(source, value) if value is not None else "",
                "help": help_text,
            }
    return found


def declared_parameters(notebook: Path) -> dict[str, dict[str, str]]:
    """:func:`notebook_parameters`, requiring a parameters cell with ``data``, ``lang``, ``output_dir``.

    Raises
    ------
    ReportError
        When the notebook cannot be read, has no parameters cell or lacks a base parameter.
    """
    try:
        declared = notebook_parameters(notebook)
    except ReportError:
        raise
    except Exception as exc:  # unreadable notebook
        raise ReportError(f"{notebook}: cannot read the notebook ({type(exc).__name__}: {exc}).") from exc
    if not declared:
        raise ReportError(
            f"{notebook.name}: no cell tagged 'parameters'. Tag the cell that sets "
            f"{', '.join(BASE_PARAMETERS)} with 'parameters'."
        )
    check_parameters(notebook, dict.fromkeys(BASE_PARAMETERS), declared)
    return declared


def check_parameters(
    notebook: Path, values: Mapping[str, Any], declared: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """*values* converted to the types *notebook* declares; unknown names are an error.

    Raises
    ------
    ReportError
        Naming the unknown parameters (and the declared ones), or the value that does
        not fit its type.
    """
    unknown = [name for name in values if name not in declared]
    if unknown:
        raise ReportError(
            f"{notebook.name}: unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} (the notebook's parameters are: {', '.join(declared)}). "
            "Check the spelling, or add it to the notebook's parameters cell."
        )
    return {
        name: _coerce(notebook, name, value, declared[name].get("inferred_type_name") or "")
        for name, value in values.items()
    }


def check_data(data: str | None) -> str | None:
    """*data* as an absolute path; URLs and ``env:NAME`` references are kept as given.

    Raises
    ------
    ReportError
        When the folder or file does not exist, or the environment variable is not set.
    """
    if data is None or "://" in str(data):
        return data
    if str(data).startswith(ENV_PREFIX):
        resolve(data).value  # noqa: B018 - raises when the variable is not set
        return data
    path = Path(data).expanduser()
    if not path.exists():
        raise ReportError(f"data: {data} does not exist. Give a data folder or a DuckDB file (or leave it out for the sample).")
    return str(path.resolve())


def check_runner_names(parameters: Mapping[str, Any]) -> None:
    """Refuse ``data``, ``lang``, ``output_dir`` among free parameters: the runner sets them."""
    clash = sorted(set(parameters) & set(BASE_PARAMETERS))
    if clash:
        raise ReportError(
            f"parameter {clash[0]!r} is set by the report runner; use the --{clash[0].replace('_', '-')} option "
            "(or the run() argument) instead of --param."
        )


def plan(
    notebooks: Sequence[Path],
    *,
    data: str | None = None,
    lang: str = "en",
    parameters: Mapping[str, Any] | None = None,
) -> list[Job]:
    """Check every notebook's parameters and list the jobs to run, before anything runs.

    Each notebook must declare ``data``, ``lang`` and ``output_dir`` and every name in
    *parameters* in its ``parameters`` cell (papermill would only warn about an
    unknown name and run with the default, which hides typos: here it is an error).
    Text values are converted to the declared type (``--param top_n=10`` → 10).

    Raises
    ------
    ReportError
        When a notebook lacks a parameters cell or a parameter, *lang* is not
        supported, *data* does not exist, or a value does not fit its type.
    """
    langs = _langs(lang)
    extra = dict(parameters or {})
    check_runner_names(extra)
    data = check_data(data)
    jobs = []
    for notebook in notebooks:
        values = check_parameters(notebook, extra, declared_parameters(notebook))
        for one in langs:
            jobs.append(Job(notebook=Path(notebook), lang=one, parameters={"data": data, "lang": one, **values}))
    return jobs


#: Parameters whose value names the period a run covers (the first one set names the run).
PERIOD_PARAMETERS = ("month", "as_of", "period_end")


def period_of(parameters: Mapping[str, Any]) -> str | None:
    """The period a run covers, from the first of ``month``, ``as_of``, ``period_end`` that is set.

    Examples
    --------
    >>> period_of({"region": "east", "period_end": "2025-06-30"}), period_of({})
    ('2025-06-30', None)
    """
    return next((str(parameters[k]) for k in PERIOD_PARAMETERS if parameters.get(k) not in (None, "")), None)


def new_run_dir(
    out: str | Path = "reports", *, now: _dt.datetime | None = None, period: str | None = None
) -> Path:
    """Create and return a new, empty run folder ``<out>/[<period>_]<YYYYmmdd-HHMMSS>[-N]``.

    An existing folder is never reused: a suffix ``-2``, ``-3``, … is added.

    Examples
    --------
    >>> import tempfile, datetime
    >>> base = tempfile.mkdtemp()
    >>> when = datetime.datetime(2026, 11, 22, 17, 30)
    >>> new_run_dir(base, now=when).name, new_run_dir(base, now=when).name
    ('20261122-173000', '20261122-173000-2')
    >>> new_run_dir(base, now=when, period="2026-10").name
    '2026-10_20261122-173000'
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    if period:
        stamp = f"{safe_name(period)}_{stamp}"
    for n in range(1, 10_000):
        candidate = out / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise ReportError(f"{out}: cannot create a new run folder for {stamp}.")  # pragma: no cover


# ========================================================================== secrets
#: A parameter written ``env:NAME`` is read from the environment variable NAME in the kernel.
ENV_PREFIX = "env:"


class EnvValue(os.PathLike):
    """A parameter written ``env:NAME``: shown as ``env:NAME``, read from the environment when used.

    ``kam.data.load(EnvValue)`` opens the path the variable holds (it is a path-like
    object); other code takes :attr:`value`. Shown, printed or masked it stays
    ``env:NAME``, so the secret never reaches a report.
    """

    def __init__(self, name: str) -> None:
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ConfigError(f"{ENV_PREFIX}{name}: not an environment variable name. Write env:NAME, e.g. env:KAM_DB_URL.")
        self.name = name

    @property
    def value(self) -> str:
        """The variable's value."""
        try:
            return os.environ[self.name]
        except KeyError:
            raise ReportError(
                f"{ENV_PREFIX}{self.name}: the environment variable {self.name} is not set. "
                f"Set it where the reports run (export {self.name}=...)."
            ) from None

    def __fspath__(self) -> str:
        return self.value

    def __str__(self) -> str:
        return f"{ENV_PREFIX}{self.name}"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnvValue) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("env", self.name))


def resolve(value: Any) -> Any:
    """*value*, with a text ``env:NAME`` turned into an :class:`EnvValue` (anything else as is).

    The report runner calls it in the kernel for every parameter written ``env:NAME``,
    right after papermill's injected parameters.

    Examples
    --------
    >>> import os
    >>> os.environ["KAM_DOCTEST_DATA"] = "/srv/secret-folder"
    >>> data = resolve("env:KAM_DOCTEST_DATA")
    >>> str(data), os.fspath(data), resolve("east")
    ('env:KAM_DOCTEST_DATA', '/srv/secret-folder', 'east')
    """
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        return EnvValue(value[len(ENV_PREFIX):])
    return value


# ========================================================================== execute
def _title(notebook: Path, lang: str) -> str:
    """Page title: the label ``title.<name without number>`` (``title.data_overview``)."""
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
    return _atomic_write_text(Path(target), body)


# ========================================================================= publish
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
        "started": started or _now(),
        "updated": _now(),
        "status": run_status(jobs, finished=finished),
        "seconds": round(seconds, 2),
        "kamlib_version": kamlib.__version__,
        "versions": versions(distributed=bool((extra or {}).get("scheduler"))),
        "parameters": {k: mask_secret(k, v) for k, v in parameters.items()},
        **(extra or {}),
        "jobs": [asdict(j) for j in jobs],
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n"
    return _atomic_write_text(Path(run_dir) / "manifest.json", text)


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def job_files(run_dir: Path, folder: Path) -> list[str]:
    """The files a job left in *folder*, as ``/``-separated paths relative to *run_dir* (hidden ones left out).

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp()); (run / "job").mkdir()
    >>> _ = (run / "job" / "report.html").write_text("<p>"), (run / "job" / ".partial").write_text("")
    >>> job_files(run, run / "job"), job_files(run, run / "missing")
    (['job/report.html'], [])
    """
    run_dir = Path(run_dir).resolve()
    return sorted(str(p.resolve().relative_to(run_dir)).replace(os.sep, "/") for p in Path(folder).rglob("*")
                  if p.is_file() and not p.name.startswith("."))


_INDEX_CSS = """
  body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Segoe UI", Roboto, Arial, sans-serif;
         max-width: 960px; margin: 40px auto; padding: 0 24px; color: #222; }
  h1 { font-size: 26px; border-bottom: 2px solid #3366A8; padding-bottom: 6px; }
  p.meta { color: #555; }
  table { border-collapse: collapse; width: 100%; font-size: 15px; }
  th { text-align: left; background: #f2f5fa; border-bottom: 1px solid #b9c6da; padding: 8px 10px;
       white-space: nowrap; }
  td { border-bottom: 1px solid #e6e9ee; padding: 8px 10px; vertical-align: top; }
  td.num { text-align: right; white-space: nowrap; }
  .ok { color: #2e7d32; font-weight: bold; }
  .failed { color: #c62828; font-weight: bold; }
  .pending, .interrupted { color: #8a6d00; font-weight: bold; }
  .error { color: #c62828; font-size: 13px; }
  .files { margin-top: 4px; }
  .files a { margin-right: 10px; font-size: 13px; color: #666; text-decoration: none; }
  .files a:hover { text-decoration: underline; }
"""


def _both(key: str) -> str:
    """``English / 中文`` for the run index, which serves readers of both languages."""
    return f"{i18n.t(key, 'en')} / {i18n.t(key, 'zh')}" if i18n.has(key) else key


def write_index(run_dir: Path, jobs: Sequence[JobResult], *, seconds: float, finished: bool = True) -> Path:
    """Write ``index.html``: one row per job, linking its HTML report, with status and duration."""
    esc = html.escape
    rows = []
    for job in jobs:
        title = " · ".join([_title(Path(job.notebook), job.lang), *(f"{k} = {v}" for k, v in job.fanout.items())])
        link = f'<a href="{esc(job.html)}">{esc(title)}</a>' if job.html else esc(title)
        extras = [f for f in job.files if f != job.html]
        files = " ".join(f'<a href="{esc(f)}">{esc(Path(f).name)}</a>' for f in extras)
        error = f'<div class="error">{esc(job.error)}</div>' if job.error else ""
        status = i18n.t(f"report.status_{job.status}", job.lang)
        rows.append(
            f"<tr><td>{link}<div class=\"files\">{files}</div>{error}</td>"
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
    return _atomic_write_text(Path(run_dir) / "index.html", page)


# ============================================================================= run
def run(
    notebooks: list[str] | None = None,
    *,
    data: str | None = None,
    lang: str = "en",
    out: str | Path = "reports",
    parameters: dict | None = None,
    timeout: float | None = None,
    cell_timeout: float | None = None,
    jobs: int | None = 1,
    scheduler: str | None = None,
    fresh_kernels: bool = False,
) -> RunResult:
    """Run report notebooks into a new folder under *out* and publish them.

    Parameters
    ----------
    notebooks : list of str, optional
        Notebooks to run (names, numbers or paths, see :func:`find_notebooks`);
        None = every numbered notebook in ``notebooks/``.
    data : str, optional
        Data folder or DuckDB file for every notebook, or ``env:NAME`` (read from the
        environment in the kernel); None = the embedded sample.
    lang : {"en", "zh", "all"}
        Report language; ``"all"`` runs each notebook once per language.
    out : str or Path, default "reports"
        Folder that receives the new run folder.
    parameters : dict, optional
        Further notebook parameters; each must be declared by every notebook run.
    timeout, cell_timeout : float, optional
        Seconds a whole job, and one cell, may run before the job fails (None = no limit).
    jobs : int or None, default 1
        Jobs run in parallel on local worker processes (None = one per core; 1 = one
        after another, on one worker).
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``) to run on instead.
    fresh_kernels : bool, default False
        A new kernel for every job instead of one warm kernel per worker, reset
        between jobs (see :mod:`kamlib.kernels`).

    Returns
    -------
    RunResult
        ``run_dir``, ``jobs`` (notebook, lang, status, seconds, files, error) and
        ``ok`` (every job succeeded).

    Raises
    ------
    ReportError
        When the run cannot start: unknown notebook, unknown parameter, bad
        language or missing data. Nothing is written then. A notebook that fails
        while running does not raise: it is recorded as failed.

    Examples
    --------
    >>> import tempfile
    >>> result = run(["00"], lang="all", out=tempfile.mkdtemp())  # progress lines go to stderr
    >>> result.ok, [job.status for job in result.jobs]
    (True, ['ok', 'ok'])
    """
    from kamlib import runner

    planned = plan(find_notebooks(notebooks), data=data, lang=lang, parameters=parameters)
    for job in planned:
        job.timeout, job.cell_timeout = timeout, cell_timeout
    shown = {"data": data, "lang": lang, **(parameters or {})}
    return runner.run_jobs(planned, out=out, parameters=shown, workers=jobs, scheduler=scheduler,
                           fresh_kernels=fresh_kernels)
