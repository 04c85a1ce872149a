"""Logging in: the only page (with the static assets) open to anonymous visitors."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from synthtrace.accounts import (
    LoginRefused,
    LoginThrottled,
    authenticate,
    same_token,
    session_for,
    start_session,
)
from synthtrace.web.pages import render
from synthtrace.web.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    case_of,
    client_of,
    cookie_secure,
    safe_next,
    same_origin,
)

router = APIRouter()


def _login_page(
    request: Request, next_url: str, message: str | None = None, status: int = 200
) -> Response:
    # Login CSRF: a random token both in a cookie and in the form (double submit); a page on
    # another site can neither read the cookie nor set it, so it cannot log a reviewer in.
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status=status,
        login_token=token,
        next_url=safe_next(next_url),
        message=message,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path="/login",
        max_age=3600,
    )
    return response


@router.get("/login", include_in_schema=False)
def login_form(request: Request, next: str = "/queue") -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token and session_for(case_of(request), token) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=2000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/queue",
) -> Response:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not same_origin(request) or not cookie or not same_token(cookie, csrf_token):
        return _login_page(request, next, "The form had expired; please log in again.", 403)
    case = case_of(request)
    client = client_of(request)
    try:
        user = authenticate(case, name, password, client)
    except LoginThrottled as exc:
        response = _login_page(request, next, str(exc).capitalize() + ".", 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except LoginRefused as exc:
        return _login_page(request, next, str(exc).capitalize() + ".", 401)
    token, _ = start_session(case, user, client)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response
