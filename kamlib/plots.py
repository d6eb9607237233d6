"""Charts for the workbook, labelled in English or Simplified Chinese.

Every plotting function follows one shape::

    plot_x(data, *, x, y, hue=None, lang="en", title=None, ax=None, **kwargs) -> Axes

It draws the rows it is given (one bar or point per row — aggregating is the job of
the analysis modules), only on *ax* (a new figure is made only when *ax* is None),
labels axes, ticks and legend through :mod:`kamlib.i18n` (column names are label
keys, category values go through :func:`~kamlib.i18n.value_label`) and returns the
Axes. No function here calls ``plt.show()`` or changes ``rcParams``; importing this
module changes nothing. :func:`theme` is the one explicit call that sets the look
and the Chinese font for the session.

Shared parameters
-----------------
data : DataFrame
    Tidy table, one row per bar / point, English snake_case column names.
x, y : str
    Column names; they are also the label keys for the axis labels.
hue : str, optional
    Column that splits the data into coloured groups (and is the legend title).
lang : {"en", "zh"}
    Language of every label.
title : str, optional
    Title: a label key (``"title.revenue_by_month"``) or literal text.
ax : matplotlib Axes, optional
    Axes to draw on; a new figure is created only when None.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.errors import ConfigError, DataError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "PALETTE", "check_columns", "column_label", "figure_alt", "figure_size", "get_axes", "heat_cells", "inline_figures",
    "money_axis",
    "percent_axis", "plot_bar", "plot_line", "set_title", "theme",
]

#: Default colours: a muted blue first, then well-separated, colour-blind-safe hues.
PALETTE: tuple[str, ...] = (
    "#3366A8",
    "#E08A3C",
    "#4A9E73",
    "#C4504F",
    "#8169B0",
    "#8E6F5A",
    "#D07AB2",
    "#7F7F7F",
    "#B5A642",
    "#4FA9C2",
)

_FIGSIZE = (8.0, 4.5)
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# (threshold, suffix) from largest to smallest.
_UNITS = {
    "en": ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")),
    "zh": ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")),
}


# --------------------------------------------------------------------------- theme


def theme(lang: str = "en") -> None:
    """Set the workbook look and the Chinese-capable font for this session.

    Applies the seaborn ``whitegrid`` theme with :data:`PALETTE` and sizes readable
    on a projector, registers the CJK font (see :func:`kamlib.fonts.register_cjk_font`)
    and puts it first in ``font.sans-serif``. The CJK font also has Latin glyphs, so
    the same theme serves both languages. ``axes.unicode_minus`` is switched off
    because not every font has U+2212.

    This is the only kamlib function that changes matplotlib's global ``rcParams``.

    Parameters
    ----------
    lang : {"en", "zh"}
        Language of the notebook; checked here so a typo fails early.

    Raises
    ------
    ConfigError
        When *lang* is not supported, or when no Chinese font can be found.

    Examples
    --------
    >>> theme("zh")
    >>> import matplotlib as mpl
    >>> mpl.rcParams["font.sans-serif"][0]
    'Noto Sans CJK SC'
    """
    import matplotlib as mpl
    import seaborn as sns

    from kamlib.fonts import register_cjk_font

    i18n.check_lang(lang)
    family = register_cjk_font()
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=list(PALETTE),
        font_scale=1.15,
        rc={
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#B0B0B0",
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.titlepad": 12,
            "axes.labelcolor": "#333333",
            "grid.color": "#E6E6E6",
            "xtick.color": "#444444",
            "ytick.color": "#444444",
            "legend.frameon": False,
            "figure.figsize": _FIGSIZE,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
        },
    )
    fonts = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.family"] = ["sans-serif"]
    mpl.rcParams["font.sans-serif"] = [family, *fonts]
    mpl.rcParams["axes.unicode_minus"] = False


def inline_figures(*, lang: str = "en", retina: bool = True, tight: bool = False, compress_level: int = 1) -> None:
    """Show a notebook's figures as sharp PNGs that are quick to make.

    Sets IPython's inline backend to retina PNGs (twice the pixels, shown at the
    figure's size) compressed at zlib level 1 (a tenth less figure time than the
    default level 6, files about 10 % larger), and not cropped: kamlib's figures use
    constrained layout, which already keeps titles, labels and legends inside the
    figure, so cropping to the content (``bbox_inches="tight"``, IPython's default)
    would measure every text once more for the same picture. Pass ``tight=True``
    for figures drawn without a layout engine.

    Each figure is also drawn once instead of twice: pyplot draws every new figure
    after each cell (its hook for interactive windows), and the inline backend then
    draws it again, at twice the pixels, to show it; the first drawing was thrown
    away. Every figure's PNG carries a text alternative in *lang* (:func:`figure_alt`)
    in its ``alt`` metadata, which the HTML reports write into the image tag. Does
    nothing outside IPython or with another backend.

    Examples
    --------
    Outside a notebook nothing happens: the backend stays as it was.

    >>> import matplotlib as mpl
    >>> before = mpl.get_backend()
    >>> inline_figures()
    >>> mpl.get_backend() == before
    True
    """
    import matplotlib as mpl
    from IPython import get_ipython

    i18n.check_lang(lang)
    shell = get_ipython()
    if shell is None or "inline" not in mpl.get_backend():
        return
    options = {"bbox_inches": "tight" if tight else False, "pil_kwargs": {"compress_level": compress_level}}
    shell.run_line_magic("config", f"InlineBackend.print_figure_kwargs = {options!r}")
    shell.run_line_magic("config", f"InlineBackend.figure_formats = {['retina' if retina else 'png']!r}")
    _draw_once()
    _describe_figures(shell, lang)


def _draw_once() -> None:
    """Remove pyplot's draw-after-every-cell hook (see :func:`inline_figures`)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    if not plt.get_fignums():  # pyplot picks its backend at the first figure, and that would add the hook again
        plt.switch_backend(mpl.get_backend())
    plt.uninstall_repl_displayhook()


def _describe_figures(shell: Any, lang: str) -> None:
    """Add :func:`figure_alt` to the metadata of every figure's PNG (see :func:`inline_figures`)."""
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    render = formatter.lookup_by_type(Figure)
    render = getattr(render, "__wrapped__", render)  # called again: replace, do not wrap twice

    def png(figure: Figure) -> Any:
        shown = render(figure)
        if shown is None:  # an empty figure shows nothing
            return None
        data, metadata = shown if isinstance(shown, tuple) else (shown, {})
        return data, {**metadata, "alt": figure_alt(figure, lang)}

    png.__wrapped__ = render  # type: ignore[attr-defined]
    formatter.for_type(Figure, png)


def figure_alt(figure: Any, lang: str = "en") -> str:
    """A figure's text alternative: its title, else its axes' titles, else "<y label> by <x label>".

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.set(xlabel="月份", ylabel="销售额")
    >>> figure_alt(fig, "zh")
    '销售额（按月份）'
    >>> _ = fig.suptitle("Revenue by region"); figure_alt(fig)
    'Revenue by region'
    """
    texts = [figure.get_suptitle()] if figure.get_suptitle() else []
    texts = texts or [t for ax in figure.axes for t in (ax.get_title("left"), ax.get_title()) if t]
    if not texts:
        texts = [_by(ax.get_ylabel(), ax.get_xlabel(), lang) for ax in figure.axes]
    return "; ".join(dict.fromkeys(t.replace("\n", " ") for t in texts if t))


def _by(y: str, x: str, lang: str) -> str:
    return i18n.t("figure.alt_by", lang, y=y, x=x) if x and y else x or y


# ------------------------------------------------------------------------- helpers


def figure_size(*, rows: int | None = None, bars: int | None = None) -> tuple[float, float]:
    """Size in inches of a new figure that follows its content.

    *rows*: a chart with one row (a horizontal bar, a point with its interval, a line
    of a heat map) per item, 0.3 in each plus 1.3 in for the axis and title, at least
    2.2 in and at most 16 in high. *bars*: a chart of vertical bars, narrower and lower
    for a few bars (two bars: 4.6 × 3.4 in) up to the default 8 × 4.5 in. Neither:
    the default size.

    Examples
    --------
    >>> figure_size(rows=2), figure_size(rows=30), figure_size(bars=2), figure_size()
    ((8.0, 2.2), (8.0, 10.3), (4.6, 3.4), (8.0, 4.5))
    """
    if rows is not None:
        return (_FIGSIZE[0], round(min(max(1.3 + 0.3 * rows, 2.2), 16.0), 2))
    if bars is not None:
        return (round(min(3.0 + 0.8 * bars, _FIGSIZE[0]), 2), round(min(2.8 + 0.3 * bars, _FIGSIZE[1]), 2))
    return _FIGSIZE


def get_axes(ax: Axes | None, lang: str, *, rows: int | None = None, bars: int | None = None) -> Axes:
    """Return *ax*, or the Axes of a new figure when it is None: where a plot function draws.

    A new figure is sized by :func:`figure_size` for *rows* rows or *bars* vertical bars.
    Warns (once per call site) when Chinese labels are about to be drawn before
    :func:`theme` put the CJK font in place, since they would come out as boxes.

    Examples
    --------
    >>> ax = get_axes(None, "en")
    >>> get_axes(ax, "en") is ax
    True
    >>> get_axes(None, "en", rows=3).figure.get_size_inches().tolist()
    [8.0, 2.2]
    """
    if lang == "zh":
        import matplotlib as mpl

        from kamlib.fonts import register_cjk_font

        registered = register_cjk_font.cache_info().currsize > 0
        if not registered or register_cjk_font() not in mpl.rcParams["font.sans-serif"]:
            warnings.warn(
                "kamlib.plots: Chinese labels need the CJK font; call kamlib.plots.theme('zh') "
                "once before plotting, or the text shows as empty boxes.",
                UserWarning,
                stacklevel=3,
            )
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=figure_size(rows=rows, bars=bars), layout="constrained")
    return new_ax


