"""`scan`: one evidence item into the case, resumable and repeatable."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar, cast

from sqlalchemy import select, update

from synthtrace.analyze.pipeline import FileFacts, Task, analyze_stream
from synthtrace.case import Case, clear_spool
from synthtrace.errors import describe
from synthtrace.evidence import ContainerFinished, Entry, WalkContext, walk_evidence
from synthtrace.limits import Limits
from synthtrace.scan.pool import AnalysisPool, Executor, thumb_path
from synthtrace.store.db import transaction
from synthtrace.store.models import Evidence, Scan
from synthtrace.store.writer import ScanWriter
from synthtrace.timefmt import now_utc

Progress = Callable[["ScanProgress"], None]
T = TypeVar("T")
_END = object()
EXECUTORS = ("local", "ray")


class ScanError(Exception):
    """The scan cannot run at all (bad arguments, evidence missing): the only non-zero exit."""


@dataclass
class ScanProgress:
    files: int
    bytes: int
    errors: int
    current: str


@dataclass
class ScanOutcome:
    label: str
    scan_id: int
    files: int  # recorded by this run (a resumed run skips what was stored before)
    bytes: int
    errors: int
    seconds: float
    resumed: bool
    reports: list[str] = field(default_factory=list)  # what the case-wide passes found
    # Seconds per stage: walk, pool, write and passes in this process; read, digests, type and
    # analyze summed over the workers (benchmarks print them).
    timings: dict[str, float] = field(default_factory=dict)
    executor: str = "local"
    nodes: dict[str, int] = field(default_factory=dict)  # Ray: batches analysed per node


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


def _evidence_kind(source: Path) -> str:
    return "folder" if source.is_dir() else "file"


def _prepare(case: Case, source: Path, label: str, workers: int) -> tuple[int, int, bool]:
    """Find or register the evidence item and open a scan row; returns ids and whether resuming."""
    with transaction(case.sessions) as s:
        ev = s.scalars(select(Evidence).where(Evidence.label == label)).first()
        resumed = ev is not None
        if ev is None:
            ev = Evidence(
                label=label, source=str(source), kind=_evidence_kind(source), added_at=now_utc()
            )
            s.add(ev)
            s.flush()
        elif ev.source != str(source):
            raise ScanError(
                f"label {label!r} is already used for {ev.source}; "
                f"choose another label for {source}"
            )
        s.execute(
            update(Scan)
            .where(Scan.evidence_id == ev.id, Scan.status == "running")
            .values(status="interrupted")
        )
        scan = Scan(evidence_id=ev.id, started_at=now_utc(), status="running", workers=workers)
        s.add(scan)
        s.flush()
        return ev.id, scan.id, resumed


class _Clock:
    """Seconds spent per stage by the scanning process."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start

    def timed(self, stage: str, items: Iterable[T]) -> Iterator[T]:
        """The items, with the time spent producing each charged to `stage`."""
        it = iter(items)
        while True:
            with self(stage):
                item = next(it, _END)
            if item is _END:
                return
            yield cast(T, item)


def _spool_opener(spool: BinaryIO) -> Callable[[], BinaryIO]:
    # A fresh descriptor on the (unlinked) spool file: its own offset, closable independently.
    path = f"/proc/self/fd/{spool.fileno()}"
    return lambda: open(path, "rb")


def make_executor(
    executor: str,
    workers: int | None,
    limits: Limits,
    thumbs_dir: Path,
    analyzers: bool = True,
    ray_address: str | None = None,
) -> Executor:
    """The local process pool, or the Ray executor (`workers` None: every core / cluster CPU)."""
    if executor == "local":
        workers = AnalysisPool.default_workers() if workers is None else workers
        return AnalysisPool(workers, limits, thumbs_dir, analyzers)
    if executor == "ray":
        from synthtrace.scan.raypool import RayPool, RayUnavailable

        try:
            return RayPool(workers, limits, thumbs_dir, analyzers, address=ray_address)
        except RayUnavailable as exc:
            raise ScanError(str(exc)) from exc
    raise ScanError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")


def scan_evidence(
    case: Case,
    source: Path,
    label: str,
    workers: int | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
    analyzers: bool = True,
    executor: str = "local",
    ray_address: str | None = None,
    passes: bool = True,
) -> ScanOutcome:
    """Scan one evidence item into the case; rerun with the same label to resume.

    `passes=False` leaves the case-wide passes to the caller (intake runs them once at the end).
    `executor` "ray" runs the analysis on a Ray cluster (`ray_address`, else $RAY_ADDRESS, else
    a local Ray); the walk and the writer stay here either way, so resuming works the same.
    `analyzers=False` leaves out the content analyzers (benchmarks use it to measure their cost).
    """
    limits = limits or Limits()
    if executor not in EXECUTORS:
        raise ScanError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    if not label.strip():
        raise ScanError("the evidence label must not be empty")
    source = Path(os.path.abspath(source))
    if not os.path.lexists(source):
        raise ScanError(f"evidence not found: {source}")
    real_source, real_case = source.resolve(), case.root.resolve()
    if _inside(real_case, real_source) or _inside(real_source, real_case):
        raise ScanError("the case folder and the evidence must not contain each other")
    if source.is_symlink():
        source = real_source  # the investigator named this path as the evidence: take its target
    pool = make_executor(executor, workers, limits, case.thumbs_dir, analyzers, ray_address)
    try:
        return _scan(case, source, label, limits, progress, analyzers, pool, executor, passes)
    finally:
        pool.close()


