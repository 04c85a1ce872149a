"""Review-app test fixtures: scanned benign cases, users of every role, logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from synthtrace import accounts
from synthtrace.case import Case, create_case
from synthtrace.scan.service import scan_evidence
from synthtrace.web.app import create_app
from tests.web.seed import PASSWORD, ROLES, picture_folder

Login = Callable[[str], TestClient]
PRODUCTION_HASHER = accounts.HASHER  # as the module made it, before any test cheapens it


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its cheapest, so each login costs milliseconds (the production parameters are
    checked in test_accounts)."""
    monkeypatch.setattr(
        accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    accounts._dummy_hash.cache_clear()


@pytest.fixture
def device(tmp_path: Path) -> Path:
    return picture_folder(tmp_path / "evidence" / "phone")


@pytest.fixture
def scanned(tmp_path: Path, device: Path) -> Iterator[Case]:
    """A case with the small benign device scanned and one user of each role."""
    with create_case(tmp_path / "case", name="web test", examiner="tester") as case:
        scan_evidence(case, device, "phone", workers=0)
        for role in ROLES:
            accounts.add_user(case, role, PASSWORD, role, by="test")
        yield case


def login(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post(
        "/login", data={"name": name, "password": password, "csrf_token": token.group(1)}
    )
    assert r.status_code == 303, r.text
    return client


def csrf_of(client: TestClient) -> str:
    page = client.get("/settings")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token is not None
    return token.group(1)


@pytest.fixture
def as_role(scanned: Case) -> Iterator[Login]:
    """`as_role("reviewer")`: a client of the real app, logged in with that role."""
    app = create_app(scanned)
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        clients.append(client)
        return login(client, role)

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def anonymous(scanned: Case) -> Iterator[TestClient]:
    with TestClient(create_app(scanned), follow_redirects=False) as client:
        yield client
