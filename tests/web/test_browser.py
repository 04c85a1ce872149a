"""The review flows in a real browser: Debian's Chromium driven by Playwright, against the real app
served by uvicorn on a free port, over the benign demo devices."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from synthtrace import triage
from synthtrace.accounts import ViewSettings, add_user, find_user, update_settings
from synthtrace.case import Case, create_case
from synthtrace.scan.service import scan_evidence
from synthtrace.store.db import transaction
from synthtrace.store.models import Media, MediaCluster, ModelLink, TriageRow
from synthtrace.web.app import create_app
from tests.web import seed
from tests.web.seed import PASSWORD, media_id_of

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS = Path(__file__).resolve().parents[2] / "docs"

if not Path(CHROMIUM).exists():
    pytest.skip(
        "Chromium not installed (scripts/system-deps.sh test installs it)", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api")

# How a picture looks to the page: its mean neighbour difference (detail) and its largest
# difference between colour channels (0 for grey), measured on a canvas in the browser.
MEASURE = """img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let detail = 0, n = 0, colour = 0;
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
    const i = (y * c.width + x) * 4;
    colour = Math.max(colour, Math.abs(d[i] - d[i + 1]), Math.abs(d[i + 1] - d[i + 2]));
    if (x + 1 < c.width) { detail += Math.abs(d[i] - d[i + 4]); n++; }
  }
  return {detail: detail / n, colour: colour, src: img.getAttribute('src')};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def browser_case(
    tmp_path_factory: pytest.TempPathFactory, demo_devices: list[tuple[str, Path]]
) -> Iterator[Case]:
    """The demo devices scanned, a few stored provenance facts so every bucket shows, users."""
    root = tmp_path_factory.mktemp("browser") / "case"
    with create_case(root, name="Demo case (benign pictures)", examiner="tester") as case:
        for label, path in demo_devices:
            scan_evidence(case, path, label, workers=0)
        with transaction(case.sessions) as s:
            for path, facts in (
                ("Pictures/rocket.png", seed.generated(tool="a1111", img2img=True)),
                ("Pictures/walks/hills_2.jpg", seed.generated(tool="comfyui")),
                ("Pictures/walks/hills_3.jpg", seed.generated(tool="invokeai")),
            ):
                media = s.get(Media, media_id_of(case, path))
                assert media is not None
                media.facts = facts
        listed = seed.hashset(case, "partner agency list", category="2")
        seed.match(case, media_id_of(case, "Pictures/coins.webp"), listed, category="2")
        triage.rebuild(case)
        for role in ("reviewer", "investigator", "admin"):
            add_user(case, role, PASSWORD, role, by="test")
        reviewer = find_user(case, "reviewer")
        assert reviewer is not None
        update_settings(case, reviewer.id, ViewSettings(blur=4, greyscale=True, reveal_seconds=2))
        yield case


@pytest.fixture(scope="module")
def server(browser_case: Case) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(browser_case), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert errors == [], errors  # no script error on any page


def log_in(page: Any, name: str, then: str = "/queue") -> None:
    page.goto(then)
    assert "/login" in page.url  # anonymous: sent to the login page first
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"**{then}*")


def wait_pictures(page: Any) -> None:
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('img.thumb'))"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )


CATEGORY_IS = """([id, text]) => {
  const el = document.querySelector(`.card[data-id="${id}"] [data-role=category]`);
  return el !== null && (text === 'uncategorised' ? el.textContent === text
                                                   : el.textContent.startsWith(text));
}"""


def wait_category(page: Any, mid: int, text: str) -> None:
    """Until the card of `mid` shows a category starting with `text` (or 'uncategorised')."""
    page.wait_for_function(CATEGORY_IS, arg=[mid, text])


def wait_count(page: Any, bucket: int, n: int) -> None:
    page.wait_for_function(
        '([b, n]) => document.querySelector(`[data-count="${b}"]`).textContent === String(n)',
        arg=[bucket, n],
    )


def category_text(page: Any, mid: int) -> str:
    return str(page.inner_text(f'.card[data-id="{mid}"] [data-role="category"]')).strip()