def check_columns(func: str, data: pd.DataFrame, **columns: str | None) -> None:
    """Raise :class:`DataError` naming the parameter when a column is missing.

    Examples
    --------
    >>> check_columns("plot_bar", pd.DataFrame({"a": [1]}), x="a", y="b")
    Traceback (most recent call last):
    ...
    kamlib.errors.DataError: plot_bar: y='b' is not a column of data (columns: a). Pass one of those.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{func}: data must be a pandas DataFrame, but {type(data).__name__} was passed.")
    for param, column in columns.items():
        if column is not None and column not in data.columns:
            raise DataError(
                f"{func}: {param}={column!r} is not a column of data "
                f"(columns: {', '.join(map(str, data.columns))}). Pass one of those.",
                column=column,
            )


def _check_one_row_each(func: str, data: pd.DataFrame, keys: list[str]) -> None:
    """Plots draw rows as given: refuse several rows for one bar / point."""
    repeated = data[data.duplicated(keys, keep=False)]
    if not repeated.empty:
        first = repeated[keys].drop_duplicates().head(5).to_dict("records")
        raise DataError(
            f"{func}: data must have one row per {' and '.join(keys)}, but these repeat: "
            f"{first}. Aggregate first (e.g. data.groupby({keys}).sum()).",
            column=keys[0],
        )


def column_label(column: str, lang: str) -> str:
    """Axis / legend label for a column (the column name when it has no label).

    Examples
    --------
    >>> column_label("revenue", "zh"), column_label("my_column", "en")
    ('销售额', 'my_column')
    """
    return i18n.header([column], lang)[0]


def set_title(ax: Axes, title: str | None, lang: str) -> None:
    """Title *ax* with the label *title* (or *title* as written when it is no label key; None = none).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plt.subplots()[1]
    >>> set_title(ax, "title.revenue_by_month", "en")
    >>> [text for text in (ax.get_title("left"), ax.get_title()) if text]  # where depends on the theme
    ['Revenue by month']
    """
    if title is not None:
        ax.set_title(i18n.t(title, lang) if i18n.has(title) else title)


def _categories(values: pd.Series, group: str, lang: str) -> tuple[list[str], list[str]]:
    """Translated values and their display order (category order, else first seen)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        order = [c for c in values.cat.categories if c in set(values)]
    else:
        order = list(dict.fromkeys(values))
    return (
        [i18n.value_label(group, v, lang) for v in values],
        [i18n.value_label(group, v, lang) for v in order],
    )


