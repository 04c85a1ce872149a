"""Times and hosts as the artifact pass computes them, checked against the reference libraries:
dfdatetime for the browsers' clocks, urllib for URLs."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from dfdatetime import cocoa_time, posix_time, webkit_time
from hypothesis import given
from hypothesis import strategies as st

from synthtrace.artifacts import times
from synthtrace.artifacts.urls import domain_of, host_of, registrable

# WebKit values for 1601-01-01 .. 9999-12-31.
WEBKIT_MAX = 265046774399999999


def _iso(values: object) -> str:
    text = values.CopyToDateTimeStringISO8601()  # type: ignore[attr-defined]
    return str(text).replace(".000000+00:00", "Z").replace("+00:00", "Z")


@given(st.integers(min_value=1, max_value=WEBKIT_MAX))
def test_webkit_agrees_with_dfdatetime(value: int) -> None:
    assert times.webkit(value) == _iso(webkit_time.WebKitTime(timestamp=value))


@given(st.integers(min_value=1, max_value=253402300799999999))
def test_prtime_agrees_with_dfdatetime(value: int) -> None:
    assert times.prtime(value) == _iso(posix_time.PosixTimeInMicroseconds(timestamp=value))


@given(st.integers(min_value=-978307200, max_value=3_000_000_000))
def test_cocoa_whole_seconds_agree_with_dfdatetime(value: int) -> None:
    assert times.cocoa(value) == _iso(cocoa_time.CocoaTime(timestamp=value))


def test_known_instants_and_nonsense() -> None:
    # 2024-03-05T14:30:15.123456Z on each browser's clock, computed by hand.
    when = datetime(2024, 3, 5, 14, 30, 15, 123456, tzinfo=UTC)
    unix_us = int(when.timestamp()) * 1_000_000 + 123456
    assert times.webkit(unix_us + 11644473600 * 1_000_000) == "2024-03-05T14:30:15.123456Z"
    assert times.prtime(unix_us) == "2024-03-05T14:30:15.123456Z"
    assert times.cocoa(unix_us / 1e6 - 978307200) == "2024-03-05T14:30:15.123456Z"
    assert times.unix_ms(unix_us // 1000) == "2024-03-05T14:30:15.123000Z"
    for bad in (0, -1, 2**63 - 1, True, "13350000000000000", None, float("nan"), float("inf")):
        assert times.webkit(bad) is None
        assert times.prtime(bad) is None
    assert times.cocoa(1e300) is None and times.cocoa(float("nan")) is None


@given(
    st.sampled_from(["http", "https", "HTTPS", "ftp"]),
    st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}\.){1,3}[a-z]{2,6}", fullmatch=True),
    st.sampled_from(["", ":8080", ":1"]),
    st.sampled_from(["", "user@", "a:b@"]),
    st.text(alphabet="abc/?#=&%.", max_size=20),
)
def test_host_agrees_with_urlsplit(
    scheme: str, host: str, port: str, userinfo: str, rest: str
) -> None:
    url = f"{scheme}://{userinfo}{host}{port}/{rest}"
    assert host_of(url) == urlsplit(url).hostname


def test_domains() -> None:
    assert domain_of("https://shop.example.co.uk/x") == ("shop.example.co.uk", "example.co.uk")
    assert domain_of("https://a.b.platform.invalid/") == (
        "a.b.platform.invalid",
        "platform.invalid",
    )
    assert domain_of("http://[2001:db8::1]:80/") == ("2001:db8::1", "2001:db8::1")
    assert domain_of("file:///C:/Users/x") == (None, None)
    assert domain_of("about:blank") == (None, None)
    assert registrable("localhost") is None


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_sql_times_agree_with_python(value: int) -> None:
    import sqlite3

    con = sqlite3.connect(":memory:")
    try:
        got = con.execute(
            f"SELECT {times.sql_iso(':v', 'webkit')}, {times.sql_iso(':v', 'prtime')}",
            {"v": value},
        ).fetchone()
    finally:
        con.close()
    assert got == (times.webkit(value), times.prtime(value))


def test_browser_told_from_the_profile_path() -> None:
    from synthtrace.artifacts.browsers import browser_of

    cases = {
        "Users/a/AppData/Local/Microsoft/Edge/User Data/Default/History": "edge",
        "Users/a/AppData/Local/BraveSoftware/Brave-Browser/User Data/Default/History": "brave",
        "Users/a/AppData/Roaming/Opera Software/Opera Stable/History": "opera",
        "Users/a/AppData/Local/Vivaldi/User Data/Default/History": "vivaldi",
        "Users/a/Library/Application Support/Google/Chrome/Default/History": "chrome",
        "home/a/.config/chromium/Default/History": "chromium",
        "data/data/com.android.chrome/app_chrome/Default/History": "chrome",
        "backup.zip!/profile/History": "chromium",
    }
    for path, name in cases.items():
        assert browser_of(path, "chromium") == name, path
    tor = "Tor Browser/Browser/TorBrowser/Data/Browser/profile.default/places.sqlite"
    assert browser_of(tor, "firefox") == "tor"
    assert browser_of("home/a/.mozilla/firefox/x.default/places.sqlite", "firefox") == "firefox"
    assert browser_of("Users/a/Library/Safari/History.db", "safari") == "safari"
