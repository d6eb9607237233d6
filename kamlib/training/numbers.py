"""Workshop 5, "Read the numbers": each participant's own tables and the questions computed from them.

A participant's name gives a seed (:func:`name_seed`, a hash of the name, the same in
every kernel); the seed gives a loss table, a month of showroom counts and a lead-target
case (:func:`participant_data`), so neighbours get different numbers. :func:`numbers_bank`
turns them into a :class:`~kamlib.training.bank.Bank` whose answers are computed with
the workbook's own functions (:func:`kamlib.winloss.loss_reasons`,
:func:`kamlib.winloss.showroom_kpis`, :func:`kamlib.visits.lead_targets`): the prompts
and explanations keep the wording of ``bank/read_the_numbers.yml``, whose other
questions are taken as they are. The bank lives in the kernel only; it is never written
to a file.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from kamlib import i18n
from kamlib.training.bank import Bank, Option, Question, Text, bank_folder, load_bank
from kamlib.visits.leads import lead_targets
from kamlib.winloss.analysis import SALES_SIDE, loss_reasons, showroom_kpis

__all__ = ["MODELS", "REASONS", "NumbersData", "name_seed", "numbers_bank", "numbers_tables", "participant_data"]

#: The workshop the generated bank belongs to.
WORKSHOP = "read_the_numbers"
#: Models of the loss table.
MODELS = ("K2", "K3", "K5")
#: Loss reasons of the loss table: product side (price, quality), then sales side.
REASONS = ("price", "quality", "quote", "follow_up", "attitude")
#: Questions of ``read_the_numbers.yml`` kept as they are (their numbers are the source's).
FIXED = ("survey_medium",)
#: The showroom's month in the generated tables.
MONTH = "2026-04"
_TRIES = 200


@dataclass(frozen=True)
class NumbersData:
    """One participant's tables.

    Attributes
    ----------
    participant : str
        The name the data was derived from.
    seed : int
        :func:`name_seed` of the name.
    losses : DataFrame
        Lost deals: index ``product_id`` (the models), one column per reason of :data:`REASONS`.
    showroom : DataFrame
        One month of showroom counts, in the columns :func:`kamlib.winloss.showroom_kpis` reads.
    leads : dict
        The lead-target case: ``deal_target``, ``showroom_share``, ``close_rate``,
        ``leads_found`` and ``adjusted_rate`` (the showroom's; shares as 0–1).
    asked_model : str
        The model whose main loss reason is asked.
    """

    participant: str
    seed: int
    losses: pd.DataFrame
    showroom: pd.DataFrame
    leads: dict[str, float]
    asked_model: str


def name_seed(participant: str) -> int:
    """A seed from a participant's name: stable across kernels, blind to case, width and outer spaces.

    Examples
    --------
    >>> name_seed("Li Lei") == name_seed(" li lei ") == name_seed("ＬＩ ＬＥＩ")
    True
    >>> name_seed("Li Lei") == name_seed("Han Meimei")
    False
    """
    key = unicodedata.normalize("NFKC", participant).strip().casefold()
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")


# ----------------------------------------------------------------------------- the data
def _row_leader(row: pd.Series) -> str | None:
    """The reason with the most losses in *row*, None when two share the top."""
    top = row.max()
    return str(row.idxmax()) if int((row == top).sum()) == 1 else None


def _loss_table(rng: np.random.Generator) -> tuple[pd.DataFrame, str]:
    """A loss table where one model's main reason is clear and differs from the overall leader."""
    for _ in range(_TRIES):
        counts = rng.integers(1, 13, size=(len(MODELS), len(REASONS)))
        table = pd.DataFrame(counts, index=pd.Index(MODELS, name="product_id"), columns=list(REASONS))
        overall = _row_leader(table.sum())
        asked = [m for m in MODELS if _row_leader(table.loc[m]) not in (None, overall)]
        if overall is not None and asked:
            return table, asked[int(rng.integers(len(asked)))]
    raise RuntimeError("no loss table with a clear main reason was drawn")  # pragma: no cover - 200 draws


def _showroom(rng: np.random.Generator) -> pd.DataFrame:
    first = int(rng.integers(180, 320))
    records = int(first * rng.uniform(0.55, 0.75))
    drives = int(records * rng.uniform(0.45, 0.65))
    sales = int(drives * rng.uniform(0.35, 0.55))
    return pd.DataFrame({
        "month": [MONTH], "traffic": [first + int(rng.integers(200, 400))], "first_visits": [first],
        "records": [records], "test_drives": [drives], "showroom_sales": [sales],
        "secondary_sales": [int(rng.integers(5, 20))], "wholesale_sales": [int(rng.integers(3, 15))],
    })


def _lead_case(rng: np.random.Generator) -> dict[str, float]:
    rate = int(rng.integers(10, 19))
    case = {"deal_target": float(rng.integers(12, 25) * 5), "showroom_share": int(rng.integers(7, 13)) * 5 / 100,
            "close_rate": rate / 100, "adjusted_rate": (rate + int(rng.integers(2, 5))) / 100}
    needed = _lead_row(case)["adjusted_leads_needed"]
    case["leads_found"] = float(needed - int(rng.integers(5, 30)))
    return case


def participant_data(participant: str) -> NumbersData:
    """The tables of *participant* (the same name always gives the same tables).

    Examples
    --------
    >>> data = participant_data("Li Lei")
    >>> data.losses.shape, list(data.losses.index)
    ((3, 5), ['K2', 'K3', 'K5'])
    >>> participant_data("li lei ").losses.equals(data.losses)
    True
    """
    seed = name_seed(participant)
    rng = np.random.default_rng(seed)
    losses, asked = _loss_table(rng)
    return NumbersData(participant, seed, losses, _showroom(rng), _lead_case(rng), asked)


# ----------------------------------------------------------------------------- answers from the workbook
def lost_deals(losses: pd.DataFrame) -> pd.DataFrame:
    """The loss table as one row per lost deal (``opportunity_id, status, product_id, loss_reason``).

    Examples
    --------
    >>> table = pd.DataFrame({"price": [2], "quality": [1]}, index=pd.Index(["K2"], name="product_id"))
    >>> lost_deals(table)["loss_reason"].tolist()
    ['price', 'price', 'quality']
    """
    long = losses.stack().rename("lost").reset_index().rename(columns={"level_1": "loss_reason"})
    deals = long.loc[long.index.repeat(long["lost"]), ["product_id", "loss_reason"]].reset_index(drop=True)
    deals.insert(0, "status", "lost")
    deals.insert(0, "opportunity_id", [f"L{n:04d}" for n in range(len(deals))])
    return deals


def _lead_row(case: dict[str, float]) -> pd.Series:
    """The showroom row of :func:`kamlib.visits.lead_targets` for the lead case."""
    share = case["showroom_share"]
    history = {"showroom": case["leads_found"]} if "leads_found" in case else None
    table = lead_targets(case["deal_target"], {"showroom": share, "other": 1 - share},
                         {"showroom": case["close_rate"], "other": 1.0}, history=history,
                         adjusted={"showroom": case["adjusted_rate"]})
    return table.set_index("channel").loc["showroom"]


def answers(data: NumbersData) -> dict[str, Any]:
    """Every generated question's answer, computed with the workbook's functions.

    Examples
    --------
    >>> sorted(answers(participant_data("Li Lei")))
    ['adjusted_gap', 'close_rate', 'leads_needed', 'main_reason', 'price_share', 'retail_share', 'sales_side_share']
    """
    reasons = loss_reasons(lost_deals(data.losses), by="product_id")
    overall = reasons.groupby("loss_reason")["lost"].sum() / len(lost_deals(data.losses))
    model = reasons[reasons["product_id"] == data.asked_model].set_index("loss_reason")["lost"]
    kpis = showroom_kpis(data.showroom).iloc[0]
    lead = _lead_row(data.leads)
    return {
        "price_share": 100 * float(overall["price"]),
        "sales_side_share": 100 * float(overall[[r for r in REASONS if r in SALES_SIDE]].sum()),
        "main_reason": str(model[list(REASONS)].idxmax()),
        "close_rate": 100 * float(kpis["close_rate"]),
        "retail_share": 100 * float(kpis["showroom_retail_share"]),
        "leads_needed": int(lead["leads_needed"]),
        "adjusted_gap": int(lead["adjusted_lead_gap"]),
    }


# ----------------------------------------------------------------------------- wording
def _pct(value: float, lang: str, decimals: int = 1) -> str:
    """A percentage already ×100: ``35.7 %`` in English, ``35.7%`` in Chinese."""
    text = i18n.format_number(value, lang, decimals)
    return f"{text} %" if lang == "en" else f"{text}%"


def _both(make: Any) -> Text:
    """A :class:`Text` from a function of the language."""
    return Text(make("en"), make("zh"))


def _reason(code: str, lang: str) -> str:
    return i18n.value_label("loss_reason", code, lang)


def loss_markdown(losses: pd.DataFrame, lang: str = "en") -> str:
    """The loss table as a Markdown table in *lang* (the prompt of the loss questions).

    Examples
    --------
    >>> table = pd.DataFrame({"price": [2]}, index=pd.Index(["K2"], name="product_id"))
    >>> print(loss_markdown(table, "zh"))
    | 车型 | 价格 |
    | --- | --- |
    | K2 | 2 |
    """
    head = [i18n.t("training.numbers.model", lang), *(_reason(r, lang) for r in losses.columns)]
    rows = [[str(model), *(str(int(v)) for v in values)] for model, values in losses.iterrows()]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [head, ["---"] * len(head), *rows])


