"""The workshop widgets, driven in Python as a participant would: set the controls, press Check.

The feedback shown must be the checker's, the submission must land in the results file,
switching the language must keep the answers, and nothing of the answer key may be in
any widget's state before the participant submits (see docs/training.md).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import ipywidgets as widgets
import pytest
from widget_states import widget_states

from kamlib import i18n
from kamlib.errors import ConfigError
from kamlib.sections import markdown_html
from kamlib.training import QUESTION_TYPES, Question, check, keys, load_banks
from kamlib.training.widgets import QuestionForm, Workshop
from kamlib.training.widgets.questions import NOT_CHOSEN

BANKS = load_banks()
#: Free answers that meet (and miss) the criteria of the rubric question, in each language.
RUBRIC_ANSWERS = {
    "right": {"en": "By next Friday, meet the purchasing head of the steel group and agree a trial order of "
                    "5 tractors for Q3.",
              "zh": "下周五前，拜访钢铁集团采购部负责人，就三季度试购 5 台牵引车达成一致。"},
    "wrong": {"en": "Improve the relationship.", "zh": "改善关系。"},
}
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _first_of_each_type() -> list[tuple[str, Question]]:
    found: dict[str, tuple[str, Question]] = {}
    for workshop, bank in BANKS.items():
        for question in bank.questions:
            found.setdefault(question.type, (workshop, question))
    return [found[kind] for kind in QUESTION_TYPES]


CASES = _first_of_each_type()


def _wrong(question: Question, lang: str) -> object:
    """A response that is not right, made from the key."""
    answer = question.answer
    if question.type == "single":
        return next(o.id for o in question.options if o.id != answer)
    if question.type == "multi":
        return [next(o.id for o in question.options if o.id not in answer)]
    if question.type == "order":
        return list(reversed(answer))
    if question.type == "match":
        others = {left: next(t.id for t in question.targets if t.id != right) for left, right in answer.items()}
        return others
    if question.type == "numeric":
        return str(answer + question.tolerance + 10)
    return RUBRIC_ANSWERS["wrong"][lang]


def _right(question: Question, lang: str) -> object:
    if question.type in ("multi", "order"):
        return list(question.answer)
    if question.type == "match":
        return dict(question.answer)
    if question.type == "numeric":
        return f"{question.answer:,}".translate(FULL_WIDTH_DIGITS)  # as a participant may type it
    if question.type == "rubric":
        return RUBRIC_ANSWERS["right"][lang]
    return question.answer


def _fill(form: QuestionForm, response: object) -> None:
    """Set the form's controls as a participant would to answer *response*."""
    question = form.question
    if question.type == "single":
        form.radio.value = response
    elif question.type == "multi":
        for option, box in zip(question.options, form.boxes):
            box.value = option.id in response
    elif question.type == "order":
        for option, dropdown in zip(question.options, form.dropdowns):
            dropdown.value = response.index(option.id) + 1 if option.id in response else NOT_CHOSEN
    elif question.type == "match":
        for option, dropdown in zip(question.options, form.dropdowns):
            dropdown.value = response.get(option.id, NOT_CHOSEN)
    elif question.type == "numeric":
        form.number.value = response
    else:
        form.area.value = response


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("workshop", "question"), CASES, ids=[q.type for _, q in CASES])
def test_check_shows_the_checkers_feedback_and_records_it(tmp_path, workshop, question, lang):
    ws = Workshop.open(workshop, lang=lang, participant="李 娜", results_dir=tmp_path)
    ws.question(question.id)
    card = ws.cards[question.id]
    for response, correct in ((_wrong(question, lang), False), (_right(question, lang), True)):
        _fill(card.form, response)
        card.button.click()
        expected = check(question, response, lang=lang)
        assert expected.correct is correct
        for sentence in expected.feedback:
            assert markdown_html(sentence) in card.feedback.value
        heading = i18n.t("training.ui.right" if correct else "training.ui.wrong", lang)
        assert heading in card.feedback.value
        points = f"{question.points:g} 分" if lang == "zh" else f"of {question.points:g} point"
        assert points in card.feedback.value
    if question.type != "rubric":
        assert markdown_html(question.explanation.get(lang)) in card.feedback.value
    lines = _lines(tmp_path / workshop / "李_娜.jsonl")
    assert [(line["question"], line["correct"], line["participant"]) for line in lines] == [
        (question.id, False, "李 娜"), (question.id, True, "李 娜")]
    assert lines[1]["score"] == pytest.approx(question.points)
    assert lines[1]["feedback"] == list(check(question, lines[1]["response"], lang=lang).feedback)


