"""Render certificate PDFs from the HTML + CSS templates in certificates/."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import functools
import io
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import segno
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from .codes import normalise_code
from .fetcher import AssetFetcher
from .fonts import JapaneseFonts, find_japanese_fonts, supported_codepoints
from .text import PT_PER_MM, fit_pt, furigana, missing_glyphs, plain, text_width_em
from .wareki import WarekiDate, format_both, to_iso, to_seireki, to_wareki, wareki_parts

__all__ = [
    "AUDIENCES",
    "CERTIFICATE_TITLES",
    "DEFAULT_TEMPLATES_DIR",
    "CertificateData",
    "CertificateRenderError",
    "TemplateInfo",
    "TemplateNotFoundError",
    "UnsupportedCharacterError",
    "list_templates",
    "render_certificate",
    "render_sample",
    "sample_data",
]

# app/services/certificates/render.py -> the repository root holds certificates/.
DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "certificates"

AUDIENCES = ("adult", "children")
# Organisers choose what they hand out; the wording of each template follows the title.
CERTIFICATE_TITLES = ("認定証", "修了証", "受講証")

MAX_LOGO_BYTES = 2 * 1024 * 1024
_TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_PDF_VARIANT = "pdf/ua-1"


class TemplateNotFoundError(LookupError):
    """No certificate template of that name exists."""


class CertificateRenderError(RuntimeError):
    """The template produced an unusable PDF: a lost asset, a stray font, an overflow."""


class UnsupportedCharacterError(ValueError):
    """A field holds characters the embedded Japanese font cannot draw."""

    def __init__(self, field: str, characters: list[str]) -> None:
        self.field = field
        self.characters = characters
        listed = " ".join(f"{c} (U+{ord(c):04X})" for c in characters)
        super().__init__(
            f"証書のフォントで表示できない文字があります（{field}）: {listed}。"
            "一般的な字体（例: 𠮷→吉）に置き換えてください。 / "
            f"The certificate font cannot draw these characters in {field}: {listed}"
        )


@dataclass(frozen=True, slots=True)
class CertificateData:
    """Everything printed on one certificate."""

    holder_name: str
    course_title: str
    course_version: str
    audience: str
    completed_on: dt.date
    organiser_name: str
    municipality_name: str
    certificate_title: str
    signatory_title: str
    signatory_name: str
    serial: str
    verification_code: str
    expires_on: dt.date | None = None

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.type == "str" and not isinstance(value, str):
                raise TypeError(f"{field.name} must be a str, got {type(value).__name__}")
        for name in ("holder_name", "course_title", "organiser_name", "serial", "verification_code"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name} must not be empty")
        if self.audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {AUDIENCES}, got {self.audience!r}")
        if self.certificate_title not in CERTIFICATE_TITLES:
            raise ValueError(
                f"certificate_title must be one of {CERTIFICATE_TITLES}, got {self.certificate_title!r}"
            )
        if not isinstance(self.completed_on, dt.date):
            raise TypeError("completed_on must be a date")
        if self.expires_on is not None:
            if not isinstance(self.expires_on, dt.date):
                raise TypeError("expires_on must be a date or None")
            if self.expires_on < self.completed_on:
                raise ValueError("expires_on must not be before completed_on")


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """A template folder and what its manifest.json says about it."""

    name: str
    label: str
    pages: int
    path: Path


@dataclass(frozen=True, slots=True)
class DateView:
    """One date in every form a template may print."""

    wareki: str
    seireki: str
    iso: str
    both: str
    parts: WarekiDate

    @classmethod
    def of(cls, value: dt.date) -> DateView:
        """Build the view of a date."""
        return cls(
            to_wareki(value), to_seireki(value), to_iso(value), format_both(value), wareki_parts(value)
        )


def _template_info(name: str, templates_dir: Path) -> TemplateInfo:
    """Return the template folder for a name, refusing names that could leave templates_dir."""
    if not _TEMPLATE_NAME.fullmatch(name or ""):
        raise TemplateNotFoundError(f"not a certificate template name: {name!r}")
    folder = (templates_dir / name).resolve()
    if folder.parent != templates_dir.resolve() or not (folder / "template.html").is_file():
        raise TemplateNotFoundError(f"no certificate template {name!r} in {templates_dir}")
    manifest = folder / "manifest.json"
    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        label, pages = str(meta["label"]), int(meta["pages"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TemplateNotFoundError(f"{manifest}: needs JSON with 'label' and 'pages' ({exc})") from exc
    return TemplateInfo(name=name, label=label, pages=pages, path=folder)


def list_templates(templates_dir: Path | None = None) -> list[TemplateInfo]:
    """Return the certificate templates available, sorted by name."""
    root = Path(templates_dir or DEFAULT_TEMPLATES_DIR)
    infos = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            infos.append(_template_info(folder.name, root))
        except TemplateNotFoundError:
            continue
    return infos


@functools.lru_cache(maxsize=32)
def _environment(folder: Path) -> SandboxedEnvironment:
    """Return a sandboxed, autoescaping Jinja environment for one template folder."""
    # Templates may come from organisers, so they get no access to Python
    # internals, and every value is escaped unless a filter marks it safe.
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["furigana"] = furigana
    env.filters["plain"] = plain
    return env


def qr_data_uri(verify_url: str) -> str:
    """Return the verification QR code as a vector SVG data: URI."""
    # M corrects 15% damage, enough for a creased or stamped paper certificate;
    # the 4-module quiet zone and white background keep it readable on any colour.
    qr = segno.make(verify_url, error="m", micro=False)
    return qr.svg_data_uri(scale=1, border=4, dark="#000", light="#fff")


def _logo_data_uri(logo: bytes) -> str:
    """Return the organiser's logo as a data: URI, checking that it is an image we can draw."""
    if len(logo) > MAX_LOGO_BYTES:
        raise ValueError(f"logo larger than {MAX_LOGO_BYTES} bytes")
    head = logo[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if logo.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif logo.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    elif logo[:4] == b"RIFF" and logo[8:12] == b"WEBP":
        mime = "image/webp"
    elif head.startswith(b"<") and b"<svg" in logo[:4096]:
        # Text in an SVG is drawn with whatever system font matches, not IPAex;
        # logos must carry their lettering as outlines.
        if re.search(rb"<(?:\w+:)?text[\s>]", logo):
            raise ValueError("SVG logo contains <text>; convert its text to outlines (paths)")
        # Anything the SVG links to still goes through the restricted fetcher.
        mime = "image/svg+xml"
    else:
        raise ValueError("logo must be PNG, JPEG, WebP or SVG")
    if mime != "image/svg+xml":
        _check_logo_pixels(logo)
    return f"data:{mime};base64,{base64.b64encode(logo).decode('ascii')}"


def _check_logo_pixels(logo: bytes) -> None:
    """Refuse a raster logo whose decoded size would make every render slow and huge."""
    import warnings

    from PIL import Image

    from .logos import MAX_LOGO_PIXELS, MAX_LOGO_SIDE

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(logo)) as image:  # the header only
                width, height = image.size
    except Image.DecompressionBombError as error:
        raise ValueError("logo has too many pixels") from error
    except (OSError, SyntaxError) as error:
        raise ValueError(f"logo is not a readable image: {error}") from error
    if max(width, height) > MAX_LOGO_SIDE or width * height > MAX_LOGO_PIXELS:
        raise ValueError(f"logo of {width}x{height} pixels is larger than {MAX_LOGO_SIDE} px or {MAX_LOGO_PIXELS} pixels")


