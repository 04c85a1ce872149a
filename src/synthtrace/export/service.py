"""`export`: the case's file records in a chosen format, audited."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from synthtrace.artifacts.export import write_artifacts
from synthtrace.case import Case
from synthtrace.export.case_uco import write_case_uco
from synthtrace.export.files import write_csv, write_jsonl
from synthtrace.export.records import iter_records
from synthtrace.match.vics_export import write_vics, write_vics_media
from synthtrace.video.export import write_vpdq_files

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


# The file name suffix of each format's download (the review app's export button).
SUFFIXES: dict[str, str] = {
    "jsonl": ".jsonl",
    "csv": ".csv",
    "vics": ".json",
    "vics-media": ".json",
    "case-uco": ".jsonld",
    "artifacts": ".jsonl",
}


# Formats written as a folder of files (`export -o DIR`), one file per item.
DirectoryWriter = Callable[[Case, Path], int]
DIRECTORY_FORMATS: dict[str, DirectoryWriter] = {
    "vpdq": write_vpdq_files,  # ThreatExchange vpdq files, DIR/<sha256>.vpdq.txt per video
}


class ExportError(Exception):
    pass


def export_case_to_directory(case: Case, fmt: str, directory: Path, user: str | None = None) -> int:
    if fmt not in DIRECTORY_FORMATS:
        raise ExportError(f"{fmt!r} is not written as a folder")
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} exists and is not a folder")
    n = DIRECTORY_FORMATS[fmt](case, directory)
    case.audit.append("export", user=user, format=fmt, records=n, destination=str(directory))
    return n


def export_case(
    case: Case, fmt: str, out: TextIO, destination: str, user: str | None = None
) -> int:
    if fmt in DIRECTORY_FORMATS:
        raise ExportError(f"{fmt} is written as a folder of files: give -o DIR")
    if fmt not in EXPORT_FORMATS:
        known = ", ".join([*EXPORT_FORMATS, *DIRECTORY_FORMATS])
        raise ExportError(f"unknown export format {fmt!r}; choose from {known}")
    n = EXPORT_FORMATS[fmt](case, out)
    case.audit.append("export", user=user, format=fmt, records=n, destination=destination)
    return n
