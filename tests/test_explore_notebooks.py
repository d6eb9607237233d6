"""Every analysis notebook runs in a kernel with ``interactive=True``: no error, and its sections
with controls are widgets whose output holds the section (the kernel rendered it)."""

from __future__ import annotations

import json

import nbformat
import papermill
import pytest

from kamlib.report import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.parametrize("path", sorted(NOTEBOOKS_DIR.glob("0*.ipynb")), ids=lambda p: p.stem)
def test_the_notebook_runs_interactively(path, tmp_path):
    target = tmp_path / path.name
    papermill.execute_notebook(str(path), str(target), kernel_name="python3", cwd=str(NOTEBOOKS_DIR), progress_bar=False,
                               parameters={"interactive": True, "lang": "zh", "output_dir": str(tmp_path / "out")})
    executed = nbformat.read(target, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    shown = [m["state"]["outputs"] for m in state.values() if m["model_name"] == "OutputModel"]
    assert views and shown and all(shown)
    text = json.dumps(shown, ensure_ascii=False)
    assert "<h2" in text or "<h3" in text  # section headings drawn into the widgets
