"""Crypto wallet addresses in text, each validated by its checksum (a mistyped one is not reported).

Bitcoin and Litecoin: Base58Check (the `base58` package) and bech32/bech32m (BIP-173, BIP-350);
Ethereum: 20 bytes of hex, EIP-55 checksum when the case is mixed (all one case carries none);
Monero: its own block-wise Base58 with a Keccak-256 checksum. bech32 and Monero's Base58 are
written here from the specifications, with the specs' test vectors in the tests: the `bech32`
package predates bech32m, and the Monero packages pull in a wallet client for a 30-line decoder.

The finder first takes runs of 26 to 110 letters and digits (see `_runs`: fast on ordinary text,
where words are short) and only then looks closer at each run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import base58
from Cryptodome.Hash import keccak

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(BASE58)}
_ALNUM = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_MASK = bytes(0x61 if b in _ALNUM else 0x20 for b in range(256))
MIN_RUN, MAX_RUN = 26, 110  # the shortest (Base58Check) and longest (Monero integrated) address
_NEEDLE = b"a" * MIN_RUN

# Base58Check version bytes (mainnet) -> (currency, address type).
_VERSIONS = {
    0x00: ("bitcoin", "p2pkh"),
    0x05: ("bitcoin", "p2sh"),  # Litecoin's old P2SH prefix too: reported as Bitcoin
    0x30: ("litecoin", "p2pkh"),
    0x32: ("litecoin", "p2sh"),
}
_SEGWIT_HRP = {"bc": "bitcoin", "ltc": "litecoin"}
# Monero network bytes (mainnet) -> address type; the total length follows from it.
_MONERO = {18: ("standard", 69), 42: ("subaddress", 69), 19: ("integrated", 77)}


@dataclass(frozen=True)
class Wallet:
    currency: str  # bitcoin, litecoin, ethereum, monero
    value: str  # as written (bech32 in lower case)
    type: str  # p2pkh, p2sh, segwit-v0, taproot, account, standard, ...
    checksum: str  # how it was checked: base58check, bech32, bech32m, eip55, keccak, none


# --- bech32 / bech32m (BIP-173, BIP-350) --------------------------------------------------------

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_INDEX = {c: i for i, c in enumerate(_CHARSET)}
BECH32, BECH32M = 1, 0x2BC830A3
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= _GEN[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_decode(text: str) -> tuple[str, list[int], int] | None:
    """(hrp, data without checksum, BECH32 or BECH32M) for a valid string, else None."""
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        return None
    if text.lower() != text and text.upper() != text:
        return None  # mixed case
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or len(text) > 90:
        return None
    hrp = text[:pos]
    try:
        data = [_CHARSET_INDEX[c] for c in text[pos + 1 :]]
    except KeyError:
        return None
    const = _polymod(_hrp_expand(hrp) + data)
    if const not in (BECH32, BECH32M):
        return None
    return hrp, data[:-6], const


def _convert_bits(data: list[int], frm: int, to: int) -> list[int] | None:
    """Regroup 5-bit values into bytes; None on bad padding (BIP-173's convertbits, pad=False)."""
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << to) - 1
    for value in data:
        if value >> frm:
            return None
        acc = (acc << frm) | value
        bits += frm
        while bits >= to:
            bits -= to
            out.append((acc >> bits) & maxv)
    if bits >= frm or ((acc << (to - bits)) & maxv):
        return None
    return out


def segwit_decode(text: str) -> tuple[str, int, bytes] | None:
    """(hrp, witness version, program) of a valid segwit address (v0 bech32, v1+ bech32m)."""
    decoded = bech32_decode(text)
    if decoded is None:
        return None
    hrp, data, const = decoded
    if not data or data[0] > 16:
        return None
    program = _convert_bits(data[1:], 5, 8)
    if program is None or not 2 <= len(program) <= 40:
        return None
    version = data[0]
    if version == 0 and len(program) not in (20, 32):
        return None
    if (version == 0) != (const == BECH32):
        return None
    return hrp, version, bytes(program)


# --- Base58Check (Bitcoin, Litecoin legacy) -----------------------------------------------------


def _base58check(text: str) -> Wallet | None:
    try:
        raw = base58.b58decode_check(text)
    except ValueError:
        return None
    if len(raw) != 21 or raw[0] not in _VERSIONS:
        return None
    currency, kind = _VERSIONS[raw[0]]
    return Wallet(currency, text, kind, "base58check")


