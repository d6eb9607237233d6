"""The data contract: tables, their columns and what each column may hold.

A dataset is a set of named tables (``accounts``, ``orders``, …). Each column has a
*kind* that decides how text from a file is parsed and what counts as invalid:

========  ==============================================================
kind      accepted values
========  ==============================================================
id        any non-empty text (kept as text; ``007`` stays ``007``)
text      any text
date      ``2024-03-05``, ``2024/3/5``, ``2024年3月5日``, Excel serial dates, within
          :data:`DATE_RANGE`
number    a finite decimal number (``1,234.5``, ``¥1234``; ``1.234,5`` in a file
          written with a decimal comma)
count     a whole number
level     a whole number 0–4 (see ``docs/classification.md``)
bool      true/false, yes/no, y/n, 1/0, 是/否, 有/无
enum      one of a fixed set of values (aliases such as 赢单 → won accepted)
========  ==============================================================

Columns not in the contract are kept as text.

How files are read (decimal mark, encoding, the plausible range of dates, "no date"
values, total rows) is set by :class:`Reading`; its defaults are the constants below
and ``docs/data.md`` explains each rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kamlib.data.problems import config_error, say

#: Earliest and latest plausible date: a date outside is an error naming its rows.
DATE_RANGE = ("1990-01-01", "2100-12-31")
#: The widest plausible range a setting may give (what pandas' datetime64[ns] holds).
DATE_LIMITS = ("1678-01-01", "2261-12-31")
#: Values CRM systems write for "no date": read as empty and counted in the notes.
NO_DATES = ("9999-12-31", "1900-01-01", "0000-00-00")
#: Labels of total rows (compared ignoring case, spaces and a trailing colon).
TOTAL_LABELS = ("合计", "总计", "小计", "汇总", "总和", "共计", "total", "totals", "grand total", "subtotal",
                "sub-total", "sum")
#: Decimal mark of CSV numbers: "auto" (detected per file), "." or ",".
DECIMAL = "auto"
#: Text encoding of CSV files: "auto" (detected per file), "utf-8", "gb18030" or "big5".
ENCODING = "auto"
DECIMALS = ("auto", ".", ",")
ENCODINGS = ("auto", "utf-8", "gb18030", "big5")
READING_KEYS = ("decimal", "encoding", "dates", "no_dates", "total_labels", "sheets", "date_formats")


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
                        "secondary_sales", "wholesale_sales", "days_open",
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


def _iso(value: object, what: str) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise config_error("data.config.iso", what=what, value=repr(value)) from None
    return text


def _per_file(value: object, allowed: tuple[str, ...], key: str) -> str | dict[str, str]:
    """One setting for every file, or ``{file or table: setting}``."""
    values = value if isinstance(value, Mapping) else {"": value}
    for name, setting in values.items():
        if str(setting).lower() not in allowed:
            raise config_error("data.config.not_one_of", key=key, setting=repr(setting),
                               name=say("data.config.for_name", name=repr(name)) if name else {"en": "", "zh": ""},
                               allowed=", ".join(repr(a) for a in allowed))
    if isinstance(value, Mapping):
        return {str(k): str(v).lower() for k, v in value.items()}
    return str(value).lower()


def _sheets(value: object) -> dict[str, str | int]:
    """``{file or table: sheet name or number (1 = the first sheet)}``."""
    if not isinstance(value, Mapping):
        raise config_error("data.config.sheets", value=repr(value))
    out: dict[str, str | int] = {}
    for name, sheet in value.items():
        if isinstance(sheet, bool) or not isinstance(sheet, (str, int)) or (isinstance(sheet, int) and sheet < 1):
            raise config_error("data.config.sheet", name=name, sheet=repr(sheet))
        out[str(name)] = sheet
    return out


def _date_format(text: object, where: str) -> str:
    """A strftime format that writes a date with its day, month and year and reads it back."""
    sample = dt.date(2024, 3, 25)
    try:
        ok = isinstance(text, str) and dt.datetime.strptime(sample.strftime(text), text).date() == sample
    except ValueError:
        ok = False
    if not ok:
        raise config_error("data.config.date_format", where=where, text=repr(text))
    return text


def _date_formats(value: object) -> str | dict[str, str]:
    """One format for every date column, or ``{table or file[.column]: format}``."""
    if not isinstance(value, Mapping):
        return _date_format(value, "")
    dates = {c.name for t in TABLES.values() for c in t.columns if c.kind == "date"}
    for key, text in value.items():
        column = str(key).partition(".")[2]
        if column and column not in dates:
            raise config_error("data.config.date_column", key=key, column=repr(column), dates=", ".join(sorted(dates)))
        _date_format(text, f"{key}: ")
    return {str(k): str(v) for k, v in value.items()}


@dataclass(frozen=True)
class Reading:
    """How files are read: the rules of ``docs/data.md`` with their settings.

    Set in the ``reading`` section of ``kam.yml`` beside the data, or passed to
    :func:`kamlib.data.load` as ``reading={...}`` (which wins).

    Attributes
    ----------
    decimal : str or dict
        Decimal mark of CSV numbers, ``"auto"``, ``"."`` or ``","``; or
        ``{file or table: mark}``.
    encoding : str or dict
        Encoding of CSV files, ``"auto"``, ``"utf-8"``, ``"gb18030"`` or ``"big5"``;
        or ``{file or table: encoding}``.
    dates : tuple of str
        Earliest and latest plausible date (ISO).
    no_dates : tuple of str
        Values that mean "no date" (read as empty, counted in the notes).
    total_labels : tuple of str
        Labels that mark a total row.
    sheets : dict
        ``{file or table: sheet name or number}``: the sheet of a workbook to read.
    date_formats : str or dict
        Formats (``%d/%m/%Y``) of text dates, tried before the built-in ones: one for
        every date column, or ``{table or file: format}`` or ``{table.column: format}``.

    Examples
    --------
    >>> r = Reading.build({"decimal": {"orders": ","}, "dates": ["1980-01-01", "2100-12-31"]})
    >>> r.decimal_for("订单", "orders"), r.decimal_for("accounts"), r.dates
    (',', 'auto', ('1980-01-01', '2100-12-31'))
    """

    decimal: str | dict[str, str] = DECIMAL
    encoding: str | dict[str, str] = ENCODING
    dates: tuple[str, str] = DATE_RANGE
    no_dates: tuple[str, ...] = NO_DATES
    total_labels: tuple[str, ...] = TOTAL_LABELS
    sheets: dict[str, str | int] = field(default_factory=dict)
    date_formats: str | dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, *layers: Mapping[str, Any] | None) -> Reading:
        """Settings from ``kam.yml`` and the caller (later layers win), checked.

        Raises
        ------
        ConfigError
            For an unknown key or a value that is not allowed.
        """
        settings: dict[str, Any] = {}
        for layer in layers:
            if not layer:
                continue
            if not isinstance(layer, Mapping):
                raise config_error("data.config.reading_mapping", keys=", ".join(READING_KEYS), layer=repr(layer))
            unknown = sorted(set(map(str, layer)) - set(READING_KEYS))
            if unknown:
                raise config_error("data.config.unknown_settings", unknown=unknown, keys=", ".join(READING_KEYS))
            settings.update(layer)
        out: dict[str, Any] = {}
        if "decimal" in settings:
            out["decimal"] = _per_file(settings["decimal"], DECIMALS, "decimal")
        if "encoding" in settings:
            out["encoding"] = _per_file(settings["encoding"], ENCODINGS, "encoding")
        if "dates" in settings:
            dates = settings["dates"]
            if not isinstance(dates, (list, tuple)) or len(dates) != 2:
                raise config_error("data.config.dates_shape", dates=repr(dates))
            low, high = (_iso(d, "dates") for d in dates)
            if low < DATE_LIMITS[0] or high > DATE_LIMITS[1]:
                raise config_error("data.config.dates_limits", low=low, high=high, first=DATE_LIMITS[0],
                                   last=DATE_LIMITS[1])
            if low > high:
                raise config_error("data.config.dates_order", low=low, high=high)
            out["dates"] = (low, high)
        if "no_dates" in settings:
            out["no_dates"] = tuple(str(v.isoformat() if isinstance(v, dt.date) else v).strip()
                                    for v in settings["no_dates"] or ())
        if "total_labels" in settings:
            out["total_labels"] = tuple(str(v).strip() for v in settings["total_labels"] or () if str(v).strip())
        if "sheets" in settings:
            out["sheets"] = _sheets(settings["sheets"] or {})
        if "date_formats" in settings:
            out["date_formats"] = _date_formats(settings["date_formats"] or {})
        return cls(**out)

    def decimal_for(self, *names: str) -> str:
        """The decimal mark set for the first of *names* (file stem, table) that has one."""
        return _setting(self.decimal, names)

    def encoding_for(self, *names: str) -> str:
        """The encoding set for the first of *names* (file stem, table) that has one."""
        return _setting(self.encoding, names)

    def sheet_for(self, *names: str) -> str | int | None:
        """The sheet set for the first of *names* (file stem, table) that has one, or None.

        Examples
        --------
        >>> Reading.build({"sheets": {"orders": "明细"}}).sheet_for("订单", "orders")
        '明细'
        """
        return next((self.sheets[n] for n in names if n in self.sheets), None)

    def date_format_for(self, column: str, *names: str) -> str | None:
        """The date format set for *column* of the first of *names* (file stem, table), or None.

        Examples
        --------
        >>> r = Reading.build({"date_formats": {"orders.order_date": "%d/%m/%Y", "visits": "%m/%d/%Y"}})
        >>> r.date_format_for("order_date", "订单", "orders"), r.date_format_for("visit_date", "visits")
        ('%d/%m/%Y', '%m/%d/%Y')
        """
        if isinstance(self.date_formats, str):
            return self.date_formats
        keys = [f"{n}.{column}" for n in names] + list(names)
        return next((self.date_formats[k] for k in keys if k in self.date_formats), None)

    def key(self) -> list[Any]:
        """The settings as plain data (for the cache key)."""
        return [self.decimal, self.encoding, list(self.dates), list(self.no_dates), list(self.total_labels),
                self.sheets, self.date_formats]


def _setting(value: str | dict[str, str], names: tuple[str, ...]) -> str:
    if isinstance(value, str):
        return value
    for name in names:
        if name in value:
            return value[name]
    return "auto"
