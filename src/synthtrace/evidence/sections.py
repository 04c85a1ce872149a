"""Summary sections for disk images (listed in builtins.SUMMARY_SECTIONS): each image with its
acquisition check and what was recovered, and the files whose download origin is known."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from synthtrace.store.models import Evidence, File
from synthtrace.summary import Section

SHOWN = 40  # download rows listed; the count is always all of them


def has_origin() -> ColumnElement[bool]:
    """A file with a download origin (JSON null and SQL NULL alike are 'none')."""
    condition: ColumnElement[bool] = File.download_origin["source"].as_string().is_not(None)
    return condition


def _verdict(image: dict[str, Any]) -> str:
    verified = image.get("verified")
    if verified is True:
        return "verified"
    if verified is False:
        return "MISMATCH"
    return "no stored hash"


def disk_images_section(s: Session) -> Section | None:
    rows = s.execute(
        select(Evidence.label, File.path, File.image, File.errors)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(File.image["format"].as_string().is_not(None))
        .order_by(Evidence.label, File.path)
    ).all()
    if not rows:
        return None
    counts = {
        (label, container): (int(deleted or 0), int(carved or 0))
        for label, container, deleted, carved in s.execute(
            select(
                Evidence.label,
                File.container,
                func.sum(case((File.deleted.is_(True), 1), else_=0)),
                func.sum(case((File.carved.is_(True), 1), else_=0)),
            )
            .join(Evidence, File.evidence_id == Evidence.id)
            .where(File.deleted.is_(True) | File.carved.is_(True))
            .group_by(Evidence.label, File.container)
        )
    }
    section = Section(
        "Disk images",
        [
            "evidence",
            "image",
            "format",
            "acquisition hash",
            "volumes",
            "deleted",
            "carved",
            "errors",
        ],
    )
    for label, path, image, errors in rows:
        volumes = ", ".join(
            f"{v.get('name') or 'disk'} {v.get('file_system') or v.get('encrypted') or '?'}"
            for v in image.get("volumes") or []
        )
        deleted, carved = counts.get((label, path), (0, 0))
        section.rows.append(
            [
                label,
                path,
                str(image.get("format")),
                _verdict(image),
                volumes,
                str(deleted),
                str(carved),
                str(len(errors or [])),
            ]
        )
    return section


def downloads_section(s: Session) -> Section | None:
    total = s.execute(select(func.count(File.id)).where(has_origin())).scalar_one()
    if not total:
        return None
    section = Section(
        f"Downloaded files ({total}, from their Zone.Identifier or quarantine records)",
        ["evidence", "file", "downloaded from", "referrer", "zone"],
    )
    for label, path, origin in s.execute(
        select(Evidence.label, File.path, File.download_origin)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(has_origin())
        .order_by(Evidence.label, File.path)
        .limit(SHOWN)
    ):
        section.rows.append(
            [
                label,
                path,
                str(origin.get("host_url") or ""),
                str(origin.get("referrer_url") or ""),
                str(origin.get("zone") or origin.get("zone_id") or ""),
            ]
        )
    if total > SHOWN:
        section.rows.append(["", f"... and {total - SHOWN} more (see the export)", "", "", ""])
    return section
