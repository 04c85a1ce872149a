"""CLI commands of this package: `hashset import|list|remove`, `match`, `categories`.

They parse and render only; the work is in importer, matching, clustering and categories.
`register(app)` is called once from synthtrace/cli.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from synthtrace.terminal import shown

CaseDir = Annotated[Path, typer.Argument(help="The case folder.")]
FORMATS = ("auto", "vics", "icse", "csv", "text", "vpdq")
TYPES = ("md5", "sha1", "sha256", "pdq")

hashset_app = typer.Typer(help="Hash lists of known material and known-good files.")


@hashset_app.command("import")
def hashset_import(
    case_dir: CaseDir,
    file: Annotated[
        Path,
        typer.Argument(
            help="The hash list (VICS JSON, ICSE, CSV or text), or vPDQ: a vpdq file, a zip "
            "or folder of them, or a CSV with a vpdq column."
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="Name of the list in this case.")],
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "auto",
    hash_type: Annotated[
        str | None, typer.Option("--type", help="What bare values are: md5, sha1, sha256, pdq.")
    ] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="Category of entries that carry none.")
    ] = None,
    known_good: Annotated[
        bool, typer.Option("--known-good", help="Files this list matches leave the review.")
    ] = False,
    no_match: Annotated[
        bool, typer.Option("--no-match", help="Import only; match later with `synthtrace match`.")
    ] = False,
) -> None:
    """Import a hash list (streamed; bad lines are counted, never fatal) and match it."""
    from synthtrace.cli_support import console, fail, load_case, out
    from synthtrace.match.importer import HashListError, import_hashset

    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; choose {', '.join(FORMATS)}")
    if hash_type is not None and hash_type not in TYPES:
        raise fail(f"unknown hash type {hash_type!r}; choose {', '.join(TYPES)}")
    with load_case(case_dir) as case:
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=None),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(
            *columns, console=console, transient=True, disable=not console.is_terminal
        ) as bar:
            task = bar.add_task(f"importing {name}", total=None)
            try:
                report = import_hashset(
                    case,
                    file,
                    name,
                    fmt=fmt,
                    hash_type=hash_type,
                    category=category,
                    known_good=known_good,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                    run_passes=not no_match,
                )
            except HashListError as exc:
                raise fail(str(exc)) from exc
    if report.unchanged:
        out.print(
            f"{shown(report.name)}: unchanged since its last import ({report.entries} hashes)"
        )
        return
    kinds = ", ".join(f"{k} {n}" for k, n in report.by_type.items())
    verb = "replaced" if report.replaced else "imported"
    out.print(
        f"{verb} [bold]{shown(report.name)}[/] ({report.format}): {report.records} records, "
        f"{report.entries} hashes ({kinds}), {report.bad} bad records, "
        f"{report.duplicates} duplicates, in {report.seconds:.1f} s",
        highlight=False,
    )
    for problem in report.problems[:5]:
        console.print(f"  [yellow]skipped[/] {shown(problem)}", highlight=False)
    if report.bad > 5:
        console.print(f"  ... {report.bad - 5} more skipped records", highlight=False)
    if report.outside_scheme:
        console.print(
            "  [yellow]categories not in this case's scheme (kept on the matches, not used to "
            f"pre-categorise):[/] {shown(', '.join(report.outside_scheme))}",
            highlight=False,
        )
    for line in report.passes:
        out.print(shown(line), highlight=False)


@hashset_app.command("list")
def hashset_list(case_dir: CaseDir) -> None:
    """The case's hash lists, with how many media each matched."""
    from synthtrace.cli_support import load_case, out
    from synthtrace.match.importer import list_hashsets

    with load_case(case_dir) as case:
        lists = list_hashsets(case)
    table = Table(title="hash lists")
    for col in ("name", "format", "kind", "category", "hashes", "skipped", "media", "imported"):
        table.add_column(col)
    for h in lists:
        table.add_row(
            shown(h.name),
            h.format,
            "known-good" if h.known_good else "known",
            shown(h.category or "-"),
            str(h.entries),
            str(h.skipped),
            str(h.matched_media),
            h.imported_at,
        )
    out.print(table)


@hashset_app.command("remove")
def hashset_remove(
    case_dir: CaseDir, name: Annotated[str, typer.Argument(help="The list's name.")]
) -> None:
    """Remove a list with its matches; pre-categorisations it made are withdrawn."""
    from synthtrace.cli_support import fail, load_case, out
    from synthtrace.match.importer import HashListError, remove_hashset

    with load_case(case_dir) as case:
        try:
            entries = remove_hashset(case, name)
        except HashListError as exc:
            raise fail(str(exc)) from exc
    out.print(f"removed {name} ({entries} hashes)")


def match(
    case_dir: CaseDir,
    pdq_distance: Annotated[
        int | None,
        typer.Option(
            "--pdq-distance", min=0, max=63, help="Set the case's PDQ distance (default 31)."
        ),
    ] = None,
    vpdq_match_pct: Annotated[
        float | None,
        typer.Option(
            "--vpdq-match-pct",
            min=0.01,
            max=100,
            help="Set the share of a video's frames (%) that must be found in a listed video "
            "for a vPDQ match (default 80).",
        ),
    ] = None,
) -> None:
    """Match every media against the case's hash lists again and rebuild the clusters."""
    from synthtrace.cli_support import fail, load_case, out
    from synthtrace.match.settings import SettingError, set_pdq_distance
    from synthtrace.match.settings import pdq_distance as current
    from synthtrace.scan.service import run_case_passes
    from synthtrace.video.settings import VpdqSettingError, set_vpdq_match_pct
    from synthtrace.video.settings import vpdq_match_pct as current_pct

    with load_case(case_dir) as case:
        try:
            if pdq_distance is not None:
                set_pdq_distance(case, pdq_distance)
            if vpdq_match_pct is not None:
                set_vpdq_match_pct(case, vpdq_match_pct)
        except (SettingError, VpdqSettingError) as exc:
            raise fail(str(exc)) from exc
        reports = run_case_passes(case)
        out.print(
            f"PDQ distance {current(case)}, vPDQ match from {current_pct(case):g} %",
            highlight=False,
        )
    for line in reports:
        out.print(line, highlight=False)


def categories(
    case_dir: CaseDir,
    scheme: Annotated[
        str | None, typer.Option("--scheme", help="projectvic (default), caid or custom.")
    ] = None,
    custom: Annotated[
        str | None,
        typer.Option("--custom", help='Custom categories: "A=First label,B=Second label".'),
    ] = None,
) -> None:
    """Show or set the case's category scheme."""
    from synthtrace.categories import Category, CategoryError, case_scheme, set_scheme
    from synthtrace.cli_support import fail, load_case, out

    with load_case(case_dir) as case:
        try:
            if custom is not None:
                pairs = [p.partition("=") for p in custom.split(",") if p.strip()]
                cats = [Category(c.strip(), (label or c).strip()) for c, _, label in pairs]
                set_scheme(case, "custom", cats)
            elif scheme is not None:
                set_scheme(case, scheme)
        except CategoryError as exc:
            raise fail(str(exc)) from exc
        name, cats_now = case_scheme(case)
    out.print(f"category scheme: [bold]{name}[/]", highlight=False)
    for c in cats_now:
        out.print(f"  {c.code}  {c.label}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(hashset_app, name="hashset")
    app.command("match")(match)
    app.command("categories")(categories)
