"""A throwaway PostgreSQL server for the test session (docs/design.md §5.1), on 127.0.0.1 only."""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from typing import Iterator

from .system import PG_BIN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*argv: str, cwd: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *argv], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@contextmanager
def throwaway_server() -> Iterator[str]:
    """Yields the server URL without a database name: postgresql+psycopg://postgres@127.0.0.1:PORT"""
    tmp = tempfile.mkdtemp(prefix="wp-pg-")
    shutil.chown(tmp, "postgres", "postgres")
    data = f"{tmp}/data"
    port = _free_port()
    _as_postgres(f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync", cwd=tmp)
    _as_postgres(f"{PG_BIN}/pg_ctl", "-D", data, "-l", f"{tmp}/server.log", "-w", "-t", "30", "-o",
                 f"-p {port} -c listen_addresses=127.0.0.1 -k {tmp} -c fsync=off -c synchronous_commit=off "
                 f"-c full_page_writes=off -c max_connections=200", "start", cwd=tmp)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate",
                        "-w", "stop"], cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)