def _as_dates(values: pd.Series, column: str) -> pd.Series:
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.to_timestamp()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
            return pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"plot_line: x={column!r} must hold dates or months (e.g. 2024-01), "
            f"but found {values.head(5).tolist()}. Convert it with pd.to_datetime first.",
            column=column,
        ) from exc


# ---------------------------------------------------------------------- formatters


def _unit(largest: float, lang: str) -> tuple[float, str]:
    """(scale, suffix) for the largest absolute tick value."""
    for scale, suffix in _UNITS[lang]:
        if largest >= scale:
            return scale, suffix
    return 1.0, ""


def _money_formatter(lang: str) -> Any:
    """Tick formatter: 1.2M / 120万, one unit and one precision per axis."""
    from matplotlib.ticker import Formatter

    class MoneyFormatter(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return self.format_ticks([x])[0]

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            scale, suffix = _unit(max((abs(v) for v in values if math.isfinite(v)), default=0.0), lang)
            scaled = [v / scale for v in values if math.isfinite(v)]
            # The fewest decimals (up to 2) that show every tick exactly, trailing zeros cut.
            decimals = next((d for d in (0, 1) if all(abs(v - round(v, d)) < 1e-9 for v in scaled)), 2)
            labels = []
            for value in values:
                text = f"{value / scale:,.{decimals}f}"
                if decimals:
                    text = text.rstrip("0").rstrip(".")
                labels.append("0" if text in {"0", "-0"} else text + suffix)
            return labels

    return MoneyFormatter()


def _month_formatter(lang: str) -> Any:
    """Tick formatter for monthly dates: the year goes under the first visible tick and each January."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import Formatter

    class MonthFormatter(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return self._label(mdates.num2date(x), with_year=True)

        @staticmethod
        def _label(day: Any, *, with_year: bool) -> str:
            month = f"{day.month}月" if lang == "zh" else _MONTHS_EN[day.month - 1]
            year = f"{day.year}年" if lang == "zh" else str(day.year)
            return f"{month}\n{year}" if with_year else month

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            low, high = self.axis.get_view_interval() if self.axis is not None else (-math.inf, math.inf)
            low, high = min(low, high), max(low, high)
            labels, year_shown = [], False
            for value in values:
                day = mdates.num2date(value)
                visible = low <= value <= high
                first = visible and not year_shown
                labels.append(self._label(day, with_year=first or day.month == 1))
                year_shown = year_shown or visible
            return labels

    return MonthFormatter()


def _month_locator(first: pd.Timestamp, last: pd.Timestamp) -> Any:
    """Ticks on month starts, every 1, 2, 3, 6 or 12 months: at most about eight."""
    import matplotlib.dates as mdates

    months = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((n for n in (1, 2, 3, 6, 12) if months / n <= 8), None)
    if step is None:
        return mdates.YearLocator(base=math.ceil(months / 12 / 8))
    return mdates.MonthLocator(bymonth=range(1, 13, step), bymonthday=1)


def money_axis(ax: Axes, axis: Literal["x", "y"] = "y", *, lang: str = "en") -> Axes:
    """Show large amounts on one axis compactly: ``1.2M`` in English, ``120万`` in Chinese.

    English uses K / M / B / T (thousands to trillions); Chinese uses 万 (10⁴),
    亿 (10⁸) and 万亿 (10¹²). All ticks of the axis share one unit and the fewest
    decimals that keep them distinct.

    Parameters
    ----------
    ax : matplotlib Axes
        Axes whose tick labels to format (nothing else changes).
    axis : {"x", "y"}
        Which axis holds the amounts (``"x"`` for horizontal bars).
    lang : {"en", "zh"}
        Language of the units.

    Returns
    -------
    Axes
        *ax*, for chaining.

    Raises
    ------
    ConfigError
        When *axis* or *lang* is not supported.

    Examples
    --------
    >>> import pandas as pd
    >>> theme("zh")
    >>> frame = pd.DataFrame({"region": ["north", "south"], "revenue": [1.2e6, 3.4e6]})
    >>> ax = money_axis(plot_bar(frame, x="region", y="revenue", lang="zh"), lang="zh")
    >>> ax.figure.canvas.draw()
    >>> [label.get_text() for label in ax.get_yticklabels()][:3]
    ['0', '100万', '200万']
    """
    i18n.check_lang(lang)
    if axis not in ("x", "y"):
        raise ConfigError(f"money_axis: axis must be one of 'x', 'y', but {axis!r} was passed.")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(_money_formatter(lang))
    return ax


# ------------------------------------------------------------------------- plots


def plot_bar(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str | None = None,
    lang: str = "en",
    title: str | None = None,
    ax: Axes | None = None,
    horizontal: bool = False,
    **kwargs: Any,
) -> Axes:
    """Bar chart with one bar per row of *data*.

    Categories along *x* (and *hue* groups) are translated with
    :func:`~kamlib.i18n.value_label` and keep their order: category order for an
    ordered categorical, else the order of first appearance — sort *data* to sort
    the bars.

    Parameters
    ----------
    data, x, y, hue, lang, title, ax
        See the module docstring. *x* is the category column, *y* the bar length.
    horizontal : bool
        Draw horizontal bars (categories on the vertical axis) — better for long
        names or many categories.
    **kwargs
        Passed on to :func:`seaborn.barplot` (e.g. ``color``, ``width``).

    Returns
    -------
    Axes

    Raises
    ------
    DataError
        When a column is missing or a category (x, hue) has more than one row.
    ConfigError
        When *lang* is not supported.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"table": ["accounts", "orders"], "rows": [120, 5400]})
    >>> ax = plot_bar(counts, x="table", y="rows", lang="zh", title="title.rows_per_table")
    >>> [label.get_text() for label in ax.get_xticklabels()], ax.get_ylabel()
    (['客户', '订单'], '行数')
    """
    import seaborn as sns

    i18n.check_lang(lang)
    check_columns("plot_bar", data, x=x, y=y, hue=hue)
    _check_one_row_each("plot_bar", data, [x] if hue is None else [x, hue])

    frame = pd.DataFrame({"_y": data[y].to_numpy()}, index=data.index)
    frame["_x"], order = _categories(data[x], x, lang)
    hue_order = None
    if hue is not None:
        frame["_hue"], hue_order = _categories(data[hue], hue, lang)
    bars = len(order) * len(hue_order or [None])
    ax = get_axes(ax, lang, rows=bars if horizontal else None, bars=None if horizontal else bars)
    options: dict[str, Any] = {"errorbar": None, "saturation": 1.0}
    if hue is None:
        options["color"] = PALETTE[0]
    options.update(kwargs)
    sns.barplot(
        frame,
        x="_y" if horizontal else "_x",
        y="_x" if horizontal else "_y",
        hue="_hue" if hue is not None else None,
        order=order,
        hue_order=hue_order,
        orient="h" if horizontal else "v",
        ax=ax,
        **options,
    )
    category_axis, value_axis = (ax.yaxis, ax.xaxis) if horizontal else (ax.xaxis, ax.yaxis)
    category_axis.set_label_text(column_label(x, lang))
    value_axis.set_label_text(column_label(y, lang))
    category_axis.grid(False)
    if pd.api.types.is_integer_dtype(data[y]):
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        value_axis.set_major_locator(MaxNLocator(nbins="auto", integer=True))
        value_axis.set_major_formatter(FuncFormatter(lambda v, _: i18n.format_count(v, lang)))  # counts: 17,500
    if not horizontal and (len(order) > 6 or max(map(len, order), default=0) > 10):
        for label in ax.get_xticklabels():  # steeper when crowded, each label ending at its bar
            label.set(rotation=45 if len(order) > 10 else 30, horizontalalignment="right", rotation_mode="anchor")
    if hue is not None:
        ax.legend(title=column_label(hue, lang))
    set_title(ax, title, lang)
    return ax


def plot_line(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    hue: str | None = None,
    lang: str = "en",
    title: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Line chart of a monthly (or other dated) series, one point per row.

    The *x* column may hold dates, ``pd.Period`` months or strings such as
    ``"2024-01"``. Ticks fall on month starts (every 1, 2, 3, 6 or 12 months, so
    there are at most about eight) and read ``Jan, Feb, …`` or ``1月, 2月, …``
    with the year underneath the first tick and each January. When every value is non-negative the value axis starts
    at zero, so changes are not exaggerated.

    Parameters
    ----------
    data, x, y, hue, lang, title, ax
        See the module docstring. *x* is the date column, *y* the value.
    **kwargs
        Passed on to :func:`seaborn.lineplot` (e.g. ``marker``, ``linewidth``).

    Returns
    -------
    Axes

    Raises
    ------
    DataError
        When a column is missing, *x* does not hold dates, or a date (per *hue*
        group) has more than one row.
    ConfigError
        When *lang* is not supported.

    Examples
    --------
    >>> import pandas as pd
    >>> monthly = pd.DataFrame({"month": pd.period_range("2024-01", periods=6, freq="M"),
    ...                         "revenue": [1.1e6, 1.3e6, 0.9e6, 1.6e6, 1.8e6, 1.7e6]})
    >>> ax = plot_line(monthly, x="month", y="revenue", lang="en")
    >>> ax.figure.canvas.draw()
    >>> [label.get_text() for label in ax.get_xticklabels()]
    ['Jan\\n2024', 'Feb', 'Mar', 'Apr', 'May', 'Jun']
    """
    import seaborn as sns

    i18n.check_lang(lang)
    check_columns("plot_line", data, x=x, y=y, hue=hue)
    _check_one_row_each("plot_line", data, [x] if hue is None else [x, hue])
    ax = get_axes(ax, lang)

    frame = pd.DataFrame({"_x": _as_dates(data[x], x), "_y": data[y].to_numpy()}, index=data.index)
    hue_order = None
    if hue is not None:
        frame["_hue"], hue_order = _categories(data[hue], hue, lang)
    points = frame["_x"].nunique()
    options: dict[str, Any] = {"estimator": None, "linewidth": 2.2}
    if points <= 24:
        options.update(marker="o", markersize=6, markeredgewidth=0)
    if hue is None:
        options["color"] = PALETTE[0]
    options.update(kwargs)
    sns.lineplot(
        frame.sort_values("_x"),
        x="_x",
        y="_y",
        hue="_hue" if hue is not None else None,
        hue_order=hue_order,
        ax=ax,
        **options,
    )

    ax.xaxis.set_major_locator(_month_locator(frame["_x"].min(), frame["_x"].max()))
    ax.xaxis.set_major_formatter(_month_formatter(lang))
    ax.xaxis.set_label_text(column_label(x, lang))
    ax.yaxis.set_label_text(column_label(y, lang))
    if frame["_y"].min() >= 0:
        ax.set_ylim(bottom=0)
    if hue is not None:
        ax.legend(title=column_label(hue, lang))
    set_title(ax, title, lang)
    return ax


