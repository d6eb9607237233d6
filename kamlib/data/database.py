"""Read the contract tables from a PostgreSQL database (``load("postgresql://…")``).

A URL such as ``postgresql://kam_reader:pw@db.example.com:5432/crm?schema=crm``
names the server, the database and the schema to read (``?schema=``, or
``database: schema:`` in ``kam.yml``; by default the user's own search path). The
tables are found by name as for files (``orders``, or a name ``kam.yml`` maps with
``aliases: files:``), or read with one SQL query per table (``database: queries:``).
Each result comes through Arrow with the ADBC PostgreSQL driver (the server's binary
``COPY`` format, no row-by-row Python) and is registered in DuckDB as a
:class:`~kamlib.data.read.Source`, so the same checks and messages as for files
apply. Rows are numbered in the order of the table's primary key (a query's own
order).

``kam.yml`` is read from the folder the URL's ``?config=`` names, else the current
folder. Both ``schema`` and ``config`` are the workbook's own and are not passed to
the server; ``connect_timeout`` is 10 s unless the URL sets it. The password is never
shown: messages name the database by the URL with its password masked.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from kamlib.data import cache
from kamlib.data.aliases import Aliases, found_text
from kamlib.data.parse import quote
from kamlib.data.problems import Problem, config_error, problem, quoted, say
from kamlib.data.read import Source
from kamlib.data.schema import TABLES
from kamlib.errors import DataError
from kamlib.masking import mask_text, secret_values

__all__ = ["SCHEMES", "Selection", "Target", "cache_key", "is_url", "release", "snapshot", "sources"]

SCHEMES = ("postgresql", "postgres")
#: Query parameters of the URL that the workbook reads itself (not passed to the server).
OWN_PARAMETERS = ("schema", "config")
CONNECT_TIMEOUT = "10"
DATABASE_KEYS = ("schema", "queries", "updated")
#: Relation kinds read as tables: tables, views, materialised views, partitioned and foreign tables.
RELKINDS = "('r', 'v', 'm', 'p', 'f')"
#: Connection failures by SQLSTATE: wrong password, not allowed to connect, no such database.
LOGIN_STATES = ("28P01",)
REFUSED_STATES = ("28000", "42501")
NO_DATABASE_STATES = ("3D000",)
DENIED_STATES = ("42501",)


class Selection(Protocol):
    """The tables a load reads (:class:`kamlib.data.dataset.Wanted`): *tables* (None = all) and :meth:`reads`."""

    tables: frozenset[str] | None

    def reads(self, table: str) -> bool:
        """Whether *table* is read."""


def is_url(path: object) -> bool:
    """Whether *path* (a string, a path-like such as ``env:NAME``) is a PostgreSQL URL.

    Examples
    --------
    >>> is_url("postgresql://kam@db/crm"), is_url("postgres://db/crm"), is_url("data/sample"), is_url(None)
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
        The URL without the workbook's own parameters, with ``connect_timeout``.
    label : str
        The URL with its password masked: what messages and reports show.
    user : str
        The role the workbook logs in as.
    schema : str or None
        The schema to read (None: the user's search path).
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
        """
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        own = {k: v for k, v in query if k in OWN_PARAMETERS}
        passed = [(k, v) for k, v in query if k not in OWN_PARAMETERS]
        if not any(k == "connect_timeout" for k, _ in passed):
            passed.append(("connect_timeout", CONNECT_TIMEOUT))
        secrets = tuple(secret_values("data", url))
        folder = Path(own.get("config") or ".").expanduser()
        folder = folder.parent if folder.name == "kam.yml" else folder
        settings = read_settings(folder)
        user = unquote(parts.username or "") or getpass.getuser()
        return cls(urlunsplit(parts._replace(query=urlencode(passed))), mask_text(url, secrets), user,
                   own.get("schema") or settings.get("schema"), folder, dict(settings.get("queries") or {}),
                   dict(settings.get("updated") or {}), secrets)

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
    """One contract table to read: its name in the database (or None for a query) and the SQL that reads it."""

    table: str
    name: str | None
    label: str
    query: str


def connect(target: Target) -> Any:
    """An autocommit ADBC connection to *target*.

    Raises
    ------
    DataError
        One per cause: the server cannot be reached, the login is refused (wrong
        password), the database does not exist, the user may not connect.

    Examples
    --------
    >>> connect(Target.parse("postgresql://kam:s3cret@127.0.0.1:9/crm"))
    Traceback (most recent call last):
    ...
    kamlib.errors.DataError: postgresql://kam:***@127.0.0.1:9/crm: cannot connect to the database server (connection to server at "127.0.0.1", port 9 failed: Connection refused Is the server running on that host and accepting TCP/IP connections?). Check the host and port in the URL, that the server is running and that it accepts connections from this computer (listen_addresses, pg_hba.conf, a firewall), then run again.
    """
    import adbc_driver_postgresql.dbapi as pg

    try:
        return pg.connect(target.uri, autocommit=True)
    except pg.Error as exc:
        raise _connect_error(target, exc) from None


def _connect_error(target: Target, exc: Exception) -> DataError:
    state = getattr(exc, "sqlstate", None) or ""
    text = str(exc)
    if state in LOGIN_STATES or "password authentication failed" in text or "no password supplied" in text:
        return target.error("db_login", "data.db.login", exc)
    if state in NO_DATABASE_STATES or re.search(r'database ".*" does not exist', text):
        name = urlsplit(target.uri).path.lstrip("/") or target.user
        return target.error("db_no_database", "data.db.no_database", name=repr(name))
    if state in REFUSED_STATES or "pg_hba.conf" in text or "permission denied" in text:
        return target.error("db_refused", "data.db.refused", exc)
    return target.error("db_unreachable", "data.db.unreachable", exc)


def _rows(cur: Any, sql: str) -> list[tuple[Any, ...]]:
    cur.execute(sql)
    return [tuple(row) for row in cur.fetchall()]


def literal(text: str) -> str:
    """*text* as a PostgreSQL string literal.

    Examples
    --------
    >>> print(literal("o'brien"))
    'o''brien'
    """
    return "'" + text.replace("'", "''") + "'"


def _schema(cur: Any, target: Target) -> str:
    """The schema to read, checked: it exists and the user may use it."""
    schema = target.schema or _rows(cur, "SELECT coalesce(current_schema(), 'public')")[0][0]
    found = _rows(cur, f"SELECT has_schema_privilege(oid, 'USAGE') FROM pg_catalog.pg_namespace "
                       f"WHERE nspname = {literal(schema)}")
    if not found or not found[0][0]:
        raise target.error("db_no_schema", "data.db.no_schema", schema=schema)
    return schema


def _relations(cur: Any, schema: str) -> dict[str, bool]:
    """``{name: may select}`` of the tables and views of *schema* (pg_class lists those the user may not read too)."""
    return dict(_rows(cur, f"SELECT c.relname, has_table_privilege(c.oid, 'SELECT') FROM pg_catalog.pg_class c "
                           f"JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                           f"WHERE n.nspname = {literal(schema)} AND c.relkind IN {RELKINDS} ORDER BY 1"))


def _key_order(cur: Any, schema: str, name: str) -> str:
    """`` ORDER BY`` the table's primary key, or nothing (a view, a table without one)."""
    columns = [c for (c,) in _rows(
        cur, f"SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a "
             f"ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
             f"WHERE i.indisprimary AND i.indrelid = {literal(quote(schema) + '.' + quote(name))}::regclass "
             f"ORDER BY array_position(i.indkey::int2[], a.attnum)")]
    return f" ORDER BY {', '.join(map(quote, columns))}" if columns else ""


def _plan(cur: Any, target: Target, aliases: Aliases, wanted: Selection
          ) -> tuple[list[Planned], list[Problem], list[tuple[str, Problem]]]:
    """What to read, notes on the rest, and ``(table, error)`` for contract tables that cannot be read."""
    schema = _schema(cur, target)
    relations = _relations(cur, schema)
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
            plans.append(Planned(table, name, label, f"SELECT * FROM {quote(schema)}.{quote(name)}"
                                                     f"{_key_order(cur, schema, name)}"))
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


def _arrow(result: pa.Table) -> tuple[pa.Table, list[str]]:
    """*result* as DuckDB reads it (numeric as float64, no driver metadata), and its time-zone columns."""
    columns, zoned = [], []
    for name, column in zip(result.column_names, result.columns):
        kind = (result.schema.field(name).metadata or {}).get(b"POSTGRESQL:type", b"")
        if kind == b"numeric":
            column = pc.cast(column, pa.float64())
        elif isinstance(column.type, pa.ExtensionType):
            column = column.cast(column.type.storage_type)
        if pa.types.is_timestamp(column.type) and column.type.tz:
            zoned.append(name)
        columns.append(column)
    return pa.table(columns, names=result.column_names), zoned


def _read(con: duckdb.DuckDBPyConnection, cur: Any, target: Target, plan: Planned, zone: str) -> Source:
    """Run one plan's query and register the result in *con* as the Source of its table."""
    import adbc_driver_postgresql.dbapi as pg

    try:
        cur.execute(plan.query)
        result, zoned = _arrow(cur.fetch_arrow_table())
    except pg.Error as exc:
        raise _query_error(target, plan, exc) from None
    view = _view(plan.table)
    con.register(view, result)
    rows = con.execute(f"DESCRIBE SELECT * FROM {quote(view)}").fetchall()
    return Source(plan.name or plan.table, plan.label, quote(view), [r[0] for r in rows], [r[1] for r in rows], 0,
                  zones={name: zone for name in zoned})


def _query_error(target: Target, plan: Planned, exc: Exception) -> DataError:
    state = getattr(exc, "sqlstate", None) or ""
    detail = detail_text(exc, target.secrets)
    values = {"file": plan.label, "table": plan.table, "detail": {"en": detail, "zh": f"「{detail}」"}}
    if state.startswith("08") or "server closed the connection" in str(exc):
        return target.error("db_lost", "data.db.lost", exc)
    if state in DENIED_STATES:
        name = plan.label.rsplit(" ", 1)[-1] if plan.name else plan.table
        return problem("error", "db_denied", plan.label, "data.db.denied", user=target.user,
                       **{**values, "table": name}).error()
    if plan.name is None:
        return problem("error", "db_query_fails", plan.label, "data.db.query_fails", **values).error()
    return problem("error", "unreadable", plan.label, "data.read.view_fails", **values).error()


def _view(table: str) -> str:
    """Name of the DuckDB view a result is registered under."""
    return f"_pg_{table}"


def release(con: duckdb.DuckDBPyConnection, tables: Collection[str]) -> None:
    """Drop the results :func:`sources` registered in *con* once the typed tables are built (frees their memory).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> con.register(_view("orders"), pa.table({"order_id": ["o1"]}))  # doctest: +ELLIPSIS
    <...>
    >>> release(con, ["orders"]); con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = '_pg_orders'").fetchall()
    [(0,)]
    """
    for table in tables:
        con.unregister(_view(table))


def sources(con: duckdb.DuckDBPyConnection, target: Target, aliases: Aliases, wanted: Selection
            ) -> tuple[list[tuple[Source, str]], list[Problem], list[tuple[str, Problem]]]:
    """Read the contract tables of *target* into *con*: ``(sources, notes, (table, error) of those that fail)``.

    *wanted* is the load's :class:`~kamlib.data.dataset.Wanted`: only its tables are
    read; one it names that the database lacks is an error.

    Raises
    ------
    DataError
        When the database cannot be used at all (see :func:`connect`; no such schema;
        none of the contract's tables).
    """
    found: list[tuple[Source, str]] = []
    with connect(target) as db, db.cursor() as cur:
        plans, notes, failed = _plan(cur, target, aliases, wanted)
        zone = _rows(cur, "SELECT current_setting('TimeZone')")[0][0]
        for plan in plans:
            try:
                source = _read(con, cur, target, plan, zone)
                found.append((source, source.label))
            except DataError as exc:
                if exc.problems and exc.problems[0].code == "db_lost":
                    raise
                failed.append((plan.table, exc.problems[0]))
    return found, notes, failed


def snapshot(target: Target, aliases: Aliases, wanted: Selection) -> list[list[Any]] | None:
    """What identifies the data read: each table's row count and last update, or None (no cache).

    Only tables whose last-update column ``kam.yml`` names (``database: updated:``)
    can be cached; when any table read has none, the load is not cached.

    Examples
    --------
    >>> from kamlib.data.dataset import Wanted
    >>> print(snapshot(Target.parse("postgresql://kam@db/crm"), Aliases.build(), Wanted()))  # no kam.yml here
    None

    Raises
    ------
    DataError
        As :func:`sources`.
    """
    if not target.updated:
        return None
    import adbc_driver_postgresql.dbapi as pg

    with connect(target) as db, db.cursor() as cur:
        plans, _, failed = _plan(cur, target, aliases, wanted)
        if failed or any(p.table not in target.updated for p in plans):
            return None
        marks = []
        for plan in plans:
            column = quote(target.updated[plan.table])
            try:
                count, last = _rows(cur, f"SELECT count(*), max({column})::text FROM ({plan.query}) AS q")[0]
            except pg.Error as exc:
                raise _query_error(target, plan, exc) from None
            marks.append([plan.table, plan.query, int(count), last])
    return marks


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
