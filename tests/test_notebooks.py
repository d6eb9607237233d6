"""Every analysis notebook follows the house rules.

A notebook has a cell tagged ``parameters`` that declares ``data``, ``lang`` and
``output_dir`` with a type and a help comment each, is committed without outputs,
and keeps its logic in kamlib: no ``def`` or ``class``, no branching or loops, no
code cell longer than a trainer can read aloud. Running the notebooks is tested end
to end in tests/test_report.py and, as they stand, by nbval.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from kamlib import report

NOTEBOOKS = sorted(report.NOTEBOOKS_DIR.glob("*.ipynb"))

pytestmark = pytest.mark.slow


def test_there_are_notebooks():
    assert any(p.name == "00_data_overview.ipynb" for p in NOTEBOOKS)


def _python(source: str) -> str:
    """Cell source without IPython magics and shell lines (not Python syntax)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.stem)
def notebook(request) -> tuple[Path, nbformat.NotebookNode]:
    path = request.param
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return path, nb


def test_parameters_cell_declares_data_lang_output_dir(notebook):
    path, nb = notebook
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell must be tagged 'parameters'"
    assert tagged[0].cell_type == "code"
    declared = report.notebook_parameters(path)
    assert {"data", "lang", "output_dir"} <= set(declared), f"{path.name}: {sorted(declared)}"
    for name, param in declared.items():
        assert param["inferred_type_name"] != "None", f"{path.name}: parameter {name!r} needs a type annotation"
        assert param["help"], f"{path.name}: parameter {name!r} needs a help comment"
    assert declared["lang"]["default"] == '"en"'
    assert declared["data"]["default"] == "None"


def test_committed_without_outputs(notebook):
    path, nb = notebook
    for number, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {number} has stored outputs"
            assert cell.execution_count is None, f"{path.name}: cell {number} has an execution count"
    assert "papermill" not in nb.metadata, f"{path.name}: an executed copy was committed"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def test_no_definitions_in_notebooks(notebook):
    path, nb = notebook
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(_python(cell.source), filename=f"{path.name} cell {number}")
        defined = [
            node.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        ]
        assert not defined, f"{path.name}: cell {number} defines {defined}; move it into kamlib"


def test_imports_kamlib_as_kam(notebook):
    path, nb = notebook
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import kamlib as kam" in sources, path.name


#: The most lines of code a cell may have (the parameters cell aside).
MAX_CELL_LINES = 8
CONTROL_FLOW = (ast.If, ast.IfExp, ast.For, ast.While, ast.Try, ast.With, ast.Lambda, ast.ListComp, ast.DictComp)


def test_code_cells_are_short_and_straight(notebook):
    """A section's code is the analysis call and the call that shows it: no control flow."""
    path, nb = notebook
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "parameters" in cell.metadata.get("tags", []):
            continue
        lines = [line for line in cell.source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        assert len(lines) <= MAX_CELL_LINES, f"{path.name}: cell {number} has {len(lines)} lines of code"
        tree = ast.parse(_python(cell.source), filename=f"{path.name} cell {number}")
        flow = sorted({type(node).__name__ for node in ast.walk(tree) if isinstance(node, CONTROL_FLOW)})
        assert not flow, f"{path.name}: cell {number} has {flow}; move the logic into kamlib"
