"""Three benign "seized devices" holding real browser profiles, built on the fly.

- laptop-A (Windows): Chrome (History with a `-wal`, Login Data), Firefox (places.sqlite,
  logins.json), two downloaded pictures, a note with a Monero address and a mistyped Bitcoin one;
- macbook-B (macOS): Safari (History.db with a `-wal`, Downloads.plist), Chrome's Login Data with
  the same user name at the same site as laptop-A, a receipt with the same Monero address, a
  recompressed copy of laptop-A's downloaded picture;
- phone-C.zip (Android, in an archive): Brave's History, visiting example.com only.

Only reserved domains (`.invalid`, example.org, example.com) and benign pictures.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.artifacts.profiles import (
    Download,
    Login,
    Visit,
    chrome_history,
    chrome_logins,
    firefox_logins,
    firefox_places,
    safari_downloads,
    safari_history,
)
from tests.builders import small_jpeg, write, zip_bytes

MONERO = (  # the Monero general fund's address, as Monero's documentation prints it
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3"
    "XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
)
BTC = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
BTC_MISTYPED = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"
TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
USER = "nightowl"

T = {
    "a_login": datetime(2024, 3, 5, 14, 30, 15, 123456, tzinfo=UTC),
    "a_gallery": datetime(2024, 3, 5, 14, 31, 2, tzinfo=UTC),
    "a_members": datetime(2024, 3, 5, 14, 40, 0, 500000, tzinfo=UTC),  # only in History-wal
    "a_news": datetime(2024, 2, 1, 8, 0, 0, tzinfo=UTC),
    "a_search": datetime(2024, 2, 1, 8, 5, 0, tzinfo=UTC),
    "a_explorer": datetime(2024, 3, 6, 9, 15, 30, tzinfo=UTC),
    "a_download": datetime(2024, 3, 5, 14, 32, 10, 250000, tzinfo=UTC),
    "a_ff_visit": datetime(2023, 12, 24, 18, 0, 1, 999999, tzinfo=UTC),
    "a_ff_download": datetime(2023, 12, 24, 18, 2, 0, tzinfo=UTC),
    "a_ff_login": datetime(2023, 12, 24, 18, 1, 0, 123000, tzinfo=UTC),
    "b_visit": datetime(2024, 4, 1, 22, 10, 5, 750000, tzinfo=UTC),
    "b_wal": datetime(2024, 4, 1, 22, 11, 0, tzinfo=UTC),  # only in History.db-wal
    "b_news": datetime(2024, 4, 2, 7, 0, 0, tzinfo=UTC),
    "b_download": datetime(2024, 4, 1, 22, 12, 30, tzinfo=UTC),
    "b_login": datetime(2024, 4, 1, 22, 9, 0, tzinfo=UTC),
    "c_visit": datetime(2024, 5, 9, 12, 0, 0, tzinfo=UTC),
}

CHROME_A = "Users/alex/AppData/Local/Google/Chrome/User Data/Default"
FIREFOX_A = "Users/alex/AppData/Roaming/Mozilla/Firefox/Profiles/x1y2z3.default-release"
SAFARI_B = "Users/bo/Library/Safari"
CHROME_B = "Users/bo/Library/Application Support/Google/Chrome/Default"
BRAVE_C = "data/data/com.brave.browser/app_chrome/Default"


def laptop_a(root: Path) -> Path:
    dev = root / "laptop-A"
    chrome_history(
        dev / CHROME_A / "History",
        [
            Visit("https://platform.invalid/login", "Members' login", T["a_login"], typed=True),
            Visit("https://platform.invalid/gallery?page=2", "Gallery", T["a_gallery"]),
            Visit("https://www.example.org/news/today", "Example news", T["a_news"]),
            Visit("https://www.google.com/search?q=weather", "weather - Search", T["a_search"]),
            Visit(f"https://explorer.example.com/address/{BTC}", "Address", T["a_explorer"]),
        ],
        [
            Download(
                "https://cdn.platform.invalid/f/9f8e7d/hills.jpg",
                "C:\\Users\\alex\\Downloads\\hills.jpg",
                T["a_download"],
                referrer="https://platform.invalid/gallery?page=2",
                chain=["https://platform.invalid/get/9f8e7d"],
            )
        ],
        wal_visits=[Visit("https://platform.invalid/members", "Members", T["a_members"])],
    )
    chrome_logins(
        dev / CHROME_A / "Login Data",
        [Login("https://platform.invalid/login", USER, T["a_login"])],
        never_saved=["https://accounts.example.com/"],
    )
    firefox_places(
        dev / FIREFOX_A / "places.sqlite",
        [Visit("https://example.com/forum/thread/12", "Forum", T["a_ff_visit"])],
        [
            Download(
                "https://files.example.com/coffee.png",
                "C:\\Users\\alex\\Downloads\\coffee.png",
                T["a_ff_download"],
            )
        ],
    )
    firefox_logins(dev / FIREFOX_A / "logins.json", [("https://platform.invalid", T["a_ff_login"])])
    write(dev / "Users/alex/Downloads/hills.jpg", small_jpeg(11, (480, 360)))
    write(dev / "Users/alex/Downloads/coffee.png", _png())
    note = f"to pay: {MONERO}\nold one (typo): {BTC_MISTYPED}\nlater {TAPROOT}.\n"
    write(dev / "Users/alex/Documents/wallet.txt", note.encode())
    return dev


def macbook_b(root: Path) -> Path:
    dev = root / "macbook-B"
    safari_history(
        dev / SAFARI_B / "History.db",
        [
            Visit("https://platform.invalid/login", "Members' login", T["b_visit"]),
            Visit("https://example.org/news/today", "Example news", T["b_news"]),
        ],
        wal_visits=[Visit("https://platform.invalid/gallery", "Gallery", T["b_wal"])],
    )
    safari_downloads(
        dev / SAFARI_B / "Downloads.plist",
        [
            Download(
                "https://cdn.platform.invalid/f/9f8e7d/hills.jpg",
                "~/Downloads/hills_copy.jpg",
                T["b_download"],
            )
        ],
    )
    chrome_logins(
        dev / CHROME_B / "Login Data",
        [Login("https://platform.invalid/login", "NightOwl", T["b_login"])],
    )
    write(dev / "Users/bo/Downloads/hills_copy.jpg", small_jpeg(11, (480, 360), quality=70))
    write(dev / "Users/bo/Documents/receipt.txt", f"Paid to {MONERO} - thanks\n".encode())
    return dev


def phone_c(root: Path) -> Path:
    with_profile = root / "phone-C-build"
    chrome_history(
        with_profile / BRAVE_C / "History",
        [Visit("https://example.com/forum/thread/12", "Forum", T["c_visit"])],
    )
    members = {
        p.relative_to(with_profile).as_posix(): p.read_bytes()
        for p in sorted(with_profile.rglob("*"))
        if p.is_file()
    }
    return write(root / "phone-C.zip", zip_bytes(members))


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(buf, "PNG")
    return buf.getvalue()


def build_devices(root: Path) -> list[tuple[str, Path]]:
    return [
        ("laptop-A", laptop_a(root)),
        ("macbook-B", macbook_b(root)),
        ("phone-C", phone_c(root)),
    ]


INDICATORS = f"""# case indicators (one per line; kind told from the shape)
platform.invalid
{USER}
{MONERO}
https://cdn.platform.invalid/f/
bo@example.net
https://
"""
