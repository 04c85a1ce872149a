"""CLI commands of the review app: `synthtrace serve`, `synthtrace user ...`, `synthtrace triage`.

They parse arguments and print; the work is in web.app, accounts and triage.
"""

from __future__ import annotations

import getpass
import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from synthtrace.accounts import AccountError, Role, add_user, find_user, list_users, set_password
from synthtrace.audit import cli_user
from synthtrace.case import Case, CaseError, open_case
from synthtrace.cli_support import console, out
from synthtrace.terminal import shown

user_app = typer.Typer(help="Accounts of the review app.", no_args_is_help=True)
CaseDir = Annotated[Path, typer.Argument(help="The case folder.")]


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {shown(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(2)


def _case(path: Path) -> Case:
    try:
        return open_case(path)
    except CaseError as exc:
        raise _fail(str(exc)) from exc


def read_password(confirm: bool = True) -> str:
    """From the terminal (asked twice, not echoed), or the first line of standard input."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Password again: ") != password:
            raise _fail("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    case_dir: CaseDir,
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[
        Role,
        typer.Option(
            "--role",
            help="reviewer: categorise; investigator: also export and "
            "manage hash lists; admin: also manage users.",
        ),
    ] = Role.REVIEWER,
) -> None:
    """Add a user; the password is read from standard input (asked for on a terminal)."""
    with _case(case_dir) as case:
        password = read_password()
        try:
            add_user(case, name, password, role.value, by=cli_user())
        except AccountError as exc:
            raise _fail(str(exc)) from exc
    out.print(f"user [bold]{name}[/] added as {role.value}")


@user_app.command("passwd")
def user_passwd(
    case_dir: CaseDir, name: Annotated[str, typer.Argument(help="Login name.")]
) -> None:
    """Set a user's password (read like `user add`'s); their sessions end."""
    with _case(case_dir) as case:
        user = find_user(case, name)
        if user is None:
            raise _fail(f"no user named {name!r}")
        try:
            set_password(case, user.id, read_password(), by=cli_user())
        except AccountError as exc:
            raise _fail(str(exc)) from exc
    out.print(f"password of [bold]{name}[/] changed")


@user_app.command("list")
def user_list(case_dir: CaseDir) -> None:
    """The users of the case, with role and state."""
    with _case(case_dir) as case:
        users = list_users(case)
    table = Table(title="users")
    for col in ("name", "role", "state", "created", "last login"):
        table.add_column(col)
    for u in users:
        table.add_row(
            u.name,
            u.role,
            "disabled" if u.disabled else "active",
            f"{u.created_at} by {u.created_by}",
            u.last_login or "never",
        )
    out.print(table)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    case_dir: CaseDir,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="PEM certificate: serve over HTTPS.")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="PEM private key.")] = None,
) -> None:
    """Run the review app for a case (loopback only unless --host says otherwise)."""
    import uvicorn

    from synthtrace.web.app import create_app

    if (tls_cert is None) != (tls_key is None):
        raise _fail("--tls-cert and --tls-key go together")
    case = _case(case_dir)
    if not list_users(case):
        case.close()
        raise _fail(f"the case has no users yet: synthtrace user add {case_dir} NAME --role admin")
    if not _loopback(host):
        console.print(
            f"[yellow]warning:[/] listening on {host}: other machines can reach the app"
            + ("" if tls_cert else " over plain HTTP (use --tls-cert/--tls-key)")
        )
    scheme = "https" if tls_cert else "http"
    console.print(f"review app for [bold]{case_dir}[/] on {scheme}://{host}:{port}/")
    try:
        uvicorn.run(
            create_app(case),
            host=host,
            port=port,
            ssl_certfile=str(tls_cert) if tls_cert else None,
            ssl_keyfile=str(tls_key) if tls_key else None,
            log_level="info",
            server_header=False,
        )
    finally:
        case.close()


def triage(case_dir: CaseDir) -> None:
    """Rebuild the review queue (after importing a hash list, say) and print its buckets."""
    from synthtrace.triage import rebuild

    with _case(case_dir) as case:
        out.print(rebuild(case))
