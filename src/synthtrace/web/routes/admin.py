"""Admin pages: accounts, and the audit log with its verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from synthtrace.accounts import (
    AccountError,
    Permission,
    Role,
    add_user,
    list_users,
    set_disabled,
    set_password,
    set_role,
)
from synthtrace.web.pages import render
from synthtrace.web.security import Viewer, case_of, require

router = APIRouter()
Admin = Annotated[Viewer, Depends(require(Permission.USERS))]
Auditor = Annotated[Viewer, Depends(require(Permission.AUDIT))]
AUDIT_PAGE = 200


def _users_page(request: Request, message: str | None = None, status: int = 200) -> Response:
    return render(
        request,
        "users.html",
        status=status,
        users=list_users(case_of(request)),
        roles=[r.value for r in Role],
        message=message,
    )


@router.get("/users", include_in_schema=False)
def users(request: Request, v: Admin) -> Response:
    return _users_page(request)


@router.post("/users", include_in_schema=False)
def create_user(
    request: Request,
    v: Admin,
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=2000)],
    confirm: Annotated[str, Form(max_length=2000)],
) -> Response:
    if password != confirm:
        return _users_page(request, "The two passwords differ.", 400)
    try:
        add_user(case_of(request), name, password, role, by=v.name)
    except AccountError as exc:
        return _users_page(request, str(exc).capitalize() + ".", 400)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/role", include_in_schema=False)
def change_role(
    request: Request, user_id: int, v: Admin, role: Annotated[str, Form(max_length=20)]
) -> Response:
    try:
        set_role(case_of(request), user_id, role, by=v.name)
    except AccountError as exc:
        return _users_page(request, str(exc).capitalize() + ".", 400)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/disable", include_in_schema=False)
def disable(request: Request, user_id: int, v: Admin) -> Response:
    try:
        set_disabled(case_of(request), user_id, True, by=v.name)
    except AccountError as exc:
        return _users_page(request, str(exc).capitalize() + ".", 400)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/enable", include_in_schema=False)
def enable(request: Request, user_id: int, v: Admin) -> Response:
    set_disabled(case_of(request), user_id, False, by=v.name)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{user_id}/password", include_in_schema=False)
def reset_password(
    request: Request,
    user_id: int,
    v: Admin,
    password: Annotated[str, Form(max_length=2000)],
) -> Response:
    try:
        set_password(case_of(request), user_id, password, by=v.name)
    except AccountError as exc:
        return _users_page(request, str(exc).capitalize() + ".", 400)
    return RedirectResponse("/users", status_code=303)


@router.get("/audit", include_in_schema=False)
def audit(
    request: Request,
    v: Auditor,
    user: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The audit log, newest first, with the chain verified on every view."""
    log = case_of(request).audit
    report = log.verify()
    entries = [
        e
        for e in reversed(log.entries())
        if (not user or e.get("user") == user)
        and (not action or str(e.get("action", "")).startswith(action))
    ]
    start = (page - 1) * AUDIT_PAGE
    return render(
        request,
        "audit.html",
        report=report,
        entries=entries[start : start + AUDIT_PAGE],
        total=len(entries),
        page=page,
        more=start + AUDIT_PAGE < len(entries),
        user_filter=user or "",
        action_filter=action or "",
    )
