"""Tests for kamlib.fonts and kamlib.plots: Chinese glyphs render, charts draw what they are given."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from kamlib import fonts, i18n, plots
from kamlib.errors import ConfigError, DataError

RARE = "喆堃垚淼"
CHINESE_TITLE = "客户销售额 Revenue 2024 — 张喆、李堃、王垚、陈淼 (−5%)"


@pytest.fixture(autouse=True)
def _restore_rc():
    """theme() changes rcParams by design; keep each test's changes to itself."""
    with matplotlib.rc_context():
        yield
    plt.close("all")


@pytest.fixture
def themed():
    """Plot tests draw like a notebook does: after theme()."""
    plots.theme("zh")


def _missing_glyph_messages(fig: plt.Figure) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
        fig.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def _open(resolved: str) -> FT2Font:
    """Open the face findfont chose (a .ttc collection holds several)."""
    index = getattr(resolved, "face_index", 0)
    return FT2Font(resolved, face_index=index) if index else FT2Font(resolved)


def _title(ax) -> str:
    """The title, wherever theme() placed it."""
    return next((ax.get_title(loc) for loc in ("center", "left", "right") if ax.get_title(loc)), "")


def _chinese_figure() -> plt.Figure:
    fig, ax = plt.subplots()
    frame = pd.DataFrame({"region": ["华东", "华南", RARE, "North 区"], "revenue": [3.2e6, 2.1e6, 1.4e6, 0.6e6]})
    plots.plot_bar(frame, x="region", y="revenue", lang="zh", title=CHINESE_TITLE, ax=ax)
    plots.money_axis(ax, lang="zh")
    ax.set_xlabel(f"区域 Region {RARE}")
    return fig


# --------------------------------------------------------------------------- fonts


def test_cjk_font_is_the_mplfonts_file():
    path = fonts.cjk_font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf"
    assert path.parent.parent.name == "mplfonts"
    assert fonts.register_cjk_font() == "Noto Sans CJK SC"
    assert fonts.register_cjk_font() is fonts.register_cjk_font()  # cached
    assert any(Path(e.fname) == path for e in font_manager.fontManager.ttflist)


def test_register_is_idempotent():
    before = len(font_manager.fontManager.ttflist)
    fonts.register_cjk_font.cache_clear()
    fonts.register_cjk_font()
    assert len(font_manager.fontManager.ttflist) == before


def test_falls_back_to_a_system_font(monkeypatch, tmp_path):
    system = fonts.cjk_font_path()  # any real CJK file stands in for a system font
    monkeypatch.setattr(fonts, "_package_font", lambda: None)
    monkeypatch.setattr(fonts, "_SYSTEM_FONT_PATHS", (str(tmp_path / "absent.ttc"), str(system)))
    assert fonts.cjk_font_path() == system


def test_no_cjk_font_is_a_clear_config_error(monkeypatch):
    monkeypatch.setattr(fonts, "_package_font", lambda: None)
    monkeypatch.setattr(fonts, "_SYSTEM_FONT_PATHS", ())
    monkeypatch.setattr(fonts, "_known_font", lambda: None)
    with pytest.raises(ConfigError, match=r"No font with Chinese glyphs.*pip install mplfonts"):
        fonts.cjk_font_path()


def test_package_font_missing_module(monkeypatch):
    monkeypatch.setattr(fonts, "_PACKAGE_FONT", ("no_such_package_kamlib", "fonts/x.otf"))
    assert fonts._package_font() is None


# ---------------------------------------------------------------- glyphs render


def test_chinese_renders_without_missing_glyphs():
    plots.theme("zh")
    fig = _chinese_figure()
    assert _missing_glyph_messages(fig) == []

    texts = [t for t in fig.findobj(Text) if t.get_text().strip()]  # title, labels, ticks
    shown = "".join(t.get_text() for t in texts)
    assert all(char in shown for char in RARE + "区域销售额万") and "Region" in shown
    family = fonts.register_cjk_font()
    for text in texts:
        resolved = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
        assert _open(resolved).family_name == family, text.get_text()
        charmap = _open(resolved).get_charmap()
        assert all(ord(c) in charmap for c in text.get_text() if not c.isspace()), text.get_text()


def test_zh_plot_before_theme_warns_how_to_fix():
    with (matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"]}),
          pytest.warns(UserWarning, match=r"call kamlib.plots.theme\('zh'\)")):
        plots.plot_bar(COUNTS, x="table", y="rows", lang="zh")


def test_without_theme_the_default_font_would_miss_glyphs():
    """Guards the test above: the warning check does catch tofu."""
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"], "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title(RARE)
        assert _missing_glyph_messages(fig)


