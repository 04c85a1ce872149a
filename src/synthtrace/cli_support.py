"""What every command module shares: the consoles, the case argument, errors, opening a case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthtrace.case import Case, CaseError, open_case
from synthtrace.terminal import SafeConsole, shown

console = SafeConsole(stderr=True)  # progress, notes and errors
out = SafeConsole()  # results

CaseDir = Annotated[Path, typer.Argument(help="The case folder.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error and return the exit to raise (the commands' only non-zero path)."""
    console.print(f"[bold red]error:[/] {shown(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(code)


def load_case(path: Path) -> Case:
    try:
        return open_case(path)
    except CaseError as exc:
        raise fail(str(exc)) from exc
