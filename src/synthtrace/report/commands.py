"""CLI command `synthtrace report`. It parses and prints only; the work is in report.service.
`register(app)` is called once from synthtrace/cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthtrace.cli_support import CaseDir, console, fail, load_case


def report(
    case_dir: CaseDir,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="FILE.html or FILE.pdf (format by suffix).")
    ],
    thumbnails: Annotated[
        bool,
        typer.Option(
            "--thumbnails", help="Include blurred, greyscale thumbnails (the request is audited)."
        ),
    ] = False,
) -> None:
    """Write the case report (HTML or PDF, offline): devices, categories, hash-list hits, shared
    clusters, generated pictures, timeline, audit."""
    from synthtrace.audit import cli_user
    from synthtrace.report.service import ReportError, write_report

    with load_case(case_dir) as case:
        try:
            done = write_report(case, output, thumbnails=thumbnails, user=cli_user())
        except ReportError as exc:
            raise fail(str(exc)) from exc
    shown = f", {len(done.pictures)} blurred pictures" if thumbnails else ""
    console.print(f"report written to {output} ({done.format}, {done.seconds:.1f} s{shown})")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
