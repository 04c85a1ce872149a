"""`hashset import` into a case: formats, counting, idempotence, transactions, the audit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from synthtrace.case import Case
from synthtrace.match.formats.base import ListLimits
from synthtrace.match.importer import HashListError, import_hashset, list_hashsets, remove_hashset
from synthtrace.store.models import Decision, HashEntry, HashSet, Match, MediaCategory
from tests.match.conftest import Device, digests, vics_media


def matched(case: Case) -> set[tuple[int, str, str]]:
    with case.sessions() as s:
        rows = s.execute(
            select(Match.media_id, HashSet.name, Match.hash_type).join(
                HashSet, Match.hashset_id == HashSet.id
            )
        )
        return {tuple(r) for r in rows}  # type: ignore[misc]


def entry_count(case: Case) -> int:
    with case.sessions() as s:
        return int(s.scalar(select(func.count(HashEntry.id))) or 0)


def test_every_format_imports_and_matches_exactly(
    scanned: tuple[Case, Device], tmp_path: Path
) -> None:
    case, dev = scanned
    cat, coffee, hills, notes = (digests(x) for x in (dev.cat, dev.coffee, dev.hills, dev.notes))
    lists = {
        "vics": vics_media([{"MD5": cat["md5"].upper(), "Category": 1}]),
        "icse": f"MD5;SHA1\n;{coffee['sha1']}\n",
        "csv": f"sha256,category,series\n{hills['sha256']},2,Hills\n",
        "text": f"{notes['md5']}  notes.txt\n",
    }
    for fmt, text in lists.items():
        path = tmp_path / f"list.{fmt}"
        path.write_text(text)
        report = import_hashset(case, path, f"list {fmt}")
        assert report.format == fmt  # detected
        assert report.entries == 1 and report.bad == 0
    ids = media_ids(case)
    assert matched(case) == {
        (ids[cat["sha256"]], "list vics", "md5"),
        (ids[coffee["sha256"]], "list icse", "sha1"),
        (ids[hills["sha256"]], "list csv", "sha256"),
        (ids[notes["sha256"]], "list text", "md5"),
    }
    with case.sessions() as s:
        cats = {
            m.media_id: (m.category, m.source, m.detail) for m in s.scalars(select(MediaCategory))
        }
    assert cats == {
        ids[cat["sha256"]]: ("1", "hashset", "list vics"),
        ids[hills["sha256"]]: ("2", "hashset", "list csv"),
    }


def media_ids(case: Case) -> dict[str, int]:
    from synthtrace.store.models import Media

    with case.sessions() as s:
        return {sha: mid for sha, mid in s.execute(select(Media.sha256, Media.id))}


def test_bad_lines_are_counted_and_reported(case: Case, tmp_path: Path) -> None:
    good_md5 = "d41d8cd98f00b204e9800998ecf8427e"
    path = tmp_path / "list.txt"
    path.write_text(f"{good_md5}\nnot-a-hash\n{good_md5[:20]}\n{good_md5}\n")
    report = import_hashset(case, path, "mixed", category="0")
    assert (report.records, report.entries, report.bad, report.duplicates) == (2, 1, 2, 1)
    assert report.problems[0].startswith("record 2:")
    listed = list_hashsets(case)[0]
    assert (listed.name, listed.entries, listed.skipped, listed.category) == ("mixed", 1, 3, "0")


def test_reimport_is_idempotent_and_a_new_release_replaces(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("md5,category\n" + "".join(f"{i:032x},1\n" for i in range(100)))
    first = import_hashset(case, path, "release")
    again = import_hashset(case, path, "release")
    assert (first.entries, again.unchanged, entry_count(case)) == (100, True, 100)
    path.write_text("md5,category\n" + "".join(f"{i:032x},2\n" for i in range(50, 120)))
    third = import_hashset(case, path, "release")
    assert third.replaced and third.entries == 70 and entry_count(case) == 70
    with case.sessions() as s:
        assert set(s.scalars(select(HashEntry.category))) == {"2"}
    actions = [e["action"] for e in case.audit.entries()]
    assert actions.count("hashset.import") == 3


@pytest.mark.parametrize(
    ("name", "content", "fmt", "message"),
    [
        ("truncated.json", None, "auto", "truncated|not valid JSON"),
        ("wrong.csv", "just,some,words\n1,2,3\n", "csv", "names no hash column"),
        ("garbage.txt", "hello\nworld\n", "text", "no valid hash"),
        ("ambiguous.txt", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
         "text", "--type"),
    ],
)  # fmt: skip
def test_a_failed_import_leaves_the_case_as_it_was(
    case: Case, tmp_path: Path, name: str, content: str | None, fmt: str, message: str
) -> None:
    keep = tmp_path / "keep.txt"
    keep.write_text("d41d8cd98f00b204e9800998ecf8427e\n")
    import_hashset(case, keep, "kept")
    path = tmp_path / name
    if content is None:
        doc = vics_media([{"MD5": f"{i:032x}"} for i in range(3000)])
        path.write_text(doc[: len(doc) - 40])
    else:
        path.write_text(content)
    with pytest.raises(HashListError, match=message):
        import_hashset(case, path, "kept" if content is None else "new", fmt=fmt)
    assert [h.name for h in list_hashsets(case)] == ["kept"]
    assert entry_count(case) == 1  # the replaced list's entries came back with the rollback
    assert case.audit.entries()[-1]["action"] == "hashset.import.failed"
    assert case.audit.verify().ok


def test_arguments_are_checked_before_anything_is_read(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "l.txt"
    path.write_text("d41d8cd98f00b204e9800998ecf8427e\n")
    with pytest.raises(HashListError, match="not in this case's projectvic scheme"):
        import_hashset(case, path, "x", category="A")
    with pytest.raises(HashListError, match="unknown hash type"):
        import_hashset(case, path, "x", hash_type="crc32")
    with pytest.raises(HashListError, match="not a file"):
        import_hashset(case, tmp_path, "x")
    with pytest.raises(HashListError, match="needs a name"):
        import_hashset(case, path, " ")


def test_a_long_list_streams_in_bounded_memory(case: Case, tmp_path: Path) -> None:
    """Memory does not follow the list: five times the lines, about the same peak."""
    import tracemalloc

    def peak_for(lines: int, name: str) -> int:
        path = tmp_path / f"{name}.txt"
        with open(path, "w") as fh:
            for i in range(lines):
                fh.write(f"{name}{i:036x}\n")
        tracemalloc.start()
        report = import_hashset(case, path, name, run_passes=False, limits=ListLimits())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert report.entries == lines
        return peak

    small = peak_for(20_000, "aaaa")
    large = peak_for(100_000, "bbbb")
    assert large < small * 1.5 + (1 << 20)


def test_remove_withdraws_precategorisations(scanned: tuple[Case, Device], tmp_path: Path) -> None:
    case, dev = scanned
    path = tmp_path / "l.txt"
    path.write_text(digests(dev.cat)["md5"] + "\n")
    import_hashset(case, path, "cats", category="1")
    with case.sessions() as s:
        assert s.scalar(select(func.count(MediaCategory.media_id))) == 1
    assert remove_hashset(case, "cats") == 1
    with case.sessions() as s:
        assert s.scalar(select(func.count(MediaCategory.media_id))) == 0
        assert s.scalar(select(func.count(Match.id))) == 0
        assert all(d.undone for d in s.scalars(select(Decision)))
    with pytest.raises(HashListError, match="no hash list named"):
        remove_hashset(case, "cats")


def test_vics_extras_are_kept_on_entries(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text(
        vics_media(
            [
                {
                    "MD5": "d41d8cd98f00b204e9800998ecf8427e",
                    "Category": 3,
                    "VictimIdentified": "true",
                    "Tags": "lighthouse",
                }
            ]
        )
    )
    import_hashset(case, path, "v")
    with case.sessions() as s:
        entry = s.scalars(select(HashEntry)).one()
    assert entry.category == "3"
    assert entry.extra == {"VictimIdentified": True, "Tags": "lighthouse"}
    assert json.loads(json.dumps(entry.extra)) == entry.extra
