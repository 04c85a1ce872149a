"""Deleted files: recovered where the file system still points to the content, an error where
the content is gone or now belongs to another file; orphans; volumes without a partition table."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.builders import small_jpeg
from tests.disk import images
from tests.disk.conftest import sha
from tests.disk.images import MiB

Records = dict[str, dict[str, Any]]
punched_jpeg = small_jpeg(60, (240, 180))


@pytest.fixture(scope="module")
def ext_deleted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    root = tmp_path_factory.mktemp("extdel")
    pics = {n: small_jpeg(50 + i, (240, 180)) for i, n in enumerate(("kept", "gone", "orphan"))}
    folder = root / "files"
    (folder / "dcim").mkdir(parents=True)
    for name, data in pics.items():
        (folder / "dcim" / f"{name}.jpg").write_bytes(data)
    (folder / "dcim" / "punched.jpg").write_bytes(punched_jpeg)
    volume = images.ext_volume(root / "stick.ext4", 6 * MiB, folder)
    inode = re.search(r"Inode:\s*(\d+)", images.debugfs(volume, "stat /dcim/orphan.jpg"))
    assert inode is not None
    images.debugfs(
        volume,
        "rm /dcim/gone.jpg",  # the directory entry and the inode are freed, the blocks kept
        "punch /dcim/punched.jpg 0",  # as the kernel does: the blocks are released first
        "sif /dcim/punched.jpg size 0",
        "rm /dcim/punched.jpg",
        "unlink /dcim/orphan.jpg",  # the name goes; the inode, then freed, has none
        f"freei <{inode.group(1)}>",
    )
    return volume, pics


def test_deleted_ext4_files_on_a_disk_without_partition_table(
    ext_deleted: tuple[Path, dict[str, bytes]], scan_image: Callable[..., Records]
) -> None:
    volume, pics = ext_deleted
    recs = scan_image(volume)
    name = volume.name
    image = recs[name]["image"]
    assert image["partition_table"] is None
    assert image["volumes"][0]["file_system"] == "ext4"
    kept = recs[f"{name}!/dcim/kept.jpg"]
    assert kept["sha256"] == sha(pics["kept"]) and not kept["deleted"]
    gone = recs[f"{name}!/dcim/gone.jpg"]
    assert gone["deleted"] and gone["sha256"] == sha(pics["gone"]) and gone["errors"] == []
    punched = recs[f"{name}!/dcim/punched.jpg"]
    assert punched["deleted"] and punched["sha256"] is None
    assert any("content is gone" in e for e in punched["errors"])
    # Its blocks are free now: the carver finds the picture there.
    carved = [r for r in recs.values() if r["carved"]]
    assert [r["sha256"] for r in carved] == [sha(punched_jpeg)]
    # Unlinked then freed: ext leaves the old name in the directory block, and TSK finds it.
    unlinked = recs[f"{name}!/dcim/orphan.jpg"]
    assert unlinked["deleted"] and unlinked["sha256"] == sha(pics["orphan"])


def test_a_deleted_file_whose_clusters_were_reused_says_it_is_overwritten(
    scan_image: Callable[..., Records], tmp_path: Path
) -> None:
    first, second = small_jpeg(70, (320, 240)), small_jpeg(71, (320, 240))
    volume = images.fat_volume(tmp_path / "card.fat", 4 * MiB, {"DCIM/first.jpg": first}, bits=12)
    images.run("mdel", "-i", volume, "::/DCIM/first.jpg")
    src = tmp_path / "second.jpg"
    src.write_bytes(second)
    images.run("mcopy", "-i", volume, src, "::/second.jpg")  # takes the freed clusters
    recs = scan_image(volume)
    name = volume.name
    assert recs[f"{name}!/second.jpg"]["sha256"] == sha(second)
    deleted = [r for r in recs.values() if r["deleted"]]
    assert len(deleted) == 1
    assert any("overwritten" in e for e in deleted[0]["errors"]), deleted[0]["errors"]
    assert recs[name]["image"]["volumes"][0]["file_system"] == "FAT12"
