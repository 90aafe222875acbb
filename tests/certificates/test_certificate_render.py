"""Certificate codes, fonts, the restricted URL fetcher and the rendered PDFs."""

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader

from app.services.certificates import codes, render
from app.services.certificates.codes import (
    ALPHABET,
    InvalidCodeError,
    format_serial,
    new_verification_code,
    normalise_code,
)
from app.services.certificates.fetcher import AssetFetcher, ForbiddenResourceError
from app.services.certificates.fonts import FontMissingError, doctor, find_japanese_fonts
from app.services.certificates.render import (
    CertificateData,
    CertificateRenderError,
    TemplateNotFoundError,
    UnsupportedCharacterError,
    list_templates,
    render_certificate,
    render_sample,
    sample_data,
)
from app.services.certificates.text import fit_pt, furigana, plain

TEMPLATES = render.DEFAULT_TEMPLATES_DIR
VERIFY_URL = "https://tsunagari.example.jp/verify/7K3M-Q9ZD-2RVB-XW4H"
MM = 72 / 25.4


def make_data(**overrides):
    """Return certificate data for a real-looking adult certificate."""
    base = CertificateData(
        holder_name="長谷川　美代子",
        course_title="つながりサポーター養成講座",
        course_version="2026.1",
        audience="adult",
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
    return dataclasses.replace(base, **overrides)


def pdf_text(pdf: bytes) -> str:
    """Return the text of every page."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squash(text: str) -> str:
    """Drop all whitespace, so line breaks in extraction do not matter."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered():
    """Render each built-in template once for the whole module."""
    data = {
        "adult": make_data(),
        "children": make_data(audience="children", holder_name="長谷川　ひなた"),
        "card": make_data(),
    }
    return {name: render_certificate(d, name, verify_url=VERIFY_URL) for name, d in data.items()}


# --- verification codes and serials -------------------------------------------------------------


def test_new_code_is_four_groups_of_crockford_base32():
    code = new_verification_code()
    assert re.fullmatch(rf"[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}}){{3}}", code)
    assert not set(code) & set("ILOU")
    # 16 symbols of 5 bits each.
    assert len(code.replace("-", "")) * 5 >= 80


def test_new_codes_come_from_secrets(monkeypatch):
    monkeypatch.setattr(codes.secrets, "choice", lambda alphabet: alphabet[-1])
    assert new_verification_code() == "ZZZZ-ZZZZ-ZZZZ-ZZZZ"


def test_new_codes_do_not_repeat():
    assert len({new_verification_code() for _ in range(2000)}) == 2000


def test_longer_codes_but_never_shorter():
    assert len(new_verification_code(groups=5)) == 24
    with pytest.raises(ValueError):
        new_verification_code(groups=3)


@pytest.mark.parametrize(
    "typed",
    [
        "7K3M-Q9ZD-2RVB-XW4H",
        "7k3m-q9zd-2rvb-xw4h",
        "7K3MQ9ZD2RVBXW4H",
        " 7K3M Q9ZD 2RVB XW4H ",
        "７Ｋ３Ｍ－Ｑ９ＺＤ－２ＲＶＢ－ＸＷ４Ｈ",  # full-width from a Japanese IME
        "7K3MーQ9ZDー 2RVBーXW4H",  # katakana long-vowel mark typed as a hyphen
    ],
)
def test_normalise_code_accepts_typing_variations(typed):
    assert normalise_code(typed) == "7K3M-Q9ZD-2RVB-XW4H"


def test_normalise_code_fixes_letter_digit_confusions():
    assert normalise_code("O0I1-L1io-0000-0000") == "0011-1110-0000-0000"


@pytest.mark.parametrize(
    "bad", ["", "7K3M-Q9ZD-2RVB", "7K3M-Q9ZD-2RVB-XW4H-7", "UUUU-0000-0000-0000", "7K3M*Q9ZD"]
)
def test_normalise_code_rejects_impossible_codes(bad):
    with pytest.raises(InvalidCodeError):
        normalise_code(bad)


def test_format_serial():
    assert format_serial("292095", 2026, 123) == "292095-2026-000123"
    assert format_serial("142166", 2027, 999_999) == "142166-2027-999999"


@pytest.mark.parametrize(
    ("org", "year", "seq"),
    [
        ("", 2026, 1),
        ("29-2095", 2026, 1),
        ("292095", 26, 1),
        ("292095", 2026, 0),
        ("292095", 2026, 1_000_000),
    ],
)
def test_format_serial_rejects_bad_parts(org, year, seq):
    with pytest.raises(ValueError):
        format_serial(org, year, seq)


# --- fonts ----------------------------------------------------------------------------------------


def test_ipaex_fonts_are_found():
    fonts = find_japanese_fonts()
    assert fonts.gothic.name == "ipaexg.ttf" and fonts.gothic.is_file()
    assert fonts.mincho.name == "ipaexm.ttf" and fonts.mincho.is_file()


def test_empty_font_directory_raises_a_bilingual_error(tmp_path):
    with pytest.raises(FontMissingError) as info:
        find_japanese_fonts([tmp_path])
    message = str(info.value)
    assert "apt-get install fonts-ipaexfont" in message
    assert "日本語フォント" in message and "No Japanese font" in message
    assert str(tmp_path) in message


def test_one_ipaex_font_stands_in_for_the_other(tmp_path):
    shutil.copy(find_japanese_fonts().gothic, tmp_path / "ipaexg.ttf")
    fonts = find_japanese_fonts([tmp_path])
    assert fonts.gothic == fonts.mincho == (tmp_path / "ipaexg.ttf").resolve()


def test_doctor_reports_fonts_weasyprint_and_pango():
    rows = doctor()
    checks = {check: (ok, detail) for check, ok, detail in rows}
    assert set(checks) == {"font IPAexGothic", "font IPAexMincho", "weasyprint", "pango"}
    assert all(ok for ok, _ in checks.values()), rows
    assert checks["weasyprint"][1] == "WeasyPrint 66.0"


def test_doctor_reports_missing_fonts(tmp_path):
    rows = doctor([tmp_path])
    assert rows[0][:2] == ("japanese fonts", False)
    assert "fonts-ipaexfont" in rows[0][2]


def test_render_raises_font_missing_before_weasyprint_runs(tmp_path, monkeypatch):
    import weasyprint

    def no_weasyprint(*args, **kwargs):
        raise AssertionError("WeasyPrint must not run without a Japanese font")

    monkeypatch.setattr(weasyprint, "HTML", no_weasyprint)
    with pytest.raises(FontMissingError):
        render_certificate(make_data(), "adult", verify_url=VERIFY_URL, font_dirs=[tmp_path])


# --- the URL fetcher ------------------------------------------------------------------------------


@pytest.fixture
def fetcher():
    return AssetFetcher(TEMPLATES / "adult", find_japanese_fonts().paths)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "file://example.com/etc/passwd",
        # Escapes from the template folder, plain and percent-encoded.
        (TEMPLATES / "adult").as_uri() + "/../card/style.css",
        (TEMPLATES / "adult").as_uri() + "/%2e%2e/card/style.css",
        (TEMPLATES / "adult").as_uri() + "/../../app/services/certificates/render.py",
        "file:///nonexistent/secret",
        "javascript:alert(1)",
        "relative.css",
    ],
)
def test_fetcher_refuses_everything_outside_the_template(fetcher, url):
    with pytest.raises(ForbiddenResourceError):
        fetcher(url)
    assert fetcher.failures and fetcher.failures[0][0] == url


