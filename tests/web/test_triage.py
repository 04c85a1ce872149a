"""The queue's order of work, filters, pages and counts, on facts put where the passes put them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from synthtrace import builtins, triage
from synthtrace.case import Case
from synthtrace.categories import CategoryError
from synthtrace.store.models import TriageDevice, TriageRow
from synthtrace.triage import FilterError, Filters, bucket_counts, queue_page
from tests.web import seed


def _buckets(case: Case) -> dict[int, int]:
    with case.sessions() as s:
        return {r.media_id: r.bucket for r in s.scalars(select(TriageRow))}


@pytest.fixture
def mixed(case: Case) -> dict[str, int]:
    """One media per situation the order of work distinguishes."""
    ids = {
        "camera": seed.add_media(case, "DCIM/camera.jpg", facts=seed.camera()),
        "unknown": seed.add_media(case, "DCIM/no_metadata.jpg"),
        "img2img": seed.add_media(
            case, "out/img2img.png", "image/png", facts=seed.generated(img2img=True)
        ),
        "lora": seed.add_media(
            case, "out/lora.png", "image/png", facts=seed.generated(tool="a1111")
        ),
        "generated": seed.add_media(case, "out/plain.png", "image/png", facts=seed.generated()),
        "known": seed.add_media(case, "Downloads/known.jpg", facts=seed.camera()),
        "precategorised_generated": seed.add_media(
            case, "out/known_gen.png", "image/png", facts=seed.generated()
        ),
        "known_good": seed.add_media(case, "Windows/wallpaper.jpg"),
        "video": seed.add_media(case, "DCIM/clip.mp4", "video/mp4"),
        "lora_file": seed.add_media(case, "models/person.safetensors", "application/octet-stream"),
        "text": seed.add_media(case, "notes.txt", "text/plain"),
    }
    seed.link(case, ids["lora"], ids["lora_file"], role="lora")
    listed = seed.hashset(case, "agency list", category="1")
    seed.match(case, ids["known"], listed, category="1")
    seed.match(case, ids["precategorised_generated"], listed, category="1")
    good = seed.hashset(case, "os files", known_good=True)
    seed.match(case, ids["known_good"], good)
    triage.rebuild(case)
    return ids


def test_buckets_follow_the_order_of_work(case: Case, mixed: dict[str, int]) -> None:
    got = _buckets(case)
    assert got[mixed["camera"]] == 1
    assert got[mixed["unknown"]] == 1  # no generation signal: may be a real victim
    assert got[mixed["video"]] == 1
    assert got[mixed["img2img"]] == 2
    assert got[mixed["lora"]] == 2
    assert got[mixed["known"]] == 3
    assert got[mixed["precategorised_generated"]] == 3
    assert got[mixed["generated"]] == 4
    assert got[mixed["known_good"]] == 5
    assert got[mixed["lora_file"]] == 6
    assert got[mixed["text"]] == 6


def test_default_order_is_bucket_then_id(case: Case, mixed: dict[str, int]) -> None:
    with case.sessions() as s:
        page = queue_page(s, Filters())
    order = [(r.bucket, r.media_id) for r in page.items]
    assert order == sorted(order)
    assert {r.bucket for r in page.items} == {1, 2, 3, 4, 5}  # other files are not pictures
    assert order[0][0] == 1


def test_a_lora_named_but_not_on_the_evidence_is_only_generated(case: Case) -> None:
    mid = seed.add_media(case, "out/x.png", "image/png", facts=seed.generated())
    triage.rebuild(case)
    assert _buckets(case)[mid] == 4


def test_non_pertinent_decision_moves_to_bucket_5_and_undo_moves_back(
    case: Case, mixed: dict[str, int]
) -> None:
    mid = mixed["camera"]
    batch, ids = triage.decide(case, [mid], "0", "rev")
    assert ids == [mid] and batch
    assert _buckets(case)[mid] == 5
    with case.sessions() as s:
        row = s.get(TriageRow, mid)
        assert row is not None and row.category == "0" and row.category_source == "user"
        dev = s.scalars(select(TriageDevice).where(TriageDevice.media_id == mid)).one()
        assert dev.sort_key == row.sort_key
    assert triage.undo(case, "rev") == [mid]
    assert _buckets(case)[mid] == 1
    with case.sessions() as s:
        row = s.get(TriageRow, mid)
        assert row is not None and row.category is None


def test_decide_refuses_unknown_media_and_categories(case: Case, mixed: dict[str, int]) -> None:
    with pytest.raises(CategoryError, match="no media with id 999999"):
        triage.decide(case, [999999], "1", "rev")
    with pytest.raises(CategoryError, match="not in this case's scheme"):
        triage.decide(case, [mixed["camera"]], "Z", "rev")
    with pytest.raises(CategoryError, match="at most"):
        triage.decide(case, range(1, triage.MAX_BULK + 2), "1", "rev")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"generated": "yes"}, {"img2img", "lora", "generated", "precategorised_generated"}),
        ({"generated": "no"}, {"camera", "known"}),
        ({"generated": "unknown"}, {"unknown", "video", "known_good"}),
        ({"tool": "a1111"}, {"lora"}),
        ({"model": "landscapeXL"}, {"img2img", "lora", "generated", "precategorised_generated"}),
        ({"matched": "yes"}, {"known", "precategorised_generated"}),
        ({"mime": "video/mp4"}, {"video"}),
        ({"category": "1"}, set()),  # hash-list matches are not decisions until precategorised
        ({"bucket": "2"}, {"img2img", "lora"}),
        ({"bucket": "6"}, {"lora_file", "text"}),
        ({"generated": "yes", "bucket": "4"}, {"generated"}),
    ],
)
def test_filters(
    case: Case, mixed: dict[str, int], query: dict[str, str], expected: set[str]
) -> None:
    names = {v: k for k, v in mixed.items()}
    with case.sessions() as s:
        page = queue_page(s, Filters.from_query(query))
    assert {names[r.media_id] for r in page.items} == expected


def test_device_cluster_category_and_uncategorised_filters(
    case: Case, mixed: dict[str, int]
) -> None:
    phone = seed.add_media(case, "DCIM/phone.jpg", label="phone")
    also = seed.add_media(case, "DCIM/camera_copy.jpg", label="phone", data=b"DCIM/camera.jpg")
    assert also == mixed["camera"]  # the same content found on a second device
    seed.cluster(case, 7, [mixed["camera"], mixed["unknown"]])
    triage.rebuild(case)
    triage.decide(case, [mixed["unknown"]], "2", "rev")
    phone_ev = seed.evidence(case, "phone")
    with case.sessions() as s:
        on_phone = queue_page(s, Filters(device=phone_ev))
        in_cluster = queue_page(s, Filters(cluster=7))
        cat2 = queue_page(s, Filters(category="2"))
        open_ = queue_page(s, Filters(uncategorised=True, bucket=1))
        phone_camera = queue_page(s, Filters(device=phone_ev, generated="no"))
        phone_counts = bucket_counts(s, Filters(device=phone_ev, generated="no"))
        phone_only = bucket_counts(s, Filters(device=phone_ev))
    assert [r.media_id for r in on_phone.items] == sorted([phone, mixed["camera"]])
    assert {r.media_id for r in in_cluster.items} == {mixed["camera"], mixed["unknown"]}
    assert all(r.cluster_size == 2 for r in in_cluster.items)
    assert [r.media_id for r in cat2.items] == [mixed["unknown"]]
    assert mixed["unknown"] not in {r.media_id for r in open_.items}
    assert mixed["camera"] in {r.media_id for r in open_.items}
    assert [r.media_id for r in phone_camera.items] == [mixed["camera"]]
    assert phone_counts == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}
    assert phone_only == {1: 2, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}


def test_counts_per_bucket_follow_the_filters(case: Case, mixed: dict[str, int]) -> None:
    with case.sessions() as s:
        everything = bucket_counts(s, Filters())
        generated = bucket_counts(s, Filters(generated="yes", bucket=2))
    assert everything == {1: 3, 2: 2, 3: 2, 4: 1, 5: 1, 6: 2}
    # The bucket filter itself does not narrow the counts: every tab keeps its number.
    assert generated == {1: 0, 2: 2, 3: 1, 4: 1, 5: 0, 6: 0}


def test_keyset_pages_cover_everything_once_in_order(case: Case) -> None:
    ids = [seed.add_media(case, f"p/{i}.jpg") for i in range(23)]
    gen = [
        seed.add_media(case, f"g/{i}.png", "image/png", facts=seed.generated()) for i in range(7)
    ]
    triage.rebuild(case)
    seen: list[int] = []
    after = None
    pages = 0
    with case.sessions() as s:
        while True:
            page = queue_page(s, Filters(), after=after, limit=10)
            seen.extend(r.media_id for r in page.items)
            pages += 1
            if page.next_after is None:
                break
            after = page.next_after
        assert seen == ids + gen
        assert pages == 3
        # ...and backwards from the last page gives the page before it.
        last = queue_page(s, Filters(), after=after, limit=10)
        assert last.prev_before is not None
        back = queue_page(s, Filters(), before=last.prev_before, limit=10)
        assert [r.media_id for r in back.items] == seen[10:20]
        first = queue_page(s, Filters(), limit=10)
        assert first.prev_before is None
        prev_id, next_id = triage.neighbours(s, Filters(), last.items[0].sort_key)
        assert (prev_id, next_id) == (seen[19], seen[21])


def test_rebuild_is_idempotent_and_reports(case: Case, mixed: dict[str, int]) -> None:
    before = _buckets(case)
    report = triage.rebuild(case)
    assert _buckets(case) == before
    assert (
        report == "review queue: 9 pictures by bucket (1: 3, 2: 2, 3: 2, 4: 1, 5: 1); 2 other files"
    )


def test_rebuild_leaves_the_queue_tables_analysed_on_postgresql(
    case: Case, mixed: dict[str, int]
) -> None:
    if case.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps no visibility map: nothing to refresh")
    triage.rebuild(case)
    with case.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT relname, last_vacuum IS NOT NULL, last_analyze IS NOT NULL "
            "FROM pg_stat_user_tables WHERE relname IN ('triage', 'triage_devices')"
        ).all()
    assert sorted(tuple(r) for r in rows) == [
        ("triage", True, True),
        ("triage_devices", True, True),
    ]


def test_location_and_copies(case: Case) -> None:
    mid = seed.add_media(case, "a/first.jpg", label="laptop", data=b"same bytes")
    seed.add_media(case, "b/second.jpg", label="phone", data=b"same bytes")
    triage.rebuild(case)
    with case.sessions() as s:
        row = s.get(TriageRow, mid)
        devices = s.scalars(select(TriageDevice.evidence_id).where(TriageDevice.media_id == mid))
        assert row is not None
        assert row.location == "laptop: a/first.jpg" and row.locations == 2
        assert len(list(devices)) == 2


def test_filter_choices_use_distinct_values(case: Case, mixed: dict[str, int]) -> None:
    with case.sessions() as s:
        choices = triage.filter_choices(s)
    assert choices.tools == ["a1111", "comfyui"]
    assert choices.models == ["landscapeXL"]
    assert "video/mp4" in choices.mimes and "image/png" in choices.mimes
    assert [label for _, label in choices.devices] == ["laptop"]


def test_the_queue_pass_runs_last() -> None:
    assert builtins.CASE_PASSES[-1] is triage.rebuild


def test_a_scan_fills_the_queue(scanned: Case) -> None:
    rows = _buckets(scanned)
    with scanned.sessions() as s:
        counts = bucket_counts(s, Filters())
    assert len(rows) == 7  # five pictures (one in a zip), the zip, the text file
    assert counts[1] == 5 and counts[6] == 2


@pytest.mark.parametrize(
    "query",
    [
        {"bucket": "9"},
        {"bucket": "x"},
        {"device": "-1"},
        {"generated": "maybe"},
        {"matched": "1"},
        {"uncategorised": "yes please"},
        {"cluster": str(1 << 41)},
        {"tool": "x" * 101},
        {"mime": "a\x00b"},
    ],
)
def test_bad_filters_are_refused(query: dict[str, str]) -> None:
    with pytest.raises(FilterError):
        Filters.from_query(query)


KEYS = st.sampled_from(
    [
        "bucket",
        "device",
        "mime",
        "generated",
        "tool",
        "model",
        "matched",
        "category",
        "cluster",
        "uncategorised",
        "other",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.text(max_size=30)))
def test_any_query_parses_or_is_refused_cleanly(query: dict[str, str]) -> None:
    try:
        f = Filters.from_query(query)
    except FilterError:
        return
    # Whatever parses survives a round trip through the query string.
    assert Filters.from_query(f.to_query()) == f


@settings(max_examples=200, deadline=None)
@given(
    st.builds(
        Filters,
        bucket=st.none() | st.sampled_from(triage.BUCKETS),
        device=st.none() | st.integers(0, 10**6),
        mime=st.none() | st.text(min_size=1, max_size=20).filter(lambda t: "\x00" not in t),
        generated=st.none() | st.sampled_from(triage.GENERATED_CHOICES),
        matched=st.none() | st.sampled_from(triage.MATCH_CHOICES),
        cluster=st.none() | st.integers(0, 10**6),
        uncategorised=st.booleans(),
    )
)
def test_filters_round_trip(f: Filters) -> None:
    assert Filters.from_query(f.to_query()) == f


def test_count_cache_follows_the_generation(case: Case, mixed: dict[str, int]) -> None:
    cache = triage.CountCache()
    gen = Filters(generated="yes")
    with case.sessions() as s:
        assert cache.counts(s, gen, compute=False) is None
        counted = cache.counts(s, gen)
        assert counted is not None
    with case.sessions() as s:
        # Known now, whatever bucket the page shows.
        assert cache.counts(s, Filters(generated="yes", bucket=2), compute=False) == counted
    triage.decide(case, [mixed["generated"]], "0", "rev")  # any change bumps the generation
    with case.sessions() as s:
        assert cache.counts(s, gen, compute=False) is None
        again = cache.counts(s, gen)
    assert again is not None
    assert again[5] == counted[5] + 1 and again[4] == counted[4] - 1


def test_which_counts_wait_for_the_script() -> None:
    assert not triage.costly_counts(Filters())
    assert not triage.costly_counts(Filters(tool="a1111", bucket=2))
    assert not triage.costly_counts(Filters(device=1))
    assert not triage.costly_counts(Filters(cluster=3, tool="a1111"))
    assert triage.costly_counts(Filters(device=1, generated="yes"))
    assert triage.costly_counts(Filters(uncategorised=True, mime="image/png"))
