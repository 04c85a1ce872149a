"""Investigator pages: exports of the case, and the hash lists it is matched against."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from synthtrace.accounts import Permission
from synthtrace.evidence.reading import CHUNK
from synthtrace.export.service import EXPORT_FORMATS, SUFFIXES, ExportError, export_case
from synthtrace.match.importer import HashListError, import_hashset, list_hashsets, remove_hashset
from synthtrace.web.pages import render
from synthtrace.web.security import Viewer, case_of, require

router = APIRouter()
Exporter = Annotated[Viewer, Depends(require(Permission.EXPORT))]
ListKeeper = Annotated[Viewer, Depends(require(Permission.HASHSETS))]


@router.get("/export", include_in_schema=False)
def export_page(request: Request, v: Exporter) -> Response:
    return render(request, "export.html", formats=sorted(EXPORT_FORMATS))


@router.post("/export", include_in_schema=False)
def export(request: Request, v: Exporter, fmt: Annotated[str, Form(max_length=20)]) -> Response:
    """The export as a download; written first to the case's spool space (never beside the
    evidence), removed once sent. Audited with the user's name, like the CLI's."""
    if fmt not in EXPORT_FORMATS:
        raise HTTPException(400, f"unknown export format {fmt!r}")
    case = case_of(request)
    case.tmp_dir.mkdir(exist_ok=True)
    fd, path = tempfile.mkstemp(dir=case.tmp_dir, prefix="export-", suffix=SUFFIXES[fmt])
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            export_case(case, fmt, fh, destination="web download", user=v.name)
    except ExportError as exc:
        os.unlink(path)
        raise HTTPException(400, str(exc)) from exc
    except BaseException:
        os.unlink(path)
        raise
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", request.app.state.case_name).strip("._") or "case"
    name = f"{stem}-{fmt}{SUFFIXES[fmt]}"
    return FileResponse(
        path,
        filename=name,
        media_type="application/octet-stream",
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(os.unlink, path),
    )


def _hashsets_page(
    request: Request, message: str | None = None, lines: list[str] | None = None, status: int = 200
) -> Response:
    from synthtrace.match.formats import BY_NAME

    return render(
        request,
        "hashsets.html",
        status=status,
        hashsets=list_hashsets(case_of(request)),
        formats=["auto", *BY_NAME],
        message=message,
        ok=status < 400,
        lines=lines or [],
    )


@router.get("/hashsets", include_in_schema=False)
def hashsets(request: Request, v: ListKeeper) -> Response:
    return _hashsets_page(request)


@router.post("/hashsets", include_in_schema=False)
def import_list(
    request: Request,
    v: ListKeeper,
    file: UploadFile,
    name: Annotated[str, Form(max_length=500)],
    fmt: Annotated[str, Form(max_length=20)] = "auto",
    hash_type: Annotated[str, Form(max_length=10)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    known_good: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """Import an uploaded hash list, then match the case against it (the case passes run, the
    queue included). The upload is spooled in the case folder and removed afterwards."""
    case = case_of(request)
    case.tmp_dir.mkdir(exist_ok=True)
    fd, path = tempfile.mkstemp(dir=case.tmp_dir, prefix="hashlist-")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(file.file, out, CHUNK)
        report = import_hashset(
            case,
            Path(path),
            name,
            fmt=fmt,
            hash_type=hash_type or None,
            category=category or None,
            known_good=known_good is not None,
            user=v.name,
        )
    except HashListError as exc:
        return _hashsets_page(request, str(exc), status=400)
    finally:
        os.unlink(path)
    if report.unchanged:
        summary = f"{report.name}: unchanged since its last import ({report.entries} hashes)."
    else:
        summary = (
            f"{report.name} ({report.format}): {report.records} records, {report.entries} "
            f"hashes, {report.bad} bad records skipped, {report.duplicates} duplicates."
        )
    return _hashsets_page(request, summary, lines=report.problems[:5] + report.passes)


@router.post("/hashsets/remove", include_in_schema=False)
def remove_list(
    request: Request, v: ListKeeper, name: Annotated[str, Form(max_length=500)]
) -> Response:
    try:
        entries = remove_hashset(case_of(request), name, user=v.name)
    except HashListError as exc:
        return _hashsets_page(request, str(exc), status=400)
    return _hashsets_page(request, f"Removed {name} ({entries} hashes).")
