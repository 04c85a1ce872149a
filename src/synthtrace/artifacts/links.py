"""Which devices of the case are tied to each other, and by what.

A link is two devices and one thing they share: a visited or download domain (`domain`; common
sites every device visits are ignored, from a list the case may replace), the same user name at
the same site (`login`), the same wallet address (`wallet`), hits on the same case indicator
(`indicator`), pictures of the same near-duplicate cluster (`cluster`) or files matching the same
hash-list entry (`hash`). `count` is how many artifacts (or files) on the two devices carry it.

Links are computed from the stored rows when asked (one grouped query per kind), never stored:
a new device, list or indicator shows at once. Strength orders them: a shared wallet, login or
indicator (a wallet most: user names coincide) says more than a shared cluster or hash, which
says more than a shared domain; within a kind, a value few devices share says more than one many
share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from itertools import combinations
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthtrace.artifacts.readers.base import DOWNLOAD, LOGIN, VISIT, WALLET
from synthtrace.artifacts.urls import normalise_domain, registrable
from synthtrace.case import Case
from synthtrace.store.models import (
    CaseInfo,
    Evidence,
    File,
    HashSet,
    Indicator,
    IndicatorHit,
    Match,
    MediaCluster,
    WebArtifact,
)

VIAS = ("wallet", "login", "indicator", "hash", "cluster", "domain")
WEIGHT = {"wallet": 6, "login": 5, "indicator": 4, "hash": 3, "cluster": 2, "domain": 1}
SETTING = "common_domains"


class LinkError(Exception):
    pass


@dataclass(frozen=True)
class Link:
    devices: tuple[str, str]
    via: str
    value: str
    count: int
    shared_by: int  # devices carrying the value (2 = only these two)

    @property
    def strength(self) -> float:
        return WEIGHT[self.via] / (self.shared_by - 1)

    def as_json(self) -> dict[str, Any]:
        return {
            "devices": list(self.devices),
            "via": self.via,
            "value": self.value,
            "count": self.count,
        }


def _domains_in(lines: Iterable[str]) -> set[str]:
    """Registrable domains named by the lines (comments and blanks skipped)."""
    out = set()
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        domain = normalise_domain(line)
        reg = registrable(domain) if domain else None
        if reg:
            out.add(reg)
    return out


def default_common_domains() -> set[str]:
    text = resources.files("synthtrace.artifacts").joinpath("common_domains.txt").read_text()
    return _domains_in(text.splitlines())


def common_domains_in(s: Session) -> set[str]:
    """The case's list of common domains (its own, once set; else the default)."""
    info = s.scalars(select(CaseInfo)).first()
    configured = (info.settings or {}).get(SETTING) if info is not None else None
    if isinstance(configured, list):
        return {str(d) for d in configured}
    return default_common_domains()


