"""Download origins and disk images in the review: the queue's "downloaded from" filter, the
detail page's locations, the summary's sections, the export's keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from synthtrace.case import Case, create_case
from synthtrace.export.records import BASE_KEYS
from synthtrace.scan.service import scan_evidence
from synthtrace.store.models import Media
from synthtrace.summary import case_summary
from synthtrace.triage import FilterError, Filters, queue_page
from synthtrace.web.detail import media_detail
from tests.disk.conftest import Reference, sha


@pytest.fixture(scope="module")
def disk_case(reference: Reference, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    root = tmp_path_factory.mktemp("review") / "case"
    with create_case(root, name="review", examiner="tester") as case:
        scan_evidence(case, reference.raw, "stick", workers=1)
        yield case


def _media_id(case: Case, digest: str) -> int:
    with case.sessions() as s:
        found = s.scalars(select(Media.id).where(Media.sha256 == digest)).first()
    assert found is not None
    return int(found)


def test_queue_filter_downloaded_from(disk_case: Case, reference: Reference) -> None:
    barn = _media_id(disk_case, sha(reference.pictures["download"]))
    with disk_case.sessions() as s:
        for site in ("cdn.example.org", "pictures.example.org", "*"):
            page = queue_page(s, Filters.from_query({"downloaded": site}))
            assert [row.media_id for row in page.items] == [barn], site
        assert queue_page(s, Filters(downloaded="elsewhere.example")).items == []
        assert queue_page(s, Filters(downloaded="%")).items == []  # LIKE wildcards escaped
        everything = queue_page(s, Filters())
        assert len(everything.items) > 1
    assert Filters(downloaded="cdn.example.org").to_query() == {"downloaded": "cdn.example.org"}
    with pytest.raises(FilterError):
        Filters.from_query({"downloaded": "x" * 201})


def test_detail_page_shows_origin_deleted_and_carved(disk_case: Case, reference: Reference) -> None:
    detail = media_detail(disk_case, _media_id(disk_case, sha(reference.pictures["download"])))
    assert detail is not None
    (location,) = detail.locations
    assert location.download_origin is not None
    assert location.download_origin["host_url"] == "https://cdn.example.org/a/barn.jpg"
    gone = media_detail(disk_case, _media_id(disk_case, sha(reference.pictures["gone"])))
    assert gone is not None and [loc.deleted for loc in gone.locations] == [True]
    planted = media_detail(disk_case, _media_id(disk_case, sha(reference.pictures["planted"])))
    assert planted is not None and planted.locations[0].carved
    assert planted.locations[0].image_offset == min(reference.planted)


def test_summary_sections(disk_case: Case) -> None:
    summary = case_summary(disk_case)
    sections = {sec.title.split(" (")[0]: sec for sec in summary.sections}
    images = sections["Disk images"]
    assert images.rows == [
        ["stick", "disk.raw", "raw", "no stored hash", "p1 FAT16, p2 NTFS, p3 ext4", "2", "2", "0"]
    ]
    downloads = sections["Downloaded files"]
    assert downloads.rows == [
        [
            "stick",
            "disk.raw!/p2/barn.jpg",
            "https://cdn.example.org/a/barn.jpg",
            "https://pictures.example.org/gallery",
            "internet",
        ]
    ]


def test_export_keys_are_added_at_the_end() -> None:
    assert BASE_KEYS[-5:] == ("deleted", "carved", "image_offset", "download_origin", "image")
