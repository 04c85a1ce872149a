"""List flags of a media: what the hash lists that matched it say, and what a reviewer set.

Project VIC lists carry flags beside the category (`VictimIdentified`, `OffenderIdentified`,
`IsDistributed`, `Series`, `Tags`); the importer keeps them on each list entry. They travel on to
the next agency in the VICS exports, so they are merged here once: a reviewer's newest word on a
flag outranks every list; among lists a flag is true when any matching list says true, `Series`
is the first list's, `Tags` the union in list order.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.store.db import transaction
from synthtrace.store.models import HashEntry, Match, Media, MediaFlag
from synthtrace.timefmt import now_utc

BOOLEAN_FLAGS = ("IsDistributed", "VictimIdentified", "OffenderIdentified")
TEXT_FLAGS = ("Series",)
LIST_FLAGS = ("Tags",)
FLAGS = (*BOOLEAN_FLAGS, *TEXT_FLAGS, *LIST_FLAGS)
_CHUNK = 5000  # ids per IN (...) list


class FlagError(ValueError):
    pass


def _tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [t.strip() for t in str(value).split(",") if t.strip()]


def check_flags(flags: Mapping[str, Any]) -> dict[str, Any]:
    """The flags as stored: known names, booleans as booleans, Tags as a list; None withdraws."""
    out: dict[str, Any] = {}
    for name, value in flags.items():
        if name not in FLAGS:
            raise FlagError(f"unknown flag {name!r}; choose from {', '.join(FLAGS)}")
        if value is None:
            out[name] = None
        elif name in BOOLEAN_FLAGS:
            if not isinstance(value, bool):
                raise FlagError(f"{name} is true or false, not {value!r}")
            out[name] = value
        elif name in LIST_FLAGS:
            out[name] = _tags(value) or None
        else:
            out[name] = str(value).strip()[:500] or None
    if not out:
        raise FlagError("no flag given")
    return out


def set_flags(case: Case, media_ids: Sequence[int], flags: Mapping[str, Any], user: str) -> str:
    """Record a reviewer's flags on one or many media (audited); returns the batch id."""
    checked = check_flags(flags)
    if not media_ids:
        raise FlagError("nothing selected")
    batch, when = str(uuid.uuid4()), now_utc()
    with transaction(case.sessions) as s:
        known = set(s.scalars(select(Media.id).where(Media.id.in_(list(media_ids)))))
        missing = sorted(set(media_ids) - known)
        if missing:
            raise FlagError(f"no media with id {', '.join(map(str, missing[:5]))}")
        s.add_all(
            MediaFlag(media_id=mid, flag=name, value=value, user=user, time=when, batch=batch)
            for mid in media_ids
            for name, value in checked.items()
        )
    case.audit.append("flags.set", user=user, media=list(media_ids), flags=checked, batch=batch)
    return batch


def media_by_hash(case: Case, values: Iterable[str]) -> list[int]:
    """Media ids for SHA-256, SHA-1 or MD5 values (by length); an unknown value is an error."""
    ids: list[int] = []
    with case.sessions() as s:
        for raw in values:
            value = raw.strip().lower()
            column = {64: Media.sha256, 40: Media.sha1, 32: Media.md5}.get(len(value))
            if column is None:
                raise FlagError(f"{raw!r} is not a SHA-256, SHA-1 or MD5")
            found = list(s.scalars(select(Media.id).where(column == value)))
            if not found:
                raise FlagError(f"no content of this case has the hash {raw}")
            ids.extend(found)
    return sorted(set(ids))


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def reviewer_flags(s: Session, media_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The newest reviewer value of each flag per media (withdrawn flags left out)."""
    newest: dict[tuple[int, str], Any] = {}
    for chunk in _chunks(media_ids):
        for mid, flag, value in s.execute(
            select(MediaFlag.media_id, MediaFlag.flag, MediaFlag.value)
            .where(MediaFlag.media_id.in_(chunk))
            .order_by(MediaFlag.id)
        ):
            newest[(mid, flag)] = value
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    for (mid, flag), value in newest.items():
        if value is not None:
            out[mid][flag] = value
    return dict(out)


def _merge_list_value(held: dict[str, Any], extra: Mapping[str, Any], series: str | None) -> None:
    for flag in BOOLEAN_FLAGS:
        value = extra.get(flag)
        if isinstance(value, bool):
            held[flag] = held.get(flag, False) or value
    if series and "Series" not in held:
        held["Series"] = series
    tags = _tags(extra.get("Tags"))
    if tags:
        have = held.setdefault("Tags", [])
        have.extend(t for t in tags if t not in have)


def list_flags(s: Session, media_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What the hash lists that matched each media say of it, merged (see the module doc)."""
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    entry = and_(
        HashEntry.hashset_id == Match.hashset_id,
        HashEntry.hash_type == Match.hash_type,
        HashEntry.value == Match.list_hash,
    )
    for chunk in _chunks(media_ids):
        for mid, series, extra in s.execute(
            select(Match.media_id, Match.series, HashEntry.extra)
            .outerjoin(HashEntry, entry)
            .where(Match.media_id.in_(chunk))
            .order_by(Match.id)
        ):
            _merge_list_value(out[mid], extra if isinstance(extra, dict) else {}, series)
    return {mid: flags for mid, flags in out.items() if flags}


def media_flags(s: Session, media_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The flags in force per media: the lists' merged, then the reviewer's over them."""
    ids = list(media_ids)
    merged = list_flags(s, ids)
    for mid, flags in reviewer_flags(s, ids).items():
        merged.setdefault(mid, {}).update(flags)
    return {mid: {k: flags[k] for k in FLAGS if k in flags} for mid, flags in merged.items()}
