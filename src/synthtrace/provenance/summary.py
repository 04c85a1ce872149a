"""Summary sections, per device: generated images by tool; images made with a model that is on the
same device (evidence of production, not only possession); LoRAs with their training traces."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from synthtrace.store.models import Evidence, File, Media, ModelLink
from synthtrace.summary import Section

TOP_TAGS = 8
MAX_ROWS = 50


def generated_section(s: Session) -> Section | None:
    """Generated images (files and distinct contents) per device and tool."""
    generated = Media.facts[("provenance", "generated")].as_boolean()
    tool = Media.facts[("provenance", "tool")].as_string()
    rows = s.execute(
        select(
            Evidence.label,
            tool,
            func.count(File.id),
            func.count(func.distinct(Media.id)),
        )
        .select_from(File)
        .join(Media, File.media_id == Media.id)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(generated.is_(True))
        .group_by(Evidence.label, tool)
        .order_by(Evidence.label, func.count(File.id).desc())
    ).all()
    if not rows:
        return None
    section = Section("Generated images by tool", ["evidence", "tool", "files", "distinct images"])
    for label, name, files, distinct in rows:
        section.rows.append([label, name or "unknown", str(files), str(distinct)])
    return section


def same_device_section(s: Session) -> Section | None:
    """Images whose model file is on the same device: the tool and the model were both there."""
    image_file, model_file = aliased(File), aliased(File)
    rows = s.execute(
        select(
            Evidence.label,
            model_file.path,
            ModelLink.role,
            ModelLink.match,
            func.count(func.distinct(ModelLink.image_media_id)),
        )
        .select_from(ModelLink)
        .join(image_file, image_file.media_id == ModelLink.image_media_id)
        .join(
            model_file,
            and_(
                model_file.media_id == ModelLink.model_media_id,
                model_file.evidence_id == image_file.evidence_id,
            ),
        )
        .join(Evidence, Evidence.id == image_file.evidence_id)
        .where(ModelLink.match.in_(("hash", "name")))
        .group_by(Evidence.label, model_file.path, ModelLink.role, ModelLink.match)
        .order_by(Evidence.label, func.count(func.distinct(ModelLink.image_media_id)).desc())
        .limit(MAX_ROWS)
    ).all()
    if not rows:
        return None
    section = Section(
        "Images made with a model on the same device",
        ["evidence", "model file", "role", "match", "images"],
    )
    for label, path, role, match, n in rows:
        section.rows.append([label, path, role, match, str(n)])
    return section


def _trace_text(training: dict[str, Any]) -> tuple[str, str, str]:
    dirs = training.get("dataset_dirs") or []
    folders = ", ".join(
        f"{d.get('name')} ({d.get('images')} img)" for d in dirs[:5] if isinstance(d, dict)
    )
    tags = ", ".join(f"{t} {n}" for t, n in (training.get("top_tags") or [])[:TOP_TAGS])
    when = training.get("started_at") or training.get("finished_at") or ""
    return folders, tags, str(when)


def lora_section(s: Session) -> Section | None:
    """LoRA files with kohya training metadata: dataset folders, tags, image counts, as leads."""
    training = Media.facts[("model", "training")]
    rows = s.execute(
        select(Evidence.label, File.path, Media.id, training)
        .select_from(File)
        .join(Media, File.media_id == Media.id)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(training.as_string().is_not(None))
        .order_by(Evidence.label, File.path)
        .limit(MAX_ROWS)
    ).all()
    if not rows:
        return None
    used: dict[int, int] = defaultdict(int)
    for model_id, n in s.execute(
        select(ModelLink.model_media_id, func.count(func.distinct(ModelLink.image_media_id)))
        .where(ModelLink.model_media_id.in_([r[2] for r in rows]))
        .group_by(ModelLink.model_media_id)
    ):
        used[model_id] = n
    section = Section(
        "LoRAs with training traces",
        [
            "evidence",
            "file",
            "trained as",
            "images",
            "dataset folders",
            "top tags",
            "started",
            "linked images",
        ],
    )
    for label, path, media_id, trace in rows:
        if not isinstance(trace, dict):
            continue
        folders, tags, when = _trace_text(trace)
        section.rows.append(
            [
                label,
                path,
                str(trace.get("output_name") or "-"),
                str(trace.get("images") if trace.get("images") is not None else "-"),
                folders or "-",
                tags or "-",
                when or "-",
                str(used.get(media_id, 0)),
            ]
        )
    return section
