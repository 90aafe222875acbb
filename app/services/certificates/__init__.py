"""Certificate PDFs: Japanese dates, verification codes, fonts and rendering.

Also owns issuing and revoking (``issuing``), bulk runs (``bulk``) and the other PDF documents
(``documents``). May import ``infra`` only.
"""

from .codes import InvalidCodeError, format_serial, new_verification_code, normalise_code
from .fetcher import AssetFetcher, ForbiddenResourceError
from .fonts import FontMissingError, JapaneseFonts, doctor, find_japanese_fonts
from .render import (
    AUDIENCES,
    CERTIFICATE_TITLES,
    CertificateData,
    CertificateRenderError,
    TemplateInfo,
    TemplateNotFoundError,
    UnsupportedCharacterError,
    list_templates,
    render_certificate,
    render_sample,
    sample_data,
)
from .wareki import format_both, to_iso, to_seireki, to_wareki, wareki_parts

__all__ = [
    "AUDIENCES",
    "CERTIFICATE_TITLES",
    "AssetFetcher",
    "CertificateData",
    "CertificateRenderError",
    "FontMissingError",
    "ForbiddenResourceError",
    "InvalidCodeError",
    "JapaneseFonts",
    "TemplateInfo",
    "TemplateNotFoundError",
    "UnsupportedCharacterError",
    "doctor",
    "find_japanese_fonts",
    "format_both",
    "format_serial",
    "list_templates",
    "new_verification_code",
    "normalise_code",
    "render_certificate",
    "render_sample",
    "sample_data",
    "to_iso",
    "to_seireki",
    "to_wareki",
    "wareki_parts",
]