def _check_verify_url(verify_url: str) -> None:
    """Refuse a verification URL that a phone could not open."""
    parts = urlsplit(verify_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"verify_url must be an absolute http(s) URL: {verify_url!r}")


def _drawable(data: CertificateData, codepoints: frozenset[int]) -> CertificateData:
    """Return the data with every text field drawable, or raise UnsupportedCharacterError."""
    changes = {}
    for field in dataclasses.fields(data):
        value = getattr(data, field.name)
        if not isinstance(value, str):
            continue
        missing = missing_glyphs(value, codepoints)
        if not missing:
            continue
        # Names pasted from macOS file names arrive decomposed (か + ゛);
        # composing them is safe only when it is what makes them drawable.
        composed = unicodedata.normalize("NFC", value)
        if missing_glyphs(composed, codepoints):
            raise UnsupportedCharacterError(field.name, missing)
        changes[field.name] = composed
    return dataclasses.replace(data, **changes) if changes else data


class _TextCollector(HTMLParser):
    """Collect the text that a rendered page will draw."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def font_face_css(fonts: JapaneseFonts) -> str:
    """Return @font-face rules binding the IPAex family names to the found files."""
    rules = [
        f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}") format("truetype"); }}'
        for family, path in fonts.families().items()
    ]
    # A default that templates override; it keeps stray elements off DejaVu.
    rules.append('html { font-family: "IPAexGothic"; }')
    return "\n".join(rules)


class _ErrorCollector(logging.Handler):
    """Collect WeasyPrint's ERROR records from this thread, such as an image without alt text."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Other threads may render at the same time; their errors are theirs.
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


