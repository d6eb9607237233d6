"""The package's import rules, read from its source with :mod:`ast`.

kamlib is built in three floors: the ground floor (``data``, ``i18n``, ``plots``,
``tables``, ``sections``, ``errors``, ``grouping``, ``fonts``, ``sample`` …), one wing
per analysis (``environment``, ``classify``, ``churn``, ``winloss``, ``overview`` …)
and on top the batch runner (``report``), the served apps (``apps``), the interactive
controls of the analysis notebooks (``explore``) and the command line (``cli``). The rules:

- no import circle between modules;
- no private name (``_name``) imported from another file;
- a wing's computation modules (everything but its ``plots``, ``sections`` and
  ``widgets``) import no plotting, widget or notebook-running library, and neither
  ``kamlib.plots``, ``kamlib.sections``, a ``widgets`` module nor the top floor;
- no wing imports the runner or the command line; the ground floor imports no wing.

Imports under ``if TYPE_CHECKING:`` are not imports at run time and are not counted.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

import kamlib

ROOT = Path(kamlib.__file__).resolve().parent.parent
WINGS = ("environment", "classify", "churn", "visits", "winloss", "overview", "training")
TOP = ("report", "apps", "explore", "cli")
PRESENTATION = ("plots", "sections", "widgets", "__init__")
NOT_IN_COMPUTATIONS = ("matplotlib", "seaborn", "ipywidgets", "papermill", "nbclient", "IPython")


@dataclass(frozen=True)
class Import:
    """One import statement: the module that imports, what it imports, the names taken, the line."""

    source: str
    target: str
    names: tuple[str, ...]
    line: int


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def read_imports(root: Path, package: str) -> tuple[set[str], list[Import]]:
    """Every module of *package* under *root*, and every import statement in them."""
    modules = {_module_name(p, root): p for p in (root / package).rglob("*.py")}
    found: list[Import] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = _type_checking_lines(tree)
        base = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in guarded:
                continue
            if isinstance(node, ast.Import):
                found += [Import(name, alias.name, (), node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                parent = base.split(".")[: len(base.split(".")) - node.level + 1] if node.level else []
                target = ".".join([*parent, node.module] if node.module else parent)
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.append(Import(name, sub if sub in modules else target, (alias.name,), node.lineno))
    return set(modules), found


def _cycles(modules: set[str], imports: list[Import]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        if imp.target in modules and imp.target != imp.source:
            edges[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(modules):
        if node not in index:
            visit(node)
    return groups


def _floor(module: str, package: str) -> str:
    """``wing``, ``top`` or ``ground`` for a module of *package*."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in WINGS:
        return "wing"
    if len(parts) > 1 and parts[1] in TOP:
        return "top"
    return "ground"