_SAY: dict[str, Text] = {
    "price_prompt": Text("Lost deals by model and reason:\n\n{table}\n\nWhat share of all lost deals is lost on "
                         "**price**?",
                         "各车型的战败数量及原因：\n\n{table}\n\n因**价格**战败的占全部战败的百分之几？"),
    "price_why": Text("Price: {parts} = {price}. All losses: {totals} = {total}. {price} ÷ {total} = {share}.",
                      "价格：{parts} = {price}。全部战败：{totals} = {total}。{price} ÷ {total} = {share}。"),
    "sales_prompt": Text("Same table. Quote, follow-up and attitude are **sales-side** reasons; price and quality "
                         "are product-side. What share of all losses is sales-side?",
                         "仍是这张表。报价不合理、跟进不及时、态度不热情属于**销售方面**的原因；价格、质量属于产品方面。"
                         "销售方面的战败占全部的百分之几？"),
    "sales_why": Text("Quote {quote} + follow-up {follow_up} + attitude {attitude} = {side} of {total} = {share}: "
                      "the part of the losses in the sales team's hands.",
                      "报价 {quote} + 跟进 {follow_up} + 态度 {attitude} = {side}，占 {total} 的 {share}："
                      "这部分战败取决于销售团队自身。"),
    "main_prompt": Text("Same table. What is the main reason {model} deals are lost?",
                        "仍是这张表。{model} 车型战败的主要原因是什么？"),
    "main_right": Text("Right: {n} of {model}'s {total} losses, {share}.",
                       "正确：{model} 的 {total} 台战败中占 {n} 台，{share}。"),
    "main_overall": Text("{reason} leads overall, but {model} has {n} losses to it against {top} for {main}.",
                         "{reason}是总体的首要原因，但 {model} 因此战败 {n} 台，少于{main}的 {top} 台。"),
    "main_other": Text("{n} of {model}'s {total} losses.", "{model} 的 {total} 台战败中占 {n} 台。"),
    "main_why": Text("Read each model's row on its own: the overall leader ({overall}) is not every model's leader.",
                     "每个车型要单独看：总体的首要原因（{overall}）不一定是每个车型的首要原因。"),
    "close_prompt": Text("{month} in the showroom: total traffic {traffic}, first visits {first_visits}, records "
                         "kept {records}, test drives {test_drives}, showroom sales {showroom_sales}, total sales "
                         "{total_sales}.\nWhat is the close rate?",
                         "展厅{month}数据：总客流 {traffic}，首次来店 {first_visits}，留档 {records}，试乘试驾 "
                         "{test_drives}，展厅成交 {showroom_sales}，总销量 {total_sales}。\n成交率是多少？"),
    "close_why": Text("Close rate = showroom sales ÷ first visits = {showroom_sales} ÷ {first_visits} = {share}. "
                      "Not ÷ total traffic: that includes repeat visits.",
                      "成交率 = 展厅成交 ÷ 首次来店 = {showroom_sales} ÷ {first_visits} = {share}。不能除以总客流："
                      "总客流包含再次来店。"),
    "retail_prompt": Text("Same month: showroom sales {showroom_sales}, secondary-network sales {secondary_sales}, "
                          "wholesale {wholesale_sales}. What is the showroom retail share?",
                          "同一个月：展厅成交 {showroom_sales} 台，二级网点 {secondary_sales} 台，批发 "
                          "{wholesale_sales} 台。展厅零售占比是多少？"),
    "retail_why": Text("Showroom retail share = showroom sales ÷ total sales = {showroom_sales} ÷ {total_sales} = "
                       "{share}; the other {others} cars went through secondary and wholesale channels.",
                       "展厅零售占比 = 展厅成交 ÷ 总销量 = {showroom_sales} ÷ {total_sales} = {share}；其余 {others} "
                       "台来自二级网点和批发。"),
    "leads_prompt": Text("Next month's deal target: {target}. The showroom brings {mix} of deals and closes {rate} "
                         "of its leads (3-month averages). How many showroom leads are needed?",
                         "下月成交目标 {target} 台。展厅贡献 {mix} 的成交，展厅线索成交率 {rate}（均为近 3 个月平均）。"
                         "展厅需要多少条线索？"),
    "leads_why": Text("Deals needed = {target} × {mix} = {deals}. Leads = {deals} ÷ {rate_number} = {exact}, "
                      "rounded **up** to {needed}: {short} leads would fall short.",
                      "所需成交 = {target} × {mix} = {deals} 台。线索 = {deals} ÷ {rate_number} = {exact}，**向上**"
                      "取整为 {needed}：{short} 条不够。"),
    "gap_prompt": Text("Same case. The showroom found {found} leads a month on average. The manager sets a higher "
                       "close-rate target of {better}. What is the lead gap now?",
                       "同一案例。近 3 个月展厅平均每月获得 {found} 条线索。经理把成交率目标调高到 {better}。"
                       "现在的线索缺口是多少？"),
    "gap_why": Text("{deals} ÷ {better_number} = {adjusted} leads needed; {adjusted} − {found} = {gap}. At {rate} "
                    "the gap was {needed} − {found} = {old_gap}: better conversion saves {saved} leads.",
                    "{deals} ÷ {better_number} = {adjusted} 条；{adjusted} − {found} = {gap}。按 {rate} 时缺口为 "
                    "{needed} − {found} = {old_gap}：提高成交率少找 {saved} 条线索。"),
}


