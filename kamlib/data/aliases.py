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
#: Traditional characters of common export headers, values and total labels, each followed by
#: its Simplified form: Taiwan and Hong Kong exports (客戶編號, 訂單日期, 合計) match the
#: aliases written in Simplified characters.
TRADITIONAL_PAIRS = (
    "業业 丟丢 買买 爭争 產产 親亲 價价 優优 會会 關关 創创 別别 務务 動动 勢势 區区 單单 廳厅 發发 臺台 號号 員员 響响 場场 "
    "備备 對对 層层 當当 錄录 態态 總总 戰战 戶户 數数 機机 權权 來来 標标 檔档 潛潜 點点 狀状 環环 電电 碼码 稱称 競竞 簽签 "
    "類类 係系 約约 級级 線线 細细 紹绍 結结 編编 網网 職职 聯联 脅胁 獲获 計计 訂订 認认 記记 訪访 試试 敗败 購购 贏赢 車车 "
    "轉转 輸输 達达 進进 採采 鐘钟 錢钱 銷销 鍵键 長长 閉闭 階阶 陳陈 預预 額额 風风 駕驾 匯汇 彙汇 議议 據据 圖图 與与 樣样 "
    "資资 際际 組组 統统"
)
_TO_SIMPLIFIED = str.maketrans({pair[0]: pair[1] for pair in TRADITIONAL_PAIRS.split()})


def normalise(name: object) -> str:
    """Normalise a header or file stem for comparison.

    Trims, lower-cases, turns spaces and hyphens into ``_`` and drops a BOM.

    Examples
    --------
    >>> normalise(" Order Date ")
    'order_date'
    >>> normalise("\\ufeff客户编号"), normalise("客戶編號")
    ('客户编号', '客户编号')
    """
    text = str(name).replace("\ufeff", "").strip().lower().translate(_TO_SIMPLIFIED)
    return re.sub(r"[\s\-]+", "_", text)


def traditional(text: str) -> list[str]:
    """*text* and its spelling in Traditional characters (where :data:`TRADITIONAL_PAIRS` has them).

    Examples
    --------
    >>> traditional("合计"), traditional("total")
    (['合计', '合計'], ['total'])
    """
    back = {pair[1]: pair[0] for pair in TRADITIONAL_PAIRS.split() if pair[0] not in "臺係彙"}
    other = "".join(back.get(c, c) for c in text)
    return [text] if other == text else [text, other]


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


def _kam_yml(folder: Path) -> dict[str, Any]:
    path = folder / "kam.yml"
    if not path.is_file():
        return {}
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML in UTF-8 ({exc}). Fix the file or remove it.") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: expected a mapping with an 'aliases' key at the top.")
    return config


def read_config(folder: Path) -> dict[str, Any]:
    """Return the ``aliases`` section of ``kam.yml`` in *folder* (empty if absent).

    Raises
    ------
    ConfigError
        When the file is not valid YAML or has no mapping at the top.
    """
    return _kam_yml(folder).get("aliases") or {}


def read_reading(folder: Path) -> dict[str, Any]:
    """The ``reading`` section of ``kam.yml`` (see :class:`~kamlib.data.schema.Reading`), as :func:`read_config`."""
    return _kam_yml(folder).get("reading") or {}