def _scan(
    case: Case,
    source: Path,
    label: str,
    limits: Limits,
    progress: Progress | None,
    analyzers: bool,
    pool: Executor,
    executor: str,
    passes: bool,
) -> ScanOutcome:
    workers = pool.workers
    evidence_id, scan_id, resumed = _prepare(case, source, label, workers)
    clear_spool(case)
    case.audit.append(
        "scan.start",
        evidence=label,
        source=str(source),
        scan=scan_id,
        workers=workers,
        executor=executor,
        resumed=resumed,
    )
    started = time.perf_counter()
    writer = ScanWriter(case.sessions, evidence_id, scan_id, resuming=resumed)
    ctx = WalkContext(
        limits, case.tmp_dir, skip_file=writer.file_done, skip_container=writer.container_done
    )
    waiting: dict[int, Entry] = {}
    # Archive-finished markers wait until every task submitted before them is committed.
    markers: deque[tuple[int, ContainerFinished]] = deque()
    seq = 0
    thumbs = thumb_path(case.thumbs_dir)
    clock = _Clock()
    shown_at = 0.0

    def record(results: Iterable[FileFacts]) -> None:
        nonlocal shown_at
        for facts in results:
            writer.add(waiting.pop(facts.seq), facts)
        lowest = pool.min_pending_seq()
        floor = seq + 1 if lowest is None else lowest
        while markers and markers[0][0] < floor:
            _, marker = markers.popleft()
            writer.container_finished(marker.path, marker.errors)
        now = time.monotonic()
        if progress is not None and now - shown_at >= 0.1:
            shown_at = now
            progress(ScanProgress(writer.stats.files, writer.stats.bytes, writer.stats.errors, ""))

    for item in clock.timed("walk", walk_evidence(source, ctx)):
        if isinstance(item, ContainerFinished):
            markers.append((seq, item))
            with clock("write"):
                record([])
            continue
        if item.spool is not None:
            with clock("analyze in the scanning process"):
                media, mismatch = analyze_stream(
                    item.path, _spool_opener(item.spool), limits, thumbs, analyzers=analyzers
                )
            facts = FileFacts(seq=0, path=item.path, extension_mismatch=mismatch, media=media)
            with clock("write"):
                writer.add(item, facts)
            continue
        if not item.has_content:
            with clock("write"):
                writer.add(item, None)
            continue
        seq += 1
        task = Task(
            seq=seq, path=item.path, fs_path=item.fs_path, data=item.data, size=item.size or 0
        )
        # The writer reads only the entry's address and times; the bytes it may hold are the
        # task's too (one object, not a copy) and are dropped by the walk once walked.
        waiting[seq] = item
        with clock("pool"):
            results = [*pool.submit(task), *pool.ready()]
        with clock("write"):
            record(results)
    with clock("pool"):
        results = list(pool.drain())
    with clock("write"):
        record(results)
        writer.close()
    pool.close()  # before the case-wide passes: idle workers would only hold memory
    seconds = time.perf_counter() - started
    if progress is not None:
        progress(ScanProgress(writer.stats.files, writer.stats.bytes, writer.stats.errors, ""))
    stats = writer.stats
    with transaction(case.sessions) as s:
        s.execute(
            update(Scan)
            .where(Scan.id == scan_id)
            .values(
                status="finished",
                finished_at=now_utc(),
                seconds=seconds,
                files=stats.files,
                bytes=stats.bytes,
                errors=stats.errors,
            )
        )
        s.execute(update(Evidence).where(Evidence.id == evidence_id).values(completed_at=now_utc()))
    case.audit.append(
        "scan.finish",
        evidence=label,
        scan=scan_id,
        files=stats.files,
        bytes=stats.bytes,
        errors=stats.errors,
        seconds=round(seconds, 3),
    )
    outcome = ScanOutcome(label, scan_id, stats.files, stats.bytes, stats.errors, seconds, resumed)
    if passes:
        with clock("case-wide passes"):
            outcome.reports = run_case_passes(case)
    outcome.timings = {**clock.seconds, **{f"{k} (workers)": v for k, v in pool.timings.items()}}
    outcome.executor = executor
    outcome.nodes = dict(getattr(pool, "nodes", {}))
    return outcome


def run_case_passes(case: Case) -> list[str]:
    """Case-wide passes (links, matches, clusters) over everything stored, new evidence included."""
    from synthtrace.builtins import CASE_PASSES

    reports = []
    for case_pass in CASE_PASSES:
        try:
            report = case_pass(case)
        except Exception as exc:  # a failing pass must not lose the scan that is committed
            report = f"{getattr(case_pass, '__name__', 'pass')} failed: {describe(exc)}"
            case.audit.append("pass.error", detail=report)
        if report:
            reports.append(report)
    return reports
