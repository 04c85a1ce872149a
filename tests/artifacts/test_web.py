"""The Links page and the devices' Web activity tab: through the real app (TestClient) and in a
real browser (Debian's Chromium through Playwright, against uvicorn on a free port)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from synthtrace import accounts
from synthtrace.case import Case, open_case
from synthtrace.store.models import Evidence
from synthtrace.web.app import create_app
from tests.artifacts.devices import MONERO, USER
from tests.web.conftest import login

PASSWORD = "a long test password"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def web_case(traces_case_dir: Path) -> Iterator[Case]:
    accounts.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts._dummy_hash.cache_clear()
    with open_case(traces_case_dir) as case:
        for role in ("reviewer", "investigator"):
            if accounts.find_user(case, role) is None:
                accounts.add_user(case, role, PASSWORD, role, by="test")
        yield case


@pytest.fixture(scope="module")
def app_client(web_case: Case) -> Iterator[TestClient]:
    with TestClient(create_app(web_case), follow_redirects=False) as client:
        yield login(client, "investigator", PASSWORD)


def evidence_id(case: Case, label: str) -> int:
    with case.sessions() as s:
        return int(s.scalar(select(Evidence.id).where(Evidence.label == label)) or 0)


def test_links_json_and_filter(app_client: TestClient) -> None:
    r = app_client.get("/api/links")
    assert r.status_code == 200
    body = r.json()
    vias = {(tuple(link["devices"]), link["via"], link["value"]) for link in body["links"]}
    assert (("laptop-A", "macbook-B"), "wallet", MONERO) in vias
    assert (("laptop-A", "macbook-B"), "login", f"{USER} @ platform.invalid") in vias
    assert (("laptop-A", "phone-C"), "domain", "example.com") in vias
    only = app_client.get("/api/links", params={"via": "wallet"}).json()
    assert {link["via"] for link in only["links"]} == {"wallet"}
    assert app_client.get("/api/links", params={"via": "nonsense"}).status_code == 400


def test_links_page_draws_every_device_and_edge(app_client: TestClient) -> None:
    page = app_client.get("/links").text
    for label in ("laptop-A", "macbook-B", "phone-C"):
        assert f'data-device="{label}"' in page
    assert 'data-devices="laptop-A|macbook-B"' in page
    assert 'data-devices="laptop-A|phone-C"' in page
    filtered = app_client.get("/links?via=login").text
    assert 'data-devices="laptop-A|phone-C"' not in filtered  # tied by a domain only


def test_web_activity_tab(app_client: TestClient, web_case: Case) -> None:
    laptop = evidence_id(web_case, "laptop-A")
    visits = app_client.get(f"/devices/{laptop}?tab=web&kind=visit").text
    assert "https://platform.invalid/members" in visits and "2024-03-05T14:40:00.500000Z" in visits
    downloads = app_client.get(f"/devices/{laptop}?kind=download").text
    assert 'data-role="linked-file"' in downloads and "Users/alex/Downloads/hills.jpg" in downloads
    logins = app_client.get(f"/devices/{laptop}?kind=login").text
    assert USER in logins and "(encrypted by the browser)" in logins
    assert "secret-never-read" not in logins
    wallets = app_client.get(f"/devices/{laptop}?kind=wallet").text
    assert MONERO in wallets
    assert app_client.get("/devices/99999").status_code == 404
    assert app_client.get(f"/devices/{laptop}?kind=passwords").status_code == 400
    listing = app_client.get("/devices").text
    assert 'data-device="phone-C"' in listing


def test_reviewers_do_not_see_the_traces(web_case: Case) -> None:
    with TestClient(create_app(web_case), follow_redirects=False) as client:
        login(client, "reviewer", PASSWORD)
        assert client.get("/links").status_code == 403
        assert client.get("/api/links").status_code == 403
        assert client.get(f"/devices/{evidence_id(web_case, 'laptop-A')}").status_code == 403
        assert 'href="/links"' not in client.get("/queue").text


# --- in a real browser -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(web_case: Case) -> Iterator[str]:
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(create_app(web_case), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
def test_links_page_in_a_browser(server: str, web_case: Case) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed (scripts/system-deps.sh test installs it)")
    sync_api: Any = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.on(
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            page.goto(f"{server}/login?next=/links")
            page.fill("input[name=name]", "investigator")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/links$"))
            graph = page.locator("svg[data-role=graph]")
            assert graph.is_visible()
            assert graph.locator("a[data-device]").count() == 3
            assert graph.locator("line").count() == 2
            strongest = graph.locator('line[data-devices="laptop-A|macbook-B"]')
            assert strongest.get_attribute("data-via") == "wallet"
            assert float(strongest.get_attribute("stroke-width") or 0) > float(
                graph.locator('line[data-devices="laptop-A|phone-C"]').get_attribute("stroke-width")
                or 0
            )
            box = graph.bounding_box()
            assert box is not None and box["width"] > 300
            page.screenshot(path=str(Path(web_case.root) / "links-page.png"), full_page=True)
            # Filter by kind: only the wallet tie is left.
            for box_input in page.locator("input[name=via]").all():
                if box_input.get_attribute("value") != "wallet":
                    box_input.uncheck()
            page.click("form[data-role=via-filter] button[type=submit]")
            page.wait_for_url(re.compile(r".*via=wallet.*"))
            assert page.locator("svg[data-role=graph] line").count() == 1
            rows = page.locator("table[data-role=links] tbody tr")
            assert rows.count() == 1 and MONERO in rows.first.inner_text()
            # A device's node opens its Web activity tab.
            page.locator('svg a[data-device="macbook-B"]').click()
            page.wait_for_url(re.compile(r".*/devices/\d+$"))
            activity = page.locator("table[data-role=activity]")
            assert "https://platform.invalid/gallery" in activity.inner_text()
            page.locator("nav[data-role=kinds] a", has_text="downloads").click()
            assert (
                "Users/bo/Downloads/hills_copy.jpg"
                in page.locator("table[data-role=activity]").inner_text()
            )
            page.screenshot(path=str(Path(web_case.root) / "device-page.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
