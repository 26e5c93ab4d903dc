"""A throwaway PostgreSQL server for the tests: one cluster per test process, a fresh schema per test.

The cluster is made with the server package's own initdb in a new folder under the system's temporary folder,
listens on a unix socket in that folder and on 127.0.0.1 with TLS (a test authority's certificate,
tests/records/pgtls.py; over TCP only TLS connections, save one role's), runs without fsync, and is stopped and
removed when the test session ends. Each test gets the process's database with intake's schema removed (and
no connection left open to it). PostgreSQL refuses to run as root: as root the cluster belongs to a system
user made for it (`intake-pgtest`, created when missing) and the server's programs run through `runuser`.

If the server cannot start, the tests that need it fail with the reason (never skip): the server comes from the
Debian `postgresql` package that .ci/system-deps installs.

Use the fixtures in a test module by importing them (their names carry `_fixture`, so a test's parameter does not
shadow the import):

    from tests.records.pgserver import pg_database_fixture, pg_server_fixture  # noqa: F401 (fixtures)

    def test_something(pg_database): ...        # the DSN of a database new to intake
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.records import pgtls

USER = "intake-pgtest"
#: The role of the server's owner (initdb -U), allowed in without a password over the socket.
SUPERUSER = "postgres"
#: A role that must give its password (scram-sha-256), for the tests of a wrong password.
PASSWORD_ROLE = "intake_pw"
#: The database the tests use (intake's schema in it removed before each test).
DATABASE = "intake_tests"
SETTINGS = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket}'
port = {port}
ssl = on
ssl_cert_file = '{cert}'
ssl_key_file = '{key}'
fsync = off
# off by default here: the engine turns it on for each write transaction (test_postgres_engine's crash test)
synchronous_commit = off
full_page_writes = off
max_connections = 40
shared_buffers = 16MB
max_wal_size = 256MB
log_min_messages = warning
"""
#: A role that may connect over TCP without TLS (for the check that names an unencrypted connection).
PLAIN_ROLE = "intake_plain"
HBA = f"""
local all {PASSWORD_ROLE} scram-sha-256
local all all trust
hostnossl all {PLAIN_ROLE} 127.0.0.1/32 trust
hostssl all all 127.0.0.1/32 trust
"""


