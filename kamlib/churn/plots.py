"""Charts of the churn analysis, same conventions as :mod:`kamlib.plots`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.plots import PALETTE, column_label, get_axes, percent_axis, set_title

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_p_alive"]


def plot_p_alive(alive: pd.Series, *, below: float = 0.5, lang: str = "en", title: str | None = None,
                 ax: Axes | None = None) -> Axes:
    """Histogram of BG/NBD ``p_alive`` with the at-risk threshold.

    Examples
    --------
    >>> ax = plot_p_alive(pd.Series([0.1, 0.6, 0.9, 1.0]), lang="en")
    >>> ax.get_xlabel()
    'Probability of being active'
    """
    i18n.check_lang(lang)
    ax = get_axes(ax, lang)
    values = pd.Series(alive, dtype=float).dropna()
    ax.hist(values, bins=np.linspace(0, 1, 21), color=PALETTE[0], edgecolor="white")
    ax.axvline(below, color=PALETTE[3], linestyle="--", linewidth=1.5)
    ax.set_xlim(0, 1)
    percent_axis(ax, "x")
    ax.set_xlabel(column_label("p_alive", lang))
    ax.set_ylabel(column_label("accounts", lang))
    set_title(ax, title, lang)
    return ax
