"""`synthtrace demo`: build the demo evidence, create a case, scan every device."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from synthtrace.case import create_case
from synthtrace.demo.evidence import build_demo_evidence
from synthtrace.scan.service import ScanOutcome, scan_evidence
from synthtrace.summary import CaseSummary, case_summary


def run_demo(
    root: Path, workers: int | None = None, on_scan: Callable[[str], None] | None = None
) -> tuple[Path, list[ScanOutcome], CaseSummary]:
    root = Path(root)
    evidence_root = root / "evidence"
    case_dir = root / "case"
    devices = build_demo_evidence(evidence_root)
    from synthtrace.demo.pictures import jpeg_bytes, landscape
    from synthtrace.demo.stick import build_stick

    # The third device comes as a lab receives one: an E01 image (needs the Debian disk tools).
    stick = build_stick(evidence_root / "stick-C", jpeg_bytes(landscape(10), 88))
    if stick is not None:
        devices.append(("stick-C", stick))
    outcomes = []
    with create_case(case_dir, name="Demo case (benign pictures)", examiner="demo") as case:
        for label, path in devices:
            if on_scan:
                on_scan(label)
            outcomes.append(scan_evidence(case, path, label, workers=workers))
    from synthtrace.builtins import DEMO_STEPS

    for step in DEMO_STEPS:
        step(case_dir, evidence_root)
    from synthtrace.case import open_case

    with open_case(case_dir) as case:
        summary = case_summary(case)
    return case_dir, outcomes, summary
