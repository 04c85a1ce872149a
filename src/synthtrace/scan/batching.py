"""Batches in flight, bounded, and the hunt for the file that kills a worker.

What every executor shares whatever runs its batches (local processes, a Ray cluster): small
files travel several to a batch (up to 64 files or 4 MiB), at most `max_inflight` batches and
256 MiB of member bytes are out at once, and a batch whose worker died is retried in halves
until the one file that kills it is recorded with its digests and an error.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from synthtrace.analyze.pipeline import FileFacts, MediaFacts, Task, Timings
from synthtrace.limits import MiB

MAX_INFLIGHT_BYTES = 256 * MiB
BATCH_FILES = 64
BATCH_BYTES = 4 * MiB
CRASHED = "analysis crashed its worker process; only digests recorded"


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


class BatchingExecutor:
    """Submit, ready, drain and min_pending_seq over batches; subclasses say how a batch starts
    (`_start`, returning a handle) and how finished handles are collected (`_collect`)."""

    workers: int

    def __init__(self) -> None:
        self.timings: Timings = {}
        self.max_inflight = 2
        self._inflight: dict[Any, Batch] = {}
        self._open = Batch()
        self._bytes = 0

    def _start(self, tasks: list[Task]) -> Any:
        raise NotImplementedError

    def _collect(self, block: bool) -> Iterator[FileFacts]:
        raise NotImplementedError

    def min_pending_seq(self) -> int | None:
        """The lowest sequence number not yet returned (tasks are numbered in submit order)."""
        firsts = [b.tasks[0].seq for b in self._inflight.values() if b.tasks]
        if self._open.tasks:
            firsts.append(self._open.tasks[0].seq)
        return min(firsts) if firsts else None

    def submit(self, task: Task) -> Iterator[FileFacts]:
        """Queue a task; yields results that had to be collected to make room for it."""
        self._open.add(task)
        if self._open.full:
            yield from self._send()

    def ready(self) -> Iterator[FileFacts]:
        """Results that are done now, without waiting."""
        yield from self._collect(block=False)

    def drain(self) -> Iterator[FileFacts]:
        yield from self._send()
        while self._inflight:
            yield from self._collect(block=True)

    def _send(self) -> Iterator[FileFacts]:
        batch, self._open = self._open, Batch()
        if not batch.tasks:
            return
        while self._inflight and (
            len(self._inflight) >= self.max_inflight
            or self._bytes + batch.data_bytes > MAX_INFLIGHT_BYTES
        ):
            yield from self._collect(block=True)
        self._inflight[self._start(batch.tasks)] = batch
        self._bytes += batch.data_bytes

    def _taken(self, handle: Any) -> Batch:
        """The batch of a finished handle, no longer counted in flight."""
        batch = self._inflight.pop(handle)
        self._bytes -= batch.data_bytes
        return batch

    def _add_timings(self, timings: Timings) -> None:
        for stage, seconds in timings.items():
            self.timings[stage] = self.timings.get(stage, 0.0) + seconds


def isolate(
    suspects: Iterable[list[Task]], run: Callable[[list[Task]], list[FileFacts] | None]
) -> Iterator[FileFacts]:
    """Run each batch again, halving one each time `run` says (None) that it killed its worker,
    until the file that does is alone; that one gets its digests and an error."""
    queue = deque(suspects)
    while queue:
        tasks = queue.popleft()
        facts = run(tasks)
        if facts is not None:
            yield from facts
        elif len(tasks) == 1:
            yield digests_only(tasks[0], CRASHED)
        else:
            half = len(tasks) // 2
            queue.extendleft([tasks[half:], tasks[:half]])


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