def _say(key: str, **values: Any) -> Text:
    """The wording *key* with *values*; a value that is a function of the language is called per language."""
    def fill(lang: str) -> str:
        shown = {k: v(lang) if callable(v) else v for k, v in values.items()}
        return _SAY[key].get(lang).format(**shown)
    return _both(fill)


def _numeric(base: Question, answer: float, tolerance: float, prompt: Text, explanation: Text) -> Question:
    return replace(base, answer=answer, tolerance=tolerance, prompt=prompt, explanation=explanation)


def _loss_questions(data: NumbersData, bank: Bank, key: dict[str, Any]) -> list[Question]:
    losses = data.losses
    total, price = int(losses.to_numpy().sum()), int(losses["price"].sum())
    sums = losses.sum()
    side = int(sum(sums[r] for r in REASONS if r in SALES_SIDE))
    per_model = [str(int(v)) for v in losses.sum(axis=1)]
    price_q = _numeric(bank.question("price_share"), key["price_share"], 0.5,
                       _say("price_prompt", table=lambda lang: loss_markdown(losses, lang)),
                       _say("price_why", parts=" + ".join(str(int(v)) for v in losses["price"]), price=price,
                            totals=" + ".join(per_model), total=total,
                            share=lambda lang: _pct(key["price_share"], lang)))
    sales_q = _numeric(bank.question("sales_side_share"), key["sales_side_share"], 0.5, _SAY["sales_prompt"],
                       _say("sales_why", **{r: int(sums[r]) for r in ("quote", "follow_up", "attitude")}, side=side,
                            total=total, share=lambda lang: _pct(key["sales_side_share"], lang)))
    return [price_q, sales_q, _main_reason(data, bank.question("main_reason"), key["main_reason"])]


