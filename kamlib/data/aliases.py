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

from kamlib.data.problems import ConfigProblem, Text, config_error, say
from kamlib.data.schema import TABLES, Reading

SECTIONS = ("files", "columns", "tables", "values", "stand_ins")
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
#: Characters that separate the words of a header or value: any run of them counts as one ``_``.
SEPARATORS = r"[\s\-_]+"


def normalise(name: object) -> str:
    """Normalise a header or file stem for comparison.

    Trims, lower-cases, turns every run of spaces, hyphens and underscores into one
    ``_``, reads Traditional characters as Simplified and drops a BOM. Headers and
    category values are compared this way (:func:`kamlib.data.parse.value_key` is the
    same rule in SQL).

    Examples
    --------
    >>> normalise(" Order Date "), normalise("Closed-Won"), normalise("closed _ won")
    ('order_date', 'closed_won', 'closed_won')
    >>> normalise("\\ufeff客户编号"), normalise("客戶編號")
    ('客户编号', '客户编号')
    """
    text = str(name).replace("\ufeff", "").strip().lower().translate(_TO_SIMPLIFIED)
    return re.sub(SEPARATORS, "_", text)


def simplified_pairs() -> tuple[str, str]:
    """The Traditional characters :func:`normalise` reads as Simplified, and their Simplified forms.

    Examples
    --------
    >>> old, new = simplified_pairs()
    >>> new[old.index("贏")]
    '赢'
    """
    pairs = TRADITIONAL_PAIRS.split()
    return "".join(p[0] for p in pairs), "".join(p[1] for p in pairs)


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


#: What each alias section looks like, for the messages that name a section of the wrong shape.
SHAPES = {"files": "{订单明细: orders}", "columns": "{金额: revenue}", "tables": "{orders: {金额: revenue}}",
          "values": "{status: {赢单: won}}", "stand_ins": "{account_id: account_name}"}


def found(value: object) -> str:
    """What a configuration value is, for a message: ``a list (['a', 'b'])``.

    Examples
    --------
    >>> found(["a"]), found(3), found(None)
    ("a list (['a'])", 'a number (3)', 'nothing')
    """
    return found_text(value)["en"]


def found_text(value: object) -> Text:
    """:func:`found` in every language.

    Examples
    --------
    >>> found_text({"a": 1})["zh"]
    "映射（{'a': 1}）"
    """
    if value is None:
        return say("data.found.nothing")
    kind = ("mapping" if isinstance(value, Mapping) else "list" if isinstance(value, (list, tuple))
            else "number" if isinstance(value, (int, float)) else "text")
    text = repr(value)
    return say(f"data.found.{kind}", text=text[:60] + "…" if len(text) > 60 else text)


def _expect_mapping(value: object, where: str, example: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise config_error("data.config.expect_mapping", where=where, example=example, found=found_text(value),
                           last=where.rsplit(".", 1)[-1])
    return value


def _expect_word(value: object, where: str, example: str) -> None:
    if value is None or isinstance(value, (Mapping, list, tuple)):
        raise config_error("data.config.expect_word", where=where, example=example, found=found_text(value))


def check_aliases(layer: object, where: str = "aliases") -> Mapping[str, Any]:
    """Check that an alias table has the shape ``docs/data.md`` gives, naming the key path of what does not.

    Raises
    ------
    ConfigError
        Naming the key path (``aliases.tables.orders``), what was found and the shape expected.

    Examples
    --------
    >>> check_aliases({"tables": {"orders": {"金额": "revenue"}}})["tables"]["orders"]
    {'金额': 'revenue'}
    >>> check_aliases({"tables": {"orders": ["金额"]}})
    Traceback (most recent call last):
    ...
    kamlib.data.problems.ConfigProblem: aliases.tables.orders: expected a mapping such as {金额: revenue}, found a list \
(['金额']). Write one 'key: value' per line below orders:, indented.
    """
    layer = _expect_mapping(layer, where, "{columns: {金额: revenue}}")
    unknown = set(map(str, layer)) - set(SECTIONS)
    if unknown:
        raise config_error("data.config.unknown_sections", where=where, unknown=sorted(unknown),
                           allowed=", ".join(SECTIONS))
    for section, value in layer.items():
        inner = SHAPES[section][SHAPES[section].index(":") + 2:-1]
        for key, item in _expect_mapping(value or {}, f"{where}.{section}", SHAPES[section]).items():
            if section in ("tables", "values"):
                for word, name in _expect_mapping(item or {}, f"{where}.{section}.{key}", inner).items():
                    _expect_word(name, f"{where}.{section}.{key}.{word}", inner[1:-1].split(": ")[1])
            else:  # a stand-in may be one column or a list of them, the first found serving
                for word in item if section == "stand_ins" and isinstance(item, list) else [item]:
                    _expect_word(word, f"{where}.{section}.{key}", inner)
    return layer


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
    stand_ins: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, *extra: Mapping[str, Any] | None) -> Aliases:
        """Merge the built-in table with any number of user tables (later wins)."""
        merged = cls()
        for layer in (_builtin(), *extra):
            merged._add(layer or {})
        return merged

    def _add(self, layer: Mapping[str, Any]) -> None:
        check_aliases(layer)
        self.files.update(_norm_map(layer.get("files") or {}))
        self.columns.update(_norm_map(layer.get("columns") or {}))
        for table, mapping in (layer.get("tables") or {}).items():
            self.tables.setdefault(table, {}).update(_norm_map(mapping))
        for column, mapping in (layer.get("values") or {}).items():
            self.values.setdefault(column, {}).update(_norm_map(mapping))
        self.stand_ins.update({str(k): [str(x) for x in (v if isinstance(v, list) else [v])]
                               for k, v in (layer.get("stand_ins") or {}).items()})

    def table(self, stem: str) -> str:
        """Table name for a file stem (unchanged when there is no alias)."""
        key = normalise(stem)
        return self.files.get(key, key)

    def column(self, table: str, header: object) -> str:
        """Canonical column name for a header in *table*."""
        key = normalise(header)
        return self.tables.get(table, {}).get(key) or self.columns.get(key, key)

    def value_map(self, column: str) -> dict[str, str]:
        """``{alias: canonical}`` for the values of an enum column (aliases normalised)."""
        return dict(self.values.get(column, {}))

    def stand_in(self, table: str, names: Mapping[str, str]) -> dict[str, str]:
        """Columns *table* lacks that another mapped column stands in for: ``{column: header}``.

        *names* maps the contract names found to their headers. An export that names
        accounts, products or reps only by name (``Account Name``, ``产品``, ``负责人``)
        uses the name as the id: the ``stand_ins`` section says which columns serve
        for which, the first found serving.

        Examples
        --------
        >>> Aliases.build().stand_in("opportunities", {"account_name": "客户名称", "status": "状态"})
        {'account_id': '客户名称'}
        >>> Aliases.build().stand_in("opportunities", {"stage": "Stage", "deal_stage": "销售阶段"})
        {'status': '销售阶段'}
        """
        spec = TABLES[table]
        found = {}
        for column, others in self.stand_ins.items():
            given = [names[o] for o in others if o in names]
            if spec.column(column) and column not in names and given:
                found[column] = given[0]
        return found


