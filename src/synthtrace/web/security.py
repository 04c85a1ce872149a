"""Who is asking, and may they: the login requirement, roles, CSRF and the security headers.

Every route outside the login page and the static assets sits on a router whose dependencies are
`viewer` (a live session, else a redirect to the login page for a browser, 401 for anything else)
and `csrf_protect` (a state-changing request must carry the session's CSRF token in the
`X-CSRF-Token` header or a `csrf_token` form field, and an Origin, when sent, must be this host).
A route added to those routers later is protected without having to remember it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from synthtrace.accounts import Permission, can, same_token, session_for
from synthtrace.case import Case

SESSION_COOKIE = "synthtrace_session"
LOGIN_COOKIE = "synthtrace_login"  # double-submit token of the login form (before any session)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# Nothing is loaded from anywhere but this app; no inline script; no framing. The referrer stays
# within the app ("no-referrer" would make browsers send `Origin: null` on our own form posts).
CSP = (
    "default-src 'self'; img-src 'self' blob:; media-src 'self' blob:; script-src 'self'; "
    "style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class NotLoggedIn(Exception):
    """Raised by `viewer`; the app answers with a redirect to the login page or a 401."""


@dataclass(frozen=True)
class Viewer:
    """The logged-in person of this request, with their protection settings."""

    id: int
    name: str
    role: str
    blur: int
    greyscale: bool
    reveal_seconds: int
    csrf: str

    def can(self, permission: Permission | str) -> bool:
        return can(self.role, Permission(permission))


def case_of(request: Request) -> Case:
    case: Case = request.app.state.case
    return case


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def viewer(request: Request) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    info = session_for(case_of(request), token) if token else None
    if info is None:
        raise NotLoggedIn
    u = info.user
    v = Viewer(u.id, u.name, u.role, u.blur, u.greyscale, u.reveal_seconds, info.csrf)
    request.state.viewer = v
    return v


def same_origin(request: Request) -> bool:
    """An Origin (or, failing that, Referer) header, when present, must name this host."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # not a browser, or one that sends neither: the CSRF token decides
    if origin == "null":
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def submitted_token(request: Request) -> str | None:
    token = request.headers.get("x-csrf-token")
    if token is not None:
        return token
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        form = await request.form()  # cached on the request: the route reads the same form
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def csrf_protect(request: Request, v: Viewer = Depends(viewer)) -> None:
    if request.method in SAFE_METHODS:
        return
    if not same_origin(request):
        raise HTTPException(403, "cross-origin request refused")
    token = await submitted_token(request)
    if token is None or not same_token(token, v.csrf):
        raise HTTPException(403, "CSRF token missing or wrong; reload the page")


def require(permission: Permission) -> Callable[..., Coroutine[Any, Any, Viewer]]:
    """A dependency that lets through only roles holding `permission` (else 403)."""

    async def check(v: Viewer = Depends(viewer)) -> Viewer:
        if not v.can(permission):
            raise HTTPException(403, f"your role ({v.role}) may not do this")
        return v

    return check


def login_redirect(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='')}"


def wants_html(request: Request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.url.path.startswith("/api/")
        and "text/html" in request.headers.get("accept", "")
    )


def safe_next(target: str | None, default: str = "/queue") -> str:
    """Only a path of this app may be a redirect target (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def cookie_secure(request: Request) -> bool:
    return request.url.scheme == "https"


class SecurityHeaders:
    """Adds the security headers to every response; pages and revealed pictures are never
    cached (a browser cache must not keep evidence), other responses say what they allow."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
