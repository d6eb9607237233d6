"""notebooks/04_win_loss_analysis.ipynb runs with papermill in both languages,
on the sample and on a dataset with only opportunities(opportunity_id, status, product_id)."""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import pytest
from report_pages import ReportPage

import kamlib.i18n
from kamlib import report

pytestmark = pytest.mark.slow

MINIMAL = """opportunity_id,status,product_id
o1,won,X
o2,lost,X
o3,open,X
o4,lost,Y
o5,won,Y
o6,lost,Y
"""


def wilson(won: int, closed: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval, written out here from its formula."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = won / closed
    centre = (p + z * z / (2 * closed)) / (1 + z * z / closed)
    half = z / (1 + z * z / closed) * (p * (1 - p) / closed + z * z / (4 * closed * closed)) ** 0.5
    return centre - half, centre + half


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_on_the_sample(tmp_path, lang, report_html):
    result = report.run(["04"], lang=lang, out=tmp_path)
    html = report_html(result)
    expected = {
        "en": ["Win rate", "is the top loss reason for", "The biggest leak is from", "Referrals bring", "Brier score"],
        "zh": ["赢单率", "最主要的战败原因", "最大的流失在", "转介绍带来的赢单最多", "Brier分数"],
    }[lang]
    for text in expected:
        assert text in html, text
    assert "Traceback" not in html
    assert any(Path(result.run_dir).rglob("loss_table_by_product_name.csv"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_on_a_minimal_dataset(tmp_path, lang, report_html):
    data = tmp_path / "data"
    data.mkdir()
    (data / "opportunities.csv").write_text(MINIMAL, encoding="utf-8")
    html = report_html(report.run(["04"], data=str(data), lang=lang, out=tmp_path / "out"))
    page = ReportPage(html)
    assert kamlib.i18n.needs_note("opportunities.loss_reason", lang) in page.sentences()  # 本节需要商机表：战败原因，…
    # X: 2 closed (1 won, 1 lost), 1 open; Y: 3 closed (1 won, 2 lost); 2 of 5 closed won overall.
    x_low, x_high = wilson(1, 2)
    y_low, y_high = wilson(1, 3)
    columns = ["product_id", "closed", "won", "lost", "open", "win_rate", "ci_low", "ci_high"]
    rates = page.table(kamlib.i18n.header(columns, lang))
    assert rates == {"X": ["2", "1", "1", "1", "50.0%", f"{x_low:.1%}", f"{x_high:.1%}"],
                     "Y": ["3", "1", "2", "0", "33.3%", f"{y_low:.1%}", f"{y_high:.1%}"]}
    sentence = kamlib.i18n.t("text.wl_win_rates_level", lang, overall="40%", closed="5", best="X", best_rate="50%",
                             level="95%", low=f"{x_low:.0%}", high=f"{x_high:.0%}", worst="Y", worst_rate="33%")
    assert sentence.replace("**", "") in page.sentences()
    assert "Traceback" not in html
