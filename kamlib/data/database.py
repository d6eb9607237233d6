"""Read the contract tables from a PostgreSQL database (``load("postgresql://…")``), or hand a MySQL or
MariaDB URL to :mod:`kamlib.data.mysql`.

A URL such as ``postgresql://kam_reader:pw@db.example.com:5432/crm?schema=crm``
names the server, the database and the schema to read (``?schema=``, or
``database: schema:`` in ``kam.yml``; by default the user's own search path). The
tables are found by name as for files (``orders``, or a name ``kam.yml`` maps with
``aliases: files:``), or read with one SQL query per table (``database: queries:``).
Each result comes through Arrow with the ADBC PostgreSQL driver (the server's binary
``COPY`` format, no row-by-row Python) and is registered in DuckDB as a
:class:`~kamlib.data.read.Source`, so the same checks and messages as for files
apply. Rows are numbered in the order of the table's primary key (a query's own
order). All tables are read in one repeatable-read transaction (one moment of the
database); a large table is read in ranges of its key over several connections at
once, all in that transaction's exported snapshot, and joined in key order.

``kam.yml`` is read from the folder the URL's ``?config=`` names, else the current
folder. Both ``schema`` and ``config`` are the workbook's own and are not passed to
the server; ``connect_timeout`` is 10 s unless the URL sets it. The password is never
shown: messages name the database by the URL with its password masked.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pyarrow as pa

from kamlib.data import mysql
from kamlib.data.aliases import Aliases
from kamlib.data.dbplan import (
    SCHEMES,
    Planned,
    Selection,
    Target,
    cache_key,
    is_url,
    plan_tables,
    query_error,
    register,
    release,
    snapshot_marks,
)
from kamlib.data.parse import quote
from kamlib.data.problems import Problem
from kamlib.data.read import Source
from kamlib.errors import DataError

__all__ = ["SCHEMES", "Selection", "Target", "cache_key", "is_url", "release", "snapshot", "sources"]

#: Relation kinds read as tables: tables, views, materialised views, partitioned and foreign tables.
RELKINDS = "('r', 'v', 'm', 'p', 'f')"
#: Connection failures by SQLSTATE: wrong password, not allowed to connect, no such database.
LOGIN_STATES = ("28P01",)
REFUSED_STATES = ("28000", "42501")
NO_DATABASE_STATES = ("3D000",)
DENIED_STATES = ("42501",)
#: Tables the server estimates at this many rows or more are read in key ranges over several connections at once.
PARALLEL_ROWS = 500_000
#: Connections that read one large table side by side: one per processor this process may use (each decodes
#: its range), at most 4.
PARTS = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


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


def _key(cur: Any, relation: str) -> list[str]:
    """The columns of the primary key of *relation* (quoted ``schema.name``), in key order; none for a view."""
    return [c for (c,) in _rows(
        cur, f"SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a "
             f"ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
             f"WHERE i.indisprimary AND i.indrelid = {literal(relation)}::regclass "
             f"ORDER BY array_position(i.indkey::int2[], a.attnum)")]


def _columns(cur: Any, relation: str) -> list[tuple[str, bool]]:
    """``(name, is NUMERIC)`` of each column of *relation*, in table order (a domain over numeric counts)."""
    return [(c, bool(n)) for c, n in _rows(
        cur, f"SELECT a.attname, coalesce(nullif(t.typbasetype, 0), a.atttypid) = 'numeric'::regtype "
             f"FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
             f"WHERE a.attrelid = {literal(relation)}::regclass AND a.attnum > 0 AND NOT a.attisdropped "
             f"ORDER BY a.attnum")]


def _bounds(cur: Any, schema: str, name: str, column: str) -> list[str]:
    """Values of *column* that cut the table into ranges of about equal rows (the server's statistics), as text.

    Empty when the table is estimated below :data:`PARALLEL_ROWS` rows or has no
    statistics yet (never analysed): it is then read whole.
    """
    found = _rows(cur, f"SELECT c.reltuples, s.histogram_bounds::text::text[] FROM pg_catalog.pg_class c "
                       f"LEFT JOIN pg_catalog.pg_stats s ON s.schemaname = {literal(schema)} "
                       f"AND s.tablename = c.relname AND s.attname = {literal(column)} "
                       f"WHERE c.oid = {literal(quote(schema) + '.' + quote(name))}::regclass ORDER BY s.inherited")
    if not found or found[0][0] is None or found[0][0] < PARALLEL_ROWS or not found[0][1]:
        return []
    return list(found[0][1])


def key_ranges(column: str, bounds: list[str], parts: int) -> list[str]:
    """``WHERE`` conditions that split *column* into *parts* consecutive ranges at *bounds* (sorted values).

    Examples
    --------
    >>> print(*key_ranges("order_id", ["O1", "O3", "O5", "O7"], 2), sep="\\n")
    WHERE "order_id" < 'O5'
    WHERE "order_id" >= 'O5'
    >>> print(*key_ranges("id", ["1", "9"], 3), sep="\\n")
    WHERE "id" < '1'
    WHERE "id" >= '1' AND "id" < '9'
    WHERE "id" >= '9'
    >>> key_ranges("id", [], 3)
    []
    """
    cuts = list(dict.fromkeys(bounds[len(bounds) * i // parts] for i in range(1, parts))) if bounds else []
    if not cuts:
        return []
    ref, edges = quote(column), [None, *cuts, None]
    return ["WHERE " + " AND ".join(([f"{ref} >= {literal(low)}"] if low is not None else [])
                                    + ([f"{ref} < {literal(high)}"] if high is not None else []))
            for low, high in pairwise(edges)]


def _table_plan(cur: Any, table: str, schema: str, name: str, label: str) -> Planned:
    """How to read the database table *schema.name*: in primary-key order, large ones in key ranges side by side."""
    relation = f"{quote(schema)}.{quote(name)}"
    columns = _columns(cur, relation)
    select = ", ".join(f"{quote(c)}::text AS {quote(c)}" if numeric else quote(c) for c, numeric in columns) or "*"
    key = _key(cur, relation)
    order = f" ORDER BY {', '.join(map(quote, key))}" if key else ""
    head = f"SELECT {select} FROM {relation}"
    ranges = key_ranges(key[0], _bounds(cur, schema, name, key[0]), PARTS) if len(key) == 1 else []
    return Planned(table, name, label, head + order, tuple(f"{head} {where}{order}" for where in ranges),
                   tuple(c for c, numeric in columns if numeric))


def _plan(cur: Any, target: Target, aliases: Aliases, wanted: Selection
          ) -> tuple[list[Planned], list[Problem], list[tuple[str, Problem]]]:
    """What to read, notes on the rest, and ``(table, error)`` for contract tables that cannot be read."""
    schema = _schema(cur, target)
    return plan_tables(target, schema, _relations(cur, schema), aliases, wanted,
                       lambda table, name, label: _table_plan(cur, table, schema, name, label))


def _begin(cur: Any, exported: str | None = None) -> None:
    """Open a repeatable-read transaction on *cur*: every query in it sees one snapshot (the *exported* one)."""
    cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    if exported is not None:
        cur.execute(f"SET TRANSACTION SNAPSHOT {literal(exported)}")


def _export(cur: Any) -> str | None:
    """Export the snapshot of the transaction open on *cur*, for other connections to read in (None: the server
    cannot, e.g. a standby; the transaction is then opened again and tables are read over one connection)."""
    import adbc_driver_postgresql.dbapi as pg

    try:
        return str(_rows(cur, "SELECT pg_export_snapshot()")[0][0])
    except pg.Error:
        cur.execute("ROLLBACK")
        _begin(cur)
        return None


def _fetch(cur: Any, query: str) -> pa.Table:
    """The result of *query* on *cur*, as one Arrow table."""
    cur.execute(query)
    return cur.fetch_arrow_table()


def _fetch_part(target: Target, exported: str, query: str) -> pa.Table | None:
    """One key range, read over a connection of its own in the *exported* snapshot (None: no connection)."""
    try:
        db = connect(target)
    except DataError:
        return None  # e.g. the server's connection limit: the main connection reads this range too
    with db, db.cursor() as cur:
        _begin(cur, exported)
        return _fetch(cur, query)


def _fetch_all(cur: Any, target: Target, plan: Planned, exported: str | None) -> pa.Table:
    """The rows of *plan*: its key ranges side by side (the first on *cur*, each other on a connection of its
    own, all in the *exported* snapshot), joined in key order; or its query on *cur*."""
    if not plan.parts or exported is None:
        return _fetch(cur, plan.query)
    with ThreadPoolExecutor(len(plan.parts) - 1) as pool:
        others = [pool.submit(_fetch_part, target, exported, query) for query in plan.parts[1:]]
        first = _fetch(cur, plan.parts[0])
        rest = [future.result() for future in others]
    return pa.concat_tables([first, *(_fetch(cur, query) if part is None else part
                                      for query, part in zip(plan.parts[1:], rest))])


def _read(con: duckdb.DuckDBPyConnection, cur: Any, target: Target, plan: Planned, zone: str,
          exported: str | None = None) -> Source:
    """Run one plan's query and register the result in *con* as the Source of its table."""
    import adbc_driver_postgresql.dbapi as pg

    try:
        cur.execute("SAVEPOINT kam_read")
        result = _fetch_all(cur, target, plan, exported)
    except pg.Error as exc:
        error = _query_error(target, plan, exc)
        if error.problems[0].code != "db_lost":
            cur.execute("ROLLBACK TO SAVEPOINT kam_read")  # the next tables are read in the same transaction
        raise error from None
    return register(con, plan, result, zone)


def _query_error(target: Target, plan: Planned, exc: Exception) -> DataError:
    state = getattr(exc, "sqlstate", None) or ""
    return query_error(target, plan, exc, lost=state.startswith("08") or "server closed the connection" in str(exc),
                       denied=state in DENIED_STATES)


def sources(con: duckdb.DuckDBPyConnection, target: Target, aliases: Aliases, wanted: Selection
            ) -> tuple[list[tuple[Source, str]], list[Problem], list[tuple[str, Problem]]]:
    """Read the contract tables of *target* into *con*: ``(sources, notes, (table, error) of those that fail)``.

    *wanted* is the load's :class:`~kamlib.data.dataset.Wanted`: only its tables are
    read; one it names that the database lacks is an error. All tables are read in one
    transaction (repeatable read), so they show the database at one moment; a large
    table is read in ranges of its key over several connections in that same snapshot.

    Raises
    ------
    DataError
        When the database cannot be used at all (see :func:`connect`; no such schema;
        none of the contract's tables).
    """
    if target.is_mysql:
        return mysql.sources(con, target, aliases, wanted)
    found: list[tuple[Source, str]] = []
    with connect(target) as db, db.cursor() as cur:
        plans, notes, failed = _plan(cur, target, aliases, wanted)
        zone = _rows(cur, "SELECT current_setting('TimeZone')")[0][0]
        _begin(cur)
        exported = _export(cur) if any(plan.parts for plan in plans) else None
        for plan in plans:
            try:
                source = _read(con, cur, target, plan, zone, exported)
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
    if target.is_mysql:
        return mysql.snapshot(target, aliases, wanted)
    import adbc_driver_postgresql.dbapi as pg

    def count(plan: Planned, column: str) -> tuple[Any, Any]:
        try:
            return _rows(cur, f"SELECT count(*), max({quote(column)})::text FROM ({plan.query}) AS q")[0]
        except pg.Error as exc:
            raise _query_error(target, plan, exc) from None

    with connect(target) as db, db.cursor() as cur:
        plans, _, failed = _plan(cur, target, aliases, wanted)
        return snapshot_marks(target, plans, failed, count)
