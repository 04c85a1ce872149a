"""The safetensors header: an 8-byte little-endian length, then that many bytes of JSON naming each
tensor (dtype, shape, data offsets) and an optional `__metadata__` string map.

Read by hand rather than with the `safetensors` package, which needs a framework to load tensors
and would map the whole file: only the header is read here, after its claimed length is checked
against the file size and the limit (a header claiming 2^63 bytes is an error, not an allocation).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

DTYPES = {
    "F64",
    "F32",
    "F16",
    "BF16",
    "I64",
    "I32",
    "I16",
    "I8",
    "U8",
    "BOOL",
    "F8_E4M3",
    "F8_E5M2",
    "U16",
    "U32",
    "U64",
    "F8_E8M0",
    "F4",
    "F6_E2M3",
    "F6_E3M2",
    "C64",
}


class SafetensorsError(ValueError):
    """The header is damaged, oversized or inconsistent with the file."""


@dataclass
class SafetensorsHeader:
    header_bytes: int  # N: the data section starts at 8 + N
    metadata: dict[str, str] = field(default_factory=dict)
    tensors: int = 0
    parameters: int = 0
    names: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # inconsistencies worth telling


EXTENSIONS = (".safetensors", ".sft")


def looks_like_safetensors(head: bytes, size: int, name: str = "") -> bool:
    """Cheap test on the first bytes: a header length, then a JSON object. A length the file
    cannot hold is still a (broken) safetensors file when the name says so, and an error."""
    if len(head) < 10 or size < 10 or head[8:9] != b"{":
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return n >= 2 and (n <= size - 8 or name.lower().endswith(EXTENSIONS))


def read_header(stream: BinaryIO, size: int, limit: int) -> SafetensorsHeader:
    raw = stream.read(8)
    if len(raw) < 8:
        raise SafetensorsError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", raw)
    if n > size - 8:
        raise SafetensorsError(f"header claims {n} bytes but the file has {size - 8} after it")
    if n > limit:
        raise SafetensorsError(f"header of {n} bytes exceeds the {limit}-byte limit; not read")
    body = stream.read(n)
    if len(body) < n:
        raise SafetensorsError("file ends inside the header")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise SafetensorsError(f"header is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise SafetensorsError("header is JSON but not an object")
    header = SafetensorsHeader(header_bytes=n)
    meta = doc.pop("__metadata__", None)
    if isinstance(meta, dict):
        header.metadata = {
            str(k): v if isinstance(v, str) else json.dumps(v) for k, v in meta.items()
        }
    elif meta is not None:
        header.problems.append("__metadata__ is not an object")
    data_size = size - 8 - n
    for name, info in doc.items():
        _check_tensor(name, info, data_size, header)
    return header


def _check_tensor(name: str, info: Any, data_size: int, header: SafetensorsHeader) -> None:
    if not isinstance(info, dict):
        header.problems.append(f"tensor {name!r} has no description")
        return
    header.tensors += 1
    header.names.append(name)
    shape = info.get("shape")
    if isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape):
        header.parameters += math.prod(shape)
    elif len(header.problems) < 20:
        header.problems.append(f"tensor {name!r} has an invalid shape")
    offsets = info.get("data_offsets")
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) for o in offsets)
        or not 0 <= offsets[0] <= offsets[1] <= data_size
    ) and len(header.problems) < 20:
        header.problems.append(f"tensor {name!r} points outside the data section")
    dtype = info.get("dtype")
    known = isinstance(dtype, str) and dtype in DTYPES  # a list or object is no dtype (unhashable)
    if not known and len(header.problems) < 20:
        header.problems.append(f"tensor {name!r} has unknown dtype {dtype!r:.100}")
