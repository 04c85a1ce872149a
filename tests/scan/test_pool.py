"""A worker killed by a native decoder (a segfault on hostile input) must not stop the scan."""

from __future__ import annotations

import os
from pathlib import Path

from synthtrace.analyze.pipeline import FileFacts, Task
from synthtrace.limits import Limits
from synthtrace.scan import pool
from tests.builders import small_jpeg


def crash_on_poison(task: Task) -> FileFacts:
    """Runs in the worker: dies like a segfaulting decoder on the poisoned file."""
    if task.path.endswith("poison.jpg"):
        os._exit(139)
    return pool._run(task)


def test_a_crashing_file_is_isolated_and_the_rest_analysed(tmp_path: Path) -> None:
    names = ["a.jpg", "b.jpg", "poison.jpg", "c.jpg", "d.jpg", "e.jpg"]
    tasks = []
    for seq, name in enumerate(names, start=1):
        path = tmp_path / name
        path.write_bytes(small_jpeg(seq))
        tasks.append(Task(seq=seq, path=name, fs_path=os.fsencode(path)))
    p = pool.AnalysisPool(2, Limits(), tmp_path / "thumbs", runner=crash_on_poison)
    try:
        results = []
        for task in tasks:
            results.extend(p.submit(task))
        results.extend(p.drain())
    finally:
        p.close()
    by_path = {r.path: r for r in results}
    assert sorted(by_path) == sorted(names)  # nothing lost
    assert len(results) == len(names)  # nothing doubled
    poisoned = by_path["poison.jpg"].media
    assert poisoned is not None and poisoned.sha256  # still identified by its digests
    assert any("crashed its worker" in e for e in poisoned.errors)
    for name in names:
        if name != "poison.jpg":
            media = by_path[name].media
            assert media is not None and media.image is not None and media.image.pdq
