"""What the review app shows of the offender traces: the graph of linked devices, each device's
web activity a page at a time. Routes call these and render; nothing here knows HTTP."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from synthtrace.artifacts.links import VIAS, Link, LinkError, links_in, pair_summaries
from synthtrace.artifacts.readers.base import DOWNLOAD, LOGIN, VISIT, WALLET
from synthtrace.case import Case
from synthtrace.store.models import (
    ArtifactSource,
    Evidence,
    File,
    Indicator,
    IndicatorHit,
    WebArtifact,
)

KINDS = (VISIT, DOWNLOAD, LOGIN, WALLET, "indicator")
PAGE = 100
SHOWN_LINKS = 500
WIDTH, HEIGHT, RADIUS = 640, 480, 180
COLOURS = {
    "wallet": "#e06c75",
    "login": "#d19a66",
    "indicator": "#c678dd",
    "hash": "#e5c07b",
    "cluster": "#61afef",
    "domain": "#98c379",
}


@dataclass
class Node:
    id: int
    label: str
    x: float
    y: float
    links: int = 0


@dataclass
class Edge:
    devices: tuple[str, str]
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    colour: str
    via: str
    title: str


@dataclass
class LinksView:
    via: list[str]
    nodes: list[Node]
    edges: list[Edge]
    links: list[Link]
    total: int
    colours: dict[str, str] = field(default_factory=lambda: dict(COLOURS))


def links_view(case: Case, via: Iterable[str] | None = None) -> LinksView:
    """Devices on a circle, an edge per linked pair (its colour the strongest kind of tie, its
    width growing with the strength), and the strongest links as a list."""
    chosen = [v for v in VIAS if v in set(via or VIAS)]
    if via and len(chosen) != len(set(via)):
        raise LinkError(f"unknown link kind; choose from {', '.join(VIAS)}")
    with case.sessions() as s:
        found = links_in(s, chosen)
        devices = list(s.execute(select(Evidence.id, Evidence.label).order_by(Evidence.label)))
    nodes: dict[str, Node] = {}
    n = max(len(devices), 1)
    for i, (evidence_id, label) in enumerate(devices):
        angle = 2 * math.pi * i / n - math.pi / 2
        nodes[label] = Node(
            evidence_id,
            label,
            round(WIDTH / 2 + RADIUS * math.cos(angle), 1),
            round(HEIGHT / 2 + RADIUS * math.sin(angle), 1),
        )
    edges = []
    for pair in pair_summaries(found):
        a, b = (nodes[d] for d in pair.devices)
        a.links += 1
        b.links += 1
        via_of = pair.strongest_via
        shared = ", ".join(f"{pair.by_via[v]} {v}" for v in VIAS if v in pair.by_via)
        edges.append(
            Edge(
                pair.devices,
                a.x,
                a.y,
                b.x,
                b.y,
                round(min(10.0, 1.0 + 2 * math.log2(1 + pair.strength)), 1),
                COLOURS[via_of],
                via_of,
                f"{pair.devices[0]} - {pair.devices[1]}: {shared}",
            )
        )
    return LinksView(chosen, list(nodes.values()), edges, found[:SHOWN_LINKS], len(found))


@dataclass
class DeviceRow:
    id: int
    label: str
    counts: dict[str, int]


def devices(case: Case) -> list[DeviceRow]:
    with case.sessions() as s:
        counts: dict[int, dict[str, int]] = {}
        for evidence_id, kind, n in s.execute(
            select(WebArtifact.evidence_id, WebArtifact.kind, func.count(WebArtifact.id)).group_by(
                WebArtifact.evidence_id, WebArtifact.kind
            )
        ):
            counts.setdefault(evidence_id, {})[kind] = int(n)
        for evidence_id, n in s.execute(
            select(IndicatorHit.evidence_id, func.count(IndicatorHit.id)).group_by(
                IndicatorHit.evidence_id
            )
        ):
            counts.setdefault(evidence_id, {})["indicator"] = int(n)
        return [
            DeviceRow(evidence_id, label, counts.get(evidence_id, {}))
            for evidence_id, label in s.execute(
                select(Evidence.id, Evidence.label).order_by(Evidence.label)
            )
        ]


@dataclass
class ActivityPage:
    device: DeviceRow
    kind: str
    rows: list[dict[str, Any]]
    next_after: int | None


def activity(case: Case, evidence_id: int, kind: str, after: int = 0) -> ActivityPage | None:
    """One page (in reading order) of a device's visits, downloads, logins, wallets or indicator
    hits; None when there is no such device."""
    if kind not in KINDS:
        raise LinkError(f"unknown kind {kind!r}; choose from {', '.join(KINDS)}")
    device = next((d for d in devices(case) if d.id == evidence_id), None)
    if device is None:
        return None
    linked = aliased(File)
    with case.sessions() as s:
        stmt: Any  # two shapes of select: with the indicator, or without
        if kind == "indicator":
            stmt = (
                select(IndicatorHit.id, WebArtifact, ArtifactSource.path, linked, Indicator)
                .join(WebArtifact, IndicatorHit.artifact_id == WebArtifact.id)
                .join(Indicator, IndicatorHit.indicator_id == Indicator.id)
                .where(IndicatorHit.evidence_id == evidence_id, IndicatorHit.id > after)
                .order_by(IndicatorHit.id)
            )
        else:
            stmt = (
                select(WebArtifact.id, WebArtifact, ArtifactSource.path, linked)
                .where(
                    WebArtifact.evidence_id == evidence_id,
                    WebArtifact.kind == kind,
                    WebArtifact.id > after,
                )
                .order_by(WebArtifact.id)
            )
        stmt = (
            stmt.join(ArtifactSource, WebArtifact.source_id == ArtifactSource.id)
            .outerjoin(linked, WebArtifact.file_id == linked.id)
            .limit(PAGE + 1)
        )
        rows = []
        keys: list[int] = []
        for row in s.execute(stmt):
            key, a, source, file = row[0], row[1], row[2], row[3]
            indicator = row[4] if kind == "indicator" else None
            keys.append(int(key))
            rows.append(
                {
                    "kind": a.kind,
                    "browser": a.browser,
                    "url": a.url,
                    "title": a.title,
                    "time": a.time,
                    "username": a.username,
                    "value": a.value,
                    "currency": a.currency,
                    "target_path": a.target_path,
                    "referrer_url": a.referrer_url,
                    "source": source,
                    "file": file.path if file is not None else None,
                    "media_id": file.media_id if file is not None else None,
                    "indicator": f"{indicator.kind}: {indicator.value}" if indicator else None,
                }
            )
    more = len(rows) > PAGE
    return ActivityPage(device, kind, rows[:PAGE], keys[PAGE - 1] if more else None)
