"""Checking a run before it starts: which notebooks, which parameters, which data.

Every parameter is checked against the notebook's ``parameters`` cell (read with
:mod:`ast`) and converted to its declared type; an unknown name is an error, not a
warning. :func:`plan` lists the jobs of a run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import kamlib
from kamlib import i18n
from kamlib.errors import ReportError
from kamlib.masking import mask_secret
from kamlib.report.jobs import Job
from kamlib.report.secrets import ENV_PREFIX, resolve

__all__ = [
    "BASE_PARAMETERS",
    "NOTEBOOKS_DIR",
    "check_data",
    "check_parameters",
    "check_runner_names",
    "declared_parameters",
    "find_notebooks",
    "languages",
    "notebook_parameters",
    "plan",
]

#: Where the analysis notebooks live (next to the package in the source tree).
NOTEBOOKS_DIR = Path(kamlib.__file__).resolve().parent.parent / "notebooks"

#: Parameters every report notebook takes.
BASE_PARAMETERS = ("data", "lang", "output_dir")


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


def languages(lang: str) -> list[str]:
    """The report languages *lang* stands for: ``"all"`` is every language.

    Examples
    --------
    >>> languages("all"), languages("zh")
    (['en', 'zh'], ['zh'])
    """
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
                    f"{notebook.name}: parameter {name!r} expects {type_name}, but {mask_secret(name, value)!r} was passed."
                ) from None
    for kind, shape in (("list", list), ("dict", dict)):
        if kind in kinds and not ("str" in kinds and not value.lstrip().startswith(("[", "{"))):  # text stays text
            return _structured(notebook, name, value, type_name, shape)
    if "bool" in kinds:
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
        raise ReportError(
            f"{notebook.name}: parameter {name!r} expects true or false, but {mask_secret(name, value)!r} was passed."
        )
    return value


def _structured(notebook: Path, name: str, value: str, type_name: str, shape: type) -> Any:
    """A list or mapping written on the command line as YAML / JSON (``[0.7, 0.9]``, ``{volume: 0.5}``)."""
    import yaml

    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        parsed = None
    if not isinstance(parsed, shape):
        example = "[0.7, 0.9]" if shape is list else "{volume: 0.5, partnership: 0.5}"
        raise ReportError(
            f"{notebook.name}: parameter {name!r} expects {type_name}, but {mask_secret(name, value)!r} was passed. "
            f"Write it as YAML or JSON, e.g. {name}={example!r}."
        )
    return parsed


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

    A URL is kept as it is (``Path`` would collapse its ``//``); its password never
    appears in an error message.

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
        raise ReportError(f"data: {mask_secret('data', data)} does not exist. "
                          "Give a data folder or a DuckDB file (or leave it out for the sample).")
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
    langs = languages(lang)
    extra = dict(parameters or {})
    check_runner_names(extra)
    data = check_data(data)
    jobs = []
    for notebook in notebooks:
        values = check_parameters(notebook, extra, declared_parameters(notebook))
        for one in langs:
            jobs.append(Job(notebook=Path(notebook), lang=one, parameters={"data": data, "lang": one, **values}))
    return jobs