def suggest_table(headers: list[str], aliases: Aliases) -> tuple[str, list[str]] | None:
    """The contract table a file with *headers* holds, judged by its columns; None when none stands out.

    A table qualifies when the headers, read through the aliases, give all its required
    columns and at least two of its columns; the one given the most columns wins, and
    a tie suggests nothing. Returns the table and the headers that matched.

    Examples
    --------
    >>> suggest_table(["Opportunity ID", "Stage", "Amount", "Close Date"], Aliases.build())
    ('opportunities', ['Opportunity ID', 'Stage', 'Amount', 'Close Date'])
    >>> suggest_table(["Table", "Field", "Description"], Aliases.build()) is None
    True
    """
    fits = []
    for name, spec in TABLES.items():
        found: dict[str, str] = {}
        for header in headers:
            found.setdefault(aliases.column(name, header), header)
        found |= aliases.stand_in(name, found)
        given = {column: header for column, header in found.items() if spec.column(column)}
        groups = all(any(g in given for g in group) for group in spec.required_any)
        if all(r in given for r in spec.required) and groups and len(given) >= 2:
            fits.append((len(given), name, [h for h in headers if h in given.values()]))
    fits.sort(reverse=True)
    if not fits or (len(fits) > 1 and fits[0][0] == fits[1][0]):
        return None
    return fits[0][1], fits[0][2]


def _kam_yml(folder: Path) -> dict[str, Any]:
    path = folder / "kam.yml"
    if not path.is_file():
        return {}
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise config_error("data.config.not_yaml", path=path, detail={"en": str(exc), "zh": f"「{exc}」"}) from None
    if not isinstance(config, dict):
        raise config_error("data.config.top", path=path, found=found_text(config))
    for section in ("aliases", "reading"):
        if config.get(section) is not None and not isinstance(config[section], Mapping):
            raise config_error("data.config.section", path=path, section=section, found=found_text(config[section]))
    return config


def read_config(folder: Path) -> dict[str, Any]:
    """Return the ``aliases`` section of ``kam.yml`` in *folder* (empty if absent).

    Raises
    ------
    ConfigError
        When the file is not valid YAML or has no mapping at the top.
    """
    aliases = _kam_yml(folder).get("aliases") or {}
    return check_aliases(aliases, f"{folder / 'kam.yml'}: aliases")


def read_reading(folder: Path) -> dict[str, Any]:
    """The ``reading`` section of ``kam.yml`` (see :class:`~kamlib.data.schema.Reading`), as :func:`read_config`."""
    section = _kam_yml(folder).get("reading") or {}
    try:
        Reading.build(section)
    except ConfigProblem as exc:
        raise config_error("data.config.in_file", path=folder / "kam.yml", message=exc.texts) from None
    return section