def test_the_score_so_far_is_in_the_header(tmp_path):
    ws = Workshop.open("ka_manager", participant="Ann", results_dir=tmp_path)
    bank = BANKS["ka_manager"]
    total = sum(q.points for q in bank.questions)
    assert f"0 of {total:g} points (0 of {len(bank.questions)} questions" in ws.total.value
    question = bank.question("loyalty_share")
    ws.question(question.id)
    _fill(ws.cards[question.id].form, str(question.answer))
    ws.cards[question.id].button.click()
    assert f"{question.points:g} of {total:g} points (1 of {len(bank.questions)}" in ws.total.value


@pytest.mark.parametrize(("workshop", "question"), CASES, ids=[q.type for _, q in CASES])
def test_nothing_answered_gets_its_message_and_is_not_recorded(tmp_path, workshop, question):
    ws = Workshop.open(workshop, lang="zh", participant="Ann", results_dir=tmp_path)
    ws.question(question.id)
    card = ws.cards[question.id]
    card.button.click()
    message = check(question, card.form.value(), lang="zh")
    assert message.details.get("malformed")
    assert markdown_html(message.feedback[0]) in card.feedback.value
    assert "Traceback" not in card.feedback.value
    assert not (tmp_path / workshop).exists()


def test_an_order_with_two_items_in_one_place_asks_for_every_item_once(tmp_path):
    question = BANKS["ka_manager"].question("loyalty_order")
    ws = Workshop.open("ka_manager", participant="Ann", results_dir=tmp_path)
    ws.question(question.id)
    card = ws.cards[question.id]
    for dropdown in card.form.dropdowns:
        dropdown.value = 1
    card.button.click()
    assert html.escape(i18n.t("training.check.malformed.order_incomplete", "en")) in card.feedback.value


@pytest.mark.parametrize(("workshop", "question"), CASES, ids=[q.type for _, q in CASES])
def test_switching_language_keeps_answers_and_changes_labels(tmp_path, workshop, question):
    ws = Workshop.open(workshop, participant="Ann", results_dir=tmp_path)
    seen: list[str] = []
    ws.on_lang(seen.append)
    ws.question(question.id)
    card = ws.cards[question.id]
    _fill(card.form, _wrong(question, "en"))
    before = card.form.value()
    card.button.click()
    english = _texts(card.widget)
    ws.toggle.value = "zh"
    assert card.form.value() == before
    assert seen == ["zh"] and ws.lang == "zh"
    chinese = _texts(card.widget)
    assert question.prompt.zh.strip().splitlines()[0] in chinese and question.prompt.zh.strip()[:8] not in english
    for option in question.options:
        assert option.text.zh in chinese and option.text.zh not in english
    assert card.button.description == "检查" and ws.name.description == "你的姓名"
    assert html.escape(BANKS[workshop].title.zh) in ws.title.value
    for sentence in check(question, before, lang="zh").feedback:
        assert markdown_html(sentence) in card.feedback.value
    assert len(_lines(tmp_path / workshop / "Ann.jsonl")) == 1  # the feedback is given again, not recorded again


