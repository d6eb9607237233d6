"""Answer keys: what a workshop may show before an answer, and the markers that check answers.

A *marker* is any callable ``mark(question_id, response, lang) -> Result``: the widgets
of a workshop call one when the participant presses Check, so no answer, explanation or
feedback text reaches the notebook before that. :func:`public_bank` is what may be
shown; :func:`bank_marker` marks with the full bank (trainer edition, served workshop,
generated banks); :func:`open_key` picks the key a workshop notebook is given.

The participant edition carries a *key file* per workshop (:func:`write_key`) instead
of the bank: it holds the public bank and, per question, salted SHA-256 hashes of the
right answer (and of each right choice), with every text the feedback may show
encrypted with a keystream (SHA-256 in counter mode) whose key comes from the right
answer itself (the explanation, a right option's feedback) or from the salt and the
option (a wrong choice's feedback, a rubric's hints and patterns). Every option gets a
blob of the same length, with or without feedback. :func:`hashed_marker` gives the same
result as :func:`bank_marker` for every answer. It stops casual reading of the file,
not a determined participant: the choices of a question can be tried one by one, and a
number can be found from "too high / too low". A served workshop keeps its key on the
server instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from kamlib import i18n
from kamlib.errors import ConfigError
from kamlib.training.bank import (
    Bank,
    Criterion,
    Option,
    Question,
    Target,
    Text,
    bank_folder,
    load_bank,
)
from kamlib.training.checks import Result, check

__all__ = ["KEY_ENV", "KEY_FORMAT", "Marker", "bank_marker", "full_bank", "hashed_marker", "key_name", "open_key",
           "public_bank", "write_key"]

#: Environment variable naming the folder of full bank files a served workshop marks with.
KEY_ENV = "KAM_TRAINING_KEY"
#: The ``format`` field of a participant key file.
KEY_FORMAT = "kamlib-training-key/1"
#: A marker: ``mark(question_id, response, lang) -> Result``.
Marker = Callable[[str, object, str], Result]
BLANK = Text("", "")
BLOCK = 32  # blobs are padded to a multiple of this many bytes


def _say(key: str, **values: object) -> str:
    """A message in English, then in Chinese."""
    return "\n".join(i18n.t(key, lang, **values) for lang in i18n.LANGS)


# ----------------------------------------------------------------------------- what may be shown
def _public_question(question: Question) -> Question:
    """*question* without its answer, tolerance, explanation, option feedback and criterion texts."""
    return replace(
        question, answer=None, tolerance=0.0, explanation=BLANK,
        options=tuple(replace(option, feedback=None) for option in question.options),
        criteria=tuple(Criterion(f"criterion_{n}", BLANK, BLANK, {}) for n in range(1, len(question.criteria) + 1)),
    )


def public_bank(bank: Bank) -> Bank:
    """What a workshop may show before an answer is submitted.

    Keeps ids, types, points, prompts, option and target ids and texts, units, sources,
    the share of rubric criteria needed and their number; drops answers, tolerances,
    explanations, option feedback and the ids, texts, hints and patterns of criteria.

    Parameters
    ----------
    bank : Bank
        A full bank (:func:`~kamlib.training.bank.load_bank`).

    Returns
    -------
    Bank
        The same workshop with blank explanations and no answer key.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> shown = public_bank(load_banks()["call_skills"])
    >>> {q.answer for q in shown.questions}, {q.explanation.en for q in shown.questions}
    ({None}, {''})
    """
    return replace(bank, questions=tuple(_public_question(q) for q in bank.questions))


def _question_of(bank: Bank, question_id: str) -> Question:
    try:
        return bank.question(question_id)
    except KeyError:
        raise ConfigError(_say("training.key.no_question", workshop=bank.workshop, question=question_id,
                               known=", ".join(q.id for q in bank.questions))) from None


# ----------------------------------------------------------------------------- markers with the full bank
def bank_marker(bank: Bank) -> Marker:
    """A marker that checks answers against the full *bank* (:func:`~kamlib.training.checks.check`).

    Raises
    ------
    ConfigError
        When called with a question id the bank does not hold.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> bank = load_banks()["call_skills"]
    >>> mark = bank_marker(bank)
    >>> q = next(q for q in bank.questions if q.type == "single")
    >>> mark(q.id, q.answer, "en").correct
    True
    """
    def mark(question_id: str, response: object, lang: str = "en") -> Result:
        return check(_question_of(bank, question_id), response, lang=lang)

    return mark


def full_bank(workshop: str) -> Bank:
    """The full bank of *workshop*: from the folder in ``KAM_TRAINING_KEY`` if set, else the packaged one.

    Examples
    --------
    >>> full_bank("call_skills").question("call_stages").answer is not None
    True
    """
    folder = os.environ.get(KEY_ENV)
    path = Path(folder or bank_folder()) / f"{workshop}.yml"
    if not path.is_file():
        where = f"{folder} ({KEY_ENV})" if folder else "kamlib/training/bank"
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yml"))) or "–"
        raise ConfigError(_say("training.key.no_bank", path=path, workshop=workshop, where=where, known=known))
    return load_bank(path)


def key_name(workshop: str) -> str:
    """The file name of the participant key file of *workshop*.

    Examples
    --------
    >>> key_name("prospects")
    'prospects.key.json'
    """
    return f"{workshop}.key.json"


def open_key(workshop: str, key: str | Path | None = None) -> tuple[Bank, Marker]:
    """The public bank of *workshop* and the marker that checks its answers.

    Parameters
    ----------
    workshop : str
        The workshop id, such as ``"prospects"``.
    key : str, Path or None
        None: the full bank file ``<workshop>.yml`` in the folder named by the environment
        variable ``KAM_TRAINING_KEY`` when it is set (a served workshop: the key stays on
        the server), else the bank that ships with kamlib. A path: a participant key
        file written by :func:`write_key` (participant edition).

    Returns
    -------
    (Bank, Marker)
        The bank as :func:`public_bank` shows it, and its marker.

    Raises
    ------
    ConfigError
        For an unknown workshop, a missing or damaged key file, or a key file of another workshop.

    Examples
    --------
    >>> bank, mark = open_key("prospects")
    >>> bank.questions[0].answer is None
    True
    """
    if key is not None:
        bank, mark = hashed_marker(key)
        if bank.workshop != workshop:
            raise ConfigError(_say("training.key.other_workshop", path=key, found=bank.workshop, workshop=workshop))
        return bank, mark
    full = full_bank(workshop)
    return public_bank(full), bank_marker(full)


# ----------------------------------------------------------------------------- hashing and sealing
def _hash(salt: str, *parts: object) -> str:
    """SHA-256 (hex) of the salt and *parts*, separated by a unit separator."""
    return hashlib.sha256("\x1f".join([salt, *map(str, parts)]).encode("utf-8")).hexdigest()


def _stream(key: str, size: int) -> bytes:
    """*size* bytes of keystream: SHA-256 of the key and a block counter."""
    blocks = (hashlib.sha256(f"{key}\x1f{n}".encode()).digest() for n in range(-(-size // 32)))
    return b"".join(blocks)[:size]


def _plain(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _seal(key: str, value: object, size: int) -> str:
    """*value* as JSON, padded with spaces to *size* bytes, XOR the keystream of *key*, in base64."""
    plain = _plain(value).ljust(size)
    return base64.b64encode(bytes(a ^ b for a, b in zip(plain, _stream(key, size)))).decode("ascii")


def _filler(key: str, size: int) -> str:
    """A blob of *size* bytes holding nothing, the same shape as :func:`_seal`'s."""
    return base64.b64encode(_stream(key, size)).decode("ascii")


