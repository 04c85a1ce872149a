"""The Ray executor against the local process pool, in the same run, on the scan benchmark's photos.

The same corpus (12 MP JPEGs, benign sample photos with grain and camera EXIF) is scanned into
fresh cases four ways: the local pool (the baseline), Ray on this machine with Ray already
running (what a lab's cluster is), Ray on this machine started by the scan itself (start-up
included), and a simulated two-node cluster (`ray.cluster_utils.Cluster`: a head and a worker
node, one CPU each, on loopback; on one machine this measures the cost of the cluster's
scheduling and object transfer, not a speed-up). Printed: photos/s, the ratio to the local pool
(target: Ray at most 1.2x the local pool's time on two cores), peak memory of the process tree,
batches per node, and that every export equals the local pool's.

    .venv/bin/python benchmarks/scale_bench.py [--photos 96] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scan_bench import ROOT, PeakRSS, build_corpus
from synthtrace.case import create_case
from synthtrace.export.records import iter_records
from synthtrace.scan.service import ScanOutcome, scan_evidence

# Ray stays on loopback on this machine (it would otherwise resolve 127.0.0.1 to the outward IP).
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")


def run(corpus: Path, **scan: object) -> tuple[float, int, str, ScanOutcome]:
    with (
        tempfile.TemporaryDirectory(dir=ROOT) as tmp,
        create_case(Path(tmp) / "case", name="scale bench") as case,
    ):
        with PeakRSS() as mem:
            start = time.perf_counter()
            outcome = scan_evidence(case, corpus, "bench", **scan)  # type: ignore[arg-type]
            seconds = time.perf_counter() - start
        with case.sessions() as s:
            export = json.dumps(list(iter_records(s)))
    return seconds, mem.peak, export, outcome


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--photos", type=int, default=96)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2, help="runs per way; the best is kept")
    args = ap.parse_args()
    import ray
    from ray.cluster_utils import Cluster

    from synthtrace.scan.raypool import ray_session

    corpus = build_corpus(args.photos)
    warm = build_corpus(1)
    n = args.photos
    workers = args.workers
    rows: list[tuple[str, float, int, str, ScanOutcome]] = []

    def measure(name: str, fn: Callable[[], tuple[float, int, str, ScanOutcome]]) -> None:
        best: tuple[float, int, str, ScanOutcome] | None = None
        for _ in range(args.repeat):
            got = fn()
            if best is None or got[0] < best[0]:
                best = got
        assert best is not None
        rows.append((name, best[0], best[1], best[2], best[3]))
        print(f"{name}: {best[0]:.2f} s", flush=True)

    run(warm, workers=workers)
    measure("local pool", lambda: run(corpus, workers=workers))
    with ray_session(None, workers):
        run(warm, workers=workers, executor="ray")
        measure("Ray, already running", lambda: run(corpus, workers=workers, executor="ray"))
    measure("Ray, started by the scan", lambda: run(corpus, workers=workers, executor="ray"))

    scratch = tempfile.mkdtemp(prefix="ray-")
    os.environ["RAY_TMPDIR"] = scratch
    loopback = {"num_cpus": 1, "node_ip_address": "127.0.0.1"}
    cluster = Cluster(initialize_head=True, head_node_args={**loopback, "include_dashboard": False})
    cluster.add_node(**loopback)
    cluster.wait_for_nodes()
    try:
        address = cluster.address
        ray.init(address=address, log_to_driver=False)
        run(warm, executor="ray")
        measure("two-node cluster (1 CPU each)", lambda: run(corpus, executor="ray"))
        ray.shutdown()
    finally:
        cluster.shutdown()

    base = rows[0][1]
    print()
    print(f"{n} photos of 12 MP, {workers} workers, on {os.cpu_count()} cores")
    print("(worker ms/photo: analysis time summed over the workers, per photo)")
    print(
        f"{'':34} {'photos/s':>9} {'time vs local':>14} {'worker ms/photo':>16} "
        f"{'peak memory':>12}  batches per node"
    )
    for name, seconds, peak, export, outcome in rows:
        same = "" if export == rows[0][3] else "  EXPORT DIFFERS"
        nodes = outcome.nodes
        per_node = ", ".join(str(v) for v in sorted(nodes.values(), reverse=True)) or "-"
        worker = sum(v for k, v in outcome.timings.items() if k.endswith("(workers)"))
        print(
            f"{name:34} {n / seconds:9.2f} {seconds / base:13.2f}x {worker / n * 1000:16.1f} "
            f"{peak / 1e6:9.0f} MB  {per_node}{same}"
        )


if __name__ == "__main__":
    main()
