"""Rendering: the Jinja2 environment, what every page knows, and HTML or JSON errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from synthtrace import __version__
from synthtrace.categories import Category, case_scheme
from synthtrace.triage import BUCKET_HINTS, BUCKET_LABELS
from synthtrace.web.security import Viewer, case_of, wants_html

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
# Keys the queue and the detail view reserve; category shortcuts avoid them (see category_keys).
RESERVED_KEYS = set("jkhlnpxacroeu?/")


def _query(base: dict[str, str], **changes: Any) -> str:
    merged = {**base, **{k: str(v) for k, v in changes.items() if v is not None}}
    for k, v in changes.items():
        if v is None:
            merged.pop(k, None)
    return urlencode(merged)


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


templates.env.globals.update(
    version=__version__, bucket_labels=BUCKET_LABELS, bucket_hints=BUCKET_HINTS, query=_query
)
templates.env.filters["pretty"] = _pretty


def category_keys(scheme: tuple[Category, ...]) -> list[tuple[Category, str]]:
    """A one-key shortcut per category: its code when that is one digit or free letter, else the
    first free digit. Codes that collide with navigation keys get a digit instead."""
    taken: set[str] = set()
    keyed: list[tuple[Category, str]] = []
    for cat in scheme:
        code = cat.code.lower()
        if len(code) == 1 and code.isalnum() and code not in RESERVED_KEYS and code not in taken:
            key = code
        else:
            key = next((d for d in "123456789" if d not in taken), "")
        taken.add(key)
        keyed.append((cat, key))
    return keyed


def viewer_of(request: Request) -> Viewer | None:
    v: Viewer | None = getattr(request.state, "viewer", None)
    return v


def render(
    request: Request,
    name: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    case = case_of(request)
    scheme_name, scheme = case_scheme(case)
    base = {
        "viewer": viewer_of(request),
        "case_name": request.app.state.case_name,
        "scheme_name": scheme_name,
        "categories": category_keys(scheme),
        "category_labels": {c.code: c.label for c in scheme},
    }
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status, headers=headers
    )


def error(request: Request, status: int, message: str) -> Response:
    """An error as a page for a browser, as JSON for anything else."""
    if wants_html(request):
        return render(request, "error.html", status=status, status_code=status, message=message)
    return JSONResponse({"detail": message}, status_code=status)
