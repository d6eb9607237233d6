"""The trainer's view of a class: results as tables in the room's language.

:func:`class_tables` turns the submissions :func:`~kamlib.training.results.read_results`
reads into what a trainer discusses: each participant's score per question, each
question's share of the class right, and the most common wrong answers written as
the participants saw them (option texts, not ids; :func:`answer_text`). A served
dashboard is for the trainer only: :func:`trainer_allowed` compares the page's
``?t=`` with the session's token (environment variable :data:`TOKEN_ENV`).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import parse_qs

import pandas as pd

from kamlib import i18n
from kamlib.training.bank import Bank, Question
from kamlib.training.results import class_summary

__all__ = ["TOKEN_ENV", "answer_text", "class_tables", "question_label", "trainer_allowed"]

#: The environment variable holding a served session's trainer token.
TOKEN_ENV = "KAM_TRAINER_TOKEN"


def trainer_allowed(query: str, token: str | None) -> bool:
    """Whether the page's query string *query* carries the trainer *token* (``t=…``); any page when there is no token.

    Examples
    --------
    >>> trainer_allowed("t=abc", "abc"), trainer_allowed("p=Ann", "abc"), trainer_allowed("", None)
    (True, False, True)
    """
    if not token:
        return True
    given = parse_qs(query.lstrip("?")).get("t", [""])[0]
    return secrets.compare_digest(given.encode(), token.encode())


def _item_text(question: Question, item: object, lang: str) -> str:
    """An option's (or target's) text for its id; anything else as written."""
    for choice in (*question.options, *question.targets):
        if choice.id == item:
            return choice.text.get(lang)
    return str(item)


def answer_text(question: Question, response: object, lang: str = "en") -> str:
    """A recorded *response* as the participant saw it: option texts instead of ids.

    Examples
    --------
    >>> from kamlib.training.bank import Option, Text
    >>> q = Question("q1", "multi", 1, Text("Which?", "哪些？"), Text("", ""), Text("", ""), "ours", ["a"],
    ...              options=(Option("a", Text("Money", "钱")), Option("b", Text("Need", "需求"))))
    >>> answer_text(q, ["a", "b"], "zh"), answer_text(q, "b")
    ('钱、需求', 'Need')
    """
    if isinstance(response, Mapping):
        pairs = [f"{_item_text(question, k, lang)} → {_item_text(question, v, lang)}" for k, v in response.items()]
        return i18n.join(pairs, lang, clauses=True)
    if isinstance(response, (list, tuple)):
        texts = [_item_text(question, item, lang) for item in response]
        return " → ".join(texts) if question.type == "order" else i18n.join(texts, lang)
    if question.type == "numeric" and question.unit is not None and response not in (None, ""):
        return f"{response} {question.unit.get(lang)}"
    return "" if response is None else _item_text(question, response, lang)


def question_label(bank: Bank, question_id: str, lang: str = "en", width: int = 40) -> str:
    """``Q3 · <prompt>`` with the prompt cut to *width* characters (the id for a question not in *bank*).

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> bank = load_banks()["call_skills"]
    >>> question_label(bank, bank.questions[0].id).startswith("Q1 · ")
    True
    """
    ids = [q.id for q in bank.questions]
    if question_id not in ids:
        return question_id
    prompt = " ".join(bank.question(question_id).prompt.get(lang).split())
    short = prompt if len(prompt) <= width else prompt[: width - 1] + "…"
    return f"Q{ids.index(question_id) + 1} · {short}"


def class_tables(results: pd.DataFrame, bank: Bank, lang: str = "en", *, top: int = 3) -> dict[str, pd.DataFrame]:
    """The dashboard's tables for *bank*'s workshop, headed and written in *lang*.

    Parameters
    ----------
    results : DataFrame
        From :func:`~kamlib.training.results.read_results` (one row per submission).
    bank : Bank
        The workshop's bank (its prompts and option texts).
    lang : {"en", "zh"}
    top : int
        Wrong answers listed per question.

    Returns
    -------
    dict of DataFrame
        ``questions``: per question of the bank, in its order, its label, participants,
        how many are right, the share right and the mean score (empty when nobody answered); ``participants``: per
        participant the points per question (``Q1`` …) and the total; ``wrong_answers``:
        per question its most common wrong answers as texts, with their count. A
        participant's last answer to a question counts.

    Examples
    --------
    >>> from kamlib.training import load_banks
    >>> bank = load_banks()["call_skills"]
    >>> q = next(q for q in bank.questions if q.type == "single")
    >>> wrong = next(o.id for o in q.options if o.id != q.answer)
    >>> rows = pd.DataFrame({"time": ["1", "2"], "participant": ["Ann", "Bo"], "question": [q.id] * 2,
    ...                      "response": [q.answer, wrong], "correct": [True, False], "score": [1.0, 0.0]})
    >>> tables = class_tables(rows, bank, "en")
    >>> tables["wrong_answers"].iloc[0, 1] == q.option(wrong).text.en
    True
    """
    heads = {key: i18n.t(f"training.dashboard.{key}", lang) for key in
             ("question", "participants", "correct", "share_correct", "mean_score", "participant", "total",
              "answer", "count")}
    questions = {q.id: q for q in bank.questions}
    shown = results.loc[results["question"].isin(list(questions))].copy()
    shown["response"] = [answer_text(questions[qid], response, lang)
                         for qid, response in zip(shown["question"], shown["response"])]
    summary = class_summary(shown, top=top)
    order = {q.id: i for i, q in enumerate(bank.questions)}
    per_question = summary["questions"].set_index("question").reindex(list(order)).rename_axis("question")
    per_question = per_question.fillna({"participants": 0, "correct": 0}).astype({"participants": int, "correct": int})
    per_question = per_question.reset_index()
    per_question["question"] = [question_label(bank, qid, lang) for qid in per_question["question"]]
    per_question["mean_score"] = per_question["mean_score"].round(2)
    short = {q.id: f"Q{i + 1}" for i, q in enumerate(bank.questions)}
    scores = summary["scores"]
    scores = scores[["participant", *sorted((c for c in scores.columns if c in short), key=order.get), "total"]]
    wrong = summary["wrong_answers"].sort_values("question", key=lambda s: s.map(order), kind="stable")
    wrong["question"] = [question_label(bank, qid, lang) for qid in wrong["question"]]
    return {
        "questions": per_question.rename(columns=heads).reset_index(drop=True),
        "participants": scores.rename(columns={**short, **heads}).reset_index(drop=True),
        "wrong_answers": wrong.rename(columns=heads).reset_index(drop=True),
    }
