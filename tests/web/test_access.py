"""No route leaks: anonymous visitors are refused, each role gets exactly its rights, every state
change needs the CSRF token, and the cookies and headers are what a browser should get."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from synthtrace.accounts import add_user, find_user
from synthtrace.case import Case
from synthtrace.web.app import create_app
from synthtrace.web.security import LOGIN_COOKIE, SESSION_COOKIE
from tests.web import seed
from tests.web.conftest import Login, csrf_of, login
from tests.web.seed import PASSWORD, media_id_of

PUBLIC = {("GET", "/login"), ("POST", "/login")}


@dataclass
class Call:
    """A valid request to a route (so that only the rights decide the answer)."""

    permission: str  # review, export, hashsets, users, audit
    form: dict[str, Any] | None = None
    json: dict[str, Any] | None = None
    params: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] | None = None


def calls(case: Case) -> dict[tuple[str, str], Call]:
    mid = media_id_of(case, "DCIM/IMG_0001.jpg")
    return {
        ("GET", "/"): Call("review"),
        ("GET", "/queue"): Call("review"),
        ("GET", "/api/queue"): Call("review"),
        ("GET", "/api/counts"): Call("review"),
        ("GET", "/media/{media_id}"): Call("review"),
        ("GET", "/api/media/{media_id}"): Call("review"),
        ("GET", "/thumb/{media_id}"): Call("review"),
        ("GET", "/video/{media_id}/strip/{index}"): Call("review"),
        ("POST", "/media/{media_id}/reveal"): Call("review"),
        ("GET", "/media/{media_id}/revealed"): Call("review", params={"grant": "x"}),
        ("POST", "/categorise"): Call("review", form={"media": str(mid), "category": "3"}),
        ("POST", "/api/categorise"): Call("review", json={"media": [mid], "category": "3"}),
        ("POST", "/undo"): Call("review", form={}),
        ("POST", "/api/undo"): Call("review", json={}),
        ("GET", "/settings"): Call("review"),
        ("POST", "/settings"): Call("review", form={"blur": "3", "reveal_seconds": "5"}),
        ("POST", "/settings/password"): Call(
            "review", form={"current": "not it", "password": "x" * 12, "confirm": "x" * 12}
        ),
        ("POST", "/logout"): Call("review", form={}),
        ("GET", "/openapi.json"): Call("review"),
        ("GET", "/export"): Call("export"),
        ("POST", "/export"): Call("export", form={"fmt": "jsonl"}),
        ("GET", "/hashsets"): Call("hashsets"),
        ("POST", "/hashsets"): Call(
            "hashsets",
            form={"name": "a list", "fmt": "text", "hash_type": "md5"},
            files={"file": ("list.txt", b"0" * 32 + b"\n")},
        ),
        ("POST", "/hashsets/remove"): Call("hashsets", form={"name": "no such list"}),
        ("GET", "/users"): Call("users"),
        ("POST", "/users"): Call(
            "users",
            form={"name": "newbie", "role": "reviewer", "password": PASSWORD, "confirm": PASSWORD},
        ),
        ("POST", "/users/{user_id}/role"): Call("users", form={"role": "investigator"}),
        ("POST", "/users/{user_id}/disable"): Call("users", form={}),
        ("POST", "/users/{user_id}/enable"): Call("users", form={}),
        ("POST", "/users/{user_id}/password"): Call("users", form={"password": PASSWORD + "!"}),
        ("GET", "/audit"): Call("audit"),
        ("GET", "/links"): Call("export"),
        ("GET", "/api/links"): Call("export"),
        ("GET", "/devices"): Call("export"),
        ("GET", "/devices/{evidence_id}"): Call("export"),
    }


def app_routes(case: Case) -> set[tuple[str, str]]:
    """Every (method, path) the real app answers, routers included in routers flattened."""
    out = set()
    for route in iter_route_contexts(create_app(case).routes):
        if isinstance(route.original_route, Mount):
            assert route.path == "/static"
            continue
        assert route.path is not None and route.methods, route
        out.update((m, route.path) for m in route.methods if m != "HEAD")
    return out


def url(case: Case, path: str) -> str:
    target = (
        add_user(case, "target", PASSWORD, "reviewer", by="test")
        if not find_user(case, "target")
        else find_user(case, "target")
    )
    assert target is not None
    return (
        path.replace("{media_id}", str(media_id_of(case, "DCIM/IMG_0001.jpg")))
        .replace("{user_id}", str(target.id))
        .replace("{index}", "0")
        .replace("{evidence_id}", str(_evidence_id(case)))
    )


def _evidence_id(case: Case) -> int:
    from sqlalchemy import select

    from synthtrace.store.models import Evidence

    with case.sessions() as s:
        return int(s.scalars(select(Evidence.id).order_by(Evidence.id)).first() or 0)


def send(client: TestClient, method: str, path: str, call: Call, **headers: str) -> Any:
    if method == "GET":
        return client.get(path, params=call.params, headers=headers)
    if call.json is not None:
        return client.post(path, json=call.json, headers=headers)
    return client.post(path, data=call.form or {}, files=call.files, headers=headers)


def test_every_route_is_known_to_these_tests(scanned: Case) -> None:
    # A new route must be added to `calls` with the right it needs, or this fails.
    assert app_routes(scanned) == set(calls(scanned)) | PUBLIC


def test_anonymous_visitors_are_refused_everywhere(scanned: Case, anonymous: TestClient) -> None:
    audit_before = len(scanned.audit.entries())
    for (method, path), call in calls(scanned).items():
        target = url(scanned, path)
        r = send(anonymous, method, target, call, accept="application/json")
        assert r.status_code == 401, (method, path, r.status_code)
        if method == "GET":
            page = send(anonymous, method, target, call, accept="text/html")
            if path.startswith("/api/"):
                assert page.status_code == 401, path
            else:
                assert page.status_code == 303, path
                assert page.headers["location"].startswith("/login?next=")
    # Only the fixture's own user.add happened: nothing an anonymous request did was recorded.
    assert [e["action"] for e in scanned.audit.entries()[audit_before:]] == ["user.add"]


def test_a_forged_or_stale_cookie_is_anonymous(scanned: Case, anonymous: TestClient) -> None:
    anonymous.cookies.set(SESSION_COOKIE, "forged-token")
    assert anonymous.get("/api/queue").status_code == 401


def test_static_assets_and_login_are_open(anonymous: TestClient) -> None:
    assert anonymous.get("/static/app.js").status_code == 200
    assert anonymous.get("/static/app.css").status_code == 200
    page = anonymous.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text


@pytest.mark.parametrize("role", ["reviewer", "investigator", "admin"])
def test_each_role_gets_exactly_its_rights(scanned: Case, as_role: Login, role: str) -> None:
    rights = {
        "reviewer": {"review"},
        "investigator": {"review", "export", "hashsets"},
        "admin": {"review", "export", "hashsets", "users", "audit"},
    }[role]
    for (method, path), call in calls(scanned).items():
        client = as_role(role)  # a fresh session each time: /logout and disable end sessions
        target = url(scanned, path)
        headers = {"x-csrf-token": csrf_of(client), "accept": "application/json"}
        if path.endswith("/revealed"):
            grant = client.post(target.removesuffix("/revealed") + "/reveal", headers=headers)
            call = Call(call.permission, params={"grant": grant.json()["url"].split("grant=")[1]})
        r = send(client, method, target, call, **headers)
        if call.permission in rights:
            assert r.status_code in (200, 303, 400), (role, method, path, r.status_code, r.text)
        else:
            assert r.status_code == 403, (role, method, path, r.status_code)
        if path == "/users/{user_id}/disable" and r.status_code == 303:
            client = as_role(role)
            send(
                client,
                "POST",
                url(scanned, "/users/{user_id}/enable"),
                Call("users", form={}),
                **{"x-csrf-token": csrf_of(client)},
            )


def test_menus_show_only_what_the_role_may_open(as_role: Login) -> None:
    reviewer = as_role("reviewer").get("/queue").text
    assert 'href="/export"' not in reviewer and 'href="/users"' not in reviewer
    investigator = as_role("investigator").get("/queue").text
    assert 'href="/export"' in investigator and 'href="/users"' not in investigator
    admin = as_role("admin").get("/queue").text
    assert 'href="/users"' in admin and 'href="/audit"' in admin


def test_every_state_change_needs_the_csrf_token(scanned: Case, as_role: Login) -> None:
    for (method, path), call in calls(scanned).items():
        if method == "GET":
            continue
        client = as_role("admin")
        target = url(scanned, path)
        before = len(scanned.audit.entries())
        missing = send(client, method, target, call, accept="application/json")
        wrong = send(client, method, target, call, **{"x-csrf-token": "wrong"})
        good = csrf_of(client)
        foreign = send(
            client, method, target, call, **{"x-csrf-token": good, "origin": "http://evil.example"}
        )
        for r in (missing, wrong, foreign):
            assert r.status_code == 403, (path, r.status_code)
        assert len(scanned.audit.entries()) == before, path  # nothing happened
        # The form field works as well as the header.
        if call.form is not None:
            ok = client.post(target, data={**call.form, "csrf_token": good}, files=call.files)
            assert ok.status_code in (200, 303, 400), (path, ok.status_code)


class Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (a.get("method") or "get").lower(),
                    "action": a.get("action"),
                    "csrf": None,
                }
            )
        elif tag == "input" and a.get("name") == "csrf_token" and self.forms:
            self.forms[-1]["csrf"] = a.get("value")


def test_every_post_form_carries_the_csrf_token(scanned: Case, as_role: Login) -> None:
    client = as_role("admin")
    token = csrf_of(client)
    mid = media_id_of(scanned, "DCIM/IMG_0002.jpg")
    seed.hashset(scanned, "a list")  # so the hash-list page has a removal form too
    pages = [
        "/queue",
        "/queue?bucket=6",
        f"/media/{mid}",
        "/settings",
        "/users",
        "/export",
        "/audit",
        "/hashsets",
    ]
    seen = 0
    for page in pages:
        parser = Forms()
        parser.feed(client.get(page).text)
        for form in parser.forms:
            if form["method"] == "post":
                seen += 1
                assert form["csrf"] == token, (page, form["action"])
    assert seen >= 14


def test_login_form_has_its_own_double_submit_token(anonymous: TestClient) -> None:
    page = anonymous.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    assert anonymous.cookies.get(LOGIN_COOKIE) == token.group(1)
    # Without the matching cookie (a form posted from another site), no login happens.
    anonymous.cookies.clear()
    r = anonymous.post(
        "/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert r.status_code == 403 and SESSION_COOKIE not in r.headers.get("set-cookie", "")


def test_session_cookie_flags(scanned: Case) -> None:
    with TestClient(create_app(scanned), follow_redirects=False) as client:
        login(client, "reviewer")
        page = client.get("/login")  # logged in: sent on to the queue
        assert page.status_code == 303
    with TestClient(create_app(scanned), follow_redirects=False) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = client.post(
            "/login", data={"name": "reviewer", "password": PASSWORD, "csrf_token": token}
        )
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert "secure" not in cookie.replace("synthtrace", "")
    with TestClient(
        create_app(scanned), base_url="https://testserver", follow_redirects=False
    ) as tls:
        page = tls.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = tls.post("/login", data={"name": "reviewer", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 303
        assert "secure" in r.headers["set-cookie"].lower()


def test_wrong_password_and_throttling_over_http(scanned: Case, anonymous: TestClient) -> None:
    codes = []
    for _ in range(6):
        page = anonymous.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = anonymous.post(
            "/login", data={"name": "reviewer", "password": "not the one!", "csrf_token": token}
        )
        codes.append(r.status_code)
    assert codes == [401] * 5 + [429]
    assert "Retry-After" in r.headers and "too many failed logins" in r.text.lower()


def test_logout_ends_the_session(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    token = csrf_of(client)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie or "")
    assert client.get("/api/queue").status_code == 401
    assert scanned.audit.entries()[-1]["action"] == "logout"


def test_redirect_after_login_stays_on_this_site(anonymous: TestClient) -> None:
    page = anonymous.get("/login?next=//evil.example/x")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = anonymous.post(
        "/login",
        data={
            "name": "reviewer",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/",
        },
    )
    assert r.headers["location"] == "/queue"


def test_security_headers(as_role: Login, anonymous: TestClient) -> None:
    for r in (anonymous.get("/login"), as_role("reviewer").get("/queue")):
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["cache-control"] == "no-store"


def test_pages_load_nothing_from_elsewhere(scanned: Case, as_role: Login) -> None:
    client = as_role("admin")
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    for page in ("/queue", f"/media/{mid}", "/settings", "/users", "/audit", "/export"):
        html = client.get(page).text
        assert not re.search(r'(src|href)="(https?:)?//', html), page
        assert "<script>" not in html  # no inline script (the CSP would refuse it anyway)


def test_openapi_document_is_served_to_logged_in_users(as_role: Login) -> None:
    doc = as_role("reviewer").get("/openapi.json").json()
    assert doc["info"]["title"] == "synthtrace review"
    assert "/api/queue" in doc["paths"] and "/api/categorise" in doc["paths"]


def test_evidence_names_cannot_inject_markup(scanned: Case, as_role: Login) -> None:
    from synthtrace import triage

    hostile = '<img src=x onerror="alert(1)">.jpg'
    mid = seed.add_media(scanned, hostile, label="phone")
    triage.rebuild(scanned)
    client = as_role("reviewer")
    for page in ("/queue", f"/media/{mid}"):
        html = client.get(page).text
        assert hostile not in html
        assert "&lt;img src=x onerror=" in html