def test_check_waits_for_a_name(tmp_path, monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    ws = Workshop.open("prospects", results_dir=tmp_path)
    ws.question("hot_visits")
    card = ws.cards["hot_visits"]
    assert card.button.disabled and card.button.tooltip == i18n.t("training.ui.need_name", "en")
    assert html.escape(i18n.t("training.ui.need_name", "en")) in ws.message.value
    assert ws.name in ws.header.children[2].children
    card.form.radio.value = card.form.question.options[1].id
    card.check()  # pressed all the same: nothing is marked or saved
    assert i18n.t("training.ui.need_name", "en") in card.feedback.value and card.result is None
    ws.name.value = "  "
    assert card.button.disabled
    ws.name.value = "Bo Chen"
    assert not card.button.disabled and "Bo Chen" in ws.message.value
    card.form.radio.value = card.form.question.options[0].id
    card.button.click()
    assert (tmp_path / "prospects" / "Bo_Chen.jsonl").is_file()


def test_a_served_workshop_takes_the_name_from_the_address(tmp_path, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "p=%E7%8E%8B%E8%8A%B3&x=1")
    ws = Workshop.open("prospects", results_dir=tmp_path)
    assert ws.participant == "王芳" and ws.name not in ws.header.children[2].children
    anonymous = Workshop.open("prospects", participant="", results_dir=tmp_path)
    anonymous.question("hot_visits")
    assert not anonymous.cards["hot_visits"].button.disabled


def test_submit_records_what_a_custom_widget_marked(tmp_path):
    bank = BANKS["visit_week"]
    question = bank.questions[0]
    ws = Workshop.from_bank(bank, keys.bank_marker(bank), lang="zh", participant="Ann", results_dir=tmp_path)
    result = check(question, _right(question, "zh"), lang="zh")
    box = ws.submit(question.id, _right(question, "zh"), result)
    assert result.score > 0 and all(markdown_html(s) in box for s in result.feedback)
    assert _lines(tmp_path / "visit_week" / "Ann.jsonl")[0]["score"] == result.score
    assert f"目前得分：{result.score:g} 分" in ws.total.value


def test_an_unsaved_answer_is_said_not_raised(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    ws = Workshop.open("ka_manager", participant="Ann", results_dir=blocker)
    question = BANKS["ka_manager"].question("loyalty_share")
    ws.question(question.id)
    _fill(ws.cards[question.id].form, "77")
    ws.cards[question.id].button.click()
    assert "could not be saved" in ws.cards[question.id].feedback.value


def test_solution_for_the_trainer_and_not_without_the_key(tmp_path):
    ws = Workshop.open("ka_manager", lang="zh", results_dir=tmp_path)
    question = BANKS["ka_manager"].question("three_roles")
    view = ws.solution(question.id)
    assert markdown_html(question.explanation.zh) in view.value
    assert all(html.escape(t.text.zh) in view.value for t in question.targets)
    ws.set_lang("en")
    assert markdown_html(question.explanation.en) in view.value and "Answer" in view.value
    bank, marker = keys.open_key("ka_manager")
    with pytest.raises(ConfigError, match="trainer edition"):
        Workshop(bank, marker, solutions=None).solution(question.id)
    with pytest.raises(ConfigError, match="loyalty_share"):
        ws.question("no_such_question")


# ----------------------------------------------------------------------------- nothing of the key is shown
def _secrets(question: Question) -> list[str]:
    texts = [question.explanation, *(o.feedback for o in question.options if o.feedback)]
    texts += [t for c in question.criteria for t in (c.text, c.hint)]
    found = [t.get(lang).strip() for t in texts for lang in i18n.LANGS]
    found += [p for c in question.criteria for patterns in c.patterns.values() for p in patterns]
    return found


def _texts(widget: widgets.Widget) -> str:
    return "\n".join(json.dumps(state, ensure_ascii=False) for state in widget_states(widget))


@pytest.mark.parametrize("workshop", sorted(BANKS))
def test_no_key_text_is_in_any_widget_before_submitting(tmp_path, workshop):
    bank = BANKS[workshop]
    for lang in i18n.LANGS:
        ws = Workshop.open(workshop, lang=lang, participant="Ann", results_dir=tmp_path)
        shown = [ws.header, *(ws.question(q.id) for q in bank.questions)]
        state = "\n".join(_texts(w) for w in shown)
        assert bank.questions[-1].prompt.get(lang).strip()[:10] in state  # the walk reaches the questions
        for question in bank.questions:
            for secret in _secrets(question):
                for form in {secret, html.escape(secret), json.dumps(secret, ensure_ascii=False)[1:-1]}:
                    assert form not in state, f"{workshop}.{question.id}: {secret!r} is shown before submitting"
            if question.type == "numeric":  # the number is in none of the controls (the prompt may hold numbers)
                card = ws.cards[question.id]
                controls = "\n".join(_texts(w) for w in (card.form.number, card.form.unit, card.button, card.feedback))
                number = re.compile(rf"(?<![\w.,]){re.escape(f'{question.answer:g}')}(?![\w.,])")
                assert not number.search(controls), f"{workshop}.{question.id}: the answer is shown"


@pytest.mark.parametrize("workshop", ["ka_manager", "call_skills"])
def test_a_participant_key_checks_and_hides_the_solutions(tmp_path, workshop):
    bank = BANKS[workshop]
    key = keys.write_key(bank, tmp_path / keys.key_name(workshop))
    ws = Workshop.open(workshop, lang="zh", participant="Ann", results_dir=tmp_path / "results", key=key)
    for question in bank.questions:
        ws.question(question.id)
        card = ws.cards[question.id]
        _fill(card.form, _right(question, "zh"))
        card.button.click()
        assert i18n.t("training.ui.right", "zh") in card.feedback.value, question.id
        assert markdown_html(question.explanation.zh) in card.feedback.value, question.id
    assert f"（已检查 {len(bank.questions)}/{len(bank.questions)} 题）" in ws.total.value
    with pytest.raises(ConfigError, match="培训师版本"):
        ws.solution(bank.questions[0].id)


def test_each_question_is_numbered_in_the_participants_language(tmp_path):
    bank = BANKS["prospects"]
    ws = Workshop.open("prospects", participant="Ann", results_dir=tmp_path)
    second, last = bank.questions[1].id, bank.questions[-1].id
    ws.question(second), ws.question(last)
    assert ws.cards[second].heading.value == "<h3>Question 2</h3>"
    ws.toggle.value = "zh"
    assert ws.cards[last].heading.value == f"<h3>第 {len(bank.questions)} 题</h3>"
