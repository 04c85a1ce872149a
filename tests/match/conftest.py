"""Fixtures for hash lists and clusters: benign pictures, small devices, lists built on the fly."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from synthtrace.analyze.pdq import pdq_dihedral
from synthtrace.case import Case
from synthtrace.demo.pictures import jpeg_bytes, landscape, png_bytes, sample_photo
from synthtrace.scan.service import scan_evidence

VICS2 = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata"
VICS1 = "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml"


def picture(name: str, seed: int = 0) -> Image.Image:
    img = sample_photo(name)
    return img if img is not None else landscape(seed)


def digests(data: bytes) -> dict[str, str]:
    return {
        "md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha1": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def pdq_of(img: Image.Image) -> str:
    return pdq_dihedral(np.asarray(img.convert("RGB")))[0][0]


def write_device(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def scan(case: Case, root: Path, label: str) -> None:
    scan_evidence(case, root, label, workers=0)


def vics_media(records: Iterable[Any], cases: bool = False, v1: bool = False) -> str:
    key, ctx = ("odata.metadata", VICS1) if v1 else ("@odata.context", VICS2)
    items = list(records)
    if cases:
        return json.dumps({key: ctx + "#Cases", "value": [{"CaseID": "c-1", "Media": items}]})
    return json.dumps({key: ctx + "#Media", "value": items})


class Device:
    """A small benign device: two photos, a procedural landscape, a document."""

    def __init__(self, root: Path) -> None:
        self.cat = jpeg_bytes(picture("chelsea", 1), 90)
        self.coffee = png_bytes(picture("coffee", 2))
        self.hills = jpeg_bytes(landscape(21), 88)
        self.notes = b"Shopping list: bread, lemons, film.\n"
        self.root = write_device(
            root,
            {
                "Pictures/cat.jpg": self.cat,
                "Pictures/coffee.png": self.coffee,
                "Pictures/hills.jpg": self.hills,
                "Documents/notes.txt": self.notes,
            },
        )


@pytest.fixture
def device(tmp_path: Path) -> Device:
    return Device(tmp_path / "evidence" / "device-1")


@pytest.fixture
def scanned(case: Case, device: Device) -> tuple[Case, Device]:
    scan(case, device.root, "device-1")
    return case, device