def _text_outside_pages(document: Any) -> list[str]:
    """Return the text that the layout placed, even partly, beyond its page's edges."""
    from weasyprint.formatting_structure.boxes import TextBox

    outside = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if not isinstance(box, TextBox):
                continue
            # Half a point of slack absorbs rounding in WeasyPrint's metrics.
            if (
                box.position_x < -0.5
                or box.position_y < -0.5
                or box.position_x + box.width > page.width + 0.5
                or box.position_y + box.height > page.height + 0.5
            ):
                outside.append(box.text)
    return outside


def stray_fonts(document: Any) -> set[str]:
    """Names of the fonts other than IPAex that a WeasyPrint document drew with, after write_pdf.

    WeasyPrint lists every font it embeds in `document.fonts` (text and SVG images alike), so
    this needs no second reading of the PDF (which cost ~2 ms a certificate, measured by `make bench`);
    tests still read the PDF itself with pdffonts and pypdf."""
    names = {font.family.decode("utf-8", "replace") if isinstance(font.family, bytes) else str(font.family)
             for font in document.fonts.values()}
    return {name for name in names if not name.startswith("IPAex")}


def _page_html(
    data: CertificateData,
    info: TemplateInfo,
    fonts: JapaneseFonts,
    *,
    verify_url: str,
    qr_uri: str,
    logo_uri: str | None,
    sample: bool,
) -> tuple[str, list[str]]:
    """Fill the template's HTML; return it with the texts that do not fit their box even at min_pt."""
    code = normalise_code(data.verification_code)
    overfull: list[str] = []

    def fit(
        text: str,
        width_mm: float,
        max_pt: float,
        min_pt: float = 8,
        family: str = "IPAexMincho",
        tracking_em: float = 0.0,
    ) -> float:
        path = fonts.families()[family]
        size = fit_pt(text, width_mm, max_pt, min_pt, path, tracking_em)
        # At the smallest allowed size the text still overflows its box: better
        # an error the coordinator can act on than a clipped name on paper.
        if (text_width_em(text, path) + tracking_em * len(text)) * size > width_mm * PT_PER_MM + 0.5:
            overfull.append(text)
        return size

    municipality = data.municipality_name.strip()
    organiser = data.organiser_name.strip()
    context = {
        "c": data,
        "completed": DateView.of(data.completed_on),
        "expires": DateView.of(data.expires_on) if data.expires_on else None,
        "code": code,
        "code_groups": code.split("-"),
        "verify_url": verify_url,
        "qr_uri": qr_uri,
        "logo_uri": logo_uri,
        # Printing 「奈良県生駒市」 under 「生駒市」 or 「生駒市社会福祉協議会」 says nothing new.
        "show_municipality": bool(municipality)
        and municipality not in organiser
        and organiser not in municipality,
        "document_title": f"{data.certificate_title} {plain(data.holder_name)} {plain(data.course_title)}",
        "sample": sample,
        "fit": fit,
    }
    return _environment(info.path).get_template("template.html").render(context), overfull


