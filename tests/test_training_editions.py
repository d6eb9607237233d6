"""The trainer and participant editions: the participant edition holds no answer key in any
of its files yet runs with its key files; the trainer edition keeps every note and solution."""

from __future__ import annotations

import ast
import json
import re

import nbformat
import papermill
import pytest
import yaml
from click.testing import CliRunner

from kamlib import i18n
from kamlib.cli import main
from kamlib.errors import ConfigError
from kamlib.training import Question, bank_folder, load_banks
from kamlib.training.editions import WORKSHOP_NOTEBOOKS, build_editions, opened_workshop
from kamlib.training.keys import hashed_marker, key_name
from kamlib.training.widgets.workshop import answer_text

BANKS = load_banks()
NOTEBOOKS = sorted(WORKSHOP_NOTEBOOKS.glob("*.ipynb"))
WORKSHOP_NOTEBOOKS_BUILT = [p for p in NOTEBOOKS if p.stem in BANKS]
QUESTIONS = [(p.stem, q) for p in WORKSHOP_NOTEBOOKS_BUILT for q in BANKS[p.stem].questions]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: Words that mark a text as the answer in a key or a shown solution.
MARKS = [r"answer", r"solution", r"correct", "答案", "正确", *(i18n.t("training.ui.solution", lang) for lang in ("en", "zh"))]


def tags(cell) -> set[str]:
    return set(cell.metadata.get("tags", []))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("editions")
    lines: list[str] = []
    return build_editions(out, progress=lines.append), lines


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@pytest.fixture(scope="module")
def participant_files(built) -> dict[str, str]:
    """Every participant file's text, with the decoded strings of JSON files added (escapes undone)."""
    found = {}
    for path in sorted(p for p in built[0].participant.rglob("*") if p.is_file()):
        raw = path.read_text(encoding="utf-8")
        decoded = strings(json.loads(raw)) if path.suffix in (".ipynb", ".json") else []
        found[path.name] = "\n".join([raw, *decoded])
    return found


def secret_texts(q: Question) -> list[str]:
    """Texts that only a right answer, a submitted answer or the trainer may see."""
    texts = [q.explanation, *(o.feedback for o in q.options if o.feedback), *(c.text for c in q.criteria),
             *(c.hint for c in q.criteria)]
    found = [text.get(lang).strip() for text in texts for lang in ("en", "zh")]
    found += [line.strip() for lang in ("en", "zh") for line in q.explanation.get(lang).splitlines()
              if len(line.strip()) >= 12]
    found += [p for c in q.criteria for patterns in c.patterns.values() for p in patterns]
    return found


def marked_answers(q: Question) -> list[re.Pattern]:
    """Patterns of the answer written as a key or a solution would write it (a label, then the answer)."""
    if q.type == "numeric":
        values = [repr(q.answer), f"{q.answer:,}"]
    elif q.type == "rubric":
        return []
    else:
        texts = {o.id: o.text for o in q.options}
        ids = [q.answer] if q.type == "single" else list(q.answer)
        values = [texts[i].get(lang) for i in ids for lang in ("en", "zh")] + [repr(q.answer)]
    mark, gap = "|".join(MARKS), r"(?:[^\w]|</?\w{1,6}[^>]{0,60}>){0,12}"
    return [re.compile(rf"(?i)({mark}){gap}{re.escape(v)}(?![\w.])") for v in values]


def leaks(q: Question, text: str) -> list[str]:
    """What of *q*'s answer key *text* holds: secret texts, the answer written out, the answer marked as such."""
    rendered = [answer_text(q, lang) for lang in ("en", "zh")] if q.type in ("multi", "order", "match") or (
        q.type == "numeric" and (q.tolerance or q.unit)) else []
    return ([secret for secret in secret_texts(q) + rendered if secret in text]
            + [pattern.pattern for pattern in marked_answers(q) if pattern.search(text)])


@pytest.mark.parametrize(("workshop", "q"), QUESTIONS, ids=[f"{w}-{q.id}" for w, q in QUESTIONS])
def test_no_participant_file_holds_an_answer_key_value(participant_files, workshop, q):
    for name, text in participant_files.items():
        assert not leaks(q, text), f"{name} holds the key of {workshop}/{q.id}"


