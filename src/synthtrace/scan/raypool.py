"""The analysis on a Ray cluster: the same batches, bounds and crash recovery as the local pool.

Only the analysis moves. The walk, the single writer and the archive markers stay in the
scanning process on the head, so a Ray scan resumes exactly as a local one does and exports the
same records. A regular file travels as its path: every node must see the evidence at the same
path (a shared, read-only mount). Archive and disk-image members travel as bytes, through Ray's
object store. Workers never touch the case folder: each batch makes its thumbnails in a
temporary folder of the worker, returns them as bytes, and the head files them in the case.

Bounded as the local pool is: at most two batches per CPU of the cluster and 256 MiB of member
bytes in flight. A batch whose worker dies (a native decoder's segfault, a node lost) is retried
in halves until the one file that kills it is recorded with its digests and an error.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthtrace.analyze.pipeline import BatchResult, FileFacts, Task, analyze_batch
from synthtrace.limits import Limits
from synthtrace.scan.batching import BatchingExecutor, isolate
from synthtrace.scan.pool import thumb_path

NO_RAY = "the Ray executor needs Ray: pip install 'synthtrace[cluster]'"
ONE_BLAS_THREAD = {v: "1" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
LOCAL_OBJECT_STORE = 512 * 1024 * 1024  # a local Ray's shared memory: far above what is in flight


class RayUnavailable(RuntimeError):
    """Ray is not installed or the cluster cannot be reached."""


@dataclass
class RayBatch:
    """What a Ray worker sends back: the facts, the thumbnails it made, where it ran."""

    result: BatchResult
    thumbnails: dict[str, bytes]
    node: str


def run_batch(
    tasks: list[Task],
    limits: Limits,
    analyzers: bool,
    runner: Callable[[Task], FileFacts] | None = None,
) -> RayBatch:
    """A Ray worker's task: one batch analysed, its thumbnails read back from a scratch folder."""
    import ray

    with tempfile.TemporaryDirectory(prefix="synthtrace-thumbs-") as scratch:
        root = Path(scratch)
        if runner is not None:
            result = BatchResult([runner(task) for task in tasks], {})
        else:
            result = analyze_batch(tasks, limits, thumb_path(root), analyzers)
        thumbnails = {p.stem: p.read_bytes() for p in root.glob("*/*.jpg")}
    return RayBatch(result, thumbnails, ray.get_runtime_context().get_node_id())


def _file_thumbnail(thumbs_dir: Path, sha256: str, data: bytes) -> None:
    dest = thumb_path(thumbs_dir)(sha256)
    if dest.exists():
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    part.write_bytes(data)
    os.replace(part, dest)  # a killed scan leaves no half-written thumbnail under its name


def _reachable(address: str, seconds: float = 5.0) -> None:
    """Fail at once on a cluster address nothing answers at (Ray itself retries for minutes)."""
    hostport = address.split("://", 1)[-1]
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        return  # "auto" and the like: Ray resolves those itself
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=seconds):
            pass
    except OSError as exc:
        raise ConnectionError(f"nothing answers at {hostport} ({exc.strerror or exc})") from exc


def connect(address: str | None, workers: int | None) -> tempfile.TemporaryDirectory[str] | None:
    """Connect this process to the cluster at `address`, or start a local Ray (on loopback, its
    files in the scratch folder returned, which the caller removes after `ray.shutdown()`)."""
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable(
            "the Ray executor needs Ray: pip install 'synthtrace[cluster]'"
        ) from exc
    try:
        if address:
            _reachable(address)
            ray.init(address=address, log_to_driver=False, configure_logging=False)
            return None
        # Short: Ray's socket paths must fit in 107 bytes.
        scratch = tempfile.TemporaryDirectory(prefix="ray-", ignore_cleanup_errors=True)
        ray.init(
            address="local",
            num_cpus=workers or None,
            include_dashboard=False,
            object_store_memory=LOCAL_OBJECT_STORE,
            log_to_driver=False,
            configure_logging=False,
            _temp_dir=scratch.name,
            _node_ip_address="127.0.0.1",  # a local Ray talks to itself only
        )
        return scratch
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or "(local)"
        raise RayUnavailable(f"cannot reach the Ray cluster {where}: {exc}") from exc


