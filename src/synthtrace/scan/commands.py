"""CLI command `synthtrace intake`, and the executor options `scan` shares with it.

It parses and prints only; the work is in synthtrace.scan.intake.
`register(app)` is called once from synthtrace/cli.py.
"""

from __future__ import annotations

from typing import Annotated

import typer

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
