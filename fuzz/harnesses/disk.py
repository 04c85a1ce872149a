"""Disk images: our EWF chunk reader (evidence/ewf.py) and the download-origin records the file
system keeps beside a file (evidence/origin.py).

- ewf: the input is one EWF segment file, written as `x.E01` in a throwaway folder and opened with
  `EwfMedia([path])`, as evidence/volumes.py (`_ewf_reader`) opens an image's segments. The
  constructor documents EwfError ("the segment files do not form an EWF image this reader can
  read"); the scan then leaves the image to libewf. Once open, reading documents no exception:
  a chunk that does not inflate, is cut short or fails its Adler-32 reads as zeros and is listed
  in `bad_chunks`. The harness reads the media as dfvfs does (seek, read), a bounded amount: the
  first and last bytes, and across the first chunks' edges; each read must return exactly the
  bytes asked for (up to the media's end).
- origin: the input is the bytes of a `Zone.Identifier` stream, a `com.apple.quarantine`
  attribute and a `kMDItemWhereFroms` attribute at once, given to parse_zone_identifier,
  parse_quarantine and parse_where_froms and merged as evidence/tskfs.py merges them. None of
  them documents an exception (each returns None for a record it cannot use); what they return
  becomes the file's `download_origin`, JSON in the export and the store.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from synthtrace.evidence.ewf import EwfError, EwfMedia
from synthtrace.evidence.origin import (
    merge,
    parse_quarantine,
    parse_where_froms,
    parse_zone_identifier,
)

_DIR = Path(tempfile.mkdtemp(prefix="synthtrace-fuzz-ewf-"))
atexit.register(shutil.rmtree, _DIR, True)
READ = 64 * 1024  # the most one read asks for
CHUNK_EDGES = 4  # the first chunks whose edges are read across


def _read(media: EwfMedia, offset: int, size: int) -> None:
    assert media.seek(offset) == offset
    data = media.read(size)
    assert isinstance(data, bytes)
    assert len(data) == max(0, min(size, media.size - offset)), (offset, size, len(data))
    assert media.tell() == offset + len(data)


def ewf_input(data: bytes) -> None:
    path = _DIR / "x.E01"
    path.write_bytes(data)
    try:
        media = EwfMedia([str(path)])
    except EwfError:
        return
    try:
        assert media.chunk_size > 0 and media.size > 0
        assert media.get_size() == media.size
        _read(media, 0, READ)
        _read(media, max(0, media.size - 512), READ)
        for index in range(1, CHUNK_EDGES + 1):
            edge = index * media.chunk_size
            if edge >= media.size:
                break
            _read(media, max(0, edge - 256), 512)
        assert all(isinstance(e, str) for e in media.errors)
        assert all(isinstance(o, int) and isinstance(w, str) for o, w in media.bad_chunks)
    finally:
        media.close()


def _check_origin(origin: dict[str, Any] | None) -> None:
    if origin is None:
        return
    json.dumps(origin, allow_nan=False)
    assert isinstance(origin["source"], str)
    assert origin["zone_id"] is None or isinstance(origin["zone_id"], int)
    for key in ("host_url", "referrer_url", "time", "agent", "zone"):
        assert origin.get(key) is None or isinstance(origin[key], str), (key, origin)


def origin_input(data: bytes) -> None:
    zone = parse_zone_identifier(data)
    quarantine = parse_quarantine(data)
    where = parse_where_froms(data)
    for found in (zone, quarantine, where):
        _check_origin(found)
    _check_origin(merge(zone, merge(quarantine, where)))
