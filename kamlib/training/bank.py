"""The question bank: one bilingual YAML file per workshop, read and validated.

A bank file ``<workshop>.yml`` holds the workshop's title, intro and time, and its
questions, each with its prompt, answer key, feedback and explanation in English and
Chinese. :func:`bank_problems` checks a file against the format (described for
trainers in ``docs/training.md``) and names every problem with its file, line,
question, field, what is wrong and the fix, in both languages; :func:`load_bank`
reads a file that has none and raises :class:`~kamlib.errors.ConfigError` listing
them all otherwise.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kamlib import i18n
from kamlib.errors import ConfigError

__all__ = [
    "QUESTION_TYPES",
    "Bank",
    "BankProblem",
    "Criterion",
    "Option",
    "Question",
    "Target",
    "Text",
    "bank_folder",
    "bank_problems",
    "load_bank",
    "load_banks",
]

#: The kinds of question a bank can hold.
QUESTION_TYPES = ("single", "multi", "order", "match", "numeric", "rubric")
#: Where an answer key comes from: the training sources, or the workbook's own choice.
KEYS = ("source", "ours")
ID_PATTERN = re.compile(r"[a-z0-9_]+")
BANK_FIELDS = ("workshop", "title", "intro", "minutes", "questions")
COMMON_FIELDS = ("id", "type", "points", "prompt", "explanation", "source", "key")
#: Fields each type of question takes besides :data:`COMMON_FIELDS` (required ones first, then optional).
TYPE_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "single": (("options", "answer"), ()),
    "multi": (("options", "answer"), ()),
    "order": (("options", "answer"), ()),
    "match": (("options", "targets", "answer"), ()),
    "numeric": (("answer",), ("tolerance", "unit")),
    "rubric": (("criteria",), ("pass_score",)),
}


@dataclass(frozen=True)
class Text:
    """A text in English and Chinese.

    Examples
    --------
    >>> Text("Call skills", "拜访技巧").get("zh")
    '拜访技巧'
    """

    en: str
    zh: str

    def get(self, lang: str = "en") -> str:
        """The text in *lang* (``"en"`` or ``"zh"``)."""
        return getattr(self, i18n.check_lang(lang))


@dataclass(frozen=True)
class Option:
    """One choice of a single, multi, order or match question (the left-hand items of a match)."""

    id: str
    text: Text
    feedback: Text | None = None


@dataclass(frozen=True)
class Target:
    """One right-hand item of a match question."""

    id: str
    text: Text


@dataclass(frozen=True)
class Criterion:
    """One thing a good free-text (rubric) answer holds: met when one of its patterns matches."""

    id: str
    text: Text
    hint: Text
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    """One question of a workshop; ``answer`` is an option id (single), a tuple of ids (multi,
    order), a mapping left id -> target id (match), a number (numeric) or None (rubric)."""

    id: str
    type: str
    points: float
    prompt: Text
    explanation: Text
    source: Text
    key: str
    answer: Any = None
    options: tuple[Option, ...] = ()
    targets: tuple[Target, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    tolerance: float = 0.0
    unit: Text | None = None
    pass_score: float = 1.0

    def option(self, option_id: str) -> Option:
        """The option with this id (KeyError when there is none)."""
        return {o.id: o for o in self.options}[option_id]


@dataclass(frozen=True)
class Bank:
    """One workshop: its id, title, intro, time in minutes and questions."""

    workshop: str
    title: Text
    intro: Text
    minutes: float
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError when there is none)."""
        return {q.id: q for q in self.questions}[question_id]


