"""Revealing one picture: the audited grant, and the original read back from the evidence.

A reveal is two steps. The reviewer's explicit action (a POST, CSRF-checked) writes the audit
entry and returns a grant: a random one-time token valid for a minute, tied to that user and that
media. Only a request carrying a live grant gets unblurred pixels, so no URL typed or replayed can
show a picture that was not revealed, and the audit has one entry per reveal.

The picture shown is the original, read again read-only from the evidence and checked against the
media's SHA-256: a file on a folder's file system is opened directly; an archive member is found by
walking its outermost archive again (with the scan's limits, opening only the archives on the way
to it). When the evidence is not reachable (drive unplugged, file changed) the 256 px thumbnail is
shown instead, and the page says so.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from synthtrace.case import Case
from synthtrace.evidence import ContainerFinished, WalkContext, walk_evidence
from synthtrace.evidence.names import SEP
from synthtrace.evidence.reading import CHUNK, open_evidence
from synthtrace.limits import Limits
from synthtrace.store.db import transaction
from synthtrace.store.models import Evidence, File, Media, RevealGrant

GRANT_SECONDS = 60
MAX_ORIGINAL = 512 * 1024 * 1024  # bytes of one picture read back for display


def now() -> float:
    """Wall-clock seconds: what every review server of the case agrees on (tests move it)."""
    return time.time()


class Grants:
    """One-time reveal grants, kept in the case database: with several review servers on one case
    (behind a proxy), a grant issued by one is honoured by any, and spent once across all."""

    def __init__(self, case: Case) -> None:
        self.case = case

    @staticmethod
    def _key(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()  # a database read gives no live token

    def issue(self, user_id: int, media_id: int) -> str:
        token = secrets.token_urlsafe(24)
        issued = now()
        with transaction(self.case.sessions) as s:
            s.execute(delete(RevealGrant).where(RevealGrant.expires_at <= issued))
            s.add(
                RevealGrant(
                    token_sha256=self._key(token),
                    user_id=user_id,
                    media_id=media_id,
                    expires_at=issued + GRANT_SECONDS,
                )
            )
        return token

    def redeem(self, token: str, user_id: int, media_id: int) -> bool:
        """True once for a live grant of this user and media; the grant is spent either way."""
        with transaction(self.case.sessions) as s:
            # One DELETE ... RETURNING: of two servers redeeming the same token, one gets the row.
            row = s.execute(
                delete(RevealGrant)
                .where(RevealGrant.token_sha256 == self._key(token))
                .returning(RevealGrant.user_id, RevealGrant.media_id, RevealGrant.expires_at)
            ).first()
        return (
            row is not None
            and row.user_id == user_id
            and row.media_id == media_id
            and row.expires_at > now()
        )


@dataclass(frozen=True)
class Original:
    data: bytes
    where: str  # "label: path" of the copy that was read


def _read_all(path: bytes | str) -> bytes | None:
    with open_evidence(path) as fh:
        if os.fstat(fh.fileno()).st_size > MAX_ORIGINAL:
            return None
        parts = []
        while chunk := fh.read(CHUNK):
            parts.append(chunk)
        return b"".join(parts)


def _inside(path: str, root: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip("/") + "/")


def _member(outer: str, walked_path: str, spool: Path, limits: Limits) -> bytes | None:
    """Walk the archive at `outer` until the member addressed `walked_path` (as the walker names
    it from that file) and return its bytes. Only archives on the way to it are opened."""

    def off_the_way(container: str) -> bool:
        return not walked_path.startswith(container + SEP)

    ctx = WalkContext(limits, spool, skip_container=off_the_way)
    items = walk_evidence(Path(outer), ctx)
    try:
        for item in items:
            if isinstance(item, ContainerFinished) or item.path != walked_path:
                continue
            if item.data is not None:
                return item.data
            if item.spool is not None and (item.size or 0) <= MAX_ORIGINAL:
                item.spool.seek(0)
                return item.spool.read()
            return None
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()  # ends the walk at once: its open archives and spool files are released
    return None


def _read_location(ev: Evidence, f: File, spool: Path, limits: Limits) -> bytes | None:
    source = ev.source
    if ev.kind == "folder":
        outer_rel = f.path.split(SEP, 1)[0]
        outer = os.path.join(source, outer_rel)
        if not _inside(outer, source):
            return None
    else:  # a single file is the evidence: its own name heads every address
        outer_rel = f.path.split(SEP, 1)[0]
        outer = source
    if f.container is None:
        return _read_all(outer)
    walked = os.path.basename(outer_rel) + f.path[len(outer_rel) :]
    return _member(outer, walked, spool, limits)


def read_original(case: Case, media_id: int, limits: Limits | None = None) -> Original | None:
    """The media's bytes from the first copy that can be read and still has its SHA-256."""
    limits = limits or Limits()
    with case.sessions() as s:
        media = s.get(Media, media_id)
        if media is None or media.size > MAX_ORIGINAL:
            return None
        places = s.execute(
            select(File, Evidence)
            .join(Evidence, File.evidence_id == Evidence.id)
            .where(File.media_id == media_id)
            .order_by(File.depth, File.id)
        ).all()
    spool = case.tmp_dir / "reveal"
    for f, ev in places:
        try:
            data = _read_location(ev, f, spool, limits)
        except (OSError, ValueError):
            continue  # this copy is unreachable; try the next
        if data is not None and hashlib.sha256(data).hexdigest() == media.sha256:
            return Original(data, f"{ev.label}: {f.path}")
    return None


def direct_copy(case: Case, media_id: int) -> io.FileIO | None:
    """An open read-only handle on a copy that is a file of its own (not an archive member)."""
    with case.sessions() as s:
        places = s.execute(
            select(File, Evidence)
            .join(Evidence, File.evidence_id == Evidence.id)
            .where(File.media_id == media_id, File.container.is_(None))
            .order_by(File.id)
        ).all()
    for f, ev in places:
        path = os.path.join(ev.source, f.path) if ev.kind == "folder" else ev.source
        if ev.kind == "folder" and not _inside(path, ev.source):
            continue
        try:
            return open_evidence(path)
        except OSError:
            continue
    return None
