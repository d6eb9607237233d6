"""The project's dependency lists and entry points agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from click.testing import CliRunner

import kamlib
from kamlib.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ;\[]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {_name(r): r.replace(" ", "") for r in reqs}


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    items = []
    for dep in env["dependencies"]:
        items += dep["pip"] if isinstance(dep, dict) else [dep]
    return {_name(d): d.replace(" ", "") for d in items if not d.startswith("-e") and _name(d) not in ("python", "pip")}


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert _environment() == _pyproject()


def test_kam_command_and_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert kamlib.__version__ in result.output


def test_every_command_has_help_with_an_example():
    runner = CliRunner()
    for name in main.commands:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, f"kam {name} --help shows no example"


def test_reports_folder_is_ignored_except_its_readme():
    ignore = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "reports/*" in ignore and "!reports/README.md" in ignore


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.DOTALL)
    test_command = next(b for b in blocks if "pytest" in b)
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines
