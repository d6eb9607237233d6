"""Tests of kamlib.sample: determinism, the committed sample, the data contract and coherence."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib import i18n
from kamlib.data.schema import FACTOR_KINDS, STATUS, TABLES
from kamlib.errors import ConfigError
from kamlib.sample import (
    RARE_CHARS,
    SAMPLE_ACCOUNTS,
    SAMPLE_SEED,
    TABLE_NAMES,
    generate,
)

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2025-12-31")

# columns whose values are category codes, and the label group translating them
CODE_COLUMNS = {
    "accounts": {"region": "region", "sector": "sector", "customer_type": "customer_type",
                 "relationship_stage": "relationship_stage"},
    "opportunities": {"status": "status", "stage": "stage", "loss_reason": "loss_reason", "source": "source"},
    "visits": {"kind": "kind", "objective": "objective", "outcome": "outcome"},
    "leads": {"channel": "channel", "importance": "importance", "grade": "grade", "status": "status"},
    "market": {"region": "region", "segment": "segment"},
    "products": {"family": "family"},
    "reps": {"region": "region"},
    "contacts": {"layer": "layer", "buyer_role": "buyer_role", "basic_need": "basic_need",
                 "social_style": "social_style"},
    "factors": {"kind": "kind", "category": "category", "region": "region"},
}


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return generate(SAMPLE_ACCOUNTS, SAMPLE_SEED)


# --- determinism and the committed files ------------------------------------------------


def test_same_arguments_give_identical_frames():
    first, second = generate(120, seed=7), generate(120, seed=7)
    assert list(first) == list(TABLE_NAMES)
    for name in TABLE_NAMES:
        pd.testing.assert_frame_equal(first[name], second[name])


def test_another_seed_gives_other_data():
    a, b = generate(120, seed=7), generate(120, seed=8)
    assert not a["orders"]["revenue"].equals(b["orders"]["revenue"])


def test_committed_sample_is_what_generate_writes(tmp_path):
    """data/sample/ must be regenerated whenever the generator changes."""
    generate(SAMPLE_ACCOUNTS, SAMPLE_SEED, out=tmp_path)
    committed = sorted(p.name for p in SAMPLE_DIR.iterdir())
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert committed == fresh == sorted(f"{t}.csv" for t in TABLE_NAMES)
    for name in fresh:
        assert (SAMPLE_DIR / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"data/sample/{name} differs from generate(); run "
            "`python -c 'import kamlib.sample as s; s.generate(out=\"data/sample\")'`"
        )


def test_committed_sample_is_small():
    total = sum(p.stat().st_size for p in SAMPLE_DIR.iterdir())
    assert total < 3 * 1024 * 1024


def test_csv_format_is_canonical():
    for path in SAMPLE_DIR.glob("*.csv"):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), path.name
        assert b"\r" not in raw, path.name
        header = raw.decode("utf-8").split("\n", 1)[0].split(",")
        assert header == [c.name for c in TABLES[path.stem].columns if c.name in header]
    orders = (SAMPLE_DIR / "orders.csv").read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(r"A\d{4},\d{4}-\d{2}-\d{2},\d+\.\d{2},SO\d{4},P\d{2},R\d{4},\d+,\d+\.\d{2}", orders[1])
    visits = pd.read_csv(SAMPLE_DIR / "visits.csv", dtype=str)
    assert set(visits["accepted"]) == {"true", "false"}


def test_parquet_for_large_n(tmp_path):
    first = generate(6000, seed=3, out=tmp_path / "a")  # auto → parquet above 5000 accounts
    generate(6000, seed=3, out=tmp_path / "b", fmt="parquet")
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(f"{t}.parquet" for t in TABLE_NAMES)
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    orders = pd.read_parquet(tmp_path / "a" / "orders.parquet")
    assert len(orders) == len(first["orders"])
    assert orders["revenue"].sum() == pytest.approx(first["orders"]["revenue"].sum())
    assert 20 <= len(orders) / 6000 <= 40


def test_csv_can_be_forced(tmp_path):
    """5,001 accounts is above the 5,000 up to which "auto" writes CSV: forcing CSV writes CSV all the same."""
    tables = generate(5001, seed=3, out=tmp_path, fmt="csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.csv" for t in TABLE_NAMES)
    assert len(pd.read_csv(tmp_path / "accounts.csv")) == len(tables["accounts"]) == 5001
    assert len(pd.read_csv(tmp_path / "orders.csv")) == len(tables["orders"])


def test_parquet_can_be_forced_for_small_n(tmp_path):
    """30 accounts, where "auto" writes CSV: forcing Parquet writes Parquet."""
    tables = generate(30, seed=3, out=tmp_path, fmt="parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.parquet" for t in TABLE_NAMES)
    assert len(pd.read_parquet(tmp_path / "orders.parquet")) == len(tables["orders"])


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n_accounts": 0}, "n_accounts must be a positive integer"),
    ({"n_accounts": 2.5}, "n_accounts must be a positive integer"),
    ({"n_accounts": 10, "fmt": "xlsx"}, "fmt must be one of 'auto', 'csv', 'parquet', but 'xlsx'"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        generate(**kwargs)


@pytest.mark.parametrize("n", [1, 2, 9])
def test_tiny_companies_work(n):
    tables = generate(n, seed=11)
    assert len(tables["accounts"]) == n
    assert len(tables["reps"]) >= 5


# --- the data contract ---------------------------------------------------------------------


def test_tables_follow_the_schema(sample):
    for name, df in sample.items():
        table = TABLES[name]
        known = [c.name for c in table.columns]
        assert list(df.columns) == [c for c in known if c in df.columns], name
        assert set(table.required) <= set(df.columns), name
        if table.key:
            assert df[table.key].is_unique, name
            assert df[table.key].notna().all(), name
        for column in table.columns:
            if column.name not in df:
                continue
            values = df[column.name].dropna()
            if column.kind == "level":
                assert values.between(0, 4).all(), (name, column.name)
            if column.nonnegative:
                assert (values >= 0).all(), (name, column.name)
            if column.kind == "date":
                assert pd.api.types.is_datetime64_any_dtype(df[column.name]), (name, column.name)
            if column.kind == "bool":
                assert df[column.name].dtype == bool, (name, column.name)
    assert set(sample["opportunities"]["status"]) == set(STATUS)
    assert set(sample["factors"]["kind"]) == set(FACTOR_KINDS)


def test_every_code_has_a_label(sample):
    for name, columns in CODE_COLUMNS.items():
        for column, group in columns.items():
            for value in sample[name][column].dropna().unique():
                key = f"{group}.{value}"
                assert i18n.has(key), f"labels.csv lacks {key}"
                assert i18n.t(key, "zh") and i18n.t(key, "en")
    for column in {c for df in sample.values() for c in df.columns}:
        assert i18n.has(column), f"labels.csv lacks column {column}"
    assert i18n.t("stage.conviction", "zh") == "确信"
    assert i18n.t("loss_reason.price", "zh") == "价格"
    assert i18n.t("layer.image", "zh") == "形象层"
    assert i18n.t("buyer_role.coach", "zh") == "教练买家"


# --- coherence ------------------------------------------------------------------------------


def test_references_exist(sample):
    accounts = set(sample["accounts"]["account_id"])
    reps = set(sample["reps"]["rep_id"])
    products = set(sample["products"]["product_id"])
    orders = sample["orders"]
    assert set(orders["account_id"]) <= accounts
    assert set(orders["product_id"]) <= products
    assert set(orders["rep_id"]) <= reps
    for name in ("opportunities", "visits", "contacts"):
        assert set(sample[name]["account_id"]) <= accounts, name
    assert set(sample["opportunities"]["product_id"]) <= products
    assert set(sample["accounts"]["rep_id"]) <= reps
    assert set(sample["leads"]["rep_id"]) <= reps
    # an order's rep is the account's rep, and the rep works in the account's region
    acc = sample["accounts"].set_index("account_id")
    assert (orders["rep_id"].to_numpy() == acc.loc[orders["account_id"], "rep_id"].to_numpy()).all()
    rep_region = sample["reps"].set_index("rep_id")["region"]
    assert (rep_region.loc[acc["rep_id"]].to_numpy() == acc["region"].to_numpy()).all()


def test_accounts(sample):
    acc = sample["accounts"]
    assert (acc["purchase_level"] <= acc["capacity_level"]).all()
    assert set(acc["region"]) == {"east", "north", "south", "central", "west"}
    assert {"logistics", "military", "postal", "tobacco", "sanitation", "railway", "road_bridge", "grain",
            "manufacturing"} <= set(acc["sector"])
    assert 0 < acc["vip"].sum() < 0.1 * len(acc)
    assert acc["account_name"].is_unique
    assert acc["account_name"].str.contains("[\u4e00-\u9fff]").all()
    assert acc[["potential", "capability"]].stack().between(0, 100).all()
    # accounts without orders are not buying (X = 0) and are pre-KAM or uncoupled
    buyers = set(sample["orders"]["account_id"])
    idle = acc[~acc["account_id"].isin(buyers)]
    assert (idle["purchase_level"] == 0).all()
    assert set(idle["relationship_stage"]) <= {"pre", "uncoupling"}


def test_orders(sample):
    orders = sample["orders"]
    assert orders["order_date"].between(START, END).all()
    assert (orders["revenue"] > 0).all() and (orders["quantity"] >= 1).all()
    per_account = orders.groupby("account_id").size()
    assert 20 <= len(orders) / len(sample["accounts"]) <= 40
    assert per_account.max() > 4 * per_account.median()  # long tail
    profit = (orders["revenue"] - orders["cost"]).groupby(orders["account_id"]).sum()
    assert (profit < 0).any() and (profit > 0).mean() > 0.8  # whale curve has a fall-back
    products = sample["products"]
    margin = 1 - products["unit_cost"] / products["unit_price"]
    assert margin.max() >= 0.3 and margin.min() <= 0.1


def test_pareto_share_of_top_fifth(sample):
    """docs/classification.md#pareto--abc: about 20 % of customers bring about 80 %."""
    revenue = sample["orders"].groupby("account_id")["revenue"].sum()
    revenue = revenue.reindex(sample["accounts"]["account_id"], fill_value=0).sort_values(ascending=False)
    top = revenue.iloc[: int(0.2 * len(revenue))].sum() / revenue.sum()
    assert 0.70 <= top <= 0.85


