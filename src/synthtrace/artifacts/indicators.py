"""Case indicators (domains, URLs, user names, e-mail addresses, wallet addresses) and their hits
on every device's artifacts.

`synthtrace indicators import CASE FILE` reads one indicator per line (its kind told from its
shape) or a CSV with a `kind` column (and `value`, optionally `note`); bad lines are counted and
shown, never fatal. A wallet address must pass its checksum. The indicator pass rebuilds every
hit in one transaction after each scan and each import, in SQL (INSERT ... SELECT), so a domain
visited 100,000 times costs one statement.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from synthtrace.artifacts.readers.base import DOWNLOAD, LOGIN, VISIT, WALLET
from synthtrace.artifacts.urls import normalise_domain, registrable
from synthtrace.artifacts.wallets import check_address
from synthtrace.case import Case
from synthtrace.store.db import insert_ignore, transaction
from synthtrace.store.models import Indicator, IndicatorHit, WebArtifact
from synthtrace.timefmt import now_utc

KINDS = ("domain", "url", "username", "email", "wallet")
MAX_LINE = 4096
MAX_BAD_SHOWN = 5


class IndicatorError(Exception):
    """The file cannot be imported at all (missing, not text, a CSV without a value column)."""


@dataclass
class ImportReport:
    name: str
    added: int = 0
    duplicates: int = 0
    bad: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    passes: list[str] = field(default_factory=list)


def normalise_url(text: str) -> str | None:
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "ftp") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def normalise(kind: str, text: str) -> str | None:
    """The indicator as compared, or None when `text` is not one of that kind."""
    text = text.strip()
    if not text:
        return None
    if kind == "url":
        return normalise_url(text)
    if kind == "domain":
        return normalise_domain(text.removeprefix("*."))
    if kind == "email":
        local, _, domain = text.rpartition("@")
        dom = normalise_domain(domain)
        return f"{local.casefold()}@{dom}" if local and dom and "." in dom else None
    if kind == "username":
        return text.casefold()
    if kind == "wallet":
        wallet = check_address(text)
        if wallet is None:
            return None
        return wallet.value.lower() if wallet.currency == "ethereum" else wallet.value
    return None


def guess_kind(text: str) -> str:
    """The kind of a bare indicator line, from its shape."""
    t = text.strip()
    if "://" in t:
        return "url"
    if check_address(t) is not None:
        return "wallet"
    if "@" in t and "." in t.rpartition("@")[2]:
        return "email"
    if "." in t and " " not in t and normalise_domain(t) is not None:
        return "domain"
    return "username"


def _why(kind: str) -> str:
    return {
        "url": "not an http(s) or ftp URL",
        "domain": "not a domain name",
        "email": "not an e-mail address",
        "wallet": "not a valid wallet address (its checksum does not hold)",
        "username": "empty user name",
    }.get(kind, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")


def _lines(text: str) -> list[tuple[int, str, str, str | None]]:
    """(line number, kind, value, note) from either shape of file."""
    rows = text.splitlines()
    first = next((r for r in rows if r.strip() and not r.lstrip().startswith("#")), "")
    header = [h.strip().lower() for h in next(csv.reader([first], _dialect(first)), [])]
    if "kind" in header:
        reader = csv.DictReader(io.StringIO(text), dialect=_dialect(first))
        if reader.fieldnames is None:
            return []
        reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
        value_col = "value" if "value" in reader.fieldnames else None
        if value_col is None:
            others = [f for f in reader.fieldnames if f not in ("kind", "note")]
            if not others:
                raise IndicatorError("the CSV has a kind column but no value column")
            value_col = others[0]
        out = []
        for row in reader:
            kind = (row.get("kind") or "").strip().lower()
            out.append((reader.line_num, kind, row.get(value_col) or "", row.get("note")))
        return out
    return [
        (n, guess_kind(line), line.strip(), None)
        for n, line in enumerate(rows, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _dialect(first: str) -> type[csv.Dialect]:
    if "\t" in first:
        return csv.excel_tab
    if ";" in first and "," not in first:

        class Semicolon(csv.excel):
            delimiter = ";"

        return Semicolon
    return csv.excel


def import_indicators(
    case: Case,
    path: Path,
    name: str | None = None,
    user: str | None = None,
    run_pass: bool = True,
) -> ImportReport:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IndicatorError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IndicatorError(f"{path} is not UTF-8 text") from exc
    report = ImportReport(name or path.name)
    rows: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    for number, kind, value, note in _lines(text):
        if len(value) > MAX_LINE:
            report.bad += 1
            report.problems.append(f"line {number}: longer than {MAX_LINE} characters")
            continue
        norm = normalise(kind, value) if kind in KINDS else None
        if norm is None:
            report.bad += 1
            if len(report.problems) < MAX_BAD_SHOWN:
                report.problems.append(f"line {number}: {value.strip()[:80]!r}: {_why(kind)}")
            continue
        if (kind, norm) in seen:
            report.duplicates += 1
            continue
        seen.add((kind, norm))
        rows.append(
            {
                "kind": kind,
                "value": norm,
                "original": value.strip(),
                "note": (note or "").strip() or None,
                "list_name": report.name,
                "imported_at": now_utc(),
            }
        )
    with transaction(case.sessions) as s:
        before = s.scalar(select(func.count(Indicator.id))) or 0
        for start in range(0, len(rows), 1000):
            s.execute(insert_ignore(s, Indicator), rows[start : start + 1000])
        after = s.scalar(select(func.count(Indicator.id))) or 0
    report.added = int(after - before)
    report.duplicates += len(rows) - report.added
    report.by_kind = Counter(str(r["kind"]) for r in rows)
    case.audit.append(
        "indicators.import",
        user=user,
        name=report.name,
        file=str(path),
        added=report.added,
        duplicates=report.duplicates,
        bad=report.bad,
    )
    if run_pass:
        line = indicator_pass(case)
        if line:
            report.passes.append(line)
    return report


@dataclass
class IndicatorRow:
    kind: str
    value: str
    note: str | None
    list_name: str
    hits: int
    devices: int


def list_indicators(case: Case) -> list[IndicatorRow]:
    with case.sessions() as s:
        counts = {
            iid: (int(n), int(d))
            for iid, n, d in s.execute(
                select(
                    IndicatorHit.indicator_id,
                    func.count(IndicatorHit.id),
                    func.count(func.distinct(IndicatorHit.evidence_id)),
                ).group_by(IndicatorHit.indicator_id)
            )
        }
        return [
            IndicatorRow(i.kind, i.value, i.note, i.list_name, *counts.get(i.id, (0, 0)))
            for i in s.scalars(select(Indicator).order_by(Indicator.kind, Indicator.value))
        ]


def _hits(s: Session, indicator: Indicator) -> int:
    """Insert the hits of one indicator; how many."""
    a = WebArtifact
    where: list[object]
    if indicator.kind in ("domain", "url"):
        host = indicator.value if indicator.kind == "domain" else urlsplit(indicator.value).hostname
        reg = registrable(host or "")
        if not host or not reg:
            return 0
        where = [
            a.kind.in_((VISIT, DOWNLOAD, LOGIN, WALLET)),
            a.domain == reg,
            or_(a.host == host, a.host.endswith("." + host, autoescape=True)),
        ]
        if indicator.kind == "url":
            where.append(a.url.startswith(indicator.value, autoescape=True))
    elif indicator.kind in ("username", "email"):
        # Case-insensitively: SQLite's lower() knows ASCII only, so the few logins are compared
        # here rather than in SQL.
        ids = [
            (aid, ev)
            for aid, ev, name in s.execute(
                select(a.id, a.evidence_id, a.username).where(
                    a.kind == LOGIN, a.username.is_not(None)
                )
            )
            if (name or "").strip().casefold() == indicator.value
        ]
        if ids:
            s.execute(
                insert(IndicatorHit),
                [
                    {"indicator_id": indicator.id, "evidence_id": ev, "artifact_id": aid}
                    for aid, ev in ids
                ],
            )
        return len(ids)
    elif indicator.kind == "wallet":
        if indicator.value.startswith("0x"):
            where = [a.kind == WALLET, func.lower(a.value) == indicator.value]
        else:
            where = [a.kind == WALLET, a.value == indicator.value]
    else:
        return 0
    chosen = select(literal(indicator.id), a.evidence_id, a.id).where(*where)  # type: ignore[arg-type]
    result = s.execute(
        insert(IndicatorHit).from_select(["indicator_id", "evidence_id", "artifact_id"], chosen)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def indicator_pass(case: Case) -> str | None:
    """Rebuild every hit (builtins.CASE_PASSES, and after an import)."""
    with transaction(case.sessions) as s:
        indicators = list(s.scalars(select(Indicator).order_by(Indicator.id)))
        s.execute(delete(IndicatorHit))
        if not indicators:
            return None
        total = sum(_hits(s, i) for i in indicators)
        devices = s.scalar(select(func.count(func.distinct(IndicatorHit.evidence_id)))) or 0
        hit = s.scalar(select(func.count(func.distinct(IndicatorHit.indicator_id)))) or 0
    return (
        f"indicators: {total} hits of {hit} of the case's {len(indicators)} indicators "
        f"on {devices} devices"
    )
