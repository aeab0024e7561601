"""A private, real PostgreSQL server for tests (Debian's postgresql package).

initdb in a temp dir, owned by the postgres account, listening on a free
loopback port; later issues reuse it for site databases.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .harness import free_port, wait_for

_databases = itertools.count()


def fresh_url(kind: str, tmp_path: Path, request, name: str) -> str:
    """A new, empty database of `kind` ("sqlite" or "postgres"): the file
    {tmp_path}/{name}.sqlite, or database {name}_{n} of the session's server."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.sqlite'}"
    server = request.getfixturevalue("postgres")
    database = f"{name}_{next(_databases)}"
    server.psql(f"CREATE DATABASE {database}")
    return server.url(database)


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise AssertionError("PostgreSQL is not installed: apt-get install postgresql (scripts/test.sh does)")
    return found[-1]


@dataclass
class Postgres:
    root: str
    port: int

    def url(self, db: str = "postgres", driver: str = "postgresql") -> str:
        return f"{driver}://campushub:campushub@127.0.0.1:{self.port}/{db}"

    def psql(self, sql: str, db: str = "postgres") -> str:
        r = subprocess.run(
            ["runuser", "-u", "postgres", "--", _bin("psql"), "-h", self.root, "-p", str(self.port),
             "-d", db, "-At", "-c", sql], capture_output=True, text=True,
        )
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    @classmethod
    def start(cls) -> Postgres:
        pg = pwd.getpwnam("postgres")
        root = tempfile.mkdtemp(prefix="campushub-pg-")
        os.chown(root, pg.pw_uid, pg.pw_gid)
        port = free_port()
        as_pg = ["runuser", "-u", "postgres", "--"]
        subprocess.run([*as_pg, _bin("initdb"), "-D", f"{root}/data", "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True)
        subprocess.run([*as_pg, _bin("pg_ctl"), "-D", f"{root}/data", "-l", f"{root}/log", "-w", "start",
                        "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1"], check=True, capture_output=True)
        server = cls(root, port)
        wait_for(lambda: server.psql("select 1") == "1", 30, "PostgreSQL to accept connections")
        server.psql("CREATE ROLE campushub LOGIN SUPERUSER PASSWORD 'campushub'")
        return server

    def pause(self) -> None:
        """Stop the server but keep its data, to test what happens while a database is down."""
        subprocess.run(["runuser", "-u", "postgres", "--", _bin("pg_ctl"), "-D", f"{self.root}/data",
                        "-m", "immediate", "-w", "stop"], capture_output=True)

    def resume(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", _bin("pg_ctl"), "-D", f"{self.root}/data",
                        "-l", f"{self.root}/log", "-w", "start", "-o",
                        f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"],
                       check=True, capture_output=True)
        wait_for(lambda: self.psql("select 1") == "1", 30, "PostgreSQL to accept connections again")

    def stop(self) -> None:
        self.pause()
        shutil.rmtree(self.root, ignore_errors=True)
