"""`export --format case-uco`: the case as CASE/UCO 1.x JSON-LD, what forensic tools exchange.

One `uco-observable:File` per file location, with a `FileFacet` (name, address, size, times) and a
`ContentDataFacet` (MD5, SHA-1, SHA-256, size, MIME type); a `Contained_Within` relation from each
file to its archive (or other container) or to its device; one `uco-observable:Device` per
evidence item; the case as a `case-investigation:Investigation` with its examiner (a Person in the
Examiner role); one `case-investigation:InvestigativeAction` per scan, hash-list import and
reviewer's categorisation, with synthtrace and its version as instrument, the performer the audit
log names and the times; `case-investigation:ProvenanceRecord`s tying what each action produced
(the files of a scan, the annotations of a list or reviewer) to it. Categories and hash-list
matches are `uco-core:Annotation`s on the files of the content.

Written as a stream of JSON-LD nodes in `@graph`: a provenance record's members are emitted in
batches as further nodes with the same `@id` (RDF merges them), so memory stays flat. Identifiers
are UUIDv5 of the case and what a node stands for: two exports of the same case are identical.
Hand-written rather than built with rdflib: a graph of a million files does not fit in memory, and
the node shapes are few and fixed.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthtrace import __version__
from synthtrace.case import Case
from synthtrace.categories import case_scheme
from synthtrace.evidence.entry import DIRECTORY, SYMLINK
from synthtrace.store.db import binary_collation
from synthtrace.store.models import (
    Decision,
    Evidence,
    File,
    HashSet,
    Match,
    Media,
    MediaCategory,
    Scan,
)

CONTEXT = {
    "kb": None,  # per case, set in write_case_uco
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-role": "https://ontology.unifiedcyberontology.org/uco/role/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
BATCH = 1000


def _time(value: str | None) -> dict[str, str] | None:
    return {"@type": "xsd:dateTime", "@value": value} if value else None


def _ref(node_id: str) -> dict[str, str]:
    return {"@id": node_id}


def _clean(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if v is not None and v != []}


class _Ids:
    """Deterministic node identifiers: `kb:<Type>-<UUIDv5 of the case and the key>`."""

    def __init__(self, case_key: str) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"synthtrace:case:{case_key}")

    def __call__(self, kind: str, *key: object) -> str:
        return f"kb:{kind}-{uuid.uuid5(self.namespace, json.dumps([kind, *key], default=str))}"


class _Out:
    """Writes `@graph` nodes one at a time."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.n = 0

    def node(self, node: dict[str, Any]) -> None:
        self.out.write((",\n" if self.n else "\n") + json.dumps(_clean(node), ensure_ascii=False))
        self.n += 1

    def members(self, record: str, ids: list[str]) -> None:
        """Add members to a provenance record (its other properties were written once)."""
        for start in range(0, len(ids), BATCH):
            self.node(
                {"@id": record, "uco-core:object": [_ref(i) for i in ids[start : start + BATCH]]}
            )


@dataclass
class _Action:
    id: str
    name: str
    start: str | None
    end: str | None
    performer: str | None
    objects: list[str]
    record: str | None
    description: str | None = None


@dataclass
class _Plan:
    """Everything but the files and annotations: small, built before streaming."""

    people: dict[str, str] = field(default_factory=dict)  # audit user -> identity id
    devices: dict[str, str] = field(default_factory=dict)  # evidence label -> device id
    device_records: dict[str, str] = field(default_factory=dict)  # label -> provenance record
    list_records: dict[str, str] = field(default_factory=dict)  # hash list name -> record
    review_records: dict[str, str] = field(default_factory=dict)  # reviewer -> record
    actions: list[_Action] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)


def _person(plan: _Plan, ids: _Ids, name: str | None) -> str | None:
    if not name:
        return None
    if name not in plan.people:
        plan.people[name] = ids("Identity", name)
        plan.nodes.append(
            {"@id": plan.people[name], "@type": "uco-identity:Identity", "uco-core:name": name}
        )
    return plan.people[name]


