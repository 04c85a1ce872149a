"""Delimited lists with a header naming their columns (CSV, TSV, NSRL-style files).

Recognised columns, in any case and order: md5, sha1 (sha-1), sha256 (sha-256), pdq, category,
series, label (also name, filename, file name, description). Other columns are ignored. The
delimiter is the one of `, ; TAB |` that the header uses most. Rows are read one physical line at
a time: hash lists have no quoted line breaks, and this keeps a damaged row from swallowing the
rest of the file.
"""

from __future__ import annotations

import csv
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
    category_text,
    first_line,
)
from synthtrace.match.kinds import KINDS, kind_by_length, kind_for_name

DELIMITERS = (",", ";", "\t", "|")
LABEL_NAMES = {"label", "name", "filename", "file name", "file_name", "description"}
SERIES_NAMES = {"series", "seriesname", "series name"}
CATEGORY_NAMES = {"category", "cat"}


def _delimiter(line: str, allowed: tuple[str, ...] = DELIMITERS) -> str | None:
    counts = {d: line.count(d) for d in allowed}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else None


def _columns(header: list[str]) -> dict[str, int]:
    """Role ("md5", "category", ...) to column index, from the header's names."""
    roles: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip().strip('"').lower()
        kind = kind_for_name(name)
        if kind is not None:
            roles.setdefault(kind.name, i)
        elif name in CATEGORY_NAMES:
            roles.setdefault("category", i)
        elif name in SERIES_NAMES:
            roles.setdefault("series", i)
        elif name in LABEL_NAMES:
            roles.setdefault("label", i)
    return roles


def header_roles(line: str, delimiter: str) -> dict[str, int]:
    return _columns(next(csv.reader([line], delimiter=delimiter)))


class DelimitedList:
    """Shared reader of CSV and ICSE: a header row, or (ICSE only) values known by their shape."""

    name = "csv"
    delimiters: tuple[str, ...] = DELIMITERS
    header_required = True

    def detect(self, head: bytes) -> bool:
        line = first_line(head)
        delimiter = _delimiter(line, self.delimiters)
        if delimiter is None:
            return False
        return any(k in KINDS for k in header_roles(line, delimiter))

    def parse(self, stream: Readable, options: ReadOptions) -> Iterator[ParseItem]:
        roles: dict[str, int] | None = None
        delimiter: str | None = None
        limit = options.limits.max_line_bytes
        for number, line in bounded_lines(stream, limit):
            if line is None:
                yield BadRecord(number, f"line longer than {limit} bytes")
                continue
            if not line.strip():
                continue
            if delimiter is None:
                delimiter = _delimiter(line, self.delimiters) or self.delimiters[0]
            try:
                row = next(csv.reader([line], delimiter=delimiter))
            except csv.Error as exc:
                yield BadRecord(number, f"unreadable row: {exc}")
                continue
            if roles is None:
                roles = _columns(row)
                if any(k in KINDS for k in roles):
                    continue  # that was the header
                if self.header_required:
                    raise FormatError(
                        f"line {number}: the header names no hash column "
                        "(md5, sha1, sha256 or pdq); is this the right --format?"
                    )
                roles = {}
            yield self._record(number, row, roles, options)

    def _record(
        self, number: int, row: list[str], roles: dict[str, int], options: ReadOptions
    ) -> ParseItem:
        hashes: list[tuple[str, str]] = []
        try:
            if roles:
                for kind in KINDS:
                    if kind in roles and roles[kind] < len(row) and row[roles[kind]].strip():
                        hashes.append((kind, KINDS[kind].normalise(row[roles[kind]])))
            else:
                hashes = self._by_shape(row, options)
        except BadHash as exc:
            return BadRecord(number, str(exc))
        if not hashes:
            return BadRecord(number, "no hash on this line")

        def cell(role: str) -> str | None:
            i = roles.get(role)
            return row[i].strip() or None if i is not None and i < len(row) else None

        return ListRecord(
            number,
            hashes,
            category=category_text(cell("category")),
            series=cell("series"),
            label=cell("label"),
        )

    def _by_shape(self, row: list[str], options: ReadOptions) -> list[tuple[str, str]]:
        """Headerless rows: each hex field is a hash of the kind its length says."""
        found: list[tuple[str, str]] = []
        for field in row:
            value = field.strip()
            if not value:
                continue
            kind = kind_by_length(value)
            if kind is None and len(value) == 64:
                kind = KINDS[options.hash_type or "sha256"]
            if kind is None:
                continue
            try:
                found.append((kind.name, kind.normalise(value)))
            except BadHash:
                continue
        return found


class CsvList(DelimitedList):
    name = "csv"
