"""Text from the evidence on a terminal: shown escaped, never obeyed.

A file name can hold terminal escapes (`ESC[31m`, `ESC]0;title`), carriage returns that overwrite
what was printed, newlines that forge extra lines, bidirectional overrides that reverse what is
read, and Rich markup (`[red]`, `[/]`) that would restyle the output or stop the command. The
stored path stays byte-exact; only what reaches the terminal is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape as escape_markup
from rich.segment import Segment

# C0 controls, DEL, C1 controls, and the invisible direction marks and overrides.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """Every control character as a visible escape (`\\x1b`, `\\n`, `\\u202e`)."""
    return _CONTROL.sub(_escape_one, text)


def shown(value: object) -> str:
    """A value from the evidence, ready to interpolate into a Rich string: no control character
    and no markup of its own."""
    return escape_markup(escape_controls(str(value)))


class SafeConsole(Console):
    """A Console that escapes control characters in any text it renders, whoever forgot `shown`.

    Newlines stay (Rich lays lines out with them); Rich's own control segments (cursor moves of
    the progress bar) are not text and pass. This overrides Rich's buffer rendering, its one place
    where text becomes output; tests/scan/test_terminal.py fails if a Rich release changes it.
    """

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        safe = (
            seg if seg.control or seg.text == "\n" else Segment(_text(seg.text), seg.style)
            for seg in buffer
        )
        return super()._render_buffer(safe)


def _text(text: str) -> str:
    if "\n" not in text:
        return escape_controls(text)
    return "\n".join(escape_controls(part) for part in text.split("\n"))
