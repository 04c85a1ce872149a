"""The RESULTS table sums a continued campaign and starts anew after a finding."""

from __future__ import annotations

from typing import Any

from fuzz.report import merged, table


def _run(target: str, executions: int, finding: str | None = None) -> dict[str, Any]:
    return {
        "target": target,
        "parser": f"{target}.py",
        "executions": executions,
        "seconds": executions / 1000,
        "exec_per_s": 1000.0,
        "slowest_unit_s": 0,
        "peak_rss_mb": 100,
        "finding": finding,
    }


def test_continued_runs_are_summed_and_a_finding_starts_a_new_campaign() -> None:
    rows = merged(
        [
            _run("gzip", 600_000),
            _run("vics", 999_692, "uncaught exception"),
            _run("gzip", 400_000),
            _run("vics", 1_000_000),
        ]
    )
    assert [(r["target"], r["executions"], r["runs"], r["finding"]) for r in rows] == [
        ("gzip", 1_000_000, 2, None),
        ("vics", 1_000_000, 1, None),
    ]
    assert "| gzip | gzip.py | 1,000,000 | 2 | 1,000 | 1000 s |" in table(rows)
