"""Categorising from the app (one, many, a cluster; undo), the detail view, exports, user admin."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from synthtrace import triage
from synthtrace.accounts import find_user
from synthtrace.case import Case
from synthtrace.export.service import EXPORT_FORMATS, SUFFIXES
from synthtrace.store.models import Decision, MediaCluster, TriageRow
from tests.web import seed
from tests.web.conftest import Login, csrf_of
from tests.web.seed import PASSWORD, media_id_of


def category(case: Case, mid: int) -> str | None:
    with case.sessions() as s:
        row = s.get(TriageRow, mid)
        assert row is not None
        return row.category


def test_categorise_one_with_json_then_undo(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    headers = {"x-csrf-token": csrf_of(client)}
    r = client.post("/api/categorise", json={"media": [mid], "category": "0"}, headers=headers)
    assert r.status_code == 200
    assert r.json()["categories"] == {str(mid): "0"}
    assert category(scanned, mid) == "0"
    with scanned.sessions() as s:
        row = s.get(TriageRow, mid)
        assert row is not None and row.bucket == 5  # non-pertinent leaves the front of the queue
        decision = s.scalars(select(Decision).where(Decision.media_id == mid)).one()
        assert decision.user == "reviewer" and decision.time
    entry = scanned.audit.entries()[-1]
    assert entry["action"] == "categorise" and entry["user"] == "reviewer"
    assert entry["details"]["media"] == [mid] and entry["details"]["category"] == "0"
    undo = client.post("/api/undo", headers=headers).json()
    assert undo == {"undone": 1, "categories": {str(mid): None}}
    assert category(scanned, mid) is None
    assert scanned.audit.entries()[-1]["action"] == "categorise.undo"
    assert client.post("/api/undo", headers=headers).json()["undone"] == 0


def test_undo_is_per_user(scanned: Case, as_role: Login) -> None:
    reviewer, investigator = as_role("reviewer"), as_role("investigator")
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    reviewer.post(
        "/api/categorise",
        json={"media": [mid], "category": "2"},
        headers={"x-csrf-token": csrf_of(reviewer)},
    )
    r = investigator.post("/api/undo", headers={"x-csrf-token": csrf_of(investigator)})
    assert r.json()["undone"] == 0 and category(scanned, mid) == "2"


def test_bulk_categorise_a_page_with_the_form(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    token = csrf_of(client)
    ids = [media_id_of(scanned, p) for p in ("DCIM/IMG_0001.jpg", "pattern.png")]
    r = client.post(
        "/categorise",
        data={
            "media": [str(i) for i in ids],
            "category": "3",
            "csrf_token": token,
            "next": "/queue?bucket=1",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/queue?bucket=1"
    assert [category(scanned, i) for i in ids] == ["3", "3"]
    page = client.get("/queue").text
    for i in ids:
        assert f'data-role="category" data-id="{i}">3 · CGI / animation</span>' in page
    r = client.post("/undo", data={"csrf_token": token, "next": "//elsewhere"})
    assert r.headers["location"] == "/queue"
    assert [category(scanned, i) for i in ids] == [None, None]


def test_categorise_a_whole_cluster(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    with scanned.sessions() as s:
        clusters = list(s.scalars(select(MediaCluster).where(MediaCluster.cluster_size > 1)))
    # The clustering pass grouped the resized copy with its original.
    assert {c.media_id for c in clusters} == {
        media_id_of(scanned, "DCIM/IMG_0002.jpg"),
        media_id_of(scanned, "DCIM/IMG_0002_small.jpg"),
    }
    cid = clusters[0].cluster_id
    headers = {"x-csrf-token": csrf_of(client)}
    r = client.post("/api/categorise", json={"cluster": cid, "category": "4"}, headers=headers)
    assert set(r.json()["categories"].values()) == {"4"} and len(r.json()["categories"]) == 2
    with scanned.sessions() as s:
        batches = set(s.scalars(select(Decision.batch).where(Decision.category == "4")))
    assert len(batches) == 1  # one decision, one undo
    assert client.post("/api/undo", headers=headers).json()["undone"] == 2
    missing = client.post(
        "/api/categorise", json={"cluster": 999, "category": "4"}, headers=headers
    )
    assert missing.status_code == 400 and "no cluster" in missing.json()["detail"]


def test_bad_decisions_are_clear_errors(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    headers = {"x-csrf-token": csrf_of(client)}
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    r = client.post("/api/categorise", json={"media": [mid], "category": "Z"}, headers=headers)
    assert r.status_code == 400 and "scheme" in r.json()["detail"]
    r = client.post("/api/categorise", json={"media": [], "category": "1"}, headers=headers)
    assert r.status_code == 400 and "nothing selected" in r.json()["detail"]
    r = client.post("/api/categorise", json={"media": ["x"], "category": "1"}, headers=headers)
    assert r.status_code == 422
    page = client.post(
        "/categorise",
        data={"category": "1", "csrf_token": headers["x-csrf-token"]},
        headers={"accept": "text/html"},
    )
    assert page.status_code == 400 and "nothing selected" in page.text


def test_queue_page_shows_buckets_counts_and_filters(scanned: Case, as_role: Login) -> None:
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    with scanned.sessions() as s:
        from synthtrace.store.models import Media

        media = s.get(Media, mid)
        assert media is not None
        media.facts = seed.generated(tool="comfyui", img2img=True)
        s.commit()
    triage.rebuild(scanned)
    client = as_role("reviewer")
    page = client.get("/queue").text
    assert '<b data-count="1">4</b>' in page and '<b data-count="2">1</b>' in page
    assert '<b data-count="6">2</b>' in page
    assert "img2img" in page and "generated · comfyui" in page
    assert "<option selected>comfyui</option>" in client.get("/queue?tool=comfyui").text
    only = client.get("/api/queue?bucket=2").json()
    assert [i["media_id"] for i in only["items"]] == [mid]
    assert client.get("/queue?generated=perhaps").status_code == 400
    others = client.get("/queue?bucket=6").text
    assert "notes.txt" in others and "walks.zip" in others


def test_detail_view_shows_everything_known(scanned: Case, as_role: Login) -> None:
    image = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    lora = seed.add_media(
        scanned, "models/style.safetensors", "application/octet-stream", label="phone"
    )
    with scanned.sessions() as s:
        from synthtrace.store.models import Media

        media = s.get(Media, image)
        assert media is not None
        media.facts = {
            "provenance": {
                "generated": True,
                "tool": "a1111",
                "prompt": "a lighthouse on a cliff at dusk",
                "negative_prompt": "blurry",
                "seed": 42,
                "model_name": "landscapeXL",
                "loras": [{"name": "style", "weight": 0.8, "hash": "a1b2c3d4e5"}],
                "watermark": "sdxl",
                "raw": {"parameters": "a lighthouse on a cliff at dusk"},
            }
        }
        s.commit()
    seed.link(scanned, image, lora, role="lora")
    listed = seed.hashset(scanned, "partner agency list", category="1")
    seed.match(scanned, image, listed, category="1")
    triage.rebuild(scanned)
    client = as_role("reviewer")
    page = client.get(f"/media/{image}").text
    for expected in (
        "phone",
        "DCIM/IMG_0001.jpg",  # location
        "SHA-256",
        "MD5",
        "PDQ",  # hashes
        "Canon",
        "EOS 80D",  # EXIF
        "a lighthouse on a cliff at dusk",
        "landscapeXL",
        "42",
        "sdxl",
        "style",  # provenance
        "models/style.safetensors",
        "autov2",  # linked model file
        "partner agency list",  # match
        "Metadata as found",
    ):
        assert expected in page, expected
    model_page = client.get(f"/media/{lora}").text
    assert "Images made with this model file (1)" in model_page
    data = client.get(f"/api/media/{image}").json()
    assert data["model_files"][0]["media_id"] == lora
    assert data["matches"][0]["hashset"] == "partner agency list"
    assert data["triage"]["bucket"] == 3
    assert client.get("/media/999999").status_code == 404


def test_detail_view_lists_cluster_members_and_neighbours(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    big = media_id_of(scanned, "DCIM/IMG_0002.jpg")
    small = media_id_of(scanned, "DCIM/IMG_0002_small.jpg")
    page = client.get(f"/media/{big}").text
    assert "2 near-duplicates" in page and f'href="/media/{small}"' in page
    assert 'rel="next"' in page and 'rel="prev"' in page
    decisions = client.get(f"/media/{big}").text
    assert "No decision yet." in decisions


def test_export_downloads_and_is_audited(scanned: Case, as_role: Login) -> None:
    client = as_role("investigator")
    r = client.post("/export", data={"fmt": "jsonl", "csrf_token": csrf_of(client)})
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    records = [json.loads(line) for line in r.text.splitlines()]
    assert {rec["path"] for rec in records} >= {"DCIM/IMG_0001.jpg", "notes.txt"}
    entry = scanned.audit.entries()[-1]
    assert entry["action"] == "export" and entry["user"] == "investigator"
    assert entry["details"]["destination"] == "web download"
    assert not list(scanned.tmp_dir.glob("export-*"))  # the spooled file is gone
    bad = client.post("/export", data={"fmt": "pdf", "csrf_token": csrf_of(client)})
    assert bad.status_code == 400


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_every_export_format_downloads_with_its_own_suffix(
    fmt: str, scanned: Case, as_role: Login
) -> None:
    client = as_role("investigator")
    r = client.post("/export", data={"fmt": fmt, "csrf_token": csrf_of(client)})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].endswith(f'-{fmt}{SUFFIXES[fmt]}"')
    if SUFFIXES[fmt] in (".json", ".jsonld"):
        assert isinstance(json.loads(r.text), dict)


def test_every_export_format_names_its_suffix() -> None:
    assert SUFFIXES.keys() == EXPORT_FORMATS.keys()


def test_admin_manages_users_and_every_change_is_audited(scanned: Case, as_role: Login) -> None:
    admin = as_role("admin")
    token = csrf_of(admin)
    r = admin.post(
        "/users",
        data={
            "name": "newbie",
            "role": "reviewer",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": token,
        },
    )
    assert r.status_code == 303
    newbie = find_user(scanned, "newbie")
    assert newbie is not None
    admin.post(f"/users/{newbie.id}/role", data={"role": "investigator", "csrf_token": token})
    admin.post(f"/users/{newbie.id}/password", data={"password": "x" * 20, "csrf_token": token})
    admin.post(f"/users/{newbie.id}/disable", data={"csrf_token": token})
    admin.post(f"/users/{newbie.id}/enable", data={"csrf_token": token})
    tail = scanned.audit.entries()[-5:]
    assert [e["action"] for e in tail] == [
        "user.add",
        "user.role",
        "user.password",
        "user.disable",
        "user.enable",
    ]
    assert {e["user"] for e in tail} == {"admin"}
    page = admin.get("/users").text
    assert "newbie" in page and "investigator" in page
    clash = admin.post(
        "/users",
        data={
            "name": "newbie",
            "role": "reviewer",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "csrf_token": token,
        },
    )
    assert clash.status_code == 400 and "already exists" in clash.text
    mismatch = admin.post(
        "/users",
        data={
            "name": "other",
            "role": "reviewer",
            "password": PASSWORD,
            "confirm": PASSWORD + "x",
            "csrf_token": token,
        },
    )
    assert mismatch.status_code == 400
    me = find_user(scanned, "admin")
    assert me is not None
    last = admin.post(f"/users/{me.id}/role", data={"role": "reviewer", "csrf_token": token})
    assert last.status_code == 400 and "last active admin" in last.text


def test_own_password_change_logs_out(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    token = csrf_of(client)
    wrong = client.post(
        "/settings/password",
        data={"current": "nope", "password": "y" * 14, "confirm": "y" * 14, "csrf_token": token},
    )
    assert wrong.status_code == 400
    r = client.post(
        "/settings/password",
        data={"current": PASSWORD, "password": "y" * 14, "confirm": "y" * 14, "csrf_token": token},
    )
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/api/queue").status_code == 401


def test_audit_page_lists_entries_and_verifies_the_chain(scanned: Case, as_role: Login) -> None:
    admin = as_role("admin")
    page = admin.get("/audit").text
    assert "Chain intact" in page
    assert 'data-action="login"' in page and 'data-action="scan.start"' in page
    filtered = admin.get("/audit?action=login&user=admin").text
    assert 'data-action="scan.start"' not in filtered and 'data-action="login"' in filtered


def test_investigator_imports_and_removes_a_hash_list(scanned: Case, as_role: Login) -> None:
    client = as_role("investigator")
    mid = media_id_of(scanned, "DCIM/IMG_0001.jpg")
    with scanned.sessions() as s:
        from synthtrace.store.models import Media

        media = s.get(Media, mid)
        assert media is not None
        md5 = media.md5
    listing = f"{md5}\nnot a hash\n".encode()
    r = client.post(
        "/hashsets",
        data={
            "name": "partner list",
            "fmt": "text",
            "hash_type": "md5",
            "category": "1",
            "csrf_token": csrf_of(client),
        },
        files={"file": ("list.txt", listing)},
    )
    assert r.status_code == 200 and "partner list (text)" in r.text and "1 bad" in r.text
    assert "review queue" in r.text  # the passes ran, the queue included
    with scanned.sessions() as s:
        row = s.get(TriageRow, mid)
        assert row is not None and row.bucket == 3 and row.matched
    entry = [e for e in scanned.audit.entries() if e["action"] == "hashset.import"][-1]
    assert entry["user"] == "investigator"
    assert not list(scanned.tmp_dir.glob("hashlist-*"))
    r = client.post(
        "/hashsets/remove", data={"name": "partner list", "csrf_token": csrf_of(client)}
    )
    assert r.status_code == 200 and "Removed partner list" in r.text
    with scanned.sessions() as s:
        row = s.get(TriageRow, mid)
        assert row is not None and row.bucket == 1 and not row.matched
    bad = client.post(
        "/hashsets",
        data={"name": "x", "fmt": "vics", "csrf_token": csrf_of(client)},
        files={"file": ("broken.json", b"{not json")},
    )
    assert bad.status_code == 400 and "the case is unchanged" in bad.text


def test_counts_under_several_filters_come_after_the_page(scanned: Case, as_role: Login) -> None:
    client = as_role("reviewer")
    device = seed.evidence(scanned, "phone")
    page = client.get(f"/queue?device={device}&generated=unknown").text
    assert 'data-counts="later"' in page and '<b data-count="1">…</b>' in page
    counts = client.get(f"/api/counts?device={device}&generated=unknown").json()
    assert counts["1"] == 4  # the photo with camera EXIF is "no", not "unknown"
    # Once counted they are known, and the page shows them at once.
    page = client.get(f"/queue?device={device}&generated=unknown&bucket=1").text
    assert 'data-counts="later"' not in page and '<b data-count="1">4</b>' in page
