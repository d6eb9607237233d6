"""A served workshop: the folder Voilà serves, the key kept outside it, the links to hand out.

:func:`prepare_workshops` lays out one serving session in a folder of its own:

- ``served/`` — what Voilà serves: each workshop notebook of ``notebooks/training/``
  without the cells tagged ``trainer`` or ``solution``, outputs and widget state
  cleared, its parameters (language, results folder) set; and the trainer's
  ``dashboard.ipynb``;
- ``key/`` — the full question banks (answers, explanations), outside the served
  folder: kernels find them through ``KAM_TRAINING_KEY`` and check answers on the
  server; the browser never receives them.

Participants open ``http://host:port/voila/render/<workshop>.ipynb?p=<name>``; the
dashboard asks for the session's trainer token (``?t=…``) so that participants cannot
read the class's answers.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import nbformat

import kamlib
from kamlib import i18n
from kamlib.errors import ConfigError
from kamlib.training import bank_folder
from kamlib.training.classroom import TOKEN_ENV
from kamlib.training.keys import KEY_ENV

__all__ = ["DASHBOARD", "SERVER_ONLY_TAGS", "WAIT_FOR_VISITOR", "WORKSHOP_NOTEBOOKS", "ServedWorkshops",
           "available_workshops", "prepare_workshops", "served_notebook", "wait_for_visitor"]

#: Where the workshop notebooks live (next to the package in the source tree).
WORKSHOP_NOTEBOOKS = Path(kamlib.__file__).resolve().parent.parent / "notebooks" / "training"
#: The trainer's dashboard notebook in that folder.
DASHBOARD = "dashboard.ipynb"
#: Cells with one of these tags never reach a served page (discussion notes, solutions).
SERVER_ONLY_TAGS = ("trainer", "solution")


def available_workshops(folder: str | Path = WORKSHOP_NOTEBOOKS) -> list[str]:
    """The workshops that can be served: a notebook in *folder* and a bank of the same name.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("prospects.ipynb", "dashboard.ipynb", "notes.ipynb"):
    ...     _ = (folder / name).write_text("{}")
    >>> available_workshops(folder)
    ['prospects']
    """
    banks = {path.stem for path in bank_folder().glob("*.yml")}
    return sorted(path.stem for path in Path(folder).glob("*.ipynb") if path.stem in banks)


def served_notebook(source: str | Path, parameters: dict[str, object]) -> nbformat.NotebookNode:
    """The notebook *source* as a served page shows it: the cells tagged :data:`SERVER_ONLY_TAGS`
    removed, outputs, execution counts and saved widget state cleared, *parameters* injected
    after the ``parameters`` cell (as papermill does), the text in the page's language
    (:func:`kamlib.i18n.one_language`) when *parameters* give one.

    Examples
    --------
    >>> import tempfile
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> nb = new_notebook(cells=[new_code_cell("lang = 'en'", metadata={"tags": ["parameters"]}),
    ...                          new_code_cell("ws.solution('q1')", metadata={"tags": ["solution"]})],
    ...                   metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}})
    >>> path = Path(tempfile.mkdtemp()) / "w.ipynb"
    >>> nbformat.write(nb, path)
    >>> [cell.source.splitlines()[-1] for cell in served_notebook(path, {"lang": "zh"}).cells]
    ["lang = 'en'", 'lang = "zh"']
    """
    from papermill.parameterize import parameterize_notebook

    notebook = nbformat.read(str(source), as_version=4)
    notebook.cells = [cell for cell in notebook.cells
                      if not set(cell.get("metadata", {}).get("tags", [])) & set(SERVER_ONLY_TAGS)]
    for cell in notebook.cells:
        cell.metadata.setdefault("tags", [])
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "markdown" and "lang" in parameters:
            cell.source = i18n.one_language(cell.source, str(parameters["lang"]))
    notebook.metadata.pop("widgets", None)
    notebook.metadata["papermill"] = {}
    return parameterize_notebook(notebook, parameters)


#: The cell a served workshop runs before anything that needs its visitor: a warm kernel
#: (``kam training serve --warm``) has loaded the workbook and waits there for its page's
#: query string (``?p=``); otherwise it does nothing.
WAIT_FOR_VISITOR = """import kamlib.training.widgets  # loaded before a visitor comes
from kamlib.apps.voila import wait_for_visitor

