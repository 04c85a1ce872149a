"""VICS exports: the #Media shape read as a #Media reader reads it, list flags written back (from
lists and reviewers), vPDQ when a video has it, and both shapes round-tripping into a new case."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import ijson
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from synthtrace.case import Case, create_case
from synthtrace.categories import categorise
from synthtrace.export.service import export_case
from synthtrace.flags import FlagError, set_flags
from synthtrace.match.importer import import_hashset
from synthtrace.store.models import HashEntry, Media
from tests.conftest import run_cli
from tests.match.conftest import Device, digests, scan, vics_media

FRAMES = [
    {"hash": "f" * 64, "quality": 100, "timestamp": 0.0},
    {"hash": "e" * 64, "quality": 90, "timestamp": 1.0},
]


def _ids(case: Case) -> dict[str, int]:
    with case.sessions() as s:
        return dict(s.execute(select(Media.sha256, Media.id)).all())


@pytest.fixture
def flagged(scanned: tuple[Case, Device], tmp_path: Path) -> tuple[Case, Device]:
    """Three categorised pictures: the cat by a list carrying flags, the coffee and the hills by
    a reviewer, who also flags the coffee."""
    case, dev = scanned
    cat = digests(dev.cat)
    listed = tmp_path / "vic.json"
    listed.write_text(
        vics_media(
            [
                {
                    "MD5": cat["md5"],
                    "Category": 1,
                    "Series": "Cats",
                    "VictimIdentified": True,
                    "IsDistributed": "true",
                    "Tags": ["indoor", "animal"],
                }
            ]
        )
    )
    import_hashset(case, listed, "project vic")
    ids = _ids(case)
    coffee, hills = ids[digests(dev.coffee)["sha256"]], ids[digests(dev.hills)["sha256"]]
    categorise(case, [coffee], "3", user="examiner")
    categorise(case, [hills], "0", user="examiner")
    set_flags(
        case,
        [coffee],
        {"OffenderIdentified": True, "Series": "Kitchen", "Tags": "mug, table"},
        user="examiner",
    )
    # The reviewer's word outranks the list's: the cat's victim is not identified after all.
    set_flags(case, [ids[cat["sha256"]]], {"VictimIdentified": False}, user="examiner")
    return case, dev


def _export(case: Case, fmt: str) -> str:
    out = io.StringIO()
    export_case(case, fmt, out, destination="memory")
    return out.getvalue()


def test_media_shape_and_flags(flagged: tuple[Case, Device]) -> None:
    case, dev = flagged
    doc = json.loads(_export(case, "vics-media"))
    assert doc["@odata.context"].endswith("/2.0.xml/US/$metadata#Media")
    assert isinstance(doc["value"], list) and len(doc["value"]) == 3
    by_md5 = {m["MD5"]: m for m in doc["value"]}
    cat = by_md5[digests(dev.cat)["md5"].upper()]
    assert cat["SHA1"] == digests(dev.cat)["sha1"].upper()
    assert cat["Category"] == 1 and cat["IsPrecategorized"] is True
    assert cat["MediaSize"] == len(dev.cat) and cat["MimeType"] == "image/jpeg"
    assert cat["IsDistributed"] is True and cat["VictimIdentified"] is False
    assert cat["Series"] == "Cats" and cat["Tags"] == ["indoor", "animal"]
    assert {h["HashName"] for h in cat["AlternativeHashes"]} == {"SHA256", "PDQ"}
    assert "MediaFiles" not in cat  # a hash set: where the suspect kept it stays in the case
    coffee = by_md5[digests(dev.coffee)["md5"].upper()]
    assert coffee["Category"] == 3 and coffee["IsPrecategorized"] is False
    assert coffee["OffenderIdentified"] is True and coffee["Series"] == "Kitchen"
    assert coffee["Tags"] == ["mug", "table"]
    assert "VictimIdentified" not in coffee  # nobody said anything of it


def test_read_as_a_media_reader_does(flagged: tuple[Case, Device], tmp_path: Path) -> None:
    """Stream `value.item` and keep what has a Category, as Project VIC #Media readers do."""
    case, dev = flagged
    path = tmp_path / "media.json"
    path.write_text(_export(case, "vics-media"))
    with open(path, "rb") as fh:
        categorised = {
            item["MD5"]: item["Category"]
            for item in ijson.items(fh, "value.item")
            if item.get("Category") is not None
        }
    assert categorised == {
        digests(dev.cat)["md5"].upper(): 1,
        digests(dev.coffee)["md5"].upper(): 3,
        digests(dev.hills)["md5"].upper(): 0,
    }
    # The #Cases export is invisible to such a reader: that is why #Media exists.
    cases = tmp_path / "cases.json"
    cases.write_text(_export(case, "vics"))
    with open(cases, "rb") as fh:
        assert [i for i in ijson.items(fh, "value.item") if i.get("Category") is not None] == []


def test_cases_shape_carries_the_flags_too(flagged: tuple[Case, Device]) -> None:
    case, dev = flagged
    (exported,) = json.loads(_export(case, "vics"))["value"]
    by_md5 = {m["MD5"]: m for m in exported["Media"]}
    coffee = by_md5[digests(dev.coffee)["md5"].upper()]
    assert coffee["OffenderIdentified"] is True and coffee["MediaFiles"][0]["FileName"] == (
        "coffee.png"
    )


