"""Workshop 5's generated numbers: each participant's own tables, answers computed from them.

Every answer is computed again here from the generated tables with plain pandas
arithmetic (not with the workbook's functions the bank uses), then given to the checker.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kamlib import i18n
from kamlib.training import check, keys, load_banks
from kamlib.training.numbers import (
    MODELS,
    REASONS,
    name_seed,
    numbers_bank,
    numbers_tables,
    participant_data,
)

NAMES = ("Li Lei", "Han Meimei", "王芳", "Zhang Wei", "Chen Jing", "刘洋", "Ann", "Bob", "", "Zoë")


def _expected(name: str) -> dict[str, object]:
    """The answers of *name*'s questions, from the tables alone."""
    data = participant_data(name)
    losses, room, case = data.losses, data.showroom.iloc[0], data.leads
    total = losses.to_numpy().sum()
    deals = case["deal_target"] * case["showroom_share"]
    needed = math.ceil(round(deals / case["close_rate"], 6))
    adjusted = math.ceil(round(deals / case["adjusted_rate"], 6))
    return {
        "price_share": 100 * losses["price"].sum() / total,
        "sales_side_share": 100 * losses[["quote", "follow_up", "attitude"]].to_numpy().sum() / total,
        "main_reason": losses.loc[data.asked_model].sort_values(ascending=False).index[0],
        "close_rate": 100 * room["showroom_sales"] / room["first_visits"],
        "retail_share": 100 * room["showroom_sales"] / (room["showroom_sales"] + room["secondary_sales"]
                                                        + room["wholesale_sales"]),
        "leads_needed": needed,
        "adjusted_gap": adjusted - case["leads_found"],
        "survey_medium": 500 * 0.47,
    }


def _wrong(answer: object, question) -> object:
    if question.type == "single":
        return next(o.id for o in question.options if o.id != answer)
    return answer + question.tolerance + 1


def test_two_names_give_different_tables_and_answers():
    a, b = participant_data("Li Lei"), participant_data("Han Meimei")
    assert not a.losses.equals(b.losses)
    assert not a.showroom.equals(b.showroom)
    answers = [{q.id: q.answer for q in numbers_bank(n).questions} for n in ("Li Lei", "Han Meimei")]
    differing = [q for q in answers[0] if answers[0][q] != answers[1][q]]
    assert len(differing) >= 6, differing


def test_the_same_name_gives_the_same_tables_and_answers():
    for variant in ("Li Lei", " li lei", "LI LEI ", "ＬＩ ＬＥＩ"):
        data = participant_data(variant)
        assert data.losses.equals(participant_data("Li Lei").losses)
        assert data.leads == participant_data("Li Lei").leads
    assert numbers_bank("Li Lei") == numbers_bank("li lei")


def test_the_seed_is_a_hash_of_the_name_not_python_hash():
    import hashlib

    digest = hashlib.sha256(b"li lei").digest()[:8]
    assert name_seed("Li Lei") == int.from_bytes(digest, "big")


def test_neighbours_rarely_share_a_table():
    tables = {participant_data(n).losses.to_numpy().tobytes() for n in NAMES}
    assert len(tables) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_answer_recomputed_from_the_tables_is_accepted_and_a_wrong_one_rejected(name):
    bank = numbers_bank(name)
    expected = _expected(name)
    assert [q.id for q in bank.questions] == list(expected)
    for question in bank.questions:
        answer = expected[question.id]
        if question.type == "numeric":
            assert question.answer == pytest.approx(answer, abs=1e-9), question.id
            assert check(question, round(answer, 1)).correct, question.id
            assert check(question, f"{answer:,.1f}", lang="zh").correct, question.id
        else:
            assert question.answer == answer
            assert check(question, answer).correct
        wrong = check(question, _wrong(answer, question), lang="zh")
        assert not wrong.correct and wrong.score == 0, question.id
        assert wrong.feedback


@pytest.mark.parametrize("name", NAMES)
def test_the_generated_tables_make_sound_exercises(name):
    data = participant_data(name)
    assert list(data.losses.index) == list(MODELS) and list(data.losses.columns) == list(REASONS)
    row = data.losses.loc[data.asked_model]
    assert (row == row.max()).sum() == 1, "the main reason must be clear"
    overall = data.losses.sum()
    assert row.idxmax() != overall.idxmax(), "the asked model's leader differs from the overall one"
    assert _expected(name)["adjusted_gap"] > 0


def test_the_generated_bank_has_the_questions_of_the_bank_file():
    """Results of generated and fixed questions count under the same ids in the class results."""
    packaged = load_banks()["read_the_numbers"]
    generated = numbers_bank("Chen Jing")
    assert [q.id for q in generated.questions] == [q.id for q in packaged.questions]
    assert [(q.type, q.points, q.unit) for q in generated.questions] == \
        [(q.type, q.points, q.unit) for q in packaged.questions]
    assert (generated.title, generated.intro, generated.workshop) == (packaged.title, packaged.intro, packaged.workshop)


def test_the_bank_marker_checks_the_generated_bank():
    bank = numbers_bank("Han Meimei")
    mark = keys.bank_marker(bank)
    question = bank.question("close_rate")
    assert mark("close_rate", question.answer, "en").correct
    assert not mark("close_rate", question.answer * 2, "en").correct
    public = keys.public_bank(bank)
    assert public.question("close_rate").answer != question.answer


def test_prompts_show_the_participants_numbers_in_both_languages():
    data = participant_data("王芳")
    bank = numbers_bank("王芳")
    price = bank.question("price_share")
    for lang in ("en", "zh"):
        for model in MODELS:
            row = " | ".join(str(int(v)) for v in data.losses.loc[model])
            assert f"| {model} | {row} |" in price.prompt.get(lang)
    assert i18n.t("loss_reason.follow_up", "zh") in price.prompt.zh
    assert data.asked_model in bank.question("main_reason").prompt.zh
    first = str(int(data.showroom.iloc[0]["first_visits"]))
    assert first in bank.question("close_rate").prompt.en and first in bank.question("close_rate").prompt.zh
    assert all(q.prompt.en != q.prompt.zh for q in bank.questions)


def test_the_main_reason_feedback_explains_each_wrong_choice_with_the_numbers():
    data = participant_data("Zhang Wei")
    question = numbers_bank("Zhang Wei").question("main_reason")
    row = data.losses.loc[data.asked_model]
    for option in question.options:
        if option.id != question.answer:
            result = check(question, option.id, lang="zh")
            assert not result.correct and str(int(row[option.id])) in result.feedback[0]


def test_tables_are_labelled_in_the_participants_language():
    data = participant_data("Li Lei")
    for lang in ("en", "zh"):
        tables = numbers_tables(data, lang)
        assert len(tables) == 3
        losses = next(iter(tables.values()))
        assert list(losses.columns)[1:] == [i18n.t(f"loss_reason.{r}", lang) for r in REASONS]
        values = pd.concat([t.astype(str) for t in tables.values()], ignore_index=True).to_numpy().ravel()
        assert str(int(data.showroom.iloc[0]["traffic"])) in values
    assert next(iter(numbers_tables(data, "zh"))) == "战败客户分析表"
