"""Headers and values as CRM systems export them: aliases, stand-in columns, unused columns,
suggested tables and every bad value with the lines of kam.yml that fix it (docs/data.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import kamlib.data as kd
from kamlib.data.aliases import Aliases, normalise, suggest_table
from kamlib.data.problems import MAX_VALUES
from kamlib.errors import DataError


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("word, status", [
    ("Closed Won", "won"), ("closed-won", "won"), ("CLOSED_WON", "won"), ("  closed   won ", "won"),
    ("Closed Lost", "lost"), ("closed_lost", "lost"), ("In Progress", "open"), ("in-progress", "open"),
    ("Prospecting", "open"), ("Engaging", "open"), ("Proposal/Price Quote", "open"), ("赢单", "won"),
    ("贏單", "won"), ("输单", "lost"), ("方案/报价", "open"), ("Won", "won"), ("LOST", "lost"),
])
def test_status_words_match_whatever_their_case_spaces_hyphens_and_underscores(tmp_path, word, status):
    _write(tmp_path, "opportunities.csv", f"opportunity_id,status\no1,{word}\n")
    assert kd.load(tmp_path, cache=False).table("opportunities")["status"].tolist() == [status]


def test_a_value_alias_in_kam_yml_matches_with_spaces_and_hyphens(tmp_path):
    _write(tmp_path, "opportunities.csv", "opportunity_id,status\no1,Signed - Paid\no2,signed paid\no3,lost\n")
    _write(tmp_path, "kam.yml", "aliases:\n  values:\n    status:\n      'Signed-Paid': won\n")
    assert kd.load(tmp_path, cache=False).table("opportunities")["status"].tolist() == ["won", "won", "lost"]


def test_normalise_treats_spaces_hyphens_and_underscores_alike():
    assert normalise("Deal  Stage") == normalise("deal-stage") == normalise("DEAL_STAGE") == "deal_stage"


SALESFORCE = """Opportunity Name,Account Name,Stage,Amount,Close Date,Created Date,Opportunity Owner,Lead Source,Type
Big deal,Acme,Closed Won,"1,200.50",2024-03-05,2024-01-10,Ann Lee,Web,New Business
Small deal,Globex,Closed Lost,300,2024-04-01,2024-02-01,Bo Chen,Referral,Existing Business
Next deal,Acme,Negotiation/Review,900,2024-09-30,2024-05-05,Ann Lee,Web,New Business
"""


def test_a_salesforce_opportunity_report_loads_with_names_as_ids(tmp_path):
    _write(tmp_path, "opportunities.csv", SALESFORCE)
    ds = kd.load(tmp_path, cache=False)
    opps = ds.table("opportunities")
    assert opps["opportunity_id"].tolist() == ["Big deal", "Small deal", "Next deal"]
    assert opps["account_id"].tolist() == ["Acme", "Globex", "Acme"]
    assert opps["rep_id"].tolist() == ["Ann Lee", "Bo Chen", "Ann Lee"]
    assert opps["status"].tolist() == ["won", "lost", "open"]
    assert opps["stage"].tolist() == ["Closed Won", "Closed Lost", "Negotiation/Review"]
    assert opps["amount"].tolist() == [1200.5, 300.0, 900.0]
    assert opps["source"].tolist() == ["Web", "Referral", "Web"]
    assert str(opps["closed_date"].dtype) == "datetime64[ns]"
    notes = [p for p in ds.report.notes if p.code == "unused_columns"]
    assert len(notes) == 1 and "'Type'" in notes[0].message
    assert ds.summary().set_index("table").loc["opportunities", "unused_columns"] == "Type"


def test_a_hubspot_deals_export_is_the_opportunities_table(tmp_path):
    _write(tmp_path, "deals.csv", "Record ID,Deal Name,Deal Stage,Amount,Create Date,Close Date,Deal Owner,"
                                  "Closed Lost Reason\n101,Renewal,closedwon,500,2024-01-02,2024-02-03,Kim,\n"
                                  "102,Upsell,Closed Lost,800,2024-01-05,2024-03-01,Kim,Price\n")
    opps = kd.load(tmp_path, cache=False).table("opportunities")
    assert opps["opportunity_id"].tolist() == ["101", "102"]
    assert opps["status"].tolist() == ["won", "lost"]
    assert opps["loss_reason"].tolist()[1] == "Price"
    assert opps["rep_id"].tolist() == ["Kim", "Kim"]


def test_a_chinese_crm_export_names_what_it_does_not_use(tmp_path):
    _write(tmp_path, "商机.csv", "商机名称,客户名称,销售阶段,金额,预计成交日期,负责人,赢率,产品\n"
                                "华东项目,华为,赢单,100,2024-03-01,张三,100%,重卡\n"
                                "华北项目,联想,方案/报价,50,2024-06-01,李四,40%,轻卡\n")
    ds = kd.load(tmp_path, cache=False)
    opps = ds.table("opportunities")
    assert opps["status"].tolist() == ["won", "open"]
    assert opps["account_id"].tolist() == ["华为", "联想"]
    assert opps["rep_id"].tolist() == ["张三", "李四"]
    assert opps["product_id"].tolist() == ["重卡", "轻卡"]
    assert opps["amount"].tolist() == [100.0, 50.0]
    (note,) = [p for p in ds.report.notes if p.code == "unused_columns"]
    assert "'预计成交日期'" in note.message and "'赢率'" in note.message
    assert "'预计成交日期'、'赢率'" in note.text("zh")


@pytest.mark.parametrize("header, column", [("产品", "product_id"), ("产品名称", "product_id"),
                                            ("销售代表", "rep_id"), ("负责人", "rep_id"), ("Amount", "revenue")])
def test_common_order_headers_are_recognised(tmp_path, header, column):
    columns = {"account_id": "A1", "order_date": "2024-01-05", "revenue": "10", column: "X9"}
    if column == "revenue":
        columns["revenue"] = "12.5"
    names = {c: (header if c == column else c) for c in columns}
    _write(tmp_path, "orders.csv", ",".join(names.values()) + "\n" + ",".join(columns.values()) + "\n")
    orders = kd.load(tmp_path, cache=False).table("orders")
    assert orders[column].tolist() == [12.5 if column == "revenue" else "X9"]


def test_an_id_column_wins_over_the_name_that_could_stand_in_for_it(tmp_path):
    _write(tmp_path, "opportunities.csv", "Opportunity ID,Opportunity Name,Account ID,Account Name,Stage\n"
                                          "O-1,Big deal,A-1,Acme,Closed Won\n")
    opps = kd.load(tmp_path, cache=False).table("opportunities")
    assert (opps["opportunity_id"].iloc[0], opps["account_id"].iloc[0]) == ("O-1", "A-1")


# ------------------------------------------------------------------ files named after no table


def test_a_file_is_suggested_the_table_its_columns_fit(tmp_path):
    _write(tmp_path, "export_2024.csv", "Opportunity ID,Stage,Amount,Close Date\nO1,Closed Won,10,2024-01-02\n")
    (problem,) = kd.validate(tmp_path, cache=False).errors
    assert problem.code == "unknown_table"
    assert "are those the opportunities table needs: rename the file to opportunities.csv" in problem.message
    assert "{files: {export_2024: opportunities}}" in problem.message


def test_a_file_whose_columns_fit_no_table_gets_no_suggestion(tmp_path):
    _write(tmp_path, "data_dictionary.csv", "Table,Field,Description\naccounts,account,Company name\n")
    (problem,) = kd.validate(tmp_path, cache=False).errors
    assert "Rename the file to <table>.csv" in problem.message
    assert not any(f"{table}.csv" in problem.message for table in kd.TABLES)


def test_a_tie_between_tables_suggests_nothing():
    assert suggest_table(["product_id", "account_id"], Aliases.build()) is None


# ------------------------------------------------------------------ every bad value, and its fix


def _status_file(folder: Path, words: list[str], repeat: int) -> None:
    lines = [f"o{i}-{j},{word}" for j in range(repeat) for i, word in enumerate(words)]
    _write(folder, "opportunities.csv", "opportunity_id,status\n" + "\n".join(lines) + "\no-ok,won\n")


def test_every_bad_value_is_listed_with_its_count_and_first_rows(tmp_path):
    words = ["Verhandlung", "Angebot", "Signed"]
    _status_file(tmp_path, words, 4)
    with pytest.raises(DataError) as info:
        kd.load(tmp_path, cache=False)
    message = str(info.value)
    # word i is on rows 2 + i, 5 + i, 8 + i and 11 + i (header = row 1)
    for i, word in enumerate(words):
        assert f"'{word}' in rows {2 + i}, {5 + i}, {8 + i} (and 1 more)" in message
    assert "in 12 rows" in message


def test_a_long_list_of_bad_values_is_capped_and_the_rest_counted(tmp_path):
    words = [f"stage {k}" for k in range(MAX_VALUES + 5)]
    _status_file(tmp_path, words, 2)
    (problem,) = kd.validate(tmp_path, cache=False).errors
    assert all(f"'{w}'" in problem.message for w in words[:MAX_VALUES])
    assert f"'{words[MAX_VALUES]}'" not in problem.message.split("otherwise correct the cells:")[0]
    assert "and 5 more values (10 rows)" in problem.message
    assert "另有 5 个值（10 行）" in problem.text("zh")


def test_the_yaml_lines_a_bad_value_shows_fix_the_load(tmp_path):
    _status_file(tmp_path, ["Verhandlung", "Gewonnen", "它's"], 2)
    with pytest.raises(DataError) as info:
        kd.load(tmp_path, cache=False)
    message = str(info.value)
    assert "errors='exclude'" not in message
    lines = message.split("otherwise correct the cells:\n", 1)[1]
    config = yaml.safe_load(lines)
    assert set(config["aliases"]["values"]["status"]) == {"Verhandlung", "Gewonnen", "它's"}
    assert set(config["aliases"]["values"]["status"].values()) <= {"won", "lost", "open"}
    (tmp_path / "kam.yml").write_text(lines, encoding="utf-8")
    opps = kd.load(tmp_path, cache=False).table("opportunities")
    assert len(opps) == 7 and opps["status"].notna().all()
