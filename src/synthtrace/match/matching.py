"""The matching pass: every media against every hash list, exact and perceptual.

Incremental: each list remembers up to which media id it was matched, so after a scan only the
new media are matched, and after an import only the new (or replaced) list is matched against
everything. Exact matching is a join of media digests on the entries' index; PDQ matching puts
the lists' PDQs in a PdqIndex and queries it with all 8 rotations/flips of each picture whose
PDQ quality is at least 50. Matches pre-categorise their media (categories.precategorise), and a
pre-categorisation whose match has gone (list replaced or removed, distance lowered) is
withdrawn, so the categories always agree with the lists the case holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.categories import case_scheme, precategorise, recompute_categories
from synthtrace.match.kinds import EXACT_KINDS, PDQ_MIN_QUALITY, PDQ_ORIENTATIONS
from synthtrace.match.pdqindex import PdqIndex, hex_to_codes
from synthtrace.match.settings import pdq_distance
from synthtrace.store.db import transaction
from synthtrace.store.models import Decision, HashEntry, HashSet, Match, Media
from synthtrace.video.matching import vpdq_matches
from synthtrace.video.settings import vpdq_match_pct

MEDIA_CHUNK = 32768  # pictures per PDQ query batch (x 8 orientations)
ENTRY_CHUNK = 200_000
LOOKUP_CHUNK = 5000  # values per IN lookup (within every database's parameter limit)


@dataclass
class MatchOutcome:
    lists: int  # lists matched in this run
    media_checked: int
    new_matches: int
    media_matched: int  # distinct media among the new matches
    precategorised: int
    withdrawn: int


def match_case(case: Case) -> MatchOutcome | None:
    """Bring every list's matches up to date; None when the case holds no list."""
    distance = pdq_distance(case)
    video_pct = vpdq_match_pct(case)
    codes = {c.code for c in case_scheme(case)[1]}
    with transaction(case.sessions) as s:
        sets = list(s.scalars(select(HashSet)))
        if not sets:
            return None
        top = int(s.scalar(select(func.max(Media.id))) or 0)
        groups: dict[int, list[HashSet]] = defaultdict(list)
        for hs in sets:
            if hs.matched_upto < top:
                groups[hs.matched_upto].append(hs)
        rows: list[dict[str, Any]] = []
        checked = 0
        for upto, members in sorted(groups.items()):
            ids = [hs.id for hs in members]
            s.execute(delete(Match).where(Match.hashset_id.in_(ids), Match.media_id > upto))
            rows += _exact(s, members, upto, top)
            found, _n = _perceptual(s, ids, upto, top, distance)
            rows += found
            rows += vpdq_matches(s, ids, upto, top, distance, video_pct)  # video/matching.py
            checked = max(checked, top - upto)
            for hs in members:
                hs.matched_upto = top
        if rows:
            s.execute(insert(Match), rows)
        names = {hs.id: hs.name for hs in sets}
        # Perceptual first, exact last: on a conflict the newest pre-categorisation wins.
        ordered = sorted(rows, key=lambda r: (r["hash_type"] != "pdq", r["hashset_id"]))
        pre = precategorise(
            s,
            [
                (r["media_id"], r["category"], names[r["hashset_id"]])
                for r in ordered
                if r["category"] in codes
            ],
        )
        withdrawn = withdraw_unsupported(s, case) if 0 in groups else 0
    return MatchOutcome(
        lists=sum(len(m) for m in groups.values()),
        media_checked=checked,
        new_matches=len(rows),
        media_matched=len({r["media_id"] for r in rows}),
        precategorised=pre,
        withdrawn=withdrawn,
    )


def matching_pass(case: Case) -> str | None:
    """Case pass (builtins.CASE_PASSES): the one-line report after a scan or an import."""
    outcome = match_case(case)
    if outcome is None or outcome.lists == 0:
        return None
    line = (
        f"hash lists: {outcome.new_matches} new matches on {outcome.media_matched} media "
        f"({outcome.lists} lists, {outcome.media_checked} media checked), "
        f"{outcome.precategorised} pre-categorised"
    )
    if outcome.withdrawn:
        line += f", {outcome.withdrawn} withdrawn"
    case.audit.append(
        "match",
        lists=outcome.lists,
        media_checked=outcome.media_checked,
        new_matches=outcome.new_matches,
        precategorised=outcome.precategorised,
        withdrawn=outcome.withdrawn,
        pdq_distance=pdq_distance(case),
    )
    return line


