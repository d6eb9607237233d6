"""Participants' answers: one JSON line per submission, one file per participant.

:func:`record` appends to ``<results_dir>/<workshop>/<participant>.jsonl`` under an
exclusive lock, in one write, so submissions made at the same moment (several
participants, several server processes) are never lost or interleaved. The
participant's name is made safe for a file name (:func:`safe_name`): it can never
reach outside the workshop's folder. :func:`read_results` reads a workshop back as a
table and :func:`class_summary` sums it up for the trainer.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from kamlib.errors import ConfigError
from kamlib.training.bank import ID_PATTERN
from kamlib.training.checks import Result

__all__ = ["MAX_NAME", "RESULT_COLUMNS", "class_summary", "read_results", "record", "safe_name"]

#: Longest participant file name (characters, before ``.jsonl``).
MAX_NAME = 64
#: The columns of :func:`read_results`.
RESULT_COLUMNS = ("time", "workshop", "participant", "question", "response", "correct", "score", "feedback")


def safe_name(participant: str) -> str:
    """A file name for *participant*: Chinese and other letters kept; separators, control
    characters and leading dots replaced; at most :data:`MAX_NAME` characters.

    Raises
    ------
    ConfigError
        When nothing usable is left (an empty name, or only dots and signs).

    Examples
    --------
    >>> safe_name("张 伟"), safe_name("../../etc/passwd"), safe_name("a\\x00b")
    ('张_伟', 'etc_passwd', 'a_b')
    """
    text = unicodedata.normalize("NFC", str(participant))
    text = "".join(c if c.isalnum() or c in "-_." else "_" for c in text)
    text = re.sub(r"\.{2,}", "_", text)
    text = re.sub(r"_+", "_", text).strip("._-")[:MAX_NAME].rstrip("._-")
    if not text:
        raise ConfigError(f"participant name {participant!r} has no letter or digit to name a results file. "
                          "Ask the participant for their name (Chinese names are fine).")
    return text


@contextmanager
def _locked(handle: int) -> Iterator[None]:
    """Hold an exclusive lock on the open file *handle*."""
    if os.name == "nt":
        import msvcrt

        msvcrt.locking(handle, msvcrt.LK_LOCK, 1)
        try:
            yield
        finally:
            msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _json_ready(value: object) -> object:
    """A response as JSON can hold it (sets as sorted lists, anything else as text)."""
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def record(results_dir: str | Path, workshop: str, participant: str, question_id: str, response: object,
           result: Result, *, at: datetime | None = None) -> Path:
    """Append one submission to the participant's file; return the file.

    Parameters
    ----------
    results_dir : str or Path
        The results folder (one sub-folder per workshop is made in it).
    workshop, question_id : str
        Ids from the bank.
    participant : str
        As the participant typed it (kept as is in the line; the file name is :func:`safe_name`).
    response : object
        What was answered; kept as JSON.
    result : Result
        From :func:`~kamlib.training.checks.check`.
    at : datetime, optional
        Time of the submission (default: now, UTC).

    Examples
    --------
    >>> import tempfile
    >>> from kamlib.training.checks import Result
    >>> path = record(tempfile.mkdtemp(), "call_skills", "李娜", "q1", "a", Result(True, 1.0, ("Right.",)))
    >>> path.name, json.loads(path.read_text(encoding="utf-8"))["score"]
    ('李娜.jsonl', 1.0)
    """
    if not isinstance(workshop, str) or not ID_PATTERN.fullmatch(workshop):
        raise ConfigError(f"workshop id {workshop!r} must be lower-case letters, digits and underscores "
                          "(the bank file's workshop:).")
    folder = Path(results_dir) / workshop
    path = folder / f"{safe_name(participant)}.jsonl"
    if path.resolve().parent != folder.resolve():
        raise ConfigError(f"participant name {participant!r} cannot be used as a file name; ask for another.")
    line = {
        "time": (at or datetime.now(UTC)).isoformat(), "workshop": workshop,
        "participant": str(participant), "question": str(question_id), "response": _json_ready(response),
        "correct": bool(result.correct), "score": float(result.score), "feedback": list(result.feedback),
    }
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        with _locked(handle):
            os.write(handle, data)
            os.fsync(handle)
    finally:
        os.close(handle)
    return path


def read_results(results_dir: str | Path, workshop: str) -> pd.DataFrame:
    """Every submission to *workshop*, one row each, oldest first (columns :data:`RESULT_COLUMNS`).

    A line that cannot be read (a file cut short by a crash) is left out.

    Examples
    --------
    >>> import tempfile
    >>> from kamlib.training.checks import Result
    >>> folder = tempfile.mkdtemp()
    >>> _ = record(folder, "demo", "Ann", "q1", "b", Result(False, 0.0))
    >>> read_results(folder, "demo")[["participant", "question", "correct"]]
      participant question  correct
    0         Ann       q1    False
    """
    rows = []
    for path in sorted((Path(results_dir) / workshop).glob("*.jsonl")):
        for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rows.append(json.loads(text))
            except json.JSONDecodeError:
                continue
    frame = pd.DataFrame([{c: row.get(c) for c in RESULT_COLUMNS} for row in rows if isinstance(row, dict)],
                         columns=list(RESULT_COLUMNS))
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype(float)
    frame["correct"] = frame["correct"].astype(bool)
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


def _answer_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def class_summary(results: pd.DataFrame, *, top: int = 3) -> dict[str, pd.DataFrame]:
    """The trainer's view of a workshop's results (each participant's last answer per question).

    Parameters
    ----------
    results : DataFrame
        From :func:`read_results`.
    top : int
        Wrong answers listed per question.

    Returns
    -------
    dict of DataFrame
        ``scores``: one row per participant, one column per question (the score of the
        last answer), and ``total``; ``questions``: per question, ``participants``,
        ``correct`` (how many got it right), ``share_correct``, ``mean_score``;
        ``wrong_answers``: per question its most common wrong answers (``answer``,
        ``count``), most common first.

    Examples
    --------
    >>> rows = pd.DataFrame({"time": ["1", "2", "3"], "participant": ["Ann", "Bo", "Cy"],
    ...                      "question": ["q1"] * 3, "response": ["a", "b", "b"],
    ...                      "correct": [True, False, False], "score": [1.0, 0.0, 0.0]})
    >>> class_summary(rows)["wrong_answers"]
      question answer  count
    0       q1      b      2
    """
    last = results.sort_values("time", kind="stable").drop_duplicates(["participant", "question"], keep="last")
    scores = last.pivot_table(index="participant", columns="question", values="score", aggfunc="sum")
    scores.columns.name = None
    scores["total"] = scores.sum(axis=1)
    questions = last.groupby("question").agg(participants=("participant", "nunique"), correct=("correct", "sum"),
                                             mean_score=("score", "mean"))
    questions.insert(2, "share_correct", questions["correct"] / questions["participants"])
    wrong = last.loc[~last["correct"].astype(bool)].assign(answer=lambda d: d["response"].map(_answer_text))
    counts = wrong.groupby(["question", "answer"]).size().rename("count").reset_index()
    counts = counts.sort_values(["question", "count", "answer"], ascending=[True, False, True], kind="stable")
    return {"scores": scores.reset_index(), "questions": questions.reset_index(),
            "wrong_answers": counts.groupby("question").head(top).reset_index(drop=True)}
