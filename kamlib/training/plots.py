"""Charts of the workshops, same conventions as :mod:`kamlib.plots`.

Each function draws on *ax* (a new figure when None) with labels in *lang* and returns
the Axes; :func:`figure_png` renders a figure for a widget that redraws in place.
Nothing here computes an analysis: the tables come from :mod:`kamlib.classify`.
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

import pandas as pd

from kamlib import i18n
from kamlib.classify.plots import CLASS_COLOURS, plot_pareto_curve
from kamlib.plots import check_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["class_counts", "figure_png", "plot_class_bands"]


def class_counts(pareto: pd.DataFrame) -> pd.DataFrame:
    """Accounts and share of the total per class of :func:`kamlib.classify.pareto_abc` (A, B, C, zeros kept).

    Examples
    --------
    >>> from kamlib.classify import pareto_abc
    >>> p = pareto_abc(pd.DataFrame({"account_id": list("abcd"), "revenue": [70.0, 20, 6, 4]}))
    >>> class_counts(p).to_dict("list")
    {'abc_class': ['A', 'B', 'C'], 'accounts': [1, 1, 2], 'share': [0.7, 0.2, 0.1]}
    """
    check_columns("class_counts", pareto, group="abc_class", y="share")
    grouped = pareto.groupby("abc_class", observed=False)
    table = pd.DataFrame({"accounts": grouped.size(), "share": grouped["share"].sum().round(12)})
    return table.rename_axis("abc_class").reset_index().astype({"abc_class": "object"})


def plot_class_bands(pareto: pd.DataFrame, *, lang: str = "en", title: str | None = None,
                     ax: Axes | None = None) -> Axes:
    """The Pareto curve coloured by class, with the A and B cut-offs and the accounts per class.

    The cut-offs are read from ``pareto.attrs["cutoffs"]`` (set by
    :func:`kamlib.classify.pareto_abc`); each is a dashed line labelled with its share,
    and the legend gives each class its number of accounts.

    Examples
    --------
    >>> from kamlib.classify import pareto_abc
    >>> p = pareto_abc(pd.DataFrame({"account_id": list("abcde"), "revenue": [60.0, 20, 10, 5, 5]}), cutoffs=(0.7, 0.9))
    >>> ax = plot_class_bands(p)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['A: 1 account', 'B: 2 accounts', 'C: 2 accounts']
    """
    ax = plot_pareto_curve(pareto, lang=lang, title=title, ax=ax)
    for line in ax.lines[2:]:  # the 20 % marker of the classification chart: the cut-offs take its place here
        line.remove()
    for text in list(ax.texts):
        text.remove()
    for name, cut in zip(("A", "B"), pareto.attrs.get("cutoffs", ()), strict=False):
        ax.axhline(cut, color=CLASS_COLOURS[name], linestyle="--", linewidth=1.2)
        ax.annotate(i18n.t("training.live.cutoff", lang, cls=name, share=i18n.format_percent(cut, lang)),
                    (0.01, cut), xycoords=("axes fraction", "data"), xytext=(0, 3), textcoords="offset points",
                    ha="left", va="bottom", color=CLASS_COLOURS[name])
    counts = class_counts(pareto).set_index("abc_class")["accounts"]
    handles, labels = ax.get_legend_handles_labels()
    names = [i18n.t("training.live.class_count", lang, cls=i18n.value_label("abc_class", cls, lang), n=int(n))
             for cls, n in counts.items() if n]
    ax.legend(handles, names if len(names) == len(labels) else labels, loc="lower right")
    return ax


def figure_png(figure: Figure, *, dpi: int = 100) -> bytes:
    """*figure* as PNG bytes at *dpi* (for an image widget that redraws in place; its layout is kept as drawn).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure_png(Figure(figsize=(1, 1)))[:4]
    b'\\x89PNG'
    """
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches=None)
    return buffer.getvalue()


def plot_share_right(questions: pd.DataFrame, *, lang: str = "en", question: str = "question",
                     share: str = "share_correct", title: str | None = None, ax: Axes | None = None) -> Axes:
    """The trainer's chart to discuss: the share of the class right on each question, one bar each.

    Bars are red below half the class, amber below four in five, green above; each bar
    is labelled with its share, a question nobody answered yet (share missing) with "—". *questions* holds one row per question (the dashboard's
    table of :func:`kamlib.training.classroom.class_tables`); *question* and *share*
    name its columns.

    Examples
    --------
    >>> table = pd.DataFrame({"question": ["Q1", "Q2", "Q3"], "share_correct": [0.25, 0.9, None]})
    >>> ax = plot_share_right(table)
    >>> [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.texts]
    (['Q1', 'Q2', 'Q3'], ['25%', '90%', '—'])
    """
    from kamlib.plots import get_axes, percent_axis, set_title

    check_columns("plot_share_right", questions, y=question, x=share)
    ax = get_axes(ax, lang, rows=max(len(questions), 1))
    values = questions[share].astype(float).fillna(0.0).tolist()
    answered = questions[share].notna().tolist()
    colours = ["#c0392b" if v < 0.5 else "#e6a100" if v < 0.8 else "#2e8b57" for v in values]
    positions = list(range(len(values)))[::-1]  # the first question on top
    ax.barh(positions, values, color=colours)
    ax.set_yticks(positions, [str(label) for label in questions[question]])
    for y, v, seen in zip(positions, values, answered):
        ax.annotate(i18n.format_percent(v, lang) if seen else "—", (v, y), xytext=(3, 0), textcoords="offset points",
                    va="center")
    ax.set_xlim(0, 1.1)
    percent_axis(ax, "x")
    set_title(ax, "training.dashboard.chart" if title is None else title, lang)
    return ax


__all__ += ["plot_share_right"]