@dataclass(frozen=True)
class BankProblem:
    """One problem in a bank file: where (file, line, question, field), what is wrong and the fix.

    ``what`` and ``fix`` hold the sentence in each language (``{"en": ..., "zh": ...}``).
    """

    code: str
    file: str
    line: int | None
    question: str | None
    field: str | None
    what: dict[str, str]
    fix: dict[str, str]

    def text(self, lang: str = "en") -> str:
        """The problem as one line in *lang*.

        Examples
        --------
        >>> p = BankProblem("missing", "a.yml", 3, "q1", "prompt", {"en": "missing", "zh": "缺少"},
        ...                 {"en": "Add it.", "zh": "请添加。"})
        >>> p.text()
        'a.yml, line 3, question q1, field prompt: missing. Add it.'
        >>> p.text("zh")
        'a.yml，第 3 行，题目 q1，字段 prompt：缺少。请添加。'
        """
        parts = [self.file]
        if self.line is not None:
            parts.append(i18n.t("training.where.line", lang, line=self.line))
        if self.question is not None:
            parts.append(i18n.t("training.where.question", lang, question=self.question))
        if self.field is not None:
            parts.append(i18n.t("training.where.field", lang, field=self.field))
        return i18n.t("training.problem", lang, where=i18n.t("training.where.sep", lang).join(parts),
                      what=self.what[lang], fix=self.fix[lang])


# ----------------------------------------------------------------------------- reading YAML with lines
class _LinedDict(dict):
    """A mapping read from YAML that remembers the line of each key and its repeated keys."""

    lines: dict[str, int]
    repeated: list[tuple[str, int]]


class _LineLoader(yaml.SafeLoader):
    """Safe YAML loader whose mappings are :class:`_LinedDict`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LinedDict:
    loader.flatten_mapping(node)
    result = _LinedDict()
    result.lines, result.repeated = {}, []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = key if isinstance(key, str) else str(key)
        if key in result:
            result.repeated.append((key, key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(mapping: object, key: str) -> int | None:
    return getattr(mapping, "lines", {}).get(key)


# ----------------------------------------------------------------------------- validation
def _say(key: str, **values: object) -> dict[str, str]:
    return {lang: i18n.t(key, lang, **values) for lang in i18n.LANGS}


class _Checker:
    """Collects the problems of one bank file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[BankProblem] = []

    def add(self, code: str, line: int | None, question: str | None, where: str | None, **values: object) -> None:
        self.problems.append(BankProblem(code, self.file, line, question, where, _say(f"training.msg.{code}", **values),
                                         _say(f"training.fix.{code}", **values)))

    def fields(self, mapping: Mapping, required: tuple[str, ...], optional: tuple[str, ...], qid: str | None,
               prefix: str, line: int | None) -> None:
        for key, at in getattr(mapping, "repeated", []):
            self.add("repeated_field", at, qid, prefix + key, name=key)
        for key in required:
            if key not in mapping:
                self.add("missing", line, qid, prefix + key, name=key)
        allowed = (*required, *optional)
        for key in mapping:
            if key not in allowed:
                self.add("unknown_field", _line(mapping, key), qid, prefix + key, name=key, allowed=", ".join(allowed))

    def text(self, value: object, qid: str | None, where: str, line: int | None) -> None:
        if not isinstance(value, Mapping):
            self.add("not_text", line, qid, where, found=_kind(value))
            return
        for lang in i18n.LANGS:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.add("missing_lang", line, qid, where, lang=lang)
        for key in value:
            if key not in i18n.LANGS:
                self.add("unknown_field", _line(value, key), qid, f"{where}.{key}", name=key,
                         allowed=", ".join(i18n.LANGS))

    def number(self, value: object, qid: str | None, where: str, line: int | None, *, low: float,
               low_open: bool, high: float = math.inf) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.add("not_number", line, qid, where, found=_kind(value))
        elif value < low or (low_open and value == low) or value > high:
            self.add(f"range_{where.rpartition('.')[2]}", line, qid, where, value=value)

    def identifier(self, value: object, qid: str | None, where: str, line: int | None) -> bool:
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            self.add("bad_id", line, qid, where, value=value)
            return False
        return True


