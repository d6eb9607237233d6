"""The trainer's dashboard: the class's answers to a workshop, while it runs.

:class:`Dashboard` reads ``<results_dir>/<workshop>/*.jsonl`` and shows the share of
the class right per question (a chart to discuss and a table), each participant's
points per question, and the most common wrong answers as the participants read them
(:func:`kamlib.training.classroom.class_tables`). **Refresh** reads the files again;
**Export** writes the three tables as one Excel workbook and CSV files (text kept as
text) beside the results. Everything is drawn into HTML widgets, so a served page
(Voilà) shows it. In a served session (``kam training serve``) the page opens only
with the trainer's token in its link.
"""

from __future__ import annotations

import base64
import html
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from kamlib import i18n
from kamlib.tables import save_table
from kamlib.training.bank import bank_folder, load_bank
from kamlib.training.classroom import TOKEN_ENV, class_tables, trainer_allowed
from kamlib.training.plots import figure_png, plot_share_right
from kamlib.training.results import read_results
from kamlib.workbook import WorkbookTable, write_workbook

__all__ = ["Dashboard"]

#: The tables of the dashboard, in the order shown and exported.
TABLES = ("questions", "participants", "wrong_answers")
#: Each table's heading label.
HEADINGS = {"questions": "training.dashboard.by_question", "participants": "training.dashboard.by_participant",
            "wrong_answers": "training.dashboard.wrong"}


#: How the tables look on the page.
STYLE = ("<style>.kam-table{border-collapse:collapse;margin-bottom:1em}.kam-table th,.kam-table td"
         "{padding:3px 12px;text-align:left;border-bottom:1px solid #ddd}</style>")


def _table_html(frame: pd.DataFrame, lang: str) -> str:
    """*frame* as an escaped HTML table, shares as percentages."""
    shown = frame.copy()
    share = i18n.t("training.dashboard.share_correct", lang)
    if share in shown.columns:
        shown[share] = shown[share].map(lambda v: "—" if pd.isna(v) else i18n.format_percent(v, lang))
    return shown.to_html(index=False, escape=True, border=0, classes="kam-table", na_rep="—", float_format="{:g}".format)


class Dashboard:
    """The class results of one workshop.

    Parameters
    ----------
    workshop : str
        The workshop id (its bank gives the prompts and option texts).
    lang : {"en", "zh"}
        The room's language.
    results_dir : str or Path
        The results folder the workshop records into.
    query : str, optional
        The page's query string (default: ``QUERY_STRING``, set by Voilà).
    token : str, optional
        The trainer's token (default: ``KAM_TRAINER_TOKEN``; none outside a served session).

    Examples
    --------
    >>> import tempfile
    >>> board = Dashboard("prospects", results_dir=tempfile.mkdtemp(), query="", token=None)
    >>> "No answers yet" in board.status.value
    True
    >>> Dashboard("prospects", results_dir=".", query="p=Ann", token="t0").status.value[:28]
    '<p>This page is for the trai'
    """

    def __init__(self, workshop: str, *, lang: str = "en", results_dir: str | Path = "results",
                 query: str | None = None, token: str | None = None) -> None:
        i18n.check_lang(lang)
        self.workshop, self.lang, self.results_dir = workshop, lang, Path(results_dir)
        self.bank = load_bank(bank_folder() / f"{workshop}.yml")
        self.tables: dict[str, pd.DataFrame] = {}
        self.title = widgets.HTML()
        self.status = widgets.HTML()
        self.chart = widgets.HTML()
        self.body = widgets.HTML()
        self.exported = widgets.HTML()
        self.refresh_button = widgets.Button(description=i18n.t("training.dashboard.refresh", lang), icon="")
        self.export_button = widgets.Button(description=i18n.t("training.dashboard.export", lang), icon="",
                                            layout=widgets.Layout(width="auto"))
        self.refresh_button.on_click(lambda _: self.refresh())
        self.export_button.on_click(lambda _: self.export())
        query = os.environ.get("QUERY_STRING", "") if query is None else query
        token = os.environ.get(TOKEN_ENV) if token is None else token
        self.allowed = trainer_allowed(query, token)
        controls = widgets.HBox([self.refresh_button, self.export_button]) if self.allowed else widgets.HBox()
        self.widget = widgets.VBox([self.title, controls, self.status, self.chart, self.body, self.exported])
        self.title.value = f"<h2>{html.escape(i18n.t('training.dashboard.title', lang, workshop=self.bank.title.get(lang)))}</h2>"
        if self.allowed:
            self.refresh()
        else:
            self.status.value = f"<p>{html.escape(i18n.t('training.dashboard.trainer_only', lang))}</p>"

    @classmethod
    def open(cls, workshop: str, *, lang: str = "en", results_dir: str | Path = "results") -> Dashboard:
        """The dashboard of *workshop* (the notebook's call)."""
        return cls(workshop, lang=lang, results_dir=results_dir)

    def refresh(self) -> None:
        """Read the results again and redraw."""
        results = read_results(self.results_dir, self.workshop)
        if results.empty:
            self.tables = {}
            where = self.results_dir / self.workshop
            self.status.value = f"<p>{html.escape(i18n.t('training.dashboard.no_results', self.lang, path=where))}</p>"
            self.chart.value = self.body.value = ""
            return
        self.tables = class_tables(results, self.bank, self.lang)
        now = datetime.now().strftime("%H:%M:%S")
        line = i18n.t("training.dashboard.updated", self.lang, n=results["participant"].nunique(), m=len(results),
                      time=now)
        self.status.value = f"<p>{html.escape(line)}</p>"
        self.chart.value = self._chart_html()
        self.body.value = STYLE + "".join(
            f"<h3>{html.escape(i18n.t(HEADINGS[name], self.lang))}</h3>{_table_html(self.tables[name], self.lang)}"
            for name in TABLES)

    def _chart_html(self) -> str:
        import matplotlib.pyplot as plt

        from kamlib.plots import theme

        theme(self.lang)
        shares = self.tables["questions"][i18n.t("training.dashboard.share_correct", self.lang)]
        chart = pd.DataFrame({"question": [f"Q{i + 1}" for i in range(len(shares))], "share": shares.to_numpy()})
        figure, ax = plt.subplots(figsize=(7, 1.2 + 0.35 * len(chart)), layout="constrained")
        plot_share_right(chart, lang=self.lang, share="share", ax=ax)
        png = base64.b64encode(figure_png(figure)).decode("ascii")
        plt.close(figure)
        alt = html.escape(i18n.t("training.dashboard.chart", self.lang), quote=True)
        return f'<img alt="{alt}" style="max-width:100%;width:640px" src="data:image/png;base64,{png}">'

    def export(self) -> list[Path]:
        """Write the tables as ``<workshop>-class.xlsx`` and CSV files into the results folder; return the files."""
        if not self.tables:
            self.refresh()
        if not self.tables:
            return []
        stem = f"{self.workshop}-class"
        folder = self.results_dir / f"{stem}-csv"
        files = [path for name in TABLES for path in save_table(self.tables[name], name, folder, formats=("csv",))]
        sheets = [WorkbookTable(name, self.tables[name], i18n.t(HEADINGS[name], self.lang), f"{folder.name}/{name}.csv")
                  for name in TABLES]
        files.insert(0, write_workbook(self.results_dir / f"{stem}.xlsx", sheets, lang=self.lang))
        shown = i18n.t("training.dashboard.exported", self.lang, files=", ".join(str(p) for p in files))
        self.exported.value = f"<p>{html.escape(shown)}</p>"
        return files

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)
