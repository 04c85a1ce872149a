"""INTERPOL ICSE baseline lists: semicolon-separated values.

The baseline list is shared with law enforcement only and its layout is not published, so this
reader is tolerant: a header row naming its columns (MD5, SHA1, SHA256, PDQ, Category, Series,
FileName... in any case) is used when present; without one, each field is taken by its shape
(32 hex: MD5, 40: SHA-1, 64: SHA-256, or PDQ with --type pdq). Other fields (PhotoDNA, ids) are
ignored. The baseline carries no category scheme of its own: give `--category` at import.
"""

from __future__ import annotations

import string

from synthtrace.match.formats.base import first_line
from synthtrace.match.formats.csvlist import DelimitedList, header_roles
from synthtrace.match.kinds import KINDS

_HEX = frozenset(string.hexdigits)


class IcseList(DelimitedList):
    name = "icse"
    delimiters = (";",)
    header_required = False

    def detect(self, head: bytes) -> bool:
        line = first_line(head)
        if ";" not in line:
            return False
        if any(k in KINDS for k in header_roles(line, ";")):
            return True
        fields = [f.strip() for f in line.split(";")]
        return any(len(f) in (32, 40, 64) and _HEX.issuperset(f) for f in fields)