def test_login_queue_blurred_then_reveal_and_blur_again(page: Any, browser_case: Case) -> None:
    revealed_requests: list[str] = []
    page.on("request", lambda r: "/revealed" in r.url and revealed_requests.append(r.url))
    log_in(page, "reviewer")
    wait_pictures(page)
    cards = page.locator("#grid .card")
    assert cards.count() >= 10
    # Buckets in order, with their counts.
    with browser_case.sessions() as s:
        counts = triage.bucket_counts(s, triage.Filters())
    for bucket, n in counts.items():
        assert page.inner_text(f'[data-count="{bucket}"]') == str(n)
    assert all(counts[b] for b in (1, 2, 3, 4))  # the demo devices fill the first four
    first_bucket = page.get_attribute("#grid .card >> nth=0", "class")
    assert "b1" in first_bucket
    # Every picture on the page is blurred and grey: little detail, no colour.
    looks = [img.evaluate(MEASURE) for img in page.locator("#grid img.thumb").all()]
    assert all(look["src"].startswith("/thumb/") for look in looks)
    assert all(look["colour"] <= 3 for look in looks), looks
    assert max(look["detail"] for look in looks) < 4, looks
    assert revealed_requests == []  # nothing unblurred was even asked for

    card = page.locator("#grid .card >> nth=0")
    mid = int(card.get_attribute("data-id"))
    card.focus()
    page.keyboard.press("r")
    img = card.locator("img.thumb")
    page.wait_for_function(
        "el => el.getAttribute('src').startsWith('blob:') && el.complete && el.naturalWidth > 0",
        arg=img.element_handle(),
    )
    shown = img.evaluate(MEASURE)
    assert shown["detail"] > 2 * max(look["detail"] for look in looks[:1])
    assert "is-revealed" in card.get_attribute("class")
    assert len(revealed_requests) == 1
    # Blurred again by itself after the reviewer's 2 seconds...
    page.wait_for_function(
        "el => el.getAttribute('src').startsWith('/thumb/')", arg=img.element_handle(), timeout=6000
    )
    # ...and at once when the reviewer moves on.
    page.keyboard.press("r")
    page.wait_for_function(
        "el => el.getAttribute('src').startsWith('blob:')", arg=img.element_handle()
    )
    page.keyboard.press("j")
    assert img.get_attribute("src").startswith("/thumb/")
    reveals = [
        e
        for e in browser_case.audit.entries()
        if e["action"] == "reveal" and e["user"] == "reviewer"
    ]
    assert len(reveals) == 2 and reveals[-1]["details"]["media"] == mid


def test_categorise_with_the_keyboard_and_undo(page: Any, browser_case: Case) -> None:
    log_in(page, "reviewer", "/queue?bucket=1")
    cards = page.locator("#grid .card")
    first, second = (int(cards.nth(i).get_attribute("data-id")) for i in (0, 1))
    cards.nth(0).focus()
    page.keyboard.press("4")  # Project VIC 4: comparison
    wait_category(page, first, "4")
    assert category_text(page, first) == "4 · Comparison"
    # One decision moves the focus on to the next picture.
    assert page.evaluate("document.activeElement.dataset.id") == str(second)
    page.keyboard.press("u")
    wait_category(page, first, "uncategorised")
    with browser_case.sessions() as s:
        row = s.get(TriageRow, first)
        assert row is not None and row.category is None
    # Non-pertinent leaves bucket 1: the count drops without reloading the page.
    before = int(page.inner_text('[data-count="1"]'))
    before5 = page.inner_text('[data-count="5"]')
    page.locator(f'.card[data-id="{second}"]').focus()
    page.keyboard.press("0")
    wait_count(page, 1, before - 1)
    assert page.inner_text('[data-count="5"]') == str(int(before5) + 1)
    page.keyboard.press("u")
    wait_count(page, 1, before)


def test_bulk_categorise_a_cluster_and_a_selection(page: Any, browser_case: Case) -> None:
    with browser_case.sessions() as s:
        big = s.scalars(
            select(MediaCluster)
            .where(MediaCluster.cluster_size > 1)
            .order_by(MediaCluster.cluster_size.desc())
        ).first()
        assert big is not None, "the demo devices hold near-duplicates"
        members = list(
            s.scalars(
                select(MediaCluster.media_id).where(MediaCluster.cluster_id == big.cluster_id)
            )
        )
    log_in(page, "reviewer")
    card = page.locator(f'#grid .card[data-cluster="{big.cluster_id}"] >> nth=0')
    card.focus()
    page.keyboard.press("c")
    assert "Whole cluster" in page.inner_text("#selection")
    page.keyboard.press("3")
    wait_category(page, members[0], "3")
    with browser_case.sessions() as s:
        cats = {
            r.media_id: r.category
            for r in s.scalars(select(TriageRow).where(TriageRow.media_id.in_(members)))
        }
    assert set(cats.values()) == {"3"} and len(cats) == big.cluster_size
    page.keyboard.press("u")
    wait_category(page, members[0], "uncategorised")
    # A hand-made selection: x on two pictures, then one key for both.
    cards = page.locator("#grid .card")
    picked = [int(cards.nth(i).get_attribute("data-id")) for i in (2, 3)]
    cards.nth(2).focus()
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert "2 selected" in page.inner_text("#selection")
    page.keyboard.press("4")
    for mid in picked:
        wait_category(page, mid, "4")
    page.keyboard.press("u")
    for mid in picked:
        wait_category(page, mid, "uncategorised")


