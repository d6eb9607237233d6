"""Checking a participant's answer against the bank: one pure function per question type.

:func:`check` takes a :class:`~kamlib.training.bank.Question` and what the participant
answered, and returns a :class:`Result`: right or not, the points earned and feedback
in the participant's language that explains *why*. A malformed answer (empty, of the
wrong kind, naming an option that does not exist, not a number) is answered with a
message, never with an exception. The rules (partial scores, what the feedback says)
are described in ``docs/training.md#how-answers-are-checked``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kamlib import i18n
from kamlib.training.bank import Question

__all__ = ["MAX_TEXT", "Result", "check"]

#: Longest free-text answer checked (characters); a longer one is asked to be shortened.
MAX_TEXT = 4000


@dataclass(frozen=True)
class Result:
    """The outcome of one answer.

    Attributes
    ----------
    correct : bool
        Whether the answer counts as right.
    score : float
        Points earned, from 0 to the question's points.
    feedback : tuple of str
        Sentences for the participant, in their language: why their choices are wrong,
        and the explanation once they are right.
    details : dict
        What was checked: ``wrong`` / ``missing`` ids, ``met`` criteria, ``malformed`` …
    """

    correct: bool
    score: float
    feedback: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


class _Malformed(Exception):
    """An answer that cannot be checked; its argument is the label key of the message."""


def _say(key: str, lang: str, **values: object) -> str:
    return i18n.t(f"training.check.{key}", lang, **values)


def _ids(response: object, question: Question) -> list[str]:
    """The option ids of a list answer, in order (malformed: not a list, empty, unknown id)."""
    if isinstance(response, (str, bytes, Mapping)) or not isinstance(response, (list, tuple, set, frozenset)):
        raise _Malformed("not_list")
    if not response:
        raise _Malformed("empty")
    known = {o.id for o in question.options}
    if not all(isinstance(r, str) and r in known for r in response):
        raise _Malformed("unknown_option")
    return list(response)


def _finish(question: Question, lang: str, score: float, correct: bool, feedback: list[str], **details: Any) -> Result:
    if correct:
        feedback.append(question.explanation.get(lang))
    return Result(correct, round(max(0.0, min(score, question.points)), 10), tuple(feedback), details)


def check_single(question: Question, response: object, lang: str) -> Result:
    """One option id; its feedback, and the explanation when it is the answer.

    Examples
    --------
    >>> from kamlib.training.bank import Option, Text
    >>> q = Question("q", "single", 1, Text("?", "？"), Text("Why.", "原因。"), Text("S1", "S1"), "source",
    ...              answer="a", options=(Option("a", Text("A", "甲")), Option("b", Text("B", "乙"), Text("No.", "不对。"))))
    >>> check_single(q, "b", "zh")
    Result(correct=False, score=0.0, feedback=('不对。',), details={'chosen': 'b'})
    """
    if not isinstance(response, str) or not response:
        raise _Malformed("empty" if response in ("", None) else "not_choice")
    if response not in {o.id for o in question.options}:
        raise _Malformed("unknown_option")
    correct = response == question.answer
    chosen = question.option(response).feedback
    feedback = [chosen.get(lang)] if chosen else []
    return _finish(question, lang, question.points if correct else 0.0, correct, feedback, chosen=response)


def check_multi(question: Question, response: object, lang: str) -> Result:
    """A list of option ids: points for right picks minus wrong picks (share of the right options, at least 0).

    The feedback explains each wrong pick and says how many right options are missing,
    without naming them.

    Examples
    --------
    >>> from kamlib.training.bank import Option, Text
    >>> q = Question("q", "multi", 2, Text("?", "？"), Text("Why.", "原因。"), Text("S1", "S1"), "source",
    ...              answer=("a", "b"), options=(Option("a", Text("A", "甲")), Option("b", Text("B", "乙")),
    ...                                          Option("c", Text("C", "丙"), Text("Not C.", "不是丙。"))))
    >>> r = check_multi(q, ["a", "c"], "en")
    >>> r.score, r.feedback
    (0.0, ('C: Not C.', '1 right option(s) still missing.'))
    """
    picks = set(_ids(response, question))
    right = set(question.answer)
    wrong = [o for o in question.options if o.id in picks - right]
    missing = len(right - picks)
    feedback = [f"{o.text.get(lang)}: {o.feedback.get(lang)}" if o.feedback else o.text.get(lang) for o in wrong]
    if missing:
        feedback.append(_say("missing", lang, n=missing))
    score = question.points * (len(picks & right) - len(wrong)) / len(right)
    return _finish(question, lang, score, picks == right, feedback, wrong=[o.id for o in wrong], missing=missing)


def check_order(question: Question, response: object, lang: str) -> Result:
    """Every option id once, in order: points for the share of items in their right place.

    The feedback names the first pair of neighbours the participant put the wrong way round.

    Examples
    --------
    >>> from kamlib.training.bank import Option, Text
    >>> q = Question("q", "order", 3, Text("?", "？"), Text("Why.", "原因。"), Text("S1", "S1"), "source",
    ...              answer=("a", "b", "c"), options=tuple(Option(i, Text(i.upper(), i)) for i in "abc"))
    >>> r = check_order(q, ["a", "c", "b"], "en")
    >>> r.score, r.feedback
    (1.0, ('"C" should come after "B".',))
    """
    order = _ids(response, question)
    if sorted(order) != sorted(question.answer):
        raise _Malformed("order_incomplete")
    rank = {option_id: n for n, option_id in enumerate(question.answer)}
    placed = sum(a == b for a, b in zip(order, question.answer))
    feedback = []
    for first, second in itertools.pairwise(order):
        if rank[first] > rank[second]:
            feedback.append(_say("order_pair", lang, first=question.option(first).text.get(lang),
                                 second=question.option(second).text.get(lang)))
            break
    correct = placed == len(order)
    return _finish(question, lang, question.points * placed / len(order), correct, feedback, placed=placed)


def check_match(question: Question, response: object, lang: str) -> Result:
    """A mapping option id -> target id: points for the share of right pairs; feedback on each wrong pair.

    Examples
    --------
    >>> from kamlib.training.bank import Option, Target, Text
    >>> q = Question("q", "match", 2, Text("?", "？"), Text("Why.", "原因。"), Text("S1", "S1"), "source",
    ...              answer={"a": "x", "b": "y"}, options=(Option("a", Text("A", "甲")), Option("b", Text("B", "乙"))),
    ...              targets=(Target("x", Text("X", "X")), Target("y", Text("Y", "Y"))))
    >>> r = check_match(q, {"a": "x", "b": "x"}, "en")
    >>> r.score, r.feedback
    (1.0, ('"B" does not go with "X".',))
    """
    if not isinstance(response, Mapping):
        raise _Malformed("not_mapping")
    if not response:
        raise _Malformed("empty")
    targets = {t.id: t for t in question.targets}
    lefts = {o.id for o in question.options}
    if not all(isinstance(k, str) and k in lefts and isinstance(v, str) and v in targets for k, v in response.items()):
        raise _Malformed("unknown_option")
    feedback, wrong = [], []
    for option in question.options:
        chosen = response.get(option.id)
        if chosen is not None and chosen != question.answer[option.id]:
            wrong.append(option.id)
            feedback.append(_say("match_pair", lang, left=option.text.get(lang), right=targets[chosen].text.get(lang)))
            if option.feedback:
                feedback.append(option.feedback.get(lang))
    unmatched = len(lefts) - len(response)
    if unmatched:
        feedback.append(_say("unmatched", lang, n=unmatched))
    right = len(response) - len(wrong)
    correct = right == len(lefts)
    return _finish(question, lang, question.points * right / len(lefts), correct, feedback, wrong=wrong,
                   unmatched=unmatched)


def _number(response: object) -> float:
    if isinstance(response, bool):
        raise _Malformed("not_number")
    if isinstance(response, str):
        text = response.strip().replace(",", "").replace("，", "")
        if not text:
            raise _Malformed("empty")
        try:
            response = float(text)
        except ValueError:
            raise _Malformed("not_number") from None
    if not isinstance(response, (int, float)):
        raise _Malformed("empty" if response is None else "not_number")
    try:
        value = float(response)
    except OverflowError:
        raise _Malformed("not_number") from None
    if not math.isfinite(value):
        raise _Malformed("not_number")
    return value


def check_numeric(question: Question, response: object, lang: str) -> Result:
    """A number: right within the tolerance; otherwise the feedback says too high or too low.

    Examples
    --------
    >>> from kamlib.training.bank import Text
    >>> q = Question("q", "numeric", 1, Text("?", "？"), Text("Why.", "原因。"), Text("S1", "S1"), "source",
    ...              answer=42.5, tolerance=0.5)
    >>> check_numeric(q, "42", "en").correct, check_numeric(q, 41, "en").feedback
    (True, ('Too low.',))
    """
    value = _number(response)
    difference = value - question.answer
    correct = abs(difference) <= question.tolerance + 1e-9 * max(1.0, abs(question.answer))
    feedback = [] if correct else [_say("too_high" if difference > 0 else "too_low", lang)]
    return _finish(question, lang, question.points if correct else 0.0, correct, feedback, value=value)


def check_rubric(question: Question, response: object, lang: str) -> Result:
    r"""A free text: each criterion is met when one of its patterns (in *lang*) is found in it.

    Points are the share of criteria met; the answer counts as right from ``pass_score``
    on. The feedback gives the hint of each criterion not met.

    Examples
    --------
    >>> from kamlib.training.bank import Criterion, Text
    >>> q = Question("q", "rubric", 2, Text("?", "？"), Text("Why.", "原因。"), Text("S1", "S1"), "source",
    ...              criteria=(Criterion("timed", Text("Timed", "有时限"), Text("By when?", "何时？"),
    ...                                  {"en": (r"\d",), "zh": (r"\d", "前")}),
    ...                        Criterion("who", Text("Who", "谁"), Text("Which account?", "哪个客户？"),
    ...                                  {"en": ("account",), "zh": ("客户",)})))
    >>> r = check_rubric(q, "Call the account back", "en")
    >>> r.correct, r.score, r.feedback
    (False, 1.0, ('By when?',))
    """
    if not isinstance(response, str) or not response.strip():
        raise _Malformed("empty" if response in ("", None) or isinstance(response, str) else "not_text")
    if len(response) > MAX_TEXT:
        raise _Malformed("too_long")
    met = [c.id for c in question.criteria
           if any(re.search(p, response, flags=re.IGNORECASE) for p in c.patterns.get(lang, ()))]
    share = len(met) / len(question.criteria)
    feedback = [c.hint.get(lang) for c in question.criteria if c.id not in met]
    correct = share >= question.pass_score - 1e-12
    return _finish(question, lang, question.points * share, correct, feedback, met=met)


CHECKERS: dict[str, Callable[[Question, object, str], Result]] = {
    "single": check_single, "multi": check_multi, "order": check_order,
    "match": check_match, "numeric": check_numeric, "rubric": check_rubric,
}


def check(question: Question, response: object, *, lang: str = "en") -> Result:
    """Check *response* to *question*; never raises for any response.

    Parameters
    ----------
    question : Question
        From a bank (:func:`~kamlib.training.bank.load_bank`).
    response : object
        single: an option id; multi: a list of option ids; order: every option id in
        order; match: a mapping option id -> target id; numeric: a number (or its
        text); rubric: a text.
    lang : {"en", "zh"}
        The participant's language (feedback and messages).

    Returns
    -------
    Result
        ``details["malformed"]`` is set when the response could not be checked; it then
        scores 0 and its feedback says what to answer.

    Examples
    --------
    >>> from kamlib.training.bank import Question, Text
    >>> q = Question("leads", "numeric", 1, Text("How many?", "多少？"), Text("30 × 2 = 60.", "30 × 2 = 60。"),
    ...              Text("the workbook's own", "本工作簿自定"), "ours", answer=60)
    >>> check(q, 60).correct, check(q, "60").feedback
    (True, ('30 × 2 = 60.',))
    >>> check(q, 75, lang="zh").feedback
    ('偏高了。',)
    >>> check(q, "sixty").details
    {'malformed': 'not_number'}
    """
    i18n.check_lang(lang)
    try:
        return CHECKERS[question.type](question, response, lang)
    except _Malformed as reason:
        key = reason.args[0]
        return Result(False, 0.0, (_say(f"malformed.{key}", lang, n=MAX_TEXT),), {"malformed": key})
    except (TypeError, ValueError, re.error, RecursionError):
        return Result(False, 0.0, (_say("malformed.not_choice", lang),), {"malformed": "not_choice"})
