"""The triage queue: a page of blurred pictures in the order of work, with filters and counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from synthtrace.store.models import TriageRow
from synthtrace.triage import (
    BUCKETS,
    OTHER_FILES,
    PICTURE_BUCKETS,
    CountCache,
    Filters,
    costly_counts,
    filter_choices,
    queue_page,
)
from synthtrace.web.pages import render
from synthtrace.web.security import Viewer, case_of, viewer

router = APIRouter()
SortKey = Annotated[int | None, Query(ge=0, lt=1 << 62)]


def item_json(row: TriageRow) -> dict[str, Any]:
    return {
        "media_id": row.media_id,
        "sort_key": row.sort_key,
        "bucket": row.bucket,
        "kind": row.kind,
        "mime": row.mime,
        "generated": row.generated,
        "tool": row.tool,
        "model": row.model,
        "img2img": row.img2img,
        "lora_on_evidence": row.lora_on_evidence,
        "model_on_evidence": row.model_on_evidence,
        "matched": row.matched,
        "known_good": row.known_good,
        "cluster_id": row.cluster_id,
        "cluster_size": row.cluster_size,
        "category": row.category,
        "category_source": row.category_source,
        "location": row.location,
        "locations": row.locations,
        "thumbnail": f"/thumb/{row.media_id}",
        "detail": f"/media/{row.media_id}",
    }


def _cache(request: Request) -> CountCache:
    cache: CountCache = request.app.state.counts
    return cache


def _counts(request: Request, s: Session, filters: Filters) -> dict[int, int]:
    counts = _cache(request).counts(s, filters)
    assert counts is not None  # computed when not known
    return counts


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", include_in_schema=False)
def queue(
    request: Request,
    v: Annotated[Viewer, Depends(viewer)],
    after: SortKey = None,
    before: SortKey = None,
) -> Response:
    filters = Filters.from_query(request.query_params)
    with case_of(request).sessions() as s:
        # Counts under several filters at once are left to the page's script (/api/counts)
        # unless already known: the page itself answers at once.
        counts = _cache(request).counts(s, filters, compute=not costly_counts(filters))
        page = queue_page(s, filters, after=after, before=before)
        choices = filter_choices(s)
    return render(
        request,
        "queue.html",
        page=page,
        counts=counts,
        pictures=sum(counts[b] for b in PICTURE_BUCKETS) if counts else None,
        choices=choices,
        filters=filters,
        filter_query=filters.to_query(),
        other_files=filters.bucket == OTHER_FILES,
        thumb_version=f"b{v.blur}g{int(v.greyscale)}",
    )


@router.get("/api/queue")
def queue_json(request: Request, after: SortKey = None, before: SortKey = None) -> dict[str, Any]:
    """A page of the queue (100 media) with the bucket counts, under the same filters as the
    page: bucket, device, mime, generated, tool, model, matched, category, cluster,
    uncategorised. Page on with `after=next_after` or `before=prev_before`."""
    filters = Filters.from_query(request.query_params)
    with case_of(request).sessions() as s:
        counts = _counts(request, s, filters)
        page = queue_page(s, filters, after=after, before=before)
    return {
        "counts": {str(b): counts[b] for b in BUCKETS},
        "items": [item_json(r) for r in page.items],
        "next_after": page.next_after,
        "prev_before": page.prev_before,
    }


@router.get("/api/counts")
def counts_json(request: Request) -> dict[str, int]:
    """Media per bucket under the filters (the queue's tabs, refreshed after a decision)."""
    filters = Filters.from_query(request.query_params)
    with case_of(request).sessions() as s:
        counts = _counts(request, s, filters)
    return {str(b): counts[b] for b in BUCKETS}
