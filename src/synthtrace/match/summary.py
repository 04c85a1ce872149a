"""Summary sections: hash-list hits, and near-duplicate clusters found on several devices
(material that passed between devices, or suspects)."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthtrace.store.models import Evidence, File, HashSet, Match, MediaCluster
from synthtrace.summary import Section

TOP_CLUSTERS = 20


def hash_list_section(s: Session) -> Section | None:
    sets = list(s.scalars(select(HashSet).order_by(HashSet.name)))
    if not sets:
        return None
    media = dict(
        s.execute(
            select(Match.hashset_id, func.count(func.distinct(Match.media_id))).group_by(
                Match.hashset_id
            )
        ).all()
    )
    files = dict(
        s.execute(
            select(Match.hashset_id, func.count(func.distinct(File.id)))
            .join(File, File.media_id == Match.media_id)
            .group_by(Match.hashset_id)
        ).all()
    )
    devices = dict(
        s.execute(
            select(Match.hashset_id, func.count(func.distinct(File.evidence_id)))
            .join(File, File.media_id == Match.media_id)
            .group_by(Match.hashset_id)
        ).all()
    )
    cats: dict[int, Counter[str]] = defaultdict(Counter)
    for hsid, category, n in s.execute(
        select(
            Match.hashset_id, Match.category, func.count(func.distinct(Match.media_id))
        ).group_by(Match.hashset_id, Match.category)
    ):
        cats[hsid][category if category is not None else "-"] += n
    section = Section(
        "Hash-list hits",
        ["list", "kind", "entries", "media", "files", "devices", "by category"],
    )
    for hs in sets:
        section.rows.append(
            [
                hs.name,
                "known-good" if hs.known_good else "known material",
                str(hs.entry_count),
                str(media.get(hs.id, 0)),
                str(files.get(hs.id, 0)),
                str(devices.get(hs.id, 0)),
                ", ".join(f"{c}: {n}" for c, n in sorted(cats[hs.id].items())) or "-",
            ]
        )
    return section


def shared_clusters_section(s: Session) -> Section | None:
    spread = func.count(func.distinct(File.evidence_id))
    grouped = (
        select(
            MediaCluster.cluster_id,
            func.count(func.distinct(File.media_id)).label("media"),
            func.count(File.id).label("files"),
            spread.label("devices"),
        )
        .join(File, File.media_id == MediaCluster.media_id)
        .group_by(MediaCluster.cluster_id)
        .having(spread > 1)
    )
    total = s.scalar(select(func.count()).select_from(grouped.subquery())) or 0
    if not total:
        return None
    top = s.execute(
        grouped.order_by(spread.desc(), func.count(File.id).desc(), MediaCluster.cluster_id).limit(
            TOP_CLUSTERS
        )
    ).all()
    ids = [row.cluster_id for row in top]
    labels: dict[int, list[str]] = defaultdict(list)
    for cid, label in s.execute(
        select(MediaCluster.cluster_id, Evidence.label)
        .join(File, File.media_id == MediaCluster.media_id)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(MediaCluster.cluster_id.in_(ids))
        .distinct()
        .order_by(Evidence.label)
    ):
        labels[cid].append(label)
    known: dict[int, list[str]] = defaultdict(list)
    for cid, name in s.execute(
        select(MediaCluster.cluster_id, HashSet.name)
        .join(Match, Match.media_id == MediaCluster.media_id)
        .join(HashSet, Match.hashset_id == HashSet.id)
        .where(MediaCluster.cluster_id.in_(ids))
        .distinct()
        .order_by(HashSet.name)
    ):
        known[cid].append(name)
    shown = f" (the {len(top)} most widespread)" if total > len(top) else ""
    section = Section(
        f"Near-duplicate clusters found on several devices: {total}{shown}",
        ["cluster", "pictures", "files", "devices", "found on", "hash lists"],
    )
    for row in top:
        section.rows.append(
            [
                str(row.cluster_id),
                str(row.media),
                str(row.files),
                str(row.devices),
                ", ".join(labels[row.cluster_id]),
                ", ".join(known[row.cluster_id]) or "-",
            ]
        )
    return section
