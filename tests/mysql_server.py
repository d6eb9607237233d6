"""A throwaway MariaDB server for the tests and the benchmark.

Debian's ``mariadb-server`` package provides ``mariadb-install-db`` and ``mariadbd``;
no system service is used. The server runs in a temporary folder, listens on a free
localhost TCP port (its Unix socket in that folder) and requires a password for
every account the tests use. Run as root (CI on a bare machine), it runs as the
unprivileged ``mysql`` user the package creates, through ``runuser -u mysql``.

Two accounts: the owner (``kam_owner``, who loads the tables) and ``kam_reader``, who
may only ``SELECT`` from the tables loaded — what the workbook should connect as.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
from ports import free_port
from servers import ready, run_as

OWNER, READER = "kam_owner", "kam_reader"
DATABASE = "kam"
#: Unprivileged account the server runs as when the tests run as root.
SERVICE_USER = "mysql"
#: Column types for Arrow types (strings up to this many characters are VARCHAR, so they can be keys).
VARCHAR = 255


def program(name: str) -> str:
    """The path of one of MariaDB's server programs.

    Raises
    ------
    RuntimeError
        When MariaDB's server is not installed, with the command that installs it.
    """
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        raise RuntimeError("MariaDB's server programs are not installed: apt-get install -y mariadb-server")
    return found


@dataclass
class Server:
    """A running server: ``url(user)`` gives a connection URL, :meth:`stop` ends it and removes its folder."""

    folder: Path
    port: int
    password: str
    process: subprocess.Popen

    def url(self, user: str = READER, password: str | None = None, database: str = DATABASE,
            scheme: str = "mysql") -> str:
        """``mysql://user:password@127.0.0.1:port/database``, the password URL-quoted."""
        return f"{scheme}://{user}:{quote(self.password if password is None else password, safe='')}@127.0.0.1:{self.port}/{database}"

    def connect(self, user: str = OWNER, password: str | None = None, database: str | None = None) -> object:
        """A PyMySQL connection (autocommit; ``LOAD DATA LOCAL`` allowed), by default as the owner."""
        import pymysql

        return pymysql.connect(host="127.0.0.1", port=self.port, user=user, password=self.password if password is None else password,
                               database=database, charset="utf8mb4", autocommit=True,
                               local_infile=True)

    def execute(self, *statements: str) -> None:
        """Run SQL statements as the owner."""
        with self.connect() as con, con.cursor() as cur:
            for statement in statements:
                cur.execute(statement)

    def load(self, tables: dict[str, pa.Table], database: str = DATABASE) -> None:
        """Create each Arrow table in *database* (replacing it) and let the reader select from it."""
        with self.connect() as con, con.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            for name, table in tables.items():
                cur.execute(f"DROP TABLE IF EXISTS `{database}`.`{name}`")
                columns = ", ".join(f"`{f.name}` {_column_type(table.column(f.name))}" for f in table.schema)
                cur.execute(f"CREATE TABLE `{database}`.`{name}` ({columns})")
                marks = ", ".join(["%s"] * table.num_columns)
                rows = list(zip(*(table.column(i).to_pylist() for i in range(table.num_columns))))
                cur.executemany(f"INSERT INTO `{database}`.`{name}` VALUES ({marks})", rows)
                cur.execute(f"GRANT SELECT ON `{database}`.`{name}` TO {READER}")

    def stop(self) -> None:
        """Stop the server (it shuts down on SIGTERM) and remove its folder."""
        pid_file = self.folder / "server.pid"
        if pid_file.exists() and self.process.poll() is None:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def _column_type(column: pa.ChunkedArray) -> str:
    kind = column.type
    if pa.types.is_boolean(kind):
        return "BOOLEAN"
    if pa.types.is_integer(kind):
        return "BIGINT"
    if pa.types.is_floating(kind):
        return "DOUBLE"
    if pa.types.is_date(kind):
        return "DATE"
    if pa.types.is_timestamp(kind):
        return "DATETIME(6)"
    longest = max((len(v) for v in column.to_pylist() if v is not None), default=0)
    return f"VARCHAR({VARCHAR})" if longest <= VARCHAR else "TEXT"


def start(password: str = "kam-test-Pw.7") -> Server:
    """Initialise and start a server in a new temporary folder; create the database, the owner and the reader.

    Raises
    ------
    RuntimeError
        When ``mariadb-install-db`` fails (with its output); pymysql's error when the server takes no login.
    """
    as_user, uid, gid = run_as(SERVICE_USER)
    folder = Path(tempfile.mkdtemp(prefix="kam-mysql-"))
    folder.chmod(0o755)
    if uid is not None:
        os.chown(folder, uid, gid)
    data = folder / "data"
    done = subprocess.run([*as_user, program("mariadb-install-db"), "--no-defaults", f"--datadir={data}",
                           "--auth-root-authentication-method=normal", "--skip-test-db"],
                          capture_output=True, text=True, check=False, timeout=120)
    if done.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"mariadb-install-db failed: {done.stdout}{done.stderr}")
    port = free_port()
    process = subprocess.Popen(
        [*as_user, program("mariadbd"), "--no-defaults", f"--datadir={data}", f"--port={port}",
         f"--socket={folder / 'server.sock'}", "--skip-networking=0", "--bind-address=127.0.0.1",
         f"--pid-file={folder / 'server.pid'}", f"--log-error={folder / 'server.log'}",
         "--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin", "--skip-log-bin",
         "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--local-infile=1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import pymysql

    server = Server(folder, port, password, process)
    return ready(server, lambda: server.connect("root", password="").close(), pymysql.MySQLError,
                 lambda: _accounts(server), alive=lambda: process.poll() is None)


def _accounts(server: Server) -> None:
    """Create the owner (every right), the reader (none yet) and the database, as a fresh server's root."""
    with server.connect("root", password="") as con, con.cursor() as cur:
        for user in (OWNER, READER):
            cur.execute(f"CREATE USER {user} IDENTIFIED BY %s", (server.password,))
        cur.execute(f"GRANT ALL ON *.* TO {OWNER} WITH GRANT OPTION")
        cur.execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
