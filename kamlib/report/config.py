"""Batch configs for ``kam report --config FILE``: notebooks × parameter sets, in YAML.

A batch lists the notebooks to run, the parameter sets for each, a fan-out (one job
per value of a parameter) and run settings. Every key is optional except
``notebooks``::

    data: null            # data folder, DuckDB file or env:NAME; null = the embedded sample
    lang: all             # en, zh, all, or a list [en, zh]
    out: reports          # folder that receives the run folder
    jobs: null            # parallel worker processes; null = one per core
    timeout: 1800         # seconds one job may run in all (null = no limit)
    cell_timeout: 600     # seconds one cell may run (null = no limit)
    parameters:           # shared: given to every notebook that declares the name
      period_end: "2025-06-30"   # month / as_of / period_end also name the run folder
    notebooks:
      - notebook: 00_data_overview          # name, number (00) or path
      - notebook: 01_environment_analysis
        for_each: region                    # one job per distinct region in the data
        parameters: {year: 2025}            # this notebook only
      - notebook: 04_win_loss_analysis
        for_each: region
        values: [east, north]               # an explicit list instead of the data's values
        timeout: 600                        # this notebook's own limit
        name: key_regions                   # optional, part of the job folder names

``for_each: region`` takes the distinct values of the column ``region`` across the
data's tables (``for_each: accounts.region`` names the table); the notebook must
declare a parameter of that name. A notebook may be listed several times with
different parameter sets. Command-line options override the file (``--data``,
``--lang``, ``--out``, ``--jobs``, ``--timeout``, ``--param`` like a shared parameter,
``--only`` to keep some notebooks). Every job's parameters are checked against its
notebook's parameters cell before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kamlib.errors import ReportError
from kamlib.masking import mask_secret
from kamlib.report.jobs import Job
from kamlib.report.parameters import (
    check_data,
    check_parameters,
    check_runner_names,
    declared_parameters,
    find_notebooks,
    languages,
)
from kamlib.report.secrets import redact, resolve, secrets_in

__all__ = ["ENTRY_KEYS", "TOP_KEYS", "distinct_values", "load_config", "plan_batch"]

#: Keys a batch file may have, and keys of one ``notebooks`` entry.
TOP_KEYS = ("data", "lang", "out", "jobs", "timeout", "cell_timeout", "parameters", "notebooks")
ENTRY_KEYS = ("notebook", "name", "parameters", "for_each", "values", "timeout", "cell_timeout")


def _check_keys(where: str, found: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = [k for k in found if k not in allowed]
    if unknown:
        raise ReportError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(allowed)}). Check the spelling.")


def _mapping(where: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ReportError(f"{where}: expected a mapping (key: value), "
                          f"but found {type(value).__name__} {mask_secret(where, value)!r}.")
    return {str(k): v for k, v in value.items()}


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and check a batch file; returns its settings with ``notebooks`` as a list of dicts.

    Raises
    ------
    ReportError
        Naming the file and the key when the file is missing, not YAML, or has an
        unknown key or a value of the wrong kind.

    Examples
    --------
    >>> from kamlib.report.parameters import NOTEBOOKS_DIR
    >>> config = load_config(NOTEBOOKS_DIR.parent / "data/sample_config/batch.yml")
    >>> [entry["notebook"] for entry in config["notebooks"]][:1]
    ['00_data_overview']
    """
    import yaml

    path = Path(path)
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"--config {path}: cannot read the file ({exc.strerror}).") from None
    except yaml.YAMLError as exc:
        raise ReportError(f"{path}: not valid YAML ({str(exc).splitlines()[0]}).") from None
    config = _mapping(str(path), config)
    _check_keys(str(path), config, TOP_KEYS)
    entries = config.get("notebooks")
    if not isinstance(entries, list) or not entries:
        raise ReportError(f"{path}: 'notebooks' must be a list of entries such as '- notebook: 00_data_overview'.")
    config["parameters"] = _mapping(f"{path}: parameters", config.get("parameters"))
    config["notebooks"] = [_entry(f"{path}: notebooks[{i}]", e) for i, e in enumerate(entries)]
    return config


def _entry(where: str, entry: Any) -> dict[str, Any]:
    entry = {"notebook": entry} if isinstance(entry, str) else _mapping(where, entry)
    _check_keys(where, entry, ENTRY_KEYS)
    if not entry.get("notebook"):
        raise ReportError(f"{where}: 'notebook' is missing (e.g. 'notebook: 00_data_overview').")
    entry["parameters"] = _mapping(f"{where}.parameters", entry.get("parameters"))
    if "values" in entry and (not entry.get("for_each") or not isinstance(entry["values"], list)):
        raise ReportError(f"{where}: 'values' must be a list and needs 'for_each' (the parameter it sets).")
    return entry