def test_fetcher_serves_template_files(fetcher):
    result = fetcher((TEMPLATES / "adult" / "style.css").as_uri())
    assert result["string"].startswith(b"/*")
    assert result["mime_type"] == "text/css"


def test_fetcher_serves_the_found_fonts(fetcher):
    font = find_japanese_fonts().mincho
    assert fetcher(font.as_uri())["string"][:4] in (b"\x00\x01\x00\x00", b"OTTO")


def test_fetcher_reports_missing_assets_inside_the_template(fetcher):
    with pytest.raises(FileNotFoundError):
        fetcher((TEMPLATES / "adult" / "missing.svg").as_uri())


def test_fetcher_follows_symlinks_to_where_they_really_point(tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "passwd.css").symlink_to("/etc/passwd")
    with pytest.raises(ForbiddenResourceError):
        AssetFetcher(tmp_path / "tpl")((tmp_path / "tpl" / "passwd.css").as_uri())


def test_fetcher_decodes_data_uris(fetcher):
    assert fetcher("data:text/plain;base64,5L+u5LqG")["string"] == "修了".encode()
    svg = fetcher("data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E")
    assert svg == {"string": b"<svg/>", "mime_type": "image/svg+xml", "encoding": "utf-8"}


# --- text helpers ---------------------------------------------------------------------------------