def _plan(case: Case, s: Session, ids: _Ids, tool: str) -> _Plan:
    plan = _Plan()
    audit = case.audit.entries()
    scan_users = {
        e["details"].get("scan"): e.get("user") for e in audit if e.get("action") == "scan.start"
    }
    for ev in s.scalars(select(Evidence).order_by(Evidence.label)):
        device, record = ids("Device", ev.label), ids("ProvenanceRecord", "evidence", ev.label)
        plan.devices[ev.label], plan.device_records[ev.label] = device, record
        plan.nodes.append(
            {
                "@id": device,
                "@type": "uco-observable:Device",
                "uco-core:name": ev.label,
                "uco-core:description": f"evidence item {ev.label!r}: {ev.kind} read from "
                f"{ev.source}",
            }
        )
        plan.nodes.append(
            {
                "@id": record,
                "@type": "case-investigation:ProvenanceRecord",
                "uco-core:name": f"files recorded from {ev.label}",
                "case-investigation:exhibitNumber": ev.label,
            }
        )
        for sc in s.scalars(select(Scan).where(Scan.evidence_id == ev.id).order_by(Scan.id)):
            plan.actions.append(
                _Action(
                    ids("InvestigativeAction", "scan", sc.id),
                    f"scan of {ev.label}",
                    sc.started_at,
                    sc.finished_at,
                    _person(plan, ids, scan_users.get(sc.id)),
                    [device],
                    record,
                    f"{sc.status}: {sc.files} files, {sc.bytes} bytes, {sc.errors} with errors, "
                    f"{sc.workers} workers",
                )
            )
    present = {hs.name: hs for hs in s.scalars(select(HashSet).order_by(HashSet.name))}
    imports = [
        e
        for e in audit
        if e.get("action") == "hashset.import" and not e["details"].get("unchanged")
    ]
    latest = {e["details"].get("name"): e["seq"] for e in imports}
    for name, hs in present.items():
        plan.list_records[name] = ids("ProvenanceRecord", "hashset", name)
        plan.nodes.append(
            {
                "@id": plan.list_records[name],
                "@type": "case-investigation:ProvenanceRecord",
                "uco-core:name": f"matches of hash list {name}",
            }
        )
        if name not in latest:  # imported before the audit said so: the list's own record
            details = {"name": name, "file": hs.source, "format": hs.format}
            imports.append(
                {"seq": f"list-{name}", "time": hs.imported_at, "user": None, "details": details}
            )
            latest[name] = f"list-{name}"
    for e in imports:
        d = e["details"]
        name = str(d.get("name"))
        listed = ids("File", "hashset", e["seq"])
        current = present.get(name) if latest.get(name) == e["seq"] else None
        facets: list[dict[str, Any]] = [
            {
                "@id": ids("FileFacet", "hashset", e["seq"]),
                "@type": "uco-observable:FileFacet",
                "uco-observable:fileName": str(d.get("file") or name).rsplit("/", 1)[-1],
                "uco-observable:filePath": d.get("file"),
            }
        ]
        if current is not None and current.file_sha256:
            sha = current.file_sha256
            facets.append(_content_facet(ids, ("hashset", e["seq"]), None, None, sha))
        plan.nodes.append(
            {
                "@id": listed,
                "@type": "uco-observable:File",
                "uco-core:name": f"hash list {name}",
                "uco-core:hasFacet": facets,
            }
        )
        plan.actions.append(
            _Action(
                ids("InvestigativeAction", "import", e["seq"]),
                f"import of hash list {name}",
                e.get("time"),
                e.get("time"),
                _person(plan, ids, e.get("user")),
                [listed],
                plan.list_records.get(name) if current is not None else None,
                f"{d.get('format')}: {d.get('entries')} hashes, {d.get('bad')} bad records"
                + (" (known-good)" if d.get("known_good") else ""),
            )
        )
    for user, first, last, n in s.execute(
        select(Decision.user, func.min(Decision.time), func.max(Decision.time), func.count())
        .where(Decision.source == "user")
        .group_by(Decision.user)
        .order_by(Decision.user)
    ):
        record = ids("ProvenanceRecord", "review", user)
        plan.review_records[user] = record
        plan.nodes.append(
            {
                "@id": record,
                "@type": "case-investigation:ProvenanceRecord",
                "uco-core:name": f"categories set by {user}",
            }
        )
        plan.actions.append(
            _Action(
                ids("InvestigativeAction", "review", user),
                f"categorisation by {user}",
                first,
                last,
                _person(plan, ids, user),
                [],
                record,
                f"{n} decisions (undone ones included)",
            )
        )
    for a in plan.actions:
        plan.nodes.append(
            {
                "@id": a.id,
                "@type": "case-investigation:InvestigativeAction",
                "uco-core:name": a.name,
                "uco-core:description": a.description,
                "uco-action:startTime": _time(a.start),
                "uco-action:endTime": _time(a.end),
                "uco-action:instrument": _ref(tool),
                "uco-action:performer": _ref(a.performer) if a.performer else None,
                "uco-action:object": [_ref(o) for o in a.objects],
                "uco-action:result": [_ref(a.record)] if a.record else [],
            }
        )
    return plan


