"""The trainer and participant editions of the workshop notebooks (``kam training build``).

From one source, ``notebooks/training/``, :func:`build_editions` writes two folders:

- ``trainer/`` — every notebook with all its cells (discussion notes tagged ``trainer``,
  solutions tagged ``solution``), the trainer's notebooks (the class dashboard), and a copy
  of the question banks in ``bank/``; the notebooks mark with the full banks.
- ``participant/`` — the workshop notebooks without the ``trainer`` and ``solution`` cells,
  without outputs, execution counts or saved widget state, each with its key file
  ``<workshop>.key.json`` beside it (:func:`~kamlib.training.keys.write_key`: hashes and
  sealed texts, no readable answer) and its ``key`` parameter pointing at it. A workshop
  whose questions are generated in the notebook from the participant's name (it does not
  call ``Workshop.open``) marks with answers it computes itself and gets no key file.

Each folder has a README in both languages saying what it is and how to use it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import kamlib
from kamlib.errors import ConfigError
from kamlib.training.bank import Bank, bank_folder, load_bank
from kamlib.training.keys import key_name, write_key

__all__ = ["EDITIONS", "TRAINER_TAGS", "WORKSHOP_NOTEBOOKS", "Editions", "build_editions", "opened_workshop",
           "participant_notebook", "trainer_notebook"]

#: Where the workshop notebooks live (next to the package in the source tree).
WORKSHOP_NOTEBOOKS = Path(kamlib.__file__).resolve().parent.parent / "notebooks" / "training"
#: Cells with one of these tags are left out of the participant edition.
TRAINER_TAGS = ("trainer", "solution")
#: The two editions, as folder names under the output folder.
EDITIONS = ("trainer", "participant")
#: The first line of every README this module writes (it marks a folder it may replace).
README_MARK = "<!-- kam training build -->"
OPENED = re.compile(r"""Workshop\.open\(\s*["']([a-z0-9_]+)["']""")
KEY_LINE = re.compile(r"^(key\s*=\s*)None\b", flags=re.MULTILINE)


@dataclass
class Editions:
    """What :func:`build_editions` wrote: the two folders and their files, per edition."""

    trainer: Path
    participant: Path
    files: dict[str, list[Path]] = field(default_factory=lambda: {name: [] for name in EDITIONS})


def opened_workshop(notebook: nbformat.NotebookNode) -> str | None:
    """The workshop a notebook opens with ``Workshop.open("<id>", …)``; None when it opens none.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> opened_workshop(new_notebook(cells=[new_code_cell('ws = Workshop.open("prospects", key=key)')]))
    'prospects'
    """
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    found = OPENED.search(code)
    return found[1] if found else None


def _cleared(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of *notebook* without outputs, execution counts and saved widget state."""
    notebook = nbformat.from_dict(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    notebook.metadata.pop("papermill", None)
    return notebook


def trainer_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """*notebook* for the trainer edition: every cell, ready to run (no outputs).

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> nb = new_notebook(cells=[new_code_cell("1", metadata={"tags": ["solution"]}, execution_count=3)])
    >>> [(c.source, c.execution_count) for c in trainer_notebook(nb).cells]
    [('1', None)]
    """
    return _cleared(notebook)


def participant_notebook(notebook: nbformat.NotebookNode, key: str | None, *, name: str = "notebook") -> (
        nbformat.NotebookNode):
    """*notebook* for the participant edition.

    Leaves out the cells tagged ``trainer`` or ``solution``, outputs, execution counts
    and saved widget state, and points the parameter ``key = None`` at the key file.

    Parameters
    ----------
    notebook : NotebookNode
        A workshop notebook.
    key : str or None
        The key file's name beside the notebook; None: keep ``key = None`` (a workshop
        whose questions are generated in the notebook).
    name : str
        The notebook's file name, for messages.

    Raises
    ------
    ConfigError
        When *key* is given but the parameters cell has no line ``key = None``.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    >>> nb = new_notebook(cells=[new_code_cell('lang = "en"\\nkey = None  # answer key', metadata={"tags": ["parameters"]}),
    ...                          new_markdown_cell("Discuss.", metadata={"tags": ["trainer"]})])
    >>> [c.source for c in participant_notebook(nb, "demo.key.json").cells]
    ['lang = "en"\\nkey = "demo.key.json"  # answer key']
    """
    notebook = _cleared(notebook)
    notebook.cells = [cell for cell in notebook.cells
                      if not set(cell.metadata.get("tags", [])) & set(TRAINER_TAGS)]
    if key is None:
        return notebook
    cells = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    if len(cells) != 1 or not KEY_LINE.search(cells[0].source):
        raise ConfigError(f"{name}: the cell tagged parameters has no line key = None, so the participant edition "
                          f"cannot point it at {key}. Add the line key = None to that cell (see docs/training.md).")
    cells[0].source = KEY_LINE.sub(lambda found: f'{found[1]}"{key}"', cells[0].source, count=1)
    return notebook


# ----------------------------------------------------------------------------- the folders
def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_out(out: Path, source: Path) -> None:
    """Refuse an output folder inside the notebooks or the banks, and edition folders this module did not write."""
    for folder in {source.resolve(), WORKSHOP_NOTEBOOKS.parent, bank_folder().resolve()}:
        if _inside(out, folder):
            raise ConfigError(f"{out}: the editions cannot be written inside {folder}, where the workshop notebooks "
                              "and banks live (the served and committed files). Choose a folder outside it, such as "
                              "../workshop-editions.")
    for edition in EDITIONS:
        folder = out / edition
        readme = folder / "README.md"
        ours = readme.is_file() and readme.read_text(encoding="utf-8").startswith(README_MARK)
        if folder.exists() and any(folder.iterdir()) and not ours:
            raise ConfigError(f"{folder}: this folder exists and was not written by kam training build; it is "
                              "never overwritten. Choose another OUT folder or empty this one.")


def _notebooks(source: Path, workshops: Sequence[str] | None, banks: dict[str, Path]) -> list[Path]:
    """The notebooks to build: the chosen workshops' and, when none is chosen, the trainer's own too."""
    found = sorted(source.glob("*.ipynb"))
    known = [path.stem for path in found if path.stem in banks]
    if not found:
        raise ConfigError(f"{source}: there are no notebooks to build. Give the folder of the workshop notebooks "
                          "(kam training build --source notebooks/training).")
    unknown = [w for w in workshops or () if w not in known]
    if unknown:
        raise ConfigError(f"unknown workshop {', '.join(unknown)}: {source} has no notebook of that name with a "
                          f"bank. Use one of: {', '.join(known)}.")
    return [path for path in found if (path.stem in workshops if workshops else True)]


def _readme(edition: str, entries: list[tuple[str, Bank | None]]) -> str:
    """The README of *edition*, in English and Chinese, listing its notebooks."""
    listed = "\n".join(f"- `{name}`" + (f" — {bank.title.en} · {bank.title.zh}" if bank else "")
                       for name, bank in entries)
    return f"{README_MARK}\n" + TEXTS[edition].format(listed=listed)


TEXTS = {
    "trainer": """# Trainer edition · 培训师版

Keep this folder for yourself: it holds the answers.

Every workshop notebook with all its cells: the discussion notes for each question
(cells tagged `trainer`) and the solutions (`ws.solution(...)`, cells tagged
`solution`), plus the class dashboard. The notebooks check answers with the question
banks that ship with kamlib; `bank/` holds a copy of the banks they were built from.
To check with banks you edited, start JupyterLab here with the environment variable
`KAM_TRAINING_KEY=bank`. Run a notebook from the top (`jupyter lab`, then Run All).

Hand out the `participant` folder built beside this one, never this one.

{listed}

本文件夹请自己保留：其中含有答案。

这里是每个工作坊笔记本的全部单元格：每道题的讨论要点（标记为 `trainer` 的单元格）和
答案讲解（`ws.solution(...)`，标记为 `solution` 的单元格），以及全班结果看板。笔记本用
kamlib 自带的题库判分；`bank/` 中是构建时所用题库的副本。若要用修改过的题库判分，请在
本文件夹中以环境变量 `KAM_TRAINING_KEY=bank` 启动 JupyterLab。从头运行笔记本即可
（`jupyter lab`，然后“全部运行”）。

发给学员的是旁边的 `participant` 文件夹，而不是本文件夹。
""",
    "participant": """# Participant edition · 学员版

The workshop notebooks to work through. Open one in JupyterLab, run the cells from the
top, answer each question and press **Check**: the feedback says why. The header
switches between English and 中文 and asks for your name; your answers are recorded
in `results/`. The file `<workshop>.key.json` beside a notebook is what checks its
answers: keep it next to its notebook. A workshop whose data and answers are made for
each participant from their name has no key file.

{listed}

这里是工作坊的练习笔记本。在 JupyterLab 中打开一个，从头运行各单元格，回答每道题并
点击 **Check（检查）**：反馈会说明原因。页首可以在 English 与中文之间切换，并请你填写
姓名；你的作答记录在 `results/` 中。笔记本旁边的 `<workshop>.key.json` 文件用于判分：
请把它和笔记本放在一起。数据和答案按每位学员姓名单独生成的工作坊没有答案文件。
""",
}


def build_editions(out: str | Path, workshops: Sequence[str] | None = None, *,
                   source: str | Path = WORKSHOP_NOTEBOOKS, banks: str | Path | None = None,
                   progress: Callable[[str], None] | None = None) -> Editions:
    """Write the trainer and participant editions of the workshop notebooks into *out*.

    Parameters
    ----------
    out : str or Path
        The output folder; ``trainer/`` and ``participant/`` are (re)written in it. It must
        lie outside the notebooks and the banks.
    workshops : sequence of str, optional
        Workshop ids (notebook names) to build; default: every workshop notebook and the
        trainer's notebooks (the dashboard, trainer edition only).
    source : str or Path
        The folder of the workshop notebooks (default ``notebooks/training``).
    banks : str or Path, optional
        The folder of the full banks the key files are made from (default: the banks that
        ship with kamlib).
    progress : callable, optional
        Called with one line per file written.

    Returns
    -------
    Editions
        The two folders and the files written in each.

    Raises
    ------
    ConfigError
        For an unknown workshop, an *out* inside the notebooks or banks, an edition
        folder not written by this function, or a notebook without ``key = None``.

    Examples
    --------
    >>> import tempfile
    >>> built = build_editions(Path(tempfile.mkdtemp()), ["prospects"])
    >>> sorted(p.name for p in built.files["participant"])
    ['README.md', 'prospects.ipynb', 'prospects.key.json']
    """
    out, source = Path(out).resolve(), Path(source)
    banks_folder = Path(banks) if banks is not None else bank_folder()
    bank_files = {path.stem: path for path in sorted(banks_folder.glob("*.yml"))}
    _check_out(out, source)
    chosen = _notebooks(source, workshops, bank_files)
    say = progress or (lambda line: None)
    built = Editions(out / "trainer", out / "participant")
    for folder in (built.trainer, built.participant):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    (built.trainer / "bank").mkdir()
    entries: dict[str, list[tuple[str, Bank | None]]] = {name: [] for name in EDITIONS}

    def wrote(edition: str, path: Path, note: str) -> None:
        built.files[edition].append(path)
        say(f"{edition}/{path.relative_to(getattr(built, edition)).as_posix()}: {note}")

    for path in chosen:
        notebook = nbformat.read(path, as_version=4)
        workshop = path.stem if path.stem in bank_files else None
        bank = load_bank(bank_files[workshop]) if workshop else None
        nbformat.write(trainer_notebook(notebook), built.trainer / path.name)
        wrote("trainer", built.trainer / path.name, f"{len(notebook.cells)} cells")
        entries["trainer"].append((path.name, bank))
        if bank is None:
            continue
        shutil.copyfile(bank_files[workshop], built.trainer / "bank" / f"{workshop}.yml")
        wrote("trainer", built.trainer / "bank" / f"{workshop}.yml", "the full bank")
        opened = opened_workshop(notebook)
        if opened not in (None, workshop):
            raise ConfigError(f"{path}: the notebook opens the workshop {opened}, not {workshop}. Name each "
                              f"workshop notebook after its workshop ({opened}.ipynb) or open {workshop} in it.")
        key = key_name(workshop) if opened else None
        shown = participant_notebook(notebook, key, name=path.name)
        nbformat.write(shown, built.participant / path.name)
        left = len(notebook.cells) - len(shown.cells)
        wrote("participant", built.participant / path.name,
              f"{len(shown.cells)} cells ({left} trainer and solution cells left out)")
        entries["participant"].append((path.name, bank))
        if key:
            write_key(bank, built.participant / key)
            wrote("participant", built.participant / key, "key file (hashes, no readable answer)")
        else:
            say(f"participant/{path.name}: no key file, its questions are generated in the notebook")
    for edition in EDITIONS:
        readme = getattr(built, edition) / "README.md"
        readme.write_text(_readme(edition, entries[edition]), encoding="utf-8")
        wrote(edition, readme, "what this edition is, in English and Chinese")
    return built