def _main_reason(data: NumbersData, base: Question, main: str) -> Question:
    model, row = data.asked_model, data.losses.loc[data.asked_model]
    overall = str(data.losses.sum().idxmax())
    total = int(row.sum())

    def feedback(code: str) -> Text:
        if code == main:
            return _say("main_right", n=int(row[code]), model=model, total=total,
                        share=lambda lang: _pct(100 * row[code] / total, lang, 0))
        if code == overall:
            return _say("main_overall", reason=lambda lang: _reason(code, lang), model=model, n=int(row[code]),
                        top=int(row[main]), main=lambda lang: _reason(main, lang))
        return _say("main_other", n=int(row[code]), model=model, total=total)

    options = tuple(Option(code, _both(lambda lang, c=code: _reason(c, lang)), feedback(code)) for code in REASONS)
    return replace(base, answer=main, options=options,
                   prompt=_say("main_prompt", model=model),
                   explanation=_say("main_why", overall=lambda lang: _reason(overall, lang)))


def _showroom_questions(data: NumbersData, bank: Bank, key: dict[str, Any]) -> list[Question]:
    room = data.showroom.iloc[0]
    counts = {c: int(room[c]) for c in ("traffic", "first_visits", "records", "test_drives", "showroom_sales",
                                        "secondary_sales", "wholesale_sales")}
    total = counts["showroom_sales"] + counts["secondary_sales"] + counts["wholesale_sales"]
    month = _both(lambda lang: i18n.format_month(MONTH, lang))
    close = _numeric(bank.question("close_rate"), key["close_rate"], 0.1,
                     _say("close_prompt", month=month.get, total_sales=total, **counts),
                     _say("close_why", share=lambda lang: _pct(key["close_rate"], lang), **counts))
    retail = _numeric(bank.question("retail_share"), key["retail_share"], 0.5, _say("retail_prompt", **counts),
                      _say("retail_why", total_sales=total, others=total - counts["showroom_sales"],
                           share=lambda lang: _pct(key["retail_share"], lang), **counts))
    return [close, retail]