def _hash(ids: _Ids, key: tuple[object, ...], method: str, value: str) -> dict[str, Any]:
    return {
        "@id": ids("Hash", *key, method),
        "@type": "uco-types:Hash",
        "uco-types:hashMethod": method,
        "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": value},
    }


def _content_facet(
    ids: _Ids, key: tuple[object, ...], m: Media | None, md5_sha1: tuple[str, str] | None, sha: str
) -> dict[str, Any]:
    hashes = []
    if md5_sha1 is not None:
        hashes += [_hash(ids, key, "MD5", md5_sha1[0]), _hash(ids, key, "SHA1", md5_sha1[1])]
    hashes.append(_hash(ids, key, "SHA256", sha))
    return {
        "@id": ids("ContentDataFacet", *key),
        "@type": "uco-observable:ContentDataFacet",
        "uco-observable:hash": hashes,
        "uco-observable:sizeInBytes": m.size if m is not None else None,
        "uco-observable:mimeType": m.mime if m is not None else None,
    }


def _file_node(ids: _Ids, label: str, f: File, m: Media | None) -> dict[str, Any]:
    key = (label, f.path)
    name = f.path.rsplit("!/", 1)[-1].rsplit("/", 1)[-1]
    facets: list[dict[str, Any]] = [
        _clean(
            {
                "@id": ids("FileFacet", *key),
                "@type": "uco-observable:FileFacet",
                "uco-observable:fileName": name,
                "uco-observable:filePath": f.path,
                "uco-observable:sizeInBytes": f.size,
                "uco-observable:isDirectory": True if f.kind == DIRECTORY else None,
                "uco-observable:modifiedTime": _time(f.mtime),
                "uco-observable:accessedTime": _time(f.atime),
                "uco-observable:metadataChangeTime": _time(f.ctime),
                "uco-observable:observableCreatedTime": _time(f.btime),
            }
        )
    ]
    if m is not None:
        facets.append(_clean(_content_facet(ids, key, m, (m.md5, m.sha1), m.sha256)))
    errors = list(f.errors or []) + (list(m.errors or []) if m else [])
    notes = []
    if f.kind == SYMLINK:
        notes.append(f"symbolic link to {f.link_target}")
    if errors:
        notes.append("errors: " + "; ".join(errors))
    return {
        "@id": ids("File", *key),
        "@type": "uco-observable:File",
        "uco-core:name": f"{label}: {f.path}",
        "uco-core:description": " | ".join(notes) or None,
        "uco-core:hasFacet": facets,
    }


