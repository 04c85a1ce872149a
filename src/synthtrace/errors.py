"""Error messages that repeat: the same bad file must give the same text on every scan."""

from __future__ import annotations

import re

_ADDRESS = re.compile(r"\s*<[^<>]*\bat 0x[0-9a-fA-F]+>")


def describe(exc: BaseException) -> str:
    """`Type: message` without object addresses (which differ from run to run)."""
    text = _ADDRESS.sub("", str(exc)).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name
