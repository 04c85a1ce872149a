"""The review queue: which picture a reviewer sees first, and the filters over a whole case.

Order of work (buckets): (1) new camera-origin pictures, no hash-list match and no generation signal
- possible real victims; (2) generated pictures that point to a real person (img2img / inpaint, or a
LoRA found on the evidence); (3) known material, matched or pre-categorised by hash lists; (4) other
generated pictures; (5) known-good and non-pertinent. Files that are not pictures (documents, model
files, archives) are bucket 6, a list of their own outside the picture queue.

Every media has one precomputed row in `triage` (refreshed by a case pass after every scan, and
after each categorisation), so a page is an indexed range read on `sort_key = bucket << 40 | id`.
Pages are keyset-paginated (`after` / `before` a sort key), never OFFSET, so page 5,000 costs what
page 1 costs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from synthtrace.analyze.image import is_image_mime
from synthtrace.case import Case
from synthtrace.categories import NON_PERTINENT, CategoryError, categorise, undo_last
from synthtrace.store.db import refresh_statistics, table_of, transaction
from synthtrace.store.models import (
    CaseInfo,
    Evidence,
    File,
    HashSet,
    Match,
    Media,
    MediaCategory,
    MediaCluster,
    TriageDevice,
    TriageRow,
    TriageState,
)

SHIFT = 40  # media ids stay below 2**40; the bucket sits above them in the sort key
PICTURE_BUCKETS = (1, 2, 3, 4, 5)
OTHER_FILES = 6
BUCKETS = (*PICTURE_BUCKETS, OTHER_FILES)
BUCKET_LABELS = {
    1: "New camera-origin pictures",
    2: "Generated from a real person",
    3: "Known material (hash lists)",
    4: "Other generated pictures",
    5: "Known-good and non-pertinent",
    6: "Other files (not pictures)",
}
BUCKET_HINTS = {
    1: "No hash-list match and no generation signal: possible real victims",
    2: "img2img / inpaint outputs, or made with a LoRA found on the evidence",
    3: "Matched or pre-categorised by a hash list",
    4: "Generation signals without a link to a real person",
    5: "Known-good lists, and pictures categorised non-pertinent",
    6: "Documents, model files, archives and other content",
}
BATCH = 2000
PAGE_SIZE = 100
DISTINCT_LIMIT = 500


@dataclass(frozen=True)
class Signals:
    """The provenance facts the queue needs about one image (see provenance.service)."""

    generated: bool | None = None
    tool: str | None = None
    model_name: str | None = None
    img2img: bool = False
    lora_on_evidence: bool = False
    model_on_evidence: bool = False


def _provenance_signals(s: Session, ids: Sequence[int]) -> dict[int, Signals]:
    """The provenance service's signals, bounded to what the columns hold."""
    from synthtrace.provenance.service import triage_signals

    out: dict[int, Signals] = {}
    for mid, sig in triage_signals(s, ids).items():
        out[mid] = Signals(
            generated=sig.generated if isinstance(sig.generated, bool) else None,
            tool=_text(sig.tool, 100),
            model_name=_text(sig.model_name, 500),
            img2img=bool(sig.img2img),
            lora_on_evidence=bool(sig.lora_on_evidence),
            model_on_evidence=bool(sig.model_on_evidence),
        )
    return out


def _text(value: object, limit: int = 500) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:limit]


def media_kind(mime: str | None) -> str:
    if mime and is_image_mime(mime):
        return "image"
    if mime and mime.startswith("video/"):
        return "video"
    return "other"


def bucket_of(
    kind: str,
    signals: Signals,
    matched: bool,
    known_good: bool,
    category: str | None,
    category_source: str | None,
    non_pertinent: set[str],
) -> int:
    """Where a media belongs in the order of work (see the module docstring)."""
    if kind == "other":
        return OTHER_FILES
    if known_good or (category is not None and category in non_pertinent):
        return 5
    if matched or category_source == "hashset":
        return 3
    if signals.generated is True:
        return 2 if (signals.img2img or signals.lora_on_evidence) else 4
    return 1


def sort_key(bucket: int, media_id: int) -> int:
    return (bucket << SHIFT) | media_id


def _non_pertinent(s: Session) -> set[str]:
    settings = s.scalars(select(CaseInfo.settings)).first() or {}
    return set(NON_PERTINENT.get(str(settings.get("category_scheme", "projectvic")), set()))


