"""notebooks/01_environment_analysis.ipynb runs in both languages, on the sample and on orders only."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import kamlib.i18n
from kamlib import report

pytestmark = pytest.mark.slow


def _text(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts.append(data.get("text/markdown", "") + data.get("text/html", "") + output.get("text", ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    return report.run(["01"], lang="all", out=tmp_path_factory.mktemp("env"))


@pytest.mark.parametrize(("index", "expected"), [(0, ["BCG growth–share matrix", "Act now", "Share target above"]),
                                                (1, ["波士顿矩阵", "立即行动", "份额目标超过市场"])])
def test_runs_on_the_sample(sample_run, index, expected):
    assert sample_run.ok, [job.error for job in sample_run.jobs]
    job = sample_run.jobs[index]
    folder = sample_run.run_dir / f"01_environment_analysis-{job.lang}"
    text = _text(folder / "01_environment_analysis.ipynb")
    for phrase in expected:
        assert phrase in text
    assert text.count("image/png") == 0  # figures are in the outputs' data, not in text
    nb = nbformat.read(folder / "01_environment_analysis.ipynb", as_version=4)
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert figures >= 7
    assert {"bcg_matrix.csv", "ansoff.csv", "swot.csv", "risk_matrix.csv", "objectives_check.csv"} <= {
        p.name for p in (folder / "tables").iterdir()}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_orders_only_says_what_is_missing(tmp_path, lang):
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text("account_id,order_date,revenue\nA,2025-01-01,5\nB,2025-02-01,7\n", encoding="utf-8")
    result = report.run(["01"], data=str(data), lang=lang, out=tmp_path / "out")
    assert result.ok, result.jobs[0].error
    text = _text(result.run_dir / f"01_environment_analysis-{lang}" / "01_environment_analysis.ipynb")
    needs = "This section needs" if lang == "en" else "本节需要"
    assert text.count(needs) >= 5
    assert kamlib.i18n.describe_missing("orders (product_id)", lang) in text  # Orders: Product ID / 订单表：产品编号
    assert kamlib.i18n.t("table.factors", lang) in text
    assert ("No objectives file" if lang == "en" else "没有找到目标文件") in text
