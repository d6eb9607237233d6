"""Every workshop notebook follows the house rules and runs headless in both languages.

A workshop notebook opens with its title in both languages, has one cell tagged
``parameters`` (``lang``, ``participant``, ``results_dir``, ``key``), keeps its cells
short and straight (the logic lives in kamlib), shows every question of its bank, and is
committed without outputs. Trainer notes (``trainer``) and solutions (``solution``) are
tagged so the participant edition can leave them out (docs/training.md).
"""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest

from kamlib.training import load_banks

FOLDER = Path(__file__).resolve().parents[1] / "notebooks" / "training"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
BANKS = load_banks()
#: The most lines of code a cell may have (the parameters cell aside), as in the analysis notebooks.
MAX_CELL_LINES = 8
CONTROL_FLOW = (ast.If, ast.IfExp, ast.For, ast.While, ast.Try, ast.With, ast.Lambda, ast.ListComp, ast.DictComp,
                ast.FunctionDef, ast.ClassDef)
WORKSHOP_PARAMETERS = {"lang": "en", "participant": "", "results_dir": "results", "key": None}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3}")


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.metadata.get("tags", [])


def _parameters(nb: nbformat.NotebookNode) -> dict[str, object]:
    cell = next(c for c in nb.cells if "parameters" in _tags(c))
    found = {}
    for node in ast.parse(cell.source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        found[target.id] = ast.literal_eval(node.value)
    return found


def _opened(nb: nbformat.NotebookNode) -> str | None:
    """The workshop the notebook opens with ``Workshop.open("<id>", …)``, if any."""
    found = re.search(r'Workshop\.open\("(\w+)"', "\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    return found[1] if found else None


def _called(nb: nbformat.NotebookNode, method: str) -> list[tuple[str, list[str]]]:
    pattern = re.compile(rf'ws\.{method}\("(\w+)"\)')
    return [(m, _tags(c)) for c in nb.cells if c.cell_type == "code" for m in pattern.findall(c.source)]


def test_the_workshop_notebooks_are_there():
    assert {"prospects", "buying_centre", "call_skills", "ka_manager"} <= {p.stem for p in NOTEBOOKS}


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request) -> tuple[Path, nbformat.NotebookNode]:
    nb = nbformat.read(request.param, as_version=4)
    nbformat.validate(nb)
    return request.param, nb


def test_title_in_both_languages_first(notebook):
    path, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), path.name
    title = first.source.splitlines()[0]
    assert CHINESE.search(title) and LATIN.search(title), f"{path.name}: {title!r}"


def test_one_parameters_cell_with_the_workshop_parameters(notebook):
    path, nb = notebook
    tagged = [c for c in nb.cells if "parameters" in _tags(c)]
    assert len(tagged) == 1 and tagged[0].cell_type == "code", path.name
    declared = _parameters(nb)
    assert declared.get("lang") == "en", path.name
    inspected = papermill.inspect_notebook(str(path))
    assert set(inspected) == set(declared), f"{path.name}: papermill cannot read {set(declared) - set(inspected)}"
    assert all(p["help"] for p in inspected.values()), f"{path.name}: each parameter needs a help comment"
    if _opened(nb) or "Workshop.from_bank" in "".join(c.source for c in nb.cells):
        assert {name: declared.get(name) for name in WORKSHOP_PARAMETERS} == WORKSHOP_PARAMETERS, path.name


def test_committed_without_outputs(notebook):
    path, nb = notebook
    for number, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: cell {number} has outputs"
    assert "papermill" not in nb.metadata and "widgets" not in nb.metadata, path.name
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", path.name


def test_cells_are_short_and_straight(notebook):
    path, nb = notebook
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "parameters" in _tags(cell):
            continue
        lines = [line for line in cell.source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        assert len(lines) <= MAX_CELL_LINES, f"{path.name}: cell {number} has {len(lines)} lines of code"
        flow = sorted({type(n).__name__ for n in ast.walk(ast.parse(cell.source)) if isinstance(n, CONTROL_FLOW)})
        assert not flow, f"{path.name}: cell {number} has {flow}; move the logic into kamlib"


def test_every_question_of_the_bank_and_tagged_solutions(notebook):
    """Each question of an opened bank is shown once (or, answered by a widget of its own, has its solution)."""
    path, nb = notebook
    workshop = _opened(nb)
    if workshop is None:  # questions generated in the kernel (Workshop.from_bank)
        return
    ids = {q.id for q in BANKS[workshop].questions}
    shown = _called(nb, "question")
    solutions = _called(nb, "solution")
    assert len(shown) == len({qid for qid, _ in shown}), f"{path.name} shows a question twice"
    assert {qid for qid, _ in shown} | {qid for qid, _ in solutions} == ids, path.name
    assert all("solution" not in tags and "trainer" not in tags for _, tags in shown), path.name
    for qid, tags in solutions:
        assert tags == ["solution"], f"{path.name}: ws.solution({qid!r}) must be tagged solution"


def test_trainer_notes_in_both_languages(notebook):
    path, nb = notebook
    for number, cell in enumerate(nb.cells):
        if "trainer" in _tags(cell):
            assert cell.cell_type == "markdown", f"{path.name}: cell {number}"
            assert CHINESE.search(cell.source) and LATIN.search(cell.source), f"{path.name}: cell {number}"


def test_the_four_workshops_have_notes_and_a_solution_per_question():
    for name in ("prospects", "buying_centre", "call_skills", "ka_manager"):
        nb = nbformat.read(FOLDER / f"{name}.ipynb", as_version=4)
        ids = sorted(q.id for q in BANKS[name].questions)
        assert sorted(qid for qid, _ in _called(nb, "solution")) == ids, name
        notes = [c for c in nb.cells if "trainer" in _tags(c)]
        assert len(notes) > len(ids), name  # one per question, a plan and a wrap-up


def _files(folder: Path) -> set[Path]:
    """What a run could leave beside the notebooks (results, exports, checkpoints)."""
    return {p for p in folder.rglob("*") if p.suffix != ".ipynb"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_headless(tmp_path, path, lang):
    before, source = _files(FOLDER), path.read_bytes()
    out = tmp_path / path.name
    papermill.execute_notebook(str(path), str(out), parameters={"lang": lang, "results_dir": str(tmp_path / "results")},
                               cwd=str(tmp_path), kernel_name="python3", progress_bar=False)
    executed = nbformat.read(out, as_version=4)
    shown = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in shown if o.output_type == "error"], path.name
    workshop = _opened(executed)
    if workshop:
        views = [o for o in shown if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert len(views) >= len(_called(executed, "question")) + 1, path.name  # the header and each question
        state = json.dumps(executed.metadata.get("widgets", {}), ensure_ascii=False)
        assert html.escape(BANKS[workshop].title.get(lang)) in state, f"{path.name}: not shown in {lang}"
    assert _files(FOLDER) == before and path.read_bytes() == source, f"{path.name} wrote into the repository"