def _kind(value: object) -> str:
    """The YAML word for the kind of *value*, as shown in messages."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    kinds = ((str, "text"), ((int, float), "number"), (list, "list"), (Mapping, "mapping"))
    return next((word for kind, word in kinds if isinstance(value, kind)), type(value).__name__)


def _items(check: _Checker, q: Mapping, name: str, qid: str, extra: tuple[str, ...] = ()) -> list[str] | None:
    """Check a list of options, targets or criteria; return their ids (None: not a list to refer to)."""
    items = q.get(name)
    if not isinstance(items, list) or not items:
        check.add("empty_list", _line(q, name), qid, name, name=name)
        return None
    ids: list[str] = []
    optional = ("feedback",) if name == "options" else ()
    for n, item in enumerate(items):
        where = f"{name}[{n + 1}]"
        if not isinstance(item, Mapping):
            check.add("not_mapping", _line(q, name), qid, where, found=_kind(item))
            continue
        line = _line(item, "id")
        check.fields(item, ("id", "text", *extra), optional, qid, f"{where}.", line)
        if check.identifier(item.get("id"), qid, f"{where}.id", line):
            if item["id"] in ids:
                check.add("repeated_id", line, qid, f"{where}.id", value=item["id"])
            ids.append(item["id"])
        for key in ("text", "feedback", "hint"):
            if key in item:
                check.text(item[key], qid, f"{where}.{key}", _line(item, key))
        if "patterns" in item:
            _patterns(check, item["patterns"], qid, f"{where}.patterns", _line(item, "patterns"))
    return ids


def _patterns(check: _Checker, value: object, qid: str, where: str, line: int | None) -> None:
    if not isinstance(value, Mapping):
        check.add("not_patterns", line, qid, where, found=_kind(value))
        return
    for key in value:
        if key not in i18n.LANGS:
            check.add("unknown_field", _line(value, key), qid, f"{where}.{key}", name=key,
                      allowed=", ".join(i18n.LANGS))
    for lang in i18n.LANGS:
        found = value.get(lang)
        if not isinstance(found, list) or not found or not all(isinstance(p, str) for p in found):
            check.add("not_patterns", line, qid, f"{where}.{lang}", found=_kind(found))
            continue
        for pattern in found:
            try:
                re.compile(pattern)
            except re.error as exc:
                check.add("bad_pattern", _line(value, lang), qid, f"{where}.{lang}", pattern=pattern, error=exc)


def _answer(check: _Checker, q: Mapping, qid: str, kind: str, options: list[str], targets: list[str]) -> None:
    if "answer" not in q:
        return
    answer, line = q["answer"], _line(q, "answer")
    shown = ", ".join(options)
    if kind == "single":
        if answer not in options:
            check.add("answer_unknown", line, qid, "answer", value=answer, ids=shown)
    elif kind == "multi":
        if not isinstance(answer, list) or not answer:
            check.add("answer_not_list", line, qid, "answer", found=_kind(answer))
            return
        for value in answer:
            if value not in options:
                check.add("answer_unknown", line, qid, "answer", value=value, ids=shown)
        if len(set(map(str, answer))) != len(answer):
            check.add("answer_repeated", line, qid, "answer")
    elif kind == "order":
        if not isinstance(answer, list):
            check.add("answer_not_list", line, qid, "answer", found=_kind(answer))
        elif sorted(map(str, answer)) != sorted(options):
            check.add("order_incomplete", line, qid, "answer", ids=shown)
    elif kind == "match":
        if not isinstance(answer, Mapping):
            check.add("answer_not_mapping", line, qid, "answer", found=_kind(answer))
            return
        missing = [o for o in options if o not in answer]
        if missing or set(answer) - set(options):
            check.add("match_incomplete", line, qid, "answer", ids=shown, missing=", ".join(missing) or "–")
        for left, right in answer.items():
            if right not in targets:
                check.add("match_target", _line(answer, left), qid, f"answer.{left}", value=right,
                          ids=", ".join(targets))
    elif kind == "numeric":
        check.number(answer, qid, "answer", line, low=-math.inf, low_open=False)


def _question(check: _Checker, q: object, n: int, seen: list[str], line: int | None) -> None:
    if not isinstance(q, Mapping):
        check.add("not_mapping", line, None, f"questions[{n}]", found=_kind(q))
        return
    line = _line(q, "id") or line
    qid = q.get("id") if isinstance(q.get("id"), str) else f"#{n}"
    kind = q.get("type")
    if kind not in QUESTION_TYPES:
        check.add("bad_type", _line(q, "type") or line, qid, "type", value=kind, allowed=", ".join(QUESTION_TYPES))
        check.fields(q, COMMON_FIELDS, tuple({f for r, o in TYPE_FIELDS.values() for f in (*r, *o)}), qid, "", line)
    else:
        required, optional = TYPE_FIELDS[kind]
        check.fields(q, (*COMMON_FIELDS, *required), optional, qid, "", line)
    if "id" in q and check.identifier(q["id"], qid, "id", line):
        if q["id"] in seen:
            check.add("repeated_id", line, qid, "id", value=q["id"])
        seen.append(q["id"])
    for key in ("prompt", "explanation", "source", "unit"):
        if key in q:
            check.text(q[key], qid, key, _line(q, key))
    if "points" in q:
        check.number(q["points"], qid, "points", _line(q, "points"), low=0, low_open=True)
    if "key" in q and q["key"] not in KEYS:
        check.add("bad_key", _line(q, "key"), qid, "key", value=q["key"])
    if "tolerance" in q:
        check.number(q["tolerance"], qid, "tolerance", _line(q, "tolerance"), low=0, low_open=False)
    if "pass_score" in q:
        check.number(q["pass_score"], qid, "pass_score", _line(q, "pass_score"), low=0, low_open=True, high=1)
    options = _items(check, q, "options", qid) if "options" in q else None
    targets = _items(check, q, "targets", qid) if "targets" in q else None
    if "criteria" in q:
        _items(check, q, "criteria", qid, ("hint", "patterns"))
    with_options = kind in ("single", "multi", "order", "match")
    if kind not in QUESTION_TYPES or (with_options and options is None) or (kind == "match" and targets is None):
        return  # the answer cannot be checked against options that are missing
    before = len(check.problems)
    _answer(check, q, qid, kind, options or [], targets or [])
    if kind in ("single", "multi") and len(check.problems) == before and "answer" in q:
        right = q["answer"] if isinstance(q["answer"], list) else [q["answer"]]
        for i, option in enumerate(q["options"]):
            if isinstance(option, Mapping) and option.get("id") not in right and "feedback" not in option:
                check.add("no_feedback", _line(option, "id"), qid, f"options[{i + 1}].feedback", value=option.get("id"))


def _read(path: Path, check: _Checker) -> Mapping | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        check.add("yaml", mark.line + 1 if mark else None, None, None, error=exc.problem or exc)
        return None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        check.add("unreadable", None, None, None, error=exc)
        return None
    if not isinstance(data, Mapping):
        check.add("not_bank", 1, None, None, found=_kind(data))
        return None
    return data


def bank_problems(path: str | Path) -> list[BankProblem]:
    """Every problem of the bank file *path* (empty: the file follows the format).

    Parameters
    ----------
    path : str or Path
        A ``<workshop>.yml`` file.

    Returns
    -------
    list of BankProblem
        In file order within each check; each names file, line, question, field, what and fix.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "demo.yml"
    >>> _ = path.write_text("workshop: demo\\nminutes: 0\\n", encoding="utf-8")
    >>> for p in bank_problems(path)[:2]:
    ...     print(p.text())
    demo.yml, line 1, field title: the field title is missing. Add title: with its value (see docs/training.md).
    demo.yml, line 1, field intro: the field intro is missing. Add intro: with its value (see docs/training.md).
    """
    path = Path(path)
    check = _Checker(path.name)
    data = _read(path, check)
    if data is None:
        return check.problems
    check.fields(data, BANK_FIELDS, (), None, "", 1)
    workshop_line = _line(data, "workshop")
    if ("workshop" in data and check.identifier(data["workshop"], None, "workshop", workshop_line)
            and data["workshop"] != path.stem):
        check.add("workshop_name", workshop_line, None, "workshop", value=data["workshop"], stem=path.stem)
    for key in ("title", "intro"):
        if key in data:
            check.text(data[key], None, key, _line(data, key))
    if "minutes" in data:
        check.number(data["minutes"], None, "minutes", _line(data, "minutes"), low=0, low_open=True)
    questions = data.get("questions")
    if "questions" in data and (not isinstance(questions, list) or not questions):
        check.add("empty_list", _line(data, "questions"), None, "questions", name="questions")
    elif questions:
        seen: list[str] = []
        for n, q in enumerate(questions, start=1):
            _question(check, q, n, seen, _line(data, "questions"))
    return check.problems


# ----------------------------------------------------------------------------- building
def _text(value: Mapping | None) -> Text | None:
    return None if value is None else Text(value["en"], value["zh"])


def _build_question(q: Mapping) -> Question:
    answer = q.get("answer")
    if isinstance(answer, list):
        answer = tuple(answer)
    elif isinstance(answer, Mapping):
        answer = dict(answer)
    return Question(
        id=q["id"], type=q["type"], points=q["points"], prompt=_text(q["prompt"]),
        explanation=_text(q["explanation"]), source=_text(q["source"]), key=q["key"], answer=answer,
        options=tuple(Option(o["id"], _text(o["text"]), _text(o.get("feedback"))) for o in q.get("options", [])),
        targets=tuple(Target(t["id"], _text(t["text"])) for t in q.get("targets", [])),
        criteria=tuple(Criterion(c["id"], _text(c["text"]), _text(c["hint"]),
                                 {lang: tuple(c["patterns"][lang]) for lang in i18n.LANGS})
                       for c in q.get("criteria", [])),
        tolerance=q.get("tolerance", 0.0), unit=_text(q.get("unit")), pass_score=q.get("pass_score", 1.0),
    )


def load_bank(path: str | Path) -> Bank:
    """Read the bank file *path*.

    Raises
    ------
    ConfigError
        Listing every problem :func:`bank_problems` finds (in English, then in Chinese).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "demo.yml"
    >>> _ = path.write_text('''
    ... workshop: demo
    ... title: {en: Demo, zh: 演示}
    ... intro: {en: One question., zh: 一道题。}
    ... minutes: 5
    ... questions:
    ...   - id: leads
    ...     type: numeric
    ...     points: 1
    ...     prompt: {en: "30 leads a month, for 2 months?", zh: 每月 30 条线索，2 个月共多少？}
    ...     answer: 60
    ...     explanation: {en: 30 × 2 = 60., zh: 30 × 2 = 60。}
    ...     source: {en: the workbook's own, zh: 本工作簿自定}
    ...     key: ours
    ... ''', encoding="utf-8")
    >>> bank = load_bank(path)
    >>> bank.title.get("zh"), bank.question("leads").answer
    ('演示', 60)
    >>> _ = path.write_text(path.read_text(encoding="utf-8").replace("points: 1", "points: 0"), encoding="utf-8")
    >>> load_bank(path)
    Traceback (most recent call last):
    ...
    kamlib.errors.ConfigError: 1 problem(s) in the question bank demo.yml:
    - demo.yml, line 9, question leads, field points: points is 0, but must be more than 0. Give the question a positive number of points, such as 1.
    - demo.yml，第 9 行，题目 leads，字段 points：points 为 0，但必须大于 0。请给题目一个正的分值，如 1。
    """
    path = Path(path)
    problems = bank_problems(path)
    if problems:
        lines = [p.text("en") for p in problems] + [p.text("zh") for p in problems]
        heading = i18n.t("training.several_problems", "en", n=len(problems), file=path.name)
        raise ConfigError("\n".join([heading, *(f"- {line}" for line in lines)]))
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    return Bank(data["workshop"], _text(data["title"]), _text(data["intro"]), data["minutes"],
                tuple(_build_question(q) for q in data["questions"]))


def bank_folder() -> Path:
    """The folder of the workshops that ship with kamlib (``kamlib/training/bank``).

    Examples
    --------
    >>> bank_folder().parts[-2:]
    ('training', 'bank')
    """
    return Path(str(resources.files("kamlib.training").joinpath("bank")))


def load_banks(folder: str | Path | None = None) -> dict[str, Bank]:
    """Every bank in *folder* (default: :func:`bank_folder`), by workshop id, in file-name order.

    Raises
    ------
    ConfigError
        When a bank has problems (see :func:`load_bank`).

    Examples
    --------
    >>> sorted(load_banks()) == sorted(p.stem for p in bank_folder().glob("*.yml"))
    True
    """
    folder = bank_folder() if folder is None else Path(folder)
    banks = [load_bank(path) for path in sorted(folder.glob("*.yml"))]
    return {bank.workshop: bank for bank in banks}
