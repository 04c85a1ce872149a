"""Reading single properties out of an XMP packet without an XML parser.

Hand-written on purpose: XMP from evidence is hostile input, and the standard library's XML parsers
expand entities (a few hundred bytes can expand to gigabytes); generators write a handful of simple
properties that a bounded regular expression reads exactly.
"""

from __future__ import annotations

import html
import re

MAX_VALUES = 64


def xmp_values(xmp: str | None, prop: str) -> list[str]:
    """Every value of property `prop` (e.g. "exif:UserComment"), as element or as attribute.

    For rdf:Alt/Seq/Bag containers, each rdf:li is one value; entities are unescaped.
    """
    if not xmp or prop not in xmp:
        return []
    name = re.escape(prop)
    out: list[str] = []
    for m in re.finditer(rf'{name}\s*=\s*"([^"]*)"|{name}\s*=\s*\'([^\']*)\'', xmp):
        out.append(html.unescape(m.group(1) if m.group(1) is not None else m.group(2)))
        if len(out) >= MAX_VALUES:
            return out
    close = f"</{prop}>"
    for m in re.finditer(rf"<{name}(?:\s[^<>]{{0,2000}})?>", xmp):
        end = xmp.find(close, m.end())
        if end < 0:
            break  # no later opening tag can have a closing tag either: stop (linear time)
        body = xmp[m.end() : end]
        for item in _items(body) or [body]:
            text = html.unescape(item.strip())
            if text:
                out.append(text)
        if len(out) >= MAX_VALUES:
            break
    return out[:MAX_VALUES]


def _items(body: str) -> list[str]:
    """The rdf:li values of a container, found in linear time."""
    out = []
    for m in re.finditer(r"<rdf:li(?:\s[^<>]{0,2000})?>", body):
        end = body.find("</rdf:li>", m.end())
        if end < 0:
            break
        out.append(body[m.end() : end])
        if len(out) >= MAX_VALUES:
            break
    return out


def xmp_value(xmp: str | None, prop: str) -> str | None:
    values = xmp_values(xmp, prop)
    return values[0] if values else None
