"""A person's photo as we keep it: decoded with Pillow, turned upright, resized, re-encoded as a
JPEG of its pixels only (no EXIF, GPS, comments or colour profile goes through), and named by
its digest. Runs in a worker thread (decoding is CPU work)."""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ProtocolError, TooLarge

FORMATS = ("JPEG", "PNG", "WEBP", "GIF")  # what may be uploaded
# a decompression bomb is refused before it is decoded; a profile photo needs no more (a
# phone's photo is 12 megapixels): a 16-megapixel source costs about 64 MB while decoded
MAX_SOURCE_PIXELS = 16_000_000
CONTENT_TYPE = "image/jpeg"


def key(pid: str, digest: str) -> str:
    """The blob key of one photo of ``pid`` (a new photo is a new key: no stale caches)."""
    return f"photo:{pid}:{digest}"


def prepare(raw: bytes, side: int, max_bytes: int) -> tuple[bytes, str]:
    """The photo as stored (a JPEG at most ``side`` pixels on its longer side, nothing but its
    pixels) and its digest; ``photo_too_big`` past ``max_bytes``, ``not_an_image`` for what
    Pillow cannot read as a photo, ``photo_too_many_pixels`` for a huge one."""
    if len(raw) > max_bytes:
        raise TooLarge(
            "photo_too_big",
            f"The photo is larger than {max_bytes // 1024} KB, the most this server takes. "
            "Send a smaller one.",
            limit=max_bytes,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(raw), formats=FORMATS)
            width, height = source.size
            if width * height > MAX_SOURCE_PIXELS:
                raise TooLarge(
                    "photo_too_many_pixels",
                    f"The photo is {width}×{height} pixels: send one of at most "
                    f"{MAX_SOURCE_PIXELS // 1_000_000} megapixels (a phone's photo is 12).",
                    limit=MAX_SOURCE_PIXELS,
                )
            source.seek(0)
            source.draft("RGB", (side, side))  # a JPEG is decoded at a fraction of its size
            image = _shrink(source, side)
            image = ImageOps.exif_transpose(image)  # upright as the camera meant it
    except TooLarge:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise ProtocolError(
            "not_an_image", "This file is not a photo we can read: send a JPEG, PNG or WebP."
        ) from exc
    image = _flatten(image)
    out = io.BytesIO()
    # a new image of the pixels alone: nothing of the source's metadata can come along
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    clean.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    data = out.getvalue()
    return data, hashlib.sha256(data).hexdigest()[:16]


def _shrink(source: Image.Image, side: int) -> Image.Image:
    """The image at most ``side`` pixels on its longer side, its EXIF kept for the orientation:
    made small before anything else (one full-size copy at most, not three)."""
    if source.mode in ("1", "P", "L", "LA", "PA", "I", "I;16", "F"):  # resampled well as RGB(A)
        alpha = "A" in source.mode or "transparency" in source.info
        image = source.convert("RGBA" if alpha else "RGB")
        image.info = source.info
    else:
        image = source
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    image.load()
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white (a transparent PNG's background), whatever the source's mode."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")
