"""Secrets in a report run: ``env:NAME`` parameters and scrubbing outputs.

A parameter written ``env:NAME`` reaches the kernel as that text and is turned into
an :class:`EnvValue` there, so its value is read from the environment and never
written. :func:`secrets_in` lists the secret text of a run's parameters (passwords
in URLs, tokens, the values of ``env:NAME`` variables), each in every form it may
take in an output (see :func:`kamlib.masking.secret_forms`); :func:`redact` removes
it from messages and :func:`scrub` from an executed notebook.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kamlib.errors import ConfigError, ReportError
from kamlib.files import atomic_write_text
from kamlib.masking import mask_text, secret_forms, secret_values

__all__ = ["ENV_PREFIX", "EnvValue", "env_names", "redact", "resolve", "scrub", "secrets_in"]

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


def secrets_in(*parameter_sets: Mapping[str, Any]) -> list[str]:
    """Secret text in the parameters (passwords in URLs, token values, the values of
    ``env:NAME`` references in this process's environment), in every form, longest first.

    Examples
    --------
    >>> secrets_in({"data": "postgresql://kam:hunter2@db/crm", "region": "east"})
    ['hunter2']
    >>> import os; os.environ["KAM_DOCTEST_URL"] = "mysql://kam:pw1@db//crm"
    >>> found = secrets_in({"data": "env:KAM_DOCTEST_URL"}, {"token": "t0k"})
    >>> [s in found for s in ("mysql://kam:pw1@db//crm", "mysql:/kam:pw1@db/crm", "pw1", "t0k")]
    [True, True, True, True]
    """
    pieces: set[str] = set()
    for parameters in parameter_sets:
        pieces.update(piece for name, value in parameters.items() for piece in secret_values(name, value))
        pieces.update(form for name in env_names(parameters).values() for form in secret_forms(os.environ.get(name, "")))
    return sorted(pieces, key=lambda piece: (-len(piece), piece))


def env_names(parameters: Mapping[str, Any]) -> dict[str, str]:
    """``{parameter: variable}`` for the parameters written ``env:NAME``.

    Examples
    --------
    >>> env_names({"data": "env:KAM_DB_URL", "lang": "zh"})
    {'data': 'KAM_DB_URL'}
    """
    return {
        key: value[len(ENV_PREFIX):]
        for key, value in parameters.items()
        if isinstance(value, str) and value.startswith(ENV_PREFIX)
    }


def redact(value: Any, secrets: Sequence[str]) -> Any:
    """*value* with every secret and every password in a URL replaced by ``***`` (strings
    inside lists and dicts too; see :func:`kamlib.masking.mask_text`).

    Examples
    --------
    >>> redact({"error": ["login hunter2 refused"], "n": 1}, ["hunter2"])
    {'error': ['login *** refused'], 'n': 1}
    >>> redact("DataError: postgresql:/kam:hunter2@db/crm: no such file", [])
    'DataError: postgresql:/kam:***@db/crm: no such file'
    """
    if isinstance(value, str):
        return mask_text(value, secrets)
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    return value


def scrub(notebook: Path, secrets: Sequence[str]) -> None:
    """Remove secrets from an executed notebook: every string in sources, outputs, metadata.

    The notebook is walked as JSON data (not as text), so it stays valid whatever the
    secret looks like.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "job.ipynb"
    >>> _ = path.write_text('{"cells": [{"source": "hunter2"}]}', encoding="utf-8")
    >>> scrub(path, ["hunter2"]); "hunter2" in path.read_text(encoding="utf-8")
    False
    """
    if not secrets or not notebook.exists():
        return
    data = json.loads(notebook.read_text(encoding="utf-8"))
    cleaned = redact(data, secrets)
    if cleaned != data:
        atomic_write_text(notebook, json.dumps(cleaned, ensure_ascii=False, indent=1) + "\n")
