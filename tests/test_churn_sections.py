"""The churn sections of notebook 02: the model chosen on a holdout, the lifetime value and the accounts
at risk, built on the embedded sample and on data lacking what they need."""

from __future__ import annotations

import pandas as pd
import pytest

import kamlib.data
from kamlib import i18n
from kamlib.churn import plots, purchases, readings, sections
from kamlib.classify import scope
from kamlib.i18n import format_count, format_money, format_number, format_percent
from kamlib.sections import Figure, Page, Section

DAY = "2025-12-31"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame | None]:
    return scope(kamlib.data.load())


@pytest.fixture(scope="module")
def churn(tables) -> Section:
    return sections.activity(tables["orders"], as_of=DAY)


def test_activity(churn):
    assert churn.title == "title.cc_churn" and list(churn.saved) == ["model_holdout"]
    assert churn.findings == [readings.reading("p_alive", churn.results["alive"])]
    assert set(churn.results) == {"as_of", "summary", "comparison", "fit", "alive"} and churn.results["as_of"] == DAY
    text, table, notes = churn.items[:3]
    assert text.startswith("*Rule: two purchase models, BG/NBD")
    comparison = churn.results["comparison"]
    assert comparison.reason == ""  # three years of orders: a year held out, enough repeat buyers
    scores = comparison.scores.set_index("model")
    winner = scores["mae"].idxmin()
    assert comparison.chosen == winner
    assert f"**{readings.model_label(winner)}** came closer" in text
    assert f"mean absolute error {format_number(scores.at['bgnbd', 'mae'], 'en', 2)} purchases" in text
    assert table.frame.equals(comparison.buckets.round(2)) and table.frame["accounts"].sum() == comparison.n_accounts
    fit = churn.results["fit"]  # the winner, refitted on every order up to as_of
    assert purchases.model_name(fit) == winner and fit.n_customers == len(churn.results["summary"])
    assert readings.fit_notes(fit)[0] in notes
    assert readings.one_time_note(fit, churn.results["summary"]) in notes
    assert notes.endswith(churn.findings[0])
    assert [item.draw for item in churn.items if isinstance(item, Figure)] == [plots.plot_p_alive]


def test_the_holdout_figures_are_the_orders_of_the_holdout_year(tables, churn):
    """Accounts that bought by the calibration end; their purchase days in the year after it."""
    comparison = churn.results["comparison"]
    orders = tables["orders"]
    end = comparison.calibration_end
    assert end == pd.Timestamp(DAY) - pd.Timedelta(weeks=sections.HOLDOUT)
    before = orders[orders["order_date"] <= end]
    after = orders[(orders["order_date"] > end) & orders["account_id"].isin(set(before["account_id"]))]
    days = after.groupby("account_id")["order_date"].nunique()
    assert comparison.n_accounts == before["account_id"].nunique()
    assert (comparison.scores["actual"] == days.sum()).all()
    repeaters = (before.groupby("account_id")["order_date"].nunique() > 1).sum()
    assert comparison.n_repeaters == repeaters


def test_activity_defaults_to_the_last_order_date(tables):
    assert sections.activity(tables["orders"]).results["as_of"] == DAY


def test_lifetime_value(churn):
    section = sections.lifetime_value(churn, lang="zh")
    table = section.saved["p_alive_clv"].frame
    assert section.title is None and not section.findings
    assert table.columns[-3:].tolist() == ["expected_purchases", "expected_spend", "clv"]
    caveat = readings.one_time_note(churn.results["fit"], churn.results["summary"], "zh")
    assert section.items == [readings.clv_note(section.results["clv"], "zh") + caveat]
    corr = section.results["clv"].attrs["spend"].corr_frequency_monetary
    assert f"相关系数为{format_number(corr, 'zh', 2)}" in section.items[0]
    assert readings.model_label(churn.results["fit"]) in section.items[0]
    # the saved table reads as the activity section did
    assert readings.reading("p_alive", table) == churn.findings[0]