def _unseal(key: str, blob: str, path: Path) -> Any:
    try:
        sealed = base64.b64decode(blob.encode("ascii"), validate=True)
        return json.loads(bytes(a ^ b for a, b in zip(sealed, _stream(key, len(sealed)))).decode("utf-8"))
    except (ValueError, UnicodeError, AttributeError) as exc:
        raise ConfigError(_say("training.key.damaged", path=path, reason=type(exc).__name__)) from None


def _size(values: list[object]) -> int:
    """The blob length that holds the longest of *values*, rounded up to :data:`BLOCK`."""
    return max(BLOCK, -(-max(len(_plain(v)) for v in values) // BLOCK) * BLOCK)


def _text_value(text: Text | None) -> dict[str, str] | None:
    return None if text is None else {"en": text.en, "zh": text.zh}


def _text(value: Mapping[str, str] | None) -> Text | None:
    return None if value is None else Text(value["en"], value["zh"])


# ----------------------------------------------------------------------------- canonical answers
def _listed(response: object, known: set[str]) -> list[str] | None:
    """*response* as a list of known ids (None: not such a list)."""
    if not isinstance(response, (list, tuple, set, frozenset)) or not response:
        return None
    items = list(response)
    return items if all(isinstance(r, str) and r in known for r in items) else None


def _canonical(question: Question, response: object) -> str | None:
    """The text whose hash says whether an option answer is right (None: not a well-formed answer)."""
    ids = {o.id for o in question.options}
    if question.type == "single":
        return response if isinstance(response, str) and response in ids else None
    if question.type == "match":
        targets = {t.id for t in question.targets}
        if not isinstance(response, Mapping) or not all(
                isinstance(k, str) and k in ids and isinstance(v, str) and v in targets for k, v in response.items()):
            return None
        return ",".join(f"{k}={v}" for k, v in sorted(response.items()))
    items = _listed(response, ids)
    if items is None:
        return None
    return ",".join(sorted(set(items)) if question.type == "multi" else items)


# ----------------------------------------------------------------------------- writing a key
def _numeric_step(question: Question) -> float:
    """The grid step: the power of ten at or just below the widest difference still counted right."""
    reach = question.tolerance + 1e-9 * max(1.0, abs(question.answer))
    step = 10.0 ** math.floor(math.log10(reach))
    return step / 10 if step > reach else step


def _cell(value: float, step: float) -> int:
    return math.floor(Fraction(value) / Fraction(step))


def _option_blob(salt: str, q: Question, option: str, feedback: object, right: bool, size: int) -> str:
    """One option's feedback blob: a wrong choice's sealed with the salt and the option, a right single
    choice's with a key from the answer; a right multi choice's feedback is never shown, so it is filler."""
    if not right:
        return _seal(_hash(salt, q.id, "option", option), feedback, size)
    if q.type == "single":
        return _seal(_hash(salt, q.id, "right", option), feedback, size)
    return _filler(_hash(salt, q.id, "filler", option), size)


def _option_marks(salt: str, q: Question) -> dict[str, Any]:
    """Hashes and blobs of a single, multi, order or match question."""
    canonical = _canonical(q, q.answer)
    marks: dict[str, Any] = {"answer": _hash(salt, q.id, "answer", canonical)}
    explanation = _text_value(q.explanation)
    right = {q.answer} if q.type == "single" else set(q.answer) if q.type == "multi" else set()
    feedback = [_text_value(o.feedback) for o in q.options]
    size = _size([explanation, *feedback])
    marks["explanation"] = _seal(_hash(salt, q.id, "explanation", canonical), explanation, size)
    if q.type in ("single", "multi", "match"):
        marks["options"] = {o.id: _option_blob(salt, q, o.id, value, o.id in right, size)
                            for o, value in zip(q.options, feedback)}
    if q.type == "multi":
        marks["members"] = {o.id: _hash(salt, q.id, "member", o.id, o.id in right) for o in q.options}
    elif q.type == "order":
        marks["positions"] = [_hash(salt, q.id, "position", n, option) for n, option in enumerate(q.answer)]
    elif q.type == "match":
        marks["pairs"] = {left: _hash(salt, q.id, "pair", left, target) for left, target in q.answer.items()}
    return marks


def _numeric_marks(salt: str, q: Question) -> dict[str, Any]:
    """Hashed grid cells around the answer, each sealing answer and tolerance; the sealed direction."""
    step = _numeric_step(q)
    reach = Fraction(q.tolerance + 1e-9 * max(1.0, abs(q.answer)))
    low = math.floor((Fraction(q.answer) - reach) / Fraction(step)) - 1
    high = math.floor((Fraction(q.answer) + reach) / Fraction(step)) + 1
    centre = float((_cell(q.answer, step) + Fraction(1, 2)) * Fraction(step))
    explanation = _text_value(q.explanation)
    exact = {"answer": q.answer, "tolerance": q.tolerance}
    size = _size([explanation, exact, centre])
    return {
        "step": step,
        "cells": {_hash(salt, q.id, "cell", k): _seal(_hash(salt, q.id, "cell_key", k), exact, size)
                  for k in range(low, high + 1)},
        "direction": _seal(_hash(salt, q.id, "direction"), centre, size),
        "explanation": _seal(_hash(salt, q.id, "explanation", json.dumps(q.answer)), explanation, size),
    }


def _rubric_marks(salt: str, q: Question) -> dict[str, Any]:
    """Each criterion's id, hint and patterns sealed with a key from the salt (a writing aid, not a secret)."""
    criteria = [{"id": c.id, "hint": _text_value(c.hint), "patterns": {k: list(v) for k, v in c.patterns.items()}}
                for c in q.criteria]
    explanation = _text_value(q.explanation)
    size = _size([explanation, *criteria])
    return {"criteria": [_seal(_hash(salt, q.id, "criterion", n), c, size) for n, c in enumerate(criteria)],
            "explanation": _seal(_hash(salt, q.id, "explanation"), explanation, size)}


def _bank_record(bank: Bank) -> dict[str, Any]:
    """The public bank as JSON-ready values."""
    return {
        "workshop": bank.workshop, "title": _text_value(bank.title), "intro": _text_value(bank.intro),
        "minutes": bank.minutes,
        "questions": [{
            "id": q.id, "type": q.type, "points": q.points, "prompt": _text_value(q.prompt),
            "source": _text_value(q.source), "key": q.key, "unit": _text_value(q.unit), "pass_score": q.pass_score,
            "options": [{"id": o.id, "text": _text_value(o.text)} for o in q.options],
            "targets": [{"id": t.id, "text": _text_value(t.text)} for t in q.targets],
            "criteria": len(q.criteria),
        } for q in bank.questions],
    }


def _digest(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(_plain({k: v for k, v in record.items() if k != "digest"})).hexdigest()


def write_key(bank: Bank, path: str | Path, *, salt: str | None = None) -> Path:
    """Write the participant key file of *bank* to *path*.

    The file holds the public bank and, per question, what :func:`hashed_marker` needs to
    mark an answer: hashes and sealed texts, never an answer or explanation in readable form.

    Parameters
    ----------
    bank : Bank
        The full bank of one workshop.
    path : str or Path
        The file to write (its folder must exist), by convention :func:`key_name`.
    salt : str, optional
        The file's salt (default: 32 random hex digits); the same salt gives the same file.

    Returns
    -------
    Path
        *path*.

    Examples
    --------
    >>> import tempfile
    >>> from kamlib.training import load_banks
    >>> bank = load_banks()["prospects"]
    >>> path = write_key(bank, Path(tempfile.mkdtemp()) / key_name("prospects"))
    >>> bank.questions[0].explanation.en in path.read_text(encoding="utf-8")
    False
    """
    salt = secrets.token_hex(16) if salt is None else salt
    makers = {"numeric": _numeric_marks, "rubric": _rubric_marks}
    record: dict[str, Any] = {
        "format": KEY_FORMAT, "workshop": bank.workshop, "salt": salt, "bank": _bank_record(public_bank(bank)),
        "marks": {q.id: makers.get(q.type, _option_marks)(salt, q) for q in bank.questions},
    }
    record["digest"] = _digest(record)
    path = Path(path)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- reading a key
def _read_key(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(_say("training.key.no_file", path=path, name=path.name))
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError) as exc:
        raise ConfigError(_say("training.key.damaged", path=path, reason=type(exc).__name__)) from None
    if not isinstance(record, dict) or record.get("format") != KEY_FORMAT:
        raise ConfigError(_say("training.key.damaged", path=path, reason=f"format is not {KEY_FORMAT}"))
    if record.get("digest") != _digest(record):
        raise ConfigError(_say("training.key.damaged", path=path, reason="digest"))
    return record


def _bank_from(record: Mapping[str, Any]) -> Bank:
    """The public bank from its record (as :func:`public_bank` gives it)."""
    return Bank(record["workshop"], _text(record["title"]), _text(record["intro"]), record["minutes"], tuple(
        Question(q["id"], q["type"], q["points"], _text(q["prompt"]), BLANK, _text(q["source"]), q["key"],
                 options=tuple(Option(o["id"], _text(o["text"])) for o in q["options"]),
                 targets=tuple(Target(t["id"], _text(t["text"])) for t in q["targets"]),
                 criteria=tuple(Criterion(f"criterion_{n}", BLANK, BLANK, {}) for n in range(1, q["criteria"] + 1)),
                 unit=_text(q["unit"]), pass_score=q["pass_score"])
        for q in record["questions"]))


class _KeyMarker:
    """Marks answers with the hashes and sealed texts of one key file."""

    def __init__(self, path: Path, record: Mapping[str, Any], bank: Bank) -> None:
        self.path, self.salt, self.marks, self.bank = path, record["salt"], record["marks"], bank

    def __call__(self, question_id: str, response: object, lang: str = "en") -> Result:
        i18n.check_lang(lang)
        shown = _question_of(self.bank, question_id)
        marks = self.marks[question_id]
        kind = {"numeric": self.numeric, "rubric": self.rubric}.get(shown.type, self.options)
        return kind(shown, marks, response, lang)

    def key(self, *parts: object) -> str:
        return _hash(self.salt, *parts)

    def open(self, blob: str, *parts: object) -> Any:
        return _unseal(self.key(*parts), blob, self.path)

    def found(self, question: Question, options: list[str], stored: str, *parts: object) -> str:
        """The one of *options* whose hash with *parts* is *stored*."""
        hit = [o for o in options if self.key(question.id, *parts, o) == stored]
        if len(hit) != 1:
            raise ConfigError(_say("training.key.damaged", path=self.path, reason=f"question {question.id}"))
        return hit[0]

    def options(self, shown: Question, marks: Mapping[str, Any], response: object, lang: str) -> Result:
        canonical = _canonical(shown, response)
        right = canonical is not None and self.key(shown.id, "answer", canonical) == marks["answer"]
        explanation = _text(self.open(marks["explanation"], shown.id, "explanation", canonical)) if right else BLANK
        ids = [o.id for o in shown.options]
        if shown.type == "single":
            answer = canonical if right else None
        elif shown.type == "multi":
            answer = tuple(o for o in ids if self.key(shown.id, "member", o, True) == marks["members"][o])
        elif shown.type == "order":
            answer = tuple(self.found(shown, ids, stored, "position", n) for n, stored in enumerate(marks["positions"]))
        else:
            targets = [t.id for t in shown.targets]
            answer = {o: self.found(shown, targets, marks["pairs"][o], "pair", o) for o in ids}
        options = tuple(self.option(shown, marks, o, answer, canonical) for o in shown.options)
        return check(replace(shown, answer=answer, explanation=explanation, options=options), response, lang=lang)

    def option(self, shown: Question, marks: Mapping[str, Any], option: Option, answer: object,
               canonical: str | None) -> Option:
        """*option* with the feedback the checker may show: a wrong choice's, or the chosen right one's."""
        if shown.type == "order" or (shown.type == "single" and option.id != canonical):
            return option
        if shown.type == "multi" and option.id in answer:
            return option
        purpose = "right" if shown.type == "single" and answer == option.id else "option"
        feedback = self.open(marks["options"][option.id], shown.id, purpose, option.id)
        return replace(option, feedback=_text(feedback))

    def numeric(self, shown: Question, marks: Mapping[str, Any], response: object, lang: str) -> Result:
        probe = check(replace(shown, answer=0.0), response, lang=lang)
        if "malformed" in probe.details:
            return probe
        cell = _cell(probe.details["value"], marks["step"])
        blob = marks["cells"].get(self.key(shown.id, "cell", cell))
        if blob is None:  # outside every cell near the answer: wrong, and the centre gives the direction
            centre = self.open(marks["direction"], shown.id, "direction")
            return check(replace(shown, answer=centre, tolerance=-math.inf), response, lang=lang)
        exact = self.open(blob, shown.id, "cell_key", cell)
        question = replace(shown, answer=exact["answer"], tolerance=exact["tolerance"])
        result = check(question, response, lang=lang)
        if not result.correct:
            return result
        explanation = self.open(marks["explanation"], shown.id, "explanation", json.dumps(exact["answer"]))
        return check(replace(question, explanation=_text(explanation)), response, lang=lang)

    def rubric(self, shown: Question, marks: Mapping[str, Any], response: object, lang: str) -> Result:
        sealed = [self.open(blob, shown.id, "criterion", n) for n, blob in enumerate(marks["criteria"])]
        criteria = tuple(Criterion(c["id"], BLANK, _text(c["hint"]), {k: tuple(v) for k, v in c["patterns"].items()})
                         for c in sealed)
        question = replace(shown, criteria=criteria)
        result = check(question, response, lang=lang)
        if not result.correct:
            return result
        explanation = _text(self.open(marks["explanation"], shown.id, "explanation"))
        return check(replace(question, explanation=explanation), response, lang=lang)


def hashed_marker(path: str | Path) -> tuple[Bank, Marker]:
    """The public bank and the marker of the participant key file *path* (:func:`write_key`).

    The marker gives the same result as :func:`bank_marker` on the full bank for every
    answer: right or not, points and feedback.

    Raises
    ------
    ConfigError
        When the file is missing, is not a key file, or was changed or damaged.

    Examples
    --------
    >>> import tempfile
    >>> from kamlib.training import load_banks
    >>> full = load_banks()["prospects"]
    >>> bank, mark = hashed_marker(write_key(full, Path(tempfile.mkdtemp()) / "prospects.key.json"))
    >>> q = next(q for q in full.questions if q.type == "single")
    >>> mark(q.id, q.answer, "en") == bank_marker(full)(q.id, q.answer, "en")
    True
    >>> bank == public_bank(full)
    True
    """
    path = Path(path)
    record = _read_key(path)
    bank = _bank_from(record["bank"])
    return bank, _KeyMarker(path, record, bank)
