"""Categorisation from the review app: one media, a selection, a page or a whole cluster; undo.

Each route has a form twin (works without JavaScript, redirects back) and a JSON twin (what the
page's keyboard shortcuts call). Both go through triage.decide / triage.undo, which record the
decision with user and time, audit it, and move the media in the queue.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from synthtrace.categories import CategoryError, current_categories
from synthtrace.triage import MAX_BULK, cluster_members, decide, undo
from synthtrace.web.security import Viewer, case_of, safe_next, viewer

router = APIRouter()


class Decision(BaseModel):
    category: str = Field(max_length=40)
    media: list[int] = Field(default_factory=list, max_length=MAX_BULK)
    cluster: int | None = Field(default=None, ge=0)


def _targets(request: Request, media: list[int], cluster: int | None) -> list[int]:
    if cluster is not None:
        with case_of(request).sessions() as s:
            members = cluster_members(s, cluster)
        if not members:
            raise CategoryError(f"no cluster {cluster}")
        return members
    if not media:
        raise CategoryError("nothing selected")
    return media


def _categories(request: Request, ids: list[int]) -> dict[str, str | None]:
    with case_of(request).sessions() as s:
        now = current_categories(s, ids)
    return {str(i): (now[i].category if i in now else None) for i in ids}


@router.post("/categorise", include_in_schema=False)
def categorise_form(
    request: Request,
    v: Annotated[Viewer, Depends(viewer)],
    category: Annotated[str, Form(max_length=40)],
    media: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    cluster: Annotated[int | None, Form(ge=0)] = None,
    next: Annotated[str, Form(max_length=4000)] = "/queue",
) -> Response:
    decide(case_of(request), _targets(request, media, cluster), category, v.name)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/api/categorise")
def categorise_json(
    request: Request, body: Decision, v: Annotated[Viewer, Depends(viewer)]
) -> dict[str, Any]:
    """Categorise media by id, or every member of a cluster; returns the batch id and the
    category now in force for each media touched."""
    batch, ids = decide(
        case_of(request), _targets(request, body.media, body.cluster), body.category, v.name
    )
    return {"batch": batch, "category": body.category, "categories": _categories(request, ids)}


@router.post("/undo", include_in_schema=False)
def undo_form(
    request: Request,
    v: Annotated[Viewer, Depends(viewer)],
    next: Annotated[str, Form(max_length=4000)] = "/queue",
) -> Response:
    undo(case_of(request), v.name)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/api/undo")
def undo_json(request: Request, v: Annotated[Viewer, Depends(viewer)]) -> dict[str, Any]:
    """Undo your own last decision (a whole bulk action at once); returns the categories the
    media fall back to (a hash list's, an earlier decision's, or none)."""
    ids = undo(case_of(request), v.name)
    return {"undone": len(ids), "categories": _categories(request, ids)}