def test_the_leak_search_finds_a_key_where_it_is(built):
    """The same search finds every question's key in the trainer's banks and in a shown solution."""
    banks = "\n".join(s for p in (built[0].trainer / "bank").glob("*.yml")
                      for s in strings(yaml.safe_load(p.read_text(encoding="utf-8"))))
    for workshop, q in QUESTIONS:
        assert leaks(q, banks), f"{workshop}/{q.id}"
        if q.type != "rubric":
            shown = f"<p><strong>{i18n.t('training.ui.solution', 'zh')}</strong></p><p>{answer_text(q, 'zh')}</p>"
            assert leaks(q, shown), f"{workshop}/{q.id}"


def test_participant_edition_has_no_bank_trainer_cells_or_saved_state(built):
    participant = built[0].participant
    assert not list(participant.rglob("*.yml")) and not list(participant.rglob("*.yaml"))
    for path in participant.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert "widgets" not in nb.metadata, path.name
        for cell in nb.cells:
            assert not tags(cell) & {"trainer", "solution"}, path.name
            assert "ws.solution(" not in cell.source, path.name
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


def parameters(nb) -> dict[str, object]:
    cell = next(c for c in nb.cells if "parameters" in tags(c))
    return {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(cell.source).body}


@pytest.mark.parametrize("source", WORKSHOP_NOTEBOOKS_BUILT, ids=lambda p: p.stem)
def test_each_participant_notebook_points_at_its_key_file(built, source):
    nb = nbformat.read(built[0].participant / source.name, as_version=4)
    original = nbformat.read(source, as_version=4)
    kept = [c.source for c in original.cells if not tags(c) & {"trainer", "solution"}]
    key = parameters(nb)["key"]
    if opened_workshop(original):
        assert key == key_name(source.stem)
        bank, _ = hashed_marker(built[0].participant / key)
        assert bank.workshop == source.stem
        assert [c.source for c in nb.cells] == [c.replace("key = None", f'key = "{key}"', 1) for c in kept]
    else:  # questions generated in the notebook: no key file
        assert key is None and not (built[0].participant / key_name(source.stem)).exists()
        assert [c.source for c in nb.cells] == kept


@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_trainer_edition_keeps_every_cell_and_the_solutions(built, source):
    nb = nbformat.read(built[0].trainer / source.name, as_version=4)
    original = nbformat.read(source, as_version=4)
    assert [(c.source, sorted(tags(c))) for c in nb.cells] == [(c.source, sorted(tags(c))) for c in original.cells]
    solutions = [c for c in original.cells if "solution" in tags(c)]
    assert len([c for c in nb.cells if "solution" in tags(c)]) == len(solutions)
    if source.stem in BANKS:
        assert parameters(nb)["key"] is None
        assert solutions, f"{source.name} has no solution cell"
        copied = built[0].trainer / "bank" / f"{source.stem}.yml"
        assert copied.read_bytes() == (bank_folder() / f"{source.stem}.yml").read_bytes()


def test_readmes_in_both_languages_and_progress_lines(built):
    editions, lines = built
    for folder in (editions.trainer, editions.participant):
        text = (folder / "README.md").read_text(encoding="utf-8")
        assert CHINESE.search(text) and re.search(r"[A-Za-z]{4}", text)
        for path in folder.glob("*.ipynb"):
            assert f"`{path.name}`" in text
    written = {f"{edition}/{p.relative_to(getattr(editions, edition)).as_posix()}"
               for edition, paths in editions.files.items() for p in paths}
    assert written == {line.split(":")[0] for line in lines if "no key file" not in line}
    assert len(lines) >= len(NOTEBOOKS) * 2


def test_rebuilding_replaces_an_edition_and_one_workshop_can_be_chosen(tmp_path):
    build_editions(tmp_path)
    stale = tmp_path / "participant" / "old.ipynb"
    stale.write_text("{}", encoding="utf-8")
    again = build_editions(tmp_path, ["prospects"])
    assert not stale.exists()
    assert sorted(p.name for p in again.participant.iterdir()) == ["README.md", "prospects.ipynb",
                                                                    "prospects.key.json"]


