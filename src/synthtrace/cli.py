"""The `synthtrace` command. Commands parse arguments and render; the work is in service modules."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from synthtrace.artifacts.commands import register as register_artifacts
from synthtrace.case import CaseError, create_case
from synthtrace.cli_support import CaseDir, console, fail, load_case, out
from synthtrace.export.commands import register as register_results
from synthtrace.limits import Limits
from synthtrace.match.commands import register as register_match
from synthtrace.provenance.commands import register as register_provenance
from synthtrace.report.commands import register as register_report
from synthtrace.scan.commands import ExecutorOption, RayAddressOption
from synthtrace.scan.commands import register as register_intake
from synthtrace.summary import CaseSummary, case_summary
from synthtrace.terminal import shown
from synthtrace.web import commands as review_commands

app = typer.Typer(
    help="Forensic triage of seized devices.", no_args_is_help=True, add_completion=False
)
case_app = typer.Typer(help="Create cases.", no_args_is_help=True)
audit_app = typer.Typer(help="The case's tamper-evident audit log.", no_args_is_help=True)
app.add_typer(case_app, name="case")
app.add_typer(audit_app, name="audit")


@case_app.command("create")
def case_create(
    case_dir: CaseDir,
    name: Annotated[str, typer.Option("--name", help="Case name or reference.")],
    examiner: Annotated[str | None, typer.Option("--examiner", help="Examiner in charge.")] = None,
    database: Annotated[
        str | None, typer.Option("--database", help="Database URL (default: SQLite in the folder).")
    ] = None,
) -> None:
    """Create a case folder: database, thumbnail store and audit log."""
    try:
        with create_case(case_dir, name=name, examiner=examiner, database_url=database):
            pass
    except CaseError as exc:
        raise fail(str(exc)) from exc
    out.print(f"case [bold]{shown(name)}[/] created in {shown(case_dir)}")


@audit_app.command("verify")
def audit_verify(case_dir: CaseDir) -> None:
    """Check the audit chain; exits 1 when an entry was edited, removed or reordered."""
    with load_case(case_dir) as case:
        report = case.audit.verify()
    if report.ok:
        out.print(f"audit log intact: {report.lines} entries")
        return
    for problem in report.problems:
        console.print(f"[red]{shown(problem)}[/]")
    raise typer.Exit(1)


@app.command()
def scan(
    case_dir: CaseDir,
    evidence: Annotated[Path, typer.Argument(help="Folder, file or archive to scan.")],
    label: Annotated[str, typer.Option("--label", help="Name of this evidence item in the case.")],
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=0, help="Analysis processes (default: all cores; 0: in this process)."
        ),
    ] = None,
    max_depth: Annotated[
        int, typer.Option("--max-depth", min=0, help="Deepest archive nesting opened.")
    ] = Limits.max_depth,
    executor: ExecutorOption = "local",
    ray_address: RayAddressOption = None,
) -> None:
    """Scan one evidence item into the case (run it again to resume an interrupted scan)."""
    from synthtrace.scan.service import ScanError, ScanProgress, scan_evidence

    with load_case(case_dir) as case:
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=None),
            TextColumn(
                "{task.fields[files]} files · {task.fields[mb]:.1f} MB · "
                "{task.fields[errors]} with errors"
            ),
            TimeElapsedColumn(),
        )
        with Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        ) as bar:
            task = bar.add_task(f"scanning {shown(label)}", total=None, files=0, mb=0.0, errors=0)

            def show(p: ScanProgress) -> None:
                bar.update(task, files=p.files, mb=p.bytes / 1e6, errors=p.errors)

            try:
                outcome = scan_evidence(
                    case,
                    evidence,
                    label,
                    workers=workers,
                    limits=Limits(max_depth=max_depth),
                    progress=show,
                    executor=executor,
                    ray_address=ray_address,
                )
            except ScanError as exc:
                raise fail(str(exc)) from exc
        rate = outcome.files / outcome.seconds if outcome.seconds else 0.0
        verb = "resumed" if outcome.resumed else "scanned"
        out.print(
            f"{verb} [bold]{shown(label)}[/]: {outcome.files} files recorded in "
            f"{outcome.seconds:.1f} s ({rate:.1f} files/s), {outcome.errors} with errors"
        )
        for report in outcome.reports:
            out.print(shown(report))
        render_summary(case_summary(case))


@app.command()
def export(
    case_dir: CaseDir,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="jsonl, csv, vics (#Cases), vics-media (#Media), case-uco (JSON-LD), "
            "artifacts (visits, downloads, logins, wallets, indicator hits) or vpdq "
            "(a folder: -o DIR gets DIR/<sha256>.vpdq.txt per video).",
        ),
    ] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default: stdout); a folder for vpdq."),
    ] = None,
) -> None:
    """Export the case: one record per file (jsonl, csv), Project VIC VICS or CASE/UCO."""
    from synthtrace.export.service import (
        DIRECTORY_FORMATS,
        ExportError,
        export_case,
        export_case_to_directory,
    )

    with load_case(case_dir) as case:
        try:
            if fmt in DIRECTORY_FORMATS and output is not None:
                n = export_case_to_directory(case, fmt, output)
            elif output is None:
                n = export_case(case, fmt, sys.stdout, destination="stdout")
            else:
                with open(output, "w", encoding="utf-8", newline="") as fh:
                    n = export_case(case, fmt, fh, destination=str(output))
        except ExportError as exc:
            raise fail(str(exc)) from exc
    console.print(f"{n} records exported")


@app.command()
def summary(case_dir: CaseDir) -> None:
    """Per evidence item: files, bytes, types, duplicates, errors and scan speed."""
    with load_case(case_dir) as case:
        render_summary(case_summary(case))


@app.command()
def demo(
    directory: Annotated[
        Path, typer.Argument(help="Where to build the demo (must not exist).")
    ] = Path("demo-out"),
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=0, help="Analysis processes (default: all cores)."),
    ] = None,
) -> None:
    """Build benign demo evidence, scan it into a case and print the triage summary."""
    from synthtrace.demo.run import run_demo

    if directory.exists() and any(directory.iterdir()):
        raise fail(f"{directory} exists and is not empty")
    case_dir, outcomes, result = run_demo(
        directory,
        workers=workers,
        on_scan=lambda label: console.print(f"scanning {shown(label)} ..."),
    )
    for o in outcomes:
        out.print(
            f"scanned [bold]{shown(o.label)}[/]: {o.files} files in {o.seconds:.1f} s, "
            f"{o.errors} with errors"
        )
    render_summary(result)
    out.print(
        f"\nThe case is in [bold]{shown(case_dir)}[/]. "
        f"Next: synthtrace export {shown(case_dir)} --format jsonl"
    )


def render_summary(s: CaseSummary) -> None:
    table = Table(
        title=(
            f"{shown(s.name)}: {s.files} files, {s.media} distinct contents, {s.errors} with errors"
        )
    )
    table.add_column("evidence", no_wrap=True)
    for col in ("files", "MB", "images", "dupl.", "shared", "errors", "files/s"):
        table.add_column(col, justify="right", no_wrap=True)
    for e in s.evidence:
        table.add_row(
            shown(e.label) + ("" if e.complete else " (incomplete)"),
            str(e.files),
            f"{e.bytes / 1e6:.1f}",
            str(e.images),
            str(e.duplicate_files),
            str(e.shared_media),
            str(e.errors),
            f"{e.files_per_second:.1f}" if e.files_per_second else "-",
        )
    out.print(table)
    for e in s.evidence:
        types = ", ".join(f"{shown(m)} {n}" for m, n in e.types[:6])
        out.print(f"  [bold]{shown(e.label)}[/] types: {types}", soft_wrap=True, highlight=False)
    for section in s.sections:
        t = Table(title=shown(section.title))
        for col in section.columns:
            t.add_column(shown(col))
        for row in section.rows:  # paths, model names, prompts: text from the evidence
            t.add_row(*(shown(cell) for cell in row))
        out.print(t)


# The commands of the other capabilities, listed after the scan's own: hash lists, matching,
# clusters and category schemes; AI provenance; the review app (bodies in their packages).
register_match(app)
register_provenance(app)
register_results(app)  # flag
register_report(app)
register_intake(app)
register_artifacts(app)  # indicators, links
app.add_typer(review_commands.user_app, name="user")
app.command("serve")(review_commands.serve)
app.command("triage")(review_commands.triage)


def main() -> None:
    app()
