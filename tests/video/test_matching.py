"""vPDQ hash lists: import (vpdq file, zip, folder, CSV signal column), matching of re-encoded,
trimmed and unrelated copies, the `vpdq` export, clusters of copies and frame-of links."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import av
import pytest
from sqlalchemy import select

from synthtrace.case import Case, create_case
from synthtrace.match.importer import import_hashset
from synthtrace.scan.service import run_case_passes, scan_evidence
from synthtrace.store.models import FrameLink, HashEntry, Media
from synthtrace.video.budget import Budget
from synthtrace.video.framelinks import clock
from synthtrace.video.frames import FrameHash, hash_frames
from synthtrace.video.settings import set_vpdq_match_pct
from synthtrace.video.vpdqfile import format_signal, format_text
from tests.conftest import by_path, run_cli


def list_file(video: Path, dest: Path) -> Path:
    """What another agency sends: the clip hashed by Meta's vpdq when it is installed (else by
    ours, which is bit-identical), in ThreatExchange's text format."""
    try:
        import vpdq

        frames = [
            FrameHash(f.frame_number, f.quality, f.hex, f.timestamp)
            for f in vpdq.computeHash(str(video))
        ]
    except ImportError:
        with av.open(str(video)) as c:
            frames = hash_frames(c, c.streams.video[0], Budget(60)).hashes
    dest.write_text(format_text(frames))
    return dest


def vpdq_matches(case: Case) -> dict[str, list[dict[str, object]]]:
    return {
        path.rsplit("/", 1)[-1]: [m for m in rec["matches"] if m.get("kind") == "vpdq"]  # type: ignore[attr-defined]
        for path, rec in by_path(case).items()
    }


def test_a_vpdq_list_matches_re_encoded_remuxed_and_trimmed_copies_only(
    fresh_video_case: Case, clip_dir: Path, tmp_path: Path
) -> None:
    listed = list_file(clip_dir / "orig.mp4", tmp_path / "known-clip-17.vpdq.txt")
    report = import_hashset(fresh_video_case, listed, "agency videos", category="1")
    assert report.format == "vpdq" and report.entries == 1 and report.bad == 0
    with fresh_video_case.sessions() as s:
        entry = s.scalars(select(HashEntry)).one()
    assert entry.hash_type == "vpdq" and entry.label == "known-clip-17"
    found = vpdq_matches(fresh_video_case)
    for name in ("orig.mp4", "reenc.webm", "remux.mkv", "trim.mp4"):
        assert len(found[name]) == 1, name
        m = found[name][0]
        assert m["hashset"] == "agency videos" and m["category"] == "1"
        assert isinstance(m["query_match_pct"], float) and m["query_match_pct"] >= 80, name
    assert found["orig.mp4"][0]["query_match_pct"] == 100.0
    assert found["orig.mp4"][0]["compared_match_pct"] == 100.0
    # The trimmed copy is found whole in the list's video; the list's video only partly in it.
    trim = found["trim.mp4"][0]
    assert trim["query_match_pct"] == 100.0
    assert isinstance(trim["compared_match_pct"], float) and trim["compared_match_pct"] < 100
    assert found["other.mp4"] == [] and found["still.jpg"] == []


def test_the_match_threshold_is_a_case_setting(
    fresh_video_case: Case, clip_dir: Path, tmp_path: Path
) -> None:
    """With the trimmed copy as the listed video, the full video is found in it only in part:
    at 100 % only the trimmed copy itself matches."""
    listed = list_file(clip_dir / "trim.mp4", tmp_path / "trimmed.vpdq.txt")
    import_hashset(fresh_video_case, listed, "trimmed")
    found = vpdq_matches(fresh_video_case)
    assert found["trim.mp4"][0]["query_match_pct"] == 100.0
    partial = [m["query_match_pct"] for m in found["orig.mp4"]]
    assert all(80 <= p < 100 for p in partial)  # type: ignore[operator]
    set_vpdq_match_pct(fresh_video_case, 100)
    run_case_passes(fresh_video_case)
    found = vpdq_matches(fresh_video_case)
    assert found["orig.mp4"] == [] and len(found["trim.mp4"]) == 1


