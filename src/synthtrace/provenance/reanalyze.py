"""`reanalyze`: run the content analyzers again over a case's evidence, then the case-wide passes.

For a case scanned before an analyzer existed or changed (a new generator format, a fixed parser):
each evidence item is walked again from its recorded source, every content the case already holds
is analysed again, and its `media.facts` and `media.errors` are replaced by the new results. Files
are not added or removed (that is what `scan` does); contents no longer found are left as they were.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select, update

from synthtrace.analyze.pipeline import FileFacts, MediaFacts, Task, analyze_stream
from synthtrace.case import Case, clear_spool
from synthtrace.evidence import ContainerFinished, WalkContext, walk_evidence
from synthtrace.limits import Limits
from synthtrace.scan.pool import AnalysisPool, thumb_path
from synthtrace.store.db import transaction
from synthtrace.store.models import Evidence, Media

BATCH = 200


@dataclass
class ReanalyzeOutcome:
    evidence: int = 0  # items walked
    files: int = 0  # files analysed again
    updated: int = 0  # distinct contents whose facts were rewritten
    missing: list[str] = field(default_factory=list)  # evidence whose source is gone
    seconds: float = 0.0
    reports: list[str] = field(default_factory=list)


class _Updater:
    """Writes new facts in batches; each content once per run (the first location analysed)."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.done: set[str] = set()
        self.pending: dict[str, MediaFacts] = {}
        self.updated = 0

    def add(self, facts: FileFacts) -> None:
        media = facts.media
        if media is None or media.sha256 in self.done:
            return
        self.done.add(media.sha256)
        self.pending[media.sha256] = media
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with transaction(self.case.sessions) as s:
            known = set(s.scalars(select(Media.sha256).where(Media.sha256.in_(list(self.pending)))))
            for sha, m in self.pending.items():
                if sha not in known:
                    continue  # a content the case does not hold: scanning adds files, not this
                errors = (m.image.errors if m.image else []) + m.errors
                s.execute(
                    update(Media).where(Media.sha256 == sha).values(facts=m.facts, errors=errors)
                )
                self.updated += 1
        self.pending.clear()


def _spool_opener(spool: BinaryIO) -> Callable[[], BinaryIO]:
    # A fresh descriptor on the (unlinked) spool file, as the scan does.
    path = f"/proc/self/fd/{spool.fileno()}"
    return lambda: open(path, "rb")


def _walk(
    case: Case,
    source: Path,
    limits: Limits,
    pool: AnalysisPool,
    updater: _Updater,
    progress: Callable[[int], None] | None,
) -> int:
    ctx = WalkContext(limits, case.tmp_dir)
    thumbs = thumb_path(case.thumbs_dir)
    seq = files = 0

    def take(results: Iterable[FileFacts]) -> None:
        nonlocal files
        for facts in results:
            files += 1
            updater.add(facts)
        if progress is not None:
            progress(files)

    for item in walk_evidence(source, ctx):
        if isinstance(item, ContainerFinished) or not item.has_content:
            continue
        if item.spool is not None:
            media, _ = analyze_stream(item.path, _spool_opener(item.spool), limits, thumbs)
            take([FileFacts(seq=0, path=item.path, media=media)])
            continue
        seq += 1
        task = Task(seq=seq, path=item.path, fs_path=item.fs_path, data=item.data)
        take(list(pool.submit(task)))
        take(list(pool.ready()))
    take(list(pool.drain()))
    return files


def reanalyze_case(
    case: Case,
    workers: int | None = None,
    limits: Limits | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ReanalyzeOutcome:
    """Analyse every evidence item of the case again and rerun the case passes."""
    from synthtrace.scan.service import run_case_passes

    limits = limits or Limits()
    workers = AnalysisPool.default_workers() if workers is None else workers
    outcome = ReanalyzeOutcome()
    started = time.perf_counter()
    with case.sessions() as s:
        items = [
            (ev.label, ev.source) for ev in s.scalars(select(Evidence).order_by(Evidence.label))
        ]
    case.audit.append("reanalyze.start", evidence=[label for label, _ in items], workers=workers)
    clear_spool(case)
    updater = _Updater(case)
    pool = AnalysisPool(workers, limits, case.thumbs_dir)
    try:
        for label, source in items:
            path = Path(source)
            if not os.path.lexists(path):
                outcome.missing.append(label)
                case.audit.append("reanalyze.missing", evidence=label, source=source)
                continue
            outcome.evidence += 1
            step = (lambda n, lab=label: progress(lab, n)) if progress else None
            outcome.files += _walk(case, path, limits, pool, updater, step)
            updater.flush()
    finally:
        pool.close()
    updater.flush()
    outcome.updated = updater.updated
    outcome.seconds = time.perf_counter() - started
    case.audit.append(
        "reanalyze.finish",
        evidence=outcome.evidence,
        files=outcome.files,
        updated=outcome.updated,
        missing=outcome.missing,
        seconds=round(outcome.seconds, 3),
    )
    outcome.reports = run_case_passes(case)
    return outcome
