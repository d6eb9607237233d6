"""Alias tables: other words for tables, columns and category values.

The built-in table (``aliases.yml`` beside this module) maps common Chinese and
English CRM export headers onto the data contract. A data folder may extend it
with a ``kam.yml`` file, and :func:`kamlib.data.load` takes the same structure
as its ``aliases`` argument.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kamlib.errors import ConfigError

SECTIONS = ("files", "columns", "tables", "values")


def normalise(name: object) -> str:
    """Normalise a header or file stem for comparison.

    Trims, lower-cases, turns spaces and hyphens into ``_`` and drops a BOM.

    Examples
    --------
    >>> normalise(" Order Date ")
    'order_date'
    >>> normalise("\\ufeff客户编号")
    '客户编号'
    """
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


@lru_cache(maxsize=1)
def _builtin() -> dict[str, Any]:
    text = resources.files("kamlib.data").joinpath("aliases.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _norm_map(mapping: Mapping[str, str]) -> dict[str, str]:
    return {normalise(k): str(v) for k, v in mapping.items()}


@dataclass
class Aliases:
    """Merged alias tables (built-in, then the data folder's, then the caller's).

    Examples
    --------
    >>> a = Aliases.build({"columns": {"金额额": "revenue"}})
    >>> a.column("orders", "金额额"), a.column("orders", "订单日期"), a.column("opportunities", "金额")
    ('revenue', 'order_date', 'amount')
    >>> a.table("订单")
    'orders'
    """

    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, *extra: Mapping[str, Any] | None) -> Aliases:
        """Merge the built-in table with any number of user tables (later wins)."""
        merged = cls()
        for layer in (_builtin(), *extra):
            merged._add(layer or {})
        return merged

    def _add(self, layer: Mapping[str, Any]) -> None:
        unknown = set(layer) - set(SECTIONS)
        if unknown:
            raise ConfigError(
                f"aliases: unknown section(s) {sorted(unknown)}; allowed: {', '.join(SECTIONS)}."
            )
        self.files.update(_norm_map(layer.get("files") or {}))
        self.columns.update(_norm_map(layer.get("columns") or {}))
        for table, mapping in (layer.get("tables") or {}).items():
            self.tables.setdefault(table, {}).update(_norm_map(mapping))
        for column, mapping in (layer.get("values") or {}).items():
            self.values.setdefault(column, {}).update(_norm_map(mapping))

    def table(self, stem: str) -> str:
        """Table name for a file stem (unchanged when there is no alias)."""
        key = normalise(stem)
        return self.files.get(key, key)

    def column(self, table: str, header: object) -> str:
        """Canonical column name for a header in *table*."""
        key = normalise(header)
        return self.tables.get(table, {}).get(key) or self.columns.get(key, key)

    def value_map(self, column: str) -> dict[str, str]:
        """``{alias: canonical}`` for the values of an enum column."""
        return dict(self.values.get(column, {}))


def read_config(folder: Path) -> dict[str, Any]:
    """Return the ``aliases`` section of ``kam.yml`` in *folder* (empty if absent).

    Raises
    ------
    ConfigError
        When the file is not valid YAML or has no mapping at the top.
    """
    path = folder / "kam.yml"
    if not path.is_file():
        return {}
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML in UTF-8 ({exc}). Fix the file or remove it.") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a mapping with an 'aliases' key at the top.")
    return config.get("aliases") or {}
