"""The case report in HTML and PDF (read back with pdftotext): what it says, that no evidence
picture is in it unless asked, and that asked-for thumbnails are blurred, grey and audited."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select, update
from typer.testing import CliRunner

from synthtrace.case import Case, open_case
from synthtrace.categories import categorise
from synthtrace.match.importer import import_hashset
from synthtrace.report.facts import gather
from synthtrace.report.render import breakable
from synthtrace.report.service import ReportError, write_report
from synthtrace.store.models import File, Media
from tests.conftest import run_cli
from tests.match.conftest import vics_media

JPEG = re.compile(r'src="data:image/jpeg;base64,([^"]+)"')


@pytest.fixture
def case(demo_case_dir: Path, tmp_path: Path) -> Case:
    """A copy of the scanned demo case (two devices, archives, generated pictures, models), with a
    hash list that matches the cat photo found on both devices and a reviewer's category."""
    root = tmp_path / "case"
    shutil.copytree(demo_case_dir, root)
    c = open_case(root)
    with c.sessions() as s:
        cat = s.execute(
            select(Media.md5, Media.id)
            .join(File, File.media_id == Media.id)
            .where(File.path == "Pictures/cat.jpg")
        ).one()
        png = s.scalars(
            select(Media.id).where(Media.mime == "image/png", Media.thumbnail.is_(True))
        ).first()
    listed = tmp_path / "vic.json"
    listed.write_text(vics_media([{"MD5": cat[0], "Category": 1}]))
    import_hashset(c, listed, "agency list")
    assert png is not None
    categorise(c, [png], "3", user="alice")
    return c


def _pdftotext(path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext (Debian poppler-utils, scripts/system-deps.sh test) is not installed"
    text = subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.replace("\u200b", "")


def test_html_report(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = write_report(case, out, user="examiner")
    html = out.read_text()
    assert done.format == "html" and done.pictures == []
    for text in (
        case.info().name,
        "Examiner",
        "laptop-A",
        "phone-B",
        "Categories by device",
        "Hash-list hits",
        "agency list",
        "Near-duplicate clusters found on several devices",
        "Generated images by tool",
        "dreamvista_v3",
        "LoRAs with training traces",
        "Timeline of file dates",
        "the chain verifies",
        "a folder has no acquisition hash",
    ):
        assert text in html.replace("\u200b", ""), text
    assert html.count("data:image/svg+xml") == 5  # devices, categories, sharing, generated, time
    assert "data:image/jpeg" not in html and "data:image/png" not in html
    # Offline: nothing is loaded from the network (a download's URL may be shown as text).
    assert "<script" not in html
    loads = re.compile(r"(?:src|href|url)\s*[=(]\s*[\"']?https?:")
    assert not loads.search(html.replace("http://www.w3.org", ""))
    entry = case.audit.entries()[-1]
    assert entry["action"] == "report" and entry["user"] == "examiner"
    assert entry["details"]["thumbnails"] is False and entry["details"]["pictures"] == []


def test_pdf_report_reads_back(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    write_report(case, out)
    assert out.read_bytes().startswith(b"%PDF-")
    text = _pdftotext(out)
    for expected in (
        f"Case report: {case.info().name}",
        "1. The case",
        "2. Devices",
        "laptop-A",
        "phone-B",
        "3. Categories by device",
        "Hash-list hits",
        "agency list",
        "5. Material shared between devices",
        "6. Generated pictures, models and LoRAs",
        "AI/models/Stable-diffusion/dreamvista_v3.safetensors",
        "7. Timeline of file dates",
        "8. Audit trail",
        "the chain verifies",
    ):
        assert expected in text, expected
    assert "9. Pictures" not in text


def _detail(img: Image.Image) -> float:
    a = np.asarray(img.convert("L"), dtype=np.float64)
    return float(np.abs(np.diff(a, axis=1)).mean() + np.abs(np.diff(a, axis=0)).mean())


def test_thumbnails_are_blurred_grey_and_audited(case: Case, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = write_report(case, out, thumbnails=True, user="examiner")
    pictures = JPEG.findall(out.read_text())
    assert pictures and len(pictures) == len(done.pictures)
    for sha, data in zip(done.pictures, pictures, strict=True):
        shown = Image.open(io.BytesIO(base64.b64decode(data)))
        rgb = np.asarray(shown.convert("RGB"), dtype=np.int16)
        assert shown.mode == "L" or np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 2  # grey
        with Image.open(case.thumbnail_path(sha)) as original:
            original_detail = _detail(original.resize(shown.size))
        assert _detail(shown) < original_detail / 2  # blurred: most detail is gone
    entry = case.audit.entries()[-1]
    assert entry["action"] == "report" and entry["details"]["thumbnails"] is True
    assert entry["details"]["pictures"] == done.pictures
    pdf = tmp_path / "report.pdf"
    write_report(case, pdf, thumbnails=True)
    assert "9. Pictures (blurred, greyscale)" in _pdftotext(pdf)


def test_acquisition_checks_and_videos_appear_when_recorded(case: Case, tmp_path: Path) -> None:
    """What the disk-image reader and the video analyzer store shows up, without them here."""
    with case.sessions.begin() as s:
        ids = dict(s.execute(select(File.path, File.media_id)).all())
        s.execute(
            update(Media)
            .where(Media.id == ids["Documents/notes.txt"])
            .values(facts={"image": {"verified": True, "stored_md5": "ab" * 16}})
        )
        s.execute(
            update(Media)
            .where(Media.id == ids["DCIM/IMG_0003.heic"])
            .values(mime="video/mp4", facts={"video": {"duration": 3.0}})
        )
        s.execute(
            update(Media)
            .where(Media.id == ids["Backup/old_phone.7z"])
            .values(facts={"image": {"verified": False, "stored_sha1": "cd" * 20}})
        )
    devices = {d.label: d for d in gather(case).devices}
    assert devices["laptop-A"].acquisition_ok is True
    assert devices["laptop-A"].acquisition.startswith("verified")
    assert devices["phone-B"].acquisition_ok is False
    # The demo's own clips (video/demo.py): two on the laptop, one on the phone, plus this one.
    assert devices["phone-B"].videos == 2 and devices["laptop-A"].videos == 2
    out = tmp_path / "r.html"
    write_report(case, out)
    assert "MISMATCH" in out.read_text()


def test_bad_requests(case: Case, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"FILE\.html or FILE\.pdf"):
        write_report(case, tmp_path / "report.docx")
    with pytest.raises(ReportError, match="not a folder"):
        write_report(case, tmp_path / "missing" / "report.html")


def test_cli(case: Case, cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    code, output = run_cli(cli, "report", case.root, "-o", out, "--thumbnails")
    assert code == 0, output
    assert out.exists() and "blurred pictures" in output
    code, output = run_cli(cli, "report", case.root, "-o", tmp_path / "r.txt")
    assert code == 2 and "FILE.html" in output


def test_breakable_keeps_the_text() -> None:
    text = "AI/models/Stable-diffusion/dreamvista_v3.safetensors" + "f" * 64
    assert breakable(text).replace("\u200b", "") == text
    assert max(len(p) for p in breakable(text).split("\u200b")) <= 24