def test_detail_view_reveal_keys_and_navigation(page: Any, browser_case: Case) -> None:
    mid = media_id_of(browser_case, "Pictures/cat.jpg")
    log_in(page, "reviewer", f"/media/{mid}")
    assert "Canon" in page.inner_text(".facts")  # EXIF
    assert "laptop-A" in page.inner_text(".locations") and "phone-B" in page.inner_text(
        ".locations"
    )
    img = page.locator(".preview img.thumb")
    assert img.evaluate(MEASURE)["colour"] <= 3
    page.keyboard.press("r")
    status = "() => document.querySelector('[data-role=reveal-status]').textContent"
    page.wait_for_function(f"{status}.includes('read from the evidence')")
    preview = "() => document.querySelector('.preview img.thumb').getAttribute('src')"
    page.wait_for_function(f"{preview}.startsWith('/thumb/')", timeout=6000)
    next_href = page.get_attribute('[data-role="next-item"]', "href")
    with page.expect_navigation():
        page.keyboard.press("j")
    assert page.url.endswith(next_href) and f"/media/{mid}" not in page.url
    with page.expect_navigation():
        page.keyboard.press("Escape")
    assert "/queue" in page.url


def test_video_is_muted_and_never_autoplays(page: Any) -> None:
    log_in(page, "reviewer")
    state = page.evaluate(
        """async () => {
          const v = document.createElement('video');
          v.setAttribute('autoplay', ''); v.autoplay = true; v.muted = false;
          document.body.appendChild(v);
          await new Promise(r => setTimeout(r, 100));
          return {autoplay: v.autoplay, attr: v.hasAttribute('autoplay'),
                  muted: v.muted, paused: v.paused};
        }"""
    )
    assert state == {"autoplay": False, "attr": False, "muted": True, "paused": True}


def test_the_audit_page_shows_the_review(page: Any, browser: Any, server: str) -> None:
    # A reviewer's session: reveal, categorise, undo...
    log_in(page, "reviewer")
    card = page.locator("#grid .card >> nth=5")
    card.focus()
    page.keyboard.press("r")
    page.wait_for_function("() => document.querySelector('.is-revealed') !== null")
    page.keyboard.press("2")
    # The reveal's own toast is still showing: wait for the categorise answer, or the
    # undo can reach the server before the decision it undoes.
    page.wait_for_function(
        "() => document.querySelector('.toast').textContent.includes('categorised 2')"
    )
    page.keyboard.press("u")
    page.wait_for_function(
        "() => document.querySelector('.toast').textContent.startsWith('Undone')"
    )
    # ...and what the admin reads afterwards.
    context = browser.new_context(base_url=server)
    admin = context.new_page()
    log_in(admin, "admin", "/audit")
    assert "Chain intact" in admin.inner_text('[data-role="verify"]')
    rows = admin.locator("table.audit-log tbody tr")
    seen = {
        (rows.nth(i).locator("td").nth(2).inner_text(), rows.nth(i).get_attribute("data-action"))
        for i in range(min(rows.count(), 40))
    }
    for expected in ("login", "reveal", "categorise", "categorise.undo"):
        assert ("reviewer", expected) in seen, expected
    context.close()


def test_failed_login_stays_on_the_login_page(page: Any) -> None:
    page.goto("/login")
    page.fill('input[name="name"]', "reviewer")
    page.fill('input[name="password"]', "not the password")
    page.click('button[type="submit"]')
    assert "wrong name or password" in page.inner_text(".message").lower()
    assert page.context.cookies() and all(
        c["name"] != "synthtrace_session" for c in page.context.cookies()
    )


def test_screenshots_of_the_queue_and_the_detail_view(
    page: Any, browser_case: Case, tmp_path: Path
) -> None:
    """docs/queue.png and docs/detail.png (blurred benign demo pictures); rewritten when
    SYNTHTRACE_SCREENSHOTS=1, otherwise only made and checked here."""
    log_in(page, "investigator")
    wait_pictures(page)
    queue_png = tmp_path / "queue.png"
    page.screenshot(path=str(queue_png), full_page=False)
    with browser_case.sessions() as s:
        # A generated picture linked to a model file of the case shows the most; the demo's
        # own AI outputs have such links once provenance runs, else the seeded rocket will do.
        linked = s.scalars(select(ModelLink.image_media_id).order_by(ModelLink.id)).first()
    mid = linked or media_id_of(browser_case, "Pictures/rocket.png")
    page.goto(f"/media/{mid}")
    wait_pictures(page)
    detail_png = tmp_path / "detail.png"
    page.screenshot(path=str(detail_png), full_page=False)
    for png in (queue_png, detail_png):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    if os.environ.get("SYNTHTRACE_SCREENSHOTS") == "1":
        shutil.copy(queue_png, DOCS / "queue.png")
        shutil.copy(detail_png, DOCS / "detail.png")
