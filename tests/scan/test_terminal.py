"""Names from the evidence reach the terminal escaped; the stored path stays byte-exact."""

from __future__ import annotations

import io
import os
from pathlib import Path

from rich.table import Table
from typer.testing import CliRunner

from synthtrace.case import Case
from synthtrace.terminal import SafeConsole, escape_controls, shown
from tests.builders import small_jpeg, write
from tests.conftest import records, run_cli

EVIL = "evil\x1b[31mred\x1b]0;title\x07\nforged line\roverwrite\u202etxt.jpg"


def test_every_control_character_is_made_visible() -> None:
    assert escape_controls("a\x1b[31mb") == "a\\x1b[31mb"
    assert escape_controls("a\nb\rc\td\x00e\x7f\x9b") == "a\\nb\\rc\\td\\x00e\\x7f\\x9b"
    assert escape_controls("abc\u202etxt.exe") == "abc\\u202etxt.exe"
    assert escape_controls("Ünïcödé names stay") == "Ünïcödé names stay"


def test_markup_in_a_name_is_shown_not_obeyed() -> None:
    buf = io.StringIO()
    console = SafeConsole(file=buf, force_terminal=False, width=200)
    console.print(f"file {shown('[red]x[/] [/bold]')} done")  # unbalanced tags would raise
    assert buf.getvalue() == "file [red]x[/] [/bold] done\n"


def test_the_console_escapes_what_a_caller_forgot() -> None:
    buf = io.StringIO()
    console = SafeConsole(file=buf, force_terminal=True, color_system="standard", width=200)
    table = Table("path")
    table.add_row("a\x1b[2Jb\rc")  # raw, not passed through shown()
    console.print(table)
    console.print("[bold]styled[/] text\x1b]0;t\x07")
    text = buf.getvalue()
    assert "a\\x1b[2Jb" in text  # (Rich itself drops carriage returns and bells)
    assert "text\\x1b" in text
    assert "\x1b[2J" not in text and "\x1b]0" not in text and "\r" not in text
    assert "\x1b[1m" in text  # Rich's own styling still works


def test_names_and_labels_in_the_scan_output(cli: CliRunner, case: Case, tmp_path: Path) -> None:
    ev = tmp_path / "ev"
    write(ev / EVIL, small_jpeg(1))
    label = "dev\x1b[2J\nfake"
    code, output = run_cli(cli, "scan", case.root, ev, "--label", label)
    assert code == 0
    assert "\x1b" not in output and "\r" not in output
    assert "dev\\x1b[2J\\nfake" in output
    (rec,) = [r for r in records(case) if str(r["path"]).startswith("evil")]
    assert rec["path"] == EVIL  # stored exactly as the file system has it
    assert os.path.exists(ev / str(rec["path"]))

    code, output = run_cli(cli, "scan", case.root, tmp_path / "missing\x1b[31m\n", "--label", "x")
    assert code == 2
    assert "missing\\x1b[31m\\n" in output and "\x1b" not in output


def test_hash_list_reports_are_escaped(cli: CliRunner, case: Case, tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_bytes(b"d41d8cd98f00b204e9800998ecf8427e\nnot a hash \x1b[31m\r\n")
    code, output = run_cli(cli, "hashset", "import", case.root, listing, "--name", "l\x1b[31m")
    assert code == 0
    assert "\x1b" not in output
    assert "l\\x1b[31m" in output  # the list's name, escaped
