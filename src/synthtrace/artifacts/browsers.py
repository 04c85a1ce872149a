"""Which browser a profile file belongs to, from where it sits (the file formats are shared by
the whole family: Edge, Brave, Opera and Vivaldi all write Chromium's History)."""

from __future__ import annotations

# First match wins: more specific markers before the family's generic ones. Paths as Windows,
# macOS, Linux and Android keep them, lower case, with "/" separators.
MARKERS: dict[str, tuple[tuple[str, str], ...]] = {
    "chromium": (
        ("microsoft/edge", "edge"),
        ("com.microsoft.emmx", "edge"),
        ("bravesoftware", "brave"),
        ("com.brave.browser", "brave"),
        ("vivaldi", "vivaldi"),
        ("opera software", "opera"),
        ("com.operasoftware", "opera"),
        ("com.opera", "opera"),
        ("/opera", "opera"),
        ("google/chrome", "chrome"),
        ("google-chrome", "chrome"),
        ("com.android.chrome", "chrome"),
        ("chromium", "chromium"),
    ),
    "firefox": (
        ("tor browser", "tor"),
        ("torbrowser", "tor"),
        ("tor-browser", "tor"),
        ("org.torproject", "tor"),
        ("firefox", "firefox"),
    ),
    "safari": (("safari", "safari"),),
}
DEFAULT = {"chromium": "chromium", "firefox": "firefox", "safari": "safari"}


def browser_of(address: str, family: str) -> str:
    where = address.replace("\\", "/").lower()
    for marker, name in MARKERS.get(family, ()):
        if marker in where:
            return name
    return DEFAULT.get(family, family)
