"""The trainer's dashboard: class tables in the room's language, the export, the trainer's token.

Answers are recorded with :func:`kamlib.training.record` as a workshop records them, then
read back by the dashboard (no browser: the served page is tested in
``tests/test_training_browser.py``).
"""

from __future__ import annotations

import csv

import openpyxl
import pytest

from kamlib.training import check, class_tables, load_banks, read_results, record
from kamlib.training.widgets.dashboard import Dashboard

BANK = load_banks()["prospects"]
SINGLE = next(q for q in BANK.questions if q.type == "single")
MATCH = next(q for q in BANK.questions if q.type == "match")
WRONG = next(o for o in SINGLE.options if o.id != SINGLE.answer)


@pytest.fixture
def results(tmp_path):
    """Three participants: Ann wrong then right, 李娜 and =SUM(A1) wrong with the same option."""
    for name, answer in [("Ann", WRONG.id), ("Ann", SINGLE.answer), ("李娜", WRONG.id), ("=SUM(A1)", WRONG.id)]:
        record(tmp_path, "prospects", name, SINGLE.id, answer, check(SINGLE, answer, lang="zh"))
    pairs = {MATCH.options[0].id: MATCH.targets[-1].id}
    record(tmp_path, "prospects", "Ann", MATCH.id, pairs, check(MATCH, pairs, lang="zh"))
    return tmp_path


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_wrong_answers_are_the_texts_participants_read(results, lang):
    tables = class_tables(read_results(results, "prospects"), BANK, lang)
    wrong = tables["wrong_answers"]
    answers = wrong.iloc[:, 1].tolist()
    assert WRONG.text.get(lang) in answers and WRONG.id not in answers
    counts = dict(zip(wrong.iloc[:, 1], wrong.iloc[:, 2]))
    assert counts[WRONG.text.get(lang)] == 2  # Ann's last answer is right: only 李娜 and =SUM(A1)
    paired = f"{MATCH.options[0].text.get(lang)} → {MATCH.targets[-1].text.get(lang)}"
    assert paired in answers


def test_every_question_is_listed_and_scores_are_each_participants_last(results):
    tables = class_tables(read_results(results, "prospects"), BANK, "en")
    questions = tables["questions"]
    assert len(questions) == len(BANK.questions)
    assert questions.iloc[:, 0].str.match(r"Q\d+ · ").all()
    row = questions.set_index(questions.columns[0]).filter(like=SINGLE.prompt.en[:20], axis=0).iloc[0]
    assert (row["Participants"], row["Right"]) == (3, 1)
    scores = tables["participants"].set_index("Participant")
    number = [q.id for q in BANK.questions].index(SINGLE.id) + 1
    assert scores.loc["Ann", f"Q{number}"] == SINGLE.points and scores.loc["李娜", f"Q{number}"] == 0


def test_the_export_keeps_text_as_text(results):
    board = Dashboard("prospects", lang="zh", results_dir=results, query="", token=None)
    files = board.export()
    workbook = openpyxl.load_workbook(files[0])
    assert workbook.sheetnames[1:] == ["各题得分", "各学员得分", "最常见的错误答案"]
    cell = next(c for row in workbook["各学员得分"].iter_rows() for c in row if c.value == "=SUM(A1)")
    assert cell.data_type == "s" and cell.quotePrefix
    participants = next(p for p in files if p.name == "participants.csv")
    names = [row[0] for row in csv.reader(participants.open(encoding="utf-8-sig"))]
    assert "'=SUM(A1)" in names and "李娜" in names
    assert str(files[0]) in board.exported.value or files[0].name in board.exported.value


def test_the_dashboard_opens_only_with_the_trainers_token(results):
    outsider = Dashboard("prospects", lang="en", results_dir=results, query="p=Ann", token="s3cret")
    assert "for the trainer" in outsider.status.value
    assert outsider.body.value == "" and "Ann" not in outsider.widget.children[0].value
    trainer = Dashboard("prospects", lang="en", results_dir=results, query="t=s3cret", token="s3cret")
    assert "3 participant(s)" in trainer.status.value and "李娜" in trainer.body.value
    assert trainer.chart.value.startswith("<img")


def test_names_are_escaped_in_the_page(tmp_path):
    record(tmp_path, "prospects", "<script>x</script>", SINGLE.id, WRONG.id, check(SINGLE, WRONG.id))
    board = Dashboard("prospects", results_dir=tmp_path, query="", token=None)
    assert "<script>x" not in board.body.value and "&lt;script&gt;x" in board.body.value
