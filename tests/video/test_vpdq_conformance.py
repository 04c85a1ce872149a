"""Our vPDQ against Meta's: ThreatExchange's sample hashes and match percentages, and the vpdq
package itself on the same files (bit for bit)."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import av
import pytest

from synthtrace.video.budget import Budget
from synthtrace.video.compare import FrameSets, all_pairs, match_percentages
from synthtrace.video.frames import FrameHash, hash_frames
from synthtrace.video.vpdqfile import format_text, read_text
from tests.conftest import anchors

VIDEOS = ("pattern-hd-no-bar", "doorknob-hd-no-bar", "pattern-sd-with-small-logo-bar")


def vpdq_dir() -> Path:
    return anchors() / "ThreatExchange" / "vpdq"


def upstream(name: str) -> list[FrameHash]:
    text = (vpdq_dir() / name).read_text()
    found = list(read_text(enumerate(text.splitlines(), start=1)))
    assert all(isinstance(f, FrameHash) for f in found)
    return [f for f in found if isinstance(f, FrameHash)]


def ours(path: Path, seconds_per_hash: float = 0.0, size: int | None = None) -> list[FrameHash]:
    with av.open(str(path)) as c:
        hash_size = (size, size) if size else None
        return hash_frames(
            c, c.streams.video[0], Budget(600), seconds_per_hash, 8, hash_size
        ).hashes


def bits(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@pytest.fixture(scope="module")
def every_frame() -> dict[str, list[FrameHash]]:
    """Our hashes of every frame of the three sample videos, at full size and at 128 x 128."""
    out = {}
    for name in VIDEOS:
        out[name] = ours(vpdq_dir() / f"{name}.mp4")
        out[f"{name}-128x128"] = ours(vpdq_dir() / f"{name}.mp4", size=128)
    return out


@pytest.mark.slow
def test_same_frames_and_hashes_within_10_bits_of_the_samples(
    every_frame: dict[str, list[FrameHash]],
) -> None:
    close = total = 0
    for name, mine in every_frame.items():
        ref = upstream(f"{name}.vpdq.txt")
        assert [f.frame for f in mine] == [f.frame for f in ref], name  # the same frames
        assert [f"{f.timestamp:.3f}" for f in mine] == [f"{f.timestamp:.3f}" for f in ref], name
        near = [bits(a.pdq, b.pdq) <= 10 for a, b in zip(mine, ref, strict=True)]
        close += sum(near)
        total += len(near)
        # Per video, frames of quality 80 or more (the anchors' rule for PDQ) are within 10 bits;
        # the door knob clip fades through black, and PDQ of a near-flat frame (quality 0..40)
        # is noise: there the samples, made with an older FFmpeg, differ by up to 76 bits (Meta's
        # vpdq built on today's FFmpeg gives exactly our hashes, see below).
        good = [n for n, f in zip(near, ref, strict=True) if f.quality >= 80]
        assert sum(good) / len(good) >= 0.98, name
    assert close / total >= 0.9, f"{close} of {total} frames within 10 bits"


@pytest.mark.slow
def test_expected_match_percentages_within_two_points(
    every_frame: dict[str, list[FrameHash]],
) -> None:
    def frames(name: str) -> list[tuple[str, int]]:
        """Our hashes of the videos we have at full size; upstream's for the hash-only samples
        (the longer and grey clips, and the 128 x 128 downscales: see the next test)."""
        stem = name.removesuffix(".vpdq.txt")
        found = every_frame[stem] if stem in VIDEOS else upstream(name)
        return [(f.pdq, f.quality) for f in found]

    rows = list(csv.DictReader((vpdq_dir() / "expected_matches.csv").open()))
    assert len(rows) == 5
    for row in rows:
        q, c = frames(row["query"]), frames(row["compared"])
        got = match_percentages(q, c)
        want = (float(row["query_match_pct"]), float(row["compared_match_pct"]))
        assert abs(got[0] - want[0]) <= 2 and abs(got[1] - want[1]) <= 2, (row, got)
        pairs = all_pairs(FrameSets.build([q]), FrameSets.build([c]))  # the indexed way agrees
        if got == (0.0, 0.0):
            assert pairs == []
        else:
            assert (pairs[0].query_match_pct, pairs[0].compared_match_pct) == got


@pytest.mark.slow
def test_own_128x128_downscale_matches_as_meta_vpdq_does_today(
    every_frame: dict[str, list[FrameHash]],
) -> None:
    """Hashing both sides ourselves, full size against 128 x 128, gives 94.6 / 94.6 % where the
    samples say 98.04 / 97.06: swscale's area downscale has changed since they were made. Meta's
    vpdq on today's FFmpeg gives the same 94.6 / 94.6 (it is not our matching): checked here."""
    full = [(f.pdq, f.quality) for f in every_frame["pattern-hd-no-bar"]]
    small = [(f.pdq, f.quality) for f in every_frame["pattern-hd-no-bar-128x128"]]
    got = match_percentages(full, small)
    assert got[0] > 90 and got[1] > 90
    vpdq = pytest.importorskip("vpdq")
    path = str(vpdq_dir() / "pattern-hd-no-bar.mp4")
    meta_full = [(f.hex, f.quality) for f in vpdq.computeHash(path, seconds_per_hash=0)]
    meta_small = [
        (f.hex, f.quality)
        for f in vpdq.computeHash(
            path, seconds_per_hash=0, downsample_width=128, downsample_height=128
        )
    ]
    meta = match_percentages(meta_full, meta_small)
    assert abs(got[0] - meta[0]) <= 2 and abs(got[1] - meta[1]) <= 2


