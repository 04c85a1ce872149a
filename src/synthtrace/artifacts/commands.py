"""CLI commands of the offender traces: `indicators import|list` and `links`.

They parse and render only; the work is in artifacts.indicators and artifacts.links.
`register(app)` is called once from synthtrace/cli.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from synthtrace.cli_support import CaseDir, console, fail, load_case, out
from synthtrace.terminal import shown

indicators_app = typer.Typer(
    help="Case indicators: domains, URLs, user names, e-mail and wallet addresses.",
    no_args_is_help=True,
)
FORMATS = ("table", "json")


@indicators_app.command("import")
def indicators_import(
    case_dir: CaseDir,
    file: Annotated[
        Path, typer.Argument(help="One indicator per line, or a CSV with a kind column.")
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Name of the list (default: the file's name).")
    ] = None,
    no_match: Annotated[
        bool, typer.Option("--no-match", help="Import only; hits are found after the next scan.")
    ] = False,
) -> None:
    """Import case indicators (bad lines are counted and shown, never fatal) and find their hits."""
    from synthtrace.artifacts.indicators import IndicatorError, import_indicators
    from synthtrace.audit import cli_user

    with load_case(case_dir) as case:
        try:
            report = import_indicators(case, file, name, user=cli_user(), run_pass=not no_match)
        except IndicatorError as exc:
            raise fail(str(exc)) from exc
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(report.by_kind.items())) or "none"
    out.print(
        f"imported [bold]{shown(report.name)}[/]: {report.added} new indicators ({kinds}), "
        f"{report.duplicates} already known, {report.bad} bad lines",
        highlight=False,
    )
    for problem in report.problems:
        console.print(f"  [yellow]skipped[/] {shown(problem)}", highlight=False)
    for line in report.passes:
        out.print(shown(line), highlight=False)


@indicators_app.command("list")
def indicators_list(case_dir: CaseDir) -> None:
    """The case's indicators, with their hits and the devices they were found on."""
    from synthtrace.artifacts.indicators import list_indicators

    with load_case(case_dir) as case:
        rows = list_indicators(case)
    table = Table(title="indicators")
    for col in ("kind", "value", "note", "list", "hits", "devices"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.kind,
            shown(r.value),
            shown(r.note or "-"),
            shown(r.list_name),
            str(r.hits),
            str(r.devices),
        )
    out.print(table)


def links(
    case_dir: CaseDir,
    fmt: Annotated[str, typer.Option("--format", help="table or json (one link per line).")] = (
        "table"
    ),
    via: Annotated[
        list[str] | None,
        typer.Option(
            "--via",
            help="Only these kinds (repeat): domain, login, wallet, indicator, cluster, hash.",
        ),
    ] = None,
    common_domains: Annotated[
        Path | None,
        typer.Option(
            "--common-domains",
            help="Replace the case's list of common domains (ignored as links) with this file's.",
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Show only the strongest N links.")
    ] = None,
) -> None:
    """Device pairs and what ties them: domains, logins, wallets, indicators, clusters, hashes."""
    from synthtrace.artifacts.links import LinkError, device_links, set_common_domains
    from synthtrace.audit import cli_user

    if fmt not in FORMATS:
        raise fail(f"unknown format {fmt!r}; choose {', '.join(FORMATS)}")
    with load_case(case_dir) as case:
        try:
            if common_domains is not None:
                n = set_common_domains(case, common_domains, user=cli_user())
                console.print(f"the case now ignores {n} common domains")
            found = device_links(case, via)
        except LinkError as exc:
            raise fail(str(exc)) from exc
    shown_links = found[:limit] if limit else found
    if fmt == "json":
        # ASCII JSON: names from the evidence cannot reach the terminal as control characters.
        for link in shown_links:
            sys.stdout.write(json.dumps(link.as_json(), ensure_ascii=True) + "\n")
        return
    table = Table(title=f"links between devices: {len(found)}")
    for col in ("devices", "via", "value", "count"):
        table.add_column(col)
    for link in shown_links:
        table.add_row(shown(" - ".join(link.devices)), link.via, shown(link.value), str(link.count))
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(indicators_app, name="indicators")
    app.command("links")(links)
