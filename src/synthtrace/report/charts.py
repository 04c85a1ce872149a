"""The report's charts, drawn with matplotlib as SVG (vector: sharp in print, no fonts needed).

Figures are built with `matplotlib.figure.Figure` on the Agg-free SVG backend, never through
pyplot's global state, so a report can be drawn in any thread or process. Each function returns
SVG text, or None when there is nothing to draw.
"""

from __future__ import annotations

import io
import math

from matplotlib.figure import Figure

from synthtrace.report.facts import DeviceFacts

PALETTE = ("#31688e", "#35b779", "#fde725", "#440154", "#e07a5f", "#3d405b", "#81b29a", "#f2cc8f")
WIDTH = 7.0  # inches: fits an A4 page with margins


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def devices_chart(devices: list[DeviceFacts]) -> str | None:
    """Files, pictures, videos and files with errors per device (grouped bars)."""
    if not devices:
        return None
    fig = Figure(figsize=(WIDTH, 0.6 + 0.55 * len(devices)))
    ax = fig.add_subplot()
    series = [
        ("files", [d.files for d in devices]),
        ("pictures", [d.pictures for d in devices]),
        ("videos", [d.videos for d in devices]),
        ("with errors", [d.errors for d in devices]),
    ]
    height = 0.8 / len(series)
    for i, (name, values) in enumerate(series):
        ys = [y + i * height for y in range(len(devices))]
        ax.barh(ys, values, height=height, label=name, color=PALETTE[i])
    ax.set_yticks([y + 0.4 - height / 2 for y in range(len(devices))])
    ax.set_yticklabels([d.label for d in devices])
    ax.invert_yaxis()
    ax.set_xlabel("files")
    ax.legend(loc="lower right", fontsize="small")
    return _svg(fig)


def categories_chart(
    by_device: dict[str, dict[str, int]],
    categories: list[tuple[str, str]],
    uncategorised: dict[str, int],
    labels: list[str],
) -> str | None:
    """Distinct contents per category per device (stacked bars), uncategorised last."""
    if not any(by_device.values()) and not any(uncategorised.values()):
        return None
    fig = Figure(figsize=(WIDTH, 0.8 + 0.5 * len(labels)))
    ax = fig.add_subplot()
    left = [0] * len(labels)
    codes = [*categories, *[(c, c) for c in _other_codes(by_device, categories)]]
    for i, (code, name) in enumerate(codes):
        values = [by_device.get(lb, {}).get(code, 0) for lb in labels]
        if any(values):
            ax.barh(labels, values, left=left, label=f"{code} {name}", color=PALETTE[i % 8])
            left = [a + b for a, b in zip(left, values, strict=True)]
    rest = [uncategorised.get(lb, 0) for lb in labels]
    if any(rest):
        ax.barh(labels, rest, left=left, label="not categorised", color="#d0d0d0")
    ax.invert_yaxis()
    ax.set_xlabel("distinct pictures and videos")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return _svg(fig)


def _other_codes(
    by_device: dict[str, dict[str, int]], categories: list[tuple[str, str]]
) -> list[str]:
    known = {c for c, _ in categories}
    return sorted({c for counts in by_device.values() for c in counts} - known)


def sharing_chart(labels: list[str], edges: list[tuple[str, str, int]]) -> str | None:
    """Devices as nodes on a circle, an edge for each pair sharing near-duplicate clusters,
    as wide as the number of clusters they share and labelled with it."""
    if not edges:
        return None
    n = len(labels)
    pos = {
        lb: (
            math.cos(math.pi / 2 - 2 * math.pi * i / n),
            math.sin(math.pi / 2 - 2 * math.pi * i / n),
        )
        for i, lb in enumerate(labels)
    }
    fig = Figure(figsize=(WIDTH * 0.7, WIDTH * 0.6))
    ax = fig.add_subplot()
    most = max(e[2] for e in edges)
    for a, b, count in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        ax.plot([xa, xb], [ya, yb], color="#e07a5f", linewidth=1.5 + 6 * count / most, zorder=1)
        ax.text(
            (xa + xb) / 2,
            (ya + yb) / 2,
            f"{count} shared",
            ha="center",
            va="center",
            fontsize="small",
            bbox={"boxstyle": "round", "fc": "white", "ec": "#e07a5f"},
            zorder=3,
        )
    for lb, (x, y) in pos.items():
        ax.scatter([x], [y], s=900, color="#31688e", zorder=2)
        ax.text(x, y - 0.22, lb, ha="center", va="top", fontsize="medium", zorder=3)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.6, 1.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return _svg(fig)


def generated_chart(generated: list[tuple[str, str, str, int, int]]) -> str | None:
    """Generated pictures (files) per device, tool and model."""
    if not generated:
        return None
    rows = generated[:20]
    fig = Figure(figsize=(WIDTH, 0.6 + 0.4 * len(rows)))
    ax = fig.add_subplot()
    names = [f"{lb} · {tool} · {model}" for lb, tool, model, _, _ in rows]
    devices = sorted({r[0] for r in rows})
    colours = [PALETTE[devices.index(r[0]) % 8] for r in rows]
    ax.barh(names, [r[3] for r in rows], color=colours)
    ax.invert_yaxis()
    ax.set_xlabel("generated pictures (files)")
    return _svg(fig)


def timeline_chart(timeline: dict[str, list[tuple[str, int]]]) -> str | None:
    """Files per month of their modification time, one line per device."""
    if not timeline:
        return None
    fig = Figure(figsize=(WIDTH, 3.0))
    ax = fig.add_subplot()

    def month(m: str) -> int:
        return int(m[:4]) * 12 + int(m[5:7]) - 1

    for i, (label, points) in enumerate(sorted(timeline.items())):
        xs = [month(m) for m, _ in points]
        ax.plot(xs, [n for _, n in points], marker="o", label=label, color=PALETTE[i % 8])
    first = min(month(m) for points in timeline.values() for m, _ in points)
    last = max(month(m) for points in timeline.values() for m, _ in points)
    step = max(1, math.ceil((last - first + 1) / 8))
    ticks = list(range(first, last + 1, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t // 12}-{t % 12 + 1:02d}" for t in ticks], rotation=30, ha="right")
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_ylabel("files modified")
    ax.legend(fontsize="small")
    return _svg(fig)
