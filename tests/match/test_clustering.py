"""Near-duplicate clusters on crafted copies of benign pictures: right, and never merged."""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance
from sqlalchemy import select

from synthtrace.case import Case
from synthtrace.demo.pictures import jpeg_bytes, landscape, png_bytes
from synthtrace.match.clustering import cluster_case, cluster_labels
from synthtrace.match.pdqindex import hex_to_codes
from synthtrace.store.models import File, MediaCluster
from synthtrace.summary import case_summary
from tests.conftest import anchors
from tests.match.conftest import picture, scan, write_device


def variants(img: Image.Image) -> dict[str, bytes]:
    """Resized, recompressed, brighter, rotated and mirrored copies of one picture."""
    return {
        "resized.jpg": jpeg_bytes(img.resize((img.width // 2, img.height // 2)), 85),
        "recompressed.jpg": jpeg_bytes(img, 35),
        "brighter.jpg": jpeg_bytes(ImageEnhance.Brightness(img).enhance(1.25), 90),
        "rotated.png": png_bytes(img.transpose(Image.Transpose.ROTATE_90)),
        "mirrored.jpg": jpeg_bytes(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 90),
    }


def clusters_by_file(case: Case) -> dict[str, tuple[int, int]]:
    with case.sessions() as s:
        rows = s.execute(
            select(File.path, MediaCluster.cluster_id, MediaCluster.cluster_size).join(
                MediaCluster, MediaCluster.media_id == File.media_id
            )
        )
        return {path: (cid, size) for path, cid, size in rows}


def test_copies_cluster_together_across_devices_and_nothing_else_merges(
    case: Case, tmp_path: Path
) -> None:
    bases = {
        "cat": picture("chelsea", 1),
        "coffee": picture("coffee", 2),
        "rocket": picture("rocket", 3),
        "coins": picture("coins", 4),
        "hills": landscape(30),
        "valley": landscape(31),
    }
    one: dict[str, bytes] = {}
    two: dict[str, bytes] = {}
    for name, img in bases.items():
        one[f"{name}/original.jpg"] = jpeg_bytes(img, 92)
        for i, (kind, data) in enumerate(variants(img).items()):
            (one if i % 2 else two)[f"{name}/{kind}"] = data
    one["notes.txt"] = b"A list of lighthouses to visit.\n"
    write_device(tmp_path / "laptop", one)
    write_device(tmp_path / "phone", two)
    scan(case, tmp_path / "laptop", "laptop")
    scan(case, tmp_path / "phone", "phone")
    found = clusters_by_file(case)
    groups: dict[str, set[int]] = defaultdict(set)
    for path, (cid, size) in found.items():
        groups[path.split("/")[0]].add(cid)
        if path != "notes.txt":
            assert size == 6, path
    assert all(len(ids) == 1 for name, ids in groups.items() if name in bases), groups
    assert len({next(iter(groups[n])) for n in bases}) == len(bases)  # no two bases merged
    assert found["notes.txt"][1] == 1  # not a picture: a cluster of its own
    summary = case_summary(case)
    section = next(s for s in summary.sections if s.title.startswith("Near-duplicate"))
    assert len(section.rows) == len(bases)
    assert all(row[3] == "2" and row[4] == "laptop, phone" for row in section.rows)


def test_reference_edits_and_rotations_form_one_cluster(case: Case, tmp_path: Path) -> None:
    pdq = anchors() / "ThreatExchange" / "pdq"
    dev = tmp_path / "dev"
    for sub in ("bridge-mods", "dih", "misc"):
        shutil.copytree(pdq / sub, dev / sub)
    scan(case, dev, "dev")
    found = clusters_by_file(case)
    paths = [p for p in found if p.startswith(("bridge-mods/", "dih/"))]
    distinct = {hashlib.sha256((dev / p).read_bytes()).digest() for p in paths}
    assert len(paths) == 20 and len(distinct) == 19  # aaa-orig and bridge-1-original are one
    assert {found[p] for p in paths} == {(found[paths[0]][0], 19)}
    others = {p: found[p] for p in found if p.startswith("misc/")}
    assert all(size == 1 for _, size in others.values())  # low quality or unrelated
    assert len({cid for cid, _ in others.values()}) == len(others)


def test_rerun_is_idempotent_and_ids_are_stable(case: Case, tmp_path: Path) -> None:
    img = picture("coffee", 2)
    write_device(tmp_path / "a", {"coffee.jpg": jpeg_bytes(img, 90)})
    write_device(tmp_path / "b", {"coffee_small.jpg": jpeg_bytes(img.resize((200, 133)), 60)})
    scan(case, tmp_path / "a", "a")
    first = clusters_by_file(case)
    assert cluster_case(case).skipped
    scan(case, tmp_path / "b", "b")
    after = clusters_by_file(case)
    assert after["coffee.jpg"][0] == first["coffee.jpg"][0]
    assert after["coffee_small.jpg"] == (first["coffee.jpg"][0], 2)
    again = cluster_case(case, force=True)
    assert again.changed == 0


def test_labels_on_synthetic_hashes_with_orientations() -> None:
    """Media 0 and 1 meet only through a rotation; media 2 is unrelated; chains are followed."""
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**64, (3, 8, 4), dtype=np.uint64, endpoint=False)
    base[1, 0] = base[0, 3]  # media 1's plain hash is media 0 turned (orientation 3)
    base[1, 0, 0] ^= np.uint64(0b111)
    chain = base[0, 0].copy()
    chain[1] ^= np.uint64((1 << 30) - 1)  # 30 bits from media 0: a neighbour
    codes = np.concatenate([base.reshape(-1, 4), chain[None, :]])
    owners = np.array([[i // 8 for i in range(24)] + [3], [i % 8 for i in range(24)] + [0]])
    labels = cluster_labels(codes, owners, 4, 31)
    assert labels[0] == labels[1] == labels[3] != labels[2]
    assert hex_to_codes(["0" * 64]).shape == (1, 4)
