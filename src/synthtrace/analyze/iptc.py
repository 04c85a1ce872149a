"""IPTC Digital Source Type in XMP (`Iptc4xmpExt:DigitalSourceType`): what made the picture.

The vocabulary (cv.iptc.org/newscodes/digitalsourcetype) is also what C2PA actions use. Only two
terms mean AI-generated: `trainedAlgorithmicMedia` and `compositeWithTrainedAlgorithmicMedia`;
`digitalCapture` and the film/print scans mean a camera or scanner; every other term is reported as
what it is, without a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from synthtrace.analyze.formats.xmp import xmp_values

PROPERTY = "Iptc4xmpExt:DigitalSourceType"
AI_TERMS = {
    "trainedAlgorithmicMedia": "created by a model trained on sampled content (AI-generated)",
    "compositeWithTrainedAlgorithmicMedia": "a composite that includes AI-generated elements",
}
CAPTURE_TERMS = {
    "digitalCapture": "captured by a digital camera or sensor",
    "negativeFilm": "scanned from a film negative",
    "positiveFilm": "scanned from a film positive",
    "print": "scanned from a print",
    "minorHumanEdits": "a capture with minor human edits",
}
OTHER_TERMS = {
    "algorithmicMedia": "created purely by an algorithm not trained on sampled content",
    "algorithmicallyEnhanced": "a capture enhanced by an algorithm",
    "compositeCapture": "a composite of captured elements",
    "composite": "a composite of elements",
    "compositeSynthetic": "a composite including synthetic elements",
    "dataDrivenMedia": "generated from data",
    "digitalArt": "created by a human using digital tools",
    "humanEdits": "a capture with substantial human edits",
    "screenCapture": "a screenshot",
    "virtualRecording": "a recording of a virtual event",
}


@dataclass(frozen=True)
class SourceType:
    term: str  # the last path segment of the term URI, e.g. "trainedAlgorithmicMedia"
    uri: str
    meaning: str
    verdict: bool | None  # True: AI-generated; False: a capture; None: no verdict


def classify(uri: str) -> SourceType:
    term = uri.rstrip("/").rsplit("/", 1)[-1].strip()
    if term in AI_TERMS:
        return SourceType(term, uri, AI_TERMS[term], True)
    if term in CAPTURE_TERMS:
        return SourceType(term, uri, CAPTURE_TERMS[term], False)
    return SourceType(term, uri, OTHER_TERMS.get(term, "a term outside the IPTC vocabulary"), None)


def digital_source_types(xmp: str | None) -> list[SourceType]:
    """Every DigitalSourceType value in the XMP packet (usually none or one)."""
    if not xmp or "DigitalSourceType" not in xmp:
        return []
    return [classify(v) for v in xmp_values(xmp, PROPERTY)]
