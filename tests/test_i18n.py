"""The label table: one row per key, both languages, the same placeholders in each."""

from __future__ import annotations

import csv
import string
from importlib import resources

import pandas as pd
import pytest

from kamlib import i18n
from kamlib.errors import ConfigError


def _rows() -> list[dict[str, str]]:
    text = resources.files("kamlib").joinpath("labels.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_appears_once_with_both_languages():
    rows = _rows()
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
    assert all(r["en"].strip() and r["zh"].strip() for r in rows), [r["key"] for r in rows if not r["zh"].strip()]


def test_english_and_chinese_take_the_same_placeholders():
    mismatched = [r["key"] for r in _rows() if _placeholders(r["en"]) != _placeholders(r["zh"])]
    assert mismatched == []


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
