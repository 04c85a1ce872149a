"""What other parts of synthtrace ask of provenance: per-image triage signals, read in batches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthtrace.store.models import Media, ModelLink

# Link kinds that mean "the model file itself is on the evidence" (a hash-cache entry is not).
FILE_MATCHES = ("hash", "name")
BATCH = 500


@dataclass(frozen=True)
class TriageSignals:
    """The provenance facts the review queue ranks by, for one image."""

    generated: bool | None
    tool: str | None
    model_name: str | None
    img2img: bool
    lora_on_evidence: bool
    model_on_evidence: bool


NOTHING = TriageSignals(None, None, None, False, False, False)


def _batches(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def triage_signals(session: Session, media_ids: Iterable[int]) -> dict[int, TriageSignals]:
    """Signals for each requested media id (ids with nothing found get all-unknown signals)."""
    ids = sorted(set(media_ids))
    out: dict[int, TriageSignals] = {}
    for batch in _batches(ids):
        roles: dict[int, set[str]] = {}
        for image_id, role in session.execute(
            select(ModelLink.image_media_id, ModelLink.role).where(
                ModelLink.image_media_id.in_(batch), ModelLink.match.in_(FILE_MATCHES)
            )
        ):
            roles.setdefault(image_id, set()).add(role)
        for media_id, facts in session.execute(
            select(Media.id, Media.facts).where(Media.id.in_(batch))
        ):
            prov: dict[str, Any] = (facts or {}).get("provenance") or {}
            linked = roles.get(media_id, set())
            out[media_id] = TriageSignals(
                generated=prov.get("generated"),
                tool=prov.get("tool"),
                model_name=prov.get("model_name"),
                img2img=bool(prov.get("img2img")),
                lora_on_evidence="lora" in linked,
                model_on_evidence="checkpoint" in linked,
            )
    for media_id in ids:
        out.setdefault(media_id, NOTHING)
    return out
