"""Workshop 1's live chart and workshop 5's tables: the sliders redraw, the counts are pareto_abc's.

The counts expected are computed here from the revenue with a plain cumulative sum;
the images are rendered to PNG in both languages.
"""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from kamlib import i18n
from kamlib.classify import pareto_abc
from kamlib.training.numbers import participant_data
from kamlib.training.widgets import Workshop
from kamlib.training.widgets.live import (
    CLASS_REVENUE,
    Debouncer,
    NumbersTables,
    ParetoExplorer,
)


def _counts_by_hand(a: float, b: float) -> list[int]:
    """Accounts per class A, B, C from the revenue: A while the cumulative share is ≤ a, B while ≤ b."""
    revenue = np.sort(np.array(CLASS_REVENUE, dtype=float))[::-1]
    cumulative = np.cumsum(revenue) / revenue.sum()
    n_a = int((cumulative <= a + 1e-9).sum())
    n_b = int((cumulative <= b + 1e-9).sum()) - n_a
    return [n_a, n_b, len(revenue) - n_a - n_b]


@pytest.mark.parametrize("a, b", [(0.8, 0.95), (0.6, 0.95), (0.7, 0.9), (0.5, 0.99), (0.9, 0.91)])
def test_moving_a_slider_gives_the_counts_of_pareto_abc(a, b):
    explorer = ParetoExplorer()
    explorer.a_slider.value = a
    explorer.b_slider.value = b
    assert explorer.counts["accounts"].tolist() == _counts_by_hand(a, b)
    expected = pareto_abc(explorer.accounts, cutoffs=(a, b))["abc_class"].value_counts().reindex(["A", "B", "C"])
    assert explorer.counts["accounts"].tolist() == expected.fillna(0).astype(int).tolist()
    assert explorer.counts["share"].sum() == pytest.approx(1.0)


def test_the_chart_and_table_redraw_when_a_slider_moves():
    explorer = ParetoExplorer()
    before, draws, table = explorer.image.value, explorer.draws, explorer.table.value
    explorer.a_slider.value = 0.6
    assert explorer.draws == draws + 1
    assert explorer.image.value != before and explorer.image.value[:4] == b"\x89PNG"
    assert explorer.table.value != table
    lines = [line.get_ydata()[0] for line in explorer.figure.axes[0].lines[2:]]
    assert lines == pytest.approx([0.6, 0.95])


def test_the_b_cutoff_stays_above_the_a_cutoff():
    explorer = ParetoExplorer()
    explorer.b_slider.value = 0.85
    explorer.a_slider.value = 0.9
    assert explorer.b_slider.value > explorer.a_slider.value
    assert explorer.counts["accounts"].sum() == len(CLASS_REVENUE)


def test_redraws_wait_for_the_slider_to_rest():
    async def drag() -> tuple[int, int]:
        explorer = ParetoExplorer(delay=0.05)
        start = explorer.draws
        for value in (0.6, 0.65, 0.7, 0.75):
            explorer.a_slider.value = value
        during = explorer.draws - start
        await asyncio.sleep(0.2)
        return during, explorer.draws - start

    during, after = asyncio.run(drag())
    assert (during, after) == (0, 1)


def test_a_debouncer_without_delay_acts_at_once():
    calls = []
    Debouncer(lambda: calls.append(1), delay=0)()
    assert calls == [1]


def test_switching_language_relabels_and_keeps_the_cutoffs(tmp_path):
    ws = Workshop.open("classify_accounts", participant="Ann", results_dir=tmp_path)
    explorer = ParetoExplorer.for_workshop(ws)
    explorer.a_slider.value = 0.7
    ws.set_lang("zh")
    assert explorer.a_slider.value == 0.7 and explorer.a_slider.description == i18n.t("training.live.a_cutoff", "zh")
    legend = [t.get_text() for t in explorer.figure.axes[0].get_legend().get_texts()]
    assert legend[0] == f"{i18n.value_label('abc_class', 'A', 'zh')}：{_counts_by_hand(0.7, 0.95)[0]} 个客户"
    assert i18n.t("training.live.share", "zh") in explorer.table.value


def test_the_live_chart_holds_no_answer_of_the_bank(tmp_path):
    from kamlib.training import load_banks

    explorer = ParetoExplorer()
    state = json.dumps([w.get_state() for w in (explorer.how, explorer.table, explorer.a_slider)], default=str)
    for question in load_banks()["classify_accounts"].questions:
        assert question.explanation.en[:40] not in state


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_render_the_chart_and_a_table(lang, tmp_path):
    explorer = ParetoExplorer(lang)
    explorer.a_slider.value = 0.7
    path = tmp_path / f"pareto_{lang}.png"
    path.write_bytes(explorer.image.value)
    with Image.open(path) as image:
        assert image.size[0] > 600
    ax = explorer.figure.axes[0]
    assert i18n.t("training.live.title", lang) in {ax.get_title(loc) for loc in ("left", "center")}
    tables = NumbersTables(participant_data("Li Lei"), lang)
    assert ("战败客户分析表" in tables.widget.value) == (lang == "zh")
    assert "<script" not in tables.widget.value


def test_numbers_tables_follow_the_workshop_language(tmp_path):
    ws = Workshop.open("read_the_numbers", participant="Li Lei", results_dir=tmp_path)
    data = participant_data("Li Lei")
    tables = NumbersTables.for_workshop(ws, data)
    assert "Loss table" in tables.widget.value
    ws.set_lang("zh")
    assert "战败客户分析表" in tables.widget.value
    losses = data.losses.reset_index()
    assert all(str(int(v)) in tables.widget.value for v in pd.unique(losses["price"]))
