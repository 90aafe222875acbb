"""SVG images in bundles: accepted only when the strict allow-list checker passes; served sandboxed."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Asset, Lesson
from app.services.content import check_archive, check_bundle, courses
from app.services.content.svg import MAX_SVG_BYTES, check_svg

FIXTURES = Path(__file__).parents[1] / "content_fixtures"
DEFAULTS = Path(__file__).resolve().parents[2] / "content" / "courses"

GOOD = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 640 360" width="640" height="360">
  <title>two people talking</title>
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#fdf3e1"/><stop offset="1" stop-color="#fff"/></linearGradient>
    <clipPath id="frame"><rect width="640" height="360" rx="24"/></clipPath>
    <circle id="head" r="30"/>
  </defs>
  <g clip-path="url(#frame)">
    <rect width="640" height="360" fill="url(#sky)"/>
    <use href="#head" x="200" y="120" fill="#e8b58f"/>
    <use xlink:href="#head" x="440" y="120" fill="#8d5a3b"/>
    <path d="M170 360 Q200 200 230 360 Z" fill="#5b8fb9" style="fill-opacity: .9"/>
  </g>
</svg>
"""

HOSTILE = {
    "script element": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                       "svg.element_disallowed"),
    "onload attribute": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "svg.event_handler"),
    "onclick on a shape": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect onClick="alert(1)"/></svg>',
                           "svg.event_handler"),
    "external href on use": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><use href="https://evil.example/a.svg#x"/></svg>',
        "svg.external_reference"),
    "external xlink:href on use": (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<use xlink:href="other.svg#x"/></svg>', "svg.external_reference"),
    "javascript link": (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<a xlink:href="javascript:alert(1)"><rect width="9" height="9"/></a></svg>', "svg.element_disallowed"),
    "image element": (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/t.png"/></svg>',
                      "svg.element_disallowed"),
    "foreignObject": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">'
        b"<iframe src='https://evil.example'/></div></foreignObject></svg>", "svg.element_disallowed"),
    "style element": (b'<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:red}</style></svg>',
                      "svg.element_disallowed"),
    "style attribute with url()": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://evil.example/x)"/></svg>',
        "svg.style_disallowed"),
    "style attribute with an escaped url": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: u\\72l(https://evil.example/x)"/></svg>',
        "svg.style_disallowed"),
    "fill pointing outside": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.example/g.svg#g)"/></svg>',
        "svg.external_reference"),
    "entity bomb": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>',
        "svg.doctype"),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>', "svg.doctype"),
    "stylesheet processing instruction": (
        b'<?xml-stylesheet href="https://evil.example/s.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
        "svg.processing_instruction"),
    "html pretending to be svg": (b"<html><script>alert(1)</script></html>", "svg.not_svg"),
    "svg without namespace": (b"<svg onload='alert(1)'/>", "svg.not_svg"),
    "not xml": (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "svg.not_xml"),
    "reference to a missing id": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(#nope)"/></svg>',
                                  "svg.missing_reference"),
    "unknown attribute": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect formaction="x"/></svg>',
                          "svg.attribute_disallowed"),
    "too large": (GOOD.replace(b"</svg>", b"<!--" + b"x" * MAX_SVG_BYTES + b"--></svg>"), "svg.too_large"),
}  # fmt: skip


def test_a_plain_drawing_passes():
    assert check_svg("images/a.svg", GOOD) == []


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_svg_is_refused(case):
    data, code = HOSTILE[case]
    errors = check_svg("images/evil.svg", data)
    assert code in [e.code for e in errors]
    assert all(e.file == "images/evil.svg" and e.message_ja and e.message_en for e in errors)


def test_error_says_where_and_why():
    data = b'<svg xmlns="http://www.w3.org/2000/svg">\n  <rect/>\n  <circle onload="alert(1)"/>\n</svg>'
    (error,) = check_svg("images/x.svg", data)
    assert (error.line, error.column, error.code) == (3, 3, "svg.event_handler")
    assert "onload" in error.message_ja and "onload" in error.message_en


