"""Byte ranges of a disk image: what files occupy, so the rest can be told unallocated.

An array of (start, end) pairs, sorted and merged once: a volume with millions of file fragments
costs 16 bytes per fragment, and every question after that is a binary search.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator


class Ranges:
    """Half-open byte ranges [start, end); add any number, then `freeze()` before asking."""

    def __init__(self) -> None:
        self._starts = array("q")
        self._ends = array("q")
        self._frozen = True

    def add(self, start: int, end: int) -> None:
        if end > start:
            self._starts.append(start)
            self._ends.append(end)
            self._frozen = False

    def freeze(self) -> None:
        if self._frozen:
            return
        pairs = sorted(zip(self._starts, self._ends, strict=True))
        starts, ends = array("q"), array("q")
        for start, end in pairs:
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        self._starts, self._ends, self._frozen = starts, ends, True

    def __iter__(self) -> Iterator[tuple[int, int]]:
        self.freeze()
        return iter(zip(self._starts, self._ends, strict=True))

    def __len__(self) -> int:
        self.freeze()
        return len(self._starts)

    def total(self) -> int:
        return sum(end - start for start, end in self)

    def overlap(self, start: int, end: int) -> int:
        """How many bytes of [start, end) the ranges cover."""
        self.freeze()
        i = max(0, bisect.bisect_right(self._starts, start) - 1)
        covered = 0
        while i < len(self._starts) and self._starts[i] < end:
            covered += max(0, min(end, self._ends[i]) - max(start, self._starts[i]))
            i += 1
        return covered

    def gaps(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The parts of [start, end) that no range covers, in order."""
        self.freeze()
        pos = start
        i = max(0, bisect.bisect_right(self._starts, start) - 1)
        while i < len(self._starts) and self._starts[i] < end:
            if self._ends[i] > pos:
                if self._starts[i] > pos:
                    yield pos, min(self._starts[i], end)
                pos = max(pos, self._ends[i])
            i += 1
        if pos < end:
            yield pos, end


def from_pairs(pairs: Iterable[tuple[int, int]]) -> Ranges:
    ranges = Ranges()
    for start, end in pairs:
        ranges.add(start, end)
    ranges.freeze()
    return ranges
