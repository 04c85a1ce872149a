"""`report`: gather the case's facts, draw, render to HTML or PDF by the file's suffix, audit it.

No picture from the evidence is in a report unless asked for (`thumbnails=True`); then each is the
case's stored thumbnail blurred and turned grey exactly as the review app shows it before a
reveal (web/imaging.py), and the audit entry lists which pictures were put in the report.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from synthtrace.case import Case
from synthtrace.report.facts import gather, picked_for_thumbnails

if TYPE_CHECKING:
    from synthtrace.report.render import Thumbnail

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}
MAX_THUMBNAILS = 48
THUMB_SIZE = 160  # px, long side in the report
BLUR_LEVEL = 4  # the review app's default protection


class ReportError(Exception):
    """The report cannot be written as asked (the message says why)."""


@dataclass
class ReportDone:
    path: Path
    format: str
    seconds: float
    pictures: list[str] = field(default_factory=list)  # SHA-256 of the pictures included


def _thumbnails(case: Case, limit: int) -> list[Thumbnail]:
    from synthtrace.report.render import Thumbnail, data_uri
    from synthtrace.web.imaging import PictureError, blurred_thumbnail, placeholder

    with case.sessions() as s:
        picked = picked_for_thumbnails(s, limit)
    out: list[Thumbnail] = []
    for sha, where, why in picked:
        try:
            jpeg = blurred_thumbnail(case.thumbnail_path(sha), BLUR_LEVEL, True, THUMB_SIZE)
        except PictureError:
            jpeg = placeholder("no thumbnail", THUMB_SIZE)
        out.append(Thumbnail(sha, where, why, data_uri("image/jpeg", jpeg)))
    return out


def write_report(
    case: Case,
    path: Path,
    thumbnails: bool = False,
    user: str | None = None,
    max_thumbnails: int = MAX_THUMBNAILS,
) -> ReportDone:
    started = time.perf_counter()
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ReportError(f"{path.name}: name the report FILE.html or FILE.pdf")
    if not path.parent.is_dir():
        raise ReportError(f"{path.parent} is not a folder")
    try:
        from synthtrace.report.render import render_html, render_pdf
    except ImportError as exc:  # matplotlib is an extra
        raise ReportError(
            f"the report needs the report extra (pip install 'synthtrace[report]'): {exc}"
        ) from exc
    facts = gather(case)
    thumbs = _thumbnails(case, max_thumbnails) if thumbnails else None
    html = render_html(facts, thumbs)
    if fmt == "pdf":
        try:
            data = render_pdf(html)
        except (ImportError, OSError) as exc:  # WeasyPrint, or Pango missing from the system
            raise ReportError(
                f"PDF needs WeasyPrint and Debian's Pango (scripts/system-deps.sh runtime): {exc}"
            ) from exc
    else:
        data = html.encode("utf-8")
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)  # a reader never sees half a report
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ReportError(f"{path} could not be written: {exc.strerror or exc}") from exc
    pictures = [t.sha256 for t in thumbs or []]
    case.audit.append(
        "report",
        user=user,
        format=fmt,
        destination=str(path),
        thumbnails=thumbnails,
        pictures=pictures,
        bytes=len(data),
    )
    return ReportDone(path, fmt, time.perf_counter() - started, pictures)
