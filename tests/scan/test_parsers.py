"""Property tests for the parsers that read hostile bytes: they report, they never crash."""

from __future__ import annotations

import contextlib
import io
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from synthtrace.analyze.exif import UserCommentError, decode_user_comment
from synthtrace.analyze.pngtext import PNG_SIGNATURE, read_png_text
from tests.builders import chunk

keywords = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=79
)
texts = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300)


@given(st.binary(max_size=2000))
@settings(max_examples=300)
def test_png_text_reader_never_raises(data: bytes) -> None:
    result = read_png_text(io.BytesIO(PNG_SIGNATURE + data), limit=1 << 16)
    assert isinstance(result.errors, list)


@given(st.lists(st.tuples(st.sampled_from(["tEXt", "zTXt", "iTXt"]), keywords, texts), max_size=6))
def test_png_text_round_trip(items: list[tuple[str, str, str]]) -> None:
    body = PNG_SIGNATURE
    for ctype, key, text in items:
        k = key.encode("latin-1")
        if ctype == "tEXt":
            body += chunk(b"tEXt", k + b"\x00" + text.encode("latin-1"))
        elif ctype == "zTXt":
            body += chunk(b"zTXt", k + b"\x00\x00" + zlib.compress(text.encode("latin-1")))
        else:
            body += chunk(
                b"iTXt", k + b"\x00\x01\x00en\x00" + k + b"\x00" + zlib.compress(text.encode())
            )
    body += chunk(b"IEND", b"")
    result = read_png_text(io.BytesIO(body), limit=1 << 16)
    assert result.errors == []
    assert [(c.type, c.keyword, c.text) for c in result.chunks] == items


def test_png_text_limits_and_bombs() -> None:
    big = chunk(b"tEXt", b"k\x00" + b"a" * 5000)
    bomb = chunk(b"zTXt", b"z\x00\x00" + zlib.compress(b"\x00" * 100_000))
    result = read_png_text(io.BytesIO(PNG_SIGNATURE + big + bomb + chunk(b"IEND", b"")), limit=4096)
    assert result.chunks == []
    assert len(result.errors) == 2
    assert "exceeds" in result.errors[0] and "limit" in result.errors[1]


@given(st.text(max_size=200))
def test_user_comment_unicode_round_trip(text: str) -> None:
    for codec in ("utf-16-be", "utf-16-le"):
        raw = b"UNICODE\x00" + text.encode(codec, errors="surrogatepass")
        try:
            decoded = decode_user_comment(raw)
        except UserCommentError:
            continue
        if text.isascii():
            assert decoded == text.rstrip("\x00")


@given(st.binary(max_size=300))
def test_user_comment_never_crashes(raw: bytes) -> None:
    with contextlib.suppress(UserCommentError):
        assert isinstance(decode_user_comment(raw), str)


def test_user_comment_encodings() -> None:
    assert decode_user_comment(b"ASCII\x00\x00\x00Steps: 20") == "Steps: 20"
    assert (
        decode_user_comment(b"UNICODE\x00" + "a lake, dawn".encode("utf-16-be")) == "a lake, dawn"
    )
    assert (
        decode_user_comment(b"UNICODE\x00" + "a lake, dawn".encode("utf-16-le")) == "a lake, dawn"
    )
    assert decode_user_comment(b"\x00" * 8 + "plain utf-8 é".encode()) == "plain utf-8 é"
    try:
        decode_user_comment(b"UNICODE\x00abc")
        raise AssertionError("odd-length UTF-16 must be an error")
    except UserCommentError:
        pass
