"""A video's pictures for review: a contact sheet (its thumbnail) and a strip of frames.

Both are made from the stills the decoding pass kept, spread over the whole decoded length (not the
length the container claims, which may be a lie). The sheet is a 3 x 3 grid in the 256 px thumbnail
every media has, so the queue blurs and greys it exactly like a picture's. The strip keeps a few
frames side by side in equal square tiles; the detail page shows each tile blurred on its own.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

from synthtrace.video.frames import Still

SHEET_GRID = 3
SHEET_SIZE = 256
STRIP_TILES = 8
STRIP_TILE = 160
BACKGROUND = (24, 24, 24)


def spread(stills: Sequence[Still], count: int) -> list[Still]:
    """`count` stills (or all, when fewer) evenly spaced from first to last."""
    if len(stills) <= count:
        return list(stills)
    last = len(stills) - 1
    return [stills[round(i * last / (count - 1))] for i in range(count)]


def _fit(img: Image.Image, side: int, rotation: int) -> Image.Image:
    if rotation % 360:
        img = img.rotate(rotation, expand=True)
    tile = Image.new("RGB", (side, side), BACKGROUND)
    scale = side / max(img.size)
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    part = img.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    tile.paste(part, ((side - size[0]) // 2, (side - size[1]) // 2))
    return tile


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def contact_sheet(stills: Sequence[Still], rotation: int = 0) -> bytes | None:
    chosen = spread(stills, SHEET_GRID * SHEET_GRID)
    if not chosen:
        return None
    cell = SHEET_SIZE // SHEET_GRID
    sheet = Image.new("RGB", (SHEET_SIZE, SHEET_SIZE), BACKGROUND)
    pad = (SHEET_SIZE - cell * SHEET_GRID) // 2
    for k, still in enumerate(chosen):
        row, col = divmod(k, SHEET_GRID)
        sheet.paste(
            _fit(still.image, cell - 2, rotation), (pad + col * cell + 1, pad + row * cell + 1)
        )
    return _jpeg(sheet)


def frame_strip(stills: Sequence[Still], rotation: int = 0) -> tuple[bytes, list[Still]] | None:
    chosen = spread(stills, STRIP_TILES)
    if not chosen:
        return None
    strip = Image.new("RGB", (STRIP_TILE * len(chosen), STRIP_TILE), BACKGROUND)
    for k, still in enumerate(chosen):
        strip.paste(_fit(still.image, STRIP_TILE, rotation), (k * STRIP_TILE, 0))
    return _jpeg(strip), chosen


def strip_tile(strip: Image.Image, index: int) -> Image.Image:
    """Tile `index` of a stored strip (IndexError when there is no such tile)."""
    count = strip.width // STRIP_TILE
    if not 0 <= index < count:
        raise IndexError(f"the strip has {count} frames")
    return strip.crop((index * STRIP_TILE, 0, (index + 1) * STRIP_TILE, STRIP_TILE))