def test_opportunities(sample):
    opp = sample["opportunities"]
    closed = opp[opp["status"] != "open"]
    assert closed["closed_date"].notna().all()
    assert opp.loc[opp["status"] == "open", "closed_date"].isna().all()
    assert (closed["closed_date"] >= closed["created_date"]).all()
    assert closed["closed_date"].le(END).all()
    won, lost = opp[opp["status"] == "won"], opp[opp["status"] == "lost"]
    assert (won["stage"] == "commitment").all()
    assert set(opp["stage"]) <= {"no_interest", "low_interest", "strong_interest", "conviction", "commitment"}
    assert opp.loc[opp["status"] != "lost", "loss_reason"].isna().all()
    assert set(lost["loss_reason"].dropna()) == {
        "brand", "price", "exterior", "interior", "configuration", "power_handling", "quality",
        "attitude", "service", "quote", "presentation", "follow_up", "promise"}
    assert 0 < lost["loss_reason"].isna().mean() < 0.3
    assert lost["competitor"].notna().mean() > 0.7
    assert lost["loss_reason"].value_counts().index[0] == "price"
    share = (won["source"] == "referral").mean()
    assert 0.4 <= share <= 0.65, "referrals bring about half of won deals (docs/win-loss.md#sources-of-won-deals)"
    # no account wins without ever ordering
    assert set(won["account_id"]) <= set(sample["orders"]["account_id"])