def _bundle(tmp_path: Path, svg: bytes, where: str = "images/zu.svg") -> Path:
    root = tmp_path / "bundle"
    shutil.copytree(FIXTURES / "valid-adult", root)
    (root / where).parent.mkdir(parents=True, exist_ok=True)
    (root / where).write_bytes(svg)
    lesson = sorted((root / "lessons").glob("*.md"))[0]
    lesson.write_text(lesson.read_text(encoding="utf-8") + f"\n![図の説明]({where})\n", encoding="utf-8")
    return root


def test_bundle_accepts_a_good_svg_in_images(tmp_path):
    result = check_bundle(_bundle(tmp_path, GOOD))
    assert result.ok, [str(e) for e in result.errors]
    assert result.bundle.files["images/zu.svg"] == GOOD


@pytest.mark.parametrize("case", ["script element", "onload attribute", "external href on use", "entity bomb",
                                  "foreignObject"])  # fmt: skip
def test_bundle_refuses_a_hostile_svg(tmp_path, case):
    data, code = HOSTILE[case]
    result = check_bundle(_bundle(tmp_path, data))
    assert not result.ok
    assert ("images/zu.svg", code) in [(e.file, e.code) for e in result.errors]


def test_svg_is_allowed_in_images_only(tmp_path):
    result = check_bundle(_bundle(tmp_path, GOOD, where="media/zu.svg"))
    assert ("media/zu.svg", "file.unexpected_location") in [(e.file, e.code) for e in result.errors]


def _zip(root: Path) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(root).as_posix())
    buf.seek(0)
    return buf


def test_archive_import_checks_svg(tmp_path):
    good = check_archive(_zip(_bundle(tmp_path / "good", GOOD)))
    assert good.ok, [str(e) for e in good.errors]
    bad = check_archive(_zip(_bundle(tmp_path / "bad", HOSTILE["onload attribute"][0])))
    assert ("images/zu.svg", "svg.event_handler") in [(e.file, e.code) for e in bad.errors]


def test_svg_is_served_as_an_image_in_a_sandbox(app, client, tmp_path):
    root = _bundle(tmp_path, GOOD)
    version = courses.import_path(
        db.session, root, actor=None, asset_url_for=lambda v, p: f"/content/{v}/{p}"
    ).version
    courses.publish(db.session, version, actor=None)
    db.session.commit()
    asset = db.session.scalar(
        sa.select(Asset).where(Asset.version_id == version.id, Asset.path == "images/zu.svg")
    )
    response = client.get(f"/content/{version.id}/images/zu.svg")
    assert response.status_code == 200 and response.data == GOOD == asset.data
    assert response.mimetype == "image/svg+xml"
    assert (
        response.headers["Content-Security-Policy"]
        == "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("slug", ["tsunagari-adult", "tsunagari-children"])
def test_every_default_lesson_has_a_picture(slug):
    result = check_bundle(DEFAULTS / slug)
    assert result.ok, [str(e) for e in result.errors]
    for lesson in result.bundle.lessons:
        assert "](images/" in lesson.body and ".svg)" in lesson.body, lesson.id
    for path, data in result.bundle.files.items():
        if path.endswith(".svg"):
            assert len(data) < 20_000, path
            assert b"<text" not in data, path  # the picture works in any language; the alt text speaks


def test_cli_imports_the_default_courses_with_their_pictures(app):
    # Commands run outside a request: the lesson's image URL must still be built.
    result = app.test_cli_runner().invoke(args=["content", "import-defaults"])
    assert result.exit_code == 0, result.output
    asset = db.session.scalar(sa.select(Asset).where(Asset.path == "images/03-kizuku.svg"))
    assert asset is not None and asset.mime == "image/svg+xml"
    html = " ".join(db.session.scalars(sa.select(Lesson.html).where(Lesson.version_id == asset.version_id)))
    assert f'src="/content/{asset.version_id}/images/03-kizuku.svg"' in html
