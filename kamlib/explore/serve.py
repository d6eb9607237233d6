"""``kam explore``: the analysis notebooks served as dashboards with Voilà.

Each notebook is copied into a folder of the server's with its parameters injected as
papermill injects them (``interactive=True``, the language, the data and the output
folder) and served by :func:`kamlib.apps.voila.start_voila`: no code is shown, nothing
is fetched from the internet. The data path (and any password in it) is in the injected
cell only, which Voilà strips from the page, and the page's parameter table shows the
data and output folders as "on the server" (:class:`kamlib.explore.dashboard.Dashboard`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat

from kamlib import i18n
from kamlib.masking import mask_text
from kamlib.report.parameters import check_data, find_notebooks

__all__ = ["dashboard_url", "prepare_dashboards", "serve"]


def prepare_dashboards(folder: str | Path, notebooks: Sequence[str] = (), *, data: str | None = None,
                       lang: str = "en", out: str | Path = "reports/explore") -> list[Path]:
    """Write the analysis notebooks (*notebooks*: names, numbers or paths; none = all) into *folder*
    with ``interactive=True``, *lang*, *data* and ``output_dir=<out>/<notebook>`` injected.

    Cells tagged ``notebook-only`` are left out, as in a report. Returns the paths written.

    Examples
    --------
    >>> import tempfile
    >>> written = prepare_dashboards(tempfile.mkdtemp(), ["02"], lang="zh")
    >>> [p.name for p in written]
    ['02_customer_classification.ipynb']
    >>> injected = [c for c in nbformat.read(written[0], as_version=4).cells
    ...             if "injected-parameters" in c.metadata.get("tags", [])]
    >>> "interactive = True" in injected[0].source and 'lang = "zh"' in injected[0].source
    True
    >>> any("notebook-only" in c.metadata.get("tags", []) for c in nbformat.read(written[0], as_version=4).cells)
    False
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    i18n.check_lang(lang)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    source = check_data(data)
    written = []
    for path in find_notebooks(list(notebooks) or None):
        notebook = load_notebook_node(str(path))  # as papermill reads it: every cell has tags
        values: dict[str, Any] = {"interactive": True, "lang": lang, "data": source,
                                  "output_dir": str((Path(out) / path.stem).resolve())}
        notebook = parameterize_notebook(notebook, values)
        notebook.cells = [c for c in notebook.cells if "notebook-only" not in c.metadata.get("tags", [])]
        target = folder / path.name
        nbformat.write(notebook, target)
        written.append(target)
    return written


def dashboard_url(base: str, notebook: Path) -> str:
    """The address of *notebook*'s dashboard on the server at *base*.

    Examples
    --------
    >>> dashboard_url("http://127.0.0.1:8866/", Path("02_customer_classification.ipynb"))
    'http://127.0.0.1:8866/voila/render/02_customer_classification.ipynb'
    """
    return f"{base}voila/render/{notebook.name}"


def serve(notebooks: Sequence[str] = (), *, data: str | None = None, lang: str = "en", host: str = "127.0.0.1",
          port: int = 8866, out: str | Path = "reports/explore", echo: Callable[[str], Any] = print) -> None:
    """Serve the dashboards of *notebooks* (none = all) until the server ends or Ctrl-C.

    Prints each dashboard's address (in *lang*); see :func:`prepare_dashboards` for the
    other parameters. Stopped by Ctrl-C or SIGTERM, it stops the Voilà server and its
    kernels before it ends.
    """
    import tempfile

    from kamlib.apps.voila import check_port, start_voila

    check_port(host, port)
    with tempfile.TemporaryDirectory(prefix="kam-explore-") as session:
        folder = Path(session) / "dashboards"
        written = prepare_dashboards(folder, notebooks, data=data, lang=lang, out=out)
        server = start_voila(folder, host=host, port=port, cwd=session)
        try:
            server.wait_ready(timeout=120)
        except BaseException:
            server.stop()
            raise
        echo(mask_text(i18n.t("explore.serve.open", lang, data=data or i18n.t("explore.sample", lang))))
        for path in written:
            echo(f"  {dashboard_url(server.url, path)}")
        echo(i18n.t("explore.serve.stop", lang, out=Path(out).resolve()))
        server.run_until_stopped()
