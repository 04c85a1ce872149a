"""Everything known about one media, gathered for the detail view and its JSON twin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.provenance.analyzer import FIELDS as PROVENANCE_FIELDS
from synthtrace.store.models import (
    Decision,
    Evidence,
    File,
    HashSet,
    Match,
    Media,
    MediaCluster,
    ModelLink,
    TriageRow,
)
from synthtrace.web.video import VideoDetail, video_detail

CLUSTER_SHOWN = 60  # members listed on the page (the count is always the whole cluster)
# Provenance keys in the order an investigator reads them: the verdict, the generation fields in
# the analyzer's own order, then the signals behind the verdict; others follow, `raw` is apart.
PROVENANCE_ORDER = ("generated", *PROVENANCE_FIELDS, "watermark", "c2pa", "signals")
PROVENANCE_APART = {"raw", "model_files"}


@dataclass
class Location:
    evidence: str
    path: str
    container: str | None
    size: int | None
    mtime: str | None
    atime: str | None
    ctime: str | None
    btime: str | None
    extension_mismatch: bool
    errors: list[str]
    # Disk images: deleted, carved (at this byte of the image), where it was downloaded from.
    deleted: bool = False
    carved: bool = False
    image_offset: int | None = None
    download_origin: dict[str, Any] | None = None


@dataclass
class MatchInfo:
    hashset: str
    known_good: bool
    hash_type: str
    distance: int
    category: str | None
    series: str | None


@dataclass
class LinkInfo:
    """A link between a generated image and a model file of the case (either direction)."""

    media_id: int  # the other end: the model file, or the image made with this model
    role: str
    match: str
    hash_kind: str | None
    detail: str | None
    where: list[str]


@dataclass
class DecisionInfo:
    category: str
    source: str
    detail: str | None
    user: str
    time: str
    undone: bool


@dataclass
class Detail:
    media: Media
    triage: TriageRow | None
    locations: list[Location]
    matches: list[MatchInfo]
    model_files: list[LinkInfo]  # this image -> model files that made it
    images_made: list[LinkInfo]  # this model file -> images that name it
    cluster: list[TriageRow]
    cluster_size: int
    decisions: list[DecisionInfo]
    provenance: list[tuple[str, Any]] = field(default_factory=list)
    provenance_raw: Any = None
    other_facts: dict[str, Any] = field(default_factory=dict)
    video: VideoDetail | None = None  # metadata, frame strip, frame-of links (web/video.py)


def _where(s: Session, media_id: int) -> list[str]:
    return [
        f"{label}: {path}"
        for label, path in s.execute(
            select(Evidence.label, File.path)
            .join(Evidence, File.evidence_id == Evidence.id)
            .where(File.media_id == media_id)
            .order_by(File.id)
            .limit(20)
        )
    ]


def _links(s: Session, media_id: int, outgoing: bool) -> list[LinkInfo]:
    here = ModelLink.image_media_id if outgoing else ModelLink.model_media_id
    out = []
    for link in s.scalars(select(ModelLink).where(here == media_id).order_by(ModelLink.id)):
        other = link.model_media_id if outgoing else link.image_media_id
        out.append(
            LinkInfo(other, link.role, link.match, link.hash_kind, link.detail, _where(s, other))
        )
    return out


def _provenance(facts: dict[str, Any]) -> tuple[list[tuple[str, Any]], Any]:
    prov = facts.get("provenance")
    if not isinstance(prov, dict):
        return [], None
    ordered = [(k, prov[k]) for k in PROVENANCE_ORDER if prov.get(k) not in (None, "", [], {})]
    rest = [
        (k, v)
        for k, v in sorted(prov.items())
        if k not in PROVENANCE_ORDER and k not in PROVENANCE_APART and v not in (None, "", [], {})
    ]
    return ordered + rest, prov.get("raw")


def media_detail(case: Case, media_id: int) -> Detail | None:
    with case.sessions() as s:
        media = s.get(Media, media_id)
        if media is None:
            return None
        locations = [
            Location(
                label,
                f.path,
                f.container,
                f.size,
                f.mtime,
                f.atime,
                f.ctime,
                f.btime,
                bool(f.extension_mismatch),
                list(f.errors or []),
                bool(f.deleted),
                bool(f.carved),
                f.image_offset,
                f.download_origin if isinstance(f.download_origin, dict) else None,
            )
            for f, label in s.execute(
                select(File, Evidence.label)
                .join(Evidence, File.evidence_id == Evidence.id)
                .where(File.media_id == media_id)
                .order_by(Evidence.label, File.path)
            )
        ]
        matches = [
            MatchInfo(hs.name, hs.known_good, m.hash_type, m.distance, m.category, m.series)
            for m, hs in s.execute(
                select(Match, HashSet)
                .join(HashSet, Match.hashset_id == HashSet.id)
                .where(Match.media_id == media_id)
                .order_by(HashSet.name, Match.id)
            )
        ]
        cluster_row = s.get(MediaCluster, media_id)
        members: list[TriageRow] = []
        size = 0
        if cluster_row is not None:
            size = cluster_row.cluster_size
            members = list(
                s.scalars(
                    select(TriageRow)
                    .join(MediaCluster, MediaCluster.media_id == TriageRow.media_id)
                    .where(MediaCluster.cluster_id == cluster_row.cluster_id)
                    .order_by(TriageRow.sort_key)
                    .limit(CLUSTER_SHOWN)
                )
            )
        decisions = [
            DecisionInfo(d.category, d.source, d.detail, d.user, d.time, d.undone)
            for d in s.scalars(
                select(Decision).where(Decision.media_id == media_id).order_by(Decision.id.desc())
            )
        ]
        facts = dict(media.facts or {})
        provenance, raw = _provenance(facts)
        return Detail(
            media=media,
            triage=s.get(TriageRow, media_id),
            locations=locations,
            matches=matches,
            model_files=_links(s, media_id, outgoing=True),
            images_made=_links(s, media_id, outgoing=False),
            cluster=members,
            cluster_size=size,
            decisions=decisions,
            provenance=provenance,
            provenance_raw=raw,
            other_facts={k: v for k, v in facts.items() if k not in ("provenance", "video")},
            video=video_detail(s, media),
        )
