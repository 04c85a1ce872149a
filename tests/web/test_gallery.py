"""Protection of the reviewer: blurred grey thumbnails made on the server, audited one-time
reveals of the original read back from the evidence, per-user settings, muted video."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from synthtrace.case import Case
from synthtrace.web import reveal as reveal_module
from synthtrace.web.imaging import BLUR_STEPS, CARD_SIZE, LARGE_SIZE
from tests.web.conftest import Login, csrf_of
from tests.web.seed import media_id_of

JSON = {"accept": "application/json"}


def picture(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def detail(img: Image.Image) -> float:
    """Mean absolute difference between neighbouring pixels: what a blur takes away."""
    a = np.asarray(img.convert("L"), dtype=np.float64)
    return float(np.abs(np.diff(a, axis=0)).mean() + np.abs(np.diff(a, axis=1)).mean())


def is_grey(img: Image.Image) -> bool:
    if img.mode == "L":
        return True
    a = np.asarray(img.convert("RGB"), dtype=np.int16)
    return bool(
        np.abs(a[..., 0] - a[..., 1]).max() <= 2 and np.abs(a[..., 1] - a[..., 2]).max() <= 2
    )


def reveal(client: TestClient, mid: int) -> tuple[int, dict[str, str], bytes]:
    grant = client.post(f"/media/{mid}/reveal", headers={**JSON, "x-csrf-token": csrf_of(client)})
    assert grant.status_code == 200, grant.text
    r = client.get(grant.json()["url"])
    return r.status_code, dict(r.headers), r.content


def test_thumbnails_are_blurred_grey_and_small(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    mid = media_id_of(scanned, "pattern.png")
    r = client.get(f"/thumb/{mid}")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"] == "private, max-age=3600"
    shown = picture(r.content)
    assert max(shown.size) == CARD_SIZE
    assert is_grey(shown)
    with scanned.sessions() as s:
        from synthtrace.store.models import Media

        media = s.get(Media, mid)
        assert media is not None
    stored = Image.open(scanned.thumbnail_path(media.sha256)).resize(shown.size)
    # The texture's fine detail is gone: what the browser got is a few dozen pixels enlarged.
    assert detail(shown) < detail(stored) / 8
    large = picture(client.get(f"/thumb/{mid}?size=large").content)
    assert max(large.size) == LARGE_SIZE and is_grey(large)


def test_blur_and_greyscale_follow_the_users_settings(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    token = csrf_of(client)
    looks = {}
    for level in (1, 5):
        r = client.post(
            "/settings",
            data={"blur": str(level), "reveal_seconds": "5", "greyscale": "1", "csrf_token": token},
        )
        assert r.status_code == 303
        looks[level] = picture(client.get(f"/thumb/{mid}").content)
    assert detail(looks[1]) > detail(looks[5]) * 1.5
    client.post("/settings", data={"blur": "3", "reveal_seconds": "5", "csrf_token": token})
    colour = picture(client.get(f"/thumb/{mid}").content)
    assert not is_grey(colour)
    # The queue page's thumbnail URLs change with the settings, so no stale picture is reused.
    assert "?v=b3g0" in client.get("/queue").text
    entry = scanned.audit.entries()[-1]
    assert entry["action"] == "user.settings" and entry["user"] == "reviewer"
    assert entry["details"] == {"blur": 3, "greyscale": False, "reveal_seconds": 5}
    assert sorted(BLUR_STEPS) == [1, 2, 3, 4, 5]


def test_bad_settings_are_refused(as_role: Login) -> None:
    client = as_role("reviewer")
    token = csrf_of(client)
    r = client.post("/settings", data={"blur": "0", "reveal_seconds": "5", "csrf_token": token})
    assert r.status_code == 400


def test_reveal_is_audited_one_time_and_reads_the_evidence(
    scanned: Case, as_role: Login, device: Path
) -> None:
    client = as_role("reviewer")
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    token = csrf_of(client)
    grant = client.post(f"/media/{mid}/reveal", headers={**JSON, "x-csrf-token": token}).json()
    assert grant["seconds"] == 5 and "grant=" in grant["url"]
    entry = scanned.audit.entries()[-1]
    assert entry["action"] == "reveal" and entry["user"] == "reviewer"
    assert entry["details"]["media"] == mid and len(entry["details"]["sha256"]) == 64
    r = client.get(grant["url"])
    assert r.status_code == 200 and r.headers["x-synthtrace-source"] == "evidence"
    assert r.headers["cache-control"] == "no-store"
    shown = picture(r.content)
    assert shown.size == (640, 480) and is_grey(shown)  # greyscale is the default
    original = np.asarray(Image.open(device / "DCIM" / "IMG_0001.jpg").convert("L"), dtype=float)
    assert np.abs(np.asarray(shown, dtype=float) - original).mean() < 2  # the picture itself
    # The grant is spent: the same URL shows nothing the second time.
    assert client.get(grant["url"]).status_code == 403
    # Without any grant, nothing.
    assert client.get(f"/media/{mid}/revealed?grant=guess").status_code == 403


def test_a_grant_is_for_one_user_and_one_media(scanned: Case, as_role: Login) -> None:
    reviewer, other = as_role("reviewer"), as_role("investigator")
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    other_mid = media_id_of(scanned, "DCIM/IMG_0002.jpg")
    grant = reviewer.post(
        f"/media/{mid}/reveal", headers={**JSON, "x-csrf-token": csrf_of(reviewer)}
    )
    url = grant.json()["url"]
    assert other.get(url).status_code == 403
    grant = reviewer.post(
        f"/media/{mid}/reveal", headers={**JSON, "x-csrf-token": csrf_of(reviewer)}
    )
    token = grant.json()["url"].split("grant=")[1]
    assert reviewer.get(f"/media/{other_mid}/revealed?grant={token}").status_code == 403


def test_grants_expire(scanned: Case, as_role: Login, monkeypatch: pytest.MonkeyPatch) -> None:
    client = as_role("reviewer")
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    clock = [reveal_module.now()]
    monkeypatch.setattr(reveal_module, "now", lambda: clock[0])
    grant = client.post(f"/media/{mid}/reveal", headers={**JSON, "x-csrf-token": csrf_of(client)})
    clock[0] += reveal_module.GRANT_SECONDS + 1
    assert client.get(grant.json()["url"]).status_code == 403


def test_reveal_reads_archive_members(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    mid = media_id_of(scanned, "Downloads/walks.zip!/walks/hills.jpg")
    status, headers, data = reveal(client, mid)
    assert status == 200 and headers["x-synthtrace-source"] == "evidence"
    assert picture(data).size == (640, 480)


def test_unreachable_or_changed_evidence_falls_back_to_the_thumbnail(
    scanned: Case, as_role: Login, device: Path
) -> None:
    client = as_role("reviewer")
    changed = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    (device / "DCIM" / "IMG_0001.jpg").write_bytes(b"not the same bytes any more")
    status, headers, data = reveal(client, changed)
    assert status == 200 and headers["x-synthtrace-source"] == "thumbnail"
    assert max(picture(data).size) == 256
    moved = media_id_of(scanned, "Downloads/walks.zip!/walks/hills.jpg")
    shutil.move(device, device.with_name("unplugged"))
    status, headers, _ = reveal(client, moved)
    assert headers["x-synthtrace-source"] == "thumbnail"


def test_reveal_without_javascript_shows_it_then_blurs_again(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    mid = media_id_of(scanned, "DCIM/IMG_0002.jpg")
    r = client.post(f"/media/{mid}/reveal", data={"csrf_token": csrf_of(client)})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/media/{mid}?reveal=")
    page = client.get(r.headers["location"]).text
    assert f'<meta http-equiv="refresh" content="5;url=/media/{mid}">' in page
    assert f'src="/media/{mid}/revealed?grant=' in page


def test_pictures_without_a_thumbnail_get_a_placeholder(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    mid = media_id_of(scanned, "notes.txt")
    r = client.get(f"/thumb/{mid}")
    assert r.status_code == 200 and picture(r.content).size == (CARD_SIZE, CARD_SIZE)
    assert client.get("/thumb/999999").status_code == 404


def test_video_never_autoplays_and_is_streamed_only_on_reveal(
    tmp_path: Path, scanned: Case, as_role: Login
) -> None:
    from synthtrace.scan.service import scan_evidence

    clip = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" * 64
    folder = tmp_path / "camcorder"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(clip)
    scan_evidence(scanned, folder, "camcorder", workers=0)
    client = as_role("reviewer")
    mid = media_id_of(scanned, "clip.mp4")
    assert picture(client.get(f"/thumb/{mid}").content).size == (CARD_SIZE, CARD_SIZE)
    page = client.get(f"/media/{mid}").text
    assert "plays only when you start it" in page and "autoplay" not in page
    status, headers, data = reveal(client, mid)
    assert status == 200 and data == clip and headers["cache-control"] == "no-store"
    js = client.get("/static/app.js").text
    assert "video.autoplay = false" in js and "video.muted = true" in js
