"""The demo's hash lists, made from the benign demo pictures: a small VICS hash set (the cat
photo exactly, the rocket perceptually, both category 0 "non-pertinent") and a known-good text
list of the laptop's two documents. They show exact, perceptual and known-good matching, and
clusters across devices, in `make demo`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image

from synthtrace.analyze.pdq import pdq_dihedral
from synthtrace.case import open_case
from synthtrace.match.importer import import_hashset
from synthtrace.match.vics_export import BASE


def _digests(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    return (
        hashlib.md5(data, usedforsecurity=False).hexdigest().upper(),
        hashlib.sha1(data, usedforsecurity=False).hexdigest().upper(),
    )


def build_demo_lists(evidence: Path, out: Path) -> tuple[Path, Path]:
    """Write the two lists under `out` (never beside the evidence); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    cat_md5, cat_sha1 = _digests(evidence / "laptop-A" / "Pictures" / "cat.jpg")
    with Image.open(evidence / "laptop-A" / "Pictures" / "rocket.png") as img:
        rocket_pdq = pdq_dihedral(np.asarray(img.convert("RGB")))[0][0]
    vics = {
        "@odata.context": f"{BASE}/US/$metadata#Media",
        "value": [
            {"MediaID": 1, "MD5": cat_md5, "SHA1": cat_sha1, "Category": 0, "Series": "Cats"},
            {
                "MediaID": 2,
                "Category": 0,
                "Series": "Rockets",
                "VictimIdentified": "false",
                "AlternativeHashes": [{"HashName": "PDQ", "HashValue": rocket_pdq}],
            },
        ],
    }
    vics_path = out / "demo-reference.json"
    vics_path.write_text(json.dumps(vics, indent=1) + "\n")
    good = [
        f"{hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest()}  {p.name}"
        for p in sorted((evidence / "laptop-A" / "Documents").iterdir())
    ]
    good_path = out / "demo-known-good.txt"
    good_path.write_text("# known-good office files (demo)\n" + "\n".join(good) + "\n")
    return vics_path, good_path


def demo_hash_lists(case_dir: Path, evidence: Path) -> None:
    """DEMO_STEPS entry: import the demo lists (matching and clustering run after each)."""
    vics_path, good_path = build_demo_lists(evidence, case_dir.parent / "hashlists")
    with open_case(case_dir) as case:
        import_hashset(case, vics_path, "Demo reference set", user="demo")
        import_hashset(case, good_path, "Demo known-good", known_good=True, user="demo")
