"""`export --format vics` and `vics-media`: the case as Project VIC VICS 2.0, hashes only.

What one agency categorised travels to the next as hashes, never as pictures. Two shapes, as
Project VIC itself writes them:

- `#Cases` (`vics`): one case in `value`, its Media nested, each with the MediaFiles where it was
  found (file name, folder, evidence label): a case file for another investigator;
- `#Media` (`vics-media`): `value` is the list of Media itself, the shape of Project VIC's own
  distribution hash sets and what most tools read first; no file names or folders leave the case.

One Media per distinct picture or video: MD5 and SHA1 (upper case, as Project VIC writes them),
Category (null when nobody has categorised it), IsPrecategorized (true when the category came from
a hash list), MediaSize, MimeType; SHA-256, PDQ and, for videos, vPDQ ride in AlternativeHashes so
a receiving synthtrace matches perceptually too; the list flags (IsDistributed, VictimIdentified,
OffenderIdentified, Series, Tags) that matching lists carried or a reviewer set (flags.py) are
written back. Written as a stream: memory stays flat however large the case.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from synthtrace import __version__
from synthtrace.case import Case
from synthtrace.categories import case_scheme, current_categories
from synthtrace.flags import media_flags
from synthtrace.store.models import Evidence, File, Media
from synthtrace.video.export import vpdq_signals

BASE = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml"
MODELS = {"projectvic": "US", "caid": "UK", "custom": "CUSTOM"}
BATCH = 1000


def context(scheme: str, shape: str = "Cases") -> str:
    return f"{BASE}/{MODELS.get(scheme, 'CUSTOM')}/$metadata#{shape}"


def _category(code: str | None) -> int | str | None:
    if code is None:
        return None
    return int(code) if code.isdigit() else code


def _split(address: str) -> tuple[str, str]:
    """(folder, file name) of an evidence address; archive members keep their `!/` path."""
    head, sep, name = address.rpartition("/")
    if not sep:
        return "", address
    return head, name


def _media_batches(s: Session) -> Iterator[list[Media]]:
    stmt = (
        select(Media)
        .where(
            or_(
                Media.mime.like("image/%"),
                Media.mime.like("video/%"),
                Media.pdq.is_not(None),
            )
        )
        .order_by(Media.sha256)  # not by id: ids follow commit order, exports must repeat
        .execution_options(yield_per=BATCH)
    )
    for part in s.scalars(stmt).partitions():
        yield list(part)


def vpdq_frames(facts: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """A video's vPDQ frame hashes as python-threatexchange writes them ({hash, quality,
    timestamp}), from the `video` facts when the video analyzer stored them; None otherwise."""
    video = (facts or {}).get("video")
    frames = video.get("vpdq") if isinstance(video, dict) else None
    if not isinstance(frames, list) or not frames:
        return None
    out: list[dict[str, Any]] = []
    for f in frames:
        if isinstance(f, dict) and isinstance(f.get("hash") or f.get("pdq"), str):
            out.append(
                {
                    "hash": f.get("hash") or f.get("pdq"),
                    "quality": f.get("quality"),
                    "timestamp": f.get("timestamp"),
                }
            )
        elif isinstance(f, list | tuple) and len(f) >= 3 and isinstance(f[2], str):
            # ThreatExchange's text order: frame number, quality, PDQ hex, timestamp
            out.append({"hash": f[2], "quality": f[1], "timestamp": f[3] if len(f) > 3 else None})
    return out or None


def _alternatives(m: Media, stored: list[dict[str, Any]] | None = None) -> list[dict[str, str]]:
    alternatives = [{"HashName": "SHA256", "HashValue": m.sha256.upper()}]
    if m.pdq:
        alternatives.append({"HashName": "PDQ", "HashValue": m.pdq})
    frames = stored or vpdq_frames(m.facts)  # stored: the video_frames table (video/export.py)
    if frames:
        alternatives.append({"HashName": "vPDQ", "HashValue": json.dumps(frames)})
    return alternatives


def _files(s: Session, ids: list[int]) -> dict[int, list[dict[str, str]]]:
    files: dict[int, list[dict[str, str]]] = defaultdict(list)
    for mid, path, label in s.execute(
        select(File.media_id, File.path, Evidence.label)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(File.media_id.in_(ids))
        .order_by(Evidence.label, File.path)
    ):
        if mid is None:
            continue
        folder, name = _split(path)
        files[mid].append({"FileName": name, "FilePath": folder, "SourceID": label})
    return files


def _records(
    s: Session, batch: list[Media], first_id: int, with_files: bool = True
) -> Iterator[dict[str, Any]]:
    ids = [m.id for m in batch]
    files = _files(s, ids) if with_files else {}
    flags = media_flags(s, ids)
    categories = current_categories(s, ids)
    signals = vpdq_signals(s, ids)
    for offset, m in enumerate(batch):
        held = categories.get(m.id)
        record: dict[str, Any] = {
            "MediaID": first_id + offset,
            "MD5": m.md5.upper(),
            "SHA1": m.sha1.upper(),
            "Category": _category(held.category if held else None),
            "IsPrecategorized": bool(held and held.source == "hashset"),
            "MediaSize": m.size,
            "MimeType": m.mime,
        }
        if with_files:
            record["MediaFiles"] = files.get(m.id, [])
        record["AlternativeHashes"] = _alternatives(m, signals.get(m.id))
        record.update(flags.get(m.id, {}))
        yield record


def _stream_media(case: Case, out: TextIO) -> int:
    n = 0
    with case.sessions() as s:
        for batch in _media_batches(s):
            for record in _records(s, batch, n + 1, with_files=False):
                out.write((",\n" if n else "") + json.dumps(record, ensure_ascii=False))
                n += 1
    return n


def write_vics_media(case: Case, out: TextIO) -> int:
    """Write the VICS 2.0 `#Media` hash set; returns the number of Media written."""
    scheme, _ = case_scheme(case)
    out.write('{"@odata.context":' + json.dumps(context(scheme, "Media")) + ',"value":[\n')
    n = _stream_media(case, out)
    out.write("\n]}\n")
    return n


def write_vics(case: Case, out: TextIO) -> int:
    """Write the VICS 2.0 case file; returns the number of Media written."""
    scheme, _ = case_scheme(case)
    info = case.info()
    head = {
        "CaseID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"synthtrace:{info.name}:{info.created_at}")),
        "CaseNumber": info.name,
        "Examiner": info.examiner,
        "SourceApplicationName": "synthtrace",
        "SourceApplicationVersion": __version__,
    }
    out.write('{"@odata.context":' + json.dumps(context(scheme)) + ',"value":[')
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ',"Media":[\n')
    n = 0
    with case.sessions() as s:
        for batch in _media_batches(s):
            for record in _records(s, batch, n + 1):
                out.write((",\n" if n else "") + json.dumps(record, ensure_ascii=False))
                n += 1
    out.write(f'\n],"TotalMediaFiles":{n}}}]}}\n')
    return n
