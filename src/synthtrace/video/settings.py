"""The case's vPDQ match threshold: from how much of a video's frames found in a listed video it
is a match (ThreatExchange's query-match percentage; 80 by default)."""

from __future__ import annotations

from sqlalchemy import update

from synthtrace.case import Case
from synthtrace.store.db import transaction
from synthtrace.store.models import HashSet
from synthtrace.video.compare import MATCH_PCT

KEY = "vpdq_match_pct"


class VpdqSettingError(ValueError):
    pass


def vpdq_match_pct(case: Case) -> float:
    return float(case.settings().get(KEY, MATCH_PCT))


def set_vpdq_match_pct(case: Case, pct: float, user: str | None = None) -> float:
    """Change the threshold; every list is matched again on the next pass."""
    if not 0 < pct <= 100:
        raise VpdqSettingError("the vPDQ match percentage must be above 0 and at most 100")
    before = vpdq_match_pct(case)
    if pct == before:
        return pct
    case.update_settings(**{KEY: pct})
    with transaction(case.sessions) as s:
        s.execute(update(HashSet).values(matched_upto=0))
    case.audit.append("match.vpdq_match_pct", user=user, pct=pct, before=before)
    return pct