def distinct_values(data: str | None, column: str) -> list[Any]:
    """The distinct values of *column* in the data (``table.column`` for one table), sorted.

    Raises
    ------
    ReportError
        When no table has the column, or the data cannot be loaded (the message never
        shows the value of an ``env:NAME`` or a URL's password).

    Examples
    --------
    >>> distinct_values(None, "accounts.region")
    ['central', 'east', 'north', 'south', 'west']
    """
    import kamlib.data

    table, _, name = column.rpartition(".")
    try:
        ds = kamlib.data.load(resolve(data))
    except Exception as exc:  # noqa: BLE001 - its message may quote the resolved value, e.g. a database URL
        message = redact(f"{type(exc).__name__}: {exc}", secrets_in({"data": data}))
        raise ReportError(f"for_each: {column}: cannot read the data ({message}).") from None
    tables = [table] if table else ds.names
    found = [t for t in tables if t in ds.names and name in _columns(ds, t)]
    if not found:
        raise ReportError(
            f"for_each: {column}: no table in the data has a column {name!r} (tables: {', '.join(ds.names)}). "
            "Name a column of the data, or give the values with 'values: [...]'."
        )
    union = " union ".join(f'select distinct "{name}" as v from "{t}"' for t in found)
    values = ds.sql(f"select v from ({union}) where v is not null order by v")["v"].tolist()
    return [str(v) if not isinstance(v, (int, float)) else v for v in values]


def _columns(ds: Any, table: str) -> list[str]:
    return list(ds.sql(f'select * from "{table}" limit 0').columns)


def _select(entries: list[dict[str, Any]], only: Iterable[str] | None) -> list[dict[str, Any]]:
    """The entries whose notebook is among *only* (every entry when None)."""
    if not only:
        return entries
    wanted = set(find_notebooks(list(only)))
    chosen = [e for e in entries if e["path"] in wanted]
    if not chosen:
        raise ReportError(f"--only {', '.join(only)}: none of these notebooks is in the batch config.")
    return chosen


def plan_batch(
    config: Mapping[str, Any],
    *,
    data: str | None = None,
    lang: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    only: Iterable[str] | None = None,
    timeout: float | None = None,
) -> tuple[list[Job], dict[str, Any]]:
    """The jobs of a batch (options given here override the config), checked before anything runs.

    Returns the jobs and the run's shared parameters (``data``, ``lang`` and the
    shared ``parameters``, for the manifest and the run folder's name).

    Raises
    ------
    ReportError
        On an unknown notebook or parameter, a value of the wrong type, a shared
        parameter no notebook declares, a ``for_each`` column not in the data.
    """
    data = check_data(data if data is not None else config.get("data"))
    lang = lang or config.get("lang") or "en"
    langs = [x for one in ([lang] if isinstance(lang, str) else lang) for x in languages(str(one))]
    shared = {**config.get("parameters", {}), **(parameters or {})}
    check_runner_names(shared)
    entries = [{**e, "path": find_notebooks([e["notebook"]])[0]} for e in config["notebooks"]]
    entries = _select(entries, only)
    declared = {e["path"]: declared_parameters(e["path"]) for e in entries}
    unused = [k for k in shared if not any(k in d for d in declared.values())]
    if unused:
        raise ReportError(f"parameter {unused[0]!r}: no notebook in the batch declares it "
                          f"({', '.join(sorted({p.name for p in declared}))}). Check the spelling.")
    jobs = []
    for entry in entries:
        jobs += _entry_jobs(entry, declared[entry["path"]], data, langs, shared, parameters or {}, timeout, config)
    return jobs, {"data": data, "lang": lang if isinstance(lang, str) else list(lang), **shared}


def _entry_jobs(entry: dict[str, Any], declared: Mapping[str, Any], data: str | None, langs: list[str],
                shared: Mapping[str, Any], cli: Mapping[str, Any], timeout: float | None,
                config: Mapping[str, Any]) -> list[Job]:
    """The jobs of one ``notebooks`` entry: languages × fan-out values."""
    path = entry["path"]
    own = {k: v for k, v in shared.items() if k in declared}
    values = {**own, **entry["parameters"], **{k: v for k, v in cli.items() if k in declared}}
    check_runner_names(values)
    column = entry.get("for_each")
    fan: list[Any] = [None]
    if column:
        name = str(column).rpartition(".")[2]
        check_parameters(path, {name: None}, declared)
        fan = list(entry["values"]) if "values" in entry else distinct_values(data, str(column))
    jobs = []
    for value in fan:
        fanout = {} if value is None else {str(column).rpartition(".")[2]: value}
        checked = check_parameters(path, {**values, **fanout}, declared)
        for one in langs:
            jobs.append(Job(
                notebook=path, lang=one, parameters={"data": data, "lang": one, **checked},
                fanout={k: checked[k] for k in fanout}, label=entry.get("name"),
                timeout=timeout if timeout is not None else entry.get("timeout", config.get("timeout")),
                cell_timeout=entry.get("cell_timeout", config.get("cell_timeout")),
            ))
    return jobs
