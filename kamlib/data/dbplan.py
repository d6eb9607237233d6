"""What every database the workbook reads has in common, whatever its server (PostgreSQL, MySQL, MariaDB).

The URL (its password masked in everything shown), the ``database`` section of
``kam.yml``, the plan of which contract table is read from which database table
(names found as for files, or ``kam.yml`` aliases, or one query per table), the
errors for tables that are missing, and the hand-over of each Arrow result to
DuckDB as a :class:`~kamlib.data.read.Source`, so that the same checks and
messages as for files apply. :mod:`kamlib.data.database` (PostgreSQL) and
:mod:`kamlib.data.mysql` (MySQL, MariaDB) hold what differs: the driver, the
catalogue queries and the server's error codes.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import duckdb
import pyarrow as pa
import yaml

from kamlib.data import cache
from kamlib.data.aliases import Aliases, found_text
from kamlib.data.parse import quote
from kamlib.data.problems import Problem, config_error, problem, quoted, say
from kamlib.data.read import Source
from kamlib.data.schema import TABLES
from kamlib.errors import DataError
from kamlib.masking import mask_text, secret_values

__all__ = ["MYSQL_SCHEMES", "POSTGRESQL_SCHEMES", "SCHEMES", "Planned", "Selection", "Target", "cache_key",
           "detail_text", "is_url", "plan_tables", "query_error", "read_settings", "register", "release", "snapshot_marks"]

POSTGRESQL_SCHEMES = ("postgresql", "postgres")
MYSQL_SCHEMES = ("mysql", "mariadb")
SCHEMES = POSTGRESQL_SCHEMES + MYSQL_SCHEMES
#: Query parameters of the URL that the workbook reads itself (not passed to the server).
OWN_PARAMETERS = ("schema", "config")
CONNECT_TIMEOUT = "10"
DATABASE_KEYS = ("schema", "queries", "updated")


class Selection(Protocol):
    """The tables a load reads (:class:`kamlib.data.dataset.Wanted`): *tables* (None = all) and :meth:`reads`."""

    tables: frozenset[str] | None

    def reads(self, table: str) -> bool:
        """Whether *table* is read."""


def is_url(path: object) -> bool:
    """Whether *path* (a string, a path-like such as ``env:NAME``) is a database URL the workbook reads.

    Examples
    --------
    >>> is_url("postgresql://kam@db/crm"), is_url("mariadb://db/crm"), is_url("data/sample"), is_url(None)
    (True, True, False, False)
    """
    if path is None:
        return False
    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    return isinstance(text, str) and "://" in text and text.split("://", 1)[0].lower() in SCHEMES


@dataclass(frozen=True)
class Target:
    """A database to read: the URI the driver gets, what messages call it, and the ``kam.yml`` settings.

    Attributes
    ----------
    uri : str
        The URL without the workbook's own parameters (PostgreSQL: with ``connect_timeout``; MySQL and
        MariaDB: as ``mysql://``).
    label : str
        The URL with its password masked: what messages and reports show.
    user : str
        The role the workbook logs in as.
    schema : str or None
        The schema to read (None: PostgreSQL, the user's search path; MySQL, the URL's database).
    folder : Path
        Where ``kam.yml`` is read from.
    queries : dict
        ``{table: SQL}`` read instead of the table of that name.
    updated : dict
        ``{table: column}``: the last-update column that, with the row count, identifies a snapshot for the cache.
    secrets : tuple of str
        The password in every form, masked in whatever the driver says.
    """

    uri: str = field(repr=False)  # holds the password: never shown
    label: str
    user: str
    schema: str | None
    folder: Path
    queries: dict[str, str] = field(default_factory=dict)
    updated: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def parse(cls, url: str) -> Target:
        """Split *url* into what the driver gets and the workbook's own settings; read ``kam.yml``.

        Examples
        --------
        >>> t = Target.parse("postgresql://kam:s3cret@db:5432/crm?schema=sales&sslmode=require")
        >>> t.label, t.user, t.schema
        ('postgresql://kam:***@db:5432/crm?schema=sales&sslmode=require', 'kam', 'sales')
        >>> t.uri
        'postgresql://kam:s3cret@db:5432/crm?sslmode=require&connect_timeout=10'
        >>> "s3cret" in repr(t)
        False
        >>> Target.parse("mariadb://kam:s3cret@db/crm?schema=crm").uri
        'mysql://kam:s3cret@db/crm'
        """
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        own = {k: v for k, v in query if k in OWN_PARAMETERS}
        passed = [(k, v) for k, v in query if k not in OWN_PARAMETERS]
        scheme = parts.scheme.lower()
        if scheme in MYSQL_SCHEMES:
            parts = parts._replace(scheme="mysql")
        elif not any(k == "connect_timeout" for k, _ in passed):
            passed.append(("connect_timeout", CONNECT_TIMEOUT))
        secrets = tuple(secret_values("data", url))
        folder = Path(own.get("config") or ".").expanduser()
        folder = folder.parent if folder.name == "kam.yml" else folder
        settings = read_settings(folder)
        user = unquote(parts.username or "") or getpass.getuser()
        return cls(urlunsplit(parts._replace(query=urlencode(passed))), mask_text(url, secrets), user,
                   own.get("schema") or settings.get("schema"), folder, dict(settings.get("queries") or {}),
                   dict(settings.get("updated") or {}), secrets)

    @property
    def is_mysql(self) -> bool:
        """Whether the server is MySQL or MariaDB (else PostgreSQL).

        Examples
        --------
        >>> Target.parse("mariadb://kam@db/crm").is_mysql, Target.parse("postgres://kam@db/crm").is_mysql
        (True, False)
        """
        return self.uri.startswith("mysql://")

    def error(self, code: str, key: str, exc: BaseException | None = None, /, **values: object) -> DataError:
        """A :class:`DataError` about the whole database, the driver's words (*exc*) masked.

        Examples
        --------
        >>> t = Target.parse("postgresql://kam:s3cret@db/crm")
        >>> str(t.error("db_lost", "data.db.lost", RuntimeError("ERROR: s3cret gone")))[:78]
        'postgresql://kam:***@db/crm: the connection to the database server was lost (*'
        """
        detail = detail_text(exc, self.secrets) if exc is not None else ""
        return problem("error", code, self.label, key, source=self.label, user=self.user,
                       detail={"en": detail, "zh": f"「{detail}」"}, **values).error()


def detail_text(exc: BaseException, secrets: Collection[str] = ()) -> str:
    """What the driver or server said, on one line, without its prefixes and with secrets masked.

    Examples
    --------
    >>> detail_text(RuntimeError('IO: [libpq] Failed to connect: connection to server at "db", port 5432 '
    ...                          'failed: FATAL:  password authentication failed for user "kam"\\n'))
    'password authentication failed for user "kam"'
    """
    text = " ".join(str(exc).split())
    text = re.sub(r"^[A-Z_]+: (\[libpq\] )?(Failed to connect: )?", "", text)
    text = re.sub(r"^.*? failed: (FATAL|ERROR): ", "", text)
    text = re.sub(r"^(ERROR|FATAL): ", "", text)
    text = re.sub(r"\s*(Query was:|SQLSTATE:).*$", "", text)
    return mask_text(text[:300], secrets)


def read_settings(folder: Path) -> dict[str, Any]:
    """The ``database`` section of ``kam.yml`` in *folder* (empty without one), checked.

    Raises
    ------
    ConfigError
        Naming the file and the setting when a setting is unknown or not of its form.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "kam.yml").write_text("database: {schema: crm, updated: {orders: changed_at}}")
    >>> read_settings(folder)
    {'schema': 'crm', 'updated': {'orders': 'changed_at'}}
    """
    path = folder / "kam.yml"
    if not path.is_file():
        return {}
    try:
        section = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("database") or {}
    except (yaml.YAMLError, UnicodeDecodeError, AttributeError):
        return {}  # the aliases and reading checks of the same file say what is wrong with it
    message = _settings_problem(section)
    if message is not None:
        raise config_error("data.config.database", path=path, message=message)
    return section


def _settings_problem(section: object) -> dict[str, str] | None:
    """What is wrong with a ``database`` section, in every language (None when nothing is)."""
    if not isinstance(section, Mapping):
        return say("data.config.database_map", section="database", found=found_text(section))
    unknown = sorted(set(section) - set(DATABASE_KEYS))
    if unknown:
        return say("data.config.database_keys", unknown=", ".join(map(str, unknown)))
    for key in ("queries", "updated"):
        mapping = section.get(key) or {}
        if not isinstance(mapping, Mapping) or not all(isinstance(v, str) for v in mapping.values()):
            return say("data.config.database_map", section=key, found=found_text(mapping))
        for table in mapping:
            if table not in TABLES:
                return say("data.config.database_table", section=key, table=repr(table), tables=", ".join(TABLES))
    return None


@dataclass(frozen=True)
class Planned:
    """One contract table to read: its name in the database (or None for a query) and the SQL that reads it.

    *parts* are queries for consecutive ranges of the primary key that together read
    what *query* reads, in the same order (empty: *query* is read whole). *numeric*
    names the NUMERIC columns the query asks as their text (exact, and far quicker for
    the driver to decode than the binary form), turned into numbers on arrival.
    """

    table: str
    name: str | None
    label: str
    query: str
    parts: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()


def plan_tables(target: Target, schema: str, relations: Mapping[str, bool], aliases: Aliases, wanted: Selection,
                table_plan: Callable[[str, str, str], Planned]
                ) -> tuple[list[Planned], list[Problem], list[tuple[str, Problem]]]:
    """What to read, notes on the rest, and ``(table, error)`` for contract tables that cannot be read.

    *relations* are ``{name: may select}`` of the tables and views of *schema*;
    *table_plan* ``(table, name, label)`` says how the server reads one of them.

    Raises
    ------
    DataError
        When the schema holds none of the contract's tables and ``kam.yml`` gives no query.

    Examples
    --------
    >>> from kamlib.data.dataset import Wanted
    >>> plans, notes, failed = plan_tables(Target.parse("mysql://kam@db/crm"), "crm", {"orders": True, "misc": True},
    ...     Aliases.build(), Wanted(frozenset({"orders", "reps"})), lambda t, n, label: Planned(t, n, label, n))
    >>> [p.label for p in plans], [n.code for n in notes], [(t, e.code) for t, e in failed]
    (['mysql://kam@db/crm crm.orders'], ['not_contract'], [('reps', 'db_no_table')])
    """
    plans: list[Planned] = []
    notes: list[Problem] = []
    failed: list[tuple[str, Problem]] = []
    seen: set[str] = set()
    unrelated = []
    for name, readable in relations.items():
        table, label = aliases.table(name), f"{target.label} {schema}.{name}"
        if table not in TABLES:
            unrelated.append(name)
        elif table in target.queries or table in seen:
            continue
        elif not wanted.reads(table):
            notes.append(problem("note", "not_read", label, "data.msg.not_read", file=label,
                                 tables=", ".join(n for n in TABLES if n in wanted.tables)))
        elif not readable:
            failed.append((table, problem("error", "db_denied", label, "data.db.denied", file=label,
                                          user=target.user, table=f"{schema}.{name}",
                                          detail={"en": "permission denied", "zh": "「permission denied」"})))
        else:
            seen.add(table)
            plans.append(table_plan(table, name, label))
    for table, query in target.queries.items():
        if wanted.reads(table):
            plans.append(Planned(table, None, f"{target.label} queries.{table}", query))
    have = quoted(list(relations)) if relations else say("data.none")
    missing = [t for t in (wanted.tables or ()) if t not in {p.table for p in plans} | {t for t, _ in failed}]
    for table in sorted(missing, key=list(TABLES).index):
        failed.append((table, problem("error", "db_no_table", target.label, "data.db.no_table", source=target.label,
                                      schema=schema, table=table, have=have)))
    if not plans and not failed:
        raise target.error("db_no_tables", "data.db.no_tables", schema=schema, have=have, tables=", ".join(TABLES))
    if unrelated:
        notes.append(problem("note", "not_contract", target.label, "data.msg.not_contract", file=target.label,
                             n=len(unrelated), names=quoted(unrelated), tables=", ".join(TABLES)))
    return plans, notes, failed


def _arrow(result: pa.Table, numeric: Collection[str] = ()) -> tuple[pa.Table, list[str]]:
    """*result* as DuckDB reads it (numeric and decimal, and the *numeric* columns sent as text, as float64; no
    driver metadata), and its time-zone columns."""
    import pyarrow.compute as pc  # only a database load needs it

    columns, zoned = [], []
    for name, column in zip(result.column_names, result.columns):
        kind = (result.schema.field(name).metadata or {}).get(b"POSTGRESQL:type", b"")
        if pa.types.is_decimal(column.type):  # through its exact decimal text: the nearest float64, as in files
            column = pc.cast(pc.cast(column, pa.string()), pa.float64())
        elif kind == b"numeric" or name in numeric:
            column = pc.cast(column, pa.float64())
        elif isinstance(column.type, pa.ExtensionType):
            column = column.cast(column.type.storage_type)
        if pa.types.is_timestamp(column.type) and column.type.tz:
            zoned.append(name)
        columns.append(column)
    return pa.table(columns, names=result.column_names), zoned


def register(con: duckdb.DuckDBPyConnection, plan: Planned, result: pa.Table, zone: str | None = None) -> Source:
    """Register the rows *result* read for *plan* in *con*: the :class:`Source` its table is built from.

    Exact numbers (NUMERIC, DECIMAL) become float64, as in files; time-zone columns are read in *zone*.

    Examples
    --------
    >>> con = duckdb.connect()
    >>> plan = Planned("reps", "reps", "mysql://kam@db/crm crm.reps", "SELECT * FROM reps")
    >>> source = register(con, plan, pa.table({"rep_id": ["R1"], "sales_target": pa.array([5], pa.decimal128(9, 2))}))
    >>> source.label, source.types
    ('mysql://kam@db/crm crm.reps', ['VARCHAR', 'DOUBLE'])
    """
    result, zoned = _arrow(result, plan.numeric)
    view = _view(plan.table)
    con.register(view, result)
    rows = con.execute(f"DESCRIBE SELECT * FROM {quote(view)}").fetchall()
    return Source(plan.name or plan.table, plan.label, quote(view), [r[0] for r in rows], [r[1] for r in rows], 0,
                  zones={name: zone for name in zoned} if zone else {})


def query_error(target: Target, plan: Planned, exc: BaseException, *, lost: bool, denied: bool) -> DataError:
    """The error for *plan*'s table or query failing with *exc*: the connection *lost*, SELECT *denied*, a
    ``kam.yml`` query that fails, or a table that cannot be read; the driver's words masked.

    Examples
    --------
    >>> t = Target.parse("mysql://kam:pw@db/crm")
    >>> plan = Planned("reps", "reps", "mysql://kam:***@db/crm crm.reps", "SELECT * FROM reps")
    >>> error = query_error(t, plan, RuntimeError("SELECT command denied"), lost=False, denied=True)
    >>> error.problems[0].code, "GRANT SELECT ON crm.reps TO kam;" in str(error)
    ('db_denied', True)
    """
    detail = detail_text(exc, target.secrets)
    values = {"file": plan.label, "table": plan.table, "detail": {"en": detail, "zh": f"「{detail}」"}}
    if lost:
        return target.error("db_lost", "data.db.lost", exc)
    if denied:
        name = plan.label.rsplit(" ", 1)[-1] if plan.name else plan.table
        return problem("error", "db_denied", plan.label, "data.db.denied", user=target.user,
                       **{**values, "table": name}).error()
    if plan.name is None:
        return problem("error", "db_query_fails", plan.label, "data.db.query_fails", **values).error()
    return problem("error", "unreadable", plan.label, "data.read.view_fails", **values).error()


def snapshot_marks(target: Target, plans: list[Planned], failed: list[tuple[str, Problem]],
                   count: Callable[[Planned, str], tuple[Any, Any]]) -> list[list[Any]] | None:
    """What identifies the data *plans* read: ``[table, query, rows, last update]`` each, or None (no cache).

    *count* ``(plan, column)`` gives the row count and the latest value of the table's
    last-update column (``database: updated:`` in ``kam.yml``); a table without one,
    or any table that cannot be read, means no cache.

    Examples
    --------
    >>> t = Target.parse("mysql://kam@db/crm")
    >>> print(snapshot_marks(t, [Planned("reps", "reps", "reps", "SELECT 1")], [], lambda plan, column: (1, "x")))
    None
    """
    if failed or any(p.table not in target.updated for p in plans):
        return None
    marks = []
    for plan in plans:
        rows, last = count(plan, target.updated[plan.table])
        marks.append([plan.table, plan.query, int(rows), None if last is None else str(last)])
    return marks


def _view(table: str) -> str:
    """Name of the DuckDB view a result is registered under."""
    return f"_db_{table}"


def release(con: duckdb.DuckDBPyConnection, tables: Collection[str]) -> None:
    """Drop the results :func:`sources` registered in *con* once the typed tables are built (frees their memory).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> con.register(_view("orders"), pa.table({"order_id": ["o1"]}))  # doctest: +ELLIPSIS
    <...>
    >>> release(con, ["orders"]); con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = '_db_orders'").fetchall()
    [(0,)]
    """
    for table in tables:
        con.unregister(_view(table))


def cache_key(target: Target, marks: list[list[Any]], settings: list[Any]) -> str:
    """The cache digest of a database snapshot (*marks*, see :func:`snapshot`) read with *settings*.

    Examples
    --------
    >>> t = Target.parse("postgresql://kam:pw@db/crm")
    >>> cache_key(t, [["orders", "q", 5, "2025-06-30"]], []) == cache_key(t, [["orders", "q", 6, "2025-06-30"]], [])
    False
    """
    from kamlib import __version__

    text = json.dumps([cache.FORMAT, __version__, target.label, target.schema, marks, settings],
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