# Stands in for the QR code where only the text of a page is checked, not drawn.
_NO_IMAGE = "data:image/svg+xml;base64,PHN2Zy8+"


def overfull_fields(overrides: Mapping[str, Any], templates_dir: Path | None = None) -> list[str]:
    """Texts that would not fit their box on some template if the sample data had these values.

    Runs each template's HTML with its own fit() boxes but not WeasyPrint (a millisecond, not a
    render), so a form can refuse a name that some certificate, or the card, could not print."""
    root = Path(templates_dir or DEFAULT_TEMPLATES_DIR)
    fonts = find_japanese_fonts()
    overfull: list[str] = []
    for info in list_templates(root):
        data = sample_data(info.name, **overrides)
        overfull += _page_html(data, info, fonts, verify_url=SAMPLE_VERIFY_URL, qr_uri=_NO_IMAGE, logo_uri=None,
                               sample=False)[1]
    return list(dict.fromkeys(overfull))


def certificate_problem(
    data: CertificateData,
    template: str,
    *,
    logo: bytes | None = None,
    templates_dir: Path | None = None,
) -> str | None:
    """Say, without rendering, why this certificate could not be rendered: a code or None.

    'characters' (a field the font cannot draw), 'too_long' (a text wider than its box),
    'logo' (an image the renderer refuses), 'template' (the template itself is broken)."""
    root = Path(templates_dir or DEFAULT_TEMPLATES_DIR)
    try:
        info = _template_info(template, root)
    except TemplateNotFoundError:
        return "template"
    fonts = find_japanese_fonts()
    codepoints = supported_codepoints(fonts.gothic) & supported_codepoints(fonts.mincho)
    try:
        data = _drawable(data, codepoints)
    except UnsupportedCharacterError:
        return "characters"
    if logo:
        try:
            _logo_data_uri(logo)
        except ValueError:
            return "logo"
    html_text, overfull = _page_html(data, info, fonts, verify_url=SAMPLE_VERIFY_URL, qr_uri=_NO_IMAGE,
                                     logo_uri=None, sample=False)
    if overfull:
        return "too_long"
    collector = _TextCollector()
    collector.feed(html_text)
    if missing_glyphs("".join(collector.text), codepoints):
        return "template"
    return None


def _render(
    data: CertificateData,
    template: str,
    *,
    verify_url: str,
    logo: bytes | None,
    fonts: JapaneseFonts | None,
    font_dirs: Iterable[Path | str] | None,
    templates_dir: Path | None,
    sample: bool,
) -> bytes:
    """Render one certificate; the shared body of render_certificate and render_sample."""
    root = Path(templates_dir or DEFAULT_TEMPLATES_DIR)
    info = _template_info(template, root)
    _check_verify_url(verify_url)
    # Before WeasyPrint runs: without these fonts it would print empty boxes.
    fonts = fonts or find_japanese_fonts(font_dirs)
    codepoints = supported_codepoints(fonts.gothic) & supported_codepoints(fonts.mincho)
    data = _drawable(data, codepoints)
    html_text, overfull = _page_html(
        data,
        info,
        fonts,
        verify_url=verify_url,
        qr_uri=qr_data_uri(verify_url),
        logo_uri=_logo_data_uri(logo) if logo else None,
        sample=sample,
    )
    if overfull:
        raise CertificateRenderError(
            f"too long for the {template!r} template, please shorten: " + " / ".join(overfull)
        )

    collector = _TextCollector()
    collector.feed(html_text)
    missing = missing_glyphs("".join(collector.text), codepoints)
    if missing:
        raise CertificateRenderError(
            f"template {template!r} uses characters the font lacks: {''.join(missing)}"
        )

    # Imported here so that codes, dates and font checks work on a machine
    # without Pango, and so that importing this module stays cheap.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = AssetFetcher(info.path, fonts.paths)
    font_config = FontConfiguration()
    base_url = info.path.as_uri() + "/"
    # WeasyPrint logs what breaks PDF/UA (an image without alt text) and goes
    # on; a certificate that claims PDF/UA must not be issued with such errors.
    errors = _ErrorCollector()
    weasy_logger = logging.getLogger("weasyprint")
    weasy_logger.addHandler(errors)
    try:
        fonts_css = CSS(
            string=font_face_css(fonts), font_config=font_config, url_fetcher=fetcher, base_url=base_url
        )
        document = HTML(string=html_text, base_url=base_url, url_fetcher=fetcher).render(
            font_config=font_config, stylesheets=[fonts_css]
        )
        if fetcher.failures:
            raise CertificateRenderError(
                f"template {template!r} could not load: "
                + "; ".join(f"{url} ({why})" for url, why in fetcher.failures)
            )
        outside = _text_outside_pages(document)
        if outside:
            raise CertificateRenderError(
                f"template {template!r} puts text outside the page: " + " / ".join(outside)
            )
        if len(document.pages) != info.pages:
            raise CertificateRenderError(
                f"template {template!r} produced {len(document.pages)} pages instead of {info.pages}: "
                "the text does not fit"
            )
        pdf = document.write_pdf(pdf_variant=_PDF_VARIANT)
    finally:
        weasy_logger.removeHandler(errors)
    if errors.messages:
        raise CertificateRenderError(f"template {template!r}: " + "; ".join(errors.messages))
    stray = stray_fonts(document)
    if stray:
        raise CertificateRenderError(f"template {template!r} used fonts other than IPAex: {sorted(stray)}")
    return pdf


