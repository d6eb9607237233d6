"""What the throwaway database servers of the tests share: the account they run as, waiting for the first
login, and the sample as a CRM stores it."""

from __future__ import annotations

import os
import pwd
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import pandas as pd
import pyarrow as pa

S = TypeVar("S", bound="Stoppable")
#: Tables of the sample given a primary key in the databases (their files are sorted by it).
KEYED = {"accounts": "account_id", "orders": "order_id", "opportunities": "opportunity_id"}


def run_as(service_user: str) -> tuple[list[str], int | None, int | None]:
    """The command prefix to run server programs with, and the uid/gid owning their files (None: as we are).

    Servers refuse to run as root: run as root (CI on a bare machine), they run as the
    unprivileged *service_user* their Debian package creates, through ``runuser``.

    Examples
    --------
    >>> prefix, uid, gid = run_as("postgres")
    >>> prefix == ([] if os.geteuid() else ["runuser", "-u", "postgres", "--"])
    True
    """
    if os.geteuid() != 0:
        return [], None, None
    user = pwd.getpwnam(service_user)
    return ["runuser", "-u", service_user, "--"], user.pw_uid, user.pw_gid


def stored(frame: pd.DataFrame) -> pa.Table:
    """A typed sample table as a CRM stores it: dates as dates.

    Examples
    --------
    >>> stored(pd.DataFrame({"day": pd.to_datetime(["2025-01-31"])})).schema.types
    [DataType(date32[day])]
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    return pa.table([c.cast(pa.date32()) if pa.types.is_timestamp(c.type) else c for c in table.columns],
                    names=table.column_names)


class Stoppable(Protocol):
    """A server that :meth:`stop` ends, removing its folder."""

    def stop(self) -> None:
        """Stop the server and remove its folder."""


def ready(server: S, login: Callable[[], object], errors: type[Exception] | tuple[type[Exception], ...],
          setup: Callable[[], object], seconds: float = 60.0, alive: Callable[[], bool] = lambda: True) -> S:
    """*server* once *login* succeeds (retried while it raises *errors*) and *setup* has run.

    The server is stopped when anything fails (never left running): *login* still
    failing after *seconds*, or as soon as *alive* says the server process has ended.

    Examples
    --------
    >>> class Off:
    ...     def stop(self): print("stopped")
    >>> ready(Off(), lambda: 1 / 0, ZeroDivisionError, print, seconds=0.1)
    Traceback (most recent call last):
    ...
    ZeroDivisionError: division by zero
    >>> ready(Off(), print, OSError, lambda: print("set up")) is not None
    <BLANKLINE>
    set up
    True
    """
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                login()
                break
            except errors:
                if time.monotonic() > deadline or not alive():
                    raise
                time.sleep(0.2)
        setup()
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running(server: S, sample: Any, schema: str) -> Iterator[S]:
    """*server* with the *sample* dataset loaded into *schema*, the :data:`KEYED` tables given their primary key;
    stopped at the end, even when a test fails."""
    try:
        server.load({name: stored(sample.table(name)) for name in sample.names}, schema)
        server.execute(*(f"ALTER TABLE {schema}.{table} ADD PRIMARY KEY ({key})" for table, key in KEYED.items()))
        yield server
    finally:
        server.stop()