def test_visits(sample):
    visits = sample["visits"]
    assert visits["visit_date"].between(START, END).all()
    assert (visits["visit_date"].dt.day_of_week < 5).all()
    accepted = visits["outcome"].isin(["order", "commitment", "progress"])
    assert (visits["accepted"] == accepted).all()
    notes = visits["notes"].dropna()
    named = notes.str.contains("鼎峰重卡|华岳汽车|天驰商用车|远航重工|骏程卡车|北岭汽车")
    assert 0.02 < named.mean() < 0.3
    assert visits["notes"].isna().any()
    # churning accounts have competitors named more often
    uncoupled = set(sample["accounts"].query("relationship_stage == 'uncoupling'")["account_id"])
    rate = named.groupby(visits.loc[notes.index, "account_id"].isin(uncoupled)).mean()
    assert rate[True] > rate[False]


def test_leads(sample):
    leads = sample["leads"]
    assert len(leads) == 2 * SAMPLE_ACCOUNTS
    assert ((leads["status"] == "won") == (leads["grade"] == "O")).all()
    open_ = leads[leads["status"] == "open"]
    ahead = (open_["expected_close_date"] - END).dt.days
    expected = np.select([ahead <= 7, ahead <= 15, ahead <= 30], ["H", "A", "B"], "C")
    assert (open_["grade"].to_numpy() == expected).all()
    assert set(leads["importance"]) == {"important", "secondary", "ordinary"}
    assert (leads["expected_close_date"] >= leads["created_date"]).all()
    man = leads[["money", "authority", "need"]].sum(axis=1)
    closed = leads[leads["status"] != "open"]
    win = (closed["status"] == "won").groupby(man.loc[closed.index]).mean()
    assert win.is_monotonic_increasing


