"""What every command module shares: the consoles, the case argument, errors, opening a case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from synthtrace.case import Case, CaseError, open_case

console = Console(stderr=True)  # progress, notes and errors
out = Console()  # results

CaseDir = Annotated[Path, typer.Argument(help="The case folder.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error and return the exit to raise (the commands' only non-zero path)."""
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True, markup=True, highlight=False)
    return typer.Exit(code)


def load_case(path: Path) -> Case:
    try:
        return open_case(path)
    except CaseError as exc:
        raise fail(str(exc)) from exc