def _segwit(text: str) -> Wallet | None:
    decoded = segwit_decode(text)
    if decoded is None:
        return None
    hrp, version, program = decoded
    currency = _SEGWIT_HRP.get(hrp)
    if currency is None:
        return None
    if version == 0:
        kind = "p2wpkh" if len(program) == 20 else "p2wsh"
    elif version == 1 and len(program) == 32:
        kind = "taproot"
    else:
        kind = f"segwit-v{version}"
    return Wallet(currency, text.lower(), kind, "bech32" if version == 0 else "bech32m")


# --- Ethereum (EIP-55) --------------------------------------------------------------------------


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def eip55(hex40: str) -> str:
    """The EIP-55 mixed-case form of 40 hex digits (without 0x)."""
    lower = hex40.lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "".join(
        c.upper() if int(d, 16) >= 8 else c for c, d in zip(lower, digest[:40], strict=True)
    )


def _ethereum(text: str) -> Wallet | None:
    if len(text) != 42 or not text.startswith("0x"):
        return None
    body = text[2:]
    if any(c not in "0123456789abcdefABCDEF" for c in body):
        return None
    if body.lower() == body or body.upper() == body:
        if not any(c.isalpha() for c in body) and len(set(body)) < 4:
            return None  # 0x000...0 and the like: placeholders, not accounts
        return Wallet("ethereum", text, "account", "none")
    if eip55(body) != body:
        return None
    return Wallet("ethereum", text, "account", "eip55")


# --- Monero -------------------------------------------------------------------------------------

# Monero's Base58 encodes 8-byte blocks as 11 characters; a shorter last block has this many.
_MONERO_BLOCK = {0: 0, 2: 1, 3: 2, 5: 3, 6: 4, 7: 5, 9: 6, 10: 7, 11: 8}


def monero_b58decode(text: str) -> bytes | None:
    out = bytearray()
    for start in range(0, len(text), 11):
        block = text[start : start + 11]
        size = _MONERO_BLOCK.get(len(block))
        if size is None:
            return None
        num = 0
        for c in block:
            index = _B58_INDEX.get(c)
            if index is None:
                return None
            num = num * 58 + index
        if num >> (8 * size):
            return None  # overflow: not a valid block
        out += num.to_bytes(size, "big")
    return bytes(out)


def _monero(text: str) -> Wallet | None:
    if len(text) not in (95, 106) or text[0] not in "48":
        return None
    raw = monero_b58decode(text)
    if raw is None or not raw:
        return None
    kind_size = _MONERO.get(raw[0])
    if kind_size is None or len(raw) != kind_size[1]:
        return None
    if keccak256(raw[:-4])[:4] != raw[-4:]:
        return None
    return Wallet("monero", text, kind_size[0], "keccak")


# --- finding ------------------------------------------------------------------------------------


def check_address(text: str) -> Wallet | None:
    """The wallet `text` is, exactly, when its checksum holds; None otherwise."""
    n = len(text)
    if text[:2] == "0x":
        return _ethereum(text)
    lower = text[:4].lower()
    if lower.startswith(("bc1", "ltc1")):
        return _segwit(text)
    if n in (95, 106) and text[0] in "48":
        return _monero(text)
    if 26 <= n <= 35 and text[0] in "13LM":
        return _base58check(text)
    return None


def _runs(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of every run of 26 to 110 ASCII letters and digits.

    Letters and digits become `a` and everything else a space (bytes.translate), then the runs are
    found with bytes.find, which skips ordinary text at memory speed: a regex over the same bytes
    ran at 30-60 MB/s, too slow for every text file of a device.
    """
    mapped = data.translate(_MASK)
    pos, end = 0, len(mapped)
    while (start := mapped.find(_NEEDLE, pos)) >= 0:
        stop = mapped.find(b" ", start + MIN_RUN)
        if stop < 0:
            stop = end
        if stop - start <= MAX_RUN:
            yield start, stop
        pos = stop


def find_wallets(data: bytes, after: int = 0) -> Iterator[Wallet]:
    """Every valid address in `data` (ASCII-compatible text), in order, repeats included;
    `after`: only those ending past this offset (the rest was searched already)."""
    for start, stop in _runs(data):
        if stop <= after:
            continue
        wallet = check_address(data[start:stop].decode("ascii"))
        if wallet is not None:
            yield wallet
