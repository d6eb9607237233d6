"""A throwaway PostgreSQL server for the tests and the benchmark.

Debian's ``postgresql`` package provides ``initdb`` and ``pg_ctl`` under
``/usr/lib/postgresql/<version>/bin/``; no system service is used. The server runs
in a temporary folder, listens on a free localhost TCP port only (no Unix socket)
and requires a password for every login (SCRAM).

PostgreSQL refuses to run as root. Run as root (CI on a bare machine), the server
runs as the unprivileged ``postgres`` user the Debian package creates, through
``runuser -u postgres``, in a folder owned by that user; run as anyone else, it
runs as that user.

Two roles: the owner (``kam_owner``, who loads the tables) and ``kam_reader``, a
read-only role that may only ``SELECT`` from the tables of schema ``crm`` — what the
workbook should connect as.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
from ports import free_port
from servers import ready, run_as

OWNER, READER = "kam_owner", "kam_reader"
SCHEMA = "crm"
DATABASE = "kam"
#: Unprivileged account the server runs as when the tests run as root.
SERVICE_USER = "postgres"


def binaries() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl`` (the newest installed version).

    Raises
    ------
    RuntimeError
        When PostgreSQL's server programs are not installed, with the command that installs them.
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL's server programs are not installed: apt-get install -y postgresql")
    return Path(found[-1]).parent



@dataclass
class Server:
    """A running server: ``url(role)`` gives a connection URL, :meth:`stop` ends it and removes its folder."""

    folder: Path
    port: int
    password: str
    as_user: list[str]

    def url(self, role: str = READER, password: str | None = None, database: str = DATABASE) -> str:
        """``postgresql://role:password@127.0.0.1:port/database``, the password URL-quoted."""
        return f"postgresql://{role}:{quote(password or self.password, safe='')}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str, database: str = DATABASE) -> None:
        """Run SQL statements as the owner, each in its own transaction."""
        import adbc_driver_postgresql.dbapi as pg

        with pg.connect(self.url(OWNER, database=database), autocommit=True) as con, con.cursor() as cur:
            for statement in statements:
                cur.execute(statement)

    def load(self, tables: dict[str, pa.Table], schema: str = SCHEMA) -> None:
        """Create each Arrow table in *schema* (replacing it) and let the reader select from it."""
        import adbc_driver_postgresql.dbapi as pg

        with pg.connect(self.url(OWNER)) as con, con.cursor() as cur:
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            cur.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {READER}')
            for name, table in tables.items():
                cur.execute(f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE')
                cur.adbc_ingest(name, table, mode="create", db_schema_name=schema)
                cur.execute(f'GRANT SELECT ON "{schema}"."{name}" TO {READER}')
            con.commit()

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        subprocess.run([*self.as_user, str(binaries() / "pg_ctl"), "stop", "-D", str(self.folder / "data"),
                        "-m", "fast", "-w"], capture_output=True, check=False, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def start(password: str = "kam-test-Pw.7") -> Server:
    """Initialise and start a server in a new temporary folder; create the database, the owner and the reader.

    Raises
    ------
    RuntimeError
        When ``initdb`` or ``pg_ctl`` fails, with its output.
    """
    as_user, uid, gid = run_as(SERVICE_USER)
    folder = Path(tempfile.mkdtemp(prefix="kam-pg-"))
    folder.chmod(0o755)  # the service user must reach its data folder below
    data, pwfile = folder / "data", folder / "pwfile"
    data.mkdir()
    pwfile.write_text(password + "\n", encoding="utf-8")
    if uid is not None:
        for path in (data, pwfile):
            os.chown(path, uid, gid)
    port = free_port()
    bin_dir = binaries()
    steps = [
        [str(bin_dir / "initdb"), "-D", str(data), "-U", OWNER, f"--pwfile={pwfile}", "--auth=scram-sha-256",
         "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
        [str(bin_dir / "pg_ctl"), "start", "-D", str(data), "-w", "-t", "60", "-l", str(data / "server.log"),
         "-o", f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off"],
    ]
    for step in steps:
        done = subprocess.run([*as_user, *step], capture_output=True, text=True, check=False, timeout=120)
        if done.returncode:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"{Path(step[0]).name} failed: {done.stdout}{done.stderr}")
    import adbc_driver_postgresql.dbapi as pg

    server = Server(folder, port, password, as_user)
    return ready(server, lambda: pg.connect(server.url(OWNER, database="postgres")).close(), pg.Error,
                 lambda: server.execute(f"CREATE ROLE {READER} LOGIN PASSWORD '{password}'",
                                        f"CREATE DATABASE {DATABASE}", database="postgres"), seconds=30.0)


