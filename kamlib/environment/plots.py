"""Charts of the environment analysis (``docs/environment.md``): BCG, Ansoff, SWOT, checklist, risk matrices.

Same conventions as :mod:`kamlib.plots`: ``plot_x(data, *, …, lang="en", title=None,
ax=None) -> Axes``; each function draws the table that the matching function of
:mod:`kamlib.environment` returns, only on *ax* (a new figure when None), with every
label through :mod:`kamlib.i18n`, and returns the Axes. Nothing here computes an
analysis, calls ``plt.show()`` or changes ``rcParams``; call
:func:`kamlib.plots.theme` once first.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.errors import ConfigError
from kamlib.i18n import format_money
from kamlib.plots import PALETTE, check_columns, column_label, get_axes, set_title

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_ansoff", "plot_bcg", "plot_coverage", "plot_risk", "plot_swot"]

_QUADRANT_TEXT = {"color": "#9AA5B1", "fontsize": 13, "fontweight": "bold", "alpha": 0.9}
_SPLIT_LINE = {"color": "#7F7F7F", "linewidth": 1.2, "linestyle": "--", "zorder": 1}
_GRID_FIGSIZE = (10.0, 6.0)
#: A risk matrix with its statement legend beside it, and how many columns a legend line holds.
_RISK_FIGSIZE = (10.0, 5.2)
_LEGEND_WRAP = 46


# ------------------------------------------------------------------------- helpers
def _new_axes(ax: Axes | None, lang: str, figsize: tuple[float, float]) -> Axes:
    """Like :func:`kamlib.plots._axes`, with a figure size suited to the chart."""
    new = get_axes(ax, lang)
    if ax is None:
        new.figure.set_size_inches(*figsize)
    return new


def _wrap(text: str, width: int) -> str:
    """Wrap *text* to *width* columns; a Chinese character counts as two."""
    if not any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        return "\n".join(textwrap.wrap(text, width)) or text
    lines, line, used = [], "", 0
    for ch in text:
        size = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + size > width and line and not unicodedata.category(ch).startswith("P"):
            lines.append(line)
            line, used = "", 0
        line, used = line + ch, used + size
    return "\n".join(lines + [line])


#: Where a point's label may go: directions (degrees, 0 = right) tried at each distance from the point.
_LABEL_DIRECTIONS = (45, -45, 135, -135, 0, 180, 90, -90, 20, -20, 160, -160, 70, -70, 110, -110)
#: How many rings of candidate positions, each :data:`_LABEL_STEP` points further out.
_LABEL_RINGS = 8
_LABEL_STEP = 5.0
_Box = tuple[float, float, float, float]


def _overlaps(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Area each of *boxes* (n × 4, rows ``x0, y0, x1, y1``) shares with each of *others* (m × 4): n × m.

    Examples
    --------
    >>> _overlaps(np.array([[0, 0, 2, 2], [5, 5, 6, 6]]), np.array([[1, 1, 3, 3]])).tolist()
    [[1.0], [0.0]]
    """
    a, b = boxes[:, None, :], others[None, :, :]
    width = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    height = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    return np.maximum(0.0, width) * np.maximum(0.0, height)


def _total(areas: np.ndarray) -> np.ndarray:
    """The sum of each row of *areas*, added up left to right as ``sum()`` does (so equal costs stay equal)."""
    return np.cumsum(areas, axis=1)[:, -1] if areas.shape[1] else np.zeros(len(areas))


def _outside_all(boxes: np.ndarray, frame: _Box) -> np.ndarray:
    """Area of each of *boxes* (n × 4) outside *frame*."""
    inside = _overlaps(boxes, np.array([frame]))[:, 0]
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) - inside


def _candidates(px: float, py: float, radius: float, width: float, height: float, step: float) -> list[tuple[float, _Box]]:
    """Boxes of a *width* × *height* label around the point (*px*, *py*), nearest first: ``(distance, box)``.

    In each direction the box's nearest edge is *distance* pixels from the point, so the
    label starts just outside a marker of *radius* pixels and moves out ring by ring.
    """
    import math

    out = []
    for ring in range(_LABEL_RINGS):
        distance = radius + ring * step
        for angle in _LABEL_DIRECTIONS:
            cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            x = px + distance * cos - (0 if cos > 0.3 else width if cos < -0.3 else width / 2)
            y = py + distance * sin - (0 if sin > 0.3 else height if sin < -0.3 else height / 2)
            out.append((distance - radius, (x, y, x + width, y + height)))
    return out


