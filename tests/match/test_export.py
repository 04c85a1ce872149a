"""Export: the jsonl keys, and a VICS 2.0 case file that round-trips into a new case."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import select

from synthtrace.case import Case, create_case
from synthtrace.categories import categorise
from synthtrace.export.service import export_case
from synthtrace.match.importer import import_hashset
from synthtrace.store.models import HashEntry, Media
from tests.conftest import by_path
from tests.match.conftest import Device, digests, vics_media


def test_jsonl_records_carry_matches_and_clusters(
    scanned: tuple[Case, Device], tmp_path: Path
) -> None:
    case, dev = scanned
    path = tmp_path / "v.json"
    path.write_text(vics_media([{"MD5": digests(dev.cat)["md5"], "Category": 1, "Series": "Cats"}]))
    import_hashset(case, path, "vic")
    good = tmp_path / "good.txt"
    good.write_text(digests(dev.notes)["sha1"] + "\n")
    import_hashset(case, good, "office", known_good=True)
    records = by_path(case)
    assert records["Pictures/cat.jpg"]["matches"] == [
        {
            "hashset": "vic",
            "hash_type": "md5",
            "distance": 0,
            "category": "1",
            "series": "Cats",
            "known_good": False,
            "orientation": None,
        }
    ]
    notes = records["Documents/notes.txt"]["matches"]
    assert isinstance(notes, list) and notes[0]["known_good"] is True
    assert records["Pictures/coffee.png"]["matches"] == []
    assert records["Pictures/cat.jpg"]["cluster_size"] == 1
    assert records["Pictures/cat.jpg"]["cluster"] == digests(dev.cat)["sha256"]


def test_vics_export_round_trips_into_a_new_case(
    scanned: tuple[Case, Device], tmp_path: Path
) -> None:
    case, dev = scanned
    with case.sessions() as s:
        ids = dict(s.execute(select(Media.sha256, Media.id)).all())
    cat, coffee = digests(dev.cat), digests(dev.coffee)
    categorise(case, [ids[cat["sha256"]]], "3", user="examiner")
    listed = tmp_path / "l.csv"
    listed.write_text(f"sha1,category\n{coffee['sha1']},2\n")
    import_hashset(case, listed, "agency list")

    out = io.StringIO()
    n = export_case(case, "vics", out, destination="memory")
    doc = json.loads(out.getvalue())
    assert doc["@odata.context"].endswith("/2.0.xml/US/$metadata#Cases")
    (exported,) = doc["value"]
    assert n == len(exported["Media"]) == exported["TotalMediaFiles"] == 3  # the 3 pictures
    by_md5 = {m["MD5"]: m for m in exported["Media"]}
    assert by_md5[cat["md5"].upper()]["Category"] == 3
    assert by_md5[cat["md5"].upper()]["IsPrecategorized"] is False
    assert by_md5[coffee["md5"].upper()]["Category"] == 2
    assert by_md5[coffee["md5"].upper()]["IsPrecategorized"] is True
    assert by_md5[cat["md5"].upper()]["MediaFiles"] == [
        {"FileName": "cat.jpg", "FilePath": "Pictures", "SourceID": "device-1"}
    ]
    hills = by_md5[digests(dev.hills)["md5"].upper()]
    assert hills["Category"] is None
    assert {h["HashName"] for h in hills["AlternativeHashes"]} == {"SHA256", "PDQ"}

    vics = tmp_path / "export.json"
    vics.write_text(out.getvalue())
    with create_case(tmp_path / "other", name="receiving agency") as other:
        report = import_hashset(other, vics, "from agency 1")
        assert report.format == "vics" and report.records == 3 and report.bad == 0
        with other.sessions() as s:
            entries = {(e.hash_type, e.value): e.category for e in s.scalars(select(HashEntry))}
        with case.sessions() as s:
            media = list(s.scalars(select(Media).where(Media.pdq.is_not(None))))
    expected = {}
    for m in media:
        cat_code = {ids[cat["sha256"]]: "3", ids[coffee["sha256"]]: "2"}.get(m.id)
        for kind in ("md5", "sha1", "sha256", "pdq"):
            expected[(kind, getattr(m, kind))] = cat_code
    assert entries == expected
    assert case.audit.entries()[-1]["action"] == "export"
