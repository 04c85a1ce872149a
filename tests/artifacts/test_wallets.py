"""Wallet addresses: the specifications' test vectors (BIP-173/BIP-350 for bech32 and bech32m,
EIP-55), well-known Base58Check and Monero addresses, and mistyped ones that must not count."""

from __future__ import annotations

import io

import base58
import pytest
from hypothesis import given
from hypothesis import strategies as st

from synthtrace.analyze.content import Content
from synthtrace.artifacts.wallet_analyzer import CHUNK, WalletAnalyzer
from synthtrace.artifacts.wallets import (
    _CHARSET,
    BECH32M,
    _hrp_expand,
    _polymod,
    bech32_decode,
    check_address,
    find_wallets,
    segwit_decode,
)
from synthtrace.limits import Limits
from tests.artifacts.devices import MONERO

# BIP-350 "Test vectors for v0-v16 native segregated witness addresses": address -> scriptPubKey.
SEGWIT_VALID = {
    "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4": "0014751e76e8199196d454941c45d1b3a323f1433bd6",
    "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7": (
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"
    ),
    "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y": (
        "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"
    ),
    "BC1SW50QGDZ25J": "6002751e",
    "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs": "5210751e76e8199196d454941c45d1b3a323",
    "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy": (
        "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"
    ),
    "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c": (
        "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"
    ),
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0": (
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    ),
}
# BIP-350's invalid segwit addresses (each with the reason the BIP gives).
SEGWIT_INVALID = [
    "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",  # invalid HRP
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # bech32 for v1
    "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",  # bech32 for v2
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # bech32 for v16
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # bech32m for v0
    "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",  # bech32m for v0
    "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",  # bad checksum char
    "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",  # witness version 17
    "bc1pw5dgrnzv",  # 1-byte program
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",  # 41 bytes
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # v0 program of 16 bytes
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",  # mixed case
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",  # padding > 4 bits
    "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",  # non-zero padding
    "bc1gmk9yu",  # empty data
]
# BIP-350 "Test vectors for Bech32m": valid strings, and invalid ones.
BECH32M_VALID = [
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]
BECH32M_INVALID = [
    "\x201xj0phk",
    "\x7f1g6xzxy",
    "\x801vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
]
# EIP-55's own examples: all caps, all lower (no checksum to check), mixed case (checked).
EIP55 = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", SEGWIT_VALID)
def test_bip350_valid_segwit_addresses(address: str) -> None:
    decoded = segwit_decode(address)
    assert decoded is not None
    _, version, program = decoded
    script = SEGWIT_VALID[address]
    op = 0 if version == 0 else 0x50 + version
    assert bytes([op, len(program)]) + program == bytes.fromhex(script)


@pytest.mark.parametrize("address", SEGWIT_INVALID)
def test_bip350_invalid_segwit_addresses(address: str) -> None:
    assert check_address(address) is None
    if not address.startswith("tc1"):  # that one is well formed, for a network nobody uses
        assert segwit_decode(address) is None


@pytest.mark.parametrize("text", BECH32M_VALID)
def test_bip350_valid_bech32m_strings(text: str) -> None:
    decoded = bech32_decode(text)
    assert decoded is not None and decoded[2] == BECH32M


@pytest.mark.parametrize("text", BECH32M_INVALID)
def test_bip350_invalid_bech32m_strings(text: str) -> None:
    decoded = bech32_decode(text)
    assert decoded is None or decoded[2] != BECH32M


def test_mainnet_segwit_addresses_are_bitcoin_wallets() -> None:
    taproot = check_address("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0")
    assert taproot is not None and (taproot.currency, taproot.type) == ("bitcoin", "taproot")
    upper = check_address("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")
    assert upper is not None and upper.value == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    assert check_address("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7") is None


def _bech32_encode(hrp: str, version: int, program: bytes) -> str:
    """BIP-173/350's reference encoder, to make a Litecoin address from a BIP vector."""
    acc = bits = 0
    data = [version]
    for b in program:
        acc, bits = (acc << 8) | b, bits + 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    const = 1 if version == 0 else BECH32M
    poly = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ const
    check = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + check)


