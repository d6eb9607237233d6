"""The method docs in ``docs/`` hold together and say what the code does.

- every page the index (``docs/README.md``) lists exists, and every page is listed;
- every link between pages, and every ``docs/<page>.md#<anchor>`` cited in ``kamlib``,
  points to an existing page and heading (GitHub anchor rules);
- nothing in the workbook points to planning files outside it;
- the defaults the pages state (the "Settings at a glance" tables, the purchase-state
  grid, the loss-reason groups, the showroom ratios) are the defaults of the code.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
SETTINGS_HEADER = ("setting", "default", "code", "notebook parameter")
#: Pages that describe computations of kamlib, so they must state their defaults.
PAGES_WITH_SETTINGS = ("environment.md", "classification.md", "churn.md", "win-loss.md")


# ----------------------------------------------------------------------------- helpers
def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces → ``-``.

    >>> slug("Pareto / ABC"), slug("BG/NBD model"), slug("The workbook's own choices")
    ('pareto--abc', 'bgnbd-model', 'the-workbooks-own-choices')
    """
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(page: Path) -> set[str]:
    """Anchors of the headings of a Markdown page (code blocks skipped)."""
    anchors, fenced = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)):
            anchors.add(slug(match.group(1)))
    return anchors


def tables(page: Path, header: tuple[str, ...]) -> list[list[str]]:
    """The body rows (cells stripped) of every table of *page* whose header is *header*."""
    rows, inside = [], False
    for line in page.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
        if cells is None:
            inside = False
        elif tuple(c.lower() for c in cells) == header:
            inside = True
        elif inside and not set("".join(cells)) <= set("-: "):
            rows.append(cells)
    return rows


def resolve(dotted: str) -> object:
    """The object a dotted name such as ``kamlib.classify.pareto_abc`` names."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise LookupError(dotted)


def normal(value: object) -> object:
    """Sequences as tuples and mappings with normalised values, so a page's list equals a code tuple."""
    if isinstance(value, (list, tuple)):
        return tuple(normal(v) for v in value)
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    return value


def literal(cell: str) -> object:
    """The first ``code`` literal of a table cell, e.g. ``(0.8, 0.95)``."""
    match = re.search(r"`([^`]+)`", cell)
    assert match, f"no `literal` in {cell!r}"
    return ast.literal_eval(match.group(1))


def code(cell: str) -> str:
    """The first ``code`` span of a table cell, as text (``brand``)."""
    match = re.search(r"`([^`]+)`", cell)
    assert match, f"no `code` in {cell!r}"
    return match.group(1)


def settings_rows() -> list[tuple[str, str, str]]:
    """``(page, code reference, default cell)`` of every row of every settings table."""
    rows = []
    for page in PAGES:
        for cells in tables(page, SETTINGS_HEADER):
            assert len(cells) == 4, f"{page.name}: a settings row needs 4 cells: {cells}"
            reference = re.fullmatch(r"`(kamlib\.[\w.]+)(?:\((\w+)\))?`", cells[2])
            assert reference, f"{page.name}: the code cell must be `kamlib.module.name(argument)` or `kamlib.module.NAME`: {cells[2]!r}"
            rows.append((page.name, cells[2].strip("`"), cells[1]))
    return rows


def project_files() -> list[Path]:
    """The workbook's own text: the package, the notebooks, the docs and the README (tests excluded)."""
    kamlib = [p for p in (ROOT / "kamlib").rglob("*") if p.suffix in {".py", ".csv", ".yml", ".yaml", ".md", ".txt"}]
    return [*kamlib, *sorted((ROOT / "notebooks").rglob("*.ipynb")), *PAGES, ROOT / "README.md"]


