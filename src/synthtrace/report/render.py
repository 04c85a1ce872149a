"""The report as HTML (Jinja2, one self-contained file) and as PDF (WeasyPrint, offline).

Charts and the optional thumbnails are embedded as `data:` URIs, so the HTML file travels alone
and the PDF renderer never needs to fetch anything: its URL fetcher refuses every other URL.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from synthtrace.report import charts
from synthtrace.report.facts import ReportFacts


@dataclass(frozen=True)
class Thumbnail:
    sha256: str
    where: str
    why: str
    uri: str  # data:image/jpeg;base64,... of the blurred, greyscale picture


ZWSP = "\u200b"
_LONG = re.compile(r"[^\s\u200b]{24}")


def breakable(text: object) -> str:
    """Text with invisible break points after path separators and in long runs, so a table
    cell holding a long address or hash wraps instead of running off the page."""
    value = str(text)
    for sep in ("/", "\\", "_", ".", "!", "-", ","):
        value = value.replace(sep, sep + ZWSP)
    return _LONG.sub(lambda m: m.group(0) + ZWSP, value)


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _svg_uri(svg: str | None) -> str | None:
    return data_uri("image/svg+xml", svg.encode("utf-8")) if svg else None


def render_html(facts: ReportFacts, thumbnails: list[Thumbnail] | None = None) -> str:
    labels = [d.label for d in facts.devices]
    drawn = {
        "devices": charts.devices_chart(facts.devices),
        "categories": charts.categories_chart(
            facts.by_device, facts.categories, facts.uncategorised, labels
        ),
        "sharing": charts.sharing_chart(labels, facts.sharing),
        "generated": charts.generated_chart(facts.generated),
        "timeline": charts.timeline_chart(facts.timeline),
    }
    env = Environment(
        loader=PackageLoader("synthtrace.report", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["breakable"] = breakable
    known = {code for code, _ in facts.categories}
    other = sorted({c for counts in facts.by_device.values() for c in counts} - known)
    return env.get_template("report.html").render(
        f=facts,
        charts={k: _svg_uri(v) for k, v in drawn.items()},
        other_codes=other,
        thumbnails=thumbnails,
    )


def _offline_fetcher() -> Any:
    """Only `data:` URIs: a report is rendered offline and reads nothing from the network; a
    reference to anything else fails the rendering instead of leaving a hole in the PDF."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint 68 and later
        return urls.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)

    def fetch(url: str, *args: Any, **kwargs: Any) -> Any:  # earlier releases: a function
        if not url.startswith("data:"):
            raise ValueError(f"the report refers to {url!r}; only embedded data is rendered")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=html, url_fetcher=_offline_fetcher()).write_pdf()
    return pdf
