#!/usr/bin/env bash
# Installs the Debian packages synthtrace needs, only when they are missing.
#   libmagic1  - content typing (python-magic)
#   chromium   - browser tests (Playwright drives Debian's Chromium; its own download is not used)
#   libpango-1.0-0, libpangoft2-1.0-0, fonts-dejavu-core - `synthtrace report -o FILE.pdf`
#                (WeasyPrint lays the PDF out with Pango; the report's font is DejaVu Sans)
#   poppler-utils - the report tests read the PDF back with pdftotext (test only)
#   hashdeep   - benchmarks/throughput_bench.py times it as the baseline (bench only)
#   postgresql - (initdb, pg_ctl) `make test` runs the suite again on a PostgreSQL server it starts itself
#                (tests/pgserver.py); benchmarks/web_bench.py --database postgresql (test, bench)
#   libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev libavfilter-dev
#   pkg-config g++ cmake - Meta's `vpdq` (dev extra) has no wheel on PyPI: pip builds it from
#                source against Debian's FFmpeg. The tests compare our vPDQ with it and
#                benchmarks/video_bench.py times it (test, bench)
#   ffmpeg     - the video tests and benchmarks/video_bench.py make benign clips with its lavfi
#                sources; the benchmark times `ffmpeg -i X -f null -` as the decode floor (test, bench)
# Disk-image tests (tests/disk/) build their images without mounting (test, bench):
#   mtools, dosfstools - FAT volumes (mkfs.vfat, mcopy, mmd; mdel leaves a deleted entry)
#   e2fsprogs  - ext2/3/4 volumes filled by mke2fs -d; debugfs deletes, punches, frees inodes
#   ntfs-3g    - NTFS volumes (mkntfs), files and named streams (ntfscp, -N Zone.Identifier)
#   fdisk      - sfdisk writes MBR (with extended partitions) and GPT tables on image files
#   ewf-tools  - ewfacquire makes E01 images with stored hashes, in segments with -S
#   qemu-utils - qemu-img convert to VMDK, VHD, VHDX and QCOW2
#   sleuthkit  - fls checks our file listing against The Sleuth Kit's
#   testdisk   - PhotoRec (photorec), the baseline of benchmarks/carve_bench.py
#   xfsprogs   - an XFS volume filled from a prototype file (mkfs.xfs -p)
#   exfatprogs - an exFAT volume (mkfs.exfat on an image file)
#   cryptsetup-bin - a LUKS volume (luksFormat on an image file), recorded as encrypted
#   parted     - an Apple partition map (mklabel mac) on an image file
# `make demo` builds its stick-C device as an E01 the same way, so mtools, dosfstools, ntfs-3g,
# fdisk and ewf-tools are installed in every mode (src/synthtrace/demo/stick.py).
# Usage: scripts/system-deps.sh [runtime|test|bench]
set -euo pipefail
want=(libmagic1 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
video_build=(libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev
  libavfilter-dev pkg-config g++ cmake ffmpeg)
[ "${1:-runtime}" = "test" ] && want+=(chromium fonts-dejavu-core poppler-utils postgresql "${video_build[@]}")
[ "${1:-runtime}" = "bench" ] && want+=(hashdeep postgresql "${video_build[@]}")
disk_tools=(mtools dosfstools e2fsprogs ntfs-3g fdisk ewf-tools qemu-utils sleuthkit testdisk
  xfsprogs exfatprogs cryptsetup-bin parted)
[ "${1:-runtime}" != "runtime" ] && want+=("${disk_tools[@]}")
want+=(mtools dosfstools ntfs-3g fdisk ewf-tools)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