_BUILD_STALE_CACHE = """
import json, sys
from pathlib import Path
import matplotlib
from matplotlib import font_manager  # builds fontlist-*.json in MPLCONFIGDIR
cache = next(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
data = json.loads(cache.read_text())
cjk = ("CJK", "Han", "WenQuanYi", "Hei", "PingFang", "YaHei")
data["ttflist"] = [f for f in data["ttflist"] if not any(word in f["name"] for word in cjk)]
cache.write_text(json.dumps(data))
print(cache)
"""

_RENDER_WITH_STALE_CACHE = f"""
import io, json, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
names = {{f.name for f in font_manager.fontManager.ttflist}}
stale = not any("CJK" in name for name in names)
from kamlib import fonts, plots
plots.theme("zh")
fig, ax = plt.subplots()
ax.set_title("客户销售额 Revenue {RARE}")
ax.set_xticks([0, 1], ["华东 East", "{RARE}"])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fig.canvas.draw()
    fig.savefig(io.BytesIO(), format="png")
title = next(t for t in fig.findobj(matplotlib.text.Text) if "Revenue" in t.get_text())
resolved = font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)
print(json.dumps({{
    "stale": stale,
    "messages": [str(w.message) for w in caught],
    "family": FT2Font(resolved, face_index=getattr(resolved, "face_index", 0)).family_name,
    "cachedir": matplotlib.get_cachedir(),
}}))
"""


def test_stale_font_cache_in_fresh_process(tmp_path):
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path), "MPLBACKEND": "Agg"}
    build = subprocess.run(
        [sys.executable, "-c", _BUILD_STALE_CACHE], env=env, capture_output=True, text=True, check=True
    )
    cache = Path(build.stdout.strip())
    assert cache.parent == tmp_path
    built = cache.stat().st_mtime_ns

    run = subprocess.run(
        [sys.executable, "-c", _RENDER_WITH_STALE_CACHE], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["cachedir"] == str(tmp_path)
    assert result["stale"], "the second process should have loaded the cache without any CJK font"
    assert cache.stat().st_mtime_ns == built  # the stale cache was used, not rebuilt
    assert [m for m in result["messages"] if "missing from font" in m] == []
    assert result["family"] == "Noto Sans CJK SC"


# -------------------------------------------------------------------------- theme


def test_theme_sets_font_and_minus():
    plots.theme("en")
    assert matplotlib.rcParams["font.sans-serif"][0] == fonts.register_cjk_font()
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_theme_rejects_unknown_lang():
    with pytest.raises(ConfigError, match=r"lang must be one of 'en', 'zh', but 'fr' was passed"):
        plots.theme("fr")


def test_import_does_not_change_rcparams():
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams); import kamlib.plots, kamlib.fonts; "
        "assert dict(mpl.rcParams) == before; "
        "from matplotlib import font_manager as fm; "
        "assert not any('mplfonts' in e.fname for e in fm.fontManager.ttflist)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -------------------------------------------------------------------------- plot_bar


COUNTS = pd.DataFrame({"table": ["orders", "accounts", "visits"], "rows": [5400, 120, 880]})


@pytest.mark.usefixtures("themed")
@pytest.mark.parametrize(
    ("lang", "ticks", "xlabel", "ylabel"),
    [("zh", ["订单", "客户", "拜访"], "数据表", "行数"), ("en", ["Orders", "Accounts", "Visits"], "Table", "Rows")],
)
def test_plot_bar_draws_given_rows_and_labels(lang, ticks, xlabel, ylabel):
    _fig, ax = plt.subplots()
    figures = plt.get_fignums()
    out = plots.plot_bar(COUNTS, x="table", y="rows", lang=lang, title="title.rows_per_table", ax=ax)
    assert out is ax
    assert plt.get_fignums() == figures  # no new figure
    assert [p.get_height() for p in ax.patches] == [5400, 120, 880]
    assert [t.get_text() for t in ax.get_xticklabels()] == ticks
    assert ax.get_xlabel() == xlabel == i18n.t("table", lang)
    assert ax.get_ylabel() == ylabel == i18n.t("rows", lang)
    assert _title(ax) == i18n.t("title.rows_per_table", lang)


