"""Answer keys: the public bank holds no answer key, and a participant key file marks every
answer — right, each wrong choice, partial, malformed — exactly as the full bank does, while
holding no answer, explanation or feedback text in readable form."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamlib.errors import ConfigError
from kamlib.training import Bank, Criterion, Option, Question, Target, Text, load_banks
from kamlib.training.keys import (
    KEY_ENV,
    bank_marker,
    hashed_marker,
    key_name,
    open_key,
    public_bank,
    write_key,
)

BANKS = load_banks()
MALFORMED = (None, "", "   ", [], {}, (), 3.5, True, "zzz", ["zzz"], {"zzz": "x"}, ["a", 1], float("nan"),
             "x" * 5000, "sixty", object())


def t(en: str) -> Text:
    return Text(en, f"{en}（中文）")


def question(kind: str, qid: str, **fields) -> Question:
    return Question(qid, kind, fields.pop("points", 2), t(f"Prompt of {qid}"), t(f"Why {qid} is so."),
                    t("S1"), "source", **fields)


#: Shapes the packaged banks may lack: feedback on right options, negative and large numbers, exact numbers.
EDGE = Bank("edge", t("Edge"), t("Edge cases."), 5, (
    question("single", "single_fb", answer="b", options=(
        Option("a", t("Alpha"), t("Alpha is wrong because.")), Option("b", t("Beta"), t("Beta is right because.")),
        Option("c", t("Gamma")))),
    question("multi", "multi_fb", answer=("a", "c"), options=(
        Option("a", t("Alpha"), t("Alpha belongs.")), Option("b", t("Beta"), t("Beta does not belong.")),
        Option("c", t("Gamma")), Option("d", t("Delta"), t("Delta does not belong either.")))),
    question("order", "order_fb", answer=("b", "c", "a"), options=(
        Option("a", t("Last"), t("Comes last.")), Option("b", t("First")), Option("c", t("Middle")))),
    question("match", "match_fb", answer={"a": "y", "b": "y", "c": "x"},
             options=(Option("a", t("Left A"), t("A goes with Y.")), Option("b", t("Left B")), Option("c", t("Left C"))),
             targets=(Target("x", t("Right X")), Target("y", t("Right Y")))),
    question("numeric", "exact_negative", answer=-1234.5),
    question("numeric", "large_tolerance", answer=1_250_000, tolerance=2_500, unit=t("yuan")),
    question("numeric", "small_tolerance", answer=0.075, tolerance=0.0005),
    question("numeric", "zero", answer=0),
    question("rubric", "rubric_partial", pass_score=0.5, criteria=(
        Criterion("who", t("Names the account"), t("Which account?"), {"en": ("account",), "zh": ("客户",)}),
        Criterion("when", t("Says by when"), t("By when?"), {"en": (r"\bby\b", r"\d"), "zh": ("前", r"\d")}))),
))
ALL_BANKS = {**BANKS, "edge": EDGE}
QUESTIONS = [(bank, q) for bank in ALL_BANKS.values() for q in bank.questions]


def numbers(q: Question) -> list[object]:
    a, tol = q.answer, q.tolerance
    reach = tol + 1e-9 * max(1.0, abs(a))
    near = [a + s * reach * f for s in (-1, 1) for f in (0.5, 1, 1 - 1e-12, 1 + 1e-12, 1.0001, 1.5, 3, 11, 1e6)]
    return [a, str(a), f"{a:,}", f" {a} ", -a, 0, 1, -1, 1e300, -1e300, 5e-324, a * 10, a / 10, *near,
            str(a).translate(str.maketrans("0123456789", "０１２３４５６７８９")), "inf", float("inf")]


def responses(q: Question) -> list[object]:
    """Right answers, each wrong choice, partial answers and malformed ones for *q*."""
    ids = [o.id for o in q.options]
    found: list[object] = list(MALFORMED)
    if q.type == "single":
        found += ids
    elif q.type == "multi":
        found += [list(c) for n in range(1, len(ids) + 1) for c in itertools.combinations(ids, n)]
        found += [list(q.answer) + [q.answer[0]], tuple(q.answer), set(q.answer)]
    elif q.type == "order":
        found += [list(p) for p in itertools.islice(itertools.permutations(q.answer), 150)]
        found += [list(reversed(q.answer)), list(q.answer[:-1]), list(q.answer) + [q.answer[0]]]
    elif q.type == "match":
        targets = [t.id for t in q.targets]
        found.append(dict(q.answer))
        found += [{**q.answer, left: other} for left in ids for other in targets]
        found += [{k: v for k, v in q.answer.items() if k != left} for left in ids]
        found += [{left: targets[0]} for left in ids] + [{ids[0]: "nowhere"}]
    elif q.type == "numeric":
        found += numbers(q)
    else:
        texts = [c.text for c in q.criteria] + [c.hint for c in q.criteria] + [q.explanation, q.prompt]
        found += [text.get(lang) for text in texts for lang in ("en", "zh")]
        found += [" ".join(text.get(lang) for text in texts) for lang in ("en", "zh")]
    return found


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, tuple[Bank, object]]:
    folder = tmp_path_factory.mktemp("keys")
    return {name: hashed_marker(write_key(bank, folder / key_name(name))) for name, bank in ALL_BANKS.items()}


@pytest.mark.parametrize(("bank", "q"), QUESTIONS, ids=[f"{b.workshop}-{q.id}" for b, q in QUESTIONS])
def test_key_file_marks_every_answer_as_the_full_bank_does(keys, bank, q):
    _, hashed = keys[bank.workshop]
    full = bank_marker(bank)
    outcomes = set()
    for response, lang in itertools.product(responses(q), ("en", "zh")):
        expected = full(q.id, response, lang)
        got = hashed(q.id, response, lang)
        assert (got.correct, got.score, got.feedback) == (expected.correct, expected.score, expected.feedback), \
            (response, lang)
        assert got.details == expected.details, (response, lang)
        outcomes.add(expected.correct)
    assert outcomes == {True, False}, "the responses must hold a right and a wrong answer"


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**6, 10**6)),
       scale=st.sampled_from([1, 1e-3, 1e3]))
def test_key_file_marks_any_number_as_the_full_bank_does(keys, value, scale):
    for bank in ALL_BANKS.values():
        for q in (q for q in bank.questions if q.type == "numeric"):
            response = q.answer + value * scale * (q.tolerance or 1e-9)
            expected, got = bank_marker(bank)(q.id, response, "en"), keys[bank.workshop][1](q.id, response, "en")
            assert (got.correct, got.score, got.feedback) == (expected.correct, expected.score, expected.feedback)


def test_key_file_shows_the_public_bank(keys):
    for name, bank in ALL_BANKS.items():
        assert keys[name][0] == public_bank(bank)


def secret_texts(q: Question) -> list[str]:
    """Every text of *q* that must not be shown before an answer: explanation, feedback, criteria, patterns."""
    texts = [q.explanation, *(o.feedback for o in q.options if o.feedback),
             *(c.text for c in q.criteria), *(c.hint for c in q.criteria)]
    return ([text.get(lang) for text in texts for lang in ("en", "zh")]
            + [p for c in q.criteria for found in c.patterns.values() for p in found])


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v)]
    return []


@pytest.mark.parametrize("name", sorted(ALL_BANKS))
def test_public_bank_holds_no_answer_explanation_or_feedback(name):
    bank = ALL_BANKS[name]
    shown = public_bank(bank)
    shown_text = "\n".join(strings(shown))
    for q, p in zip(bank.questions, shown.questions):
        assert p.answer is None and p.tolerance == 0 and p.explanation == Text("", "")
        assert all(o.feedback is None for o in p.options)
        assert len(p.criteria) == len(q.criteria)
        assert (p.prompt, p.unit, p.points, [o.text for o in p.options]) == (q.prompt, q.unit, q.points,
                                                                              [o.text for o in q.options])
        for text in secret_texts(q):
            assert text not in shown_text, (q.id, text)


@pytest.mark.parametrize("name", sorted(ALL_BANKS))
def test_key_file_holds_no_secret_text_or_answer(tmp_path, name):
    bank = ALL_BANKS[name]
    raw = write_key(bank, tmp_path / key_name(name)).read_text(encoding="utf-8")
    for q in bank.questions:
        for text in secret_texts(q):
            assert text not in raw and json.dumps(text)[1:-1] not in raw, (q.id, text)
    record = json.loads(raw)
    for shown in record["bank"]["questions"]:
        assert not {"answer", "tolerance", "explanation"} & set(shown), shown["id"]
    for q in bank.questions:
        leaves = strings({k: v for k, v in record["marks"][q.id].items() if k != "step"})
        assert all(len(leaf) >= 40 for leaf in leaves), q.id  # hashes and sealed blobs only


def test_every_option_has_a_blob_of_the_same_length(tmp_path):
    record = json.loads(write_key(EDGE, tmp_path / "edge.key.json").read_text(encoding="utf-8"))
    for q in EDGE.questions:
        blobs = record["marks"][q.id].get("options", {})
        if q.type in ("single", "multi", "match"):
            assert sorted(blobs) == sorted(o.id for o in q.options)
            assert len({len(b) for b in blobs.values()}) == 1, q.id


def test_same_salt_same_file_other_salt_other_hashes(tmp_path):
    bank = BANKS["prospects"]
    first = write_key(bank, tmp_path / "a.json", salt="s1").read_text(encoding="utf-8")
    again = write_key(bank, tmp_path / "b.json", salt="s1").read_text(encoding="utf-8")
    other = write_key(bank, tmp_path / "c.json", salt="s2").read_text(encoding="utf-8")
    assert first == again
    assert json.loads(first)["marks"] != json.loads(other)["marks"]


def test_tampered_key_file_is_refused(tmp_path):
    path = write_key(BANKS["prospects"], tmp_path / "prospects.key.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    qid = next(iter(record["marks"]))
    record["marks"][qid]["answer"] = "0" * 64
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"prospects\.key\.json.*damaged or was changed.*kam training build"):
        hashed_marker(path)


@pytest.mark.parametrize("content", ["{not json", "[]", '{"format": "other"}'])
def test_a_file_that_is_no_key_file_is_refused(tmp_path, content):
    path = tmp_path / "prospects.key.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match="damaged or was changed"):
        hashed_marker(path)


def test_missing_key_file_says_where_to_put_it(tmp_path):
    with pytest.raises(ConfigError, match=r"not there.*prospects\.key\.json from the participant edition next to the notebook.*key=None"):
        open_key("prospects", tmp_path / "prospects.key.json")


def test_key_file_of_another_workshop_is_refused(tmp_path):
    path = write_key(BANKS["call_skills"], tmp_path / "call_skills.key.json")
    with pytest.raises(ConfigError, match="for the workshop call_skills, not prospects"):
        open_key("prospects", path)


def test_open_key_with_a_key_file_marks_without_the_bank(tmp_path):
    bank = BANKS["buying_centre"]
    shown, mark = open_key("buying_centre", write_key(bank, tmp_path / key_name("buying_centre")))
    q = bank.questions[0]
    right = mark(q.id, q.answer, "zh")
    assert right.correct and right.score == q.points and right.feedback[-1] == q.explanation.zh
    assert shown.questions[0].answer is None


def test_open_key_reads_the_served_folder_when_set(tmp_path, monkeypatch):
    source = (Path(__file__).parents[1] / "kamlib/training/bank/prospects.yml").read_text(encoding="utf-8")
    q = BANKS["prospects"].questions[0]
    changed = source.replace(q.explanation.en.strip().splitlines()[0], "Served explanation.")
    (tmp_path / "prospects.yml").write_text(changed, encoding="utf-8")
    monkeypatch.setenv(KEY_ENV, str(tmp_path))
    _, mark = open_key("prospects")
    assert "Served explanation." in mark(q.id, dict(q.answer) if q.type == "match" else q.answer, "en").feedback[-1]
    with pytest.raises(ConfigError, match=rf"no bank file for the workshop call_skills.*{KEY_ENV}"):
        open_key("call_skills")


def test_unknown_workshop_and_question_are_clear_errors():
    with pytest.raises(ConfigError, match=r"no bank file for the workshop nope.*prospects"):
        open_key("nope")
    _, mark = open_key("prospects")
    with pytest.raises(ConfigError, match="no question nope. Use one of: man_actions"):
        mark("nope", "a", "en")


def test_markers_check_the_language():
    bank, mark = open_key("prospects")
    with pytest.raises(ConfigError, match="lang must be one of"):
        mark(bank.questions[0].id, "a", "fr")
    assert not math.isnan(mark(bank.questions[0].id, "a", "en").score)
