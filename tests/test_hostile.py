"""Reports on hostile data: markup and spreadsheet formulas typed into CRM fields stay text.

``tests/data/hostile/`` is the embedded sample with hostile values written into it by
``tests/data/make_hostile.py``. ``kam report`` runs on it once per module; then every
HTML page must hold no script, event handler or ``javascript:`` link that the same
page on the sample does not hold, no sheet of any report's workbook a formula cell,
every CSV no text cell starting with a formula character unguarded — and the hostile
values must still be there, readable, as text.
"""

from __future__ import annotations

import csv
import runpy
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from kamlib import report
from kamlib.cli import main

DATA = Path(__file__).resolve().parent / "data"
HOSTILE = runpy.run_path(str(DATA / "make_hostile.py"))
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Where the report shows each value as text.
SHOWN = {
    "00_data_overview": [HOSTILE["REGION"]],
    "02_customer_classification": [HOSTILE["ACCOUNT_NAME"], HOSTILE["LONG_NAME"], HOSTILE["ACCOUNT_NAME_ZH"],
                                   HOSTILE["ACCOUNT_NAME_LINK"]],
    "04_win_loss_analysis": [HOSTILE["COMPETITORS"][0], HOSTILE["REP_NAME"], *HOSTILE["PRODUCT_NAMES"].values()],
}
# The values in the saved tables (CSV and XLSX): all but the loss reasons, which are read as "other".
TABLED = [value for value in HOSTILE["VALUES"] if value not in HOSTILE["LOSS_REASONS"]]


class _Page(HTMLParser):
    """What a page would run (scripts, event handlers, script URLs) and the text it shows."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.active: set[str] = set()
        self.texts: list[str] = []
        self._script = False
        self.feed(path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._script = tag == "script"
        if self._script:
            self.active.add(f"<script {attrs}>")
        for name, value in attrs:
            url = (value or "").strip().lower()
            if name.startswith("on") or url.startswith(("javascript:", "vbscript:")):
                self.active.add(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script:
            self.active.add(f"script: {data.strip()}")
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)


def _run(data: Path | None, out: Path) -> Path:
    args = ["report", "--lang", "all", "--out", str(out)] + (["--data", str(data)] if data else [])
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return run_dir


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kam report --lang all --data tests/data/hostile``, run once; the run folder."""
    return _run(DATA / "hostile", tmp_path_factory.mktemp("hostile"))


# ============================================================================ fast
def test_committed_hostile_data_equals_script_output(tmp_path):
    fresh = HOSTILE["make"](tmp_path)
    committed = DATA / "hostile"
    assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in committed.iterdir())
    for path in fresh.iterdir():
        assert path.read_bytes() == (committed / path.name).read_bytes(), path.name


def test_hostile_data_loads_with_every_value():
    import kamlib.data

    ds = kamlib.data.load(DATA / "hostile")
    held = {str(v) for name in ds.names for column in ds.table(name).columns for v in ds.table(name)[column].unique()}
    assert set(HOSTILE["VALUES"]) <= held


# ============================================================================ slow
@pytest.mark.slow
def test_html_pages_run_nothing_from_the_data(hostile_run, report_run):
    _, sample_run = report_run
    pages = sorted(hostile_run.glob("*/*.html")) + [hostile_run / "index.html"]
    assert len(pages) >= 2 * len(report.find_notebooks()) + 1  # every report, the pages they attach, the index
    for page in pages:
        own = _Page(sample_run / page.relative_to(hostile_run)).active  # what the page runs on the sample
        assert _Page(page).active <= own, page.relative_to(hostile_run)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_pages_show_the_hostile_values_as_text(hostile_run, lang):
    for stem, values in SHOWN.items():
        text = _Page(hostile_run / f"{stem}-{lang}" / f"{stem}.html").text
        for value in values:
            assert value in text, (stem, value)


@pytest.mark.slow
def test_one_workbook_per_report_with_a_sheet_per_csv(hostile_run):
    for folder in sorted(p for p in hostile_run.iterdir() if p.is_dir()):
        sheets = openpyxl.load_workbook(folder / f"{folder.name}.xlsx").sheetnames
        assert len(sheets) == 1 + len(list(folder.glob("tables/*.csv"))), folder.name


@pytest.mark.slow
def test_xlsx_files_hold_text_cells_and_no_formula(hostile_run):
    cells = _cells(hostile_run, "xlsx", lambda path: (row for sheet in openpyxl.load_workbook(path).worksheets
                                                      for row in sheet.iter_rows()))
    for name, cell in cells:
        assert cell.data_type != "f", f"{name} {cell.coordinate}: {cell.value!r}"
    strings = {cell.value for _, cell in cells if cell.data_type == "s"}
    assert [value for value in TABLED if value not in strings] == []


@pytest.mark.slow
def test_csv_text_cells_starting_with_a_formula_character_are_guarded(hostile_run):
    cells = _cells(hostile_run, "csv", _csv_rows)
    for name, cell in cells:
        assert not cell.startswith(FORMULA_START) or _is_number(cell), f"{name}: {cell!r}"
    texts = {cell for _, cell in cells}
    assert [value for value in TABLED if ("'" + value if value.startswith(FORMULA_START) else value) not in texts] == []


def _cells(run_dir: Path, suffix: str, rows: Callable[[Path], Iterable[Iterable[Any]]]) -> list[tuple[str, Any]]:
    """``(file name, cell)`` for every cell of the run's tables ending in *suffix*, read by *rows*."""
    cells = [(path.name, cell) for path in sorted(run_dir.rglob(f"*.{suffix}")) for row in rows(path) for cell in row]
    assert cells, f"no .{suffix} file in {run_dir}"
    return cells


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
