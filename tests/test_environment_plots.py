"""kamlib.environment.plots: where the labels of the BCG chart and of the risk matrices end up,
measured on the drawn figure."""

from __future__ import annotations

from itertools import combinations

import matplotlib
import pandas as pd
import pytest

import kamlib.data
import kamlib.environment as env
import kamlib.plots
from kamlib import i18n
from kamlib.environment import plots as env_plots
from kamlib.environment import sections

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def sample():
    return kamlib.data.load()


def drawn_boxes(ax):
    """The point labels of *ax* (its annotations), the window boxes of their text (without the line
    to the point) and the box of the axes, as drawn."""
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    labels = [t for t in ax.texts if isinstance(t, matplotlib.text.Annotation)]
    return labels, [matplotlib.text.Text.get_window_extent(t, renderer) for t in labels], ax.get_window_extent(renderer)


def assert_apart_and_inside(boxes, frame):
    for (i, a), (j, b) in combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), f"labels {i} and {j} overlap: {a} and {b}"
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, (box, frame)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bcg_labels_of_the_sample_neither_overlap_nor_leave_the_axes(sample, lang):
    kamlib.plots.theme(lang)
    placed = sections.bcg(sample, by="segment", lang=lang).results["bcg"]
    ax = env_plots.plot_bcg(placed, by="segment", lang=lang)
    labels, boxes, frame = drawn_boxes(ax)
    assert sorted(t.get_text() for t in labels) == sorted(i18n.value_label("segment", v, lang) for v in placed["segment"])
    assert_apart_and_inside(boxes, frame)
    matplotlib.pyplot.close(ax.figure)


def test_bcg_labels_of_bubbles_on_one_spot_are_spread_and_joined_to_it():
    kamlib.plots.theme("en")
    frame = pd.DataFrame({"region": [f"region number {i}" for i in range(8)], "relative_share": [1.0 + i / 100 for i in range(8)],
                          "market_growth": [0.05] * 8, "our_sales": [10.0 - i for i in range(8)]})
    ax = env_plots.plot_bcg(frame, by="region", lang="en")
    labels, boxes, axes_box = drawn_boxes(ax)
    assert len(labels) == 8
    assert_apart_and_inside(boxes, axes_box)
    assert any(t.arrow_patch is not None for t in labels)  # the ones pushed away point back to their bubble
    matplotlib.pyplot.close(ax.figure)


def test_bcg_label_next_to_the_edge_stays_inside():
    kamlib.plots.theme("en")
    frame = pd.DataFrame({"region": ["a very long region name at the edge", "west"], "relative_share": [9.5, 0.11],
                          "market_growth": [0.19, -0.02], "our_sales": [10.0, 10.0]})
    ax = env_plots.plot_bcg(frame, by="region", lang="en")
    _, boxes, axes_box = drawn_boxes(ax)
    assert_apart_and_inside(boxes, axes_box)
    matplotlib.pyplot.close(ax.figure)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("matrix", ["opportunity", "threat"])
def test_risk_points_are_numbered_and_the_legend_gives_their_statements(sample, matrix, lang):
    kamlib.plots.theme(lang)
    table = env.risk_matrix(env.factor_table(sample))
    rows = table[(table["matrix"] == matrix) & table["impact"].notna() & table["probability"].notna()]
    ax = env_plots.plot_risk(table, matrix=matrix, lang=lang)
    labels, boxes, frame = drawn_boxes(ax)
    assert [t.get_text() for t in labels] == [str(n) for n in range(1, len(rows) + 1)]
    assert_apart_and_inside(boxes, frame)
    legend = ax.get_legend()
    assert legend.get_title().get_text() == i18n.header(["statement"], lang)[0]
    entries = [t.get_text() for t in legend.get_texts()]
    for number, statement, entry in zip(range(1, len(rows) + 1), rows["statement"], entries, strict=True):
        number_part, text = entry.split("  ", 1)
        shown = "".join(text.split())
        assert number_part == str(number)
        assert shown.rstrip("…") and "".join(statement.split()).startswith(shown.rstrip("…"))
    renderer = ax.figure.canvas.get_renderer()
    assert legend.get_window_extent(renderer).x1 <= ax.figure.bbox.x1  # the legend is not cut off
    assert not legend.get_window_extent(renderer).overlaps(frame)
    matplotlib.pyplot.close(ax.figure)


def test_risk_legend_shortens_a_long_statement_to_two_lines():
    kamlib.plots.theme("en")
    long = "Steel and other raw material prices keep rising through the year, squeezing margins on every " \
           "tractor and tipper we sell to logistics fleets."
    table = pd.DataFrame({"matrix": ["threat"], "statement": [long], "impact": [4.0], "probability": [0.7],
                          "quadrant": ["act_now"]})
    ax = env_plots.plot_risk(table, matrix="threat", lang="en")
    (entry,) = [t.get_text() for t in ax.get_legend().get_texts()]
    assert entry.count("\n") == 1 and entry.endswith("…")
    assert long.startswith(" ".join(entry.removeprefix("1  ").rstrip("…").split()))
    matplotlib.pyplot.close(ax.figure)


def test_risk_without_statements_labels_points_by_factor_id():
    kamlib.plots.theme("en")
    table = pd.DataFrame({"matrix": ["opportunity"] * 2, "factor_id": ["F7", "F9"], "impact": [4.0, 2.0],
                          "probability": [0.7, 0.2], "quadrant": ["act_now", "ignore"]})
    ax = env_plots.plot_risk(table, matrix="opportunity", lang="en")
    labels, _, _ = drawn_boxes(ax)
    assert [t.get_text() for t in labels] == ["F7", "F9"] and ax.get_legend() is None
    matplotlib.pyplot.close(ax.figure)


@pytest.mark.parametrize("chart", ["bcg", "threat"])
def test_a_chart_keeps_the_layout_its_labels_were_placed_in_and_it_is_the_final_one(sample, chart):
    """Its layout engine is off once the labels are placed; laying it out again would move the axes
    by less than half a pixel."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    kamlib.plots.theme("en")
    if chart == "bcg":
        ax = env_plots.plot_bcg(sections.bcg(sample, by="segment").results["bcg"], by="segment", lang="en")
    else:
        ax = env_plots.plot_risk(sections.risk(env.factor_table(sample, None)).results["risk"], matrix="threat")
    figure = ax.figure
    kept = ax.get_window_extent(figure.canvas.get_renderer()).extents
    assert not isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine)
    figure.set_layout_engine("constrained")
    figure.canvas.draw()
    again = ax.get_window_extent(figure.canvas.get_renderer()).extents
    assert max(abs(kept - again)) < 0.5, (kept, again)
    matplotlib.pyplot.close(figure)


def test_a_chart_drawn_on_given_axes_keeps_their_layout_engine():
    kamlib.plots.theme("en")
    figure, ax = matplotlib.pyplot.subplots(layout="constrained")
    frame = pd.DataFrame({"region": ["east", "west"], "relative_share": [2.0, 0.5], "market_growth": [0.15, 0.02],
                          "our_sales": [10.0, 5.0]})
    env_plots.plot_bcg(frame, ax=ax)
    assert isinstance(figure.get_layout_engine(), matplotlib.layout_engine.ConstrainedLayoutEngine)
    matplotlib.pyplot.close(figure)