def test_upstream_samples_give_the_expected_percentages_exactly() -> None:
    for row in csv.DictReader((vpdq_dir() / "expected_matches.csv").open()):
        q = [(f.pdq, f.quality) for f in upstream(row["query"])]
        c = [(f.pdq, f.quality) for f in upstream(row["compared"])]
        got = match_percentages(q, c)
        assert round(got[0], 1) == round(float(row["query_match_pct"]), 1)
        assert round(got[1], 1) == round(float(row["compared_match_pct"]), 1)


def test_text_format_round_trips() -> None:
    text = (vpdq_dir() / "pattern-hd-no-bar.vpdq.txt").read_text()
    assert format_text(upstream("pattern-hd-no-bar.vpdq.txt")) == text


# --- Meta's vpdq package itself (the dev extra builds it) -----------------------------------


def _meta(path: Path, seconds_per_hash: float) -> list[tuple[int, int, str, str]]:
    vpdq = pytest.importorskip("vpdq")
    return [
        (f.frame_number, f.quality, f.hex, f"{f.timestamp:.3f}")
        for f in vpdq.computeHash(str(path), seconds_per_hash=seconds_per_hash)
    ]


def _same(path: Path, seconds_per_hash: float) -> None:
    mine = [(f.frame, f.quality, f.pdq, f"{f.timestamp:.3f}") for f in ours(path, seconds_per_hash)]
    assert mine == _meta(path, seconds_per_hash)


@pytest.mark.parametrize("name", VIDEOS)
def test_bit_identical_to_meta_vpdq_at_one_hash_per_second(name: str) -> None:
    _same(vpdq_dir() / f"{name}.mp4", 1.0)


@pytest.mark.slow
def test_bit_identical_to_meta_vpdq_on_every_frame() -> None:
    _same(vpdq_dir() / "pattern-sd-with-small-logo-bar.mp4", 0.0)


@pytest.mark.parametrize(
    ("args", "suffix"),
    [
        (["-c:v", "libx264", "-pix_fmt", "yuv420p"], "mp4"),
        (["-c:v", "mpeg4", "-q:v", "5"], "avi"),
        (["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"], "webm"),
        (["-c:v", "mjpeg", "-q:v", "3"], "mov"),
        ([], "gif"),
    ],
)
def test_bit_identical_to_meta_vpdq_on_other_codecs(
    tmp_path: Path, args: list[str], suffix: str
) -> None:
    pytest.importorskip("vpdq")
    clip = tmp_path / f"clip.{suffix}"
    source = "mandelbrot=size=240x180:rate=25"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", source, "-t", "3", *args, str(clip)],
        check=True,
    )
    _same(clip, 1.0)
    _same(clip, 0.5)
