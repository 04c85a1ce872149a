"""Hosts and registrable domains of URLs, as links between devices compare them.

The registrable domain ("shop.example.co.uk" -> "example.co.uk") comes from the Public Suffix
List as the `publicsuffixlist` package ships it: offline, never fetched at run time.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

_PSL = PublicSuffixList()


@lru_cache(maxsize=65536)
def registrable(host: str) -> str | None:
    """The domain a person registers for `host`, an IP address as itself, None for neither."""
    host = host.strip(".").lower()
    if not host:
        return None
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    if "." not in host:
        return host if host != "localhost" else None
    return _PSL.privatesuffix(host) or host


_WEB_SCHEMES = frozenset(("http", "https", "ftp", "ws", "wss"))
_AUTHORITY_END = re.compile(r"[/?#\\]")


def host_of(url: str) -> str | None:
    """The lower-case host of a web URL (None for file:, about:, data: and the like).

    Read by hand, not with urllib's urlsplit: a history has a URL per visit, and urlsplit cost
    more than the rest of a visit's reading; anything unusual goes to urlsplit still.
    """
    sep = url.find("://", 0, 16)
    if sep <= 0 or url[:sep].lower() not in _WEB_SCHEMES:
        return None
    start = sep + 3
    end_match = _AUTHORITY_END.search(url, start)
    authority = url[start : end_match.start() if end_match else len(url)]
    host = authority.rpartition("@")[2]
    if host.startswith("[") or host.count(":") > 1:
        return _host_by_urlsplit(url)
    name, colon, port = host.partition(":")
    if colon and port and not port.isdigit():
        return _host_by_urlsplit(url)
    name = name.strip(".").lower()
    return name or None


def _host_by_urlsplit(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.strip(".").lower() if host else None


def domain_of(url: str | None) -> tuple[str | None, str | None]:
    """(host, registrable domain) of a URL."""
    if not url:
        return None, None
    host = host_of(url)
    return host, registrable(host) if host else None


def normalise_domain(text: str) -> str | None:
    """A domain as typed by a person ("WWW.Example.ORG.") as compared: lower case, no dots at
    the ends, IDNA (punycode) for non-ASCII names."""
    text = text.strip().strip(".").lower()
    if not text or any(c in text for c in " /\\@:"):
        return None
    try:
        return text.encode("idna").decode("ascii")
    except UnicodeError:
        return None
