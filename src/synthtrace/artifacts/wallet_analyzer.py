"""The content analyzer that finds wallet addresses in text-like files (notes, documents' XML,
JSON, mail, web pages): key `wallets` in media.facts, a list of distinct valid addresses.

Pure and per content, like every analyzer: the same text has the same addresses wherever it is
found; the artifact pass puts them on each device that holds the file.
"""

from __future__ import annotations

import codecs
import string
from collections.abc import Iterator
from typing import Any

from synthtrace.analyze.content import AnalyzerResult, Content
from synthtrace.artifacts.wallets import find_wallets
from synthtrace.limits import Limits, MiB

NAME = "wallets"
TEXT_MIMES = frozenset(
    {
        "application/json",
        "application/x-ndjson",
        "application/xml",
        "application/javascript",
        "application/sql",
        "application/toml",
        "application/yaml",
        "application/x-yaml",
        "application/x-sh",
        "application/x-subrip",
        "application/rtf",
        "message/rfc822",
        "image/svg+xml",
    }
)
SCAN_BYTES = 256 * MiB  # past this a text file is a log, not a note: the rest is not searched
MAX_ADDRESSES = 1000  # distinct addresses kept per file
CHUNK = 4 * MiB
OVERLAP = 128  # longer than any address, so one cut by a chunk edge is found whole
_ALNUM = (string.ascii_letters + string.digits).encode()


def is_text(mime: str) -> bool:
    return mime.startswith("text/") or mime in TEXT_MIMES


def _ascii_blocks(blocks: Iterator[bytes]) -> Iterator[bytes]:
    """UTF-16 text (Windows notes) as ASCII bytes the finder reads; other text unchanged."""
    first = next(blocks, b"")
    if first[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        yield first
        yield from blocks
        return
    decoder = codecs.getincrementaldecoder("utf-16")("replace")
    yield decoder.decode(first).encode("ascii", "replace")
    for block in blocks:
        yield decoder.decode(block).encode("ascii", "replace")


def _blocks(content: Content) -> Iterator[bytes]:
    if content.data is not None:
        yield content.data[:SCAN_BYTES]
        return
    seen = 0
    with content.open() as fh:
        while seen < SCAN_BYTES and (block := fh.read(min(CHUNK, SCAN_BYTES - seen))):
            seen += len(block)
            yield block


class WalletAnalyzer:
    name = NAME

    def analyze(self, content: Content, limits: Limits) -> AnalyzerResult:
        if not is_text(content.mime):
            return AnalyzerResult()
        found: dict[str, dict[str, Any]] = {}
        errors: list[str] = []
        tail = b""
        searched = 0  # how much of `tail` was searched already
        blocks = _ascii_blocks(_blocks(content))
        block = next(blocks, None)
        while block is not None:
            following = next(blocks, None)
            # The previous block's last bytes go first, so an address cut by the edge is found
            # whole; addresses lying inside those bytes alone were counted already. Letters and
            # digits at the end of a block may go on in the next one: they wait for it (the
            # start of a longer run is no address).
            data = tail + block
            end = len(data)
            if following is not None:
                run_start = len(data.rstrip(_ALNUM))
                if end - run_start <= OVERLAP:
                    end = run_start
            for wallet in find_wallets(data[:end], after=searched):
                entry = found.get(wallet.value)
                if entry is not None:
                    entry["count"] += 1
                    continue
                if len(found) >= MAX_ADDRESSES:
                    errors.append(f"more than {MAX_ADDRESSES} wallet addresses; the rest skipped")
                    return AnalyzerResult(list(found.values()), errors)
                found[wallet.value] = {
                    "currency": wallet.currency,
                    "value": wallet.value,
                    "type": wallet.type,
                    "checksum": wallet.checksum,
                    "count": 1,
                }
            tail = data[-OVERLAP:]
            searched = max(0, end - (len(data) - len(tail)))
            block = following
        if content.size > SCAN_BYTES:
            errors.append(f"wallet addresses searched in the first {SCAN_BYTES // MiB} MiB only")
        return AnalyzerResult(list(found.values()) or None, errors)
