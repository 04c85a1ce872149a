"""One file's analysis, from bytes to facts: what a worker process runs for every task.

Order matters for forensic value: the three digests come first (so an analysis that fails later
still identifies the file), then the type, then image decoding and the further analyzers. Small
files travel in batches (`analyze_batch`): one round trip to a worker per batch, not per file.
"""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO

from synthtrace.analyze.content import Content
from synthtrace.analyze.digests import digest_content
from synthtrace.analyze.filetype import detect_mime, extension_mismatch, name_claim_error
from synthtrace.analyze.image import ImageFacts, analyze_image, is_image_mime
from synthtrace.errors import describe
from synthtrace.evidence.reading import CHUNK, open_evidence
from synthtrace.limits import Limits

HEAD = 64 * 1024

# Stages a scan reports its time in (benchmarks print them): per worker, summed over files.
Timings = dict[str, float]


def _charge(timings: Timings | None, stage: str, since: float) -> float:
    now = time.perf_counter()
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + now - since
    return now


@dataclass
class Task:
    """What a worker needs for one file: where to read it, or its bytes, and its address."""

    seq: int
    path: str
    fs_path: bytes | None = None
    data: bytes | None = None
    size: int = 0  # as the walk saw it: what batching weighs the task by


@dataclass
class MediaFacts:
    """Facts about the content itself, the same wherever the content is found."""

    md5: str
    sha1: str
    sha256: str
    size: int
    mime: str
    image: ImageFacts | None = None
    errors: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class FileFacts:
    seq: int
    path: str
    extension_mismatch: bool = False
    errors: list[str] = field(default_factory=list)  # about this location (could not read, ...)
    media: MediaFacts | None = None
    seconds: float = 0.0


@dataclass
class BatchResult:
    facts: list[FileFacts]
    timings: Timings


class AnalysisTimeout(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise AnalysisTimeout


class _Deadline:
    """Abandons an analysis that runs too long (only in a main thread, where signals arrive)."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.active = seconds > 0 and threading.current_thread() is threading.main_thread()

    def __enter__(self) -> None:
        if self.active:
            self.previous = signal.signal(signal.SIGALRM, _alarm)
            signal.alarm(self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.active:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, self.previous)


def analyze_stream(
    path: str,
    opener: Callable[[], BinaryIO],
    limits: Limits,
    thumb_for: Callable[[str], Path] | None,
    data: bytes | None = None,
    analyzers: bool = True,
    timings: Timings | None = None,
) -> tuple[MediaFacts, bool]:
    """Analyse content that can be (re)opened; returns media facts and the extension verdict."""
    t = time.perf_counter()
    if data is not None:
        digests, head = digest_content(data, None, HEAD)
    else:
        with opener() as fh:
            digests, head = digest_content(None, fh, HEAD)
    t = _charge(timings, "digests", t)
    mime = detect_mime(head)
    media = MediaFacts(digests.md5, digests.sha1, digests.sha256, digests.size, mime)
    mismatch = extension_mismatch(path, mime)
    if (claim := name_claim_error(path, mime, digests.size)) is not None:
        media.errors.append(claim)
    t = _charge(timings, "type", t)
    content = Content(
        path=path,
        mime=mime,
        size=digests.size,
        sha256=digests.sha256,
        open=opener,
        data=data,
    )
    try:
        with _Deadline(limits.seconds_for(mime)):
            if is_image_mime(mime):
                thumb = thumb_for(digests.sha256) if thumb_for else None
                with opener() as stream:
                    media.image, content.image = analyze_image(stream, limits, thumb)
                    if analyzers:
                        _run_analyzers(content, media, limits)
            elif analyzers:
                _run_analyzers(content, media, limits)
    except AnalysisTimeout:
        media.errors.append(f"analysis abandoned after {limits.seconds_for(mime)} s")
    _charge(timings, "analyze", t)
    return media, mismatch


def _run_analyzers(content: Content, media: MediaFacts, limits: Limits) -> None:
    from synthtrace.builtins import CONTENT_ANALYZERS

    for analyzer in CONTENT_ANALYZERS:
        try:
            result = analyzer.analyze(content, limits)
        except AnalysisTimeout:
            raise
        except Exception as exc:  # one analyzer failing is an error on the file, not the scan
            media.errors.append(f"{analyzer.name} analysis failed: {describe(exc)}")
            continue
        media.errors.extend(result.errors)
        if result.facts is not None:
            media.facts[analyzer.name] = result.facts


def analyze_task(
    task: Task,
    limits: Limits,
    thumb_for: Callable[[str], Path] | None,
    analyzers: bool = True,
    timings: Timings | None = None,
) -> FileFacts:
    """Analyse one file; any failure is recorded on the file and never raised.

    `analyzers=False` skips the content analyzers (provenance, ...): only benchmarks use it, to
    measure what those analyzers cost.
    """

    start = time.perf_counter()
    result = FileFacts(seq=task.seq, path=task.path)
    try:
        if task.data is not None:
            data = task.data
            result.media, result.extension_mismatch = analyze_stream(
                task.path, lambda: io.BytesIO(data), limits, thumb_for, data, analyzers, timings
            )
        elif task.fs_path is not None:
            fs_path = task.fs_path
            with open_evidence(fs_path) as fh:
                size = os.fstat(fh.fileno()).st_size
                whole = fh.readall() if size <= limits.in_memory_bytes else None
            _charge(timings, "read", start)
            if whole is not None:
                result.media, result.extension_mismatch = analyze_stream(
                    task.path,
                    lambda: io.BytesIO(whole),
                    limits,
                    thumb_for,
                    whole,
                    analyzers,
                    timings,
                )
            else:
                result.media, result.extension_mismatch = analyze_stream(
                    task.path,
                    lambda: io.BufferedReader(open_evidence(fs_path), CHUNK),
                    limits,
                    thumb_for,
                    analyzers=analyzers,
                    timings=timings,
                )
        else:
            result.errors.append("no content to read")
    except OSError as exc:
        result.errors.append(f"could not be read: {exc.strerror or exc}")
    except Exception as exc:  # last line of defence: the scan goes on
        result.errors.append(f"analysis failed: {describe(exc)}")
    result.seconds = time.perf_counter() - start
    return result


def analyze_batch(
    tasks: list[Task],
    limits: Limits,
    thumb_for: Callable[[str], Path] | None,
    analyzers: bool = True,
) -> BatchResult:
    """Analyse several files in one worker round trip, each on its own as `analyze_task` does."""
    timings: Timings = {}
    facts = [analyze_task(task, limits, thumb_for, analyzers, timings) for task in tasks]
    return BatchResult(facts, timings)