wait_for_visitor()"""


def wait_for_visitor(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """*notebook* with the :data:`WAIT_FOR_VISITOR` cell after its (injected) parameters.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> nb = new_notebook(cells=[new_code_cell("lang = 'en'", metadata={"tags": ["parameters"]}),
    ...                          new_code_cell("ws = Workshop.open('prospects')")])
    >>> [cell.source.splitlines()[-1] for cell in wait_for_visitor(nb).cells]
    ["lang = 'en'", 'wait_for_visitor()', "ws = Workshop.open('prospects')"]
    """
    tagged = [i for i, cell in enumerate(notebook.cells)
              if {"parameters", "injected-parameters"} & set(cell.get("metadata", {}).get("tags", []))]
    notebook.cells.insert(max(tagged, default=-1) + 1, nbformat.v4.new_code_cell(WAIT_FOR_VISITOR))
    return notebook


@dataclass(frozen=True)
class ServedWorkshops:
    """One serving session, as :func:`prepare_workshops` laid it out.

    Attributes
    ----------
    folder : Path
        The served folder (notebooks only).
    key : Path
        The full banks, outside *folder* (``KAM_TRAINING_KEY``).
    results : Path
        Where participants' answers are recorded (``<results>/<workshop>/<name>.jsonl``).
    workshops : tuple of str
        The workshops served.
    token : str
        The trainer's token: the dashboard opens only with ``?t=<token>``.
    """

    folder: Path
    key: Path
    results: Path
    workshops: tuple[str, ...]
    token: str

    def environment(self) -> dict[str, str]:
        """The variables every kernel of the session gets."""
        return {KEY_ENV: str(self.key), TOKEN_ENV: self.token}

    def participant_url(self, base: str, workshop: str, name: str = "") -> str:
        """The link of *workshop* for the participant *name* (``…?p=`` to fill in when empty).

        Examples
        --------
        >>> session = ServedWorkshops(Path("s"), Path("k"), Path("r"), ("prospects",), "t0")
        >>> session.participant_url("http://127.0.0.1:8866/", "prospects", "李娜")
        'http://127.0.0.1:8866/voila/render/prospects.ipynb?p=%E6%9D%8E%E5%A8%9C'
        """
        return f"{base}voila/render/{workshop}.ipynb?p={quote(name)}"

    def dashboard_url(self, base: str) -> str:
        """The trainer's link to the dashboard.

        Examples
        --------
        >>> ServedWorkshops(Path("s"), Path("k"), Path("r"), ("prospects",), "t0").dashboard_url("http://h:1/")
        'http://h:1/voila/render/dashboard.ipynb?t=t0'
        """
        return f"{base}voila/render/{DASHBOARD}?t={quote(self.token)}"


def prepare_workshops(session: str | Path, workshops: Sequence[str] = (), *, lang: str = "en",
                      results_dir: str | Path = "results", notebooks: str | Path = WORKSHOP_NOTEBOOKS
                      ) -> ServedWorkshops:
    """Lay out a serving session in the empty folder *session* (see the module's description).

    Parameters
    ----------
    session : str or Path
        A new or empty folder; ``served/`` and ``key/`` are made in it.
    workshops : sequence of str
        Workshop ids (default: every one :func:`available_workshops` finds).
    lang : {"en", "zh"}
        The language pages open in (each page has a language toggle).
    results_dir : str or Path
        Where answers are recorded; made absolute, created if missing.
    notebooks : str or Path
        Where the workshop notebooks and the dashboard are.

    Raises
    ------
    ConfigError
        For a workshop id that has no notebook or no bank.

    Examples
    --------
    >>> import tempfile
    >>> try:
    ...     prepare_workshops(tempfile.mkdtemp(), ["nonesuch"])
    ... except ConfigError as exc:
    ...     print(str(exc).split(":")[0])
    unknown workshop nonesuch
    """
    known = available_workshops(notebooks)
    unknown = [w for w in workshops if w not in known]
    if unknown:
        raise ConfigError(f"unknown workshop {', '.join(unknown)}: no notebook in {notebooks} with a question bank "
                          f"of that name. Use one of: {', '.join(known) or '(none)'}.")
    chosen = tuple(dict.fromkeys(workshops)) or tuple(known)
    if not chosen:
        raise ConfigError(f"{notebooks}: no workshop notebook to serve (a <workshop>.ipynb with a question bank).")
    session = Path(session)
    folder, key, results = session / "served", session / "key", Path(results_dir).resolve()
    for made in (folder, key, results):
        made.mkdir(parents=True, exist_ok=True)
    for workshop in chosen:
        shutil.copyfile(bank_folder() / f"{workshop}.yml", key / f"{workshop}.yml")
        page = served_notebook(Path(notebooks) / f"{workshop}.ipynb", {"lang": lang, "results_dir": str(results)})
        nbformat.write(wait_for_visitor(page), str(folder / f"{workshop}.ipynb"))
    if (Path(notebooks) / DASHBOARD).is_file():
        page = served_notebook(Path(notebooks) / DASHBOARD,
                               {"lang": lang, "results_dir": str(results), "workshop": chosen[0]})
        nbformat.write(page, str(folder / DASHBOARD))
    return ServedWorkshops(folder, key, results, chosen, secrets.token_urlsafe(12))