@contextmanager
def ray_session(address: str | None, workers: int | None) -> Iterator[None]:
    """One connection (or local Ray) for several scans: pools made inside it reuse it."""
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable(NO_RAY) from exc

    if ray.is_initialized():
        yield
        return
    scratch = connect(address or os.environ.get("RAY_ADDRESS") or None, workers)
    try:
        yield
    finally:
        ray.shutdown()
        if scratch is not None:
            scratch.cleanup()


class RayPool(BatchingExecutor):
    """`AnalysisPool`'s interface (submit, ready, drain, min_pending_seq, timings, close) on Ray."""

    def __init__(
        self,
        workers: int | None,
        limits: Limits,
        thumbs_dir: Path | None,
        analyzers: bool = True,
        address: str | None = None,
        runner: Callable[[Task], FileFacts] | None = None,
    ) -> None:
        """`address`: a running cluster (`host:port`, `ray://…`), else $RAY_ADDRESS, else a local
        Ray started here (and stopped by `close`). `workers` caps the batches running at once;
        None uses every CPU the cluster has. `runner` replaces the analysis (tests: a crash)."""
        try:
            import ray
        except ImportError as exc:
            raise RayUnavailable(NO_RAY) from exc
        super().__init__()
        self._ray: Any = ray  # Ray's own annotations cover only part of its API
        self.limits = limits
        self.thumbs_dir = thumbs_dir
        self.analyzers = analyzers
        self.runner = runner
        self.nodes: Counter[str] = Counter()  # batches analysed per Ray node
        self._owns_ray = False  # connected (or started) here, so disconnected by close()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        address = address or os.environ.get("RAY_ADDRESS") or None
        if not ray.is_initialized():
            self._connect(address, workers)
        cpus = int(self._ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, min(workers, cpus) if workers else cpus)
        self.max_inflight = max(2, self.workers * 2)
        # One CPU per task, and BLAS pinned to one thread in the workers, as the local pool does
        # (measured there: per-worker BLAS pools spinning against each other halve the speed).
        self._remote: Any = ray.remote(run_batch).options(
            num_cpus=1, max_retries=0, runtime_env={"env_vars": ONE_BLAS_THREAD}
        )
        self._limits_ref = ray.put(limits)

    def _connect(self, address: str | None, workers: int | None) -> None:
        self._scratch = connect(address, workers)
        self._owns_ray = True

    def _start(self, tasks: list[Task]) -> Any:
        return self._remote.remote(tasks, self._limits_ref, self.analyzers, self.runner)

    def _accept(self, done: RayBatch) -> list[FileFacts]:
        self._add_timings(done.result.timings)
        if self.thumbs_dir is not None:
            for sha256, data in done.thumbnails.items():
                _file_thumbnail(self.thumbs_dir, sha256, data)
        self.nodes[done.node] += 1
        return done.result.facts

    def _collect(self, block: bool) -> Iterator[FileFacts]:
        if not self._inflight:
            return
        ray = self._ray
        refs = list(self._inflight)
        if block:
            done, _ = ray.wait(refs, num_returns=1)
        else:
            done, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        for ref in done:
            batch = self._taken(ref)
            try:
                result: RayBatch = ray.get(ref)
            except ray.exceptions.RayError:
                yield from isolate([batch.tasks], self._run_alone)
                continue
            yield from self._accept(result)

    def _run_alone(self, tasks: list[Task]) -> list[FileFacts] | None:
        """One batch, waited for; None when its worker died."""
        try:
            return self._accept(self._ray.get(self._start(tasks)))
        except self._ray.exceptions.RayError:
            return None

    def close(self) -> None:
        ray = self._ray
        for ref in self._inflight:
            ray.cancel(ref, force=True)
        self._inflight.clear()
        if self._owns_ray:
            ray.shutdown()
            if self._scratch is not None:
                self._scratch.cleanup()
