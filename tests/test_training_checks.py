"""The checkers: right answers are accepted with the explanation, each wrong one is rejected
with its own feedback, partial answers score their share, and any malformed answer gets a
message in the participant's language instead of an exception."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.training import Criterion, Option, Question, Target, Text, check, load_banks
from kamlib.training.checks import MAX_TEXT

CJK = re.compile(r"[\u4e00-\u9fff]")


def t(en: str) -> Text:
    return Text(en, f"{en}（中文）")


def question(kind: str, **fields) -> Question:
    return Question(f"q_{kind}", kind, fields.pop("points", 2), t("Prompt"), t("Why it is so."), t("S1"), "source",
                    **fields)


SINGLE = question("single", answer="a", options=(
    Option("a", t("Visit"), t("Right: a visit builds the relationship.")),
    Option("b", t("Email"), t("An email cannot read the room.")),
    Option("c", t("Call"), t("A call is too short for this.")),
))
MULTI = question("multi", points=3, answer=("a", "c", "d"), options=(
    Option("a", t("Money")), Option("b", t("Colour"), t("Colour does not qualify a lead.")),
    Option("c", t("Authority")), Option("d", t("Need")), Option("e", t("Weather"), t("Weather is irrelevant.")),
))
ORDER = question("order", points=4, answer=("c", "a", "b", "d"), options=(
    Option("a", t("Open")), Option("b", t("Probe")), Option("c", t("Prepare")), Option("d", t("Close")),
))
MATCH = question("match", points=3, answer={"a": "x", "b": "y", "c": "x"},
                 options=(Option("a", t("Buyer")), Option("b", t("User"), t("The user lives with the product.")),
                          Option("c", t("Payer"))),
                 targets=(Target("x", t("Money")), Target("y", t("Daily use"))))
NUMERIC = question("numeric", answer=60, tolerance=0.5, unit=t("leads"))
RUBRIC = question("rubric", points=3, pass_score=0.6, criteria=(
    Criterion("specific", t("Specific"), t("Which account?"), {"en": ("account",), "zh": ("客户",)}),
    Criterion("timed", t("Timed"), t("By when?"), {"en": (r"\d", "by|before"), "zh": (r"\d", "前")}),
    Criterion("measurable", t("Measurable"), t("How much?"), {"en": ("%", "units"), "zh": ("%", "台")}),
))
ALL = (SINGLE, MULTI, ORDER, MATCH, NUMERIC, RUBRIC)


# ----------------------------------------------------------------------------- single
def test_single_right_answer_gives_its_feedback_and_the_explanation():
    result = check(SINGLE, "a")
    assert result.correct and result.score == 2
    assert result.feedback == ("Right: a visit builds the relationship.", "Why it is so.")


@pytest.mark.parametrize("wrong", ["b", "c"])
def test_single_each_wrong_answer_gets_its_own_feedback_and_no_explanation(wrong):
    result = check(SINGLE, wrong, lang="zh")
    assert not result.correct and result.score == 0
    assert result.feedback == (SINGLE.option(wrong).feedback.zh,)


# ----------------------------------------------------------------------------- multi
def test_multi_all_right_picks_score_full():
    result = check(MULTI, ["d", "a", "c"])
    assert result.correct and result.score == 3 and result.feedback[-1] == "Why it is so."


def test_multi_scores_right_minus_wrong_and_explains_the_wrong_picks():
    result = check(MULTI, ["a", "c", "b"])  # 2 right, 1 wrong, 1 missing of 3 right
    assert not result.correct
    assert result.score == pytest.approx(3 * (2 - 1) / 3)
    assert result.feedback == ("Colour: Colour does not qualify a lead.", "1 right option(s) still missing.")
    assert result.details["wrong"] == ["b"] and result.details["missing"] == 1


def test_multi_does_not_name_the_missing_options():
    result = check(MULTI, ["a"], lang="zh")
    assert result.feedback == ("还缺少 2 个正确选项。",)
    assert not any(word in " ".join(result.feedback) for word in ("Authority", "Need"))


def test_multi_score_never_goes_below_zero():
    assert check(MULTI, ["b", "e", "a"]).score == 0


# ----------------------------------------------------------------------------- order
def test_order_right_answer():
    result = check(ORDER, ["c", "a", "b", "d"])
    assert result.correct and result.score == 4 and result.feedback == ("Why it is so.",)


def test_order_scores_items_in_place_and_names_the_first_misplaced_pair():
    result = check(ORDER, ["c", "b", "a", "d"])  # c and d in place
    assert not result.correct and result.score == 2
    assert result.feedback == ('"Probe" should come after "Open".',)


def test_order_feedback_in_chinese():
    assert check(ORDER, ["a", "c", "b", "d"], lang="zh").feedback == ("“Open（中文）”应排在“Prepare（中文）”之后。",)


# ----------------------------------------------------------------------------- match
def test_match_right_answer():
    result = check(MATCH, {"a": "x", "b": "y", "c": "x"})
    assert result.correct and result.score == 3 and result.feedback == ("Why it is so.",)


def test_match_scores_each_pair_and_explains_the_wrong_ones():
    result = check(MATCH, {"a": "x", "b": "x", "c": "x"})
    assert not result.correct and result.score == 2
    assert result.feedback == ('"User" does not go with "Money".', "The user lives with the product.")


def test_match_counts_unmatched_items():
    result = check(MATCH, {"a": "x"}, lang="zh")
    assert result.score == 1 and result.feedback == ("还有 2 项没有配对。",)


# ----------------------------------------------------------------------------- numeric
@pytest.mark.parametrize("answer", [60, 60.5, 59.5, "60", " 60.0 ", "６０"])
def test_numeric_within_tolerance_is_right(answer):
    result = check(NUMERIC, answer)
    assert result.correct and result.score == 2 and result.feedback == ("Why it is so.",)


@pytest.mark.parametrize(("answer", "en", "zh"), [(61, "Too high.", "偏高了。"), (59.4, "Too low.", "偏低了。")])
def test_numeric_says_too_high_or_too_low(answer, en, zh):
    assert check(NUMERIC, answer).feedback == (en,) and check(NUMERIC, answer, lang="zh").feedback == (zh,)
    assert check(NUMERIC, answer).score == 0


def test_numeric_reads_thousands_separators():
    big = question("numeric", answer=1200)
    assert check(big, "1,200").correct and check(big, "1，200").correct


def test_numeric_exact_answer_without_tolerance():
    exact = question("numeric", answer=0.1 + 0.2)
    assert check(exact, 0.3).correct and not check(exact, 0.31).correct


# ----------------------------------------------------------------------------- rubric
def test_rubric_all_criteria_met():
    result = check(RUBRIC, "Win the Sinotruk account order of 20 units by 30 June")
    assert result.correct and result.score == 3 and result.feedback == ("Why it is so.",)


def test_rubric_passes_at_pass_score_and_hints_the_unmet_criterion():
    result = check(RUBRIC, "Get the account to sign by June 30")
    assert result.correct and result.score == 2
    assert result.feedback == ("How much?", "Why it is so.")


def test_rubric_below_pass_score_gives_the_hints_only():
    result = check(RUBRIC, "在6月30日前拜访", lang="zh")
    assert not result.correct and result.score == 1
    assert result.feedback == ("Which account?（中文）", "How much?（中文）")
    assert result.details["met"] == ["timed"]


# ----------------------------------------------------------------------------- malformed
MALFORMED = [
    (SINGLE, None, "empty"), (SINGLE, "", "empty"), (SINGLE, "z", "unknown_option"), (SINGLE, 1, "not_choice"),
    (SINGLE, ["a"], "not_choice"),
    (MULTI, [], "empty"), (MULTI, "a", "not_list"), (MULTI, ["a", "z"], "unknown_option"), (MULTI, [1], "unknown_option"),
    (MULTI, {"a": 1}, "not_list"),
    (ORDER, ["c", "a", "b"], "order_incomplete"), (ORDER, ["c", "a", "b", "b"], "order_incomplete"),
    (ORDER, "cabd", "not_list"),
    (MATCH, {}, "empty"), (MATCH, ["x"], "not_mapping"), (MATCH, {"a": "z"}, "unknown_option"),
    (MATCH, {"q": "x"}, "unknown_option"),
    (NUMERIC, float("nan"), "not_number"), (NUMERIC, float("inf"), "not_number"), (NUMERIC, "", "empty"),
    (NUMERIC, None, "empty"), (NUMERIC, "sixty", "not_number"), (NUMERIC, True, "not_number"),
    (NUMERIC, [60], "not_number"), (NUMERIC, 10**400, "not_number"),
    (RUBRIC, "   ", "empty"), (RUBRIC, 42, "not_text"), (RUBRIC, "x" * (MAX_TEXT + 1), "too_long"),
]


@pytest.mark.parametrize(("q", "response", "reason"), MALFORMED,
                         ids=[f"{q.type}-{reason}-{i}" for i, (q, _, reason) in enumerate(MALFORMED)])
def test_malformed_answers_get_a_message_in_the_participants_language(q, response, reason):
    for lang in ("en", "zh"):
        result = check(q, response, lang=lang)
        assert (result.correct, result.score, result.details) == (False, 0.0, {"malformed": reason})
        assert len(result.feedback) == 1 and bool(CJK.search(result.feedback[0])) == (lang == "zh")


def test_too_long_message_states_the_limit():
    assert str(MAX_TEXT) in check(RUBRIC, "x" * (MAX_TEXT + 1)).feedback[0]


# ----------------------------------------------------------------------------- properties
ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["a", "b", "c", "d", "e", "x", "y", "60", "account 5%"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=3) | st.sampled_from("abcxy"),
                                                                inner, max_size=4)
    | st.frozensets(st.sampled_from("abcdez"), max_size=5) | st.tuples(inner, inner),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(q=st.sampled_from(ALL), response=ANY, lang=st.sampled_from(["en", "zh"]))
def test_check_never_raises_and_scores_within_the_points(q, response, lang):
    result = check(q, response, lang=lang)
    assert isinstance(result.correct, bool)
    assert 0 <= result.score <= q.points and math.isfinite(result.score)
    assert not result.correct or result.score > 0
    assert all(isinstance(line, str) and line for line in result.feedback)


@settings(max_examples=100, deadline=None)
@given(st.permutations(["a", "b", "c", "d"]))
def test_order_score_counts_items_in_place(order):
    placed = sum(a == b for a, b in zip(order, ORDER.answer))
    assert check(ORDER, order).score == pytest.approx(ORDER.points * placed / 4)


# ----------------------------------------------------------------------------- the packaged banks
BANK_QUESTIONS = [(w, q) for w, bank in load_banks().items() for q in bank.questions if q.type != "rubric"]


@pytest.mark.parametrize(("workshop", "q"), BANK_QUESTIONS, ids=[f"{w}-{q.id}" for w, q in BANK_QUESTIONS])
def test_every_packaged_answer_key_is_accepted_and_wrong_choices_explained(workshop, q):
    key = dict(q.answer) if q.type == "match" else list(q.answer) if isinstance(q.answer, tuple) else q.answer
    for lang in ("en", "zh"):
        result = check(q, key, lang=lang)
        assert result.correct and result.score == q.points, (workshop, q.id, result)
        assert result.feedback[-1] == q.explanation.get(lang)
    wrong = [o for o in q.options if q.type in ("single", "multi") and o.id not in q.answer]
    for option in wrong:
        result = check(q, option.id if q.type == "single" else [option.id], lang="zh")
        assert not result.correct and any(option.feedback.zh in line for line in result.feedback)
