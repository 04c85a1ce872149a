"""All tables of a case. One module per domain; each is imported here so Alembic sees them."""

from synthtrace.store.models.artifacts import (
    ArtifactProgress,
    ArtifactSource,
    Indicator,
    IndicatorHit,
    WebArtifact,
)
from synthtrace.store.models.base import Base
from synthtrace.store.models.categories import Decision, MediaCategory
from synthtrace.store.models.flags import MediaFlag
from synthtrace.store.models.hashsets import HashEntry, HashSet, Match, MediaCluster
from synthtrace.store.models.provenance import ModelLink
from synthtrace.store.models.review import (
    LoginThrottle,
    RevealGrant,
    TriageDevice,
    TriageRow,
    TriageState,
    User,
    WebSession,
)
from synthtrace.store.models.scan import (
    AuditHead,
    CaseInfo,
    ContainerDone,
    Evidence,
    File,
    Media,
    Scan,
)
from synthtrace.store.models.video import FrameLink, VideoFrame

__all__ = [
    "ArtifactProgress",
    "ArtifactSource",
    "AuditHead",
    "Base",
    "CaseInfo",
    "ContainerDone",
    "Decision",
    "Evidence",
    "File",
    "FrameLink",
    "HashEntry",
    "HashSet",
    "Indicator",
    "IndicatorHit",
    "LoginThrottle",
    "Match",
    "Media",
    "MediaCategory",
    "MediaCluster",
    "MediaFlag",
    "ModelLink",
    "RevealGrant",
    "Scan",
    "TriageDevice",
    "TriageRow",
    "TriageState",
    "User",
    "VideoFrame",
    "WebArtifact",
    "WebSession",
]
