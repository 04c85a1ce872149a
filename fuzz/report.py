"""The fuzzing table of benchmarks/RESULTS.md, from the JSON lines `fuzz.run --json` appends.

    python -m fuzz.report results.jsonl [more.jsonl ...]

A target run again continues its campaign (libFuzzer starts from the kept corpus), so its runs
are summed until one ends in a finding; the run after a finding (after the fix) starts anew.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def merged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per target, in first-seen order: its current campaign, runs summed."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        prev = out.get(r["target"])
        if prev is None or prev["finding"] is not None:
            out[r["target"]] = dict(r, runs=1)
            continue
        prev["executions"] += r["executions"]
        prev["seconds"] += r["seconds"]
        prev["runs"] += 1
        prev["exec_per_s"] = prev["executions"] / prev["seconds"] if prev["seconds"] else 0.0
        prev["slowest_unit_s"] = max(prev["slowest_unit_s"], r["slowest_unit_s"])
        prev["peak_rss_mb"] = max(prev["peak_rss_mb"], r["peak_rss_mb"])
        prev["finding"] = r["finding"]
    return list(out.values())


def table(lines: list[dict[str, Any]]) -> str:
    out = [
        "| target | parser | executions | runs | exec/s | wall | slowest input | peak RSS "
        "| result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in lines:
        result = "no finding" if r["finding"] is None else f"**{r['finding']}**"
        out.append(
            f"| {r['target']} | {r['parser']} | {r['executions']:,} | {r.get('runs', 1)} "
            f"| {r['exec_per_s']:,.0f} | {r['seconds']:.0f} s | {r['slowest_unit_s']} s "
            f"| {r['peak_rss_mb']} MB | {result} |"
        )
    return "\n".join(out)


def main() -> int:
    rows = [
        json.loads(line)
        for name in sys.argv[1:]
        for line in Path(name).read_text().splitlines()
        if line
    ]
    print(table(merged(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