def test_zip_folder_and_csv_signal_lists(
    fresh_video_case: Case, clip_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "exchange"
    folder.mkdir()
    list_file(clip_dir / "orig.mp4", folder / "vid-a.vpdq.txt")
    list_file(clip_dir / "other.mp4", folder / "vid-b.vpdq.txt")
    (folder / "vid-c.vpdq.txt").write_text("not,a,vpdq,line\n")
    archive = tmp_path / "exchange.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, p.name)
    by_zip = import_hashset(fresh_video_case, archive, "zip", fmt="vpdq")
    assert by_zip.entries == 2 and by_zip.bad == 2  # vid-c: one bad line, and no frame at all
    by_folder = import_hashset(fresh_video_case, folder, "folder", fmt="vpdq")
    assert by_folder.format == "vpdq" and by_folder.entries == 2
    again = import_hashset(fresh_video_case, folder, "folder", fmt="vpdq")
    assert again.unchanged  # the same folder packs to the same bytes
    with fresh_video_case.sessions() as s:
        labels = sorted(
            str(e.label) for e in s.scalars(select(HashEntry).where(HashEntry.hash_type == "vpdq"))
        )
    assert labels == ["vid-a", "vid-a", "vid-b", "vid-b"]

    def signal(video: Path) -> str:
        with av.open(str(video)) as c:
            return format_signal(hash_frames(c, c.streams.video[0], Budget(60)).hashes)

    rows = [
        ["id", "category", "vpdq"],
        ["hma-1", "2", signal(clip_dir / "other.mp4")],
        ["hma-2", "1", '[{"hash": "zz"}]'],
    ]
    csv_file = tmp_path / "hma.csv"
    import csv

    with csv_file.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    by_csv = import_hashset(fresh_video_case, csv_file, "hma")
    assert by_csv.format == "vpdq" and by_csv.entries == 1 and by_csv.bad == 1
    found = vpdq_matches(fresh_video_case)
    assert {m["hashset"] for m in found["other.mp4"]} == {"zip", "folder", "hma"}
    assert {m["category"] for m in found["other.mp4"] if m["hashset"] == "hma"} == {"2"}
    assert {m["hashset"] for m in found["orig.mp4"]} == {"zip", "folder"}


def test_export_vpdq_writes_one_file_per_distinct_video_that_matches_back(
    video_case: Case, cli: object, tmp_path: Path, video_devices: list[Path]
) -> None:
    out = tmp_path / "export"
    code, text = run_cli(cli, "export", video_case.root, "--format", "vpdq", "-o", out)  # type: ignore[arg-type]
    assert code == 0, text
    files = sorted(out.iterdir())
    with video_case.sessions() as s:
        videos = {m.sha256 for m in s.scalars(select(Media)) if m.facts.get("video")}
    assert [f.name for f in files] == sorted(f"{sha}.vpdq.txt" for sha in videos)
    first = files[0].read_text().splitlines()[0].split(",")
    assert first[0] == "0" and len(first[2]) == 64 and first[3].endswith(".000")
    # Another agency imports the folder and finds the same videos in its own copy of the phones.
    with create_case(tmp_path / "other-agency", name="b", examiner="t") as other:
        scan_evidence(other, video_devices[1], "phone-b", workers=1)
        report = import_hashset(other, out, "from agency A", fmt="vpdq")
        # The re-muxed copy has the original's very frames: one entry for both.
        texts = {f.read_text() for f in files}
        assert report.entries == len(texts) == len(videos) - 1 and report.duplicates == 1
        found = vpdq_matches(other)
        assert all(found[n] for n in ("reenc.webm", "remux.mkv", "trim.mp4"))


def test_copies_of_a_video_share_a_cluster_across_devices(video_case: Case) -> None:
    recs = {p.rsplit("/", 1)[-1]: r for p, r in by_path(video_case).items()}
    copies = {recs[n]["cluster"] for n in ("orig.mp4", "reenc.webm", "remux.mkv", "trim.mp4")}
    assert len(copies) == 1 and None not in copies
    assert recs["orig.mp4"]["cluster_size"] == 4
    assert recs["other.mp4"]["cluster"] != recs["orig.mp4"]["cluster"]


def test_a_still_is_linked_to_the_videos_it_is_a_frame_of(video_case: Case) -> None:
    with video_case.sessions() as s:
        names = {}
        for m in s.scalars(select(Media)):
            names[m.id] = m
        links = list(s.scalars(select(FrameLink)))
    still = [lk for lk in links if names[lk.picture_id].mime == "image/jpeg"]
    linked = {names[lk.video_id].mime for lk in still}
    assert {"video/mp4", "video/webm", "video/x-matroska"} <= linked
    orig = next(
        lk for lk in still if names[lk.video_id].mime == "video/mp4" and lk.timestamp >= 2.9
    )
    assert orig.timestamp == pytest.approx(3.0, abs=0.5) and clock(orig.timestamp) == "00:00:03"
    recs: dict[str, Any] = {p.rsplit("/", 1)[-1]: r for p, r in by_path(video_case).items()}
    frame_of = recs["still.jpg"]["frame_of"]
    assert any(f["video_sha256"] == recs["orig.mp4"]["sha256"] for f in frame_of)
    assert any(f["time"] == "00:00:03" for f in frame_of)
    found = recs["orig.mp4"]["frames_found"]
    assert any(f["picture_sha256"] == recs["still.jpg"]["sha256"] for f in found)
    json.dumps(recs["still.jpg"])


def test_vics_carries_vpdq_to_another_agency_and_back(
    video_case: Case, tmp_path: Path, video_devices: list[Path]
) -> None:
    """A VICS #Media export holds each video's vPDQ signal in AlternativeHashes; imported by
    another agency, it matches their copies of the videos by vPDQ."""
    from synthtrace.export.service import export_case

    out = tmp_path / "media.json"
    with out.open("w") as fh:
        export_case(video_case, "vics-media", fh, destination=str(out))
    doc = json.loads(out.read_text())
    signals = [a for m in doc["value"] for a in m["AlternativeHashes"] if a["HashName"] == "vPDQ"]
    assert len(signals) == 5  # the five videos (the still has none)
    frames = json.loads(signals[0]["HashValue"])
    assert {"hash", "quality", "timestamp"} <= set(frames[0])
    with create_case(tmp_path / "other-agency", name="b", examiner="t") as other:
        scan_evidence(other, video_devices[1], "phone-b", workers=1)
        import_hashset(other, out, "from agency A (VICS)")
        found = vpdq_matches(other)
        assert all(found[n] for n in ("reenc.webm", "remux.mkv", "trim.mp4"))
