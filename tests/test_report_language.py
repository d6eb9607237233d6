"""The reports speak the reader's language: every value a reader sees in a report is labelled
through ``kamlib/labels.csv`` or is a proper name from the data, and every figure is written
by the one formatting layer of :mod:`kamlib.i18n`.

Runs ``kam report --lang all`` on the embedded sample once (the session fixture
``report_run`` of ``tests/conftest.py``) and reads what a browser shows of each page: the
text of the HTML without tags, scripts and styles — headings, sentences, table cells — and
the text alternatives of the images.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_pages import ReportPage

import kamlib.data
import kamlib.environment as env
from kamlib import i18n

pytestmark = pytest.mark.slow

NOTEBOOKS = ["00_data_overview", "01_environment_analysis", "02_customer_classification", "03_visit_planning",
             "04_win_loss_analysis"]

#: Names of methods and frameworks, written as their authors write them, and acronyms of the trade.
ACRONYMS = {"ABC", "BCG", "SWOT", "PEST", "MAN", "MA", "MN", "AN", "VIP", "KA", "KAM", "CLV", "BG", "NBD", "XY",
            "Brier", "Fisher", "Gamma", "Millman", "Wilson", "Fader", "Hardie", "Lee",
            "Pareto", "Schmittlein", "Morrison", "Colombo"}
#: Units written in Latin letters in Chinese too.
UNITS = {"km", "kg", "kW", "CNY"}
#: Data columns holding proper names or free text, shown as they are.
NAME_COLUMNS = ("account_name", "product_name", "rep_name", "competitor", "statement", "name")
#: Columns of counts: shown as whole numbers (``20``, never ``20.00``).
COUNT_COLUMNS = ("accounts", "orders", "closed", "won", "lost", "open", "deals", "reached", "lost_here", "group_lost",
                 "reps", "leads", "entries", "rows", "columns", "excluded", "n_signals", "strengths", "weaknesses",
                 "opportunities", "threats", "traffic", "total_sales", "recorded", "sales_side")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
#: A Python or pandas value shown as it is printed, not as a reader says it ("None of the three" is words).
NOT_A_VALUE = re.compile(r"\b(True|False|nan|NaN|NaT|null)\b|\bNone\b(?! of)")


class Page(ReportPage):
    """A report page read from its file, with the parameters table set apart."""

    def __init__(self, path: Path) -> None:
        super().__init__(path.read_text(encoding="utf-8"))

    def parameters(self, lang: str) -> list[list[str]]:
        """The parameters table (the first table, headed Parameter / Value)."""
        first = self.tables[0]
        assert first[0] == [i18n.t("parameter", lang), i18n.t("value", lang)], first[0]
        return first

    def shown(self, lang: str) -> list[str]:
        """Every text a reader sees but the parameters table: sentences, headings, cells, alt texts."""
        cells = [cell for table in self.tables[1:] for row in table for cell in row]
        return ["".join(self.texts), *cells, *self.alts]


@pytest.fixture(scope="module")
def pages(report_run) -> dict[tuple[str, str], Page]:
    result, run_dir = report_run
    assert result.exit_code == 0, result.output
    return {(name, lang): Page(run_dir / f"{name}-{lang}" / f"{name}.html") for name in NOTEBOOKS for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def proper_words() -> set[str]:
    """The Latin-letter words of the data's names and texts (product 鸿途 T5 LNG 6×4 牵引车, the objectives' goals)."""
    ds = kamlib.data.load()
    texts: list[str] = []
    for name in ds.names:
        table = ds.table(name)
        for column in NAME_COLUMNS:
            if column in table.columns:
                texts += [str(v) for v in table[column].dropna().unique()]
    objectives = env.objectives_file(None)
    texts += [str(v) for v in env.read_objectives(objectives)["goal"].dropna()] + [objectives.name]
    return {word for text in texts for word in WORD.findall(text)}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_chinese_report_shows_no_english_codes(pages, proper_words, name):
    page = pages[(name, "zh")]
    allowed = proper_words | ACRONYMS | UNITS
    found = {}
    for text in page.shown("zh"):
        for word in WORD.findall(text):
            if len(word) >= 2 and not any(c.isdigit() for c in word) and word not in allowed:  # A0041, OP1307: IDs
                found.setdefault(word, text[:120])
    assert found == {}, found


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_code_values_no_negative_zero_and_whole_counts(pages, name, lang):
    page = pages[(name, lang)]
    shown = page.shown(lang)
    assert [t for t in shown if NOT_A_VALUE.search(t)] == []
    assert [t for t in shown if re.search(r"(?<![\d.])-0(\.0+)?%?(?![\d.])", t)] == []  # no -0.0%, no -0
    counts = set(i18n.header(COUNT_COLUMNS, lang))
    for table in page.tables[1:]:
        columns = [i for i, label in enumerate(table[0]) if label in counts]
        for row in table[1:]:
            bad = [row[i] for i in columns if i < len(row) and not re.fullmatch(r"-?\d{1,3}(,\d{3})*|–", row[i])]
            assert bad == [], (table[0], row)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_parameters_table_says_not_set_in_the_report_language(pages, name):
    for lang, none in (("zh", "无"), ("en", "None")):
        values = [row[1] for row in pages[(name, lang)].parameters(lang)[1:]]
        assert none in values and ("None" not in values if lang == "zh" else True)


def test_win_loss_pages_say_months_bands_booleans_and_drivers_in_words(pages):
    zh, en = pages[("04_win_loss_analysis", "zh")], pages[("04_win_loss_analysis", "en")]
    zh_cells = {cell for table in zh.tables for row in table for cell in row}
    en_cells = {cell for table in en.tables for row in table for cell in row}
    assert {"2025年9月", "0–20%", "是", "否", "华东"} <= zh_cells
    assert {"2025-09", "0–20%", "Yes", "No", "East"} <= en_cells
    assert not any(re.fullmatch(r"\d{4}-\d{2}-01", cell) for cell in zh_cells | en_cells)  # months, not days
    assert any(re.match(r"来源=转介绍 \(\+\d\.\d\d\)", cell) for cell in zh_cells)
    text = "".join(zh.texts)
    assert re.search(r"战败商机为\d+天", text)  # the median of the lost deals, in days
    assert re.search(r"Brier分数为0\.\d{3}，优于只用基础赢单率（0\.\d{3}）", text)  # the model beats the base rate


def test_units_say_money_and_units_apart(pages):
    environment = pages[("01_environment_analysis", "zh")].tables[1][0]
    assert environment[:4] == ["细分市场", "市场规模（销售额）", "我方销售额", "最大竞争对手销售额"]
    showroom = next(t for t in pages[("04_win_loss_analysis", "zh")].tables if t[0][0] == "月份" and "总销量" in t[0])
    assert showroom  # units sold stay 销量
