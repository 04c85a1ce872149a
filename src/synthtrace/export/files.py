"""Writing file records as JSON Lines or CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import Any, TextIO


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")
        n += 1
    return n


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Flat CSV: nested values (errors, EXIF, text chunks) as JSON in their cell."""
    writer: csv.DictWriter[str] | None = None
    n = 0
    for rec in records:
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(rec), extrasaction="ignore")
            writer.writeheader()
        writer.writerow({k: _cell(v) for k, v in rec.items()})
        n += 1
    return n
