"""Disk images for the tests, built without mounting by the Debian tools scripts/system-deps.sh
installs in `test` mode (mtools, dosfstools, e2fsprogs, ntfs-3g, fdisk, ewf-tools, qemu-utils).
Benign pictures only."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MiB = 1024 * 1024
SECTOR = 512


def need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (scripts/system-deps.sh test installs them)")


def run(*cmd: str | Path, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {done.stderr or done.stdout}")
    return done.stdout


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(MiB):
            h.update(chunk)
    return h.hexdigest()


def blank(path: Path, size: int) -> Path:
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def put(image: Path, offset: int, data: bytes) -> None:
    """Write bytes at an offset of an image file (free space the tests plant pictures in)."""
    with image.open("r+b") as fh:
        fh.seek(offset)
        fh.write(data)


def fat_volume(
    path: Path,
    size: int,
    files: dict[str, bytes],
    deleted: tuple[str, ...] = (),
    bits: int = 16,
) -> Path:
    """A FAT volume with `files` ("dir/name" -> bytes); `deleted` are copied, then removed with
    mdel, which leaves their directory entries and clusters as FAT does."""
    need("mkfs.vfat", "mcopy", "mmd", "mdel")
    blank(path, size)
    run(
        "mkfs.vfat",
        "-F",
        str(bits),
        "-S",
        "512",
        "-s",
        "1" if bits != 12 else "4",
        "-n",
        "TEST",
        path,
    )
    made: set[str] = set()
    staging = path.with_suffix(".files")
    staging.mkdir(exist_ok=True)
    for name, data in files.items():
        parts = name.split("/")
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            if folder not in made:
                run("mmd", "-i", path, f"::/{folder}")
                made.add(folder)
        src = staging / parts[-1]
        src.write_bytes(data)
        run("mcopy", "-i", path, src, f"::/{name}")
    for name in deleted:
        run("mdel", "-i", path, f"::/{name}")
    shutil.rmtree(staging)
    return path


def ntfs_volume(
    path: Path, size: int, files: dict[str, bytes], streams: dict[tuple[str, str], bytes]
) -> Path:
    """An NTFS volume with files at its root and named streams on them (ntfscp -N)."""
    need("mkntfs", "ntfscp")
    blank(path, size)
    run("mkntfs", "-q", "-F", "-f", "-L", "TEST", path)
    staging = path.with_suffix(".files")
    staging.mkdir(exist_ok=True)
    for name, data in files.items():
        src = staging / name
        src.write_bytes(data)
        run("ntfscp", "-q", "-f", path, src, name)
    for (name, stream), data in streams.items():
        src = staging / f"{name}.{stream}"
        src.write_bytes(data)
        run("ntfscp", "-q", "-f", "-N", stream, path, src, name)
    shutil.rmtree(staging)
    return path


def ext_volume(path: Path, size: int, folder: Path, kind: str = "ext4") -> Path:
    """An ext2/3/4 volume filled from a folder by mke2fs -d (no mounting)."""
    need("mke2fs")
    blank(path, size)
    run("mke2fs", "-q", "-F", "-t", kind, "-b", "1024", "-d", folder, path)
    return path


def debugfs(path: Path, *requests: str) -> str:
    need("debugfs")
    out = ""
    for request in requests:
        out += run("debugfs", "-w", "-R", request, path)
    return out


@dataclass
class Part:
    volume: Path | None  # None: an empty partition
    size: int
    type: str  # sfdisk type: "c" FAT32 LBA, "6" FAT16, "7" NTFS, "83" Linux, or a GPT type
    start: int = 0  # filled in by disk()


@dataclass
class Disk:
    path: Path
    parts: list[Part] = field(default_factory=list)


def disk(
    path: Path, parts: list[Part], table: str = "dos", tail: int = 2 * MiB, logical: int = 0
) -> Disk:
    """A partitioned disk: `parts` in order, 1 MiB apart; with `logical` > 0 the last `logical`
    parts are logical partitions inside an extended one (MBR)."""
    need("sfdisk")
    pos = MiB
    lines = [f"label: {table}"]
    primary = parts[: len(parts) - logical] if logical else parts
    for part in primary:
        part.start = pos
        lines.append(f"start={pos // SECTOR}, size={part.size // SECTOR}, type={part.type}")
        pos += part.size + MiB
    if logical:
        ext_start = pos
        inner = pos + MiB
        for part in parts[len(parts) - logical :]:
            part.start = inner
            inner += part.size + MiB
        lines.append(f"start={ext_start // SECTOR}, size={(inner - ext_start) // SECTOR}, type=5")
        for part in parts[len(parts) - logical :]:
            lines.append(
                f"start={part.start // SECTOR}, size={part.size // SECTOR}, type={part.type}"
            )
        pos = inner
    blank(path, pos + tail)
    run("sfdisk", "-q", "--no-reread", "--no-tell-kernel", path, stdin="\n".join(lines) + "\n")
    for part in parts:
        if part.volume is not None:
            with part.volume.open("rb") as src, path.open("r+b") as dst:
                dst.seek(part.start)
                shutil.copyfileobj(src, dst, MiB)
    return Disk(path, parts)


def ewf(raw: Path, target: Path, segment_size: str | None = None, compress: bool = True) -> Path:
    """An E01 of `raw` with acquisition data and stored MD5 + SHA-1 (ewfacquire -u)."""
    need("ewfacquire")
    args = ["ewfacquire", "-u", "-q", "-t", str(target), "-C", "CASE-42", "-E", "EV-7"]
    args += ["-e", "Examiner Test", "-N", "benign test disk", "-D", "test disk", "-d", "sha1"]
    args += ["-c", "deflate:fast" if compress else "none", "-m", "fixed", "-M", "physical"]
    if segment_size:
        args += ["-S", segment_size]
    run(*args, raw)
    return target.with_suffix(".E01")


def convert(raw: Path, out: Path, fmt: str) -> Path:
    """qemu-img convert to vmdk, vhdx, vpc (VHD) or qcow2."""
    need("qemu-img")
    # force_size: a VHD keeps the raw size instead of rounding it to a CHS geometry.
    options = ["-o", "force_size=on"] if fmt == "vpc" else []
    run("qemu-img", "convert", "-q", "-f", "raw", "-O", fmt, *options, raw, out)
    return out


def split_raw(raw: Path, prefix: Path, size: int, numeric: bool = True) -> list[Path]:
    """`split` into .001, .002 ... (numeric) or .aa, .ab ... segments."""
    need("split")
    if numeric:
        run("split", "-b", str(size), "-d", "-a", "3", "--numeric-suffixes=1", raw, f"{prefix}.")
    else:
        run("split", "-b", str(size), "-a", "2", raw, f"{prefix}.")
    return sorted(prefix.parent.glob(prefix.name + ".*"))


def tsk_names(image: Path, offset: int, deleted: bool = False) -> set[str]:
    """File names The Sleuth Kit's fls lists in the file system at `offset` (regular files)."""
    need("fls")
    out = run("fls", "-r", "-p", "-F", "-o", str(offset // SECTOR), image)
    names = set()
    for line in out.splitlines():
        kind, _, rest = line.partition(":\t")
        if not kind.startswith("r/r"):
            continue
        if ("*" in kind) != deleted:
            continue
        names.add(rest.split("\t")[0])
    return names


# --- damage, for the hostile-image tests ---------------------------------------------------------


def fat16_first_cluster(volume: Path, name83: bytes) -> int:
    """First cluster of a file in the root directory of a FAT16 volume ("NAME    EXT")."""
    boot = volume.read_bytes()[:512]
    sector, reserved = boot[11] | boot[12] << 8, boot[14] | boot[15] << 8
    fats, root_entries = boot[16], boot[17] | boot[18] << 8
    fat_size = boot[22] | boot[23] << 8
    root = (reserved + fats * fat_size) * sector
    with volume.open("rb") as fh:
        fh.seek(root)
        table = fh.read(root_entries * 32)
    for i in range(0, len(table), 32):
        if table[i : i + 11] == name83:
            return table[i + 26] | table[i + 27] << 8
    raise LookupError(name83)


def fat16_loop(volume: Path, cluster: int, to: int) -> None:
    """Point FAT16 entry `cluster` at `to` in every FAT copy: a cluster chain that loops."""
    boot = volume.read_bytes()[:512]
    sector, reserved = boot[11] | boot[12] << 8, boot[14] | boot[15] << 8
    fats, fat_size = boot[16], boot[22] | boot[23] << 8
    for copy in range(fats):
        put(volume, (reserved + copy * fat_size) * sector + 2 * cluster, to.to_bytes(2, "little"))


def corrupt_mft_record(volume: Path, name: str) -> None:
    """Overwrite the attributes of the MFT record that names `name` (its 'FILE' signature stays)."""
    data = volume.read_bytes()
    needle = name.encode("utf-16-le")
    at = data.find(needle)
    while at != -1:
        record = at - at % 1024
        if data[record : record + 4] == b"FILE":
            put(volume, record + 56, bytes((i * 37 + 11) % 256 for i in range(900)))
            return
        at = data.find(needle, at + 1)
    raise LookupError(name)


def mbr_entry(image: Path, slot: int, start_sector: int, sectors: int, ptype: int) -> None:
    """Write MBR partition entry `slot` (0-3) by hand: sfdisk refuses a partition past the end."""
    entry = bytes([0, 0, 0, 0, ptype, 0, 0, 0]) + start_sector.to_bytes(4, "little")
    put(image, 446 + 16 * slot, entry + sectors.to_bytes(4, "little"))


def luks1(path: Path, plaintext: Path, passphrase: str) -> Path:
    """A LUKS1 volume holding `plaintext` (a file system image), without device-mapper: the
    header from cryptsetup, the payload encrypted here with the master key cryptsetup dumps
    (aes-xts-plain64: AES-XTS per 512-byte sector, the sector number as tweak)."""
    need("cryptsetup")
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    data = plaintext.read_bytes()
    blank(path, 2 * MiB + len(data))
    args = ["--type", "luks1", "-q", "--pbkdf-force-iterations", "1000", "--key-file", "-"]
    run(
        "cryptsetup",
        "luksFormat",
        "-c",
        "aes-xts-plain64",
        "-s",
        "256",
        *args,
        path,
        stdin=passphrase,
    )
    dump = run(
        "cryptsetup",
        "luksDump",
        "--dump-master-key",
        "-q",
        "--key-file",
        "-",
        path,
        stdin=passphrase,
    )
    offset = int(dump.split("Payload offset:")[1].split()[0]) * SECTOR
    key = bytes.fromhex("".join(dump.split("MK dump:")[1].split("\n\n")[0].split()))
    out = bytearray()
    for sector in range(len(data) // SECTOR):
        tweak = sector.to_bytes(16, "little")
        enc = Cipher(algorithms.AES(key), modes.XTS(tweak)).encryptor()
        out += enc.update(data[sector * SECTOR : (sector + 1) * SECTOR]) + enc.finalize()
    put(path, offset, bytes(out))
    return path
