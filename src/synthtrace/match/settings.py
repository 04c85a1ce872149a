"""The case's PDQ distance: one setting for matching and clustering alike."""

from __future__ import annotations

from sqlalchemy import update

from synthtrace.case import Case
from synthtrace.match.kinds import DEFAULT_PDQ_DISTANCE, MAX_PDQ_DISTANCE
from synthtrace.store.db import transaction
from synthtrace.store.models import HashSet


class SettingError(ValueError):
    pass


def pdq_distance(case: Case) -> int:
    return int(case.settings().get("pdq_distance", DEFAULT_PDQ_DISTANCE))


def set_pdq_distance(case: Case, distance: int, user: str | None = None) -> int:
    """Change the distance; every list is matched again on the next pass."""
    if not 0 <= distance <= MAX_PDQ_DISTANCE:
        raise SettingError(f"the PDQ distance must be between 0 and {MAX_PDQ_DISTANCE}")
    before = pdq_distance(case)
    if distance == before:
        return distance
    case.update_settings(pdq_distance=distance)
    with transaction(case.sessions) as s:
        s.execute(update(HashSet).values(matched_upto=0))
    case.audit.append("match.pdq_distance", user=user, distance=distance, before=before)
    return distance
