"""Offender traces in the review app: the Links page (a graph of devices, filterable by kind of
tie) and each device's page with its Web activity tab. Investigators and admins only: saved
logins and visited sites are not for the picture review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from synthtrace.accounts import Permission
from synthtrace.artifacts.links import VIAS
from synthtrace.artifacts.views import KINDS, activity, devices, links_view
from synthtrace.web.pages import render
from synthtrace.web.security import Viewer, case_of, require

router = APIRouter()
Investigator = Annotated[Viewer, Depends(require(Permission.EXPORT))]
Via = Annotated[list[str] | None, Query(max_length=20)]
After = Annotated[int, Query(ge=0, lt=1 << 62)]


def _via(via: list[str] | None) -> list[str] | None:
    if via is None:
        return None
    unknown = [v for v in via if v not in VIAS]
    if unknown:
        raise HTTPException(400, f"unknown link kind {unknown[0]!r}; choose from {', '.join(VIAS)}")
    return via


@router.get("/links", include_in_schema=False)
def links_page(request: Request, v: Investigator, via: Via = None) -> Response:
    view = links_view(case_of(request), _via(via))
    return render(request, "links.html", view=view, vias=VIAS)


@router.get("/api/links")
def links_json(request: Request, v: Investigator, via: Via = None) -> dict[str, Any]:
    """Device pairs and what ties them, strongest first (the CLI's `links --format json`)."""
    view = links_view(case_of(request), _via(via))
    return {"total": view.total, "links": [link.as_json() for link in view.links]}


@router.get("/devices", include_in_schema=False)
def devices_page(request: Request, v: Investigator) -> Response:
    return render(request, "devices.html", devices=devices(case_of(request)), kinds=KINDS)


@router.get("/devices/{evidence_id}", include_in_schema=False)
def device_page(
    request: Request,
    v: Investigator,
    evidence_id: int,
    tab: Annotated[str, Query(max_length=20)] = "web",
    kind: Annotated[str, Query(max_length=20)] = "visit",
    after: After = 0,
) -> Response:
    if kind not in KINDS:
        raise HTTPException(400, f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")
    page = activity(case_of(request), evidence_id, kind, after)
    if page is None:
        raise HTTPException(404, "no such device")
    return render(request, "device.html", page=page, tab=tab, kinds=KINDS)