def set_common_domains(case: Case, path: Path, user: str | None = None) -> int:
    """Replace the case's list of common domains with those in `path` (one per line)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise LinkError(f"cannot read {path}: {exc}") from exc
    domains = sorted(_domains_in(lines))
    case.update_settings(**{SETTING: domains})
    case.audit.append("links.common_domains", user=user, file=str(path), domains=len(domains))
    return len(domains)


def _pairs(
    groups: dict[str, dict[int, int]], via: str, labels: dict[int, str], out: list[Link]
) -> None:
    for value, per_device in groups.items():
        if len(per_device) < 2:
            continue
        for a, b in combinations(sorted(per_device, key=lambda e: labels[e]), 2):
            out.append(
                Link(
                    (labels[a], labels[b]),
                    via,
                    value,
                    per_device[a] + per_device[b],
                    len(per_device),
                )
            )


def _grouped(rows: Iterable[Any]) -> dict[str, dict[int, int]]:
    groups: dict[str, dict[int, int]] = defaultdict(dict)
    for value, evidence_id, n in rows:
        if value is None:
            continue
        per = groups[str(value)]
        per[evidence_id] = per.get(evidence_id, 0) + int(n)
    return groups


def _domains(s: Session, common: set[str]) -> dict[str, dict[int, int]]:
    a = WebArtifact
    rows = s.execute(
        select(a.domain, a.evidence_id, func.count(a.id))
        .where(a.kind.in_((VISIT, DOWNLOAD)), a.domain.is_not(None))
        .group_by(a.domain, a.evidence_id)
    )
    return {d: per for d, per in _grouped(rows).items() if d not in common}


def _logins(s: Session) -> dict[str, dict[int, int]]:
    a = WebArtifact
    groups: dict[str, dict[int, int]] = defaultdict(dict)
    for domain, host, username, evidence_id, n in s.execute(
        select(a.domain, a.host, a.username, a.evidence_id, func.count(a.id))
        .where(a.kind == LOGIN, a.username.is_not(None))
        .group_by(a.domain, a.host, a.username, a.evidence_id)
    ):
        site = domain or host
        name = (username or "").strip()
        if not site or not name:
            continue
        key = f"{name.casefold()} @ {site}"
        groups[key][evidence_id] = groups[key].get(evidence_id, 0) + int(n)
    return groups


def _wallets(s: Session) -> dict[str, dict[int, int]]:
    a = WebArtifact
    groups: dict[str, dict[int, int]] = defaultdict(dict)
    for value, evidence_id, n in s.execute(
        select(a.value, a.evidence_id, func.count(a.id))
        .where(a.kind == WALLET, a.value.is_not(None))
        .group_by(a.value, a.evidence_id)
    ):
        if not value:
            continue
        key = value.lower() if value.startswith("0x") else value  # EIP-55 case is no difference
        groups[key][evidence_id] = groups[key].get(evidence_id, 0) + int(n)
    return groups


def _indicators(s: Session) -> dict[str, dict[int, int]]:
    return _grouped(
        (f"{kind}: {value}", ev, n)
        for kind, value, ev, n in s.execute(
            select(
                Indicator.kind,
                Indicator.value,
                IndicatorHit.evidence_id,
                func.count(IndicatorHit.id),
            )
            .join(Indicator, IndicatorHit.indicator_id == Indicator.id)
            .group_by(Indicator.kind, Indicator.value, IndicatorHit.evidence_id)
        )
    )


def _clusters(s: Session) -> dict[str, dict[int, int]]:
    return _grouped(
        (f"cluster {cid}", ev, n)
        for cid, ev, n in s.execute(
            select(MediaCluster.cluster_id, File.evidence_id, func.count(File.id))
            .join(File, File.media_id == MediaCluster.media_id)
            .group_by(MediaCluster.cluster_id, File.evidence_id)
        )
    )


def _hashes(s: Session) -> dict[str, dict[int, int]]:
    return _grouped(
        (f"{name}: {value}", ev, n)
        for name, value, ev, n in s.execute(
            select(HashSet.name, Match.list_hash, File.evidence_id, func.count(File.id))
            .join(HashSet, Match.hashset_id == HashSet.id)
            .join(File, File.media_id == Match.media_id)
            .where(HashSet.known_good.is_(False), Match.list_hash.is_not(None))
            .group_by(HashSet.name, Match.list_hash, File.evidence_id)
        )
    )


def links_in(
    s: Session, via: Iterable[str] | None = None, common: set[str] | None = None
) -> list[Link]:
    """Every link of the case (of the kinds asked), strongest first."""
    wanted = set(via or VIAS)
    unknown = wanted - set(VIAS)
    if unknown:
        raise LinkError(f"unknown link kind {sorted(unknown)[0]!r}; choose from {', '.join(VIAS)}")
    common = common_domains_in(s) if common is None else common
    labels = {int(i): str(label) for i, label in s.execute(select(Evidence.id, Evidence.label))}
    makers = {
        "wallet": lambda: _wallets(s),
        "login": lambda: _logins(s),
        "indicator": lambda: _indicators(s),
        "hash": lambda: _hashes(s),
        "cluster": lambda: _clusters(s),
        "domain": lambda: _domains(s, common),
    }
    links: list[Link] = []
    for kind in VIAS:
        if kind in wanted:
            _pairs(makers[kind](), kind, labels, links)
    links.sort(key=lambda k: (-k.strength, -k.count, k.devices, k.via, k.value))
    return links


def device_links(
    case: Case, via: Iterable[str] | None = None, common: set[str] | None = None
) -> list[Link]:
    with case.sessions() as s:
        return links_in(s, via, common)


@dataclass
class PairSummary:
    """What ties two devices, all kinds together (the graph's edges, the summary's rows)."""

    devices: tuple[str, str]
    strength: float = 0.0
    by_via: dict[str, int] = field(default_factory=dict)  # values shared, per kind
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def strongest_via(self) -> str:
        return max(self.by_via, key=lambda v: (WEIGHT[v], self.by_via[v]))


def pair_summaries(links: Iterable[Link], examples: int = 3) -> list[PairSummary]:
    pairs: dict[tuple[str, str], PairSummary] = {}
    for link in links:
        pair = pairs.setdefault(link.devices, PairSummary(link.devices))
        pair.strength += link.strength
        pair.by_via[link.via] = pair.by_via.get(link.via, 0) + 1
        shown = pair.examples.setdefault(link.via, [])
        if len(shown) < examples:
            shown.append(link.value)
    return sorted(pairs.values(), key=lambda p: (-p.strength, p.devices))