def server_env() -> dict[str, str]:
    """The server's environment: the tests' own without libfaketime. The server is a machine of its own with the
    real clock (under a faked clock its lock_timeout never fired, and a writer waited for ever)."""
    return {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME", "DYLD_INSERT_LIBRARIES")}


def _free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now (each test process's server has its own)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerError(RuntimeError):
    """The throwaway server could not be made or started (the reason is in the message)."""


def bin_dir() -> Path:
    """The folder of initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent  # (a link on PATH: the folder of the real programs)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if not candidates:
        raise ServerError("PostgreSQL's initdb was not found (on PATH or in /usr/lib/postgresql/*/bin): install the "
                          "Debian package `postgresql` (.ci/system-deps does so)")
    return Path(candidates[-1]).parent


def _ensure_user() -> pwd.struct_passwd:
    """The unprivileged system user the server runs as when the tests run as root (made when missing)."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(USER)
    made = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                          capture_output=True, text=True)
    try:
        return pwd.getpwnam(USER)  # another test process may have made it first
    except KeyError:
        raise ServerError(f"could not create the system user {USER} to run PostgreSQL as (it refuses to run as "
                          f"root): {made.stderr.strip() or made.returncode}") from None


class Server:
    """One throwaway cluster. `start()` makes and starts it; `stop()` stops it and removes its folder."""

    def __init__(self) -> None:
        self.bin = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="intake-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_root = os.geteuid() == 0
        self._made = False
        self.port = _free_port()
        self.root_cert = self.root / "root.crt"

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self.as_root:
            command = ["runuser", "-u", USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root, env=server_env())

    def start(self) -> None:
        """Makes the cluster and starts the server (waits until it accepts connections)."""
        if self.as_root:
            user = _ensure_user()
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o700)
        made = self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                         "--locale=C", "--no-sync", "--no-instructions")
        if made.returncode != 0:
            raise ServerError(f"initdb failed: {made.stderr.strip() or made.stdout.strip()}")
        tls = self.data / "tls"
        tls.mkdir(mode=0o700)
        root, cert, key = pgtls.make(tls)
        shutil.copyfile(root, self.root_cert)
        if self.as_root:
            for path in (tls, cert, key):
                os.chown(path, user.pw_uid, user.pw_gid)
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(SETTINGS.format(socket=self.root, port=self.port, cert=cert, key=key))
        (self.data / "pg_hba.conf").write_text(HBA, encoding="utf-8")
        started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start",
                            timeout=90)
        if started.returncode != 0:
            log = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
            raise ServerError(f"the PostgreSQL server did not start: {started.stderr.strip()} {log[-2000:]}")

    def crash(self) -> None:
        """Stops the server as a crash would (pg_ctl -m immediate: no shutdown checkpoint, connections cut)."""
        stopped = self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        if stopped.returncode != 0:
            raise ServerError(f"the PostgreSQL server did not stop: {stopped.stderr.strip()}")

    def restart(self) -> None:
        """Starts the server again after `crash` (it recovers from its write-ahead log)."""
        started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start",
                            timeout=90)
        if started.returncode != 0:
            raise ServerError(f"the PostgreSQL server did not start again: {started.stderr.strip()}")

    def stop(self) -> None:
        """Stops the server (immediately: nothing of it is kept) and removes its folder."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER, password: str | None = None) -> str:
        """A libpq connection string to a database of this server over its socket."""
        text = f"host={self.root} port={self.port} dbname={dbname} user={user}"
        return text + (f" password='{password}'" if password else "")

    def tcp_dsn(self, dbname: str, sslmode: str, user: str = SUPERUSER, host: str = pgtls.HOST) -> str:
        """A connection string over TCP to 127.0.0.1 naming the server `host` (checked against its certificate
        under sslmode=verify-full), trusting the test authority."""
        return (f"host={host} hostaddr=127.0.0.1 port={self.port} dbname={dbname} user={user} sslmode={sslmode} "
                f"sslrootcert={self.root_cert}")

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        """Runs one statement as the superuser, outside any transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            conn.execute(statement)

    def fresh_database(self) -> str:
        """The process's test database as new to intake: no connection left open to it, intake's schema gone.

        (Removing the schema takes milliseconds; CREATE DATABASE takes a quarter of a second.)
        """
        if not self._made:
            self.sql(f"CREATE DATABASE {DATABASE}")
            self._made = True
        self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND pid <> pg_backend_pid()", DATABASE)
        self.sql("DROP SCHEMA IF EXISTS intake CASCADE", DATABASE)
        return DATABASE


#: The test process's one server. Each module that imports the fixture gets its own fixture instance; they all
#: share this server, started by the first and stopped at the end of the session.
RUNNING: list[Server] = []


def shared_server() -> Server:
    """The test process's server, started on first use; the calling test fails (never skips) when it cannot start."""
    if not RUNNING:
        try:
            server = Server()
        except ServerError as exc:
            pytest.fail(f"PostgreSQL tests cannot run: {exc}", pytrace=False)
        try:
            server.start()
        except (ServerError, OSError, subprocess.SubprocessError) as exc:
            server.stop()
            pytest.fail(f"PostgreSQL tests cannot run: {exc}", pytrace=False)
        RUNNING.append(server)
    return RUNNING[0]


@pytest.fixture(scope="session", name="pg_server")
def pg_server_fixture() -> Iterator[Server]:
    """The test process's throwaway server (started on first use, stopped at the end of the session)."""
    yield shared_server()
    while RUNNING:
        RUNNING.pop().stop()


@pytest.fixture(name="pg_database")
def pg_database_fixture(pg_server: Server) -> str:
    """The DSN of a database of the throwaway server in which intake's schema does not exist yet."""
    return pg_server.dsn(pg_server.fresh_database())
