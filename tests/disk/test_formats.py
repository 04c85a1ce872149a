"""Every media format reads the same disk: partitions, file systems, deleted and carved files,
the download origin and the image object; segments belong to their image; evidence unchanged."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.disk.conftest import Reference, sha
from tests.disk.images import MiB, sha256, tsk_names

FORMATS = {
    "raw": "raw",
    "ewf": "ewf",
    "ewf segments": "ewf",
    "split raw": "split raw",
    "split raw (aa)": "split raw",
    "vmdk": "vmdk",
    "vpc": "vhd",
    "vhdx": "vhdx",
    "qcow2": "qcow2",
}


def _state(folder: Path) -> dict[str, tuple[int, int, str]]:
    """What a scan must not change in the evidence folder: names, sizes, mtimes and bytes."""
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns, sha256(p))
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def expected(ref: Reference) -> dict[str, str]:
    fat, _, _ = (p.start for p in ref.disk.parts)
    pics = ref.pictures
    return {
        "p1/Pictures/cat.jpg": sha(pics["cat"]),
        "p2/barn.jpg": sha(pics["download"]),
        "p3/photos/lake.png": sha(pics["lake"]),
        f"p1/$Carved/{fat + 12 * MiB}.jpg": sha(pics["planted"]),
        f"$Carved/{ref.raw.stat().st_size - MiB}.png": sha(pics["outside"]),
    }


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_format_reads_the_whole_disk(
    formats: Reference, scan_image: Callable[..., dict[str, dict[str, Any]]], fmt: str
) -> None:
    path = formats.formats[fmt]
    folder = path.parent
    before = _state(folder)
    recs = scan_image(path)
    assert _state(folder) == before, "the scan changed the evidence"
    name = path.name
    members = {k.split("!/", 1)[1]: r for k, r in recs.items() if k.startswith(f"{name}!/")}
    for address, digest in expected(formats).items():
        assert address in members, f"{address} missing from {sorted(members)}"
        assert members[address]["sha256"] == digest, address
        assert members[address]["errors"] == [], (address, members[address]["errors"])
    deleted = [a for a, r in members.items() if r["deleted"]]
    assert any(members[a]["sha256"] == sha(formats.pictures["gone"]) for a in deleted)
    carved = {a for a, r in members.items() if r["carved"]}
    assert carved == {a for a in expected(formats) if "$Carved" in a}, "false starts recorded"
    for address in carved:
        assert members[address]["image_offset"] == int(address.rsplit("/", 1)[1].split(".")[0])
    origin = members["p2/barn.jpg"]["download_origin"]
    assert origin["source"] == "Zone.Identifier" and origin["zone_id"] == 3
    assert origin["host_url"] == "https://cdn.example.org/a/barn.jpg"
    assert origin["referrer_url"] == "https://pictures.example.org/gallery"
    assert "p2/barn.jpg:Zone.Identifier" in members

    image = recs[name]["image"]
    assert image["format"] == FORMATS[fmt]
    raw = formats.raw.read_bytes()
    assert image["media_size"] == len(raw)
    assert image["computed_md5"] == hashlib.md5(raw).hexdigest()
    assert image["computed_sha1"] == hashlib.sha1(raw).hexdigest()
    assert image["partition_table"] == "MBR"
    assert [v["name"] for v in image["volumes"]] == ["p1", "p2", "p3"]
    assert [v["file_system"] for v in image["volumes"]] == ["FAT16", "NTFS", "ext4"]
    assert [v["offset"] for v in image["volumes"]] == [p.start for p in formats.disk.parts]
    if FORMATS[fmt] == "ewf":
        assert image["verified"] is True
        assert image["stored_md5"] == image["computed_md5"]
        assert image["stored_sha1"] == image["computed_sha1"]
        assert image["case_number"] == "CASE-42" and image["examiner"] == "Examiner Test"
        assert image["evidence_number"] == "EV-7" and image["notes"] == "benign test disk"
    else:
        assert image["verified"] is None
    assert recs[name]["errors"] == []

    segments = formats.segments.get(fmt, [])
    if segments:
        assert len(segments) > 1
        assert image["segments"] == [p.name for p in segments]
        for number, segment in enumerate(segments[1:], start=2):
            record = recs[segment.name]
            assert record["image"] == {"segment_of": name, "segment": number}
            assert record["sha256"] == sha256(segment) and record["errors"] == []
            assert not any(k.startswith(f"{segment.name}!/") for k in recs), "segment opened"


@pytest.mark.slow
def test_names_match_the_sleuth_kit(
    reference: Reference, scan_image: Callable[..., dict[str, dict[str, Any]]]
) -> None:
    recs = scan_image(reference.raw)
    for number, part in enumerate(reference.disk.parts, start=1):
        ours = {
            k.split(f"!/p{number}/", 1)[1]
            for k, r in recs.items()
            if f"!/p{number}/" in k and not r["deleted"] and not r["carved"]
        }
        theirs = tsk_names(reference.raw, part.start)
        # TSK lists NTFS system files and the FAT volume label, which are not evidence files.
        theirs = {n for n in theirs if not n.startswith("$") and "Volume Label" not in n}
        assert ours == theirs, number


def test_a_disk_image_is_found_inside_a_folder_and_inside_an_archive(
    reference: Reference,
    scan_image: Callable[..., dict[str, dict[str, Any]]],
    tmp_path: Path,
) -> None:
    import zipfile

    folder = tmp_path / "seized"
    folder.mkdir()
    os.link(reference.raw, folder / "stick.img")
    with zipfile.ZipFile(folder / "backup.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(reference.raw, "images/stick.dd")
    recs = scan_image(folder)
    digest = sha(reference.pictures["cat"])
    for image in ("stick.img", "backup.zip!/images/stick.dd"):
        assert recs[f"{image}!/p1/Pictures/cat.jpg"]["sha256"] == digest
        assert recs[f"{image}!/p1/Pictures/cat.jpg"]["container"] == image
        assert (
            recs[image]["image"]["computed_md5"]
            == hashlib.md5(reference.raw.read_bytes()).hexdigest()
        )
    assert not list((tmp_path).glob("**/image-*")), "nothing written beside the evidence"


@pytest.mark.slow
def test_rescanning_an_image_resumes_without_doubling(reference: Reference, tmp_path: Path) -> None:
    from synthtrace.case import create_case
    from synthtrace.export.records import iter_records
    from synthtrace.scan.service import scan_evidence

    with create_case(tmp_path / "case", name="resume", examiner="tester") as case:
        first = scan_evidence(case, reference.raw, "disk", workers=1)
        again = scan_evidence(case, reference.raw, "disk", workers=1)
        with case.sessions() as s:
            paths = [r["path"] for r in iter_records(s)]
    assert again.resumed and again.files == 0
    assert len(paths) == len(set(paths)) == first.files