def _number(value: float) -> str:
    """A rate or count as written in a sum: ``0.14``, ``36``, ``257.1``."""
    return f"{value:g}" if value == round(value, 2) else f"{value:.1f}"


def _lead_questions(data: NumbersData, bank: Bank, key: dict[str, Any]) -> list[Question]:
    case = data.leads
    row = _lead_row(case)
    deals, needed, adjusted = float(row["deals_needed"]), int(row["leads_needed"]), int(row["adjusted_leads_needed"])
    found = int(case["leads_found"])
    rate = {"mix": lambda lang: _pct(100 * case["showroom_share"], lang, 0),
            "rate": lambda lang: _pct(100 * case["close_rate"], lang, 0)}
    leads = _numeric(bank.question("leads_needed"), key["leads_needed"], 0,
                     _say("leads_prompt", target=int(case["deal_target"]), **rate),
                     _say("leads_why", target=int(case["deal_target"]), deals=_number(deals),
                          rate_number=_number(case["close_rate"]), exact=f"{deals / case['close_rate']:.1f}",
                          needed=needed, short=needed - 1, **rate))
    def better(lang: str) -> str:
        return _pct(100 * case["adjusted_rate"], lang, 0)

    gap = _numeric(bank.question("adjusted_gap"), key["adjusted_gap"], 0,
                   _say("gap_prompt", found=found, better=better),
                   _say("gap_why", deals=_number(deals), better_number=_number(case["adjusted_rate"]),
                        adjusted=adjusted, found=found, gap=adjusted - found, rate=rate["rate"], needed=needed,
                        old_gap=needed - found, saved=needed - adjusted))
    return [leads, gap]