def test_showroom_counts_are_consistent(sample):
    s = sample["showroom"]
    assert len(s) == 36 and s["month"].dt.day.eq(1).all()
    assert (s["first_visits"] <= s["traffic"]).all()
    assert (s["records"] <= s["first_visits"]).all()
    assert (s["test_drives"] <= s["first_visits"]).all()
    assert (s["stay_30min"] <= s["first_visits"]).all()
    assert (s["referrals"] <= s["first_visits"]).all()
    assert (s["showroom_sales"] <= s["records"]).all()
    assert (s["events"] <= s["traffic"]).all()


def test_showroom_scales_with_accounts():
    small, big = generate(100, seed=1)["showroom"], generate(1000, seed=1)["showroom"]
    assert 7 < big["traffic"].sum() / small["traffic"].sum() < 13


def test_market(sample):
    market = sample["market"]
    assert len(market) == len(market[["region", "segment", "year"]].drop_duplicates()) == 5 * 10 * 3
    assert (market["our_sales"] + market["leader_sales"] <= market["market_size"] + 0.01).all()
    # our sales are the order revenue of that region, product family and year
    orders = sample["orders"].merge(sample["accounts"][["account_id", "region"]], on="account_id")
    orders = orders.merge(sample["products"][["product_id", "family"]], on="product_id")
    ours = orders.groupby(["region", "family", orders["order_date"].dt.year])["revenue"].sum()
    got = market.set_index(["region", "segment", "year"])["our_sales"]
    got.index.names = ours.index.names
    pd.testing.assert_series_equal(got.reindex(ours.index), ours.round(2), check_names=False, atol=0.05)
    grown = market.sort_values("year").groupby(["region", "segment"])["market_size"].pct_change().dropna()
    assert np.allclose(grown, market.loc[grown.index, "market_growth"], atol=0.0051)
    relative = market["our_sales"] / market["leader_sales"]
    assert relative.min() < 1 < relative.max()


def test_contacts(sample):
    contacts = sample["contacts"]
    assert set(contacts["layer"]) == {"image", "decision", "implementation", "use"}
    assert set(contacts["buyer_role"]) == {"economic", "technical", "user", "actual", "coach"}
    assert set(contacts["basic_need"]) == {"power", "achievement", "recognition", "cooperation", "security",
                                            "order"}
    assert set(contacts["social_style"]) == {"expressive", "analytical", "driver", "amiable"}
    assert contacts.groupby("account_id").size().min() >= 2
    assert (contacts.loc[contacts["buyer_role"] == "economic", "layer"] == "image").all()
    assert contacts["influence"].between(1, 5).all() and contacts["closeness"].between(1, 5).all()


def test_rare_characters_in_names(sample):
    names = "".join(sample["contacts"]["name"]) + "".join(sample["reps"]["rep_name"])
    for char in RARE_CHARS[:5]:  # 喆 堃 垚 淼 犇
        assert char in names
    assert "".join(sample["reps"]["rep_name"]).count("喆") >= 1


