"""Read the contract tables from a MySQL or MariaDB database (``load("mysql://…")``, ``mariadb://``).

A URL such as ``mysql://kam_reader:pw@db.example.com:3306/crm`` names the server and
the database to read (``?schema=`` or ``database: schema:`` in ``kam.yml`` read
another database of the same server). Tables are found and ``kam.yml`` is read as
for PostgreSQL (:mod:`kamlib.data.dbplan`). The login is checked first with PyMySQL,
which gives the server's error code at once (wrong password, no database, not
allowed, unreachable: one clear error each, in a second or so); the rows then come
through Arrow with connectorx (no row-by-row Python), DECIMAL columns as exact
decimals turned into float64 as in files. Rows are numbered in the order of the
table's primary key (a query's own order). Each table is read in one statement (one
consistent moment of that table); tables are read one after another.

The password is never shown: messages name the database by the URL with its
password masked, and connectorx's own log lines are silenced.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import unquote, urlsplit

import duckdb
import pyarrow as pa

from kamlib.data.aliases import Aliases
from kamlib.data.dbplan import (
    CONNECT_TIMEOUT,
    Planned,
    Selection,
    Target,
    plan_tables,
    query_error,
    register,
    snapshot_marks,
)
from kamlib.data.problems import Problem
from kamlib.data.read import Source
from kamlib.errors import DataError

__all__ = ["connect", "error_code", "ident", "snapshot", "sources"]

#: Server error codes: wrong password, no such database, not allowed to use the database or to log in from here,
#: no SELECT on a table or column, the connection lost.
LOGIN_CODES = (1045, 1698)
NO_DATABASE_CODES = (1049,)
REFUSED_CODES = (1044, 1130)
DENIED_CODES = (1142, 1143)
LOST_CODES = (2006, 2013)
DEFAULT_PORT = 3306


def ident(name: str) -> str:
    """*name* as a MySQL identifier.

    Examples
    --------
    >>> print(ident("销售`订单"))
    `销售``订单`
    """
    return "`" + name.replace("`", "``") + "`"


def error_code(exc: BaseException) -> tuple[int | None, str]:
    """The server's error code in what PyMySQL or connectorx raised, and its message.

    Examples
    --------
    >>> error_code(RuntimeError("MySqlError { ERROR 1142 (42000): SELECT command denied to user 'kam' }"))
    (1142, "SELECT command denied to user 'kam'")
    >>> error_code(OSError(2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"))
    (2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)")
    """
    if len(exc.args) >= 2 and isinstance(exc.args[0], int):
        return exc.args[0], " ".join(str(exc.args[1]).split())
    text = " ".join(str(exc).split())
    found = re.search(r"ERROR (\d+) \([0-9A-Z]+\): (.*?)(?: \}|$)", text)
    return (int(found[1]), found[2]) if found else (None, text)


def _failure(target: Target, exc: BaseException, key: str, code: str, /, **values: object) -> DataError:
    """A :class:`DataError` about the whole database, with the server's words masked."""
    return target.error(code, key, RuntimeError(error_code(exc)[1]), **values)


def _connect_error(target: Target, exc: BaseException) -> DataError:
    number = error_code(exc)[0]
    if number in LOGIN_CODES:
        return _failure(target, exc, "data.db.login", "db_login")
    if number in NO_DATABASE_CODES:
        return _failure(target, exc, "data.db.no_database", "db_no_database", name=repr(_database(target)))
    if number in REFUSED_CODES:
        return _failure(target, exc, "data.mysql.refused", "db_refused", name=_database(target))
    return _failure(target, exc, "data.mysql.unreachable", "db_unreachable")


def _database(target: Target) -> str:
    """The database the URL names (its path)."""
    return unquote(urlsplit(target.uri).path.lstrip("/"))


def connect(target: Target) -> Any:
    """A PyMySQL connection to *target*: the login checked, with the server's own reason when refused.

    Raises
    ------
    DataError
        One per cause: the server cannot be reached, the login is refused (wrong
        password), the database does not exist, the user may not use it.

    Examples
    --------
    >>> connect(Target.parse("mysql://kam:s3cret@127.0.0.1:9/crm"))
    Traceback (most recent call last):
    ...
    kamlib.errors.DataError: mysql://kam:***@127.0.0.1:9/crm: cannot connect to the database server (Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)). Check the host and port in the URL, that the server is running and that it accepts connections from this computer (bind-address, a firewall), then run again.
    """
    import pymysql

    parts = urlsplit(target.uri)
    try:
        return pymysql.connect(host=parts.hostname or "localhost", port=parts.port or DEFAULT_PORT, user=target.user,
                               password=unquote(parts.password or ""), database=_database(target) or None,
                               connect_timeout=int(CONNECT_TIMEOUT), charset="utf8mb4", autocommit=True)
    except pymysql.MySQLError as exc:
        raise _connect_error(target, exc) from None


def _rows(cur: Any, sql: str, *values: object) -> list[tuple[Any, ...]]:
    """The rows of *sql* with *values* in its ``%s`` (none: the SQL as written, a ``%`` in it too)."""
    cur.execute(sql, values or None)
    return [tuple(row) for row in cur.fetchall()]


def _schema(cur: Any, target: Target) -> str:
    """The database to read, checked: it exists and the user sees it."""
    schema = target.schema or _database(target)
    if not schema or not _rows(cur, "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", schema):
        raise target.error("db_no_database", "data.db.no_database", name=repr(schema))
    return schema


def _table_plan(cur: Any, table: str, schema: str, name: str, label: str) -> Planned:
    """How to read the table *schema.name*: in the order of its primary key (none: as stored)."""
    key = [c for (c,) in _rows(cur, "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE "
                                    "TABLE_SCHEMA = %s AND TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' "
                                    "ORDER BY ORDINAL_POSITION", schema, name)]
    order = f" ORDER BY {', '.join(map(ident, key))}" if key else ""
    return Planned(table, name, label, f"SELECT * FROM {ident(schema)}.{ident(name)}{order}")


def _plan(cur: Any, target: Target, aliases: Aliases, wanted: Selection
          ) -> tuple[list[Planned], list[Problem], list[tuple[str, Problem]]]:
    """What to read, notes on the rest, and ``(table, error)`` for contract tables that cannot be read."""
    schema = _schema(cur, target)
    names = _rows(cur, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY 1", schema)
    return plan_tables(target, schema, {name: True for (name,) in names}, aliases, wanted,
                       lambda table, name, label: _table_plan(cur, table, schema, name, label))


def _fetch(target: Target, plan: Planned) -> pa.Table:
    """The rows of *plan*, through Arrow (connectorx), its log lines silenced."""
    os.environ.setdefault("RUST_LOG", "off")
    import connectorx

    return connectorx.read_sql(target.uri, plan.query, return_type="arrow")


def _query_error(target: Target, plan: Planned, exc: BaseException) -> DataError:
    number, said = error_code(exc)
    return query_error(target, plan, RuntimeError(said), lost=number in LOST_CODES, denied=number in DENIED_CODES)


def sources(con: duckdb.DuckDBPyConnection, target: Target, aliases: Aliases, wanted: Selection
            ) -> tuple[list[tuple[Source, str]], list[Problem], list[tuple[str, Problem]]]:
    """Read the contract tables of *target* into *con*: ``(sources, notes, (table, error) of those that fail)``.

    Raises
    ------
    DataError
        When the database cannot be used at all (see :func:`connect`; none of the
        contract's tables; a URL parameter the driver does not accept).
    """
    with connect(target) as db, db.cursor() as cur:
        plans, notes, failed = _plan(cur, target, aliases, wanted)
    found: list[tuple[Source, str]] = []
    for plan in plans:
        try:
            result = _fetch(target, plan)
        except RuntimeError as exc:
            if "Unknown URL parameter" in str(exc):
                raise target.error("db_url", "data.mysql.url_parameter", exc) from None
            error = _query_error(target, plan, exc)
            if error.problems[0].code == "db_lost":
                raise error from None
            failed.append((plan.table, error.problems[0]))
            continue
        source = register(con, plan, result)
        found.append((source, source.label))
    return found, notes, failed


def snapshot(target: Target, aliases: Aliases, wanted: Selection) -> list[list[Any]] | None:
    """What identifies the data read: each table's row count and last update, or None (no cache).

    As :func:`kamlib.data.database.snapshot`: only tables whose last-update column
    ``kam.yml`` names (``database: updated:``) can be cached.

    Raises
    ------
    DataError
        As :func:`sources`.
    """
    import pymysql

    with connect(target) as db, db.cursor() as cur:
        def count(plan: Planned, column: str) -> tuple[Any, Any]:
            try:
                return _rows(cur, f"SELECT count(*), CAST(max({ident(column)}) AS CHAR) FROM ({plan.query}) AS q")[0]
            except pymysql.MySQLError as exc:
                raise _query_error(target, plan, exc) from None

        plans, _, failed = _plan(cur, target, aliases, wanted)
        return snapshot_marks(target, plans, failed, count)