def numbers_bank(participant: str) -> Bank:
    """The workshop's bank for *participant*: their own numbers, answers computed from them.

    The title, intro, points, units and sources are those of ``read_the_numbers.yml``;
    the questions of :data:`FIXED` are taken from it unchanged.

    Examples
    --------
    >>> from kamlib.training import check
    >>> bank = numbers_bank("Li Lei")
    >>> [q.id for q in bank.questions][:3]
    ['price_share', 'sales_side_share', 'main_reason']
    >>> question = bank.question("leads_needed")
    >>> check(question, question.answer).correct, check(question, question.answer - 1).feedback
    (True, ('Too low.',))
    """
    data = participant_data(participant)
    base = load_bank(bank_folder() / f"{WORKSHOP}.yml")
    key = answers(data)
    questions = [*_loss_questions(data, base, key), *_showroom_questions(data, base, key),
                 *_lead_questions(data, base, key), *(base.question(q) for q in FIXED)]
    return replace(base, questions=tuple(questions))


# ----------------------------------------------------------------------------- the tables shown
def numbers_tables(data: NumbersData, lang: str = "en") -> dict[str, pd.DataFrame]:
    """The participant's tables with headers in *lang*: the loss table, the showroom month, the lead case.

    Returns
    -------
    dict
        Table title (in *lang*) → DataFrame, in the order the questions use them.

    Examples
    --------
    >>> tables = numbers_tables(participant_data("Li Lei"), "zh")
    >>> list(tables)
    ['战败客户分析表', '展厅客流分析', '月度客源开发目标']
    >>> list(tables['战败客户分析表'].columns)[:2]
    ['车型', '价格']
    """
    i18n.check_lang(lang)
    losses = data.losses.reset_index()
    losses.columns = [i18n.t("training.numbers.model", lang), *(_reason(r, lang) for r in REASONS)]
    room = data.showroom.drop(columns="month")
    room = pd.DataFrame({i18n.t("training.numbers.item", lang): i18n.header(room.columns, lang),
                         i18n.format_month(MONTH, lang): room.iloc[0].astype(int).to_numpy()})
    case = data.leads
    lead_values = [i18n.format_count(case["deal_target"], lang), _pct(100 * case["showroom_share"], lang, 0),
                   _pct(100 * case["close_rate"], lang, 0), i18n.format_count(case["leads_found"], lang),
                   _pct(100 * case["adjusted_rate"], lang, 0)]
    lead_items = ["deal_target", "showroom_share", "close_rate", "leads_found", "adjusted_rate"]
    leads = pd.DataFrame({i18n.t("training.numbers.item", lang):
                          [i18n.t(f"training.numbers.{item}", lang) for item in lead_items],
                          i18n.t("training.numbers.value", lang): lead_values})
    names = ("losses", "showroom", "leads")
    return {i18n.t(f"training.numbers.title.{n}", lang): table for n, table in zip(names, (losses, room, leads),
                                                                                  strict=True)}

