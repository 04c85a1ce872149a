"""Evidence sources: walk a folder, file or archive (nested) and yield entries; never write."""

from synthtrace.evidence.entry import ContainerFinished, Entry
from synthtrace.evidence.walk import WalkContext, walk_evidence

__all__ = ["ContainerFinished", "Entry", "WalkContext", "walk_evidence"]
