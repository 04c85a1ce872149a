"""Hostile images: each damage is a clear error on the record concerned, the scan goes on and
records everything readable, in bounded memory and time."""

from __future__ import annotations

import os
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.builders import small_jpeg
from tests.disk import images
from tests.disk.conftest import Reference, sha
from tests.disk.images import MiB, Part

Records = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("hostile")
    pics = {"ok": small_jpeg(41), "fine": small_jpeg(43), "lake": small_jpeg(44)}
    fat = images.fat_volume(
        root / "p1.fat", 8 * MiB, {"loop.bin": os.urandom(20_000), "ok.jpg": pics["ok"]}
    )
    first = images.fat16_first_cluster(fat, b"LOOP    BIN")
    images.fat16_loop(fat, first + 10, first + 2)
    ntfs = images.ntfs_volume(
        root / "p2.ntfs", 8 * MiB, {"bogus.jpg": small_jpeg(42), "fine.jpg": pics["fine"]}, {}
    )
    images.corrupt_mft_record(ntfs, "bogus.jpg")
    folder = root / "ext"
    folder.mkdir()
    (folder / "big.bin").write_bytes(b"small really\n")
    (folder / "lake.jpg").write_bytes(pics["lake"])
    ext = images.ext_volume(root / "p3.ext4", 8 * MiB, folder)
    images.debugfs(ext, "sif /big.bin size 1099511627776")
    disk = images.disk(
        root / "hostile.raw",
        [Part(fat, 8 * MiB, "6"), Part(ntfs, 8 * MiB, "7"), Part(ext, 8 * MiB, "83")],
    )
    end = disk.path.stat().st_size // 512
    images.mbr_entry(disk.path, 3, end - 2048, 8 * 1024 * 1024, 0x83)  # 4 GiB on a 30 MB disk
    return disk.path, pics


@pytest.mark.slow
def test_damaged_file_systems_and_table(
    hostile: tuple[Path, dict[str, bytes]], scan_image: Callable[..., Records]
) -> None:
    path, pics = hostile
    before = images.sha256(path)
    started = time.monotonic()
    recs = scan_image(path)
    assert time.monotonic() - started < 120
    assert images.sha256(path) == before
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 1024 * 1024  # KiB: under 1 GB
    name = path.name
    for address, key in (("p1/ok.jpg", "ok"), ("p2/fine.jpg", "fine"), ("p3/lake.jpg", "lake")):
        assert recs[f"{name}!/{address}"]["sha256"] == sha(pics[key]), address
        assert recs[f"{name}!/{address}"]["errors"] == []
    loop = recs[f"{name}!/p1/loop.bin"]
    assert loop["errors"], "a cluster loop must be said"
    bogus = recs[f"{name}!/p2/bogus.jpg"]
    assert bogus["errors"] and bogus["sha256"] is None, bogus
    big = recs[f"{name}!/p3/big.bin"]
    assert big["sha256"] is None
    assert any("1099511627776 bytes, more than" in e for e in big["errors"])
    image = recs[name]
    assert [v["name"] for v in image["image"]["volumes"]] == ["p1", "p2", "p3", "p4"]
    assert any("partition p4 runs past the end of the disk" in e for e in image["errors"])


def _damaged_copy(source: Path, target: Path, needle: bytes) -> Path:
    data = bytearray(source.read_bytes())
    at = data.find(needle)
    assert at != -1, "the test text is stored as is in an uncompressed E01"
    data[at : at + len(needle)] = bytes(b ^ 0x5A for b in needle)
    target.write_bytes(bytes(data))
    return target


@pytest.mark.slow
def test_e01_with_bad_chunks_fails_verification_and_keeps_everything_readable(
    reference: Reference,
    scan_image: Callable[..., Records],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("badchunk")
    clean = images.ewf(reference.raw, root / "clean", compress=False)
    bad = _damaged_copy(clean, root / "bad.E01", b"a red barn in a field\n" * 4)
    recs = scan_image(bad)
    image = recs["bad.E01"]["image"]
    assert image["verified"] is False
    assert image["stored_md5"] != image["computed_md5"]
    assert any("acquisition hash mismatch" in e for e in recs["bad.E01"]["errors"])
    assert any("EWF chunks are damaged" in e and "Adler-32" in e for e in recs["bad.E01"]["errors"])
    cat = recs["bad.E01!/p1/Pictures/cat.jpg"]
    assert cat["sha256"] == sha(reference.pictures["cat"]) and cat["errors"] == []


@pytest.mark.slow
def test_e01_missing_its_last_segment_is_an_error_and_the_start_is_still_read(
    formats: Reference, scan_image: Callable[..., Records], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("truncated")
    for segment in formats.segments["ewf segments"][:-1]:
        shutil.copy(segment, root / segment.name)
    recs = scan_image(root / "disk.E01")
    record = recs["disk.E01"]
    # The hashes EWF stores sit in the last segment: gone, so nothing to verify against.
    assert record["image"]["stored_md5"] is None and record["image"]["verified"] is None
    assert any("a segment is missing or cut" in e for e in record["errors"]), record["errors"]
    cat = recs["disk.E01!/p1/Pictures/cat.jpg"]
    assert cat["sha256"] == sha(formats.pictures["cat"]) and cat["errors"] == []


@pytest.mark.slow
def test_cut_e01_is_an_error_and_the_scan_goes_on(
    formats: Reference, scan_image: Callable[..., Records], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("cut")
    full = formats.formats["ewf"]
    with full.open("rb") as src, (root / "cut.E01").open("wb") as dst:
        dst.write(src.read(full.stat().st_size * 6 // 10))
    (root / "note.txt").write_text("beside the image\n")
    recs = scan_image(root)
    record = recs["cut.E01"]
    assert record["sha256"] and any("the segment is cut" in e for e in record["errors"])
    assert all(len(e) < 400 for e in record["errors"]), "back-end call stacks are cut short"
    assert recs["note.txt"]["errors"] == []


def test_a_later_segment_alone_is_a_file_that_says_so(
    formats: Reference, scan_image: Callable[..., Records], tmp_path: Path
) -> None:
    segment = formats.segments["ewf segments"][1]
    shutil.copy(segment, tmp_path / segment.name)
    recs = scan_image(tmp_path)
    record = recs[segment.name]
    assert record["sha256"] == images.sha256(segment)
    assert any("EWF segment 2 found without" in e for e in record["errors"])
    assert not any("!/" in k for k in recs)
