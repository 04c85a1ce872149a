"""A bounded pool of analysis processes that survives a decoder crashing on hostile input.

Batched: small files go to a worker several at a time (up to 64 files or 4 MiB), so a device of a
million small files costs thousands of round trips, not a million. Bounded: at most `2 x workers`
batches and 256 MiB of member bytes are in flight, so memory does not grow with the evidence.
Crash-proof: if a worker dies (a segfault in a native decoder), the pool is rebuilt and each batch
that was in flight is retried, halved each time it kills a worker again, until the one file that
does is recorded with its digests and an error instead of its image facts.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Protocol

from synthtrace.analyze.pipeline import (
    BatchResult,
    FileFacts,
    MediaFacts,
    Task,
    Timings,
    analyze_batch,
    analyze_task,
)
from synthtrace.limits import Limits, MiB

MAX_INFLIGHT_BYTES = 256 * MiB
BATCH_FILES = 64
BATCH_BYTES = 4 * MiB

_limits: Limits | None = None
_thumbs: Path | None = None
_analyzers = True


def thumb_path(thumbs_dir: Path) -> Callable[[str], Path]:
    def path_for(sha256: str) -> Path:
        return thumbs_dir / sha256[:2] / f"{sha256}.jpg"

    return path_for


def _init_worker(limits: Limits, thumbs_dir: Path | None, analyzers: bool) -> None:
    global _limits, _thumbs, _analyzers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the scanning process's to handle
    _limits, _thumbs, _analyzers = limits, thumbs_dir, analyzers


def _run(task: Task) -> FileFacts:
    assert _limits is not None
    return analyze_task(task, _limits, thumb_path(_thumbs) if _thumbs else None, _analyzers)


def _run_batch(tasks: list[Task]) -> BatchResult:
    assert _limits is not None
    return analyze_batch(tasks, _limits, thumb_path(_thumbs) if _thumbs else None, _analyzers)


def _run_each(runner: Callable[[Task], FileFacts], tasks: list[Task]) -> BatchResult:
    return BatchResult([runner(task) for task in tasks], {})


def digests_only(task: Task, why: str) -> FileFacts:
    """The fallback for a file that crashes its worker: identify it, decode nothing."""
    from synthtrace.analyze.digests import digest_content
    from synthtrace.analyze.filetype import detect_mime
    from synthtrace.analyze.pipeline import HEAD
    from synthtrace.evidence.reading import open_evidence

    result = FileFacts(seq=task.seq, path=task.path)
    try:
        if task.data is not None:
            d, head = digest_content(task.data, None, HEAD)
        else:
            assert task.fs_path is not None
            with open_evidence(task.fs_path) as fh:
                d, head = digest_content(None, fh, HEAD)
    except OSError as exc:
        result.errors.append(f"could not be read: {exc.strerror or exc}")
        return result
    result.media = MediaFacts(d.md5, d.sha1, d.sha256, d.size, detect_mime(head), errors=[why])
    return result


class Batch:
    """Tasks that travel to a worker together (one round trip)."""

    def __init__(self) -> None:
        self.tasks: list[Task] = []
        self.size = 0  # bytes of the files, wherever they are read from
        self.data_bytes = 0  # bytes held in memory here (archive members)

    def add(self, task: Task) -> None:
        self.tasks.append(task)
        self.size += task.size
        self.data_bytes += len(task.data) if task.data is not None else 0

    @property
    def full(self) -> bool:
        return len(self.tasks) >= BATCH_FILES or self.size >= BATCH_BYTES


class Executor(Protocol):
    """What the scan needs from whatever runs the analysis: this pool, or `RayPool`.

    Results come back in any order; `min_pending_seq` tells the scan which archive markers may be
    written (every task submitted before them is done). `submit` blocks (collecting results) when
    the executor's bound on tasks and bytes in flight is reached.
    """

    workers: int
    timings: Timings

    def submit(self, task: Task) -> Iterator[FileFacts]: ...
    def ready(self) -> Iterator[FileFacts]: ...
    def drain(self) -> Iterator[FileFacts]: ...
    def min_pending_seq(self) -> int | None: ...
    def close(self) -> None: ...


class AnalysisPool:
    def __init__(
        self,
        workers: int,
        limits: Limits,
        thumbs_dir: Path | None,
        analyzers: bool = True,
        runner: Callable[[Task], FileFacts] | None = None,
    ) -> None:
        """`runner`, when given, is what a worker runs per task: a module-level function (it is
        pickled by name); tests pass one that crashes its process, to exercise the recovery."""
        self.workers = workers
        self.runner = runner
        self.analyzers = analyzers
        self.limits = limits
        self.thumbs_dir = thumbs_dir
        self.max_inflight = max(2, workers * 2)
        self.timings: Timings = {}
        self._inflight: dict[Future[BatchResult], Batch] = {}
        self._open = Batch()
        self._bytes = 0
        self._executor = self._new_executor() if workers > 0 else None

    def _new_executor(self) -> ProcessPoolExecutor:
        # One process per core already uses every core: BLAS thread pools inside each worker
        # would only spin against each other (measured: two workers ran slower than one).
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
        ctx = multiprocessing.get_context("forkserver")
        # Workers start from a server that has the analysis modules loaded already.
        ctx.set_forkserver_preload(["synthtrace.analyze.pipeline", "synthtrace.builtins"])
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(self.limits, self.thumbs_dir, self.analyzers),
        )

    def _submit_batch(
        self, executor: ProcessPoolExecutor, tasks: list[Task]
    ) -> Future[BatchResult]:
        if self.runner is not None:
            return executor.submit(partial(_run_each, self.runner), tasks)
        return executor.submit(_run_batch, tasks)

    def min_pending_seq(self) -> int | None:
        """The lowest sequence number not yet returned (tasks are numbered in submit order)."""
        firsts = [b.tasks[0].seq for b in self._inflight.values() if b.tasks]
        if self._open.tasks:
            firsts.append(self._open.tasks[0].seq)
        return min(firsts) if firsts else None

    def submit(self, task: Task) -> Iterator[FileFacts]:
        """Queue a task; yields results that had to be collected to make room for it."""
        if self._executor is None:
            thumbs = thumb_path(self.thumbs_dir) if self.thumbs_dir else None
            if self.runner is not None:
                yield self.runner(task)
                return
            result = analyze_batch([task], self.limits, thumbs, self.analyzers)
            self._add_timings(result.timings)
            yield from result.facts
            return
        self._open.add(task)
        if self._open.full:
            yield from self._send()

    def _send(self) -> Iterator[FileFacts]:
        batch, self._open = self._open, Batch()
        if not batch.tasks:
            return
        while self._inflight and (
            len(self._inflight) >= self.max_inflight
            or self._bytes + batch.data_bytes > MAX_INFLIGHT_BYTES
        ):
            yield from self._collect(block=True)
        assert self._executor is not None
        self._inflight[self._submit_batch(self._executor, batch.tasks)] = batch
        self._bytes += batch.data_bytes

    def ready(self) -> Iterator[FileFacts]:
        """Results that are done now, without waiting."""
        yield from self._collect(block=False)

    def drain(self) -> Iterator[FileFacts]:
        yield from self._send()
        while self._inflight:
            yield from self._collect(block=True)

    def _add_timings(self, timings: Timings) -> None:
        for stage, seconds in timings.items():
            self.timings[stage] = self.timings.get(stage, 0.0) + seconds

    def _collect(self, block: bool) -> Iterator[FileFacts]:
        if not self._inflight:
            return
        if block:
            done, _ = wait(list(self._inflight), return_when=FIRST_COMPLETED)
        else:  # called after every submit: a look at each future, no waiter objects
            done = {fut for fut in self._inflight if fut.done()}
        broken = False
        for fut in done:
            batch = self._inflight.pop(fut)
            self._bytes -= batch.data_bytes
            try:
                result = fut.result()
            except BrokenProcessPool:
                self._inflight[fut] = batch
                self._bytes += batch.data_bytes
                broken = True
                continue
            self._add_timings(result.timings)
            yield from result.facts
        if broken:
            yield from self._recover()

    def _recover(self) -> Iterator[FileFacts]:
        """Retry every batch that was in flight; halve a batch each time it kills its worker."""
        suspects = deque(b.tasks for b in self._inflight.values())
        self._inflight.clear()
        self._bytes = 0
        assert self._executor is not None
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        while suspects:
            tasks = suspects.popleft()
            try:
                result = self._submit_batch(self._executor, tasks).result()
            except BrokenProcessPool:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._new_executor()
                if len(tasks) == 1:
                    yield digests_only(
                        tasks[0], "analysis crashed its worker process; only digests recorded"
                    )
                else:
                    half = len(tasks) // 2
                    suspects.extendleft([tasks[half:], tasks[:half]])
                continue
            self._add_timings(result.timings)
            yield from result.facts

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def default_workers() -> int:
        return max(1, len(os.sched_getaffinity(0)))
