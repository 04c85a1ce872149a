"""Export keys: `provenance.model_files` (the model files each image links to, with where they are
and how they matched) and `model.used_by_images` (how many images link to each model file)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthtrace.export.records import Row
from synthtrace.store.models import Evidence, File, ModelLink


def add_provenance_keys(session: Session, rows: list[Row]) -> None:
    media_ids = {row.media.id for row in rows if row.media is not None}
    if not media_ids:
        return
    links: dict[int, list[ModelLink]] = defaultdict(list)
    for link in session.scalars(
        select(ModelLink)
        .where(ModelLink.image_media_id.in_(media_ids))
        .order_by(ModelLink.image_media_id, ModelLink.id)
    ):
        links[link.image_media_id].append(link)
    places: dict[int, list[tuple[str, str]]] = defaultdict(list)
    model_ids = {link.model_media_id for group in links.values() for link in group}
    if model_ids:
        for media_id, label, path in session.execute(
            select(File.media_id, Evidence.label, File.path)
            .join(Evidence, File.evidence_id == Evidence.id)
            .where(File.media_id.in_(model_ids))
            .order_by(Evidence.label, File.path)
        ):
            if media_id is not None:
                places[media_id].append((label, path))
    used = dict(
        session.execute(
            select(ModelLink.model_media_id, func.count(func.distinct(ModelLink.image_media_id)))
            .where(ModelLink.model_media_id.in_(media_ids))
            .group_by(ModelLink.model_media_id)
        ).all()
    )
    for row in rows:
        if row.media is None:
            continue
        prov = row.record.get("provenance")
        if isinstance(prov, dict):
            files: list[dict[str, Any]] = []
            for link in links.get(row.media.id, []):
                for label, path in places.get(link.model_media_id, []):
                    files.append(
                        {
                            "evidence": label,
                            "path": path,
                            "role": link.role,
                            "match": link.match,
                            "hash_kind": link.hash_kind,
                            "detail": link.detail,
                        }
                    )
            row.record["provenance"] = {**prov, "model_files": files}
        model = row.record.get("model")
        if isinstance(model, dict) and "entries" not in model:
            row.record["model"] = {**model, "used_by_images": int(used.get(row.media.id, 0))}
