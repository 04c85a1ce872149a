"""`intake`: a whole seizure, one manifest row per device, each device a scan of its own.

Resumable as a whole: run the same intake again and every device scanned to the end before is
skipped, the interrupted one resumes where its scan stopped (the scan's own resume), the rest are
scanned. A bad row (no label, no path, a path that is not there, a label or path given twice, a
seizure date that is no date) is reported with its line and skipped; the others go on. A device
whose scan cannot run (its label is already used for other evidence) is reported as failed, and
the others go on too. The case-wide passes run once, after the last device.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

from synthtrace.case import Case
from synthtrace.limits import Limits
from synthtrace.scan.service import (
    EXECUTORS,
    ScanError,
    ScanProgress,
    run_case_passes,
    scan_evidence,
)
from synthtrace.store.db import transaction
from synthtrace.store.models import Evidence

REQUIRED = ("label", "path")
OPTIONAL = ("examiner", "notes", "seized_at")
MAX_MANIFEST = 64 * 1024 * 1024  # a manifest is a list of devices, not evidence


class IntakeError(Exception):
    """The manifest cannot be used at all (unreadable, not CSV, no label/path columns)."""


@dataclass(frozen=True)
class Device:
    line: int  # in the manifest, counting the header as line 1
    label: str
    path: Path
    examiner: str | None = None
    notes: str | None = None
    seized_at: str | None = None


@dataclass(frozen=True)
class RowProblem:
    line: int
    label: str | None
    reason: str


@dataclass
class DeviceResult:
    label: str
    status: str  # scanned, resumed, done before, failed
    files: int = 0
    bytes: int = 0
    errors: int = 0
    seconds: float = 0.0
    detail: str | None = None


@dataclass
class IntakeProgress:
    index: int  # 0-based position of the device being scanned among the good rows
    devices: int
    label: str
    scan: ScanProgress | None


@dataclass
class IntakeOutcome:
    devices: list[DeviceResult] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _cell(row: dict[str, str | None], key: str) -> str | None:
    value = row.get(key)
    value = value.strip() if isinstance(value, str) else None
    return value or None


def _seized_at(value: str | None) -> str | None:
    """The seizure time as ISO 8601 (a date, or a date and time); ValueError otherwise."""
    if value is None:
        return None
    return datetime.fromisoformat(value).isoformat()


def read_manifest(manifest: Path) -> tuple[list[Device], list[RowProblem]]:
    """The devices of a manifest, and the rows that were skipped with why."""
    try:
        if manifest.stat().st_size > MAX_MANIFEST:
            raise IntakeError(f"{manifest} is larger than {MAX_MANIFEST // 2**20} MiB")
        text = manifest.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise IntakeError(f"cannot read the manifest {manifest}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise IntakeError(f"the manifest {manifest} is not UTF-8 text") from exc
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise IntakeError(
            f"the manifest needs the columns {', '.join(REQUIRED)} (missing: {', '.join(missing)})"
        )
    reader.fieldnames = columns
    base = manifest.resolve().parent
    devices: list[Device] = []
    problems: list[RowProblem] = []
    labels: dict[str, int] = {}
    paths: dict[Path, int] = {}
    try:
        rows = [(reader.line_num, row) for row in reader]  # line_num counts blank lines too
    except csv.Error as exc:
        raise IntakeError(f"the manifest is not valid CSV: {exc}") from exc
    for number, row in rows:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        label, where = _cell(row, "label"), _cell(row, "path")
        if label is None:
            problems.append(RowProblem(number, None, "no label"))
            continue
        if where is None:
            problems.append(RowProblem(number, label, "no path"))
            continue
        if label in labels:
            problems.append(RowProblem(number, label, f"label already on line {labels[label]}"))
            continue
        path = Path(where).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.exists():
            problems.append(RowProblem(number, label, f"path not found: {path}"))
            continue
        if path.resolve() in paths:
            first = paths[path.resolve()]
            problems.append(RowProblem(number, label, f"same evidence as line {first}"))
            continue
        try:
            seized = _seized_at(_cell(row, "seized_at"))
        except ValueError:
            problems.append(
                RowProblem(number, label, f"seized_at is not an ISO date: {row.get('seized_at')}")
            )
            continue
        labels[label] = number
        paths[path.resolve()] = number
        devices.append(
            Device(number, label, path, _cell(row, "examiner"), _cell(row, "notes"), seized)
        )
    return devices, problems


def _done_before(case: Case, device: Device) -> bool:
    """Scanned to the end by an earlier run (the same label for the same evidence)."""
    with case.sessions() as s:
        ev = s.scalars(select(Evidence).where(Evidence.label == device.label)).first()
    return ev is not None and ev.completed_at is not None and ev.source == str(device.path)


def _record_details(case: Case, device: Device) -> None:
    with transaction(case.sessions) as s:
        s.execute(
            update(Evidence)
            .where(Evidence.label == device.label)
            .values(examiner=device.examiner, notes=device.notes, seized_at=device.seized_at)
        )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def intake(
    case: Case,
    manifest: Path,
    workers: int | None = None,
    limits: Limits | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    progress: Callable[[IntakeProgress], None] | None = None,
) -> IntakeOutcome:
    """Scan every device of the manifest into the case (rerun to resume), then the passes."""
    started = time.perf_counter()
    if executor not in EXECUTORS:
        raise IntakeError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    devices, problems = read_manifest(manifest)
    outcome = IntakeOutcome(problems=problems)
    case.audit.append(
        "intake.start",
        manifest=str(manifest.resolve()),
        manifest_sha256=_sha256(manifest),
        devices=len(devices),
        skipped_rows=[{"line": p.line, "label": p.label, "reason": p.reason} for p in problems],
    )
    with ExitStack() as stack:
        if executor == "ray":  # one connection (or local Ray) for the intake, not one per device
            from synthtrace.scan.raypool import RayUnavailable, ray_session

            try:
                stack.enter_context(ray_session(ray_address, workers))
            except RayUnavailable as exc:
                raise IntakeError(str(exc)) from exc
        for index, device in enumerate(devices):
            outcome.devices.append(
                _intake_one(
                    case,
                    device,
                    index,
                    len(devices),
                    workers,
                    limits,
                    executor,
                    ray_address,
                    progress,
                )
            )
    outcome.reports = run_case_passes(case)
    outcome.seconds = time.perf_counter() - started
    case.audit.append(
        "intake.finish",
        manifest=str(manifest.resolve()),
        devices={d.label: d.status for d in outcome.devices},
        seconds=round(outcome.seconds, 3),
    )
    return outcome


def _intake_one(
    case: Case,
    device: Device,
    index: int,
    total: int,
    workers: int | None,
    limits: Limits | None,
    executor: str,
    ray_address: str | None,
    progress: Callable[[IntakeProgress], None] | None,
) -> DeviceResult:
    if progress is not None:
        progress(IntakeProgress(index, total, device.label, None))
    if _done_before(case, device):
        return DeviceResult(device.label, "done before")

    def show(p: ScanProgress) -> None:
        if progress is not None:
            progress(IntakeProgress(index, total, device.label, p))

    try:
        done = scan_evidence(
            case,
            device.path,
            device.label,
            workers=workers,
            limits=limits,
            progress=show,
            executor=executor,
            ray_address=ray_address,
            passes=False,
        )
    except ScanError as exc:
        case.audit.append("intake.device_failed", evidence=device.label, reason=str(exc))
        return DeviceResult(device.label, "failed", detail=str(exc))
    _record_details(case, device)
    status = "resumed" if done.resumed else "scanned"
    return DeviceResult(device.label, status, done.files, done.bytes, done.errors, done.seconds)