@pytest.mark.usefixtures("themed")
def test_plot_bar_horizontal_with_hue_and_literal_title():
    frame = pd.DataFrame(
        {
            "region": ["华东", "华东", "华南", "华南"],
            "status": ["won", "lost", "won", "lost"],
            "amount": [10.0, 4.0, 7.0, 2.0],
        }
    )
    ax = plots.plot_bar(frame, x="region", y="amount", hue="status", lang="zh", horizontal=True, title="我的标题")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["华东", "华南"]  # user values pass through
    widths = sorted(p.get_width() for p in ax.patches if p.get_width() > 0)
    assert widths == [2.0, 4.0, 7.0, 10.0]
    assert ax.get_xlabel() == "金额" and ax.get_ylabel() == "区域"
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "状态"
    assert [t.get_text() for t in legend.get_texts()] == ["赢单", "战败"]
    assert _title(ax) == "我的标题"


@pytest.mark.usefixtures("themed")
def test_plot_bar_keeps_categorical_order_and_does_not_mutate():
    frame = pd.DataFrame({"status": pd.Categorical(["lost", "won"], categories=["won", "lost"]), "amount": [1, 2]})
    copy = frame.copy()
    ax = plots.plot_bar(frame, x="status", y="amount")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Won", "Lost"]
    assert [p.get_height() for p in ax.patches] == [2, 1]
    pd.testing.assert_frame_equal(frame, copy)


@pytest.mark.usefixtures("themed")
def test_plot_bar_creates_a_figure_when_no_ax():
    before = len(plt.get_fignums())
    ax = plots.plot_bar(COUNTS, x="table", y="rows")
    assert len(plt.get_fignums()) == before + 1
    assert ax.figure.number == plt.get_fignums()[-1]


@pytest.mark.usefixtures("themed")
def test_plot_bar_rejects_missing_column_and_repeated_rows():
    with pytest.raises(DataError, match=r"plot_bar: y='revenu' is not a column of data \(columns: table, rows\)"):
        plots.plot_bar(COUNTS, x="table", y="revenu")
    doubled = pd.concat([COUNTS, COUNTS])
    with pytest.raises(DataError, match=r"one row per table.*Aggregate first"):
        plots.plot_bar(doubled, x="table", y="rows")


# ------------------------------------------------------------------------- plot_line


def _monthly(periods: int = 6) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.period_range("2024-01", periods=periods, freq="M"),
            "revenue": np.linspace(1.0e6, 2.0e6, periods),
        }
    )


@pytest.mark.usefixtures("themed")
@pytest.mark.parametrize(
    ("lang", "ticks"),
    [
        ("en", ["Jan\n2024", "Feb", "Mar", "Apr", "May", "Jun"]),
        ("zh", ["1月\n2024年", "2月", "3月", "4月", "5月", "6月"]),
    ],
)
def test_plot_line_month_ticks_and_labels(lang, ticks):
    fig, ax = plt.subplots()
    out = plots.plot_line(_monthly(), x="month", y="revenue", lang=lang, title="title.revenue_by_month", ax=ax)
    assert out is ax
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ticks
    assert ax.get_xlabel() == i18n.t("month", lang)
    assert ax.get_ylabel() == i18n.t("revenue", lang)
    assert _title(ax) == i18n.t("title.revenue_by_month", lang)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), _monthly()["revenue"])
    assert ax.get_ylim()[0] == 0


@pytest.mark.usefixtures("themed")
def test_plot_line_long_series_has_few_ticks_and_accepts_strings():
    frame = _monthly(36).assign(month=lambda d: d["month"].astype(str))  # "2024-01", …
    ax = plots.plot_line(frame, x="month", y="revenue")
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert 3 <= len(labels) <= 9
    assert labels[0] == "Jan\n2024" and "Jan\n2025" in labels


@pytest.mark.usefixtures("themed")
def test_plot_line_hue_one_line_per_group():
    frame = pd.concat([_monthly().assign(status="won"), _monthly().assign(status="lost", revenue=1.0)])
    ax = plots.plot_line(frame, x="month", y="revenue", hue="status", lang="zh")
    assert len([line for line in ax.lines if len(line.get_xdata()) == 6]) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["赢单", "战败"]


@pytest.mark.usefixtures("themed")
def test_plot_line_rejects_non_dates():
    frame = pd.DataFrame({"month": ["soon", "later"], "revenue": [1, 2]})
    with pytest.raises(DataError, match=r"x='month' must hold dates"):
        plots.plot_line(frame, x="month", y="revenue")


# ------------------------------------------------------------------------ money_axis


@pytest.mark.parametrize(
    ("lang", "values", "expected"),
    [
        ("en", [0, 5e5, 1e6, 1.5e6], ["0", "0.5M", "1M", "1.5M"]),
        ("en", [0, 2e9, 4e9], ["0", "2B", "4B"]),
        ("en", [0, 250, 500], ["0", "250", "500"]),
        ("zh", [0, 1e6, 1.2e6], ["0", "100万", "120万"]),
        ("zh", [0, 1.5e8, 3e8], ["0", "1.5亿", "3亿"]),
        ("zh", [0, 2500, 5000], ["0", "2,500", "5,000"]),
    ],
)
def test_money_axis_units(lang, values, expected):
    _fig, ax = plt.subplots()
    assert plots.money_axis(ax, "x", lang=lang) is ax
    assert ax.xaxis.get_major_formatter().format_ticks(values) == expected


