"""notebooks/02_customer_classification.ipynb runs with papermill in both languages, on the
sample and on a dataset that has only orders(account_id, order_date, revenue)."""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import numpy as np
import pytest

import kamlib.churn
import kamlib.classify
import kamlib.data
import kamlib.i18n
from kamlib import report

pytestmark = pytest.mark.slow

ORDERS_ONLY = """account_id,order_date,revenue
a1,2025-01-05,500
a1,2025-03-10,450
a1,2025-06-20,400
a2,2025-02-01,300
a2,2025-08-01,320
a3,2025-04-04,100
a4,2025-11-30,60
a1,2025-10-01,380
a2,2025-12-01,310
"""


def repeat_purchases() -> tuple[np.ndarray, np.ndarray]:
    """Per account of the sample: repeat purchases (purchase days − 1) and the mean revenue of those
    days, the first day left out; accounts with at least one repeat purchase."""
    orders = kamlib.data.load().table("orders")
    days = orders.groupby(["account_id", orders["order_date"].dt.normalize()])["revenue"].sum().reset_index()
    days = days.sort_values(["account_id", "order_date"])
    repeat = days[days.duplicated("account_id")]  # every purchase day but each account's first
    per_account = repeat.groupby("account_id")["revenue"].agg(["size", "mean"])
    return per_account["size"].to_numpy(float), per_account["mean"].to_numpy(float)


def spend_sentence(lang: str) -> str:
    """The spend model's caveat for the sample, from the correlation recomputed here (|r| ≥ 0.3 → caution)."""
    frequency, spend = repeat_purchases()
    corr = float(np.corrcoef(frequency, spend)[0, 1])
    key = "text.cc_clv_caution" if abs(corr) >= 0.3 else "text.cc_clv_ok"
    return kamlib.i18n.t(key, lang, corr=f"{corr:.2f}")


def rule_values(lang: str) -> list[str]:
    """Texts carrying rule values, from the functions' own defaults: the temperature windows and the
    CLV horizon."""
    orders = kamlib.data.load().table("orders")
    day = str(orders["order_date"].max().date())
    windows = inspect.signature(kamlib.classify.prospect_temperature).parameters
    temperature = kamlib.i18n.t("text.cc_rule_temperature", lang, today=day, hot=windows["hot_days"].default,
                                promising=windows["promising_days"].default)
    weeks = kamlib.churn.sections.HORIZON
    return [temperature, {"en": f"over the next {weeks} weeks", "zh": f"未来{weeks}周"}[lang]]


def sample_fit():
    """The purchase model the churn section fits on the sample (chosen on a holdout), refitted here."""
    orders = kamlib.data.load().table("orders")
    day = str(orders["order_date"].max().date())
    return kamlib.churn.sections.activity(orders, as_of=day).results["fit"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_on_the_sample(tmp_path, lang, report_html):
    result = report.run(["02"], lang=lang, out=tmp_path)
    html = report_html(result)
    top = kamlib.i18n.format_count(math.ceil(0.2 * kamlib.data.load().table("orders")["account_id"].nunique()))
    expected = {
        "en": ["Pareto / ABC", f"of accounts ({top}) bring", "the most crowded cell is", "accounts are to invest in",
               "Cumulative profit peaks at", "ranks first with", "Total headroom is", "have Money, Authority and Need",
               "open leads are hot", "The most common stage is", "show at least one warning signal",
               "What this means"],
        "zh": ["帕累托", f"的客户（{top}个）贡献了", "客户最多的格子", "个客户应重点投资", "累计利润在前", "排名第一",
               "总增长空间为", "同时具备有钱、有权、有需求", "条为热恋客户", "最常见的阶段是", "出现至少一个预警信号",
               "结论与启示"],
    }[lang]
    for text in expected:
        assert text in html, text
    assert "Traceback" not in html
    spend = spend_sentence(lang)
    assert spend in html, spend
    for rule in rule_values(lang):
        assert rule in html, rule
    fit = sample_fit()
    for note in kamlib.churn.readings.fit_notes(fit, lang):  # the parameters, and a warning when not converged
        assert note in html, note
    unsettled = kamlib.i18n.t("text.cc_fit_unsettled", lang, model="{model}").split("{model}")[-1][:30]
    assert (unsettled in html) == (not fit.converged), unsettled
    for table in ("abc_classes", "xy_classes", "portfolio", "profit_segments", "selection_scores", "whitespace",
                  "man_qualification", "prospect_temperature", "relationship_stages", "p_alive_clv", "at_risk"):
        assert any(Path(result.run_dir).rglob(f"{table}.csv")), table


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_on_orders_only(tmp_path, lang, report_html):
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.csv").write_text(ORDERS_ONLY, encoding="utf-8")
    html = report_html(report.run(["02"], data=str(data), lang=lang, out=tmp_path / "out"))
    for what in ("accounts", "orders.cost", "leads"):  # said in labels: 本节需要订单表：成本，…
        assert kamlib.i18n.needs_note(what, lang) in html, what
    # the ABC and churn sections still run: a1 holds 1,730 of 2,820 = 61 % of revenue
    assert {"en": "The top 20% of accounts (1) bring 61% of revenue", "zh": "前20%的客户（1个）贡献了61%的销售额"}[lang] in html
    assert {"en": "Probability of being active", "zh": "活跃概率"}[lang] in html
    assert "Traceback" not in html
