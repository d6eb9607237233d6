"""Participants' results: every submission kept (also when several processes write at once),
names that cannot leave the workshop's folder, and the trainer's summary."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.errors import ConfigError
from kamlib.training import Result, class_summary, read_results, record, safe_name
from kamlib.training.results import MAX_NAME, RESULT_COLUMNS

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _submit_many(folder: str, worker: int, count: int) -> None:
    """Submit *count* answers as one participant (runs in another process)."""
    for n in range(count):
        record(folder, "call_skills", "同一个人", "q1", {"worker": worker, "n": n, "pad": "长" * 3000},
               Result(n % 2 == 0, float(n % 2 == 0), ("反馈",)))


def test_concurrent_submissions_from_several_processes_are_all_kept(tmp_path):
    workers, count = 4, 60
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_submit_many, [str(tmp_path)] * workers, range(workers), [count] * workers))
    lines = (tmp_path / "call_skills" / "同一个人.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == workers * count
    seen = {(row["response"]["worker"], row["response"]["n"]) for row in map(json.loads, lines)}
    assert seen == {(w, n) for w in range(workers) for n in range(count)}


def test_record_appends_one_json_line_with_the_submission(tmp_path):
    result = Result(False, 0.5, ("Too high.",), {"value": 61})
    path = record(tmp_path, "call_skills", "Li Na", "leads", "61", result, at=START)
    record(tmp_path, "call_skills", "Li Na", "leads", 60, Result(True, 1.0), at=START + timedelta(minutes=1))
    assert path == tmp_path / "call_skills" / "Li_Na.jsonl"
    first, second = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    assert first == {"time": "2026-03-02T09:00:00+00:00", "workshop": "call_skills", "participant": "Li Na",
                     "question": "leads", "response": "61", "correct": False, "score": 0.5,
                     "feedback": ["Too high."]}
    assert second["response"] == 60 and second["correct"] is True


def test_responses_of_every_kind_are_stored_as_json(tmp_path):
    path = record(tmp_path, "w", "Ann", "q", {"picks": {"c", "a"}, "x": float("nan"), "n": (1, 2)}, Result(False, 0))
    assert json.loads(path.read_text(encoding="utf-8"))["response"] == {"picks": ["a", "c"], "x": "nan", "n": [1, 2]}


HOSTILE = ["../../etc/passwd", "../..x", "/abs/path", "a/b\\c", "con\x00trol\n名字", ".hidden", "名" * 300,
           "C:\\Windows\\win.ini", "\u202eevil", "a" + "/.." * 30, "  王 芳  "]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_inside_the_workshop_folder(tmp_path, name):
    path = record(tmp_path / "results", "call_skills", name, "q1", "a", Result(True, 1.0))
    assert path.resolve().parent == (tmp_path / "results" / "call_skills").resolve()
    assert len(path.stem) <= MAX_NAME and not path.name.startswith(".")
    assert not any(ch in path.stem for ch in "/\\\x00\n")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]
    assert json.loads(path.read_text(encoding="utf-8"))["participant"] == name


def test_chinese_names_are_kept():
    assert safe_name("王芳") == "王芳" and safe_name("  王 芳  ") == "王_芳"


@pytest.mark.parametrize("name", ["", "..", "///", "\x00\x01", "   "])
def test_a_name_with_nothing_usable_is_refused(tmp_path, name):
    with pytest.raises(ConfigError, match="participant name"):
        record(tmp_path, "call_skills", name, "q1", "a", Result(True, 1.0))
    assert not list(tmp_path.rglob("*.jsonl"))


@pytest.mark.parametrize("workshop", ["../x", "Call Skills", ""])
def test_a_bad_workshop_id_is_refused(tmp_path, workshop):
    with pytest.raises(ConfigError, match="workshop id"):
        record(tmp_path, workshop, "Ann", "q1", "a", Result(True, 1.0))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=100))
def test_safe_name_is_always_a_plain_file_name(name):
    try:
        safe = safe_name(name)
    except ConfigError:
        return
    assert safe and len(safe) <= MAX_NAME and safe not in (".", "..") and not safe.startswith(".")
    assert Path(safe).name == safe and "/" not in safe and "\\" not in safe
    assert all(ch.isprintable() and not ch.isspace() for ch in safe)


# ----------------------------------------------------------------------------- reading back
def _class(tmp_path: Path) -> Path:
    answers = [("Ann", "q1", "b", False, 0.0), ("Ann", "q1", "a", True, 1.0), ("Bo", "q1", "b", False, 0.0),
               ("Cy", "q1", "c", False, 0.0), ("Bo", "q2", 70, False, 0.0), ("Cy", "q2", 60, True, 2.0),
               ("Dai", "q1", "b", False, 0.0)]
    for minute, (who, qid, response, correct, score) in enumerate(answers):
        record(tmp_path, "demo", who, qid, response, Result(correct, score), at=START + timedelta(minutes=minute))
    return tmp_path


def test_read_results_gives_one_row_per_submission_oldest_first(tmp_path):
    results = read_results(_class(tmp_path), "demo")
    assert list(results.columns) == list(RESULT_COLUMNS) and len(results) == 7
    assert results["time"].is_monotonic_increasing
    assert results["participant"].tolist() == ["Ann", "Ann", "Bo", "Cy", "Bo", "Cy", "Dai"]
    assert results["score"].dtype == float and results["correct"].dtype == bool


def test_read_results_skips_a_line_cut_short(tmp_path):
    folder = _class(tmp_path)
    with open(folder / "demo" / "Ann.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"time": "2026-03-02T10:00:00+00:00", "participant": "Ann", "que')
    assert len(read_results(folder, "demo")) == 7


def test_read_results_of_a_workshop_without_answers_is_empty(tmp_path):
    results = read_results(tmp_path, "nobody")
    assert results.empty and list(results.columns) == list(RESULT_COLUMNS)


def test_class_summary_counts_each_participants_last_answer(tmp_path):
    summary = class_summary(read_results(_class(tmp_path), "demo"))
    scores = summary["scores"].set_index("participant")
    assert scores.loc["Ann", "q1"] == 1.0  # the later, right answer counts
    assert scores.loc["Cy", "total"] == 2.0 and pd.isna(scores.loc["Ann", "q2"])
    questions = summary["questions"].set_index("question")
    assert questions.loc["q1", "participants"] == 4 and questions.loc["q1", "correct"] == 1
    assert questions.loc["q1", "share_correct"] == 0.25
    assert questions.loc["q2", "mean_score"] == 1.0
    wrong = summary["wrong_answers"]
    assert wrong.loc[wrong["question"] == "q1", ["answer", "count"]].values.tolist() == [["b", 2], ["c", 1]]
    assert wrong.loc[wrong["question"] == "q2", "answer"].tolist() == ["70"]


def test_class_summary_of_a_workshop_without_answers_is_empty(tmp_path):
    summary = class_summary(read_results(tmp_path, "demo"))
    assert all(table.empty for table in summary.values())
    assert list(summary["questions"].columns) == ["question", "participants", "correct", "share_correct", "mean_score"]