def render_certificate(
    data: CertificateData,
    template: str,
    *,
    verify_url: str,
    logo: bytes | None = None,
    fonts: JapaneseFonts | None = None,
    font_dirs: Iterable[Path | str] | None = None,
    templates_dir: Path | None = None,
) -> bytes:
    """Render a certificate as PDF bytes."""
    return _render(
        data,
        template,
        verify_url=verify_url,
        logo=logo,
        fonts=fonts,
        font_dirs=font_dirs,
        templates_dir=templates_dir,
        sample=False,
    )


SAMPLE_VERIFY_URL = "https://tsunagari.example.jp/verify/7K3M-Q9ZD-2RVB-XW4H"


def sample_data(template: str = "adult", **overrides: Any) -> CertificateData:
    """Return realistic sample data for previewing a template, with optional field overrides."""
    children = template == "children"
    base = CertificateData(
        holder_name="長谷川　美代子" if not children else "長谷川　ひなた",
        # The children's title carries furigana in the course bundle syntax.
        course_title="つながりサポーター養成講座"
        if not children
        else "つながりサポーター{養成講座|ようせいこうざ}（{小|しょう}・{中学生|ちゅうがくせい}{向|む}け）",
        course_version="2026.1",
        audience="children" if children else "adult",
        completed_on=dt.date(2026, 11, 27),
        organiser_name="生駒市社会福祉協議会",
        municipality_name="奈良県生駒市",
        certificate_title="修了証",
        signatory_title="会長",
        signatory_name="山田　太郎",
        serial="292095-2026-000123",
        verification_code="7K3M-Q9ZD-2RVB-XW4H",
        expires_on=None,
    )
    return dataclasses.replace(base, **overrides) if overrides else base


def render_sample(
    template: str,
    *,
    overrides: Mapping[str, Any] | None = None,
    verify_url: str = SAMPLE_VERIFY_URL,
    logo: bytes | None = None,
    fonts: JapaneseFonts | None = None,
    font_dirs: Iterable[Path | str] | None = None,
    templates_dir: Path | None = None,
) -> bytes:
    """Render a template with sample data and a 見本 (sample) watermark, for previews."""
    data = sample_data(template, **dict(overrides or {}))
    return _render(
        data,
        template,
        verify_url=verify_url,
        logo=logo,
        fonts=fonts,
        font_dirs=font_dirs,
        templates_dir=templates_dir,
        sample=True,
    )