def _among(column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN ids`, as a range when the (sorted) ids nearly fill one: a rebuild's batches are
    whole id ranges, and a 2,000-value IN list costs more to build than to run."""
    if ids and ids[-1] - ids[0] < 2 * len(ids):
        return column.between(ids[0], ids[-1])  # type: ignore[no-any-return]
    return column.in_(ids)  # type: ignore[no-any-return]


def _rows_for(s: Session, ids: Sequence[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Triage rows and device rows for these media, computed from the stored facts."""
    wanted = set(ids)
    media = [
        (mid, mime, thumb)
        for mid, mime, thumb in s.execute(
            select(Media.id, Media.mime, Media.thumbnail).where(_among(Media.id, ids))
        )
        if mid in wanted
    ]
    # Only pictures and videos are placed by their provenance; other files are bucket 6 anyway.
    signals = _provenance_signals(s, [mid for mid, mime, _ in media if media_kind(mime) != "other"])
    non_pertinent = _non_pertinent(s)
    # Plain rows, not ORM objects: a rebuild reads one of each per media.
    categories = {
        mid: (category, source)
        for mid, category, source in s.execute(
            select(MediaCategory.media_id, MediaCategory.category, MediaCategory.source).where(
                _among(MediaCategory.media_id, ids)
            )
        )
    }
    clusters = {
        mid: (cid, size)
        for mid, cid, size in s.execute(
            select(MediaCluster.media_id, MediaCluster.cluster_id, MediaCluster.cluster_size).where(
                _among(MediaCluster.media_id, ids)
            )
        )
    }
    matched: set[int] = set()
    known_good: set[int] = set()
    for mid, good in s.execute(
        select(Match.media_id, HashSet.known_good)
        .join(HashSet, Match.hashset_id == HashSet.id)
        .where(_among(Match.media_id, ids))
    ):
        (known_good if good else matched).add(mid)
    places: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for file_media, ev_id, label, path in s.execute(
        select(File.media_id, File.evidence_id, Evidence.label, File.path)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(_among(File.media_id, ids))
        .order_by(File.id)
    ):
        if file_media in wanted:
            places[file_media].append((ev_id, label, path))
    rows: list[dict[str, Any]] = []
    devices: list[dict[str, Any]] = []
    for mid, mime, thumb in media:
        sig = signals.get(mid, Signals())
        category, category_source = categories.get(mid, (None, None))
        kind = media_kind(mime)
        bucket = bucket_of(
            kind,
            sig,
            mid in matched,
            mid in known_good,
            category,
            category_source,
            non_pertinent,
        )
        key = sort_key(bucket, mid)
        found = places.get(mid, [])
        first = f"{found[0][1]}: {found[0][2]}" if found else "(no location)"
        cluster_id, cluster_size = clusters.get(mid, (None, None))
        rows.append(
            {
                "media_id": mid,
                "sort_key": key,
                "bucket": bucket,
                "kind": kind,
                "mime": mime,
                "generated": sig.generated,
                "tool": sig.tool,
                "model": sig.model_name,
                "img2img": sig.img2img,
                "lora_on_evidence": sig.lora_on_evidence,
                "model_on_evidence": sig.model_on_evidence,
                "matched": mid in matched,
                "known_good": mid in known_good,
                "cluster_id": cluster_id,
                "cluster_size": cluster_size,
                "category": category,
                "category_source": category_source,
                "thumbnail": bool(thumb),
                "location": first,
                "locations": len(found),
            }
        )
        for ev_id in sorted({ev for ev, _, _ in found}):
            devices.append({"evidence_id": ev_id, "media_id": mid, "sort_key": key})
    return rows, devices


def refresh(s: Session, media_ids: Iterable[int]) -> int:
    """Recompute the triage rows of these media inside the caller's transaction."""
    ids = sorted(set(media_ids))
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows, devices = _rows_for(s, chunk)
        s.execute(delete(TriageDevice).where(TriageDevice.media_id.in_(chunk)))
        s.execute(delete(TriageRow).where(TriageRow.media_id.in_(chunk)))
        conn = s.connection()  # Core inserts: the ORM's bulk path costs more than the database
        if rows:
            conn.execute(insert(table_of(TriageRow)), rows)
        if devices:
            conn.execute(insert(table_of(TriageDevice)), devices)
        done += len(rows)
    if ids:
        _bump(s)
    return done


def _bump(s: Session) -> None:
    """Tell every process holding counts of the queue that they are stale."""
    moved = s.execute(
        update(TriageState).where(TriageState.id == 1).values(generation=TriageState.generation + 1)
    )
    if not getattr(moved, "rowcount", 1):
        s.add(TriageState(id=1, generation=1))


def generation(s: Session) -> int:
    return int(s.scalar(select(TriageState.generation).where(TriageState.id == 1)) or 0)


def refresh_media(case: Case, media_ids: Iterable[int]) -> None:
    """After a categorisation or an undo: those media may change bucket and category."""
    with transaction(case.sessions) as s:
        refresh(s, media_ids)


def rebuild(case: Case) -> str:
    """The case pass: every media's triage row, a batch per transaction (so the review app keeps
    answering while a large case is rebuilt). Returns the one-line report for the scan output."""
    last = 0
    while True:
        with transaction(case.sessions) as s:
            ids = list(
                s.scalars(select(Media.id).where(Media.id > last).order_by(Media.id).limit(BATCH))
            )
            if not ids:
                break
            refresh(s, ids)
        last = ids[-1]
    refresh_statistics(case.engine, table_of(TriageRow).name, table_of(TriageDevice).name)
    with case.sessions() as s:
        counts = bucket_counts(s, Filters())
    pictures = sum(counts[b] for b in PICTURE_BUCKETS)
    shown = ", ".join(f"{b}: {counts[b]}" for b in PICTURE_BUCKETS)
    return (
        f"review queue: {pictures} pictures by bucket ({shown}); {counts[OTHER_FILES]} other files"
    )


class FilterError(ValueError):
    """A queue filter that cannot be understood (the web app answers 400)."""


GENERATED_CHOICES = ("yes", "no", "unknown")
MATCH_CHOICES = ("yes", "no")


@dataclass(frozen=True)
class Filters:
    """What the reviewer narrowed the queue to. Empty means the whole picture queue."""

    bucket: int | None = None
    device: int | None = None
    mime: str | None = None
    generated: str | None = None  # yes, no, unknown
    tool: str | None = None
    model: str | None = None
    matched: str | None = None  # yes, no
    category: str | None = None
    cluster: int | None = None
    uncategorised: bool = False
    # Downloaded from: a site (matched in the download origin's URLs), or "*" for any download.
    downloaded: str | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> Filters:
        """Parse query-string values; empty values mean "any". Raises FilterError."""

        def text(name: str, limit: int = 500) -> str | None:
            value = params.get(name)
            if value is None or value == "":
                return None
            if len(value) > limit or "\x00" in value:
                raise FilterError(f"{name}: value too long or not text")
            return value

        def number(name: str) -> int | None:
            value = text(name, 20)
            if value is None:
                return None
            try:
                n = int(value)
            except ValueError:
                raise FilterError(f"{name}: {value!r} is not a number") from None
            if not 0 <= n < 1 << SHIFT:
                raise FilterError(f"{name}: {n} is out of range")
            return n

        def choice(name: str, allowed: tuple[str, ...]) -> str | None:
            value = text(name, 20)
            if value is not None and value not in allowed:
                raise FilterError(f"{name}: choose one of {', '.join(allowed)}")
            return value

        bucket = number("bucket")
        if bucket is not None and bucket not in BUCKETS:
            raise FilterError(f"bucket: choose 1 to {OTHER_FILES}")
        flag = text("uncategorised", 5)
        if flag not in (None, "1", "0", "on", "true", "false"):
            raise FilterError("uncategorised: use 1 or 0")
        return cls(
            bucket=bucket,
            device=number("device"),
            mime=text("mime", 200),
            generated=choice("generated", GENERATED_CHOICES),
            tool=text("tool", 100),
            model=text("model"),
            matched=choice("matched", MATCH_CHOICES),
            category=text("category", 40),
            cluster=number("cluster"),
            uncategorised=flag in ("1", "on", "true"),
            downloaded=text("downloaded", 200),
        )

    def to_query(self) -> dict[str, str]:
        """The non-empty filters as query-string values (the inverse of from_query)."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value is False:
                continue
            out[f.name] = "1" if value is True else str(value)
        return out

    def without(self, *names: str) -> Filters:
        cleared: dict[str, Any] = {n: (False if n == "uncategorised" else None) for n in names}
        return replace(self, **cleared)

    @property
    def active(self) -> bool:
        return bool(self.without("bucket").to_query())


def _conditions(f: Filters) -> list[ColumnElement[bool]]:
    t = TriageRow
    out: list[ColumnElement[bool]] = []
    if f.mime is not None:
        out.append(t.mime == f.mime)
    if f.generated == "yes":
        out.append(t.generated.is_(True))
    elif f.generated == "no":
        out.append(t.generated.is_(False))
    elif f.generated == "unknown":
        out.append(t.generated.is_(None))
    if f.tool is not None:
        out.append(t.tool == f.tool)
    if f.model is not None:
        out.append(t.model == f.model)
    if f.matched is not None:
        out.append(t.matched.is_(f.matched == "yes"))
    if f.cluster is not None:
        out.append(t.cluster_id == f.cluster)
    if f.uncategorised:
        out.append(t.category.is_(None))
    elif f.category is not None:
        out.append(t.category == f.category)
    if f.downloaded is not None:
        out.append(_downloaded(f.downloaded))
    return out


def _downloaded(site: str) -> ColumnElement[bool]:
    """Some location of the media has a download origin (evidence/origin.py) naming `site`."""
    origin = File.download_origin
    where = [File.media_id == TriageRow.media_id, origin["source"].as_string().is_not(None)]
    if site != "*":
        where.append(
            origin["host_url"].as_string().contains(site, autoescape=True)
            | origin["referrer_url"].as_string().contains(site, autoescape=True)
        )
    return exists().where(*where)


def _bucket_range(bucket: int | None) -> tuple[int, int]:
    if bucket is None:
        return PICTURE_BUCKETS[0] << SHIFT, (PICTURE_BUCKETS[-1] + 1) << SHIFT
    return bucket << SHIFT, (bucket + 1) << SHIFT


def _base(
    f: Filters,
    columns: Sequence[Any],
    join: bool = True,
    after: int | None = None,
    before: int | None = None,
) -> tuple[Select[Any], Any]:
    """A select over the queue with the filters applied, and the sort-key column to order on.

    The bucket range and the page's keyset bound are merged into one range on the sort key: given
    two lower bounds, SQLite seeks on one and filters on the other, which would read everything
    from the start of the bucket to the page. With only a device filter the device index
    drives, and `join=False` then leaves the queue rows out (a count reads one index only)."""
    stmt = select(*columns)
    conditions = _conditions(f)
    if f.device is not None and not conditions:
        key = TriageDevice.sort_key
        stmt = stmt.select_from(TriageDevice)
        if join:
            stmt = stmt.join(TriageRow, TriageRow.media_id == TriageDevice.media_id)
        stmt = stmt.where(TriageDevice.evidence_id == f.device)
    else:
        key = TriageRow.sort_key
        stmt = stmt.select_from(TriageRow)
        if f.device is not None:
            # With other filters too, one of their indexes drives and the device is checked per
            # row: those filters' matches may all sit in later buckets (generated pictures are
            # never in bucket 1), and driving by the device would walk past all of bucket 1.
            stmt = stmt.where(
                exists().where(
                    TriageDevice.evidence_id == f.device,
                    TriageDevice.media_id == TriageRow.media_id,
                )
            )
    low, high = _bucket_range(f.bucket)
    if after is not None:
        low = max(low, after + 1)
    if before is not None:
        high = min(high, before)
    stmt = stmt.where(key >= low, key < high, *conditions)
    return stmt, key


@dataclass
class Page:
    items: list[TriageRow]
    next_after: int | None  # sort key to pass as `after` for the next page
    prev_before: int | None  # sort key to pass as `before` for the previous page


def queue_page(
    s: Session,
    f: Filters,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page in the order of work, after or before a sort key (keyset pagination)."""
    if before is not None:
        stmt, key = _base(f, [TriageRow], before=before)
        rows = list(s.scalars(stmt.order_by(key.desc()).limit(limit + 1)))
        more_before = len(rows) > limit
        items = list(reversed(rows[:limit]))
        return Page(
            items=items,
            next_after=items[-1].sort_key if items else None,
            prev_before=items[0].sort_key if items and more_before else None,
        )
    stmt, key = _base(f, [TriageRow], after=after)
    rows = list(s.scalars(stmt.order_by(key).limit(limit + 1)))
    items = rows[:limit]
    return Page(
        items=items,
        next_after=items[-1].sort_key if len(rows) > limit else None,
        prev_before=items[0].sort_key if items and after is not None else None,
    )


def neighbours(s: Session, f: Filters, key: int) -> tuple[int | None, int | None]:
    """The media before and after the one at `key` in the filtered queue (for the detail view)."""
    prev_page = queue_page(s, f, before=key, limit=1)
    next_page = queue_page(s, f, after=key, limit=1)
    prev_id = prev_page.items[0].media_id if prev_page.items else None
    next_id = next_page.items[0].media_id if next_page.items else None
    return prev_id, next_id


def bucket_counts(s: Session, f: Filters) -> dict[int, int]:
    """How many media each bucket holds under the filters (the bucket filter itself aside)."""
    base = f.without("bucket")
    counts: dict[int, int] = {}
    for b in BUCKETS:
        stmt, _ = _base(replace(base, bucket=b), [func.count()], join=False)
        counts[b] = int(s.execute(stmt).scalar_one())
    return counts


def costly_counts(f: Filters) -> bool:
    """Counting under two or more filters reads rows, not just one index: at a million media
    that takes longer than a page should (a cluster is small whatever else is asked)."""
    asked = f.without("bucket", "cluster").to_query()
    # "Downloaded from" looks at each media's locations: counting it reads rows too.
    return f.cluster is None and (len(asked) >= 2 or f.downloaded is not None)


class CountCache:
    """Bucket counts per filter set, kept while the queue's generation stands still, so paging
    through a filtered queue counts once. Read in the same transaction as the generation."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._counts: OrderedDict[Filters, dict[int, int]] = OrderedDict()

    def counts(self, s: Session, f: Filters, compute: bool = True) -> dict[int, int] | None:
        """The counts, from memory or counted now; None when not known and `compute` is off."""
        key = f.without("bucket")
        now = generation(s)
        with self._lock:
            if now != self._generation:
                self._counts.clear()
                self._generation = now
            known = self._counts.get(key)
            if known is not None:
                self._counts.move_to_end(key)
                return dict(known)
        if not compute:
            return None
        counted = bucket_counts(s, key)
        with self._lock:
            if now == self._generation:
                self._counts[key] = counted
                while len(self._counts) > self._size:
                    self._counts.popitem(last=False)
        return dict(counted)


def _distinct(s: Session, column: Any, limit: int = DISTINCT_LIMIT) -> list[str]:
    """Distinct values of an indexed column by index seeks (a loose index scan), not a full
    scan: one seek per value, so a million rows with 20 tools cost 20 seeks."""
    first = select(func.min(column).label("v")).cte("vals", recursive=True)
    step = select(select(func.min(column)).where(column > first.c.v).scalar_subquery()).where(
        first.c.v.is_not(None)
    )
    vals = first.union_all(step)
    rows = s.execute(select(vals.c.v).where(vals.c.v.is_not(None)).limit(limit))
    return [str(v) for (v,) in rows]


@dataclass
class FilterChoices:
    """Values offered by the queue's filter menus."""

    devices: list[tuple[int, str]] = field(default_factory=list)
    mimes: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)


def filter_choices(s: Session) -> FilterChoices:
    return FilterChoices(
        devices=[(e.id, e.label) for e in s.scalars(select(Evidence).order_by(Evidence.label))],
        mimes=_distinct(s, TriageRow.mime),
        tools=_distinct(s, TriageRow.tool),
        models=_distinct(s, TriageRow.model),
    )


def cluster_members(s: Session, cluster_id: int) -> list[int]:
    return list(
        s.scalars(
            select(MediaCluster.media_id)
            .where(MediaCluster.cluster_id == cluster_id)
            .order_by(MediaCluster.media_id)
        )
    )


MAX_BULK = 10_000  # media one decision may categorise (a page, a selection or a cluster)


def decide(case: Case, media_ids: Iterable[int], category: str, user: str) -> tuple[str, list[int]]:
    """Categorise media (one, a selection or a cluster) and move them in the queue; returns the
    batch id (for undo) and the media touched. Raises CategoryError."""
    ids = sorted(set(media_ids))
    if len(ids) > MAX_BULK:
        raise CategoryError(f"at most {MAX_BULK} media in one decision; narrow the selection")
    with case.sessions() as s:
        known = set(s.scalars(select(Media.id).where(Media.id.in_(ids)))) if ids else set()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise CategoryError(f"no media with id {', '.join(map(str, unknown[:5]))}")
    batch = categorise(case, ids, category, user)
    refresh_media(case, ids)
    return batch, ids


def undo(case: Case, user: str) -> list[int]:
    """Undo this user's last decision; returns the media whose category fell back."""
    ids = undo_last(case, user)
    refresh_media(case, ids)
    return ids
