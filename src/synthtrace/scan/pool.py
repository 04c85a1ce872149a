"""A bounded pool of analysis processes that survives a decoder crashing on hostile input.

Batched and bounded as every executor is (`batching.py`): a device of a million small files costs
thousands of round trips, not a million, and memory does not grow with the evidence.
Crash-proof: if a worker dies (a segfault in a native decoder), the pool is rebuilt and each batch
that was in flight is retried, halved each time it kills a worker again, until the one file that
does is recorded with its digests and an error instead of its image facts.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Protocol

from synthtrace.analyze.pipeline import (
    BatchResult,
    FileFacts,
    Task,
    Timings,
    analyze_batch,
    analyze_task,
)
from synthtrace.limits import Limits
from synthtrace.scan.batching import BatchingExecutor, isolate

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
    """One task analysed in a worker as a batch's would be (for runners that wrap it)."""
    assert _limits is not None
    return analyze_task(task, _limits, thumb_path(_thumbs) if _thumbs else None, _analyzers)


def _run_batch(tasks: list[Task]) -> BatchResult:
    assert _limits is not None
    return analyze_batch(tasks, _limits, thumb_path(_thumbs) if _thumbs else None, _analyzers)


def _run_each(runner: Callable[[Task], FileFacts], tasks: list[Task]) -> BatchResult:
    return BatchResult([runner(task) for task in tasks], {})


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


class AnalysisPool(BatchingExecutor):
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
        super().__init__()
        self.workers = workers
        self.runner = runner
        self.analyzers = analyzers
        self.limits = limits
        self.thumbs_dir = thumbs_dir
        self.max_inflight = max(2, workers * 2)
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

    def _start(self, tasks: list[Task]) -> Future[BatchResult]:
        assert self._executor is not None
        if self.runner is not None:
            return self._executor.submit(partial(_run_each, self.runner), tasks)
        return self._executor.submit(_run_batch, tasks)

    def submit(self, task: Task) -> Iterator[FileFacts]:
        """Queue a task; yields results that had to be collected to make room for it. With no
        workers, the task is analysed here and now."""
        if self._executor is not None:
            yield from super().submit(task)
        elif self.runner is not None:
            yield self.runner(task)
        else:
            thumbs = thumb_path(self.thumbs_dir) if self.thumbs_dir else None
            result = analyze_batch([task], self.limits, thumbs, self.analyzers)
            self._add_timings(result.timings)
            yield from result.facts

    def _collect(self, block: bool) -> Iterator[FileFacts]:
        if not self._inflight:
            return
        if block:
            done, _ = wait(list(self._inflight), return_when=FIRST_COMPLETED)
        else:  # called after every submit: a look at each future, no waiter objects
            done = {fut for fut in self._inflight if fut.done()}
        broken = False
        for fut in done:
            try:
                result = fut.result()
            except BrokenProcessPool:
                broken = True  # stays in flight: _recover retries it
                continue
            self._taken(fut)
            self._add_timings(result.timings)
            yield from result.facts
        if broken:
            yield from self._recover()

    def _recover(self) -> Iterator[FileFacts]:
        """Retry every batch that was in flight on a new pool of workers."""
        suspects = [b.tasks for b in self._inflight.values()]
        self._inflight.clear()
        self._bytes = 0
        self._restart()
        yield from isolate(suspects, self._run_alone)

    def _restart(self) -> None:
        assert self._executor is not None
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()

    def _run_alone(self, tasks: list[Task]) -> list[FileFacts] | None:
        """One batch, waited for; None when it killed its worker (the pool is rebuilt)."""
        try:
            result = self._start(tasks).result()
        except BrokenProcessPool:
            self._restart()
            return None
        self._add_timings(result.timings)
        return result.facts

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def default_workers() -> int:
        return max(1, len(os.sched_getaffinity(0)))
