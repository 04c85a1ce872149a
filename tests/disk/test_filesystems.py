"""Each file system and partition table: FAT32, ext2, ext3, NTFS without a table, GPT, XFS (through
dfvfs' own back-end), exFAT, an Apple partition map, and an encrypted volume recorded as such."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.builders import small_jpeg
from tests.disk import images
from tests.disk.conftest import sha
from tests.disk.images import MiB, Part

Records = dict[str, dict[str, Any]]
PICTURE = small_jpeg(90, (200, 150))


def _members(recs: Records, image: str) -> dict[str, dict[str, Any]]:
    return {k.split("!/", 1)[1]: r for k, r in recs.items() if k.startswith(f"{image}!/")}


def test_gpt_with_fat32_ext2_and_ext3(scan_image: Callable[..., Records], tmp_path: Path) -> None:
    fat32 = images.fat_volume(tmp_path / "a.fat", 34 * MiB, {"photo.jpg": PICTURE}, bits=32)
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(PICTURE)
    ext2 = images.ext_volume(tmp_path / "b.ext2", 4 * MiB, folder, kind="ext2")
    ext3 = images.ext_volume(tmp_path / "c.ext3", 4 * MiB, folder, kind="ext3")
    linux = "0FC63DAF-8483-4772-8E79-3D47D8E4"
    disk = images.disk(
        tmp_path / "gpt.raw",
        [
            Part(fat32, 34 * MiB, "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"),
            Part(ext2, 4 * MiB, linux + "7DE4"),
            Part(ext3, 4 * MiB, linux + "7DE4"),
        ],
        table="gpt",
    )
    recs = scan_image(disk.path)
    image = recs["gpt.raw"]["image"]
    assert image["partition_table"] == "GPT"
    assert [v["file_system"] for v in image["volumes"]] == ["FAT32", "ext2", "ext3"]
    assert [v["offset"] for v in image["volumes"]] == [p.start for p in disk.parts]
    members = _members(recs, "gpt.raw")
    for part in ("p1", "p2", "p3"):
        assert members[f"{part}/photo.jpg"]["sha256"] == sha(PICTURE), part


def test_ntfs_volume_without_partition_table(
    scan_image: Callable[..., Records], tmp_path: Path
) -> None:
    volume = images.ntfs_volume(tmp_path / "vol.ntfs", 8 * MiB, {"photo.jpg": PICTURE}, {})
    recs = scan_image(volume)
    assert recs["vol.ntfs"]["image"]["volumes"][0]["file_system"] == "NTFS"
    assert _members(recs, "vol.ntfs")["photo.jpg"]["sha256"] == sha(PICTURE)


def test_xfs_through_the_dfvfs_back_end(scan_image: Callable[..., Records], tmp_path: Path) -> None:
    images.need("mkfs.xfs")
    src = tmp_path / "photo.jpg"
    src.write_bytes(PICTURE)
    proto = tmp_path / "proto"
    proto.write_text(f"boot\n0 0\nd--755 0 0\npics d--755 0 0\nphoto.jpg ---644 0 0 {src}\n$\n$\n")
    volume = images.blank(tmp_path / "vol.xfs", 300 * MiB)
    images.run("mkfs.xfs", "-q", "-f", "-p", proto, volume)
    recs = scan_image(volume)
    info = recs["vol.xfs"]["image"]["volumes"][0]
    assert info["file_system"] == "XFS"
    members = _members(recs, "vol.xfs")
    assert members["pics/photo.jpg"]["sha256"] == sha(PICTURE)
    # This back-end gives no file extents: carving would find the live picture again, so none.
    assert info["carving"].startswith("not done")
    assert not any(r["carved"] for r in members.values())


def test_exfat_volume_is_identified_and_its_free_space_carved(
    scan_image: Callable[..., Records], tmp_path: Path
) -> None:
    # exfatprogs makes the volume but writes no files without mounting it (which a test
    # cannot): a picture is written into its free cluster heap instead, as a deleted one lies.
    images.need("mkfs.exfat")
    volume = images.blank(tmp_path / "vol.exfat", 16 * MiB)
    images.run("mkfs.exfat", "-L", "STICK", volume)
    boot = volume.read_bytes()[:512]
    sector_shift, cluster_shift = boot[108], boot[109]
    heap = int.from_bytes(boot[88:92], "little") << sector_shift
    at = heap + (64 << (sector_shift + cluster_shift))  # well past the bitmap and up-case table
    with volume.open("r+b") as fh:
        fh.seek(at)
        fh.write(PICTURE)
    recs = scan_image(volume)
    info = recs["vol.exfat"]["image"]["volumes"][0]
    assert info["file_system"] == "exFAT"
    carved = [r for r in _members(recs, "vol.exfat").values() if r["carved"]]
    assert [(r["sha256"], r["image_offset"]) for r in carved] == [(sha(PICTURE), at)]


def test_encrypted_volume_is_recorded_with_a_clear_error(
    scan_image: Callable[..., Records], tmp_path: Path
) -> None:
    if shutil.which("cryptsetup") is None:
        pytest.skip("needs cryptsetup (scripts/system-deps.sh test installs it)")
    volume = images.blank(tmp_path / "secret.img", 8 * MiB)
    images.run(
        "cryptsetup", "luksFormat", "--type", "luks1", "-q", "--pbkdf-force-iterations", "1000",
        "--key-file", "-", volume, stdin="a long test passphrase",
    )  # fmt: skip
    recs = scan_image(volume)
    record = recs["secret.img"]
    assert record["image"]["volumes"][0]["encrypted"] == "LUKS"
    assert record["image"]["volumes"][0]["locked"] is True
    assert any("LUKS-encrypted volume; not read" in e for e in record["errors"])
    assert not _members(recs, "secret.img"), "ciphertext is neither walked nor carved"


def test_apple_partition_map(scan_image: Callable[..., Records], tmp_path: Path) -> None:
    images.need("parted")
    fat = images.fat_volume(tmp_path / "mac.fat", 16 * MiB, {"photo.jpg": PICTURE})
    disk = images.blank(tmp_path / "mac.raw", 24 * MiB)
    images.run("parted", "-s", disk, "mklabel", "mac", "mkpart", "data", "fat32", "1MiB", "17MiB")
    with fat.open("rb") as src, disk.open("r+b") as dst:
        dst.seek(MiB)
        shutil.copyfileobj(src, dst)
    recs = scan_image(disk)
    image = recs["mac.raw"]["image"]
    assert image["partition_table"] == "APM"
    assert [(v["name"], v["offset"], v["file_system"]) for v in image["volumes"]] == [
        ("p1", MiB, "FAT16")
    ]
    assert _members(recs, "mac.raw")["p1/photo.jpg"]["sha256"] == sha(PICTURE)


def test_encrypted_volume_opens_with_its_password_and_never_with_a_wrong_one(
    tmp_path: Path,
) -> None:
    """Credentials reach the walk in its context (the scan command's --password/--key)."""
    from synthtrace.evidence import Entry, WalkContext, walk_evidence
    from synthtrace.limits import Limits

    fat = images.fat_volume(tmp_path / "plain.fat", 4 * MiB, {"secret.jpg": PICTURE})
    volume = images.luks1(tmp_path / "locked.img", fat, "a long test passphrase")
    fat.unlink()
    before = images.sha256(volume)

    def walk(credentials: dict[str, str]) -> dict[str, Entry]:
        ctx = WalkContext(Limits(), tmp_path / "spool", credentials=credentials)
        found = {}
        for item in walk_evidence(volume, ctx):
            if isinstance(item, Entry):
                if item.data is not None:
                    item.errors.append(sha(item.data))  # the content, before the walk drops it
                found[item.path] = item
        return found

    wrong = walk({"password": "not the passphrase"})
    assert list(wrong) == ["locked.img"]
    assert any(
        "none of the keys or passwords given opens it" in e for e in wrong["locked.img"].errors
    )
    right = walk({"password": "a long test passphrase"})
    assert right["locked.img!/secret.jpg"].errors == [sha(PICTURE)]
    image = right["locked.img"].image
    assert image is not None
    assert image["volumes"][0]["locked"] is False and image["volumes"][0]["file_system"] == "FAT16"
    assert images.sha256(volume) == before
