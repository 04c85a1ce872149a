"""`export --format artifacts`: one JSON line per artifact (visit, download, login, wallet) and per
indicator hit, in (device, source, read) order, streamed.

The keys are a contract (never renamed or dropped; new ones go at the end): `evidence`, `source`
(the address of the database or file it came from), `kind`, `browser`, `url`, `title`, `time`
(ISO 8601 UTC), `username`, `value` (the address, for wallets; the indicator, for hits),
`currency`, `target_path`, `file` (the linked file's address, for downloads); then `referrer_url`,
`domain`, `indicator` (`{kind, value, note, list}` for hits) and `detail` (what else the reader
found: transition, state, sizes, raw times out of range). Saved logins carry the site and user
name only: passwords are never read, so they can never be exported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from synthtrace.case import Case
from synthtrace.store.db import binary_collation
from synthtrace.store.models import (
    ArtifactSource,
    Evidence,
    File,
    Indicator,
    IndicatorHit,
    WebArtifact,
)

KEYS = (
    "evidence",
    "source",
    "kind",
    "browser",
    "url",
    "title",
    "time",
    "username",
    "value",
    "currency",
    "target_path",
    "file",
    # Added beside the contract keys.
    "referrer_url",
    "domain",
    "indicator",
    "detail",
)
BATCH = 2000


def _record(
    label: str, source: str, a: WebArtifact, file_path: str | None, **more: Any
) -> dict[str, Any]:
    return {
        "evidence": label,
        "source": source,
        "kind": a.kind,
        "browser": a.browser,
        "url": a.url,
        "title": a.title,
        "time": a.time,
        "username": a.username,
        "value": a.value,
        "currency": a.currency,
        "target_path": a.target_path,
        "file": file_path,
        "referrer_url": a.referrer_url,
        "domain": a.domain,
        "indicator": None,
        "detail": a.extra,
        **more,
    }


def iter_artifacts(s: Session) -> Iterator[dict[str, Any]]:
    coll = binary_collation(s)
    linked = aliased(File)
    rows = s.execute(
        select(Evidence.label, ArtifactSource.path, WebArtifact, linked.path)
        .join(ArtifactSource, WebArtifact.source_id == ArtifactSource.id)
        .join(Evidence, WebArtifact.evidence_id == Evidence.id)
        .outerjoin(linked, WebArtifact.file_id == linked.id)
        .order_by(
            Evidence.label.collate(coll),
            ArtifactSource.path.collate(coll),
            ArtifactSource.reader,
            WebArtifact.id,
        )
        .execution_options(yield_per=BATCH)
    )
    for label, source, artifact, file_path in rows:
        yield _record(label, source, artifact, file_path)
    hits = s.execute(
        select(Evidence.label, ArtifactSource.path, WebArtifact, linked.path, Indicator)
        .select_from(IndicatorHit)
        .join(WebArtifact, IndicatorHit.artifact_id == WebArtifact.id)
        .join(Indicator, IndicatorHit.indicator_id == Indicator.id)
        .join(ArtifactSource, WebArtifact.source_id == ArtifactSource.id)
        .join(Evidence, IndicatorHit.evidence_id == Evidence.id)
        .outerjoin(linked, WebArtifact.file_id == linked.id)
        .order_by(
            Evidence.label.collate(coll),
            Indicator.kind,
            Indicator.value.collate(coll),
            WebArtifact.id,
        )
        .execution_options(yield_per=BATCH)
    )
    for label, source, artifact, file_path, ind in hits:
        record = _record(label, source, artifact, file_path)
        record.update(
            kind="indicator",
            value=ind.value,
            indicator={
                "kind": ind.kind,
                "value": ind.value,
                "note": ind.note,
                "list": ind.list_name,
                "matched": artifact.kind,
            },
        )
        yield record


def write_artifacts(case: Case, out: TextIO) -> int:
    n = 0
    with case.sessions() as s:
        for record in iter_artifacts(s):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n