def _label_points(ax: Axes, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *,
                  gap: Sequence[float], fontsize: float, keep_layout: bool = False) -> list:
    """Label points beside them, each label where it overlaps least (a simple repel); returns the labels.

    *gap* is each point's radius in points (a label starts just outside the marker). The
    figure is laid out first, then each label is measured and tried at positions around
    its point, ring by ring further out; the chosen one overlaps no label placed before
    it, no text already on the axes (the quadrant names) and stays inside the axes when
    any candidate does, and covers as little of the other markers as it can. A label
    that ends up away from its point gets a thin line to it. Call it after the title and
    axis labels are set, so the layout no longer moves the axes.

    With *keep_layout* (for a figure the chart made itself) and every label inside the
    axes, the layout just computed is kept (the figure's layout engine is set to "none"):
    laying the figure out again when it is drawn would move nothing by as much as a pixel,
    and it is the dearest part of drawing it. A label outside the axes leaves the engine on
    to make room for it.
    """
    figure = ax.figure
    if figure.get_layout_engine() is not None:
        figure.get_layout_engine().execute(figure)  # where the axes end up; nothing drawn yet
    renderer = figure.canvas.get_renderer()
    frame = tuple(ax.get_window_extent(renderer).extents)
    fixed = [tuple(t.get_window_extent(renderer).extents) for t in ax.texts if t.get_visible() and t.get_text()]
    scale = figure.dpi / 72
    centres = [tuple(ax.transData.transform((x, y))) for x, y in zip(xs, ys)]
    radii = [(radius + 2) * scale for radius in gap]
    markers = np.array([(cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, radii)]).reshape(-1, 4)
    placed: list[_Box] = []
    labels = []
    for (px, py), radius, x, y, text in zip(centres, radii, xs, ys, texts):
        probe = ax.text(0, 0, text, fontsize=fontsize)
        size = probe.get_window_extent(renderer)
        probe.remove()
        candidates = _candidates(px, py, radius, size.width, size.height, _LABEL_STEP * scale)
        boxes = np.array([box for _, box in candidates])
        others = np.array(placed + fixed).reshape(-1, 4)
        clash = _total(_overlaps(boxes, others)) + _outside_all(boxes, frame)
        cost = 1e4 * clash + _total(_overlaps(boxes, markers)) + 20 * np.array([away for away, _ in candidates])
        away, box = candidates[int(np.argmin(cost))]
        leader = {"arrowprops": {"arrowstyle": "-", "color": "#9AA5B1", "linewidth": 0.6, "shrinkA": 0,
                                 "shrinkB": radius / scale}} if away > 0 else {}
        labels.append(ax.annotate(text, (x, y), xytext=((box[0] - px) / scale, (box[1] - py) / scale),
                                  textcoords="offset points", fontsize=fontsize, ha="left", va="bottom",
                                  color="#333333", zorder=4, **leader))
        placed.append(box)
    if keep_layout and all(frame[0] <= b[0] and frame[1] <= b[1] and b[2] <= frame[2] and b[3] <= frame[3]
                           for b in placed):
        figure.set_layout_engine("none")
    return labels


def _corner_labels(ax: Axes, names: dict[tuple[bool, bool], str], group: str, lang: str) -> None:
    """Quadrant names in the corners; keys are (right half, top half)."""
    for (right, top), code in names.items():
        ax.text(0.98 if right else 0.02, 0.97 if top else 0.03, i18n.value_label(group, code, lang),
                transform=ax.transAxes, ha="right" if right else "left", va="top" if top else "bottom",
                **_QUADRANT_TEXT)