def test_factors(sample):
    factors = sample["factors"]
    assert set(factors["category"]) == {
        "political", "economic", "social", "technological", "demographic", "geographic", "religious",
        "customers", "competitors", "intermediaries", "suppliers", "company"}
    assert factors["probability"].between(0, 1).all()
    assert factors["impact"].between(1, 5).all()
    assert factors["statement"].str.contains("[\u4e00-\u9fff]").all()


def test_reps(sample):
    reps = sample["reps"]
    assert set(reps["region"]) == {"east", "north", "south", "central", "west"}
    in_2025 = sample["orders"][sample["orders"]["order_date"].dt.year == 2025]
    revenue = in_2025.groupby("rep_id")["revenue"].sum().reindex(reps["rep_id"], fill_value=0)
    assert ((revenue.to_numpy() >= reps["sales_target"].to_numpy()) == reps["target_met"].to_numpy()).all()


# --- the purchase process and the size of the company --------------------------------------


def test_purchase_models_find_sensible_parameters(sample):
    """Purchases are a Poisson process with exponential lifetimes: both churn models converge with
    parameters of ordinary size (no a of 10⁴ and b of 10⁶, the sign of a process without dropout)."""
    import kamlib.churn as ch

    summary = ch.rfm_summary(sample["orders"], as_of=END)
    bg, pn = ch.bgnbd_fit(summary), ch.pareto_nbd_fit(summary)
    assert bg.converged and pn.converged
    assert 0.05 < bg.a < 5 and 1 < bg.b < 200 and 0.1 < bg.r < 10
    assert 0.1 < pn.r < 10 and pn.s < 50
    # about a fifth of the buying accounts dropped out; their probability of being active is low
    alive = ch.p_alive(bg, summary).to_numpy()
    uncoupled = summary["account_id"].isin(
        sample["accounts"].query("relationship_stage == 'uncoupling'")["account_id"]).to_numpy()
    assert 0.1 < uncoupled.mean() < 0.35
    assert np.median(alive[uncoupled]) < 0.5 < np.median(alive[~uncoupled])


def test_purchase_days_vary_across_accounts_and_hold_several_orders(sample):
    orders = sample["orders"]
    days = orders.groupby("account_id")["order_date"].agg(["nunique", "min", "max", "size"])
    weeks = ((days["max"] - days["min"]).dt.days / 7).clip(lower=1)
    rate = (days["nunique"] - 1) / weeks
    assert rate.std() / rate.mean() > 0.5  # heterogeneous purchase rates
    assert (days["size"] > days["nunique"]).mean() > 0.5  # several orders on one purchase day


def test_size_follows_sector_and_city(sample):
    acc = sample["accounts"]
    revenue = sample["orders"].query("order_date > '2024-12-31'").groupby("account_id")["revenue"].sum()
    headroom = (acc["annual_demand"] - acc["account_id"].map(revenue).fillna(0)).clip(lower=0)
    assert headroom.max() < 0.2 * headroom.sum()  # no single account holds most of the white space
    district = acc["account_name"].str.contains("区|分局|营业部|网格|营销部|仓库")
    assert acc.loc[district, "annual_demand"].median() < 0.3 * acc.loc[~district, "annual_demand"].median()
    assert not district[acc["annual_demand"].idxmax()]
    big = acc["city"].isin(["上海", "北京", "广州", "深圳"])
    assert acc.loc[big, "annual_demand"].median() > 1.5 * acc.loc[~big, "annual_demand"].median()
    assert big.mean() > 4 / 50  # big cities hold more than their share of accounts


def test_new_products_and_markets_in_2025(sample):
    import kamlib.environment as env

    for region in ("east", "north", "south", "central", "west"):
        split = env.ansoff(sample["orders"], sample["accounts"], as_of=END, market="sector", region=region)
        revenue = split.set_index("quadrant")["revenue"]
        assert revenue["product_development"] > 0 and revenue["market_development"] > 0, region
        assert split.set_index("quadrant").at["market_penetration", "share"] < 1
    first = sample["orders"].groupby("product_id")["order_date"].min()
    assert (first > pd.Timestamp("2024-06-30")).sum() >= 3
