"""Readings of the data overview: the closing "what this means", generated from its tables."""

from __future__ import annotations

import pandas as pd

from kamlib import i18n

__all__ = ["findings"]


def _percent(x: float, lang: str) -> str:
    """A share of revenue in a sentence, with the one decimal the tables show (:func:`kamlib.i18n.format_percent`)."""
    return i18n.format_percent(x, lang, 1)


def _group_label(by: str, lang: str) -> str:
    """``region`` → "region" (mid-sentence, English) / "区域"."""
    label = i18n.t(by, lang) if i18n.has(by) else by.replace("_", " ")
    return label.lower() if lang == "en" else label


def findings(
    regions: pd.DataFrame | None, monthly: pd.DataFrame, *, by: str = "region", lang: str = "en"
) -> str:
    """The closing "what this means" of the data overview, as Markdown in *lang*.

    Sentences are generated from the tables: total revenue and period, the largest
    group and its share, how concentrated revenue is, the best month, and the last
    twelve months against the twelve before (when two years of data are there).

    Parameters
    ----------
    regions : DataFrame or None
        Output of :func:`revenue_by` (columns ``<by>, revenue, orders, share``);
        None when the data has no such breakdown (the group sentences are left out).
    monthly : DataFrame
        Output of :func:`revenue_by_month` without a split (``month, revenue, orders``).
    by : str, default "region"
        The grouping column of *regions*; its values are labelled via
        :func:`kamlib.i18n.value_label`.
    lang : {"en", "zh"}
        Output language.

    Returns
    -------
    str
        A Markdown bullet list (empty-data message when there is no revenue).

    Examples
    --------
    >>> regions = pd.DataFrame({"region": ["east", "west"], "revenue": [75.0, 25.0],
    ...                         "orders": [3, 1], "share": [0.75, 0.25]})
    >>> monthly = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
    ...                         "revenue": [40.0, 60.0], "orders": [2, 2]})
    >>> print(findings(regions, monthly, lang="en").splitlines()[1])
    - **East** is the largest region: 75.0% of revenue (75 from 3 orders).
    """
    i18n.check_lang(lang)
    t = i18n.t
    total = float(monthly["revenue"].sum()) if len(monthly) else 0.0
    if total <= 0:
        return f"- {t('text.no_revenue', lang)}"
    lines = []
    lines.append(
        t(
            "text.total_revenue",
            lang,
            total=i18n.format_money(total, lang),
            orders=i18n.format_count(monthly["orders"].sum(), lang),
            first=i18n.format_month(monthly["month"].min(), lang),
            last=i18n.format_month(monthly["month"].max(), lang),
        )
    )
    lines += [] if regions is None else _group_lines(regions, by, lang)
    best = monthly.loc[monthly["revenue"].idxmax()]
    lines.append(
        t("text.best_month", lang, month=i18n.format_month(best["month"], lang), revenue=i18n.format_money(best["revenue"], lang))
    )
    if len(monthly) >= 24:
        last12 = monthly["revenue"].iloc[-12:].sum()
        prev12 = monthly["revenue"].iloc[-24:-12].sum()
        if prev12 > 0:
            change = last12 / prev12 - 1
            key = "text.trend_up" if change >= 0 else "text.trend_down"
            lines.append(t(key, lang, change=_percent(abs(change), lang), revenue=i18n.format_money(last12, lang)))
    return "\n".join(f"- {line}" for line in lines)


def _group_lines(regions: pd.DataFrame, by: str, lang: str) -> list[str]:
    t = i18n.t
    lines: list[str] = []
    known = regions[regions[by].notna()]
    if len(known):
        top = known.iloc[0]
        group_label = _group_label(by, lang)
        lines.append(
            t(
                "text.largest_group",
                lang,
                name=i18n.value_label(by, top[by], lang),
                group=group_label,
                share=_percent(top["share"], lang),
                revenue=i18n.format_money(top["revenue"], lang),
                orders=i18n.format_count(top["orders"], lang),
            )
        )
        if len(known) >= 3:
            top_n = 3 if len(known) > 4 else 2
            lines.append(
                t("text.top_groups", lang, n=top_n, group=group_label, share=_percent(known["share"].head(top_n).sum(), lang))
            )
    missing = regions[regions[by].isna()]
    if len(missing) and missing["revenue"].sum() > 0:
        lines.append(
            t(
                "text.unassigned",
                lang,
                group=_group_label(by, lang),
                share=_percent(missing["share"].sum(), lang),
                revenue=i18n.format_money(missing["revenue"].sum(), lang),
            )
        )
    return lines
