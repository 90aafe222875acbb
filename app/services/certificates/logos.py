"""Organisers' logos: bounded in pixels before they are decoded, and stored at print size."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "MAX_LOGO_PIXELS",
    "MAX_LOGO_SIDE",
    "PRINT_LOGO_SIDE",
    "LogoError",
    "logo_problem",
    "needs_shrinking",
    "prepare_logo",
]

# A 12000 x 12000 PNG is a few hundred kilobytes of file but 576 MB once decoded: WeasyPrint then
# spent 6 s and 1.3 GB on every certificate. Scanned letterheads stay well under these limits.
MAX_LOGO_SIDE = 4000
MAX_LOGO_PIXELS = 16_000_000
# A logo stored before these limits is scaled once if decoding it is bearable (Pillow refuses
# more than twice MAX_IMAGE_PIXELS anyway); beyond that its organisation chooses a new one.
STORED_LOGO_PIXELS = 2 * MAX_LOGO_PIXELS
# The templates print a logo at most 40 mm wide: 800 px is 500 dpi, more than any printer needs.
PRINT_LOGO_SIDE = 800
FORMATS = ("PNG", "JPEG")

# Pillow's own bomb guard (a warning above this, an error above twice this) for every image the
# process opens, WeasyPrint's included: a certificate or handout has no business with more.
Image.MAX_IMAGE_PIXELS = MAX_LOGO_PIXELS


class LogoError(ValueError):
    """The upload cannot be used as a logo; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _open(data: bytes, *, max_side: int = MAX_LOGO_SIDE, max_pixels: int = MAX_LOGO_PIXELS) -> Image.Image:
    """Open an image reading only its header, refusing formats and sizes we do not take."""
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow warns; the size is judged just below instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise LogoError("too_many_pixels") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise LogoError("unreadable") from error
    if image.format not in FORMATS:
        image.close()
        raise LogoError("format")
    width, height = image.size
    if max(width, height) > max_side or width * height > max_pixels:
        image.close()
        raise LogoError("too_many_pixels")
    return image


def logo_problem(data: bytes) -> str | None:
    """Say why an uploaded logo is refused ('unreadable', 'format', 'too_many_pixels'), or None."""
    try:
        _open(data).close()
    except LogoError as error:
        return error.code
    return None


def needs_shrinking(data: bytes) -> bool:
    """Say whether a stored raster logo is bigger than print size (reads the header only)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return max(image.size) > PRINT_LOGO_SIDE
    except Image.DecompressionBombError:
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False  # SVG, or not an image at all: the renderer judges those


def prepare_logo(data: bytes, *, stored: bool = False) -> bytes:
    """Return the logo as a PNG of at most PRINT_LOGO_SIDE pixels, without its metadata.

    `stored`: a logo saved before the upload limits, judged by STORED_LOGO_PIXELS alone."""
    limits = {"max_side": STORED_LOGO_PIXELS, "max_pixels": STORED_LOGO_PIXELS} if stored else {}
    with _open(data, **limits) as image:
        if image.format == "JPEG":
            # Decode straight at a fraction of the size: cheaper in time and memory.
            image.draft("RGB", (PRINT_LOGO_SIDE, PRINT_LOGO_SIDE))
        try:
            image.load()
            # A phone photo says which way is up in EXIF, which is about to be dropped.
            upright = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError) as error:
            raise LogoError("unreadable") from error
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        upright = upright.convert("RGBA" if has_alpha else "RGB")
        upright.thumbnail((PRINT_LOGO_SIDE, PRINT_LOGO_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # A new PNG carries pixels only: no EXIF (GPS position of a phone photo), no text chunks.
        upright.save(out, format="PNG", optimize=True)
    return out.getvalue()
