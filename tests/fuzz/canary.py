"""A harness with a planted bug, to show that the runner reports what a target lets escape."""

from __future__ import annotations


def planted_bug(data: bytes) -> None:
    # One branch per byte gives libFuzzer's coverage feedback a path to follow, byte by byte.
    if len(data) < 3 or data[0] != 0x46:
        return
    if data[1] != 0x55:
        return
    if data[2] == 0x5A:
        raise IndexError("planted bug reached")