def _grid(ax: Axes, cells: Sequence[tuple[int, int, str, str, str]], columns: Sequence[str],
          rows: Sequence[str]) -> None:
    """Draw a 2×2 table of text boxes: ``(column, row, heading, body, colour)``, row 0 on top."""
    from matplotlib.patches import FancyBboxPatch

    for column, row, heading, body, colour in cells:
        x, y = column, 1 - row
        ax.add_patch(FancyBboxPatch((x + 0.02, y + 0.02), 0.96, 0.96, boxstyle="round,pad=0,rounding_size=0.03",
                                    facecolor=colour, edgecolor="#FFFFFF", linewidth=2))
        ax.text(x + 0.06, y + 0.92, heading, fontsize=13, fontweight="bold", va="top", color="#1F2933")
        ax.text(x + 0.06, y + 0.80, body, fontsize=10.5, va="top", color="#1F2933", linespacing=1.45)
    for i, text in enumerate(columns):
        ax.text(i + 0.5, 2.02, text, ha="center", va="baseline", fontsize=12, color="#444444")
    for i, text in enumerate(rows):
        ax.text(-0.02, 1.5 - i, text, ha="right", va="center", rotation=90, fontsize=12, color="#444444")
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2.12)
    ax.set_axis_off()


# --------------------------------------------------------------------------- BCG
def plot_bcg(
    data: pd.DataFrame,
    *,
    by: str = "region",
    share_split: float = 1.0,
    growth_split: float = 0.10,
    lang: str = "en",
    title: str | None = "title.env_bcg",
    ax: Axes | None = None,
) -> Axes:
    """BCG bubble chart: relative share (log, 0.1–10) × market growth, bubble = our sales.

    The bubbles' labels are placed once the figure is laid out; a figure the chart makes
    itself keeps that layout (its layout engine set to "none") when they all fit inside
    the axes, so draw it at the size it has.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`kamlib.environment.bcg_matrix` (``<by>, relative_share,
        market_growth, our_sales``).
    by : str
        The group column (bubble labels).
    share_split, growth_split : float
        Where the quadrant lines go (the values given to ``bcg_matrix``).
    lang, title, ax
        See :mod:`kamlib.plots`.

    Returns
    -------
    Axes

    Examples
    --------
    >>> frame = pd.DataFrame({"region": ["east", "west"], "relative_share": [2.0, 0.5],
    ...                       "market_growth": [0.15, 0.02], "our_sales": [10.0, 5.0]})
    >>> ax = plot_bcg(frame, lang="en")
    >>> ax.get_xscale(), [float(v) for v in ax.get_xlim()]
    ('log', [0.1, 10.0])
    """
    from matplotlib.ticker import (
        FixedLocator,
        NullFormatter,
        NullLocator,
        PercentFormatter,
    )

    i18n.check_lang(lang)
    check_columns("plot_bcg", data, by=by, x="relative_share", y="market_growth", size="our_sales")
    made = ax is None
    ax = get_axes(ax, lang)
    share, growth = data["relative_share"].astype(float), data["market_growth"].astype(float)
    largest = float(data["our_sales"].max()) or 1.0
    sizes = 150 + 2200 * data["our_sales"].astype(float) / largest
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(data))]
    ax.scatter(share, growth, s=sizes, c=colours, alpha=0.6, edgecolors="white", linewidths=1.5, zorder=3)
    ax.set_xscale("log")
    ax.set_xlim(min(0.1, share.min() / 1.5), max(10.0, share.max() * 1.5))
    ax.set_ylim(min(0.0, growth.min() - 0.03), max(0.20, growth.max() + 0.03))
    ticks = [t for t in (0.1, 0.2, 0.5, 1, 2, 5, 10) if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.axvline(share_split, **_SPLIT_LINE)
    ax.axhline(growth_split, **_SPLIT_LINE)
    _corner_labels(ax, {(True, True): "star", (False, True): "question_mark", (True, False): "cash_cow",
                        (False, False): "dog"}, "bcg", lang)
    ax.set_xlabel(column_label("relative_share", lang))
    ax.set_ylabel(column_label("market_growth", lang))
    set_title(ax, title, lang)
    _label_points(ax, share, growth, [i18n.value_label(by, v, lang) for v in data[by]],
                  gap=[0.5 * v**0.5 for v in sizes], fontsize=10, keep_layout=made)
    return ax


# -------------------------------------------------------------------------- Ansoff
def plot_ansoff(
    data: pd.DataFrame, *, lang: str = "en", title: str | None = "title.env_ansoff", ax: Axes | None = None
) -> Axes:
    """The Ansoff 2×2: products (existing | new) across, markets (existing | new) down.

    Each cell shows its quadrant, revenue, share of the period's revenue and accounts;
    the deeper the colour, the larger the share.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`kamlib.environment.ansoff`.
    lang, title, ax
        See :mod:`kamlib.plots`.

    Examples
    --------
    >>> frame = pd.DataFrame({"quadrant": ["market_penetration", "product_development",
    ...     "market_development", "diversification"], "product_type": ["existing", "new", "existing", "new"],
    ...     "market_type": ["existing", "existing", "new", "new"], "revenue": [70.0, 20.0, 10.0, 0.0],
    ...     "share": [0.7, 0.2, 0.1, 0.0], "accounts": [5, 2, 1, 0]})
    >>> from kamlib.plots import theme
    >>> theme("zh")
    >>> ax = plot_ansoff(frame, lang="zh")
    >>> [t.get_text() for t in ax.texts][-4:]
    ['产品：现有', '产品：新', '市场：现有', '市场：新']
    """
    import matplotlib as mpl
    from matplotlib.colors import to_hex

    i18n.check_lang(lang)
    check_columns("plot_ansoff", data, q="quadrant", p="product_type", m="market_type", r="revenue", s="share",
                   a="accounts")
    ax = _new_axes(ax, lang, _GRID_FIGSIZE)
    blues = mpl.colormaps["Blues"]
    sep = "：" if lang == "zh" else ": "
    cells = []
    for row in data[data["quadrant"] != "unknown"].itertuples():
        share = float(row.share) if pd.notna(row.share) else 0.0
        body = "\n".join([
            f"{column_label('revenue', lang)}{sep}{format_money(row.revenue, lang)}",
            f"{column_label('share', lang)}{sep}{share:.1%}",
            f"{column_label('accounts', lang)}{sep}{int(row.accounts):,}",
        ])
        cells.append((int(row.product_type == "new"), int(row.market_type == "new"),
                      i18n.value_label("ansoff", row.quadrant, lang), body, to_hex(blues(0.08 + 0.55 * share))))
    columns = [column_label("product_type", lang) + sep + i18n.value_label("novelty", v, lang) for v in ("existing", "new")]
    rows = [column_label("market_type", lang) + sep + i18n.value_label("novelty", v, lang) for v in ("existing", "new")]
    _grid(ax, cells, columns, rows)
    set_title(ax, title, lang)
    return ax


# ---------------------------------------------------------------------------- SWOT
def plot_swot(
    data: pd.DataFrame, *, top: int = 6, lang: str = "en", title: str | None = "title.env_swot",
    ax: Axes | None = None
) -> Axes:
    """The SWOT table as a 2×2: internal (S, W) on top, external (O, T) below.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`kamlib.environment.swot` (``kind, rank, statement``).
    top : int, default 6
        Statements shown per cell (highest impact first); the rest are counted.
    lang, title, ax
        See :mod:`kamlib.plots`.

    Examples
    --------
    >>> frame = pd.DataFrame({"kind": ["S", "T"], "rank": [1, 1], "statement": ["Strong brand", "New rival"]})
    >>> ax = plot_swot(frame, lang="en")
    >>> [t.get_text() for t in ax.texts][-2:]
    ['Internal', 'External']
    """
    i18n.check_lang(lang)
    check_columns("plot_swot", data, kind="kind", rank="rank", statement="statement")
    ax = _new_axes(ax, lang, _GRID_FIGSIZE)
    colours = {"S": "#DCEBDD", "W": "#F6E0D2", "O": "#DCE6F2", "T": "#F3D9D9"}
    cells = []
    headings = {"S": "strengths", "W": "weaknesses", "O": "opportunities", "T": "threats"}
    for kind, (column, row) in {"S": (0, 0), "W": (1, 0), "O": (0, 1), "T": (1, 1)}.items():
        rows = data[data["kind"] == kind].sort_values("rank")
        lines = [_wrap(f"{int(r)}. {s}", 54) for r, s in zip(rows["rank"].head(top), rows["statement"].head(top))]
        if len(rows) > top:
            lines.append(f"(+{len(rows) - top})")
        cells.append((column, row, column_label(headings[kind], lang), "\n".join(lines) or "–", colours[kind]))
    _grid(ax, cells, [], [i18n.value_label("side", s, lang) for s in ("internal", "external")])
    set_title(ax, title, lang)
    return ax


# ----------------------------------------------------------------------- checklist
def plot_coverage(
    data: pd.DataFrame, *, lang: str = "en", title: str | None = "title.env_coverage", ax: Axes | None = None
) -> Axes:
    """Entries per macro / micro category as horizontal bars; empty categories marked.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`kamlib.environment.pest_coverage` (``scope, category,
        entries, coverage``).
    lang, title, ax
        See :mod:`kamlib.plots`.

    Examples
    --------
    >>> frame = pd.DataFrame({"scope": ["macro", "micro"], "category": ["economic", "suppliers"],
    ...                       "entries": [3, 0], "coverage": ["covered", "empty"]})
    >>> from kamlib.plots import theme
    >>> theme("zh")
    >>> ax = plot_coverage(frame, lang="zh")
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['经济', '供应商']
    """
    from matplotlib.patches import Patch

    i18n.check_lang(lang)
    check_columns("plot_coverage", data, scope="scope", category="category", entries="entries",
                   coverage="coverage")
    ax = _new_axes(ax, lang, (8.0, 0.38 * len(data) + 1.5))
    scope_colours = {"macro": PALETTE[0], "micro": PALETTE[1], "other": PALETTE[7]}
    positions = list(range(len(data)))
    ax.barh(positions, data["entries"], color=[scope_colours.get(s, PALETTE[7]) for s in data["scope"]], height=0.7)
    for y, entries in zip(positions, data["entries"]):
        if entries == 0:
            ax.text(0.05, y, i18n.value_label("coverage", "empty", lang), va="center", color=PALETTE[3],
                    fontweight="bold")
    ax.set_yticks(positions, [i18n.value_label("category", c, lang) for c in data["category"]])
    ax.invert_yaxis()
    ax.set_xlabel(column_label("entries", lang))
    ax.set_ylabel("")
    ax.yaxis.grid(False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    present = [s for s in scope_colours if s in set(data["scope"])]
    ax.legend([Patch(color=scope_colours[s]) for s in present], [i18n.value_label("scope", s, lang) for s in present],
              loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(present))
    set_title(ax, title, lang)
    return ax


# -------------------------------------------------------------------- risk matrix
def plot_risk(
    data: pd.DataFrame,
    *,
    matrix: str = "opportunity",
    impact_split: float = 3.0,
    probability_split: float = 0.5,
    lang: str = "en",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Opportunity or threat matrix: probability across, impact up, act-now quadrant shaded.

    Points are numbered in the table's order (the most pressing first) and a legend
    beside the chart lists each number's statement, shortened to two lines, so the
    chart reads without the table. Without a ``statement`` column the points carry
    their ``factor_id`` (or their row number) instead. As in :func:`plot_bcg`, a figure
    the chart makes keeps the layout its point labels were placed in.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`kamlib.environment.risk_matrix`.
    matrix : {"opportunity", "threat"}
        Which matrix to draw.
    impact_split, probability_split : float
        Where the quadrant lines go (the values given to ``risk_matrix``).
    lang, title, ax
        See :mod:`kamlib.plots`; the default title is the matrix's name.

    Examples
    --------
    >>> frame = pd.DataFrame({"matrix": ["threat"] * 2, "factor_id": ["F1", "F2"], "impact": [4.0, 2.0],
    ...                       "probability": [0.8, 0.3], "quadrant": ["act_now", "ignore"],
    ...                       "statement": ["Diesel prices rise.", "A rival opens a dealer nearby."]})
    >>> ax = plot_risk(frame, matrix="threat", lang="en")
    >>> ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.texts if t.get_text().isdigit()]
    ('Probability', 'Impact', ['1', '2'])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['1  Diesel prices rise.', '2  A rival opens a dealer nearby.']
    """
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import PercentFormatter

    i18n.check_lang(lang)
    if matrix not in ("opportunity", "threat"):
        raise ConfigError(f"plot_risk: matrix must be 'opportunity' or 'threat', but {matrix!r} was passed.")
    check_columns("plot_risk", data, matrix="matrix", impact="impact", probability="probability")
    rows = data[(data["matrix"] == matrix) & data["impact"].notna() & data["probability"].notna()]
    listed = "statement" in rows.columns
    made = ax is None
    ax = _new_axes(ax, lang, _RISK_FIGSIZE) if listed else get_axes(ax, lang)
    if listed:
        labels = pd.Series([str(n) for n in range(1, len(rows) + 1)], index=rows.index)
    elif "factor_id" in rows.columns:
        labels = rows["factor_id"].astype(str)
    else:
        labels = pd.Series([str(n) for n in range(1, len(rows) + 1)], index=rows.index)
    top = max(5.0, float(rows["impact"].max()) if len(rows) else 5.0)
    colour = PALETTE[2] if matrix == "opportunity" else PALETTE[3]
    ax.add_patch(Rectangle((probability_split, impact_split), 1.05 - probability_split, top + 0.5 - impact_split,
                           facecolor=colour, alpha=0.10, zorder=0))
    ax.scatter(rows["probability"], rows["impact"], s=70, color=colour, edgecolors="white", zorder=3)
    ax.axvline(probability_split, **_SPLIT_LINE)
    ax.axhline(impact_split, **_SPLIT_LINE)
    ax.set_xlim(-0.02, 1.05)
    ax.set_ylim(0.5, top + 0.5)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    _corner_labels(ax, {(True, True): "act_now", (False, True): "prepare", (True, False): "monitor",
                        (False, False): "ignore"}, "risk", lang)
    ax.set_xlabel(column_label("probability", lang))
    ax.set_ylabel(column_label("impact", lang))
    if listed and len(rows):
        _statement_legend(ax, labels, rows["statement"], lang)
    set_title(ax, f"title.env_{matrix}_matrix" if title is None else title, lang)
    _label_points(ax, rows["probability"], rows["impact"], list(labels), gap=[4] * len(rows), fontsize=8.5,
                  keep_layout=made)
    return ax


#: A last line this many columns wide or less joins the line before it rather than stand alone.
_WIDOW = 4


def _short(text: str, width: int, lines: int) -> str:
    """*text* wrapped to *width* columns (see :func:`_wrap`), cut to *lines* lines ending in "…" when longer.

    A last line of up to :data:`_WIDOW` columns (``求。``) stays on the line before.

    Examples
    --------
    >>> print(_short("基础设施投资加大，路桥工程带动自卸车需求。", 20, 2))
    基础设施投资加大，路
    桥工程带动自卸车需求。
    >>> _short("基础设施投资加大，路桥工程带动自卸车需求。", 38, 2)
    '基础设施投资加大，路桥工程带动自卸车需求。'
    >>> print(_short("one two three four five six", 9, 2))
    one two
    three…
    """
    wrapped = _wrap(" ".join(str(text).split()), width).split("\n")
    if len(wrapped) > 1 and sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in wrapped[-1]) <= _WIDOW:
        wrapped[-2:] = [wrapped[-2] + ("" if unicodedata.east_asian_width(wrapped[-1][0]) in "WF" else " ") + wrapped[-1]]
    if len(wrapped) <= lines:
        return "\n".join(wrapped)
    return "\n".join([*wrapped[: lines - 1], wrapped[lines - 1].rstrip(" ，,。.;；") + "…"])


def _statement_legend(ax: Axes, numbers: pd.Series, statements: pd.Series, lang: str) -> None:
    """A legend right of *ax* listing each point's number and its statement, shortened (:data:`_LEGEND_WRAP`)."""
    from matplotlib.lines import Line2D

    texts = [f"{number}  " + _short(statement, _LEGEND_WRAP, 2).replace("\n", "\n" + " " * (len(number) + 2) * 2)
             for number, statement in zip(numbers, statements.fillna("–"))]
    handles = [Line2D([], [], linestyle="none") for _ in texts]
    ax.legend(handles, texts, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, handlelength=0,
              handletextpad=0, fontsize=9.5, labelspacing=0.5, title=column_label("statement", lang),
              alignment="left", title_fontproperties={"weight": "bold", "size": 10})