def _is_computation(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 2 and parts[1] in WINGS and not any(part in PRESENTATION for part in parts[2:])


def _forbidden_for_computations(target: str, package: str) -> bool:
    parts = target.split(".")
    if parts[0] in NOT_IN_COMPUTATIONS:
        return True
    if parts[0] != package:
        return False
    drawing = ("plots", "sections", "widgets")
    return (len(parts) > 1 and parts[1] in (*drawing, *TOP)) or any(part in drawing for part in parts[2:])


def violations(root: Path, package: str) -> list[str]:
    """Every broken import rule of *package* under *root*, one line each (empty: all hold)."""
    modules, imports = read_imports(root, package)
    found = [f"import circle: {' -> '.join(group)}" for group in _cycles(modules, imports)]
    for imp in imports:
        where = f"{imp.source} (line {imp.line})"
        inside = imp.target.split(".")[0] == package
        private = [n for n in imp.names if n.startswith("_") and n != "__version__"]
        if inside and private:
            found.append(f"{where}: private name {', '.join(private)} imported from {imp.target}")
        if _is_computation(imp.source) and _forbidden_for_computations(imp.target, package):
            found.append(f"{where}: a computation module imports {imp.target}")
        if inside and _floor(imp.source, package) == "wing" and _floor(imp.target, package) == "top":
            found.append(f"{where}: a wing imports the runner or the command line ({imp.target})")
        ground = _floor(imp.source, package) == "ground" and imp.source != package  # __init__ is the entrance
        if inside and ground and _floor(imp.target, package) != "ground":
            found.append(f"{where}: the ground floor imports {imp.target}")
    return found


def test_kamlib_keeps_its_import_rules():
    assert violations(ROOT, "kamlib") == []


def test_every_wing_has_computations_readings_and_plots():
    for wing in ("environment", "classify", "churn", "winloss"):
        folder = ROOT / "kamlib" / wing
        assert (folder / "readings.py").is_file() and (folder / "plots.py").is_file(), wing
        assert [p for p in folder.glob("*.py") if p.stem not in (*PRESENTATION, "readings")], wing


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A small package that breaks every rule once."""
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/errors.py": "from pkg.winloss import analysis\n",  # ground floor -> wing
        "pkg/plots.py": "import matplotlib\n",
        "pkg/winloss/__init__.py": "from pkg.winloss.analysis import rate\n",
        "pkg/winloss/analysis.py": """\
            import matplotlib.pyplot as plt
            from typing import TYPE_CHECKING
            from pkg.winloss.model import _helper
            from pkg import plots
            if TYPE_CHECKING:
                import seaborn
            def rate():
                from pkg.report import run
                return run
            """,
        "pkg/winloss/model.py": "from pkg.winloss.analysis import rate\n\ndef _helper():\n    return rate\n",
        "pkg/winloss/plots.py": "import matplotlib\nfrom pkg.winloss.analysis import rate\n",
        "pkg/winloss/widgets/__init__.py": "",
        "pkg/winloss/widgets/form.py": "import ipywidgets\nfrom pkg.winloss import plots\n",
        "pkg/winloss/readings.py": "from pkg.winloss.widgets import form\n",
        "pkg/report/__init__.py": "from pkg.winloss import plots\n",
    })
    return tmp_path


def test_the_rules_catch_a_package_that_breaks_them(broken: Path):
    found = violations(broken, "pkg")
    text = "\n".join(found)
    circles = [line for line in found if line.startswith("import circle:")]
    assert len(circles) == 1 and "pkg.winloss.analysis -> pkg.winloss.model" in circles[0]
    assert "pkg.winloss.analysis (line 3): private name _helper imported from pkg.winloss.model" in text
    assert "pkg.winloss.analysis (line 1): a computation module imports matplotlib.pyplot" in text
    assert "pkg.winloss.analysis (line 4): a computation module imports pkg.plots" in text
    assert "pkg.winloss.analysis (line 8): a wing imports the runner or the command line (pkg.report)" in text
    assert "pkg.errors (line 1): the ground floor imports pkg.winloss.analysis" in text
    assert "seaborn" not in text  # only for type checkers
    assert "pkg.winloss.readings (line 1): a computation module imports pkg.winloss.widgets" in text
    assert not any(line.startswith("pkg.winloss.plots") for line in found)  # plots may draw
    assert not any(line.startswith("pkg.winloss.widgets") for line in found)  # widgets may draw
    assert not any(line.startswith("pkg.report") for line in found)  # the runner may import wings


def test_a_package_that_keeps_the_rules_has_no_violation(tmp_path: Path):
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/errors.py": "",
        "pkg/winloss/__init__.py": "from pkg.winloss import plots\nfrom pkg.winloss.analysis import rate\n",
        "pkg/winloss/analysis.py": "from pkg.errors import *\n\ndef rate():\n    return 1\n",
        "pkg/winloss/plots.py": "import matplotlib\nfrom pkg.winloss.analysis import rate\n",
    })
    assert violations(tmp_path, "pkg") == []


#: The public names analysts call, by module (the contract of the notebooks and the docs).
PUBLIC_API = {
    "kamlib.data": ["load", "validate", "Dataset"],
    "kamlib.sample": ["generate"],
    "kamlib.classify": ["pareto_abc", "xy_grade", "portfolio", "profit_segments", "selection_score", "man_qualify",
                        "prospect_temperature"],
    "kamlib.churn": ["bgnbd_fit", "p_alive", "pareto_nbd_fit", "rfm_summary", "churn_signals"],
    "kamlib.winloss": ["win_rates", "loss_reasons", "showroom_kpis", "funnel"],
    "kamlib.environment": ["bcg_matrix", "ansoff", "risk_matrix", "swot"],
    "kamlib.report": ["run", "run_jobs", "retry_failed", "plan", "load_config", "plan_batch"],
    "kamlib.tables": ["save_table", "styled", "parameter_summary"],
    "kamlib.sections": ["Page", "Section", "Table", "Figure", "needs"],
}


@pytest.mark.parametrize("module", sorted(PUBLIC_API))
def test_the_public_names_import_from_their_wing(module):
    imported = __import__(module, fromlist=["_"])
    missing = [name for name in PUBLIC_API[module] if not hasattr(imported, name)]
    assert not missing, f"{module} lacks {missing}"
    assert set(PUBLIC_API[module]) <= set(imported.__all__), module
