"""Text behind notebook 02 (customer classification): the tables in scope, the rule each
section applied and a one-sentence reading of each result, in English or Chinese.

Every sentence comes from ``labels.csv`` (``text.cc_*``) filled with figures from the
tables; nothing here computes a classification.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from kamlib import i18n
from kamlib.classify.grades import top_share
from kamlib.i18n import format_money

__all__ = ["bullets", "needs", "reading", "rule", "scope", "weights_text"]

_TABLES = ("accounts", "orders", "products", "visits", "leads", "opportunities")


def scope(ds, *, region: str | None = None, rep_id: str | None = None) -> dict[str, pd.DataFrame | None]:
    """The tables of *ds* the notebook uses, limited to one region and/or rep (None = all).

    Accounts are kept by their ``region`` / ``rep_id``; orders and visits follow their
    accounts (orders also by their own ``rep_id``); leads by their ``rep_id``. A table
    the data lacks is None.

    Examples
    --------
    >>> import kamlib.data
    >>> tables = scope(kamlib.data.load(), region="east")
    >>> set(tables["accounts"]["region"]), bool(tables["orders"]["account_id"].isin(tables["accounts"]["account_id"]).all())
    ({'east'}, True)
    """
    tables = {name: ds.table(name) if name in ds.names else None for name in _TABLES}
    accounts = tables["accounts"]
    for column, value in (("region", region), ("rep_id", rep_id)):
        if value is None:
            continue
        if accounts is not None and column in accounts:
            accounts = accounts[accounts[column] == value]
            for name in ("orders", "visits"):
                if tables[name] is not None:
                    tables[name] = tables[name][tables[name]["account_id"].isin(accounts["account_id"])]
        elif column == "rep_id" and tables["orders"] is not None and "rep_id" in tables["orders"]:
            tables["orders"] = tables["orders"][tables["orders"]["rep_id"] == value]
        if column == "rep_id" and tables["leads"] is not None and "rep_id" in tables["leads"]:
            tables["leads"] = tables["leads"][tables["leads"]["rep_id"] == value]
    tables["accounts"] = accounts
    return tables


def needs(table: pd.DataFrame | None, columns: Sequence[str], name: str) -> str | None:
    """What a section lacks (``"accounts.potential, accounts.capability"``) or None.

    Examples
    --------
    >>> needs(None, ["account_id"], "leads"), needs(pd.DataFrame({"a": [1]}), ["a", "b"], "accounts")
    ('leads', 'accounts.b')
    """
    if table is None:
        return name
    missing = [f"{name}.{c}" for c in columns if c not in table.columns]
    return ", ".join(missing) or None


def _pct(x: float) -> str:
    return "–" if x is None or pd.isna(x) else f"{x:.0%}"


def _counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.value_counts().items()}


def rule(kind: str, lang: str = "en", **values: object) -> str:
    """The rule a section applied, as one sentence (label ``text.cc_rule_<kind>``), in italics.

    Examples
    --------
    >>> rule("pareto", "en", value="revenue", a="80%", b="95%")
    '*Rule: accounts ranked by revenue; cumulative share up to 80% → A, up to 95% → B, the rest → C.*'
    """
    return f"*{i18n.t(f'text.cc_rule_{kind}', lang, **values)}*"


def reading(kind: str, table: pd.DataFrame, *, lang: str = "en", **options: object) -> str:
    """One sentence reading a section's result, generated from its table.

    Parameters
    ----------
    kind : str
        ``pareto, xy, portfolio, profit, selection, whitespace, man, temperature,
        stages``.
    table : DataFrame
        That section's :mod:`kamlib.classify` output.
    lang : {"en", "zh"}
    **options
        ``value`` (pareto), ``top`` (pareto share, default 0.2).

    Examples
    --------
    >>> from kamlib.classify import pareto_abc
    >>> p = pareto_abc(pd.DataFrame({"account_id": list("abcde"), "revenue": [60.0, 20, 10, 5, 5]}))
    >>> reading("pareto", p, lang="en")
    'The top 20% of accounts (1) bring 60% of revenue; 2 accounts are A, 2 B and 1 C.'
    """
    i18n.check_lang(lang)
    return _READERS[kind](table, lang, **options)


def _read_pareto(table, lang, value="revenue", top=0.2):
    n = max(1, math.ceil(top * len(table) - 1e-9))
    c = _counts(table["abc_class"])
    label = i18n.header([value], lang)[0]
    return i18n.t("text.cc_read_pareto", lang, top=_pct(top), n=n, share=_pct(top_share(table, top)),
                  value=label.lower() if lang == "en" else label,
                  na=c.get("A", 0), nb=c.get("B", 0), nc=c.get("C", 0))


def _read_xy(table, lang):
    c = _counts(table["xy_class"])
    cells = table[table["check"] == "ok"].groupby(["purchase_level", "capacity_level"]).size()
    (x, y), n = (cells.idxmax(), cells.max()) if len(cells) else (("–", "–"), 0)
    return i18n.t("text.cc_read_xy", lang, na=c.get("A", 0), nb=c.get("B", 0), nc=c.get("C", 0), x=x, y=y, n=n,
                  errors=int((table["check"] == "x_above_y").sum()))


def _read_portfolio(table, lang):
    c = _counts(table["portfolio"])
    return i18n.t("text.cc_read_portfolio", lang, **{q: c.get(q, 0) for q in ("invest", "selective", "maintain",
                                                                               "harvest")})


def _read_profit(table, lang):
    y = table["cumulative_profit_share"]
    peak = int(y.to_numpy().argmax())
    return i18n.t("text.cc_read_profit", lang, peak=f"{y.iloc[peak]:.1%}", n=peak + 1,
                  loss=int((table["profit_segment"] == "loss_making").sum()), drag=f"{y.iloc[peak] - y.iloc[-1]:.1%}")


def _read_selection(table, lang):
    first = table.iloc[0]
    name = first.get("account_name", first["account_id"])
    weights = table.attrs.get("weights", {})
    points = {c: w * table[f"{c}_score"].head(10).sum() for c, w in weights.items()}
    best = max(points, key=points.get) if points else "volume"
    return i18n.t("text.cc_read_selection", lang, name=name, score=f"{first['ka_score']:.0f}",
                  criterion=i18n.t(best, lang))


def _read_whitespace(table, lang):
    total = table["headroom"].sum()
    demand = table["potential"].sum()
    return i18n.t("text.cc_read_whitespace", lang, total=format_money(total, lang),
                  top=_pct(table["headroom"].head(10).sum() / total if total else None),
                  wallet=_pct(table["current"].sum() / demand if demand else None))


def _read_man(table, lang):
    c = {str(k): int(v) for k, v in zip(table["man"], table["leads"])}
    n = sum(c.values())
    return i18n.t("text.cc_read_man", lang, ideal=c.get("MAN", 0), n=n, share=_pct(c.get("MAN", 0) / n if n else None),
                  stop=c.get("none", 0))


def _read_temperature(table, lang):
    c = _counts(table["temperature"])
    return i18n.t("text.cc_read_temperature", lang, hot=c.get("hot", 0), promising=c.get("promising", 0),
                  overdue=int(table["overdue"].fillna(False).sum()), n=len(table))


def _read_stages(table, lang):
    total = table.groupby("relationship_stage", observed=False)["accounts"].sum()
    share = total / max(total.sum(), 1)
    top = share.idxmax()
    return i18n.t("text.cc_read_stages", lang, stage=i18n.value_label("relationship_stage", top, lang),
                  share=_pct(share[top]), collab=_pct(share[["partnership", "synergistic"]].sum()),
                  uncoupling=_pct(share["uncoupling"]))


_READERS = {"pareto": _read_pareto, "xy": _read_xy, "portfolio": _read_portfolio, "profit": _read_profit,
            "selection": _read_selection, "whitespace": _read_whitespace, "man": _read_man,
            "temperature": _read_temperature, "stages": _read_stages}


def weights_text(weights: Mapping[str, float], lang: str = "en") -> str:
    """``Purchase volume 20%, …`` for the rule sentence.

    Examples
    --------
    >>> weights_text({"volume": 0.5, "partnership": 0.5}, "zh")
    '采购量 50%，长期合作意愿 50%'
    """
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{i18n.t(k, lang)} {_pct(w)}" for k, w in weights.items())


def bullets(sentences: Sequence[str], *, lang: str = "en") -> str:
    """The closing "what this means": the readings as a Markdown list.

    Examples
    --------
    >>> bullets([], lang="en")
    '- There was not enough data for any classification reading.'
    """
    return "\n".join(f"- {s}" for s in sentences if s) or f"- {i18n.t('text.cc_nothing', lang)}"
