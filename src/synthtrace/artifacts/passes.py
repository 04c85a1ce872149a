"""The artifact passes as builtins lists them, importing their modules only when they run (every
analysis worker imports builtins and never needs them)."""

from __future__ import annotations

from synthtrace.case import Case


def extract_artifacts(case: Case) -> str | None:
    from synthtrace.artifacts.extract import extract_artifacts as run

    return run(case)


def match_indicators(case: Case) -> str | None:
    from synthtrace.artifacts.indicators import indicator_pass

    return indicator_pass(case)
