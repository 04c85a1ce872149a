"""CLI command `synthtrace flag`: the VICS list flags a reviewer sets on contents.

It parses and prints only; the work is in synthtrace.flags.
`register(app)` is called once from synthtrace/cli.py.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from synthtrace.cli_support import CaseDir, fail, load_case, out


def flag(
    case_dir: CaseDir,
    hashes: Annotated[
        list[str], typer.Argument(help="SHA-256, SHA-1 or MD5 of the contents to flag.")
    ],
    victim_identified: Annotated[
        bool | None,
        typer.Option("--victim-identified/--victim-not-identified", help="VictimIdentified."),
    ] = None,
    offender_identified: Annotated[
        bool | None,
        typer.Option("--offender-identified/--offender-not-identified", help="OffenderIdentified."),
    ] = None,
    distributed: Annotated[
        bool | None, typer.Option("--distributed/--not-distributed", help="IsDistributed.")
    ] = None,
    series: Annotated[str | None, typer.Option("--series", help="Series name.")] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag (repeat for several; replaces).")
    ] = None,
    clear: Annotated[
        list[str] | None,
        typer.Option("--clear", help="Withdraw your value of this flag (e.g. Series)."),
    ] = None,
) -> None:
    """Set the VICS list flags of contents (written back by the VICS exports; audited)."""
    from synthtrace.audit import cli_user
    from synthtrace.flags import FlagError, media_by_hash, set_flags

    given: dict[str, Any] = {
        "VictimIdentified": victim_identified,
        "OffenderIdentified": offender_identified,
        "IsDistributed": distributed,
        "Series": series,
        "Tags": tags,
    }
    flags = {k: v for k, v in given.items() if v is not None}
    for name in clear or []:
        flags[name] = None
    with load_case(case_dir) as case:
        try:
            ids = media_by_hash(case, hashes)
            set_flags(case, ids, flags, user=cli_user())
        except FlagError as exc:
            raise fail(str(exc)) from exc
    shown = ", ".join(f"{k}={'(cleared)' if v is None else v}" for k, v in flags.items())
    out.print(f"flagged {len(ids)} contents: {shown}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("flag")(flag)