def _contained(ids: _Ids, label: str, path: str, target: str) -> dict[str, Any]:
    return {
        "@id": ids("ObservableRelationship", label, path),
        "@type": "uco-observable:ObservableRelationship",
        "uco-core:source": _ref(ids("File", label, path)),
        "uco-core:target": _ref(target),
        "uco-core:kindOfRelationship": "Contained_Within",
        "uco-core:isDirectional": True,
    }


def _files(s: Session, w: _Out, ids: _Ids, plan: _Plan) -> int:
    n = 0
    coll = binary_collation(s)
    for ev in s.scalars(select(Evidence).order_by(Evidence.label.collate(coll))):
        label = ev.label
        containers = set(
            s.scalars(
                select(File.container)
                .where(File.evidence_id == ev.id, File.container.is_not(None))
                .distinct()
            )
        )
        recorded = set(
            s.scalars(select(File.path).where(File.evidence_id == ev.id, File.path.in_(containers)))
        )
        for address in sorted(c for c in containers if c is not None and c not in recorded):
            # A container with no record of its own (a partition, a volume): still a node.
            w.node(
                {
                    "@id": ids("File", label, address),
                    "@type": "uco-observable:ObservableObject",
                    "uco-core:name": f"{label}: {address}",
                }
            )
        stmt = (
            select(File, Media)
            .outerjoin(Media, File.media_id == Media.id)
            .where(File.evidence_id == ev.id)
            .order_by(File.path.collate(coll))
            .execution_options(yield_per=BATCH)
        )
        done: list[str] = []
        for f, m in s.execute(stmt):
            w.node(_file_node(ids, label, f, m))
            target = ids("File", label, f.container) if f.container else plan.devices[label]
            w.node(_contained(ids, label, f.path, target))
            done.append(ids("File", label, f.path))
            n += 1
            if len(done) >= BATCH:
                w.members(plan.device_records[label], done)
                done = []
        w.members(plan.device_records[label], done)
    return n


