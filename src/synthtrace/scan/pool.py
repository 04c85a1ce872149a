"""A bounded pool of analysis processes that survives a decoder crashing on hostile input.

Bounded: at most `4 x workers` tasks and 256 MiB of member bytes are in flight, so memory does not
grow with the evidence. Crash-proof: if a worker dies (a segfault in a native decoder), the pool is
rebuilt and each task that was in flight is retried alone; the one that kills its worker again is
recorded with its digests and an error instead of its image facts.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from synthtrace.analyze.pipeline import FileFacts, MediaFacts, Task, analyze_task
from synthtrace.limits import Limits, MiB

MAX_INFLIGHT_BYTES = 256 * MiB

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


class AnalysisPool:
    def __init__(
        self,
        workers: int,
        limits: Limits,
        thumbs_dir: Path | None,
        analyzers: bool = True,
        runner: Callable[[Task], FileFacts] = _run,
    ) -> None:
        """`runner` is what a worker runs per task: a module-level function (it is pickled by
        name); tests pass one that crashes its process, to exercise the recovery."""
        self.workers = workers
        self.runner = runner
        self.analyzers = analyzers
        self.limits = limits
        self.thumbs_dir = thumbs_dir
        self.max_inflight = max(2, workers * 4)
        self._inflight: dict[Future[FileFacts], Task] = {}
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

    @property
    def pending_seqs(self) -> list[int]:
        return [t.seq for t in self._inflight.values()]

    def submit(self, task: Task) -> Iterator[FileFacts]:
        """Queue a task; yields results that had to be collected to make room for it."""
        if self._executor is None:
            thumbs = thumb_path(self.thumbs_dir) if self.thumbs_dir else None
            yield analyze_task(task, self.limits, thumbs, self.analyzers)
            return
        size = len(task.data) if task.data is not None else 0
        while self._inflight and (
            len(self._inflight) >= self.max_inflight or self._bytes + size > MAX_INFLIGHT_BYTES
        ):
            yield from self._collect(block=True)
        self._inflight[self._executor.submit(self.runner, task)] = task
        self._bytes += size

    def ready(self) -> Iterator[FileFacts]:
        """Results that are done now, without waiting."""
        yield from self._collect(block=False)

    def drain(self) -> Iterator[FileFacts]:
        while self._inflight:
            yield from self._collect(block=True)

    def _collect(self, block: bool) -> Iterator[FileFacts]:
        if not self._inflight:
            return
        done, _ = wait(
            list(self._inflight), timeout=None if block else 0, return_when=FIRST_COMPLETED
        )
        broken = False
        for fut in done:
            task = self._inflight.pop(fut)
            self._bytes -= len(task.data) if task.data is not None else 0
            try:
                yield fut.result()
            except BrokenProcessPool:
                self._inflight[fut] = task
                self._bytes += len(task.data) if task.data is not None else 0
                broken = True
        if broken:
            yield from self._recover()

    def _recover(self) -> Iterator[FileFacts]:
        suspects = list(self._inflight.values())
        self._inflight.clear()
        self._bytes = 0
        assert self._executor is not None
        self._executor.shutdown(wait=False, cancel_futures=True)
        for task in suspects:
            self._executor = self._new_executor()
            try:
                yield self._executor.submit(self.runner, task).result()
            except BrokenProcessPool:
                self._executor.shutdown(wait=False, cancel_futures=True)
                yield digests_only(
                    task, "analysis crashed its worker process; only digests recorded"
                )
        self._executor = self._new_executor()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def default_workers() -> int:
        return max(1, len(os.sched_getaffinity(0)))
