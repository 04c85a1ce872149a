"""The two ways vPDQ hashes travel between agencies' tools.

- ThreatExchange's vpdq output: one video per file, one line per hashed frame,
  `frame_number,quality,pdq_hex,timestamp` with the timestamp in seconds to three decimals
  (what `vpdq-hash-video` and the sample hashes in ThreatExchange's repository hold).
- python-threatexchange's vPDQ signal (`VideoVPDQSignal`, as HMA stores it): a JSON list of
  `{"hash", "quality", "timestamp"}` objects, frame numbers implied by the order.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from synthtrace.video.frames import FrameHash

_LINE = re.compile(
    r"^\s*(\d{1,10})\s*,\s*(\d{1,3})\s*,\s*([0-9a-fA-F]{64})\s*,\s*([0-9.eE+-]{1,32})\s*$"
)


class VpdqFormatError(ValueError):
    """Not vPDQ (the message says why)."""


@dataclass(frozen=True)
class BadLine:
    number: int
    reason: str


def parse_line(text: str) -> FrameHash:
    m = _LINE.match(text)
    if m is None:
        raise VpdqFormatError("not `frame_number,quality,pdq_hex,timestamp`")
    quality = int(m.group(2))
    if quality > 100:
        raise VpdqFormatError(f"quality {quality} is above 100")
    try:
        ts = float(m.group(4))
    except ValueError:
        raise VpdqFormatError(f"timestamp {m.group(4)!r} is not a number") from None
    if not math.isfinite(ts):  # 1e999: the frames go into JSON, which has no infinity
        raise VpdqFormatError(f"timestamp {m.group(4)!r} is not a finite number")
    return FrameHash(int(m.group(1)), quality, m.group(3).lower(), ts)


def read_text(lines: Iterable[tuple[int, str | None]]) -> Iterator[FrameHash | BadLine]:
    """Frames of ThreatExchange's text format from numbered lines (None: a line too long)."""
    for number, text in lines:
        if text is None:
            yield BadLine(number, "line too long")
            continue
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        try:
            yield parse_line(text)
        except VpdqFormatError as exc:
            yield BadLine(number, str(exc))


def looks_like_text(first_line: str) -> bool:
    return _LINE.match(first_line) is not None


def format_text(frames: Iterable[FrameHash]) -> str:
    return "".join(f"{f.frame},{f.quality},{f.pdq},{f.timestamp:.3f}\n" for f in frames)


def parse_signal(text: str) -> list[FrameHash]:
    """Frames of a python-threatexchange vPDQ signal (JSON); VpdqFormatError when it is not one."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise VpdqFormatError(f"not JSON: {exc}") from None
    if not isinstance(doc, list):
        raise VpdqFormatError("a vPDQ signal is a JSON list of frames")
    out = []
    for n, item in enumerate(doc):
        if not isinstance(item, dict):
            raise VpdqFormatError(f"frame {n} is not an object")
        pdq, quality, ts = item.get("hash"), item.get("quality"), item.get("timestamp", 0.0)
        if not isinstance(pdq, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", pdq):
            raise VpdqFormatError(f"frame {n} has no 64-digit hex `hash`")
        if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 100:
            raise VpdqFormatError(f"frame {n} has no `quality` between 0 and 100")
        if isinstance(ts, bool) or not isinstance(ts, int | float):
            raise VpdqFormatError(f"frame {n} has a `timestamp` that is not a number")
        try:
            seconds = float(ts)  # an int past 1e308 overflows
        except OverflowError:
            seconds = math.inf
        if not math.isfinite(seconds):  # NaN, Infinity, 1e999: JSON (the entry's frames) has none
            raise VpdqFormatError(f"frame {n} has a `timestamp` that is not a finite number")
        out.append(FrameHash(n, quality, pdq.lower(), seconds))
    return out


def format_signal(frames: Iterable[FrameHash]) -> str:
    return json.dumps(
        [{"hash": f.pdq, "quality": f.quality, "timestamp": round(f.timestamp, 3)} for f in frames]
    )
