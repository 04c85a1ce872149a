"""Matching: exact and perceptual, all 8 orientations, the quality floor, the case's distance,
incremental runs after new scans, and pre-categorisation that follows the lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from synthtrace.case import Case
from synthtrace.categories import set_scheme
from synthtrace.demo.pictures import jpeg_bytes, png_bytes
from synthtrace.match.importer import import_hashset
from synthtrace.match.matching import match_case
from synthtrace.match.settings import SettingError, pdq_distance, set_pdq_distance
from synthtrace.store.models import HashSet, Match, Media, MediaCategory
from tests.match.conftest import digests, pdq_of, picture, scan, write_device


def matches(case: Case) -> dict[str, tuple[str, int, str | None, str | None]]:
    """File name of each matched media -> (list, distance, orientation, category)."""
    from synthtrace.store.models import File

    with case.sessions() as s:
        rows = s.execute(
            select(File.path, HashSet.name, Match.distance, Match.orientation, Match.category)
            .join(Match, Match.media_id == File.media_id)
            .join(HashSet, HashSet.id == Match.hashset_id)
            .where(Match.hash_type == "pdq")
        )
        return {path.rsplit("/", 1)[-1]: (n, d, o, c) for path, n, d, o, c in rows}


def pdq_list(tmp_path: Path, name: str, hashes: dict[str, str], category: str = "1") -> Path:
    path = tmp_path / f"{name}.csv"
    path.write_text(
        "pdq,category,label\n" + "".join(f"{h},{category},{k}\n" for k, h in hashes.items())
    )
    return path


def test_perceptual_matches_any_rotation_or_flip(case: Case, tmp_path: Path) -> None:
    rocket = picture("rocket", 3)
    coins = picture("coins", 4)
    flat = Image.new("RGB", (300, 200), (120, 140, 160))
    write_device(
        tmp_path / "dev",
        {
            "rocket_small.jpg": jpeg_bytes(
                rocket.resize((rocket.width // 2, rocket.height // 2)), 70
            ),
            "coins_turned.png": png_bytes(coins.transpose(Image.Transpose.ROTATE_90)),
            "coins_mirror.jpg": jpeg_bytes(coins.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 85),
            "flat.png": png_bytes(flat),
            "cat.jpg": jpeg_bytes(picture("chelsea", 1), 90),
        },
    )
    scan(case, tmp_path / "dev", "dev")
    listed = {"rocket": pdq_of(rocket), "coins": pdq_of(coins), "flat": pdq_of(flat)}
    import_hashset(case, pdq_list(tmp_path, "known", listed), "known")
    found = matches(case)
    assert set(found) == {"rocket_small.jpg", "coins_turned.png", "coins_mirror.jpg"}
    assert found["rocket_small.jpg"][2] == "original"
    assert found["coins_turned.png"][2] != "original"
    assert found["coins_mirror.jpg"][2] != "original"
    assert all(d <= 31 for _, d, _, _ in found.values())
    with case.sessions() as s:  # the flat picture has a PDQ of quality < 50: never matched
        assert s.scalars(select(Media.id).where(Media.pdq_quality < 50)).all()


def test_distance_is_a_case_setting_and_rematches(case: Case, tmp_path: Path) -> None:
    rocket = picture("rocket", 3)
    small = jpeg_bytes(rocket.resize((rocket.width // 3, rocket.height // 3)), 60)
    write_device(tmp_path / "dev", {"rocket_small.jpg": small})
    scan(case, tmp_path / "dev", "dev")
    import_hashset(case, pdq_list(tmp_path, "l", {"rocket": pdq_of(rocket)}), "l")
    (_, distance, _, _) = matches(case)["rocket_small.jpg"]
    assert 0 < distance <= 31 and pdq_distance(case) == 31

    set_pdq_distance(case, distance - 1, user="examiner")
    from synthtrace.scan.service import run_case_passes

    run_case_passes(case)
    assert matches(case) == {}
    with case.sessions() as s:
        assert s.scalars(select(MediaCategory)).all() == []  # the pre-categorisation withdrawn
    set_pdq_distance(case, 31)
    run_case_passes(case)
    assert "rocket_small.jpg" in matches(case)
    with case.sessions() as s:
        assert s.scalars(select(MediaCategory.category)).all() == ["1"]
    with pytest.raises(SettingError):
        set_pdq_distance(case, 64)
    assert [
        e["details"]["distance"]
        for e in case.audit.entries()
        if e["action"] == "match.pdq_distance"
    ] == [distance - 1, 31]


def test_new_devices_are_matched_incrementally(case: Case, tmp_path: Path) -> None:
    cat = jpeg_bytes(picture("chelsea", 1), 90)
    write_device(tmp_path / "one", {"cat.jpg": cat})
    write_device(
        tmp_path / "two", {"copy_of_cat.jpg": cat, "coffee.jpg": jpeg_bytes(picture("coffee"), 80)}
    )
    scan(case, tmp_path / "one", "one")
    path = tmp_path / "l.txt"
    path.write_text(digests(cat)["sha1"] + "\n")
    import_hashset(case, path, "cats", category="2")
    assert match_case(case) is not None
    again = match_case(case)
    assert again is not None and again.lists == 0  # nothing new: nothing done
    scan(case, tmp_path / "two", "two")  # same cat content: already matched; coffee is new
    with case.sessions() as s:
        assert len(s.scalars(select(Match)).all()) == 1
        assert s.scalars(select(HashSet.matched_upto)).one() == s.scalar(
            select(Media.id).order_by(Media.id.desc())
        )


def test_categories_outside_the_scheme_are_kept_but_not_applied(case: Case, tmp_path: Path) -> None:
    cat = jpeg_bytes(picture("chelsea", 1), 90)
    write_device(tmp_path / "dev", {"cat.jpg": cat})
    scan(case, tmp_path / "dev", "dev")
    set_scheme(case, "caid")
    path = tmp_path / "l.csv"
    path.write_text(f"md5,category\n{digests(cat)['md5']},1\n")
    report = import_hashset(case, path, "us list")
    assert report.outside_scheme == ["1"]
    with case.sessions() as s:
        assert s.scalars(select(Match.category)).all() == ["1"]
        assert s.scalars(select(MediaCategory)).all() == []


def test_known_good_lists_match_without_categorising(case: Case, tmp_path: Path) -> None:
    notes = b"Minutes of the garden committee.\n"
    write_device(tmp_path / "dev", {"notes.txt": notes})
    scan(case, tmp_path / "dev", "dev")
    path = tmp_path / "nsrl.txt"
    path.write_text(digests(notes)["md5"] + "  notes.txt\n")
    import_hashset(case, path, "NSRL", known_good=True)
    with case.sessions() as s:
        (good,) = s.execute(
            select(HashSet.known_good).join(Match, Match.hashset_id == HashSet.id)
        ).one()
        assert good is True
        assert s.scalars(select(MediaCategory)).all() == []


def test_exact_lookups_agree_from_either_side(case: Case, tmp_path: Path) -> None:
    """Driven from the media or from the entries, exact matching finds the same rows."""
    from synthtrace.match.matching import _exact_from_entries, _exact_from_media

    files = {f"p{i}.png": png_bytes(Image.new("RGB", (8, 8), (i, 2 * i, 3))) for i in range(12)}
    write_device(tmp_path / "dev", files)
    scan(case, tmp_path / "dev", "dev")
    lines = ["md5,sha1,sha256,category"]
    for i, data in enumerate(files.values()):
        d = digests(data)
        lines.append(",".join([d["md5"] if i % 3 == 0 else "", d["sha1"] if i % 3 == 1 else "",
                               d["sha256"] if i % 3 != 1 else "", "4"]))  # fmt: skip
    lines += [f"{i:032x},,,4" for i in range(500)]  # more entries than media
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines) + "\n")
    import_hashset(case, path, "mixed", run_passes=False)
    with case.sessions() as s:
        top = s.scalar(select(Media.id).order_by(Media.id.desc()))
        assert top is not None
        a = _exact_from_media(s, [1], 0, top)
        b = _exact_from_entries(s, [1], 0, top)
    key = lambda r: (r["media_id"], r["hash_type"])  # noqa: E731
    assert sorted(a, key=key) == sorted(b, key=key)
    assert len(a) == 16  # 12 pictures: 4 by md5 + sha256, 4 by sha1, 4 by sha256
