"""Plain text: one hash per line, optionally followed by a label (md5sum/sha1sum output).

Blank lines and lines starting with `#` are ignored. The kind comes from `--type`, or from the
length (32 hex: MD5, 40: SHA-1); 64 hex digits may be SHA-256 or PDQ, so such a list needs
`--type` and is refused without it.
"""

from __future__ import annotations

from collections.abc import Iterator

from synthtrace.match.formats.base import (
    BadHash,
    BadRecord,
    FormatError,
    ListRecord,
    ParseItem,
    Readable,
    ReadOptions,
    bounded_lines,
)
from synthtrace.match.kinds import KINDS, kind_by_length


class TextList:
    name = "text"

    def detect(self, head: bytes) -> bool:
        return True  # the fallback: anything else is tried first

    def parse(self, stream: Readable, options: ReadOptions) -> Iterator[ParseItem]:
        fixed = KINDS[options.hash_type] if options.hash_type else None
        for number, line in bounded_lines(stream, options.limits.max_line_bytes):
            if line is None:
                yield BadRecord(number, f"line longer than {options.limits.max_line_bytes} bytes")
                continue
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            token, _, rest = text.partition(" ")
            if "\t" in token:
                token, _, more = token.partition("\t")
                rest = f"{more} {rest}".strip()
            label = rest.strip().lstrip("*").strip() or None  # md5sum marks binary mode with *
            kind = fixed or kind_by_length(token)
            if kind is None:
                if len(token.strip()) == 64:
                    raise FormatError(
                        f"line {number}: 64 hex digits may be SHA-256 or PDQ; "
                        "give --type sha256 or --type pdq"
                    )
                yield BadRecord(number, f"{len(token)} characters is not an MD5 or SHA-1 length")
                continue
            try:
                value = kind.normalise(token)
            except BadHash as exc:
                yield BadRecord(number, str(exc))
                continue
            yield ListRecord(number, [(kind.name, value)], label=label)
