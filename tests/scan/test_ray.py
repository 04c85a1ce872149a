"""The Ray executor: a real local Ray, and a simulated two-node cluster, against the local pool.

Few and quick: Ray takes seconds to start, so each test starts it once and checks several things.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synthtrace.analyze.pipeline import FileFacts, Task, analyze_task
from synthtrace.case import create_case, open_case
from synthtrace.limits import Limits
from synthtrace.scan.service import ScanError, scan_evidence
from tests.builders import small_jpeg, write, zip_bytes
from tests.conftest import records

# Ray resolves a loopback address to the machine's outward one unless it runs in single-host mode:
# tests must stay on loopback (this process, and the scans it starts, inherit the setting).
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
ray = pytest.importorskip("ray")
cluster_utils = pytest.importorskip("ray.cluster_utils")

from synthtrace.scan.raypool import RayPool  # noqa: E402 (needs Ray)

pytestmark = pytest.mark.slow


def _evidence(root: Path, files: int) -> Path:
    for i in range(files):
        write(root / "pics" / f"{i // 50:02d}" / f"img_{i:04d}.jpg", small_jpeg(i))
    write(root / "pics" / "dup.jpg", small_jpeg(0))
    # Members travel to the workers as bytes through the object store; nested, with a marker.
    write(
        root / "a.zip",
        zip_bytes({f"in/{i}.jpg": small_jpeg(1000 + i) for i in range(10)}),
    )
    write(root / "notes.txt", b"a red barn in a field\n")
    return root


def _thumbnails(case_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (case_dir / "thumbs").rglob("*.jpg")}


def _local_reference(tmp_path: Path, ev: Path) -> tuple[str, dict[str, bytes]]:
    with create_case(tmp_path / "local", name="reference") as case:
        scan_evidence(case, ev, "dev", workers=2)
        return json.dumps(records(case)), _thumbnails(tmp_path / "local")


def test_local_ray_scan_exports_like_the_local_pool(tmp_path: Path) -> None:
    ev = _evidence(tmp_path / "ev", files=150)
    expected, thumbs = _local_reference(tmp_path, ev)
    assert not ray.is_initialized()
    with create_case(tmp_path / "ray", name="ray") as case:
        # No address and no $RAY_ADDRESS: the executor starts a local Ray and stops it again.
        env = os.environ.pop("RAY_ADDRESS", None)
        try:
            outcome = scan_evidence(case, ev, "dev", workers=2, executor="ray")
        finally:
            if env is not None:
                os.environ["RAY_ADDRESS"] = env
        assert json.dumps(records(case)) == expected
        assert outcome.executor == "ray" and sum(outcome.nodes.values()) >= 3
        again = scan_evidence(case, ev, "dev", executor="ray")
        assert again.resumed and again.files == 0  # repeat: nothing added
    assert not ray.is_initialized()
    assert _thumbnails(tmp_path / "ray") == thumbs  # made on the workers, filed by the head
    assert not list((tmp_path / "ray" / "thumbs").rglob("*.part"))


def test_unreachable_cluster_is_a_clear_error(tmp_path: Path) -> None:
    ev = _evidence(tmp_path / "ev", files=1)
    with create_case(tmp_path / "case", name="c") as case, pytest.raises(ScanError) as err:
        scan_evidence(case, ev, "dev", executor="ray", ray_address="127.0.0.1:1")
    assert "Ray cluster 127.0.0.1:1" in str(err.value)
    with open_case(tmp_path / "case") as case:
        assert records(case) == []  # nothing registered for a scan that could not start


@pytest.fixture
def two_nodes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A head and one more node, one CPU each, on loopback: a lab's head and worker to Ray."""
    temp = tempfile.mkdtemp(prefix="ray-")  # short: Ray's socket paths must fit in 107 bytes
    monkeypatch.setenv("RAY_TMPDIR", temp)  # Ray's files (and its "current cluster" note) there
    loopback = {"num_cpus": 1, "node_ip_address": "127.0.0.1"}
    cluster = cluster_utils.Cluster(
        initialize_head=True, head_node_args={**loopback, "include_dashboard": False}
    )
    cluster.add_node(**loopback)
    cluster.wait_for_nodes()
    try:
        yield cluster
    finally:
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


def _scan_cmd(case_dir: Path, ev: Path, address: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "synthtrace",
        "scan",
        str(case_dir),
        str(ev),
        "--label",
        "dev",
        "--executor",
        "ray",
        "--ray-address",
        address,
    ]


def test_two_node_cluster_sigkill_and_resume(two_nodes: Any, tmp_path: Path) -> None:
    # Enough files that the writer commits (every 2 s) while the scan is still going.
    ev = _evidence(tmp_path / "ev", files=800)
    expected, thumbs = _local_reference(tmp_path, ev)

    # In this process: both nodes analyse, and the export is the local pool's.
    ray.init(address=two_nodes.address, log_to_driver=False)
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    with create_case(tmp_path / "inproc", name="two nodes") as case:
        outcome = scan_evidence(case, ev, "dev", executor="ray")
        assert json.dumps(records(case)) == expected
    assert len(outcome.nodes) == 2, outcome.nodes
    _a_crashing_file_is_isolated(tmp_path)
    ray.shutdown()

    # The scanning process killed mid-scan (the cluster lives on), then resumed: nothing lost or
    # doubled, and the same export again.
    killed = tmp_path / "killed"
    create_case(killed, name="killed").close()
    proc = subprocess.Popen(
        _scan_cmd(killed, ev, two_nodes.address),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if _stored(killed) > 0:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the scan ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < _stored(killed) < len(json.loads(expected))
    final = subprocess.run(_scan_cmd(killed, ev, two_nodes.address), capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert "resumed" in final.stdout
    with open_case(killed) as case:
        assert json.dumps(records(case)) == expected
    assert _thumbnails(killed) == thumbs


def _a_crashing_file_is_isolated(tmp_path: Path) -> None:
    """A Ray worker dying on one file (a segfaulting decoder): the batch is retried in halves,
    the file is recorded with its digests and an error, the rest analysed, nothing doubled."""

    def crash_on_poison(task: Task) -> FileFacts:  # nested: Ray ships it by value
        if task.path.endswith("poison.jpg"):
            os._exit(139)
        return analyze_task(task, Limits(), None)

    names = [f"{i}.jpg" for i in range(12)]
    names[5] = "poison.jpg"
    tasks = []
    for seq, name in enumerate(names, start=1):
        path = write(tmp_path / "crash" / name, small_jpeg(seq))
        tasks.append(Task(seq=seq, path=name, fs_path=os.fsencode(path)))
    pool = RayPool(None, Limits(), tmp_path / "crash-thumbs", runner=crash_on_poison)
    try:
        results = [f for task in tasks for f in pool.submit(task)]
        results.extend(pool.drain())
    finally:
        pool.close()
    assert sorted(r.path for r in results) == sorted(names)  # nothing lost, nothing doubled
    by_path = {r.path: r for r in results}
    poisoned = by_path["poison.jpg"].media
    assert poisoned is not None and any("crashed its worker" in e for e in poisoned.errors)
    assert all(by_path[n].media.image is not None for n in names if n != "poison.jpg")  # type: ignore[union-attr]


def _stored(case_dir: Path) -> int:
    from sqlalchemy import create_engine, text

    url = json.loads((case_dir / "case.json").read_text())["database_url"]
    engine = create_engine(url or f"sqlite:///{case_dir / 'case.db'}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("select count(*) from files")).scalar_one())
    finally:
        engine.dispose()
