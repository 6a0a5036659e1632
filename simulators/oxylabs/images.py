"""The product images the simulated catalogue names, drawn on request as Amazon's image CDN
would serve them, so a page showing them works with no Internet.

Amazon's image URLs look like `https://m.media-amazon.com/images/I/<id>._AC_SL1500_.jpg`:
`<id>` names the picture and the `._<modifiers>_` before the extension ask for a size (`SL1500`
scales the longest side to 1500 px, `SS57` a 57 px square, `SX300`/`SY300` the width or the
height, `UL320` and kin likewise). The CDN answers a JPEG (`image/jpeg`) cached for a year. The
simulator draws a square picture (a tinted card with a product-like shape, its colours from the
id) at the asked size; the same URL always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
from functools import lru_cache
from typing import Final

from PIL import Image, ImageDraw

#: `<id>` then optional `._<modifiers>_` then `.jpg` (what the catalogue names).
IMAGE_NAME: Final = re.compile(
    r"^(?P<id>[A-Za-z0-9+\-]{6,20})(?:\._(?P<modifiers>[A-Za-z0-9_,]+)_)?\.(?:jpg|jpeg)$"
)
_SIZE: Final = re.compile(r"(?:^|_)[SU][LSXY](?P<size>\d{1,4})(?:_|$)")
#: What the CDN serves without a size modifier (the image as uploaded; ours are this big).
ORIGINAL_SIZE: Final = 500
#: The largest side the simulator draws (Amazon's zoom images stop near here).
MAX_SIZE: Final = 2000
ONE_YEAR_SECONDS: Final = 365 * 24 * 3600


def image_size(modifiers: str | None) -> int:
    """The side in pixels the modifiers ask for (`AC_SL1500` is 1500), capped at MAX_SIZE."""
    found = _SIZE.search(modifiers or "")
    if found is None:
        return ORIGINAL_SIZE
    return max(1, min(int(found["size"]), MAX_SIZE))


@lru_cache(maxsize=256)
def product_jpeg(image_id: str, size: int) -> bytes:
    """A `size` x `size` JPEG for `image_id`: always the same bytes for the same arguments."""
    digest = hashlib.sha256(image_id.encode()).digest()
    hue = digest[0] / 255
    base = _colour(hue, 0.55, 0.45)
    tint = _colour(hue, 0.25, 0.94)
    picture = Image.new("RGB", (size, size), tint)
    draw = ImageDraw.Draw(picture)
    inset = size // 5
    shape = digest[1] % 3
    box = (inset, inset, size - inset, size - inset)
    if shape == 0:
        draw.ellipse(box, fill=base)
    elif shape == 1:
        draw.rounded_rectangle(box, radius=max(1, size // 12), fill=base)
    else:
        draw.polygon(
            [(size // 2, inset), (size - inset, size - inset), (inset, size - inset)], fill=base
        )
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _colour(hue: float, saturation: float, lightness: float) -> tuple[int, int, int]:
    """HSL to 8-bit RGB."""
    chroma = (1 - abs(2 * lightness - 1)) * saturation
    sector = hue * 6
    second = chroma * (1 - abs(sector % 2 - 1))
    red, green, blue = [
        (chroma, second, 0.0),
        (second, chroma, 0.0),
        (0.0, chroma, second),
        (0.0, second, chroma),
        (second, 0.0, chroma),
        (chroma, 0.0, second),
    ][int(sector) % 6]
    light = lightness - chroma / 2
    return (round((red + light) * 255), round((green + light) * 255), round((blue + light) * 255))
