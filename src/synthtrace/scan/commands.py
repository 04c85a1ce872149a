"""CLI command `synthtrace intake`, and the executor options `scan` shares with it.

It parses and prints only; the work is in synthtrace.scan.intake.
`register(app)` is called once from synthtrace/cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from synthtrace.cli_support import CaseDir, console, fail, load_case, out
from synthtrace.limits import Limits
from synthtrace.terminal import shown

ExecutorOption = Annotated[
    str,
    typer.Option(
        "--executor",
        help="Where the analysis runs: local (a process per core) or ray (a Ray cluster).",
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="Ray cluster to use with --executor ray (default: $RAY_ADDRESS, else a local Ray).",
    ),
]


def intake_command(
    case_dir: CaseDir,
    manifest: Annotated[
        Path,
        typer.Argument(
            help="CSV with a row per device: label,path (optional examiner,notes,seized_at)."
        ),
    ],
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=0, help="Analysis processes (default: all cores)."),
    ] = None,
    max_depth: Annotated[
        int, typer.Option("--max-depth", min=0, help="Deepest archive nesting opened.")
    ] = Limits.max_depth,
    executor: ExecutorOption = "local",
    ray_address: RayAddressOption = None,
) -> None:
    """Take in a whole seizure: scan every device of the manifest (run it again to resume).

    Exits 1 when a row was skipped or a device could not be scanned (all others are done)."""
    from synthtrace.scan.intake import IntakeError, IntakeProgress, intake

    with load_case(case_dir) as case:
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=None),
            TextColumn("{task.completed}/{task.total} devices · {task.fields[now]}"),
            TimeElapsedColumn(),
        )
        with Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        ) as bar:
            overall = bar.add_task("intake", total=None, now="")

            def show(p: IntakeProgress) -> None:
                now = shown(p.label)
                if p.scan is not None:
                    now += f": {p.scan.files} files, {p.scan.bytes / 1e6:.1f} MB"
                bar.update(overall, total=p.devices, completed=p.index, now=now)

            try:
                outcome = intake(
                    case,
                    manifest,
                    workers=workers,
                    limits=Limits(max_depth=max_depth),
                    executor=executor,
                    ray_address=ray_address,
                    progress=show,
                )
            except IntakeError as exc:
                raise fail(str(exc)) from exc
    table = Table(title=f"intake of {shown(manifest.name)}")
    for name in ("device", "status", "files", "MB", "with errors", "seconds", "detail"):
        table.add_column(name, justify="right" if name in ("files", "MB", "seconds") else "left")
    for d in outcome.devices:
        table.add_row(
            shown(d.label),
            d.status,
            str(d.files),
            f"{d.bytes / 1e6:.1f}",
            str(d.errors),
            f"{d.seconds:.1f}",
            shown(d.detail or ""),
        )
    out.print(table)
    for p in outcome.problems:
        who = f" ({shown(p.label)})" if p.label else ""
        console.print(f"[yellow]skipped line {p.line}{who}:[/] {shown(p.reason)}")
    for report in outcome.reports:
        out.print(shown(report))
    failed = [d for d in outcome.devices if d.status == "failed"]
    out.print(
        f"{len(outcome.devices) - len(failed)} devices taken in, {len(failed)} failed, "
        f"{len(outcome.problems)} rows skipped, in {outcome.seconds:.1f} s"
    )
    if failed or outcome.problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("intake")(intake_command)
