"""Your own account: protection settings, password, logging out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from synthtrace.accounts import (
    BLUR_LEVELS,
    REVEAL_SECONDS,
    AccountError,
    ViewSettings,
    end_session,
    set_password,
    update_settings,
)
from synthtrace.web.pages import render
from synthtrace.web.security import SESSION_COOKIE, Viewer, case_of, viewer

router = APIRouter()


def _settings_page(
    request: Request, v: Viewer, message: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "settings.html",
        status=status,
        message=message,
        blur_levels=list(BLUR_LEVELS),
        reveal_range=REVEAL_SECONDS,
        thumb_version=f"b{v.blur}g{int(v.greyscale)}",
    )


@router.get("/settings", include_in_schema=False)
def settings_page(request: Request, v: Annotated[Viewer, Depends(viewer)]) -> Response:
    return _settings_page(request, v)


@router.post("/settings", include_in_schema=False)
def save_settings(
    request: Request,
    v: Annotated[Viewer, Depends(viewer)],
    blur: Annotated[int, Form()],
    reveal_seconds: Annotated[int, Form()],
    greyscale: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    update_settings(
        case_of(request), v.id, ViewSettings(blur, greyscale is not None, reveal_seconds)
    )
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/password", include_in_schema=False)
def change_password(
    request: Request,
    v: Annotated[Viewer, Depends(viewer)],
    current: Annotated[str, Form(max_length=2000)],
    password: Annotated[str, Form(max_length=2000)],
    confirm: Annotated[str, Form(max_length=2000)],
) -> Response:
    if password != confirm:
        return _settings_page(request, v, "The two new passwords differ.", 400)
    try:
        set_password(case_of(request), v.id, password, by=v.name, current=current)
    except AccountError as exc:
        return _settings_page(request, v, str(exc).capitalize() + ".", 400)
    # Changing the password ends every session, this one too: log in again with the new one.
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, v: Annotated[Viewer, Depends(viewer)]) -> Response:
    end_session(case_of(request), request.cookies.get(SESSION_COOKIE, ""), user=v.name)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
