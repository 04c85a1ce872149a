"""Two real `synthtrace serve` processes on one case behave as one review app.

What a lab puts behind a proxy: a session opened on one server is live on the other, a reveal
granted by one is honoured (once) by the other, a logout on one ends the session on both, and
failed logins on one count towards the lock on the other. On the PostgreSQL run of the suite the
case is a PostgreSQL database; on the SQLite run, one SQLite file shared by two processes.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from synthtrace.case import Case
from tests.web.seed import PASSWORD, media_id_of

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(case_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "synthtrace", "serve", str(case_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=open(case_dir.parent / f"serve-{port}.log", "wb"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError((case_dir.parent / f"serve-{port}.log").read_text())
        try:
            httpx.get(f"{base}/login", timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("serve did not answer within 60 s")


@pytest.fixture
def servers(scanned: Case) -> Iterator[tuple[str, str]]:
    started = [_serve(scanned.root), _serve(scanned.root)]
    try:
        yield started[0][1], started[1][1]
    finally:
        for proc, _ in started:
            proc.terminate()
        for proc, _ in started:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _logs(case: Case) -> str:
    """What the servers said (on a failure)."""
    return "\n".join(p.read_text(errors="replace") for p in case.root.parent.glob("serve-*.log"))


def _login(base: str, name: str, password: str = PASSWORD) -> httpx.Response:
    with httpx.Client(base_url=base) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        return client.post(
            "/login", data={"name": name, "password": password, "csrf_token": token.group(1)}
        )


def _client(base: str, session: str) -> httpx.Client:
    """A client of one server carrying a session cookie, wherever the session was opened."""
    return httpx.Client(
        base_url=base, cookies={"synthtrace_session": session}, headers={"accept": "text/html"}
    )


def _csrf(client: httpx.Client) -> str:
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/settings").text)
    assert token is not None
    return token.group(1)


def test_two_servers_share_sessions_grants_logouts_and_throttling(
    scanned: Case, servers: tuple[str, str]
) -> None:
    a, b = servers
    opened = _login(a, "reviewer")
    assert opened.status_code == 303, _logs(scanned)
    session = opened.cookies["synthtrace_session"]
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    with _client(a, session) as on_a, _client(b, session) as on_b:
        assert on_b.get("/queue").status_code == 200  # the session opened on A is live on B

        # A reveal granted by A is honoured by B, once: the grant is spent on both.
        grant = on_a.post(
            f"/media/{mid}/reveal",
            headers={"accept": "application/json", "x-csrf-token": _csrf(on_a)},
        )
        assert grant.status_code == 200, grant.text
        url = grant.json()["url"]
        shown = on_b.get(url)
        assert shown.status_code == 200 and shown.headers["x-synthtrace-source"] == "evidence"
        assert on_a.get(url).status_code == 403 and on_b.get(url).status_code == 403

        # A logout on B ends the session on A too.
        out = on_b.post("/logout", data={"csrf_token": _csrf(on_b)})
        assert out.status_code in (303, 200)
        assert on_a.get("/queue", follow_redirects=False).status_code in (303, 307, 401)

    # Failed logins on A lock the account on B as well (5 wrong passwords in a row).
    for _ in range(5):
        assert _login(a, "viewer", "not the password at all").status_code == 401
    locked = _login(b, "viewer")  # even the right password waits out the lock
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