def _exact(s: Session, sets: Sequence[HashSet], upto: int, top: int) -> list[dict[str, Any]]:
    """Exact matches, driven from the smaller side: the new media, or the lists' entries.

    Lookups go by chunks of values on an index (IN), never a join the planner may turn around:
    matching a handful of new pictures must not read a 30-million-line list.
    """
    ids = [hs.id for hs in sets]
    if top - upto <= sum(hs.entry_count for hs in sets):
        return _exact_from_media(s, ids, upto, top)
    return _exact_from_entries(s, ids, upto, top)


def _match_row(mid: int, hsid: int, kind: str, category: str | None, series: str | None,
               value: str) -> dict[str, Any]:  # fmt: skip
    return {
        "media_id": mid,
        "hashset_id": hsid,
        "hash_type": kind,
        "distance": 0,
        "category": category,
        "series": series,
        "list_hash": value,
        "orientation": None,
    }


def _exact_from_media(s: Session, ids: Sequence[int], upto: int, top: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    stmt = (
        select(Media.id, Media.md5, Media.sha1, Media.sha256)
        .where(Media.id > upto, Media.id <= top)
        .order_by(Media.id)
        .execution_options(yield_per=LOOKUP_CHUNK)
    )
    for part in s.execute(stmt).partitions():
        for k, kind in enumerate(EXACT_KINDS, start=1):
            owners: dict[str, list[int]] = defaultdict(list)
            for row in part:
                owners[str(row[k])].append(int(row[0]))
            found = s.execute(
                select(
                    HashEntry.hashset_id, HashEntry.value, HashEntry.category, HashEntry.series
                ).where(
                    HashEntry.hash_type == kind.name,
                    HashEntry.value.in_(list(owners)),
                    HashEntry.hashset_id.in_(ids),
                )
            )
            for hsid, value, category, series in found:
                rows += [
                    _match_row(mid, hsid, kind.name, category, series, value)
                    for mid in owners[value]
                ]
    return rows


def _exact_from_entries(
    s: Session, ids: Sequence[int], upto: int, top: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for kind in EXACT_KINDS:
        column = getattr(Media, kind.name)
        stmt = (
            select(HashEntry.hashset_id, HashEntry.value, HashEntry.category, HashEntry.series)
            .where(HashEntry.hash_type == kind.name, HashEntry.hashset_id.in_(ids))
            .execution_options(yield_per=LOOKUP_CHUNK)
        )
        for part in s.execute(stmt).partitions():
            entries: dict[str, list[tuple[int, str | None, str | None]]] = defaultdict(list)
            for hsid, value, category, series in part:
                entries[value].append((hsid, category, series))
            found = s.execute(
                select(Media.id, column).where(
                    column.in_(list(entries)), Media.id > upto, Media.id <= top
                )
            )
            for mid, value in found:
                rows += [
                    _match_row(mid, hsid, kind.name, category, series, value)
                    for hsid, category, series in entries[value]
                ]
    return rows


def _load_pdq_entries(s: Session, ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(entry ids, list ids, codes) of the lists' PDQ entries, read in chunks."""
    entry_ids: list[np.ndarray] = []
    set_ids: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    stmt = (
        select(HashEntry.id, HashEntry.hashset_id, HashEntry.value)
        .where(HashEntry.hash_type == "pdq", HashEntry.hashset_id.in_(ids))
        .execution_options(yield_per=ENTRY_CHUNK)
    )
    for part in s.execute(stmt).partitions():
        entry_ids.append(np.fromiter((r[0] for r in part), np.int64, len(part)))
        set_ids.append(np.fromiter((r[1] for r in part), np.int64, len(part)))
        codes.append(hex_to_codes([r[2] for r in part]))
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 4), np.uint64)
    return np.concatenate(entry_ids), np.concatenate(set_ids), np.concatenate(codes)


def media_pdq_batches(
    s: Session, lower: int, upper: int, chunk: int = MEDIA_CHUNK
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Batches of (media ids, query codes, (owner row, orientation) per query) for pictures
    whose PDQ may match: quality of at least 50, id in (lower, upper]."""
    stmt = (
        select(Media.id, Media.pdq, Media.pdq_dihedral)
        .where(
            Media.id > lower,
            Media.id <= upper,
            Media.pdq.is_not(None),
            Media.pdq_quality >= PDQ_MIN_QUALITY,
        )
        .order_by(Media.id)
        .execution_options(yield_per=chunk)
    )
    for part in s.execute(stmt).partitions():
        ids = np.fromiter((r[0] for r in part), np.int64, len(part))
        hexes: list[str] = []
        owner: list[int] = []
        orient: list[int] = []
        for row, (_mid, pdq, dihedral) in enumerate(part):
            if dihedral and len(dihedral) == 64 * len(PDQ_ORIENTATIONS):
                hexes.append(dihedral)
                owner += [row] * len(PDQ_ORIENTATIONS)
                orient += range(len(PDQ_ORIENTATIONS))
            elif pdq and len(pdq) == 64:
                hexes.append(pdq)
                owner.append(row)
                orient.append(0)
        codes = hex_to_codes(["".join(hexes)])[: len(owner)] if hexes else None
        if codes is None:
            continue
        yield ids, codes, np.array([owner, orient], np.int64)


def _perceptual(
    s: Session, ids: Sequence[int], upto: int, top: int, distance: int
) -> tuple[list[dict[str, Any]], int]:
    entry_ids, set_ids, codes = _load_pdq_entries(s, ids)
    if len(entry_ids) == 0:
        return [], 0
    index = PdqIndex(codes)
    best: list[np.ndarray] = []  # rows of (media id, list id, entry row, distance, orientation)
    checked = 0
    for media_ids, queries, meta in media_pdq_batches(s, upto, top):
        checked += len(media_ids)
        qi, ei, d = index.search(queries, distance)
        if len(qi) == 0:
            continue
        found = np.stack([media_ids[meta[0, qi]], set_ids[ei], ei, d, meta[1, qi]], axis=1)
        # The closest entry per (media, list); ties go to the plain orientation, then entry.
        order = np.lexsort((found[:, 4], found[:, 2], found[:, 3], found[:, 1], found[:, 0]))
        found = found[order]
        first = np.ones(len(found), bool)
        first[1:] = np.any(found[1:, :2] != found[:-1, :2], axis=1)
        best.append(found[first])
    if not best:
        return [], checked
    matched = np.concatenate(best)
    details: dict[int, tuple[str | None, str | None, str]] = {}
    wanted = sorted({int(entry_ids[e]) for e in matched[:, 2]})
    for start in range(0, len(wanted), 10_000):
        for eid, category, series, value in s.execute(
            select(HashEntry.id, HashEntry.category, HashEntry.series, HashEntry.value).where(
                HashEntry.id.in_(wanted[start : start + 10_000])
            )
        ):
            details[eid] = (category, series, value)
    rows = []
    for media_id, set_id, row, dist, orient in matched.tolist():
        category, series, value = details[int(entry_ids[row])]
        rows.append(
            {
                "media_id": media_id,
                "hashset_id": set_id,
                "hash_type": "pdq",
                "distance": dist,
                "category": category,
                "series": series,
                "list_hash": value,
                "orientation": PDQ_ORIENTATIONS[orient],
            }
        )
    return rows, checked


def withdraw_unsupported(s: Session, case: Case) -> int:
    """Mark undone every hash-list pre-categorisation no current match supports."""
    supported = exists().where(
        Match.media_id == Decision.media_id,
        Match.category == Decision.category,
        Match.hashset_id == HashSet.id,
        HashSet.name == Decision.detail,
    )
    stale = s.execute(
        select(Decision.id, Decision.media_id).where(
            Decision.source == "hashset", Decision.undone.is_(False), ~supported
        )
    ).all()
    if not stale:
        return 0
    ids = [d for d, _ in stale]
    for start in range(0, len(ids), 10_000):
        s.execute(
            update(Decision).where(Decision.id.in_(ids[start : start + 10_000])).values(undone=True)
        )
    s.flush()
    recompute_categories(s, [m for _, m in stale])
    return len(stale)
