"""Cases for the review-app tests: benign pictures, and stored facts put where the passes put them.

Provenance, hash lists, clusters and model links are written straight into their tables (as the
provenance, matching and clustering passes would), so the queue's rules are tested on their own.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from synthtrace.case import Case
from synthtrace.demo.pictures import camera_exif, jpeg_bytes, landscape, texture
from synthtrace.store.db import transaction
from synthtrace.store.models import (
    Evidence,
    File,
    HashSet,
    Match,
    Media,
    MediaCluster,
    ModelLink,
)
from synthtrace.timefmt import now_utc

PASSWORD = "a long enough passphrase"
ROLES = ("reviewer", "investigator", "admin")


def evidence(case: Case, label: str, source: str = "/nonexistent", kind: str = "folder") -> int:
    with transaction(case.sessions) as s:
        ev = s.scalars(select(Evidence).where(Evidence.label == label)).first()
        if ev is None:
            ev = Evidence(label=label, source=source, kind=kind, added_at=now_utc())
            s.add(ev)
            s.flush()
        return ev.id


def add_media(
    case: Case,
    path: str,
    mime: str = "image/jpeg",
    label: str = "laptop",
    facts: dict[str, Any] | None = None,
    data: bytes | None = None,
    thumbnail: bool = False,
) -> int:
    """One media with one location; `data` only feeds its digests (nothing is written)."""
    raw = data if data is not None else path.encode()
    ev_id = evidence(case, label)
    with transaction(case.sessions) as s:
        sha = hashlib.sha256(raw).hexdigest()
        media = s.scalars(select(Media).where(Media.sha256 == sha)).first()
        if media is None:
            media = Media(
                sha256=sha,
                md5=hashlib.md5(raw).hexdigest(),
                sha1=hashlib.sha1(raw).hexdigest(),
                size=len(raw),
                mime=mime,
                thumbnail=thumbnail,
                errors=[],
                facts=facts or {},
            )
            s.add(media)
            s.flush()
        s.add(
            File(
                evidence_id=ev_id,
                path=path,
                kind="file",
                media_id=media.id,
                size=len(raw),
                depth=0,
                extension_mismatch=False,
                errors=[],
            )
        )
        return media.id


def generated(
    tool: str = "comfyui", model: str = "landscapeXL", img2img: bool = False
) -> dict[str, Any]:
    return {
        "provenance": {
            "generated": True,
            "tool": tool,
            "model_name": model,
            "img2img": img2img,
            "prompt": "a lighthouse on a cliff at dusk",
            "seed": 1234,
            "loras": [],
        }
    }


def camera() -> dict[str, Any]:
    return {"provenance": {"generated": False, "signals": [{"kind": "exif", "source": "camera"}]}}


def hashset(case: Case, name: str, known_good: bool = False, category: str | None = None) -> int:
    with transaction(case.sessions) as s:
        hs = HashSet(
            name=name,
            format="csv",
            known_good=known_good,
            default_category=category,
            imported_at=now_utc(),
        )
        s.add(hs)
        s.flush()
        return hs.id


def match(case: Case, media_id: int, hashset_id: int, category: str | None = None) -> None:
    with transaction(case.sessions) as s:
        s.add(
            Match(
                media_id=media_id,
                hashset_id=hashset_id,
                hash_type="md5",
                distance=0,
                category=category,
            )
        )


def cluster(case: Case, cluster_id: int, media_ids: list[int]) -> None:
    with transaction(case.sessions) as s:
        for mid in media_ids:
            s.merge(MediaCluster(media_id=mid, cluster_id=cluster_id, cluster_size=len(media_ids)))


def link(case: Case, image_id: int, model_id: int, role: str = "lora", how: str = "hash") -> None:
    with transaction(case.sessions) as s:
        s.add(
            ModelLink(
                image_media_id=image_id,
                model_media_id=model_id,
                role=role,
                match=how,
                hash_kind="autov2" if how == "hash" else None,
                detail="a1b2c3d4e5",
            )
        )


def picture_folder(root: Path) -> Path:
    """A small benign device: camera photos, a near-duplicate pair, a zip, a text file."""
    import zipfile

    root.mkdir(parents=True, exist_ok=True)
    (root / "DCIM").mkdir()
    (root / "DCIM" / "IMG_0001.jpg").write_bytes(
        jpeg_bytes(landscape(1), 90, camera_exif("Canon", "EOS 80D", "2023:06:01 10:15:00"))
    )
    (root / "DCIM" / "IMG_0002.jpg").write_bytes(jpeg_bytes(landscape(2), 90))
    (root / "DCIM" / "IMG_0002_small.jpg").write_bytes(
        jpeg_bytes(landscape(2).resize((320, 240)), 70)
    )
    (root / "pattern.png").write_bytes(png_bytes(texture(3, (256, 256))))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("walks/hills.jpg", jpeg_bytes(landscape(4), 85))
    (root / "Downloads").mkdir()
    (root / "Downloads" / "walks.zip").write_bytes(buf.getvalue())
    (root / "notes.txt").write_bytes(b"bread, coffee, film for the camera\n")
    return root


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def media_id_of(case: Case, path: str) -> int:
    with case.sessions() as s:
        mid = s.scalars(select(File.media_id).where(File.path == path)).first()
    assert mid is not None, path
    return mid