def _file_ids(s: Session, ids: _Ids, media_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for mid, label, path in s.execute(
        select(File.media_id, Evidence.label, File.path)
        .join(Evidence, File.evidence_id == Evidence.id)
        .where(File.media_id.in_(media_ids))
        .order_by(Evidence.label, File.path)
    ):
        if mid is not None:
            out[mid].append(ids("File", label, path))
    return out


def _batches(s: Session, stmt: Any) -> Iterator[list[Any]]:
    for part in s.execute(stmt.execution_options(yield_per=BATCH)).partitions():
        yield list(part)


def _annotations(case: Case, s: Session, w: _Out, ids: _Ids, plan: _Plan) -> None:
    scheme, cats = case_scheme(case)
    labels = {c.code: c.label for c in cats}
    categories = (
        select(MediaCategory, Media.sha256)
        .join(Media, Media.id == MediaCategory.media_id)
        .order_by(Media.sha256)
    )
    for rows in _batches(s, categories):
        files = _file_ids(s, ids, [mc.media_id for mc, _ in rows])
        members: dict[str, list[str]] = defaultdict(list)
        for mc, sha in rows:
            if not files.get(mc.media_id):
                continue
            node = ids("Annotation", "category", sha)
            how = (
                f"pre-categorised from hash list {mc.detail}"
                if mc.source == "hashset"
                else f"set by {mc.user}"
            )
            w.node(
                {
                    "@id": node,
                    "@type": "uco-core:Annotation",
                    "uco-core:statement": f"category {mc.category} "
                    f"({labels.get(mc.category, 'not in the scheme')}) of the {scheme} scheme, "
                    f"{how} at {mc.time}",
                    "uco-core:tag": [f"category:{mc.category}"],
                    "uco-core:object": [_ref(i) for i in files[mc.media_id]],
                }
            )
            record = (
                plan.list_records.get(mc.detail or "")
                if mc.source == "hashset"
                else plan.review_records.get(mc.user)
            )
            if record:
                members[record].append(node)
        for record, nodes in members.items():
            w.members(record, nodes)
    matches = (
        select(Match, HashSet.name, HashSet.known_good, Media.sha256)
        .join(HashSet, HashSet.id == Match.hashset_id)
        .join(Media, Media.id == Match.media_id)
        .order_by(HashSet.name, Media.sha256, Match.hash_type, Match.id)
    )
    for rows in _batches(s, matches):
        files = _file_ids(s, ids, [m.media_id for m, *_ in rows])
        members = defaultdict(list)
        for m, name, known_good, sha in rows:
            if not files.get(m.media_id):
                continue
            node = ids("Annotation", "match", name, sha, m.hash_type, m.list_hash)
            how = f"PDQ distance {m.distance}" if m.hash_type == "pdq" else "exact"
            extra = "".join(
                f", {k} {v}" for k, v in (("category", m.category), ("series", m.series)) if v
            )
            kind = "known-good" if known_good else "known material"
            w.node(
                {
                    "@id": node,
                    "@type": "uco-core:Annotation",
                    "uco-core:statement": f"matches hash list {name!r} ({kind}) by "
                    f"{m.hash_type.upper()} ({how}){extra}",
                    "uco-core:tag": [f"hashset:{name}", f"match:{m.hash_type}"],
                    "uco-core:object": [_ref(i) for i in files[m.media_id]],
                }
            )
            members[plan.list_records[name]].append(node)
        for record, nodes in members.items():
            w.members(record, nodes)


def write_case_uco(case: Case, out: TextIO) -> int:
    """Write the case as CASE/UCO JSON-LD; returns the number of File objects written."""
    info = case.info()
    case_key = f"{info.name}:{info.created_at}"
    ids = _Ids(case_key)
    context = {**CONTEXT, "kb": f"urn:synthtrace:case-{ids.namespace}:"}
    out.write('{"@context":' + json.dumps(context) + ',"@graph":[')
    w = _Out(out)
    tool = ids("Tool", "synthtrace", __version__)
    w.node(
        {
            "@id": tool,
            "@type": "uco-tool:AnalyticTool",
            "uco-core:name": "synthtrace",
            "uco-tool:version": __version__,
            "uco-tool:toolType": "forensic triage",
        }
    )
    with case.sessions() as s:
        plan = _plan(case, s, ids, tool)
        team: list[str] = []
        if info.examiner:
            person, role = ids("Person", info.examiner), ids("Role", "examiner")
            rel = ids("Relationship", "examiner", info.examiner)
            w.node({"@id": person, "@type": "uco-identity:Person", "uco-core:name": info.examiner})
            w.node(
                {"@id": role, "@type": "case-investigation:Examiner", "uco-core:name": "Examiner"}
            )
            w.node(
                {
                    "@id": rel,
                    "@type": "uco-core:Relationship",
                    "uco-core:source": _ref(person),
                    "uco-core:target": _ref(role),
                    "uco-core:kindOfRelationship": "Has_Role",
                    "uco-core:isDirectional": True,
                }
            )
            team = [person, role, rel]
        for node in plan.nodes:
            w.node(node)
        listed = [
            *team,
            tool,
            *plan.people.values(),
            *plan.devices.values(),
            *(a.id for a in plan.actions),
            *plan.device_records.values(),
            *plan.list_records.values(),
            *plan.review_records.values(),
        ]
        w.node(
            {
                "@id": ids("Investigation", case_key),
                "@type": "case-investigation:Investigation",
                "uco-core:name": info.name,
                "uco-core:description": f"synthtrace case created {info.created_at} with "
                f"{info.created_with}",
                "uco-core:objectCreatedTime": _time(info.created_at),
                "uco-core:object": [_ref(i) for i in listed],
            }
        )
        n = _files(s, w, ids, plan)
        _annotations(case, s, w, ids, plan)
    out.write("\n]}\n")
    return n
