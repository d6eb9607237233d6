"""The data contract: tables, their columns and what each column may hold.

A dataset is a set of named tables (``accounts``, ``orders``, …). Each column has a
*kind* that decides how text from a file is parsed and what counts as invalid:

========  ==============================================================
kind      accepted values
========  ==============================================================
id        any non-empty text (kept as text; ``007`` stays ``007``)
text      any text
date      ``2024-03-05``, ``2024/3/5``, ``2024年3月5日``, Excel serial dates
number    a decimal number (``1,234.5`` and ``¥1234`` accepted)
count     a whole number
level     a whole number 0–4 (see ``docs/classification.md``)
bool      true/false, yes/no, y/n, 1/0, 是/否, 有/无
enum      one of a fixed set of values (aliases such as 赢单 → won accepted)
========  ==============================================================

Columns not in the contract are kept as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    Parameters
    ----------
    name : str
        Canonical (English snake_case) name.
    kind : str
        One of ``id, text, date, number, count, level, bool, enum``.
    required : bool
        Whether the table is unusable without it.
    nonnegative : bool
        For ``number``/``count``: negative values are errors.
    allowed : tuple of str
        For ``enum``: the canonical values.
    """

    name: str
    kind: str = "text"
    required: bool = False
    nonnegative: bool = False
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One table of the contract.

    Parameters
    ----------
    name : str
        Table name, also the file stem (``orders.csv``).
    columns : tuple of Column
        Known columns, required ones first.
    key : str, optional
        Column whose values must be unique.
    references : dict
        ``{column: table}``: values should exist in that table's key (a warning).
    required_any : tuple of tuple of str
        Groups of columns of which at least one must be present.
    """

    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    references: dict[str, str] = field(default_factory=dict)
    required_any: tuple[tuple[str, ...], ...] = ()

    def column(self, name: str) -> Column | None:
        """Return the contract column called *name*, or None."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required(self) -> list[str]:
        """Names of the required columns."""
        return [c.name for c in self.columns if c.required]


def _c(name: str, kind: str = "text", **kw: object) -> Column:
    return Column(name, kind, **kw)  # type: ignore[arg-type]


STATUS = ("won", "lost", "open")
# SWOT letters only: PEST letters would collide with S and T, so the PEST / micro
# category of a factor (political, economic, competitors, ...) goes in ``category``.
FACTOR_KINDS = ("S", "W", "O", "T")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "accounts",
            (
                _c("account_id", "id", required=True),
                _c("account_name"),
                _c("region"),
                _c("city"),
                _c("sector"),
                _c("customer_type"),
                _c("rep_id", "id"),
                _c("vip", "bool"),
                _c("purchase_level", "level"),
                _c("capacity_level", "level"),
                _c("potential", "number", nonnegative=True),
                _c("capability", "number", nonnegative=True),
                _c("annual_demand", "number", nonnegative=True),
                _c("relationship_stage"),
            ),
            key="account_id",
            references={"rep_id": "reps"},
        ),
        Table(
            "orders",
            (
                _c("account_id", "id", required=True),
                _c("order_date", "date", required=True),
                _c("revenue", "number", required=True, nonnegative=True),
                _c("order_id", "id"),
                _c("product_id", "id"),
                _c("rep_id", "id"),
                _c("quantity", "number", nonnegative=True),
                _c("cost", "number", nonnegative=True),
            ),
            key="order_id",
            references={"account_id": "accounts", "product_id": "products"},
        ),
        Table(
            "opportunities",
            (
                _c("opportunity_id", "id", required=True),
                _c("status", "enum", required=True, allowed=STATUS),
                _c("account_id", "id"),
                _c("rep_id", "id"),
                _c("product_id", "id"),
                _c("created_date", "date"),
                _c("closed_date", "date"),
                _c("stage"),
                _c("amount", "number", nonnegative=True),
                _c("loss_reason"),
                _c("competitor"),
                _c("source"),
            ),
            key="opportunity_id",
            references={"account_id": "accounts", "product_id": "products"},
        ),
        Table(
            "visits",
            (
                _c("account_id", "id", required=True),
                _c("visit_date", "date", required=True),
                _c("visit_id", "id"),
                _c("rep_id", "id"),
                _c("kind"),
                _c("objective"),
                _c("outcome"),
                _c("accepted", "bool"),
                _c("notes"),
            ),
            key="visit_id",
            references={"account_id": "accounts"},
        ),
        Table(
            "leads",
            (
                _c("lead_id", "id", required=True),
                _c("created_date", "date"),
                _c("channel"),
                _c("money", "bool"),
                _c("authority", "bool"),
                _c("need", "bool"),
                _c("expected_close_date", "date"),
                _c("importance"),
                _c("grade"),
                _c("status"),
                _c("account_name"),
                _c("rep_id", "id"),
            ),
            key="lead_id",
        ),
        Table(
            "showroom",
            (
                _c("month", "date", required=True),
                *(
                    _c(n, "count", nonnegative=True)
                    for n in (
                        "traffic", "first_visits", "phone_enquiries", "events", "referrals",
                        "records", "test_drives", "stay_30min", "showroom_sales",
                        "secondary_sales", "wholesale_sales",
                    )
                ),
            ),
            key="month",
        ),
        Table(
            "market",
            (
                _c("market_size", "number", required=True, nonnegative=True),
                _c("our_sales", "number", required=True, nonnegative=True),
                _c("region"),
                _c("segment"),
                _c("year", "count"),
                _c("market_growth", "number"),
                _c("leader_sales", "number", nonnegative=True),
            ),
            required_any=(("region", "segment"),),
        ),
        Table(
            "products",
            (
                _c("product_id", "id", required=True),
                _c("product_name"),
                _c("family"),
                _c("unit_price", "number", nonnegative=True),
                _c("unit_cost", "number", nonnegative=True),
            ),
            key="product_id",
        ),
        Table(
            "reps",
            (
                _c("rep_id", "id", required=True),
                _c("rep_name"),
                _c("region"),
                _c("visits_per_day", "number", nonnegative=True),
                _c("sales_target", "number", nonnegative=True),
                _c("target_met", "bool"),
                _c("recognised", "bool"),
            ),
            key="rep_id",
        ),
        Table(
            "contacts",
            (
                _c("account_id", "id", required=True),
                _c("name", required=True),
                _c("contact_id", "id"),
                _c("title"),
                _c("layer"),
                _c("buyer_role"),
                _c("influence", "number"),
                _c("closeness", "number"),
                _c("basic_need"),
                _c("social_style"),
            ),
            key="contact_id",
            references={"account_id": "accounts"},
        ),
        Table(
            "factors",
            (
                _c("statement", required=True),
                _c("kind", "enum", required=True, allowed=FACTOR_KINDS),
                _c("factor_id", "id"),
                _c("category"),
                _c("region"),
                _c("probability", "number", nonnegative=True),
                _c("impact", "number"),
            ),
            key="factor_id",
        ),
    ]
}
