"""The label table: one row per key, both languages, the same placeholders in each."""

from __future__ import annotations

import csv
import re
import string
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from kamlib import i18n
from kamlib.errors import ConfigError


def _rows() -> list[dict[str, str]]:
    text = resources.files("kamlib").joinpath("labels.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _placeholders(text: str) -> set[str]:
    """Field names, a plural marker ``{n|one|other}`` counting as ``n``."""
    return {name.split("|")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_appears_once_with_both_languages():
    rows = _rows()
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
    assert all(r["en"].strip() and r["zh"].strip() for r in rows), [r["key"] for r in rows if not r["zh"].strip()]


def test_english_and_chinese_take_the_same_placeholders():
    mismatched = [r["key"] for r in _rows() if _placeholders(r["en"]) != _placeholders(r["zh"])]
    assert mismatched == []


def test_english_counts_of_one_take_the_singular():
    one = i18n.t("text.vpl_plan", "en", visits="1", month="2026-01", reps="1", accounts="1", days="1", calendar="x")
    many = i18n.t("text.vpl_plan", "en", visits="12", month="2026-01", reps="3", accounts="1,234", days="20", calendar="x")
    assert one == "1 visit planned in 2026-01 for 1 rep and 1 account, on 1 working day (x)."
    assert "12 visits" in many and "3 reps" in many and "1,234 accounts" in many and "20 working days" in many
    assert i18n.t("text.wl_reps", "en", reps=1, high=1, medium=0, low=0).startswith("Of 1 rep, ")
    assert "|" not in i18n.t("text.env_swot_reading", "zh", S=1, W=2, O=1, T=0)
    unmarked = re.compile(r"\{(?:n|reps|accounts|visits)\} (?:reps|accounts|visits)\b")
    assert [r["key"] for r in _rows() if unmarked.search(r["en"]) and r["key"].startswith("text.vpl")] == []


def test_unknown_key_and_language_are_clear_errors():
    with pytest.raises(ConfigError, match="label 'no_such_key' is not in kamlib/labels.csv"):
        i18n.t("no_such_key", "en")
    with pytest.raises(ConfigError, match=r"lang must be one of 'en', 'zh', but 'fr' was passed"):
        i18n.t("revenue", "fr")


def test_translate_frame_labels_headers_and_values_without_touching_the_input():
    frame = pd.DataFrame({"status": ["won", "lost", "weird"], "revenue": [1.0, 2.0, 3.0]})
    shown = i18n.translate_frame(frame, "zh", values={"status": "status"})
    assert list(shown.columns) == ["状态", "销售额"]
    assert list(shown["状态"]) == ["赢单", "战败", "weird"]
    assert list(frame.columns) == ["status", "revenue"]


# ------------------------------------------------------------------- one formatting layer
@pytest.mark.parametrize(("call", "text"), [
    (lambda: i18n.format_percent(-0.0004, decimals=1), "0.0%"),  # never -0.0%
    (lambda: i18n.format_percent(-0.004), "0%"),
    (lambda: i18n.format_percent(-0.016, decimals=1), "-1.6%"),
    (lambda: i18n.format_percent(0.3849, "zh"), "38%"),
    (lambda: i18n.format_percent(0.004, decimals=None), "0.4%"),
    (lambda: i18n.format_percent(None), "–"),
    (lambda: i18n.format_count(20.0), "20"),  # never 20.00
    (lambda: i18n.format_count(23570, "zh"), "23,570"),
    (lambda: i18n.format_count(float("nan")), "–"),
    (lambda: i18n.format_number(-0.3), "0"),
    (lambda: i18n.format_number(1234.5678, decimals=2), "1,234.57"),
    (lambda: i18n.format_number(13_812.4, significant=3), "13,800"),
    (lambda: i18n.format_days(35.5), "35.5"),
    (lambda: i18n.format_days(37.0), "37"),
    (lambda: i18n.format_days(23.75), "23.8"),
    (lambda: i18n.format_month(pd.Timestamp("2025-01-01")), "2025-01"),
    (lambda: i18n.format_month(pd.Timestamp("2025-01-01"), "zh"), "2025年1月"),
    (lambda: i18n.format_date(pd.Timestamp("2025-06-30"), "zh"), "2025-06-30"),
    (lambda: i18n.format_bool(True, "zh"), "是"),
    (lambda: i18n.format_bool(False, "en"), "No"),
    (lambda: i18n.format_money(-1e-9, "zh"), "0"),
    (lambda: i18n.format_money(5e5, "zh", trim=True), "50万"),
    (lambda: i18n.join(["价格", "品牌"], "zh"), "价格、品牌"),
    (lambda: i18n.join(["a: 1, 2", "b"], "en", clauses=True), "a: 1, 2; b"),
])
def test_formats(call, text):
    assert call() == text


def test_counts_in_sentences_have_separators():
    assert i18n.t("text.cc_read_man", "en", ideal=i18n.format_count(3723), n=i18n.format_count(23570), share="16%",
                  stop="0").startswith("3,723 of 23,570 leads")


def test_a_header_label_says_the_unit_of_its_column():
    """A ``header.<column>`` label is the column's table header: our sales are money, 销售额."""
    assert i18n.header(["our_sales", "leader_sales", "total_sales", "revenue"], "zh") == [
        "我方销售额", "最大竞争对手销售额", "总销量", "销售额"]
    assert i18n.header(["total_sales"], "en") == ["Units sold"]
    rows = {r["key"]: r for r in _rows()}
    for key in [k for k in rows if k.startswith("header.")]:
        assert key.removeprefix("header.") in rows, key  # a header label refines a column's label


def test_what_a_section_lacks_is_said_in_labels():
    assert i18n.describe_missing("opportunities.loss_reason, opportunities.stage", "zh") == "商机表：战败原因、阶段"
    assert i18n.describe_missing("opportunities.loss_reason", "en") == "Opportunities: Loss reason"
    assert i18n.describe_missing("orders.order_date / as_of", "zh") == "订单表：下单日期或as_of"
    assert i18n.needs_note("leads", "zh") == "本节需要线索表，数据中没有，已跳过。"
    assert i18n.needs_note("leads", "en") == "This section needs the Leads table, which the data does not have; it is skipped."


def _used_sentences() -> set[str]:
    """The sentence labels (``text.*``) the code names: a sentence label replaced by a corrected one
    stays in the append-only table, unused."""
    package = Path(i18n.__file__).parent
    code = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    code += "\n".join(p.read_text(encoding="utf-8") for p in (package.parent / "notebooks").glob("*.ipynb"))
    return {r["key"] for r in _rows() if r["key"].startswith("text.") and f'"{r["key"]}"' in code}


def test_english_text_has_no_chinese_punctuation_and_chinese_no_ascii_separators():
    """Labels in use: no full-width punctuation or curly quotes in English; in Chinese, no ASCII
    comma, semicolon or colon between Chinese characters."""
    cjk_punctuation = re.compile(r"[，。；：（）“”、！？]")
    ascii_between = re.compile(r"[\u4e00-\u9fff][,;:][\u4e00-\u9fff ]")
    used = _used_sentences()
    assert {"text.cc_read_risk_signal", "text.wl_backtest_same", "text.needs_data"} <= used
    for row in _rows():
        if row["key"].startswith("text.") and row["key"] not in used:
            continue
        assert not cjk_punctuation.search(row["en"]), row["key"]
        assert not ascii_between.search(row["zh"]), row["key"]
