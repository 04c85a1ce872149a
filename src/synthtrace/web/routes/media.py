"""One media: its detail view, its blurred thumbnail, and the audited reveal."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from synthtrace.evidence.reading import CHUNK
from synthtrace.store.models import Media
from synthtrace.triage import Filters, neighbours
from synthtrace.web.detail import media_detail
from synthtrace.web.imaging import (
    CARD_SIZE,
    LARGE_SIZE,
    PictureError,
    blurred_thumbnail,
    placeholder,
    revealed,
)
from synthtrace.web.pages import render
from synthtrace.web.reveal import Grants, direct_copy, read_original
from synthtrace.web.routes.queue import item_json
from synthtrace.web.security import Viewer, case_of, viewer

router = APIRouter()
MediaId = Annotated[int, Query(ge=1)]
# A blurred picture may stay in the browser's memory cache for the session; the URL carries the
# viewer's blur settings, so changing them fetches anew.
BLURRED_CACHE = "private, max-age=3600"


def _media(request: Request, media_id: int) -> Media:
    with case_of(request).sessions() as s:
        media = s.get(Media, media_id)
    if media is None:
        raise HTTPException(404, f"no media with id {media_id}")
    return media


@router.get("/media/{media_id}", include_in_schema=False)
def detail(request: Request, media_id: int) -> Response:
    case = case_of(request)
    info = media_detail(case, media_id)
    if info is None:
        raise HTTPException(404, f"no media with id {media_id}")
    filters = Filters.from_query(request.query_params)
    prev_id = next_id = None
    if info.triage is not None:
        with case.sessions() as s:
            prev_id, next_id = neighbours(s, filters, info.triage.sort_key)
    return render(
        request,
        "detail.html",
        d=info,
        m=info.media,
        t=info.triage,
        filters=filters,
        filter_query=filters.to_query(),
        prev_id=prev_id,
        next_id=next_id,
        reveal_grant=request.query_params.get("reveal"),
    )


@router.get("/api/media/{media_id}")
def detail_json(request: Request, media_id: int) -> dict[str, Any]:
    """Everything known about one media: locations, hashes, EXIF, provenance, links, matches,
    cluster members and category decisions."""
    info = media_detail(case_of(request), media_id)
    if info is None:
        raise HTTPException(404, f"no media with id {media_id}")
    m = info.media
    return {
        "media_id": m.id,
        "sha256": m.sha256,
        "sha1": m.sha1,
        "md5": m.md5,
        "size": m.size,
        "mime": m.mime,
        "width": m.width,
        "height": m.height,
        "pdq": m.pdq,
        "pdq_quality": m.pdq_quality,
        "exif": m.exif,
        "png_text": m.png_text,
        "xmp": m.xmp,
        "errors": m.errors,
        "facts": m.facts,
        "triage": item_json(info.triage) if info.triage else None,
        "locations": [dataclasses.asdict(x) for x in info.locations],
        "matches": [dataclasses.asdict(x) for x in info.matches],
        "model_files": [dataclasses.asdict(x) for x in info.model_files],
        "images_made": [dataclasses.asdict(x) for x in info.images_made],
        "cluster_size": info.cluster_size,
        "cluster": [r.media_id for r in info.cluster],
        "decisions": [dataclasses.asdict(x) for x in info.decisions],
    }


@router.get("/thumb/{media_id}", include_in_schema=False)
def thumbnail(
    request: Request,
    media_id: int,
    v: Annotated[Viewer, Depends(viewer)],
    size: Literal["card", "large"] = "card",
) -> Response:
    """The blurred (and, by the viewer's setting, grey) thumbnail: the only picture a page shows
    before a reveal."""
    media = _media(request, media_id)
    px = LARGE_SIZE if size == "large" else CARD_SIZE
    headers = {"Cache-Control": BLURRED_CACHE}
    if not media.thumbnail:
        label = "video" if (media.mime or "").startswith("video/") else "no preview"
        return Response(placeholder(label, px), media_type="image/jpeg", headers=headers)
    path = case_of(request).thumbnail_path(media.sha256)
    try:
        data = blurred_thumbnail(path, v.blur, v.greyscale, px)
    except PictureError:
        data = placeholder("unreadable", px)
    return Response(data, media_type="image/jpeg", headers=headers)


@router.post("/media/{media_id}/reveal", include_in_schema=False)
def reveal(request: Request, media_id: int, v: Annotated[Viewer, Depends(viewer)]) -> Response:
    """The reviewer's explicit reveal: audited, and answered with a one-time grant."""
    media = _media(request, media_id)
    case = case_of(request)
    case.audit.append("reveal", user=v.name, media=media.id, sha256=media.sha256)
    grants: Grants = request.app.state.grants
    token = grants.issue(v.id, media.id)
    url = f"/media/{media.id}/revealed?grant={token}"
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"url": url, "seconds": v.reveal_seconds})
    return RedirectResponse(f"/media/{media.id}?reveal={token}", status_code=303)


@router.get("/media/{media_id}/revealed", include_in_schema=False)
async def revealed_picture(
    request: Request,
    media_id: int,
    v: Annotated[Viewer, Depends(viewer)],
    grant: Annotated[str, Query(max_length=100)],
) -> Response:
    """The unblurred picture, once per reveal grant; never stored by the browser."""
    grants: Grants = request.app.state.grants
    if not grants.redeem(grant, v.id, media_id):
        raise HTTPException(403, "reveal first: this picture needs a fresh reveal")
    media = _media(request, media_id)
    case = case_of(request)
    headers = {"Cache-Control": "no-store"}
    if (media.mime or "").startswith("video/"):
        return _video(request, media, headers)
    problem = "no copy of this picture can be read from the evidence"
    original = await run_in_threadpool(read_original, case, media.id)
    if original is not None:
        try:
            data = await run_in_threadpool(revealed, original.data, v.greyscale)
            headers["X-Synthtrace-Source"] = "evidence"
            return Response(data, media_type="image/jpeg", headers=headers)
        except PictureError as exc:
            problem = str(exc)
    if media.thumbnail:
        try:
            thumb = case.thumbnail_path(media.sha256).read_bytes()
            data = await run_in_threadpool(revealed, thumb, v.greyscale)
            headers["X-Synthtrace-Source"] = "thumbnail"
            return Response(data, media_type="image/jpeg", headers=headers)
        except (PictureError, OSError) as exc:
            problem = f"{problem}; thumbnail: {exc}"
    return Response(
        placeholder("cannot show", CARD_SIZE),
        media_type="image/jpeg",
        headers={**headers, "X-Synthtrace-Source": "none", "X-Synthtrace-Error": _header(problem)},
    )


def _video(request: Request, media: Media, headers: dict[str, str]) -> Response:
    """A video is streamed as stored (browsers decode it; nothing here transcodes), and only
    from a file on the evidence's own file system; the page plays it muted, never on its own."""
    found = direct_copy(case_of(request), media.id)
    if found is None:
        raise HTTPException(404, "no copy of this video outside an archive can be read")

    def chunks() -> Any:
        with found as fh:
            while chunk := fh.read(CHUNK):
                yield chunk

    headers = {**headers, "X-Synthtrace-Source": "evidence"}
    return StreamingResponse(chunks(), media_type=media.mime or "video/mp4", headers=headers)


def _header(text: str) -> str:
    """Header-safe text: ASCII on one line, bounded."""
    return " ".join(text.encode("ascii", "replace").decode().split())[:300]
