"""Reviewing videos in a real browser (Debian's Chromium through Playwright, the real app served by
uvicorn): the contact sheet and frame strip blurred and grey like pictures, the metadata and the
frame-of link on the detail page, and the audited reveal that plays muted, never by itself, and
is blurred again when the reviewer leaves it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synthtrace.accounts import ViewSettings, add_user, find_user, update_settings
from synthtrace.case import Case, create_case
from synthtrace.scan.service import scan_evidence
from synthtrace.video.clips import Clip, Encoding, encode
from tests.web.seed import PASSWORD, media_id_of
from tests.web.test_browser import ARGS, CHROMIUM, MEASURE, _free_port, log_in

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def video_case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    phone = tmp_path_factory.mktemp("phone")
    clip = Clip(photo="coffee", seconds=4, fps=15, size=(320, 240))
    encode(clip, Encoding(codec="libvpx-vp9", tags={"title": "a red barn"}), phone / "clip.webm")
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "2", "-i", str(phone / "clip.webm"), "-frames:v", "1",
         str(phone / "still.jpg")],
        check=True,
    )  # fmt: skip
    root = tmp_path_factory.mktemp("videocase") / "case"
    with create_case(root, name="videos", examiner="tester") as case:
        scan_evidence(case, phone, "phone", workers=1)
        add_user(case, "reviewer", PASSWORD, "reviewer", by="test")
        reviewer = find_user(case, "reviewer")
        assert reviewer is not None
        update_settings(case, reviewer.id, ViewSettings(blur=4, greyscale=True, reveal_seconds=2))
        yield case


@pytest.fixture(scope="module")
def server(video_case: Case) -> Iterator[str]:
    import threading
    import time

    import uvicorn

    from synthtrace.web.app import create_app

    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(create_app(video_case), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(15_000)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        yield pg
        context.close()
        browser.close()
        assert errors == [], errors


def wait_pictures(page: Any) -> None:
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('img.thumb:not([hidden])'))"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )


def test_video_detail_blurred_then_an_audited_muted_reveal(page: Any, video_case: Case) -> None:
    revealed: list[str] = []
    page.on("request", lambda r: "/revealed" in r.url and revealed.append(r.url))
    video_id = media_id_of(video_case, "clip.webm")
    still_id = media_id_of(video_case, "still.jpg")
    log_in(page, "reviewer", f"/media/{video_id}")
    wait_pictures(page)
    # The contact sheet and every frame of the strip: blurred and grey like any picture.
    sheet = page.locator("section.viewer figure.preview img.thumb")
    frames = page.locator('[data-role="frame-strip"] img.thumb')
    assert frames.count() == 8
    looks = [sheet.evaluate(MEASURE)] + [f.evaluate(MEASURE) for f in frames.all()]
    assert looks[0]["src"].startswith(f"/thumb/{video_id}")
    assert all(look["colour"] <= 3 for look in looks), looks
    assert max(look["detail"] for look in looks) < 4, looks
    assert page.locator("video").count() == 0 and revealed == []
    # The metadata and the still that is one of its frames.
    facts = page.inner_text("section.facts")
    assert "Video" in facts and "320 × 240 px" in facts and "vp9" in facts
    assert "a red barn" in page.content()
    assert f"/media/{still_id}" in page.inner_html(".frame-links") and "00:00:02" in facts

    page.keyboard.press("r")
    video = page.locator("section.viewer video")
    video.wait_for()
    state = video.evaluate(
        "v => ({muted: v.muted, paused: v.paused, autoplay: v.autoplay, src: v.src})"
    )
    assert state == {"muted": True, "paused": True, "autoplay": False, "src": state["src"]}
    assert state["src"].startswith("blob:") and len(revealed) == 1
    assert sheet.get_attribute("hidden") is not None
    # It plays when asked (muted), and stays revealed while it plays...
    video.evaluate("v => v.play()")
    page.wait_for_function("v => v.currentTime > 0.2", arg=video.element_handle())
    assert video.evaluate("v => v.muted")
    # ...and is gone, with the contact sheet blurred again, as soon as the reviewer leaves it.
    page.focus('a[data-role="back"]')
    page.wait_for_function("() => document.querySelectorAll('video').length === 0")
    assert sheet.get_attribute("hidden") is None
    assert sheet.get_attribute("src").startswith(f"/thumb/{video_id}")
    reveals = [e for e in video_case.audit.entries() if e["action"] == "reveal"]
    assert len(reveals) == 1 and reveals[0]["details"]["media"] == video_id


def test_the_still_names_the_video_and_the_time(page: Any, video_case: Case) -> None:
    video_id = media_id_of(video_case, "clip.webm")
    still_id = media_id_of(video_case, "still.jpg")
    log_in(page, "reviewer", f"/media/{still_id}")
    links = page.inner_text(".frame-links")
    assert "frame of video" in links and "00:00:02" in links
    assert f"/media/{video_id}" in page.inner_html(".frame-links")


def test_the_queue_shows_the_video_blurred(page: Any, video_case: Case) -> None:
    video_id = media_id_of(video_case, "clip.webm")
    log_in(page, "reviewer")
    wait_pictures(page)
    card = page.locator(f'#grid .card[data-id="{video_id}"]')
    assert card.get_attribute("data-kind") == "video"
    look = card.locator("img.thumb").evaluate(MEASURE)
    assert look["colour"] <= 3 and look["detail"] < 4