# ----------------------------------------------------------------------------- pages
def test_index_lists_every_page_and_only_existing_ones():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(([\w.-]+\.md)(?:#[^)]*)?\)", index))
    assert listed, "docs/README.md links no page"
    missing = sorted(name for name in listed if not (DOCS / name).is_file())
    assert not missing, f"docs/README.md lists pages that do not exist: {missing}"
    unlisted = sorted(p.name for p in PAGES if p.name != "README.md" and p.name not in listed)
    assert not unlisted, f"pages missing from the index docs/README.md: {unlisted}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_between_pages_resolve(page):
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        name, _, anchor = target.partition("#")
        linked = page if not name else (page.parent / name)
        assert linked.is_file(), f"{page.name}: link to a missing file {target!r}"
        if anchor and linked.suffix == ".md":
            assert anchor in headings(linked), f"{page.name}: no heading #{anchor} in {linked.name}"


def test_kamlib_citations_name_existing_pages_and_headings():
    cited = []
    for path in sorted((ROOT / "kamlib").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for name, anchor in re.findall(r"docs/([\w.-]+\.md)(?:#([\w\-]+))?", text):
            where = path.relative_to(ROOT)
            assert (DOCS / name).is_file(), f"{where} cites docs/{name}, which does not exist"
            if anchor:
                assert anchor in headings(DOCS / name), f"{where} cites docs/{name}#{anchor}: no such heading"
            cited.append((where, name, anchor))
    assert len(cited) >= 30, f"expected the computations to cite their rules in docs/, found {len(cited)} citations"
    assert {name for _, name, _ in cited} >= {"environment.md", "classification.md", "churn.md", "win-loss.md"}


def test_nothing_points_outside_the_workbook():
    """The workbook stands alone: every Markdown file a project file names is in the project."""
    ours = {p.name for p in ROOT.rglob("*.md") if ".venv" not in p.parts}
    named = [(str(path.relative_to(ROOT)), name) for path in project_files()
             for name in re.findall(r"[\w.-]+\.md\b", path.read_text(encoding="utf-8"))]
    assert named, "expected project files to name the docs"
    outside = [(where, name) for where, name in named if name not in ours]
    assert not outside, f"Markdown files named but not in the workbook: {outside}"
    sections = [str(path.relative_to(ROOT)) for path in project_files()
                if path.suffix != ".ipynb" and "§" in path.read_text(encoding="utf-8")]
    assert not sections, f"section signs (§) citing an outside document: {sections}"


# ----------------------------------------------------------------------------- defaults
def test_every_computation_page_states_its_defaults():
    pages = {page for page, _, _ in settings_rows()}
    assert pages >= set(PAGES_WITH_SETTINGS), f"pages without a settings table: {set(PAGES_WITH_SETTINGS) - pages}"
    references = {reference for _, reference, _ in settings_rows()}
    for wanted in ("kamlib.classify.pareto_abc(cutoffs)", "kamlib.winloss.win_rates(level)",
                   "kamlib.environment.bcg_matrix(growth_split)", "kamlib.churn.churn_signals(falling_periods)"):
        assert wanted in references, f"the docs should state the default of {wanted}"


@pytest.mark.parametrize(("page", "reference", "cell"), settings_rows(),
                         ids=lambda v: v if str(v).startswith("kamlib.") else None)
def test_stated_default_is_the_code_default(page, reference, cell):
    stated = literal(cell)
    name, _, argument = reference.partition("(")
    if argument:
        parameter = inspect.signature(resolve(name)).parameters.get(argument.rstrip(")"))
        assert parameter is not None, f"{page}: {name} has no argument {argument.rstrip(')')!r}"
        assert parameter.default is not inspect.Parameter.empty, f"{page}: {reference} has no default"
        actual = parameter.default
    else:
        actual = resolve(name)
    assert normal(stated) == normal(actual), f"{page}: {reference} is {actual!r} in the code, but the page says {stated!r}"


def test_purchase_state_grid_on_the_page_is_the_default_grid():
    from kamlib.classify import DEFAULT_GRID

    rows = tables(DOCS / "classification.md", ("capacity y", "x = 0", "x = 1", "x = 2", "x = 3", "x = 4"))
    stated = {}
    for cells in rows:
        y = int(cells[0])
        for x, cell in enumerate(cells[1:]):
            value = cell.strip("*_ ")
            if value not in ("–", "-"):
                stated[(x, y)] = value
    assert stated == DEFAULT_GRID


def test_loss_reason_groups_on_the_page_are_the_code_groups():
    from kamlib.winloss import REASON_CAUSES
    from kamlib.winloss.analysis import SALES_SIDE

    rows = tables(DOCS / "win-loss.md", ("code", "loss reason", "side", "cause"))
    assert {code(reason): code(cause) for reason, _, _, cause in rows} == REASON_CAUSES
    assert {code(reason) for reason, _, side, _ in rows if side == "sales"} == set(SALES_SIDE)


def test_showroom_ratios_on_the_page_are_the_code_ratios():
    from kamlib.winloss import SHOWROOM_RATIOS

    rows = tables(DOCS / "win-loss.md", ("ratio", "numerator", "denominator"))
    assert {code(ratio): (code(top), code(bottom)) for ratio, top, bottom in rows} == SHOWROOM_RATIOS
