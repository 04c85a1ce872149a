"""Summary sections: web activity per device, and the strongest links between devices."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthtrace.artifacts.links import VIAS, links_in, pair_summaries
from synthtrace.artifacts.readers.base import DOWNLOAD, LOGIN, VISIT, WALLET
from synthtrace.store.models import Evidence, IndicatorHit, WebArtifact
from synthtrace.summary import Section

TOP_PAIRS = 10


def web_activity_section(s: Session) -> Section | None:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for evidence_id, kind, n in s.execute(
        select(WebArtifact.evidence_id, WebArtifact.kind, func.count(WebArtifact.id)).group_by(
            WebArtifact.evidence_id, WebArtifact.kind
        )
    ):
        counts[evidence_id][kind] = int(n)
    if not counts:
        return None
    tied = dict(
        s.execute(
            select(WebArtifact.evidence_id, func.count(WebArtifact.id))
            .where(WebArtifact.kind == DOWNLOAD, WebArtifact.file_id.is_not(None))
            .group_by(WebArtifact.evidence_id)
        ).all()
    )
    hits = dict(
        s.execute(
            select(IndicatorHit.evidence_id, func.count(IndicatorHit.id)).group_by(
                IndicatorHit.evidence_id
            )
        ).all()
    )
    section = Section(
        "Web activity and wallets per device",
        [
            "device",
            "visits",
            "downloads",
            "tied to files",
            "saved logins",
            "wallets",
            "indicator hits",
        ],
    )
    for evidence_id, label in s.execute(
        select(Evidence.id, Evidence.label).order_by(Evidence.label)
    ):
        c = counts.get(evidence_id)
        if not c and not hits.get(evidence_id):
            continue
        c = c or {}
        section.rows.append(
            [
                label,
                str(c.get(VISIT, 0)),
                str(c.get(DOWNLOAD, 0)),
                str(tied.get(evidence_id, 0)),
                str(c.get(LOGIN, 0)),
                str(c.get(WALLET, 0)),
                str(hits.get(evidence_id, 0)),
            ]
        )
    return section


def strongest_links_section(s: Session) -> Section | None:
    pairs = pair_summaries(links_in(s), examples=1)
    if not pairs:
        return None
    shown = f" (the {TOP_PAIRS} strongest)" if len(pairs) > TOP_PAIRS else ""
    section = Section(
        f"Links between devices: {len(pairs)} pairs{shown}",
        ["devices", "strength", "shared", "for example"],
    )
    for pair in pairs[:TOP_PAIRS]:
        shared = ", ".join(f"{pair.by_via[v]} {v}" for v in VIAS if v in pair.by_via)
        examples = "; ".join(
            f"{v}: {', '.join(pair.examples[v])}" for v in VIAS if v in pair.examples
        )
        section.rows.append([" - ".join(pair.devices), f"{pair.strength:.1f}", shared, examples])
    return section
