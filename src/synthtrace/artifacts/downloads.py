"""Browser downloads tied to the files they wrote, on the same device: the file's record gets a
`download_origin` (`{source: "chrome"|"firefox"|..., zone_id, host_url, referrer_url, time}`),
the same key the disk-image walk fills from NTFS Zone.Identifier streams and macOS quarantine
attributes.

A download's target (`C:\\Users\\alex\\Downloads\\hills.jpg`, `~/Downloads/hills.jpg`,
`file:///home/alex/x.png`) is compared with the device's file addresses from the end, folder by
folder, case-insensitively (Windows and macOS file systems are): the file sharing the longest tail
wins, at least its name and folder unless the target has no folder; two files as good are
ambiguous and neither is linked. A file the file system already gave an origin keeps it (written
beside the file at download time); the browser's record of it is in the artifacts export.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from synthtrace.artifacts.readers.base import DOWNLOAD
from synthtrace.artifacts.readers.firefox import file_uri_path
from synthtrace.evidence.entry import FILE
from synthtrace.store.models import File, WebArtifact

BATCH = 5000


def components(path: str) -> list[str]:
    """A path's folders and name, lower case, without drive, `~`, `.` or empty parts."""
    p = file_uri_path(path) or ""
    p = p.replace("\\", "/")
    if len(p) >= 2 and p[1] == ":":
        p = p[2:]
    return [c.lower() for c in p.split("/") if c not in ("", ".", "~")]


def _address_components(address: str) -> list[str]:
    # The innermost part of the address is the path on the file system the file was found on.
    return components(address.rsplit("!/", 1)[-1])


def _tail(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def link_downloads(s: Session, evidence_id: int) -> int:
    """Tie the device's unlinked downloads to its files; how many were tied."""
    pending = s.execute(
        select(
            WebArtifact.id,
            WebArtifact.target_path,
            WebArtifact.url,
            WebArtifact.referrer_url,
            WebArtifact.time,
            WebArtifact.browser,
        ).where(
            WebArtifact.evidence_id == evidence_id,
            WebArtifact.kind == DOWNLOAD,
            WebArtifact.file_id.is_(None),
            WebArtifact.target_path.is_not(None),
        )
    ).all()
    wanted: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    info: dict[int, Any] = {}
    for row in pending:
        parts = components(row.target_path)
        if parts:
            wanted[parts[-1]].append((row.id, parts))
            info[row.id] = row
    if not wanted:
        return 0
    best: dict[int, tuple[int, int | None]] = {}  # download -> (score, file id or None if tied)
    files = (
        select(File.id, File.path)
        .where(File.evidence_id == evidence_id, File.kind == FILE)
        .execution_options(yield_per=BATCH)
    )
    for file_id, path in s.execute(files):
        name = path.rsplit("/", 1)[-1].lower()
        if name not in wanted:
            continue
        parts = _address_components(path)
        for download_id, target in wanted[name]:
            score = _tail(parts, target)
            if score < min(2, len(target)):
                continue
            current = best.get(download_id)
            if current is None or score > current[0]:
                best[download_id] = (score, file_id)
            elif score == current[0] and current[1] != file_id:
                best[download_id] = (score, None)  # two files fit as well: ambiguous
    by_file: dict[int, list[int]] = defaultdict(list)
    for download_id, (_, chosen) in best.items():
        if chosen is not None:
            by_file[chosen].append(download_id)
            s.execute(
                update(WebArtifact).where(WebArtifact.id == download_id).values(file_id=chosen)
            )
    for file_id, downloads in by_file.items():
        latest = max((info[d] for d in downloads), key=lambda r: (r.time or "", r.id))
        file = s.get(File, file_id)
        if file is not None and file.download_origin is None:
            file.download_origin = {
                "source": latest.browser,
                "zone_id": None,
                "host_url": latest.url,
                "referrer_url": latest.referrer_url,
                "time": latest.time,
            }
    return sum(len(d) for d in by_file.values())
