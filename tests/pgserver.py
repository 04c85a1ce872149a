"""A throwaway PostgreSQL server for a test session or a benchmark: Debian's `postgresql` binaries,
a temporary data directory, a Unix socket only (no TCP port), stopped and removed at the end.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs as `nobody`, in a
directory made for it. Durability is switched off (fsync, synchronous commit): a test server
holds nothing worth a power cut, and every test would otherwise wait on the disk.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "400",
    "shared_buffers": "128MB",
    "dynamic_shared_memory_type": "mmap",
}


class ServerError(RuntimeError):
    """The test server could not be started."""


def _bindir() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them off PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise ServerError(
        "PostgreSQL is not installed (Debian's `postgresql`: scripts/system-deps.sh test)"
    )


@dataclass
class PostgresServer:
    root: Path
    bindir: Path
    user: str | None  # the account the server runs as, when we are root
    group: int | None = None

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}"

    def _run(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            user=self.user,
            group=self.group,
            extra_groups=[] if self.user else None,
            capture_output=True,
            text=True,
            cwd=self.root,
            **kw,
        )

    def start(self) -> None:
        done = self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        if done.returncode != 0:
            raise ServerError(f"initdb failed: {done.stderr or done.stdout}")
        options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        done = self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-k {self.socket_dir} {options}",
            "start",
        )
        if done.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:]
            raise ServerError(f"PostgreSQL did not start: {done.stderr or done.stdout}\n{log}")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgresServer:
    """Start a fresh server; the caller stops it (`stop()` also removes its files)."""
    bindir = _bindir()
    user = "nobody" if os.geteuid() == 0 else None
    group = None
    root = Path(tempfile.mkdtemp(prefix="synthtrace-pg-"))
    (root / "sock").mkdir()
    if user is not None:
        import pwd

        pw = pwd.getpwnam(user)
        group = pw.pw_gid
        for path in (root, root / "sock"):
            os.chown(path, pw.pw_uid, pw.pw_gid)
    server = PostgresServer(root, bindir, user, group)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server