def test_furigana_markup_is_escaped_and_rubied():
    html = str(furigana("<b>{孤立|こりつ}</b>"))
    assert html == "&lt;b&gt;<ruby>孤立<rt>こりつ</rt></ruby>&lt;/b&gt;"
    assert plain("{養成講座|ようせいこうざ}（{小|しょう}）") == "養成講座（小）"


def test_fit_pt_shrinks_long_names_only():
    font = find_japanese_fonts().mincho
    assert fit_pt("山田　太郎", 175, 30, 14, font) == 30
    long = fit_pt("長谷川　美代子（はせがわ　みよこ）", 175, 30, 14, font)
    assert 14 <= long < 30


# --- rendered PDFs --------------------------------------------------------------------------------


def test_templates_are_listed():
    assert [t.name for t in list_templates()] == ["adult", "card", "children"]
    assert {t.name: t.pages for t in list_templates()} == {"adult": 1, "card": 2, "children": 1}


@pytest.mark.parametrize("template", ["adult", "children", "card"])
def test_pdf_text_has_name_title_date_serial_and_code(rendered, template):
    text = squash(pdf_text(rendered[template]))
    name = "長谷川美代子" if template != "children" else "長谷川ひなた"
    assert name in text
    assert "令和8年11月27日" in text
    assert "292095-2026-000123" in text
    assert "7K3M-Q9ZD-2RVB-XW4H" in text
    assert "つながりサポーター養成講座" in text


def test_adult_certificate_prints_both_calendars(rendered):
    text = squash(pdf_text(rendered["adult"]))
    assert "令和8年11月27日（2026年11月27日）" in text
    assert "修了証" in squash(text)
    assert "生駒市社会福祉協議会" in text and "会長山田太郎" in text


def test_children_certificate_has_furigana(rendered):
    text = squash(pdf_text(rendered["children"]))
    assert "しゅうりょうしょう" in text and "れいわ" in text and "さん" in text


@pytest.mark.parametrize("template", ["adult", "children", "card"])
def test_only_ipaex_fonts_are_embedded(rendered, template, tmp_path):
    path = tmp_path / "c.pdf"
    path.write_bytes(rendered[template])
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert re.fullmatch(r"[A-Z]{6}\+IPAex(Gothic|Mincho)(-\w+)?", name), row
        assert emb == "yes", row
    assert "DejaVu" not in out


@pytest.mark.parametrize("template", ["adult", "children", "card"])
def test_qr_code_decodes_to_the_verify_url(rendered, template, tmp_path):
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(rendered[template])
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    png = next(tmp_path.glob("p*.png"))
    out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == VERIFY_URL


@pytest.mark.parametrize("template", ["adult", "children", "card"])
def test_pdf_metadata_and_accessibility(rendered, template):
    reader = PdfReader(io.BytesIO(rendered[template]))
    assert "長谷川" in reader.metadata.title
    assert reader.metadata.author == "生駒市社会福祉協議会"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "ja"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    # PDF/UA-1 identification lives in the XMP metadata.
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()


