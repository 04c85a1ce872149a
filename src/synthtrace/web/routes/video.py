"""A video's frame strip on the detail page: each frame blurred (and grey) like any picture."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from synthtrace.store.models import Media
from synthtrace.video.store import strip_path
from synthtrace.web.imaging import CARD_SIZE, PictureError, placeholder
from synthtrace.web.security import Viewer, case_of, viewer
from synthtrace.web.video import blurred_strip_frame

router = APIRouter()
BLURRED_CACHE = "private, max-age=3600"


@router.get("/video/{media_id}/strip/{index}", include_in_schema=False)
def strip_frame(
    request: Request, media_id: int, index: int, v: Annotated[Viewer, Depends(viewer)]
) -> Response:
    case = case_of(request)
    with case.sessions() as s:
        media = s.get(Media, media_id)
    if media is None:
        raise HTTPException(404, f"no media with id {media_id}")
    headers = {"Cache-Control": BLURRED_CACHE}
    try:
        data = blurred_strip_frame(
            strip_path(case, media.sha256), index, v.blur, v.greyscale, CARD_SIZE
        )
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except PictureError:
        data = placeholder("no frame", CARD_SIZE)
    return Response(data, media_type="image/jpeg", headers=headers)
