"""What the case report says, gathered once from the case: plain data, no layout.

The per-device figures and every summary table come from synthtrace.summary (the terminal summary
and the report say the same thing); what only the report shows (categories by device, devices
sharing near-duplicate clusters, generated pictures by tool and model, model files, the timeline,
acquisition hash checks, the audit check) is queried here.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from synthtrace import __version__
from synthtrace.case import Case
from synthtrace.categories import case_scheme
from synthtrace.store.models import (
    AuditHead,
    Evidence,
    File,
    HashSet,
    Match,
    Media,
    MediaCategory,
    MediaCluster,
    ModelLink,
)
from synthtrace.summary import Section, case_summary
from synthtrace.timefmt import now_utc

MAX_MODELS = 100
MONTH = re.compile(r"(19|20|21)\d\d-(0[1-9]|1[0-2])")


@dataclass
class DeviceFacts:
    label: str
    source: str
    complete: bool
    files: int
    bytes: int
    pictures: int
    videos: int
    errors: int
    types: list[tuple[str, int]]
    acquisition: str  # what the acquisition hash check says
    acquisition_ok: bool | None  # True verified, False mismatch, None nothing to verify


@dataclass
class AuditFacts:
    entries: int
    head_seq: int | None
    head_sha256: str | None
    verifies: bool
    problems: list[str]


@dataclass
class ReportFacts:
    name: str
    examiner: str | None
    created_at: str
    created_with: str
    generated_at: str
    version: str
    devices: list[DeviceFacts]
    scheme: str
    categories: list[tuple[str, str]]  # (code, label) of the scheme
    by_device: dict[str, dict[str, int]]  # label -> category code -> distinct contents
    uncategorised: dict[str, int]  # label -> pictures and videos nobody has categorised
    sections: list[Section]  # the terminal summary's tables, in its order
    sharing: list[tuple[str, str, int]]  # (device, device, near-duplicate clusters on both)
    generated: list[tuple[str, str, str, int, int]]  # label, tool, model, files, distinct
    model_files: list[tuple[str, str, str, str, int]]  # label, path, kind, title, images linked
    timeline: dict[str, list[tuple[str, int]]]  # label -> (YYYY-MM, files modified then)
    audit: AuditFacts
    thumbnails: list[tuple[str, str, str]] = field(default_factory=list)  # sha256, where, why


def _videos(s: Session) -> dict[int, int]:
    """Files per evidence item whose content is a video (by type, or by the video analyzer's
    facts where it ran)."""
    is_video = or_(Media.mime.like("video/%"), Media.facts["video"].as_string().is_not(None))
    return {
        ev: int(n)
        for ev, n in s.execute(
            select(File.evidence_id, func.count(File.id))
            .join(Media, File.media_id == Media.id)
            .where(is_video)
            .group_by(File.evidence_id)
        )
    }


def _acquisition(s: Session, ev: Evidence) -> tuple[str, bool | None]:
    """The acquisition hash check of a disk image (an `image` object with `verified`, recorded
    by the disk-image reader where the format stores hashes), else what can be said instead."""
    checks = [
        facts["image"]
        for facts in s.scalars(
            select(Media.facts)
            .join(File, File.media_id == Media.id)
            .where(File.evidence_id == ev.id, Media.facts["image"].as_string().is_not(None))
        )
        if isinstance(facts, dict) and isinstance(facts.get("image"), dict)
    ]
    for image in checks:
        verified = image.get("verified")
        stored = ", ".join(
            f"{k.removeprefix('stored_').upper()} {image[k]}"
            for k in ("stored_md5", "stored_sha1")
            if image.get(k)
        )
        if verified is True:
            return f"verified: computed hashes equal the stored {stored}", True
        if verified is False:
            return f"MISMATCH: computed hashes differ from the stored {stored}", False
    if checks:
        return "the image format stores no acquisition hash", None
    own = s.execute(
        select(Media.sha256)
        .join(File, File.media_id == Media.id)
        .where(File.evidence_id == ev.id, File.depth == 0, File.path == ev.source.rsplit("/")[-1])
    ).first()
    if ev.kind != "folder" and own is not None:
        return f"no acquisition hash stored; the evidence file's SHA-256 is {own[0]}", None
    return "a folder has no acquisition hash; every file's hashes are in the export", None


def _categories(s: Session) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    by_device: dict[str, dict[str, int]] = defaultdict(dict)
    for label, code, n in s.execute(
        select(Evidence.label, MediaCategory.category, func.count(func.distinct(File.media_id)))
        .select_from(File)
        .join(Evidence, File.evidence_id == Evidence.id)
        .join(MediaCategory, MediaCategory.media_id == File.media_id)
        .group_by(Evidence.label, MediaCategory.category)
    ):
        by_device[label][code] = int(n)
    categorised = select(MediaCategory.media_id)
    uncategorised = {
        label: int(n)
        for label, n in s.execute(
            select(Evidence.label, func.count(func.distinct(File.media_id)))
            .select_from(File)
            .join(Evidence, File.evidence_id == Evidence.id)
            .join(Media, Media.id == File.media_id)
            .where(
                or_(Media.width.is_not(None), Media.mime.like("video/%")),
                File.media_id.not_in(categorised),
            )
            .group_by(Evidence.label)
        )
    }
    return dict(by_device), uncategorised


def _sharing(s: Session) -> list[tuple[str, str, int]]:
    spread = (
        select(MediaCluster.cluster_id)
        .join(File, File.media_id == MediaCluster.media_id)
        .group_by(MediaCluster.cluster_id)
        .having(func.count(func.distinct(File.evidence_id)) > 1)
    )
    devices: dict[int, set[str]] = defaultdict(set)
    for cid, label in s.execute(
        select(MediaCluster.cluster_id, Evidence.label)
        .join(File, File.media_id == MediaCluster.media_id)
        .join(Evidence, Evidence.id == File.evidence_id)
        .where(MediaCluster.cluster_id.in_(spread))
        .distinct()
    ):
        devices[cid].add(label)
    pairs: Counter[tuple[str, str]] = Counter()
    for labels in devices.values():
        pairs.update(combinations(sorted(labels), 2))
    return [(a, b, n) for (a, b), n in sorted(pairs.items())]


def _generated(s: Session) -> list[tuple[str, str, str, int, int]]:
    generated = Media.facts[("provenance", "generated")].as_boolean()
    tool = Media.facts[("provenance", "tool")].as_string()
    model = Media.facts[("provenance", "model_name")].as_string()
    return [
        (label, t or "unknown", m or "not named", int(files), int(distinct))
        for label, t, m, files, distinct in s.execute(
            select(
                Evidence.label,
                tool,
                model,
                func.count(File.id),
                func.count(func.distinct(Media.id)),
            )
            .select_from(File)
            .join(Media, File.media_id == Media.id)
            .join(Evidence, File.evidence_id == Evidence.id)
            .where(generated.is_(True))
            .group_by(Evidence.label, tool, model)
            .order_by(Evidence.label, func.count(File.id).desc())
        )
    ]


def _model_files(s: Session) -> list[tuple[str, str, str, str, int]]:
    kind = Media.facts[("model", "kind")].as_string()
    title = Media.facts[("model", "title")].as_string()
    rows = s.execute(
        select(Evidence.label, File.path, Media.id, kind, title)
        .select_from(File)
        .join(Media, File.media_id == Media.id)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(kind.is_not(None))
        .order_by(Evidence.label, File.path)
        .limit(MAX_MODELS)
    ).all()
    used = dict(
        s.execute(
            select(ModelLink.model_media_id, func.count(func.distinct(ModelLink.image_media_id)))
            .where(ModelLink.model_media_id.in_([r[2] for r in rows]))
            .group_by(ModelLink.model_media_id)
        ).all()
    )
    return [(lb, p, k or "other", t or "", int(used.get(mid, 0))) for lb, p, mid, k, t in rows]


def _timeline(s: Session) -> dict[str, list[tuple[str, int]]]:
    month = func.substr(File.mtime, 1, 7)
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for label, when, n in s.execute(
        select(Evidence.label, month, func.count(File.id))
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(File.mtime.is_not(None))
        .group_by(Evidence.label, month)
        .order_by(Evidence.label, month)
    ):
        if isinstance(when, str) and MONTH.fullmatch(when):  # evidence times can be anything
            out[label].append((when, int(n)))
    return dict(out)


def _audit(case: Case, s: Session) -> AuditFacts:
    """The chain checked end to end, and its head as the database recorded it."""
    report = case.audit.verify()
    head = s.get(AuditHead, 1)
    return AuditFacts(
        entries=report.lines,
        head_seq=head.seq if head else None,
        head_sha256=head.line_sha256 if head else None,
        verifies=report.ok,
        problems=report.problems,
    )


def picked_for_thumbnails(s: Session, limit: int) -> list[tuple[str, str, str]]:
    """(sha256, first place, why) of the pictures a report with thumbnails shows: hash-list hits
    of known material, then contents shared between devices, then categorised ones."""
    picked: dict[str, tuple[str, str]] = {}

    def place(mid: int) -> str:
        row = s.execute(
            select(Evidence.label, File.path)
            .join(Evidence, File.evidence_id == Evidence.id)
            .where(File.media_id == mid)
            .order_by(Evidence.label, File.path)
        ).first()
        return f"{row[0]}: {row[1]}" if row else ""

    queries: list[tuple[str, Any]] = [
        (
            "hash-list hit",
            select(Media.id, Media.sha256)
            .join(Match, Match.media_id == Media.id)
            .join(HashSet, HashSet.id == Match.hashset_id)
            .where(HashSet.known_good.is_(False)),
        ),
        (
            "on several devices",
            select(Media.id, Media.sha256)
            .join(File, File.media_id == Media.id)
            .group_by(Media.id, Media.sha256)
            .having(func.count(func.distinct(File.evidence_id)) > 1),
        ),
        (
            "categorised",
            select(Media.id, Media.sha256).join(MediaCategory, MediaCategory.media_id == Media.id),
        ),
    ]
    for why, stmt in queries:
        for mid, sha in s.execute(stmt.where(Media.thumbnail.is_(True)).order_by(Media.sha256)):
            if len(picked) >= limit:
                break
            if sha not in picked:
                picked[sha] = (place(mid), why)
    return [(sha, where, why) for sha, (where, why) in picked.items()]


def gather(case: Case) -> ReportFacts:
    info = case.info()
    summary = case_summary(case)
    scheme, cats = case_scheme(case)
    with case.sessions() as s:
        videos = _videos(s)
        evidence = {ev.label: ev for ev in s.scalars(select(Evidence))}
        devices = []
        for e in summary.evidence:
            ev = evidence[e.label]
            text, ok = _acquisition(s, ev)
            devices.append(
                DeviceFacts(
                    e.label,
                    e.source,
                    e.complete,
                    e.files,
                    e.bytes,
                    e.images,
                    videos.get(ev.id, 0),
                    e.errors,
                    e.types,
                    text,
                    ok,
                )
            )
        by_device, uncategorised = _categories(s)
        facts = ReportFacts(
            name=info.name,
            examiner=info.examiner,
            created_at=info.created_at,
            created_with=info.created_with,
            generated_at=now_utc(),
            version=__version__,
            devices=devices,
            scheme=scheme,
            categories=[(c.code, c.label) for c in cats],
            by_device=by_device,
            uncategorised=uncategorised,
            sections=summary.sections,
            sharing=_sharing(s),
            generated=_generated(s),
            model_files=_model_files(s),
            timeline=_timeline(s),
            audit=_audit(case, s),
        )
    return facts
