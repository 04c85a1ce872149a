"""The triage summary: per evidence item, what was found, what repeats, what failed, how fast.

Later passes (provenance, hash lists, clusters) contribute sections through SUMMARY_SECTIONS, so the
CLI and the web app show one summary built in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Integer, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.store.models import Evidence, File, Media, Scan


@dataclass
class EvidenceSummary:
    label: str
    source: str
    complete: bool
    files: int
    bytes: int
    errors: int
    images: int
    types: list[tuple[str, int]]
    duplicate_files: int  # files whose content is found more than once in this item
    shared_media: int  # distinct contents also found on another evidence item
    files_per_second: float | None
    mb_per_second: float | None


@dataclass
class Section:
    """A titled table a later pass adds to the summary."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class CaseSummary:
    name: str
    evidence: list[EvidenceSummary]
    media: int
    sections: list[Section]

    @property
    def files(self) -> int:
        return sum(e.files for e in self.evidence)

    @property
    def errors(self) -> int:
        return sum(e.errors for e in self.evidence)


# Listed in synthtrace.builtins.
SummarySection = Callable[[Session], Section | None]


def _has_errors() -> object:
    return or_(func.json_array_length(File.errors) > 0, func.json_array_length(Media.errors) > 0)


def _evidence_summary(s: Session, ev: Evidence) -> EvidenceSummary:
    # Bytes actually read and hashed (a lying archive header claims what it likes).
    files, total = s.execute(
        select(func.count(File.id), func.coalesce(func.sum(Media.size), 0))
        .outerjoin(Media, File.media_id == Media.id)
        .where(File.evidence_id == ev.id)
    ).one()
    errors = s.execute(
        select(func.count(File.id))
        .outerjoin(Media, File.media_id == Media.id)
        .where(File.evidence_id == ev.id, _has_errors())  # type: ignore[arg-type]
    ).scalar_one()
    types = [
        (mime or "(no content)", n)
        for mime, n in s.execute(
            select(Media.mime, func.count(File.id))
            .select_from(File)
            .outerjoin(Media, File.media_id == Media.id)
            .where(File.evidence_id == ev.id)
            .group_by(Media.mime)
            .order_by(func.count(File.id).desc(), Media.mime)
        )
    ]
    images = s.execute(
        select(func.count(File.id))
        .join(Media, File.media_id == Media.id)
        .where(File.evidence_id == ev.id, Media.width.is_not(None))
    ).scalar_one()
    copies = (
        select(File.media_id, func.count(File.id).label("n"))
        .where(File.evidence_id == ev.id, File.media_id.is_not(None))
        .group_by(File.media_id)
        .subquery()
    )
    duplicate_files = s.execute(
        select(func.coalesce(func.sum(cast(copies.c.n, Integer)), 0)).where(copies.c.n > 1)
    ).scalar_one()
    other = select(File.media_id).where(File.evidence_id != ev.id, File.media_id.is_not(None))
    shared = s.execute(
        select(func.count(func.distinct(File.media_id))).where(
            and_(File.evidence_id == ev.id, File.media_id.in_(other))
        )
    ).scalar_one()
    last = s.scalars(
        select(Scan)
        .where(Scan.evidence_id == ev.id, Scan.status == "finished", Scan.seconds > 0)
        .order_by(Scan.id.desc())
    ).first()
    fps = mbps = None
    if last is not None and last.seconds and last.files:
        fps = last.files / last.seconds
        mbps = last.bytes / last.seconds / 1e6
    return EvidenceSummary(
        label=ev.label,
        source=ev.source,
        complete=ev.completed_at is not None,
        files=files,
        bytes=int(total or 0),
        errors=errors,
        images=images,
        types=types,
        duplicate_files=int(duplicate_files),
        shared_media=shared,
        files_per_second=fps,
        mb_per_second=mbps,
    )


def case_summary(case: Case) -> CaseSummary:
    with case.sessions() as s:
        evidence = [
            _evidence_summary(s, ev) for ev in s.scalars(select(Evidence).order_by(Evidence.label))
        ]
        media = s.execute(select(func.count(Media.id))).scalar_one()
        from synthtrace.builtins import SUMMARY_SECTIONS

        sections = [sec for make in SUMMARY_SECTIONS if (sec := make(s)) is not None]
    return CaseSummary(case.info().name, evidence, media, sections)
