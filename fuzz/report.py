"""The fuzzing table of benchmarks/RESULTS.md, from the JSON lines `fuzz.run --json` appends.

python -m fuzz.report results.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def table(lines: list[dict[str, object]]) -> str:
    out = [
        "| target | parser | executions | exec/s | wall | slowest input | peak RSS | result |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in lines:
        result = "no finding" if r["finding"] is None else f"**{r['finding']}**"
        out.append(
            f"| {r['target']} | {r['parser']} | {r['executions']:,} | {r['exec_per_s']:,.0f} "
            f"| {r['seconds']:.0f} s | {r['slowest_unit_s']} s | {r['peak_rss_mb']} MB "
            f"| {result} |"
        )
    return "\n".join(out)


def main() -> int:
    rows = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line]
    latest = {r["target"]: r for r in rows}  # a target run again replaces its earlier line
    print(table(list(latest.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