@pytest.mark.parametrize("fmt", ["vics", "vics-media"])
def test_round_trip_into_a_new_case(flagged: tuple[Case, Device], tmp_path: Path, fmt: str) -> None:
    case, dev = flagged
    exported = tmp_path / f"{fmt}.json"
    exported.write_text(_export(case, fmt))
    with create_case(tmp_path / f"other-{fmt}", name="receiving agency") as other:
        report = import_hashset(other, exported, "from agency 1")
        assert (report.format, report.records, report.bad) == ("vics", 3, 0)
        with other.sessions() as s:
            entries = {e.value: e for e in s.scalars(select(HashEntry))}
        cat = entries[digests(dev.cat)["md5"]]
        assert cat.category == "1" and cat.series == "Cats"
        extra: dict[str, Any] = cat.extra or {}
        assert extra["IsDistributed"] is True and extra["VictimIdentified"] is False
        assert extra["Tags"] == ["indoor", "animal"] and extra["IsPrecategorized"] is True
        assert entries[digests(dev.coffee)["sha256"]].category == "3"
        assert entries[digests(dev.hills)["sha1"]].category == "0"
        # The receiving agency scans the same pictures: the categories and flags apply there.
        scan(other, dev.root, "seized-again")
        again = json.loads(_export(other, "vics-media"))["value"]
    by_md5 = {m["MD5"]: m for m in again}
    cat_again = by_md5[digests(dev.cat)["md5"].upper()]
    assert cat_again["Category"] == 1 and cat_again["IsPrecategorized"] is True
    assert cat_again["VictimIdentified"] is False and cat_again["Tags"] == ["indoor", "animal"]
    coffee_again = by_md5[digests(dev.coffee)["md5"].upper()]
    assert coffee_again["Category"] == 3 and coffee_again["OffenderIdentified"] is True


def test_vpdq_rides_in_alternative_hashes_when_a_video_has_it(
    scanned: tuple[Case, Device], tmp_path: Path
) -> None:
    case, dev = scanned
    sha = digests(dev.hills)["sha256"]
    with case.sessions.begin() as s:  # what the video analyzer stores for a clip
        s.execute(
            update(Media)
            .where(Media.sha256 == sha)
            .values(mime="video/mp4", facts={"video": {"duration": 2.0, "vpdq": FRAMES}})
        )
    media = json.loads(_export(case, "vics-media"))["value"]
    (clip,) = [m for m in media if m["MimeType"] == "video/mp4"]
    (vpdq,) = [h for h in clip["AlternativeHashes"] if h["HashName"] == "vPDQ"]
    assert json.loads(vpdq["HashValue"]) == FRAMES
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"@odata.context": "x/$metadata#Media", "value": media}))
    with create_case(tmp_path / "other", name="other") as other:
        assert import_hashset(other, path, "clips").bad == 0
        with other.sessions() as s:
            extras = [e.extra for e in s.scalars(select(HashEntry).where(HashEntry.value == sha))]
            videos = list(s.scalars(select(HashEntry).where(HashEntry.hash_type == "vpdq")))
    # Read back as a vPDQ entry of its own (match/formats/vpdq.py), the frames kept on the record.
    assert extras and extras[0] and len(extras[0]["frames"]) == len(FRAMES)
    assert len(videos) == 1 and videos[0].extra and len(videos[0].extra["frames"]) == len(FRAMES)


def test_bad_flags_are_refused(scanned: tuple[Case, Device]) -> None:
    case, _ = scanned
    mid = next(iter(_ids(case).values()))
    with pytest.raises(FlagError, match="unknown flag"):
        set_flags(case, [mid], {"Secret": True}, user="x")
    with pytest.raises(FlagError, match="true or false"):
        set_flags(case, [mid], {"VictimIdentified": "yes"}, user="x")
    with pytest.raises(FlagError, match="no media"):
        set_flags(case, [10_000], {"VictimIdentified": True}, user="x")


def test_cli_flag_and_export(scanned: tuple[Case, Device], cli: CliRunner, tmp_path: Path) -> None:
    case, dev = scanned
    sha1 = digests(dev.cat)["sha1"]
    code, output = run_cli(
        cli, "flag", case.root, sha1, "--distributed", "--tag", "a", "--tag", "b"
    )
    assert code == 0, output
    assert case.audit.entries()[-1]["action"] == "flags.set"
    code, output = run_cli(cli, "flag", case.root, "0" * 40, "--distributed")
    assert code == 2 and "no content" in output
    target = tmp_path / "m.json"
    code, output = run_cli(cli, "export", case.root, "--format", "vics-media", "-o", target)
    assert code == 0, output
    (cat,) = [m for m in json.loads(target.read_text())["value"] if m["SHA1"] == sha1.upper()]
    assert cat["IsDistributed"] is True and cat["Tags"] == ["a", "b"]
    code, _ = run_cli(cli, "flag", case.root, sha1, "--clear", "Tags")
    assert code == 0
    run_cli(cli, "export", case.root, "--format", "vics-media", "-o", target)
    (cat,) = [m for m in json.loads(target.read_text())["value"] if m["SHA1"] == sha1.upper()]
    assert "Tags" not in cat and cat["IsDistributed"] is True