def test_page_sizes(rendered):
    a4 = (297 * MM, 210 * MM)
    for name in ("adult", "children"):
        pages = PdfReader(io.BytesIO(rendered[name])).pages
        assert len(pages) == 1
        box = pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(a4, abs=0.5)
    card = PdfReader(io.BytesIO(rendered["card"])).pages
    assert len(card) == 2
    for page in card:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (91 * MM, 55 * MM), abs=0.3
        )


def test_user_data_is_escaped():
    pdf = render_certificate(
        make_data(holder_name="<script>alert(1)</script>", organiser_name="A&B <i>会</i>"),
        "adult",
        verify_url=VERIFY_URL,
    )
    text = pdf_text(pdf)
    assert "<script>alert(1)</script>" in text
    assert "A&B <i>会</i>" in text


def test_long_names_and_organisers_still_fit_on_one_page():
    data = make_data(
        holder_name="長谷川　美代子（はせがわ　みよこ）",
        organiser_name="社会福祉法人　奈良県生駒市社会福祉協議会　地域福祉推進課",
        signatory_title="会長",
        signatory_name="長谷川　美代子",
        expires_on=dt.date(2029, 11, 26),
        certificate_title="認定証",
    )
    for template in ("adult", "children", "card"):
        pdf = render_certificate(dataclasses.replace(data, audience="adult"), template, verify_url=VERIFY_URL)
        assert "長谷川美代子（はせがわみよこ）" in squash(pdf_text(pdf))


def test_rendering_is_deterministic():
    first = render_certificate(make_data(), "adult", verify_url=VERIFY_URL)
    assert render_certificate(make_data(), "adult", verify_url=VERIFY_URL) == first


def test_characters_the_font_lacks_are_refused_not_dropped():
    with pytest.raises(UnsupportedCharacterError) as info:
        render_certificate(make_data(holder_name="𠮷田　花子"), "adult", verify_url=VERIFY_URL)
    assert info.value.field == "holder_name"
    assert info.value.characters == ["𠮷"]


def test_decomposed_kana_are_composed():
    name = unicodedata.normalize("NFD", "長谷川　がく")
    pdf = render_certificate(make_data(holder_name=name), "card", verify_url=VERIFY_URL)
    assert "長谷川がく" in squash(pdf_text(pdf))


def test_png_logo_is_embedded():
    buf = io.BytesIO()
    segno.make("logo").save(buf, kind="png", scale=4)
    with_logo = render_certificate(make_data(), "adult", verify_url=VERIFY_URL, logo=buf.getvalue())
    reader = PdfReader(io.BytesIO(with_logo))
    assert len(reader.pages[0].images) >= 1


def test_svg_logo_cannot_reach_local_files():
    logo = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'
    with pytest.raises(CertificateRenderError, match="/etc/passwd"):
        render_certificate(make_data(), "adult", verify_url=VERIFY_URL, logo=logo)


def test_unknown_logo_formats_are_refused():
    with pytest.raises(ValueError, match="logo"):
        render_certificate(make_data(), "adult", verify_url=VERIFY_URL, logo=b"GIF89a....")


@pytest.mark.parametrize("name", ["../adult", "adult/..", "ADULT", "", "missing", ".hidden"])
def test_unknown_templates_are_refused(name):
    with pytest.raises(TemplateNotFoundError):
        render_certificate(make_data(), name, verify_url=VERIFY_URL)


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "/verify/x", "ftp://x/y"])
def test_verify_url_must_be_http(url):
    with pytest.raises(ValueError):
        render_certificate(make_data(), "adult", verify_url=url)


@pytest.mark.parametrize(
    "overrides",
    [
        {"audience": "senior"},
        {"certificate_title": "賞状"},
        {"holder_name": " "},
        {"expires_on": dt.date(2020, 1, 1)},
        {"completed_on": "2026-11-27"},
    ],
)
def test_certificate_data_is_validated(overrides):
    with pytest.raises((ValueError, TypeError)):
        make_data(**overrides)


