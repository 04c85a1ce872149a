"""`export`: the case's file records in a chosen format, audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TextIO

from synthtrace.artifacts.export import write_artifacts
from synthtrace.case import Case
from synthtrace.export.case_uco import write_case_uco
from synthtrace.export.files import write_csv, write_jsonl
from synthtrace.export.records import iter_records
from synthtrace.match.vics_export import write_vics, write_vics_media

Writer = Callable[[Case, TextIO], int]


def _records_writer(write: Callable[[Iterable[dict[str, Any]], TextIO], int]) -> Writer:
    def run(case: Case, out: TextIO) -> int:
        with case.sessions() as s:
            return write(iter_records(s), out)

    return run


# Hash-list formats (VICS, ...) register here beside the file-record formats.
EXPORT_FORMATS: dict[str, Writer] = {
    "jsonl": _records_writer(write_jsonl),
    "csv": _records_writer(write_csv),
    "vics": write_vics,  # Project VIC #Cases: a case file, with where each media was found
    "vics-media": write_vics_media,  # Project VIC #Media: a hash set, as VIC distributes them
    "case-uco": write_case_uco,  # CASE/UCO JSON-LD: files, devices, actions, provenance
    "artifacts": write_artifacts,  # visits, downloads, logins, wallets, indicator hits (JSONL)
}


class ExportError(Exception):
    pass


def export_case(
    case: Case, fmt: str, out: TextIO, destination: str, user: str | None = None
) -> int:
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")
    n = EXPORT_FORMATS[fmt](case, out)
    case.audit.append("export", user=user, format=fmt, records=n, destination=destination)
    return n
