"""`export --format vics`: the case as a Project VIC VICS 2.0 case file, hashes only.

What one agency categorised travels to the next as hashes, never as pictures: one case in
`value`, one Media per distinct picture or video with MD5, SHA1, Category (null when nobody has
categorised it), IsPrecategorized (true when the category came from a hash list), MediaSize and
the MediaFiles where it was found; SHA-256 and PDQ ride in AlternativeHashes so a receiving
synthtrace matches perceptually too. Written as a stream: memory stays flat however large.
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
from synthtrace.store.models import Evidence, File, Match, Media

BASE = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml"
MODELS = {"projectvic": "US", "caid": "UK", "custom": "CUSTOM"}
BATCH = 1000


def context(scheme: str) -> str:
    return f"{BASE}/{MODELS.get(scheme, 'CUSTOM')}/$metadata#Cases"


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


def _records(s: Session, batch: list[Media], first_id: int) -> Iterator[dict[str, Any]]:
    ids = [m.id for m in batch]
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
    series: dict[int, str] = {}
    for mid, value in s.execute(
        select(Match.media_id, Match.series)
        .where(Match.media_id.in_(ids), Match.series.is_not(None))
        .order_by(Match.id)
    ):
        if value:
            series.setdefault(mid, value)
    categories = current_categories(s, ids)
    for offset, m in enumerate(batch):
        held = categories.get(m.id)
        alternatives = [{"HashName": "SHA256", "HashValue": m.sha256.upper()}]
        if m.pdq:
            alternatives.append({"HashName": "PDQ", "HashValue": m.pdq})
        record: dict[str, Any] = {
            "MediaID": first_id + offset,
            "MD5": m.md5.upper(),
            "SHA1": m.sha1.upper(),
            "Category": _category(held.category if held else None),
            "IsPrecategorized": bool(held and held.source == "hashset"),
            "MediaSize": m.size,
            "MimeType": m.mime,
            "MediaFiles": files.get(m.id, []),
            "AlternativeHashes": alternatives,
        }
        if m.id in series:
            record["Series"] = series[m.id]
        yield record


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
