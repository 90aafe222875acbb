"""Printable PDFs other than certificates: the join poster, lesson handouts, the 実施報告.

They follow the certificate rules (app.services.certificates): the IPAex fonts embedded, never
a fallback font, and a URL fetcher that serves only our stylesheet folder, the fonts, data: URIs
and the course version's own images."""
from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from app.services.certificates.fetcher import AssetFetcher
from app.services.certificates.fonts import FontMissingError, find_japanese_fonts, supported_codepoints
from app.services.certificates.render import font_face_css, qr_data_uri, stray_fonts

__all__ = ["DocumentError", "FontMissingError", "STYLE_DIR", "html_to_pdf", "qr_data_uri"]

# pdf.css and nothing else a document may load from disk.
STYLE_DIR = Path(__file__).resolve().parents[2] / "templates" / "pdf"


log = logging.getLogger(__name__)
# The geta mark: what Japanese printing has long put where a character has no type.
GETA = "〓"


class DocumentError(RuntimeError):
    """The PDF could not be made as it should be (a lost resource, a fallback font)."""


def _drawable(html: str, codepoints: frozenset[int]) -> str:
    """The HTML with bidi/invisible control characters removed and characters the IPAex fonts
    lack replaced by 〓, so that a name saved before names were checked prints, not fails."""
    # Names typed now are cleaned and checked (app.forms.PrintableName); this is for older data.
    out = []
    replaced = 0
    for ch in html:
        if ord(ch) < 128 or ord(ch) in codepoints or ch.isspace():
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn"):
            replaced += 1  # a right-to-left override must not reorder a printed name
        elif 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:
            out.append(ch)  # variation selectors draw nothing of their own
        else:
            out.append(GETA)
            replaced += 1
    if replaced:
        log.warning("document: %d characters the fonts cannot draw, replaced or removed", replaced)
    return "".join(out)


class _Fetcher(AssetFetcher):
    """The certificate fetcher, plus lesson images looked up by their /content/... path."""

    def __init__(self, root: Path, fonts: tuple[Path, ...], assets: Mapping[str, tuple[str, bytes]]) -> None:
        super().__init__(root, fonts)
        self.assets = assets

    def fetch(self, url: str) -> dict:
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            found = self.assets.get(unquote(parts.path))
            if found is not None:
                mime, data = found
                return {"string": data, "mime_type": mime}
        return super().fetch(url)


def html_to_pdf(html: str, *, assets: Mapping[str, tuple[str, bytes]] | None = None) -> bytes:
    """Render HTML (which links pdf.css) to PDF. Raises FontMissingError or DocumentError.

    `assets` maps an image's URL path (e.g. /content/12/images/a.png) to (mime, bytes)."""
    fonts = find_japanese_fonts()  # before WeasyPrint: without it the PDF would show empty boxes
    html = _drawable(html, supported_codepoints(fonts.gothic) & supported_codepoints(fonts.mincho))
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _Fetcher(STYLE_DIR, fonts.paths, assets or {})
    font_config = FontConfiguration()
    base_url = STYLE_DIR.as_uri() + "/"
    fonts_css = CSS(string=font_face_css(fonts), font_config=font_config, url_fetcher=fetcher, base_url=base_url)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        font_config=font_config, stylesheets=[fonts_css])
    if fetcher.failures:
        raise DocumentError("could not load: " + "; ".join(f"{url} ({why})" for url, why in fetcher.failures))
    pdf = document.write_pdf()
    stray = stray_fonts(document)
    if stray:
        raise DocumentError(f"fonts other than IPAex were used: {sorted(stray)}")
    return pdf