def test_sample_preview_is_watermarked():
    for template in ("adult", "children", "card"):
        assert "見本" in squash(pdf_text(render_sample(template)))
    assert sample_data("children").audience == "children"


# --- templates that misbehave are stopped ---------------------------------------------------------


def make_template(root: Path, name: str, body: str, css: str = "", pages: int = 1) -> None:
    """Write a minimal template folder."""
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(f'{{"label": "test", "pages": {pages}}}', encoding="utf-8")
    (folder / "style.css").write_text("@page { size: A6; margin: 5mm; }\n" + css, encoding="utf-8")
    (folder / "template.html").write_text(
        '<html lang="ja"><head><title>t</title><link rel="stylesheet" href="style.css"></head>'
        f"<body>{body}</body></html>",
        encoding="utf-8",
    )


def test_template_pointing_outside_its_folder_fails(tmp_path):
    make_template(tmp_path, "evil", "<p>{{ c.holder_name }}</p><img src='file:///etc/passwd'>")
    with pytest.raises(CertificateRenderError, match="/etc/passwd"):
        render_certificate(make_data(), "evil", verify_url=VERIFY_URL, templates_dir=tmp_path)


def test_template_fetching_the_network_fails(tmp_path):
    make_template(
        tmp_path, "net", "<p>{{ c.holder_name }}</p>", css="p { background: url(http://example.com/x.png); }"
    )
    with pytest.raises(CertificateRenderError, match="example.com"):
        render_certificate(make_data(), "net", verify_url=VERIFY_URL, templates_dir=tmp_path)


def test_template_with_another_font_fails(tmp_path):
    make_template(
        tmp_path, "dejavu", "<p>{{ c.holder_name }} ABC</p>", css='p { font-family: "DejaVu Sans"; }'
    )
    with pytest.raises(CertificateRenderError, match="IPAex"):
        render_certificate(make_data(), "dejavu", verify_url=VERIFY_URL, templates_dir=tmp_path)


def test_template_that_runs_onto_another_page_fails(tmp_path):
    make_template(tmp_path, "long", "{% for i in range(80) %}<p>{{ c.holder_name }}</p>{% endfor %}")
    with pytest.raises(CertificateRenderError, match="pages instead of 1"):
        render_certificate(make_data(), "long", verify_url=VERIFY_URL, templates_dir=tmp_path)


def test_template_that_pushes_text_off_the_page_fails(tmp_path):
    make_template(tmp_path, "wide", "<p style='white-space: nowrap'>{{ c.holder_name * 20 }}</p>")
    with pytest.raises(CertificateRenderError, match="outside the page"):
        render_certificate(make_data(), "wide", verify_url=VERIFY_URL, templates_dir=tmp_path)


@pytest.mark.parametrize("template", ["adult", "children", "card"])
def test_names_too_long_to_print_are_refused(template):
    with pytest.raises(CertificateRenderError, match="too long"):
        render_certificate(make_data(holder_name="長谷川" * 25), template, verify_url=VERIFY_URL)


def test_templates_are_sandboxed(tmp_path):
    from jinja2.exceptions import SecurityError, UndefinedError

    make_template(tmp_path, "sandbox", "{{ c.__class__.__mro__ }}")
    with pytest.raises((SecurityError, UndefinedError)):
        render_certificate(make_data(), "sandbox", verify_url=VERIFY_URL, templates_dir=tmp_path)


def test_template_breaking_pdf_ua_fails(tmp_path):
    make_template(tmp_path, "noalt", "<p>{{ c.holder_name }}</p><img src='{{ qr_uri }}'>")
    with pytest.raises(CertificateRenderError, match="alt"):
        render_certificate(make_data(), "noalt", verify_url=VERIFY_URL, templates_dir=tmp_path)


def test_svg_logo_with_text_is_refused():
    # Its lettering would be drawn in a system font such as DejaVu.
    logo = b'<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="10">IKOMA</text></svg>'
    with pytest.raises(ValueError, match="outlines"):
        render_certificate(make_data(), "adult", verify_url=VERIFY_URL, logo=logo)
