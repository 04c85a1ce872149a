"""Download origins from Zone.Identifier streams and macOS extended attributes."""

from __future__ import annotations

import plistlib

from hypothesis import given
from hypothesis import strategies as st

from synthtrace.evidence.origin import (
    merge,
    parse_quarantine,
    parse_where_froms,
    parse_zone_identifier,
)


def test_zone_identifier_as_browsers_write_it() -> None:
    text = (
        "[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://shop.example.net/page\r\n"
        "HostUrl=https://files.example.net/x/barn.jpg\r\n"
    )
    for data in (text.encode(), text.encode("utf-16"), b"\xef\xbb\xbf" + text.encode()):
        assert parse_zone_identifier(data) == {
            "source": "Zone.Identifier",
            "zone_id": 3,
            "host_url": "https://files.example.net/x/barn.jpg",
            "referrer_url": "https://shop.example.net/page",
            "zone": "internet",
        }


def test_zone_identifier_without_urls_keeps_the_zone() -> None:
    origin = parse_zone_identifier(b"[ZoneTransfer]\nZoneId=4\n")
    assert origin is not None
    assert origin["zone_id"] == 4 and origin["host_url"] is None and origin["zone"] == "restricted"
    assert parse_zone_identifier(b"nothing here") is None
    assert parse_zone_identifier(b"[ZoneTransfer]\nZoneId=x\n") is None


@given(st.binary(max_size=400))
def test_any_stream_gives_an_origin_or_none(data: bytes) -> None:
    origin = parse_zone_identifier(data)
    assert origin is None or origin["source"] == "Zone.Identifier"
    quarantine = parse_quarantine(data)
    assert quarantine is None or quarantine["source"] == "com.apple.quarantine"
    where = parse_where_froms(data)
    assert where is None or where["source"] == "com.apple.metadata:kMDItemWhereFroms"


def test_macos_quarantine_and_where_froms_make_one_origin() -> None:
    quarantine = parse_quarantine(b"0083;65a0c1f0;Safari;5A1B2C3D-0000-4000-8000-000000000000")
    assert quarantine is not None
    assert quarantine["time"] == "2024-01-12T04:37:04Z" and quarantine["agent"] == "Safari"
    where = parse_where_froms(
        plistlib.dumps(
            ["https://files.example.net/barn.jpg", "https://shop.example.net/"],
            fmt=plistlib.FMT_BINARY,
        )
    )
    assert where is not None
    origin = merge(quarantine, where)
    assert origin is not None
    assert origin["source"] == "com.apple.quarantine+com.apple.metadata:kMDItemWhereFroms"
    assert origin["host_url"] == "https://files.example.net/barn.jpg"
    assert origin["referrer_url"] == "https://shop.example.net/"
    assert origin["time"] == "2024-01-12T04:37:04Z"
