"""The question bank: the packaged workshops load, and every kind of mistake in a bank
file is reported with its file, line, question, field and fix, in English and Chinese."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kamlib.cli import main
from kamlib.errors import ConfigError
from kamlib.training import (
    QUESTION_TYPES,
    Bank,
    bank_folder,
    bank_problems,
    load_bank,
    load_banks,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = sorted(bank_folder().glob("*.yml"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def t(en: str, zh: str | None = None) -> dict[str, str]:
    return {"en": en, "zh": zh or f"{en}（中文）"}


def good_bank() -> dict:
    """A small bank with one question of each type, following the format."""
    common = {"points": 1, "explanation": t("Because."), "source": t("S1"), "key": "source"}
    return {
        "workshop": "demo", "title": t("Demo"), "intro": t("Intro."), "minutes": 10,
        "questions": [
            {"id": "pick", "type": "single", "prompt": t("Pick one."), **common, "answer": "a",
             "options": [{"id": "a", "text": t("A"), "feedback": t("Yes.")},
                         {"id": "b", "text": t("B"), "feedback": t("No, B is late.")}]},
            {"id": "picks", "type": "multi", "prompt": t("Pick some."), **common, "answer": ["a", "c"],
             "options": [{"id": "a", "text": t("A")}, {"id": "b", "text": t("B"), "feedback": t("Not B.")},
                         {"id": "c", "text": t("C")}]},
            {"id": "steps", "type": "order", "prompt": t("Order."), **common, "answer": ["c", "a", "b"],
             "options": [{"id": "a", "text": t("A")}, {"id": "b", "text": t("B")}, {"id": "c", "text": t("C")}]},
            {"id": "pairs", "type": "match", "prompt": t("Match."), **common, "answer": {"a": "x", "b": "y"},
             "options": [{"id": "a", "text": t("A")}, {"id": "b", "text": t("B")}],
             "targets": [{"id": "x", "text": t("X")}, {"id": "y", "text": t("Y")}]},
            {"id": "leads", "type": "numeric", "prompt": t("How many?"), **common, "answer": 60, "tolerance": 0.5,
             "unit": t("leads")},
            {"id": "smart", "type": "rubric", "prompt": t("Write."), **common, "pass_score": 0.5,
             "criteria": [{"id": "specific", "text": t("Specific"), "hint": t("Which account?"),
                           "patterns": {"en": ["account"], "zh": ["客户"]}},
                          {"id": "timed", "text": t("Timed"), "hint": t("By when?"),
                           "patterns": {"en": [r"\d"], "zh": [r"\d", "前"]}}]},
        ],
    }


def write(folder: Path, bank: dict, name: str = "demo") -> Path:
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump(bank, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def q(bank: dict, question_id: str) -> dict:
    return next(item for item in bank["questions"] if item["id"] == question_id)


# ----------------------------------------------------------------------------- the packaged banks
def test_workshops_ship_with_the_package():
    assert PACKAGED, "no bank file in kamlib/training/bank"
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "training/bank/*.yml" in package_data["package-data"]["kamlib"]


@pytest.mark.parametrize("path", PACKAGED, ids=lambda p: p.name)
def test_every_packaged_bank_has_no_problem(path):
    problems = bank_problems(path)
    assert not problems, "\n".join(p.text() for p in problems)
    bank = load_bank(path)
    assert bank.workshop == path.stem and bank.questions
    assert all(q.type in QUESTION_TYPES and q.points > 0 for q in bank.questions)


def test_load_banks_reads_every_file_by_workshop():
    banks = load_banks()
    assert sorted(banks) == sorted(p.stem for p in PACKAGED)
    assert all(isinstance(b, Bank) for b in banks.values())


def test_a_good_bank_is_read_into_its_types(tmp_path):
    bank = load_bank(write(tmp_path, good_bank()))
    assert bank.title.get("en") == "Demo" and bank.minutes == 10
    assert bank.question("picks").answer == ("a", "c")
    assert bank.question("pairs").answer == {"a": "x", "b": "y"}
    assert bank.question("pairs").targets[1].text.get("zh") == "Y（中文）"
    assert bank.question("leads").tolerance == 0.5 and bank.question("leads").unit.get("en") == "leads"
    smart = bank.question("smart")
    assert smart.pass_score == 0.5 and smart.criteria[1].patterns["zh"] == (r"\d", "前")
    assert bank.question("pick").option("b").feedback.get("en") == "No, B is late."
    assert bank.question("steps").tolerance == 0 and bank.question("pick").pass_score == 1


def test_load_banks_reads_another_folder(tmp_path):
    write(tmp_path, good_bank())
    assert list(load_banks(tmp_path)) == ["demo"]


# ----------------------------------------------------------------------------- problems
MISTAKES = {
    # name: (change to the good bank, code, question, field)
    "missing title": (lambda b: b.pop("title"), "missing", None, "title"),
    "unknown top field": (lambda b: b.update(author="me"), "unknown_field", None, "author"),
    "workshop not the file name": (lambda b: b.update(workshop="other"), "workshop_name", None, "workshop"),
    "bad workshop id": (lambda b: b.update(workshop="Call Skills"), "bad_id", None, "workshop"),
    "minutes zero": (lambda b: b.update(minutes=0), "range_minutes", None, "minutes"),
    "no questions": (lambda b: b.update(questions=[]), "empty_list", None, "questions"),
    "title not text": (lambda b: b.update(title="Demo"), "not_text", None, "title"),
    "missing zh": (lambda b: b["intro"].pop("zh"), "missing_lang", None, "intro"),
    "unknown language": (lambda b: b["intro"].update(fr="Intro"), "unknown_field", None, "intro.fr"),
    "missing prompt": (lambda b: q(b, "pick").pop("prompt"), "missing", "pick", "prompt"),
    "missing key": (lambda b: q(b, "pick").pop("key"), "missing", "pick", "key"),
    "bad key": (lambda b: q(b, "pick").update(key="mine"), "bad_key", "pick", "key"),
    "bad type": (lambda b: q(b, "pick").update(type="essay"), "bad_type", "pick", "type"),
    "field of another type": (lambda b: q(b, "pick").update(tolerance=1), "unknown_field", "pick", "tolerance"),
    "points zero": (lambda b: q(b, "pick").update(points=0), "range_points", "pick", "points"),
    "points as text": (lambda b: q(b, "pick").update(points="one"), "not_number", "pick", "points"),
    "repeated question id": (lambda b: q(b, "picks").update(id="pick"), "repeated_id", "pick", "id"),
    "question id with capitals": (lambda b: q(b, "pick").update(id="Pick"), "bad_id", "Pick", "id"),
    "repeated option id": (lambda b: q(b, "pick")["options"][1].update(id="a"), "repeated_id", "pick",
                           "options[2].id"),
    "no options": (lambda b: q(b, "pick").update(options=[]), "empty_list", "pick", "options"),
    "option not a mapping": (lambda b: q(b, "pick")["options"].append("c"), "not_mapping", "pick", "options[3]"),
    "wrong option without feedback": (lambda b: q(b, "pick")["options"][1].pop("feedback"), "no_feedback", "pick",
                                      "options[2].feedback"),
    "option text without en": (lambda b: q(b, "pick")["options"][0]["text"].pop("en"), "missing_lang", "pick",
                               "options[1].text"),
    "single answer unknown": (lambda b: q(b, "pick").update(answer="z"), "answer_unknown", "pick", "answer"),
    "multi answer not a list": (lambda b: q(b, "picks").update(answer="a"), "answer_not_list", "picks", "answer"),
    "multi answer unknown": (lambda b: q(b, "picks").update(answer=["a", "z"]), "answer_unknown", "picks", "answer"),
    "multi answer repeated": (lambda b: q(b, "picks").update(answer=["a", "a"]), "answer_repeated", "picks",
                              "answer"),
    "order answer incomplete": (lambda b: q(b, "steps").update(answer=["c", "a"]), "order_incomplete", "steps",
                                "answer"),
    "order answer repeated": (lambda b: q(b, "steps").update(answer=["c", "a", "a"]), "order_incomplete", "steps",
                              "answer"),
    "match answer incomplete": (lambda b: q(b, "pairs").update(answer={"a": "x"}), "match_incomplete", "pairs",
                                "answer"),
    "match unknown target": (lambda b: q(b, "pairs").update(answer={"a": "x", "b": "z"}), "match_target", "pairs",
                             "answer.b"),
    "match answer a list": (lambda b: q(b, "pairs").update(answer=["x", "y"]), "answer_not_mapping", "pairs",
                            "answer"),
    "match without targets": (lambda b: q(b, "pairs").pop("targets"), "missing", "pairs", "targets"),
    "numeric answer text": (lambda b: q(b, "leads").update(answer="sixty"), "not_number", "leads", "answer"),
    "negative tolerance": (lambda b: q(b, "leads").update(tolerance=-1), "range_tolerance", "leads", "tolerance"),
    "pass_score above 1": (lambda b: q(b, "smart").update(pass_score=1.5), "range_pass_score", "smart",
                           "pass_score"),
    "criterion without hint": (lambda b: q(b, "smart")["criteria"][0].pop("hint"), "missing", "smart",
                               "criteria[1].hint"),
    "pattern that does not compile": (lambda b: q(b, "smart")["criteria"][0]["patterns"].update(en=["(account"]),
                                      "bad_pattern", "smart", "criteria[1].patterns.en"),
    "patterns in an unknown language": (lambda b: q(b, "smart")["criteria"][0]["patterns"].update(fr=["compte"]),
                                        "unknown_field", "smart", "criteria[1].patterns.fr"),
    "patterns without zh": (lambda b: q(b, "smart")["criteria"][1]["patterns"].pop("zh"), "not_patterns", "smart",
                            "criteria[2].patterns.zh"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_each_mistake_is_named_with_file_question_field_and_fix(tmp_path, name):
    change, code, question, field = MISTAKES[name]
    bank = copy.deepcopy(good_bank())
    change(bank)
    path = write(tmp_path, bank)
    problems = bank_problems(path)
    assert [(p.code, p.question, p.field) for p in problems] == [(code, question, field)], \
        "\n".join(p.text() for p in problems)
    problem = problems[0]
    assert problem.file == "demo.yml"
    en, zh = problem.text("en"), problem.text("zh")
    assert en.startswith("demo.yml") and zh.startswith("demo.yml")
    assert f"field {field}" in en and f"字段 {field}" in zh
    if question is not None:
        assert f"question {question}" in en and f"题目 {question}" in zh
    assert problem.fix["en"] in en and problem.fix["zh"] in zh and problem.fix["en"] != problem.what["en"]
    assert CJK.search(problem.fix["zh"]) and not CJK.search(problem.fix["en"].replace("（中文）", ""))
    if problem.line is not None and code != "missing":  # the line shows the field that is wrong
        keys = re.sub(r"\[\d+\]", "", field).split(".")
        text = path.read_text(encoding="utf-8").splitlines()[problem.line - 1]
        assert any(f"{key}:" in text for key in keys) or "id:" in text, (problem.line, text)
    with pytest.raises(ConfigError, match=re.escape(en)):
        load_bank(path)


def test_every_problem_is_listed_at_once(tmp_path):
    bank = good_bank()
    q(bank, "pick").update(answer="z")
    q(bank, "leads").update(tolerance=-1)
    bank.pop("minutes")
    with pytest.raises(ConfigError) as caught:
        load_bank(write(tmp_path, bank))
    message = str(caught.value)
    assert message.startswith("3 problem(s) in the question bank demo.yml")
    for part in ("question pick, field answer", "question leads, field tolerance", "field minutes",
                 "题目 pick，字段 answer", "题目 leads，字段 tolerance"):
        assert part in message


def test_a_yaml_syntax_error_gives_its_line(tmp_path):
    path = tmp_path / "demo.yml"
    path.write_text("workshop: demo\ntitle: {en: Demo, zh: 演示\nintro: x\n", encoding="utf-8")
    [problem] = bank_problems(path)
    assert problem.code == "yaml" and problem.line in (2, 3)
    assert f"line {problem.line}" in problem.text() and f"第 {problem.line} 行" in problem.text("zh")
    assert "quotes" in problem.fix["en"]


def test_a_repeated_field_is_reported_not_silently_overwritten(tmp_path):
    path = write(tmp_path, good_bank())
    path.write_text(path.read_text(encoding="utf-8") + "minutes: 20\n", encoding="utf-8")
    [problem] = bank_problems(path)
    assert (problem.code, problem.field) == ("repeated_field", "minutes")
    assert problem.line == len(path.read_text(encoding="utf-8").splitlines())


def test_an_id_yaml_reads_as_true_or_false_is_told_to_be_quoted(tmp_path):
    path = write(tmp_path, good_bank())
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- id: b\n", "- id: no\n", 1), encoding="utf-8")
    [problem] = bank_problems(path)
    assert (problem.code, problem.question, problem.field) == ("bad_id", "pick", "options[2].id")
    assert '"no"' in problem.fix["en"] and '"no"' in problem.fix["zh"]


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
def test_a_file_that_is_not_a_workshop(tmp_path, text):
    path = tmp_path / "demo.yml"
    path.write_text(text, encoding="utf-8")
    [problem] = bank_problems(path)
    assert problem.code == "not_bank" and "workshop:" in problem.fix["en"]


# ----------------------------------------------------------------------------- kam training check
def test_kam_training_check_passes_the_packaged_banks():
    result = CliRunner().invoke(main, ["training", "check"])
    assert result.exit_code == 0, result.output
    assert all(f"{p.name}: no problems." in result.output for p in PACKAGED)


def test_kam_training_check_prints_every_problem_in_chinese_and_exits_2(tmp_path):
    bank = good_bank()
    q(bank, "pick").update(points=0)
    q(bank, "pairs").pop("targets")
    bad, good = write(tmp_path, bank), write(tmp_path, good_bank() | {"workshop": "ok"}, "ok")
    result = CliRunner().invoke(main, ["training", "check", str(bad), str(good), "--lang", "zh"])
    assert result.exit_code == 2
    assert "题库 demo.yml 中有 2 个问题" in result.output
    assert "题目 pick，字段 points" in result.output and "题目 pairs，字段 targets" in result.output
    assert "ok.yml：没有问题。" in result.output


def test_kam_training_check_refuses_a_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["training", "check", str(tmp_path / "nope.yml")])
    assert result.exit_code == 2 and "does not exist" in result.output