def test_at_risk(tables, churn):
    section = sections.at_risk(tables["orders"], tables["visits"], churn=churn, accounts=tables["accounts"],
                               opportunities=tables["opportunities"])
    saved = section.saved["at_risk"].frame
    assert section.findings == [readings.reading("risk", section.results["risk"])]
    assert section.findings[0].startswith(f"{len(saved)} accounts show at least one warning signal")
    listed = section.items[1].frame
    assert len(listed) == 20 and listed.columns[:2].tolist() == ["account_id", "account_name"]
    assert listed.equals(saved.head(20))
    assert "p_alive" in listed.columns and section.items[2].startswith("Caution: ")  # the one-time-buyer caveat


def test_without_orders_the_churn_sections_say_so_once(tables, tmp_path):
    lacking = sections.activity(tables["orders"].drop(columns="order_date"))
    assert lacking.missing == "orders.order_date"
    shown: list = []
    page = Page(lang="en", output_dir=tmp_path, display=shown.append)
    page.show(lacking)
    page.show(sections.lifetime_value(lacking))
    page.show(sections.at_risk(tables["orders"], churn=lacking))
    assert len(shown) == 2 and page.skipped == ["title.cc_churn"] and not page.findings


def test_too_few_repeat_buyers_for_a_lifetime_value():
    orders = pd.DataFrame({"account_id": ["a", "a", "b", "c"], "revenue": [5.0, 6.0, 7.0, 8.0],
                           "order_date": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-02-01", "2025-04-01"])})
    churn = sections.activity(orders, as_of="2025-06-30")
    assert churn.findings and not sections.lifetime_value(churn).shows_anything
    assert churn.results["comparison"].reason == "short_calibration" and not churn.saved
    assert "could not be compared on a holdout" in churn.items[0] and "BG/NBD is used by default" in churn.items[0]


def test_page_shows_the_three_churn_sections(tables, churn, tmp_path):
    shown: list = []
    page = Page(lang="en", output_dir=tmp_path, display=shown.append)
    page.show(churn)
    page.show(sections.lifetime_value(churn))
    page.show(sections.at_risk(tables["orders"], tables["visits"], churn=churn, accounts=tables["accounts"]))
    assert len(shown) == 9  # heading, rule and holdout, its table, notes, histogram; CLV; risk reading, table, caveat
    assert len(page.findings) == 2
    assert sorted(p.stem for p in tmp_path.glob("tables/*.csv")) == ["at_risk", "model_holdout", "p_alive_clv"]


# ---------------------------------------------------------------- every sentence, recomputed from its table
def test_activity_and_risk_sentences_recomputed(tables, churn):
    alive = churn.results["alive"]["p_alive"]
    low = (alive < 0.5).sum()
    assert churn.findings == [i18n.t("text.cc_read_p_alive", "en", low=format_count(low), n=format_count(len(alive)),
                                     share=format_percent(low / len(alive)), below="50%",
                                     median=format_percent(alive.median()))]
    fit = churn.results["fit"]
    first = format_number(fit.r, significant=3)
    assert f"r = {first}，" not in churn.items[2]  # English punctuation in English
    assert f"r = {first}, " in churn.items[2] and "e+" not in churn.items[2]  # no 1.38e+04

    section = sections.at_risk(tables["orders"], tables["visits"], churn=churn, accounts=tables["accounts"],
                               opportunities=tables["opportunities"], lang="zh")
    risk = section.saved["at_risk"].frame
    fired = risk["signals"].str.split("；").explode().value_counts()
    assert section.findings == [i18n.t("text.cc_read_risk_signal", "zh", n=format_count(len(risk)),
                                       revenue=format_money(risk["revenue_at_risk"].sum(), "zh"), signal=fired.index[0])]


def test_at_risk_lists_are_written_in_the_report_language(tables, churn):
    zh = sections.at_risk(tables["orders"], tables["visits"], churn=churn, lang="zh").items[1].frame
    assert not zh["signals"].str.contains("; ").any() and zh["signals"].str.contains("；").any()
    assert not zh["response"].str.contains("。 ").any()  # Chinese sentences follow one another without a space
    en = sections.at_risk(tables["orders"], tables["visits"], churn=churn, lang="en").items[1].frame
    assert en["signals"].str.contains("; ").any() and en["response"].str.contains(r"\. [A-Z]").any()
