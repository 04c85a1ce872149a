"""CLI commands of provenance: `synthtrace reanalyze` and `synthtrace link-models`.

They parse arguments and print; the work is in provenance.reanalyze and provenance.links.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthtrace.case import Case, CaseError, open_case
from synthtrace.cli_support import console, out
from synthtrace.terminal import shown

CaseDir = Annotated[Path, typer.Argument(help="The case folder.")]


def _case(path: Path) -> Case:
    try:
        return open_case(path)
    except CaseError as exc:
        console.print(f"[bold red]error:[/] {shown(exc)}")
        raise typer.Exit(2) from exc


def reanalyze(
    case_dir: CaseDir,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=0, help="Analysis processes (default: all cores; 0: in this process)."
        ),
    ] = None,
) -> None:
    """Run the content analyzers (provenance, model files, ...) again over every evidence item of
    the case, update what is stored about each content, then rerun the case-wide passes."""
    from synthtrace.provenance.reanalyze import reanalyze_case

    with _case(case_dir) as case:
        outcome = reanalyze_case(
            case,
            workers=workers,
            progress=lambda label, n: None,
        )
    for label in outcome.missing:
        console.print(f"[yellow]evidence {label} not found at its recorded source; skipped[/]")
    out.print(
        f"re-analysed {outcome.files} files on {outcome.evidence} evidence items in "
        f"{outcome.seconds:.1f} s; {outcome.updated} contents updated"
    )
    for report in outcome.reports:
        out.print(report)
    if outcome.missing:
        raise typer.Exit(1)


def link_models_command(case_dir: CaseDir) -> None:
    """Rebuild the links from generated images to the model files of the case."""
    from synthtrace.provenance.links import link_models

    with _case(case_dir) as case:
        report = link_models(case)
        case.audit.append("provenance.links", report=report)
    out.print(report or "no generated images and no model files in this case")


def register(app: typer.Typer) -> None:
    app.command("reanalyze")(reanalyze)
    app.command("link-models")(link_models_command)