def test_money_axis_rejects_bad_axis():
    _fig, ax = plt.subplots()
    with pytest.raises(ConfigError, match=r"axis must be one of 'x', 'y', but 'z' was passed"):
        plots.money_axis(ax, "z")


# --------------------------------------------------------------------------- sized to their content
def _height_px(ax) -> float:
    return ax.figure.get_size_inches()[1] * ax.figure.dpi


def test_horizontal_bar_charts_grow_with_their_rows():
    def bars(n: int):
        return plots.plot_bar(pd.DataFrame({"region": [f"r{i}" for i in range(n)], "revenue": range(1, n + 1)}),
                              x="region", y="revenue", horizontal=True)

    two, twelve, thirty = (_height_px(bars(n)) for n in (2, 12, 30))
    assert two < 300 and two < twelve < thirty
    assert (thirty - twelve) / 18 == pytest.approx((twelve - _height_px(bars(11))), rel=0.01)  # the same per row


def test_a_two_bar_chart_is_smaller_than_a_chart_of_many_bars():
    def bars(n: int):
        return plots.plot_bar(pd.DataFrame({"status": [f"s{i}" for i in range(n)], "days": range(1, n + 1)}),
                              x="status", y="days")

    two, many = bars(2).figure.get_size_inches(), bars(12).figure.get_size_inches()
    assert two[1] * 100 < 400 and two[0] < many[0] and two[1] < many[1]


def test_win_rate_and_heat_map_charts_follow_their_rows():
    from kamlib.winloss.plots import plot_loss_heatmap, plot_win_rates

    def rates(n: int) -> pd.DataFrame:
        return pd.DataFrame({"region": [f"r{i}" for i in range(n)], "closed": [10] * n, "win_rate": [0.5] * n,
                             "ci_low": [0.2] * n, "ci_high": [0.8] * n})

    assert _height_px(plot_win_rates(rates(2), by="region")) < _height_px(plot_win_rates(rates(20), by="region"))
    shares = pd.DataFrame({"price": [0.5] * 25, "total": [1.0] * 25}, index=pd.Index(range(25), name="region"))
    assert _height_px(plot_loss_heatmap(shares.head(2), by="region")) < _height_px(plot_loss_heatmap(shares, by="region"))


def test_a_chart_drawn_on_given_axes_keeps_their_size():
    fig, ax = plt.subplots(figsize=(5, 5))
    plots.plot_bar(pd.DataFrame({"region": ["a", "b"], "revenue": [1, 2]}), x="region", y="revenue", ax=ax,
                   horizontal=True)
    assert fig.get_size_inches().tolist() == [5, 5]


def _png_pixels(figure) -> np.ndarray:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches=None)
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())))


def test_heat_cells_draws_what_seaborn_heatmap_drew():
    import seaborn as sns

    plots.theme("zh")
    values = pd.DataFrame(np.arange(60, dtype=float).reshape(12, 5) % 7, index=[f"R{i:04d}" for i in range(12)],
                          columns=["价格", "品牌", "质量", "服务", "交期"])
    values.iloc[3, 2] = np.nan
    labels = values.apply(lambda column: column.map(lambda v: "" if pd.isna(v) or v == 0 else f"{v:.0f}"))
    drawn = []
    for draw in ("seaborn", "kamlib"):
        fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
        ax.set_facecolor("#E6E6E6")
        if draw == "seaborn":
            sns.heatmap(values, annot=labels.to_numpy(), fmt="", cmap="Blues", vmin=0, cbar=False, ax=ax,
                        xticklabels=True, yticklabels=True, annot_kws={"fontsize": 8}, linewidths=0.5,
                        linecolor="white")
            ax.set(xlabel="", ylabel="")
        else:
            plots.heat_cells(ax, values, labels, fontsize=8)
        drawn.append(_png_pixels(fig))
        plt.close(fig)
    assert drawn[0].shape == drawn[1].shape
    assert np.array_equal(drawn[0], drawn[1])


def test_heat_cells_refuses_labels_of_another_shape():
    with pytest.raises(DataError, match="shape"):
        plots.heat_cells(plt.subplots()[1], pd.DataFrame([[1.0, 2.0]]), [["1"]])