def test_litecoin_addresses() -> None:
    program = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")
    ltc = check_address(_bech32_encode("ltc", 0, program))
    assert ltc is not None and (ltc.currency, ltc.type) == ("litecoin", "p2wpkh")
    legacy = base58.b58encode_check(bytes([0x30]) + program).decode()  # an "L..." address
    found = check_address(legacy)
    assert found is not None and (found.currency, found.type) == ("litecoin", "p2pkh")
    p2sh = base58.b58encode_check(bytes([0x32]) + program).decode()  # an "M..." address
    assert (check_address(p2sh) or found).type == "p2sh"


def test_base58check_bitcoin_addresses_and_typos() -> None:
    p2pkh = check_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")  # the Bitcoin wiki's example
    assert p2pkh is not None and (p2pkh.currency, p2pkh.type) == ("bitcoin", "p2pkh")
    p2sh = check_address("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")
    assert p2sh is not None and p2sh.type == "p2sh"
    assert check_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3") is None  # last character changed
    assert check_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNV") is None  # truncated
    assert check_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0") is None  # 0 is not Base58


@pytest.mark.parametrize("address", EIP55)
def test_eip55_examples(address: str) -> None:
    wallet = check_address(address)
    assert wallet is not None and wallet.currency == "ethereum"
    mixed = address[2:] != address[2:].lower() and address[2:] != address[2:].upper()
    assert wallet.checksum == ("eip55" if mixed else "none")


def test_eip55_mixed_case_typo_is_rejected() -> None:
    # One letter's case flipped: the checksum no longer holds.
    assert check_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD") is None
    assert check_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe") is None
    assert check_address("0x0000000000000000000000000000000000000000") is None


def test_monero_addresses() -> None:
    standard = check_address(MONERO)
    assert standard is not None and (standard.currency, standard.type) == ("monero", "standard")
    sub = check_address(
        "888tNkZrPN6JsEgekjMnABU4TBzc2Dt29EPAvkRxbANsAnjyPbb3iQ1YBRk1UXcdRsiKc9dhwMVgN5S9cQUiyoogDavup3H"
    )
    assert sub is not None and sub.type == "subaddress"
    typo = MONERO[:50] + ("B" if MONERO[50] != "B" else "C") + MONERO[51:]
    assert check_address(typo) is None


def test_finder_in_text_and_at_chunk_edges() -> None:
    text = f"send to {MONERO}, or 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3 (typo) or\n".encode()
    assert [w.value for w in find_wallets(text)] == [MONERO]
    # An address cut by the analyzer's chunk edge is found once, and counted once.
    filler = b"x " * ((CHUNK - 20) // 2)
    big = filler + MONERO.encode() + b" " + filler + MONERO.encode() + b"\n"
    content = Content(
        path="notes/big.txt",
        mime="text/plain",
        size=len(big),
        sha256="0" * 64,
        open=lambda: io.BytesIO(big),
    )
    result = WalletAnalyzer().analyze(content, Limits())
    assert result.facts == [
        {
            "currency": "monero",
            "value": MONERO,
            "type": "standard",
            "checksum": "keccak",
            "count": 2,
        }
    ]


def test_utf16_notes_and_non_text_are_handled() -> None:
    data = f"\ufeffwallet {MONERO}\r\n".encode("utf-16-le")
    content = Content("n.txt", "text/plain", len(data), "0" * 64, lambda: io.BytesIO(data), data)
    facts = WalletAnalyzer().analyze(content, Limits()).facts
    assert facts is not None and facts[0]["value"] == MONERO
    binary = Content("x.bin", "application/octet-stream", 4, "0" * 64, lambda: io.BytesIO(b""))
    assert WalletAnalyzer().analyze(binary, Limits()).facts is None


@given(st.text(min_size=26, max_size=110, alphabet=st.characters(codec="ascii")))
def test_random_text_never_crashes_and_rarely_validates(text: str) -> None:
    wallet = check_address(text)
    if wallet is not None:  # only a checksum-valid address may come out
        assert check_address(wallet.value) is not None
    list(find_wallets(text.encode()))
