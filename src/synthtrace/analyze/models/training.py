"""Training traces kohya's sd-scripts leave in a LoRA's `__metadata__` (`ss_*` keys), as leads.

Dataset folder names (`10_name`: repeats and a name the trainer chose), image counts, tag
frequencies and training times say what, and sometimes whom, a LoRA was trained on.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

TOP_TAGS = 30
MAX_DIRS = 200


def _json(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


def _when(value: str | None) -> str | None:
    try:
        seconds = float(value) if value else None
    except ValueError:
        return value
    if seconds is None or not 0 < seconds < 1e11:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _dirs(meta: Mapping[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    dirs = _json(meta.get("ss_dataset_dirs"))
    if isinstance(dirs, dict):
        for name, info in list(dirs.items())[:MAX_DIRS]:
            info = info if isinstance(info, dict) else {}
            out.append(
                {
                    "name": name,
                    "images": _int(info.get("img_count")),
                    "repeats": _int(info.get("n_repeats")),
                }
            )
    datasets = _json(meta.get("ss_datasets"))
    if not out and isinstance(datasets, list):
        for ds in datasets:
            for sub in (ds.get("subsets") or []) if isinstance(ds, dict) else []:
                if isinstance(sub, dict) and len(out) < MAX_DIRS:
                    out.append(
                        {
                            "name": str(sub.get("image_dir", "")),
                            "images": _int(sub.get("img_count")),
                            "repeats": _int(sub.get("num_repeats")),
                        }
                    )
    return out


def _tags(meta: Mapping[str, str]) -> tuple[list[list[Any]], int]:
    freq = _json(meta.get("ss_tag_frequency"))
    if not isinstance(freq, dict):
        datasets = _json(meta.get("ss_datasets"))
        freq = {}
        if isinstance(datasets, list):
            for ds in datasets:
                if isinstance(ds, dict) and isinstance(ds.get("tag_frequency"), dict):
                    freq.update(ds["tag_frequency"])
    total: Counter[str] = Counter()
    for tags in freq.values():
        if isinstance(tags, dict):
            for tag, n in tags.items():
                if isinstance(n, int):
                    total[str(tag).strip()] += n
    return [[t, n] for t, n in total.most_common(TOP_TAGS)], len(total)


def training_traces(meta: Mapping[str, str]) -> dict[str, Any] | None:
    """A summary of the kohya training metadata, None when the file has none."""
    if not any(k.startswith("ss_") for k in meta):
        return None
    top, distinct = _tags(meta)
    dirs = _dirs(meta)
    folder = re.compile(r"^\d+_(.+)$")
    return {
        "output_name": meta.get("ss_output_name"),
        "base_model": meta.get("ss_sd_model_name") or meta.get("ss_base_model_version"),
        "network_module": meta.get("ss_network_module"),
        "images": _int(meta.get("ss_num_train_images")),
        "started_at": _when(meta.get("ss_training_started_at")),
        "finished_at": _when(meta.get("ss_training_finished_at")),
        "dataset_dirs": dirs,
        "concepts": sorted(
            {m.group(1) for d in dirs if (m := folder.match(d["name"].rsplit("/", 1)[-1]))}
        ),
        "top_tags": top,
        "distinct_tags": distinct,
    }