def percent_axis(ax: Axes, axis: str = "y") -> Axes:
    """Show shares 0–1 on one axis as ``40%`` (:func:`kamlib.i18n.format_percent`, as sentences say them).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = percent_axis(plt.subplots()[1])
    >>> ax.yaxis.get_major_formatter()(0.4, 0), ax.yaxis.get_major_formatter()(-1e-9, 0)
    ('40%', '0%')
    """
    from matplotlib.ticker import FuncFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(lambda v, _: i18n.format_percent(v)))
    return ax


def heat_cells(ax: Axes, values: pd.DataFrame, labels: pd.DataFrame | np.ndarray, *, cmap: str = "Blues",
               fontsize: float = 8) -> Axes:
    """Draw *values* as a heat map on *ax*, each cell with its label written in.

    One row of cells per row of *values* (the first on top), one column per column, ticks
    labelled with the index and the columns. The colour runs from white at 0 to the darkest
    at the largest value (*cmap*); a NaN cell is left empty (the axes' background shows
    through) and gets no label, and an empty label writes nothing. Labels are dark on light
    cells and white on dark ones, and thin white lines separate the cells: the look of
    ``seaborn.heatmap(values, annot=labels, fmt="", cmap=cmap, vmin=0, cbar=False,
    linewidths=0.5, linecolor="white")``, drawn as one mesh and a text per label without
    drawing the figure meanwhile, and with the labels (inside their cells) left out of the
    layout's measuring, so the chart is quick to draw again.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw; axis labels and the title are the caller's.
    values : DataFrame
        The numbers, NaN for a cell left empty.
    labels : DataFrame or array
        The text of each cell, the shape of *values*.
    cmap : str
        Name of a matplotlib colour map.
    fontsize : float
        Size of the labels in points.

    Returns
    -------
    Axes
        *ax*, for chaining.

    Raises
    ------
    DataError
        When *labels* is not the shape of *values*.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> grid = pd.DataFrame([[1.0, np.nan], [0.0, 4.0]], index=["R1", "R2"], columns=[1, 2])
    >>> ax = heat_cells(plt.subplots()[1], grid, [["1", "x"], ["", "4"]])
    >>> [(t.get_text(), t.get_color()) for t in ax.texts]  # none in the NaN cell or for ""
    [('1', '.15'), ('4', 'w')]
    >>> [t.get_text() for t in ax.get_yticklabels()], bool(ax.yaxis_inverted())
    (['R1', 'R2'], True)
    """
    import matplotlib as mpl
    from matplotlib.colors import Normalize

    numbers = np.ma.masked_invalid(values.to_numpy(dtype=float))
    texts = np.asarray(labels, dtype=object)
    if texts.shape != numbers.shape:
        raise DataError(f"heat_cells: labels must have the shape of values {numbers.shape}, but have {texts.shape}. "
                        "Pass one label per cell.")
    norm = Normalize(vmin=0, vmax=numbers.max() if numbers.count() else None)
    colours = mpl.colormaps[cmap]
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.pcolormesh(numbers, cmap=colours, norm=norm, linewidths=0.5, edgecolor="white")
    ax.set(xlim=(0, numbers.shape[1]), ylim=(0, numbers.shape[0]))
    ax.invert_yaxis()
    ax.set_xticks(np.arange(numbers.shape[1]) + 0.5, [str(c) for c in values.columns])
    ax.set_yticks(np.arange(numbers.shape[0]) + 0.5, [str(i) for i in values.index], rotation="horizontal",
                  verticalalignment="center")
    dark = _luminance(colours(norm(numbers))) <= 0.408
    for (row, column), text in np.ndenumerate(texts):
        if text and numbers[row, column] is not np.ma.masked:
            ax.text(column + 0.5, row + 0.5, text, color="w" if dark[row, column] else ".15", ha="center",
                    va="center", fontsize=fontsize, in_layout=False)
    return ax


def _luminance(rgba: np.ndarray) -> np.ndarray:
    """Relative luminance (W3C) of colours in the last axis of *rgba*."""
    rgb = rgba[..., :3]
    rgb = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return rgb @ np.array([0.2126, 0.7152, 0.0722])
