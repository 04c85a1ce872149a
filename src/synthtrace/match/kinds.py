"""Hash kinds: what a valid value looks like and how two values compare.

One small class per kind, after python-threatexchange's `SignalType`. Names are database keys
(`hash_entries.hash_type`, `matches.hash_type`), so they are written as constants.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

# pdqhash.compute_dihedral returns the 8 hashes in this order (checked against ThreatExchange's
# rotated and flipped reference pictures in tests/match/test_kinds.py).
PDQ_ORIENTATIONS = (
    "original",
    "rotate-90",
    "rotate-180",
    "rotate-270",
    "flip-x",
    "flip-y",
    "flip-plus-1",
    "flip-minus-1",
)
# A PDQ below this quality describes a flat or featureless picture: it never matches perceptually.
PDQ_MIN_QUALITY = 50
DEFAULT_PDQ_DISTANCE = 31
MAX_PDQ_DISTANCE = 63

_HEX = frozenset(string.hexdigits)


class BadHash(ValueError):
    """A value that is not a hash of the kind it claims to be."""


@dataclass(frozen=True)
class HashKind:
    name: str
    hex_length: int
    perceptual: bool
    doc: str

    def normalise(self, value: str) -> str:
        """Lower-case hex, or BadHash saying what is wrong (length, characters)."""
        v = value.strip().lower()
        if v.startswith("0x"):
            v = v[2:]
        if len(v) != self.hex_length:
            raise BadHash(
                f"{self.name} must be {self.hex_length} hex digits, got {len(v)} characters"
            )
        if not _HEX.issuperset(v):
            bad = next(c for c in v if c not in _HEX)
            raise BadHash(f"{self.name} has a non-hex character {bad!r}")
        return v

    def distance(self, a: str, b: str) -> int:
        """Bits that differ (perceptual kinds); 0 or 1 for cryptographic digests."""
        if self.perceptual:
            return (int(a, 16) ^ int(b, 16)).bit_count()
        return 0 if a.lower() == b.lower() else 1


MD5 = HashKind("md5", 32, False, "MD5: what most shared lists carry; exact copies only.")
SHA1 = HashKind("sha1", 40, False, "SHA-1: Project VIC and NSRL's second digest; exact copies.")
SHA256 = HashKind("sha256", 64, False, "SHA-256: the case's content address; exact copies.")
PDQ = HashKind(
    "pdq",
    64,
    True,
    "PDQ (Meta): 256-bit perceptual hash; survives resizing, recompression and small edits, "
    "rotations and flips through its 8 dihedral hashes; not crops or heavy overlays.",
)
KINDS: dict[str, HashKind] = {k.name: k for k in (MD5, SHA1, SHA256, PDQ)}
EXACT_KINDS = (MD5, SHA1, SHA256)

# Column and field names lists use for each kind (compared lower-case, without spaces).
ALIASES: dict[str, str] = {
    "md5": "md5",
    "md5hash": "md5",
    "sha1": "sha1",
    "sha-1": "sha1",
    "sha1hash": "sha1",
    "sha256": "sha256",
    "sha-256": "sha256",
    "sha256hash": "sha256",
    "pdq": "pdq",
    "pdqhash": "pdq",
}


def kind_for_name(name: str) -> HashKind | None:
    key = name.strip().lower().replace(" ", "").replace("_", "")
    found = ALIASES.get(key)
    return KINDS[found] if found else None


def kind_by_length(value: str) -> HashKind | None:
    """The kind a bare hex value must be, when its length says so (64 is SHA-256 or PDQ)."""
    n = len(value.strip())
    if n == 32:
        return MD5
    if n == 40:
        return SHA1
    return None