def test_a_trainer_notebook_stays_in_the_trainer_edition(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "prospects.ipynb").write_bytes((WORKSHOP_NOTEBOOKS / "prospects.ipynb").read_bytes())
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Class results · 全班结果")]),
                   source / "class_board.ipynb")
    built = build_editions(tmp_path / "out", source=source)
    assert (built.trainer / "class_board.ipynb").is_file()
    assert sorted(p.name for p in built.participant.glob("*.ipynb")) == ["prospects.ipynb"]


def test_a_workshop_notebook_without_key_none_is_a_clear_error(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    nb = nbformat.read(WORKSHOP_NOTEBOOKS / "prospects.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in tags(c))
    cell.source = cell.source.replace("key = None", 'key = "mine.json"')
    nbformat.write(nb, source / "prospects.ipynb")
    with pytest.raises(ConfigError, match="prospects.ipynb: the cell tagged parameters has no line key = None"):
        build_editions(tmp_path / "out", source=source)


def test_unknown_workshop_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown workshop nope: .* Use one of: .*prospects"):
        build_editions(tmp_path, ["nope"])


@pytest.mark.parametrize("inside", [WORKSHOP_NOTEBOOKS / "out", WORKSHOP_NOTEBOOKS.parent, bank_folder() / "x"])
def test_out_inside_the_notebooks_or_banks_is_refused(inside):
    with pytest.raises(ConfigError, match="cannot be written inside .* Choose a folder outside it"):
        build_editions(inside)
    assert not (WORKSHOP_NOTEBOOKS / "out").exists()


def test_a_folder_it_did_not_write_is_never_overwritten(tmp_path):
    mine = tmp_path / "participant" / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="was not written by kam training build"):
        build_editions(tmp_path)
    assert mine.read_text(encoding="utf-8") == "mine"


def test_command_prints_a_line_per_file(tmp_path):
    result = CliRunner().invoke(main, ["training", "build", str(tmp_path / "ed"), "--workshop", "call_skills"])
    assert result.exit_code == 0, result.output
    assert "participant/call_skills.key.json: key file" in result.output
    assert "participant edition (hand this out):" in result.output
    failed = CliRunner().invoke(main, ["training", "build", str(tmp_path / "ed"), "--workshop", "nope"])
    assert isinstance(failed.exception, ConfigError)


def right_answers(workshop: str) -> list[tuple[str, object]]:
    return [(q.id, dict(q.answer) if q.type == "match" else q.answer) for q in BANKS[workshop].questions
            if q.type != "rubric"]


@pytest.mark.slow
@pytest.mark.parametrize("source", WORKSHOP_NOTEBOOKS_BUILT, ids=lambda p: p.stem)
def test_participant_notebook_runs_headless_with_its_key_file(built, source, tmp_path, monkeypatch):
    """Run in its own folder with no full bank reachable (an empty KAM_TRAINING_KEY): the key file marks."""
    folder = built[0].participant
    nb = nbformat.read(folder / source.name, as_version=4)
    opened = opened_workshop(nb)
    if opened:
        nb.cells.append(nbformat.v4.new_code_cell(
            f"print([ws.marker(q, a, ws.lang).correct for q, a in {right_answers(opened)!r}])"))
    copy = tmp_path / source.name
    nbformat.write(nb, copy)
    empty = tmp_path / "no_bank"
    empty.mkdir()
    monkeypatch.setenv("KAM_TRAINING_KEY", str(empty))
    lang = "zh" if NOTEBOOKS.index(source) % 2 else "en"
    out = tmp_path / f"run-{source.name}"
    papermill.execute_notebook(str(copy), str(out), parameters={"lang": lang, "results_dir": str(tmp_path / "r")},
                               cwd=str(folder), kernel_name="python3", progress_bar=False)
    shown = [o for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in shown if o.output_type == "error"]
    if opened:
        printed = [o["text"] for o in shown if o.output_type == "stream"][-1]
        assert printed.strip() == repr([True] * len(right_answers(opened)))
