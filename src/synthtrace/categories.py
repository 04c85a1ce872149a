"""Category schemes and decisions: one place that says what category a media is in, and why.

Schemes are case settings: Project VIC (US, the default), UK CAID, or a custom list. A reviewer's
decision always outranks a hash list's pre-categorisation; the newest decision of a kind wins; undo
marks a whole batch (one bulk action) undone and the category falls back to what came before.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from synthtrace.case import Case
from synthtrace.store.db import transaction
from synthtrace.store.models import Decision, MediaCategory
from synthtrace.timefmt import now_utc


@dataclass(frozen=True)
class Category:
    code: str
    label: str


SCHEMES: dict[str, tuple[Category, ...]] = {
    "projectvic": (
        Category("0", "Non-pertinent"),
        Category("1", "Child abuse material"),
        Category("2", "Child exploitive / age difficult"),
        Category("3", "CGI / animation"),
        Category("4", "Comparison"),
    ),
    "caid": (
        Category("A", "Category A"),
        Category("B", "Category B"),
        Category("C", "Category C"),
    ),
}
DEFAULT_SCHEME = "projectvic"
# Codes that take an item out of the review (non-pertinent material).
NON_PERTINENT = {"projectvic": {"0"}, "caid": set()}


class CategoryError(ValueError):
    pass


def case_scheme(case: Case) -> tuple[str, tuple[Category, ...]]:
    settings = case.settings()
    name = settings.get("category_scheme", DEFAULT_SCHEME)
    if name == "custom":
        custom = settings.get("custom_categories") or []
        return name, tuple(Category(str(c["code"]), str(c["label"])) for c in custom)
    return name, SCHEMES[name]


def set_scheme(
    case: Case, name: str, custom: Sequence[Category] = (), user: str | None = None
) -> tuple[Category, ...]:
    if name == "custom":
        if not custom:
            raise CategoryError("a custom scheme needs at least one category")
        codes = [c.code for c in custom]
        if len(set(codes)) != len(codes):
            raise CategoryError("category codes must be unique")
        case.update_settings(
            category_scheme="custom",
            custom_categories=[{"code": c.code, "label": c.label} for c in custom],
        )
    elif name in SCHEMES:
        case.update_settings(category_scheme=name)
    else:
        raise CategoryError(f"unknown scheme {name!r}; choose projectvic, caid or custom")
    case.audit.append("categories.scheme", user=user, scheme=name, custom=[c.code for c in custom])
    return case_scheme(case)[1]


_CHUNK = 5000  # ids per IN (...) list: SQLite caps the number of bound variables


def recompute_categories(s: Session, media_ids: Iterable[int]) -> None:
    """Recompute the category in force for these media from their decisions (after decisions
    were added or marked undone), inside the caller's transaction."""
    ids = sorted(set(media_ids))
    for start in range(0, len(ids), _CHUNK):
        _recompute_chunk(s, ids[start : start + _CHUNK])


def _recompute_chunk(s: Session, ids: list[int]) -> None:
    if not ids:
        return
    s.execute(delete(MediaCategory).where(MediaCategory.media_id.in_(ids)))
    current: dict[int, Decision] = {}
    rows = s.scalars(
        select(Decision)
        .where(Decision.media_id.in_(ids), Decision.undone.is_(False))
        .order_by(Decision.id)
    )
    for d in rows:
        held = current.get(d.media_id)
        # A reviewer's decision outranks pre-categorisation; within a kind the newest wins.
        if held is None or d.source == "user" or held.source != "user":
            current[d.media_id] = d
    for mid, d in current.items():
        s.add(
            MediaCategory(
                media_id=mid,
                category=d.category,
                source=d.source,
                detail=d.detail,
                user=d.user,
                time=d.time,
            )
        )


def categorise(case: Case, media_ids: Sequence[int], category: str, user: str) -> str:
    """Record a reviewer's decision for one or many media; returns the batch id (for undo)."""
    _, scheme = case_scheme(case)
    if category not in {c.code for c in scheme}:
        raise CategoryError(f"category {category!r} is not in this case's scheme")
    if not media_ids:
        raise CategoryError("nothing selected")
    batch, when = str(uuid.uuid4()), now_utc()
    with transaction(case.sessions) as s:
        s.add_all(
            Decision(
                media_id=mid,
                category=category,
                source="user",
                detail=None,
                user=user,
                time=when,
                batch=batch,
            )
            for mid in media_ids
        )
        s.flush()
        recompute_categories(s, media_ids)
    case.audit.append(
        "categorise", user=user, category=category, media=list(media_ids), batch=batch
    )
    return batch


def undo_last(case: Case, user: str) -> list[int]:
    """Undo this user's most recent batch of decisions; returns the media it touched."""
    with transaction(case.sessions) as s:
        last = s.scalars(
            select(Decision)
            .where(Decision.user == user, Decision.source == "user", Decision.undone.is_(False))
            .order_by(Decision.id.desc())
        ).first()
        if last is None:
            return []
        ids = list(s.scalars(select(Decision.media_id).where(Decision.batch == last.batch)))
        s.execute(update(Decision).where(Decision.batch == last.batch).values(undone=True))
        s.flush()
        recompute_categories(s, ids)
        batch = last.batch
    case.audit.append("categorise.undo", user=user, batch=batch, media=ids)
    return ids


def precategorise(s: Session, assignments: Iterable[tuple[int, str, str]]) -> int:
    """Pre-categorise from hash lists: (media id, category, hash list name). Idempotent; never
    overrides a reviewer. Runs inside the caller's transaction (the matching pass)."""
    todo = list(assignments)
    if not todo:
        return 0
    ids = sorted({mid for mid, _, _ in todo})
    have: set[tuple[int, str, str | None]] = set()
    for start in range(0, len(ids), _CHUNK):
        have.update(
            (d.media_id, d.category, d.detail)
            for d in s.scalars(
                select(Decision).where(
                    Decision.media_id.in_(ids[start : start + _CHUNK]),
                    Decision.source == "hashset",
                    Decision.undone.is_(False),
                )
            )
        )
    batch, when = str(uuid.uuid4()), now_utc()
    added = 0
    for mid, category, hashset in todo:
        if (mid, category, hashset) in have:
            continue
        have.add((mid, category, hashset))
        s.add(
            Decision(
                media_id=mid,
                category=category,
                source="hashset",
                detail=hashset,
                user="hash list",
                time=when,
                batch=batch,
            )
        )
        added += 1
    s.flush()
    recompute_categories(s, ids)
    return added


def current_categories(s: Session, media_ids: Iterable[int]) -> dict[int, MediaCategory]:
    ids = sorted(set(media_ids))
    found: dict[int, MediaCategory] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(
            (m.media_id, m)
            for m in s.scalars(select(MediaCategory).where(MediaCategory.media_id.in_(chunk)))
        )
    return found
