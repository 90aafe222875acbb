"""Issue 13, items 6, 7 and 13: every name a form accepts can be printed, as typed; a certificate
that cannot be rendered gets a clear page and a repair instead of a 500; logos are bounded in
pixels and stored at print size; bidi overrides and invisible characters never reach a name."""
from __future__ import annotations

import io
import time

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import AuditEvent, Certificate, CertificateFile, CertificateSettings, Course, User
from app.services.certificates import issuing
from app.services.content import courses
from app.services.learning import enrolling, progress
from tests.conftest import coordinator_client, login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.security.helpers import text_of

RLO, LRI, PDI, ZWSP, BOM = "\u202e", "\u2066", "\u2069", "\u200b", "\ufeff"
EMOJI = "😀"
FULL_WIDTH = "国"  # one em wide in both IPAex fonts


@pytest.fixture()
def adult_course(app) -> Course:
    courses.import_defaults(db.session, asset_url_for=lambda v, p: f"/content/{v}/{p}")
    db.session.commit()
    return db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult"))


def complete(course: Course, user: User) -> Certificate:
    enrolment = enrolling.enrol(db.session, user, course)
    assert progress.record_attendance(db.session, enrolment)
    db.session.commit()
    return issuing.current_certificate(db.session, enrolment.id)


def trainee_client(app, email: str):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def png(width: int, height: int, **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 80)).save(out, format="PNG", **save)
    return out.getvalue()


# --- item 13: bidi overrides and invisible characters -------------------------------------------

def test_clean_name_removes_bidi_controls_and_invisible_characters():
    from app.services.certificates.names import clean_name

    assert clean_name(f"{RLO}郎太 田山") == "郎太 田山"
    assert clean_name(f"山田{ZWSP}{LRI}太郎{PDI}{BOM}") == "山田太郎"
    assert clean_name("\u202a\u202b\u202c\u202d\u2067\u2068\u200c\u200d\u200e\u200f\u00ad山田") == "山田"
    # NFKC: full-width Latin to ASCII, half-width katakana to full-width; white space collapsed.
    assert clean_name("  ＹＡＭＡＤＡ\u3000\t ﾀﾛｳ\n") == "YAMADA タロウ"
    assert clean_name("\x00\x07\x1b山田\x7f\x85") == "山田"


def test_a_name_typed_with_a_right_to_left_override_is_stored_and_printed_cleaned(app, adult_course):
    """The reissue form is where a coordinator types a trainee's printed name."""
    org = make_organisation(municipality="292095", name="生駒市")
    cert = complete(adult_course, make_trainee(name="山田 太郎", email="t@example.jp"))
    client = coordinator_client(app, org, "c@example.jp")
    base = f"/coordinate/organisations/{org.id}/certificates"
    response = post_form(client, f"{base}/{cert.id}/reissue", {"holder_name": f"{RLO}山田 {ZWSP}花子{PDI}"},
                         token_from=f"{base}/{cert.id}")
    assert response.status_code == 302, text_of(response)
    new = db.session.scalar(sa.select(Certificate).where(Certificate.superseded_at.is_(None)))
    assert new.holder_name == "山田 花子"


def test_verification_never_shows_or_compares_a_stored_bidi_override(app, adult_course):
    """A name stored before names were cleaned: the masked name and the name check use it cleaned."""
    org = make_organisation(municipality="292095", name="生駒市")
    cert = complete(adult_course, make_trainee(name="山田 太郎"))
    cert.holder_name = f"{RLO}山田 太郎{ZWSP}"
    db.session.commit()
    result = issuing.verify(cert)
    assert result.masked_name == "山田 ○○"
    assert issuing.name_matches(cert, "山田太郎") and not issuing.name_matches(cert, "郎太田山")
    page = text_of(coordinator_client(app, org, "c@example.jp").get(
        f"/coordinate/organisations/{org.id}/certificates/{cert.id}"))
    assert "<dd>山田 ○○</dd>" in page


def test_only_invisible_characters_is_no_name(app):
    from app.auth.forms import RegisterForm

    with app.test_request_context():
        form = RegisterForm(MultiDict({"display_name": f"{ZWSP}{RLO}{BOM}"}), meta={"csrf": False})
        form.validate()
        assert form.display_name.errors and form.display_name.data == ""


# --- item 6: what cannot be printed is refused when it is typed -------------------------------

# Every form field whose text is printed on a certificate or in a PDF: (form, field, other data).
NAME_FIELDS = [
    ("app.auth.forms:RegisterForm", "display_name", {}),
    ("app.admin.forms:InviteForm", "display_name", {}),
    ("app.admin.forms:OrganisationForm", "name", {}),
    ("app.coordinate.forms:InviteForm", "display_name", {}),
    ("app.coordinate.forms:CohortForm", "title", {}),
    ("app.coordinate.forms:CohortForm", "venue", {}),
    ("app.coordinate.forms:CohortForm", "instructor_name", {}),
    ("app.coordinate.forms:RenameForm", "display_name", {}),
    ("app.coordinate.forms:ClassForm", "name", {}),
    ("app.coordinate.forms:ReissueForm", "holder_name", {}),
    ("app.coordinate.forms:SettingsForm", "organiser_name", {}),
    ("app.coordinate.forms:SettingsForm", "signatory_title", {"signatory_name": "山田 太郎"}),
    ("app.coordinate.forms:SettingsForm", "signatory_name", {"signatory_title": "会長"}),
]


def _form(app, dotted: str, data: dict):
    import importlib

    module, name = dotted.split(":")
    form_class = getattr(importlib.import_module(module), name)
    form = form_class(MultiDict(data), meta={"csrf": False})
    for field in form:  # choices filled in by the view
        if getattr(field, "choices", ()) is None:
            field.choices = []
    return form


@pytest.mark.parametrize(("dotted", "field", "others"), NAME_FIELDS, ids=[f"{d.split(':')[1]}.{f}" for d, f, _ in NAME_FIELDS])
def test_every_printed_field_refuses_characters_the_font_lacks_and_cleans_controls(app, dotted, field, others):
    with app.test_request_context():
        form = _form(app, dotted, {**others, field: f"山田{EMOJI}花子"})
        form.validate()
        assert any(EMOJI in str(error) and "印刷できない" in str(error) for error in form[field].errors), \
            form[field].errors
        form = _form(app, dotted, {**others, field: f"{RLO}山田{ZWSP} 花子"})
        form.validate()
        assert form[field].data == "山田 花子" and not form[field].errors, form[field].errors


HOLDER_FIELDS = [(d, f) for d, f, _ in NAME_FIELDS if f in ("display_name", "holder_name")]


@pytest.mark.parametrize(("dotted", "field"), HOLDER_FIELDS, ids=[f"{d.split(':')[1]}.{f}" for d, f in HOLDER_FIELDS])
def test_every_name_field_refuses_a_name_no_certificate_can_hold(app, dotted, field):
    with app.test_request_context():
        form = _form(app, dotted, {field: FULL_WIDTH * 60})
        form.validate()
        assert any("長すぎ" in str(error) for error in form[field].errors), form[field].errors
        form = _form(app, dotted, {field: "長谷川 美代子"})
        form.validate()
        assert not form[field].errors


def test_registration_refuses_an_emoji_or_a_sixty_character_name(app, client):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    good = {"email": "hanako@example.jp", "password": "tsunagaru-2026", "password_confirm": "tsunagaru-2026",
            "prefecture": "29", "municipality_code": "292095"}
    for name in (f"生駒 花子{EMOJI}", FULL_WIDTH * 60):
        response = post_form(client, "/register", {**good, "display_name": name})
        assert response.status_code == 200, name
        assert "印刷できない" in text_of(response) or "長すぎ" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_settings_refuse_an_organiser_or_signatory_that_does_not_fit(app):
    org = make_organisation(municipality="292095", name="生駒市")
    client = coordinator_client(app, org, "c@example.jp")
    url = f"/coordinate/organisations/{org.id}/certificate-settings"
    for data in ({"organiser_name": FULL_WIDTH * 40},
                 {"organiser_name": "生駒市", "signatory_title": FULL_WIDTH * 20, "signatory_name": FULL_WIDTH * 15},
                 {"organiser_name": f"生駒市{EMOJI}"}):
        response = post_form(client, url, {"title": "修了証", **data})
        assert response.status_code == 200, data
    settings = db.session.get(CertificateSettings, org.id)
    assert settings.organiser_name == "生駒市" and settings.signatory_name == ""


def _longest_accepted(kind: str, together: dict | None = None) -> int:
    from app.services.certificates.names import printable_problem

    n = 1
    while printable_problem(FULL_WIDTH * (n + 1), kind, together=together) is None:
        n += 1
        assert n < 200
    return n


@pytest.mark.parametrize("kind", ["holder_name", "organiser_name", "signatory_name"])
def test_the_longest_accepted_text_renders_on_every_template_and_one_more_character_is_refused(app, kind):
    """Exact to the templates' own boxes: what the check accepts, WeasyPrint prints; the check
    refuses one character more because some template could not hold it."""
    from app.services.certificates.names import printable_problem
    from app.services.certificates.render import CertificateRenderError, list_templates, render_sample

    together = {"signatory_title": "会長"} if kind == "signatory_name" else None
    n = _longest_accepted(kind, together)
    assert 10 <= n < 60
    assert printable_problem(FULL_WIDTH * 60, kind, together=together) == "too_long"
    for info in list_templates():
        render_sample(info.name, overrides={kind: FULL_WIDTH * n, **(together or {})})
    failures = 0
    for info in list_templates():
        try:
            render_sample(info.name, overrides={kind: FULL_WIDTH * (n + 1), **(together or {})})
        except CertificateRenderError:
            failures += 1
    assert failures >= 1


# --- item 6: certificates already broken get a page and a repair --------------------------------

def _broken_certificate(app, adult_course, name: str) -> tuple:
    """A certificate issued from a name stored before names were checked."""
    org = make_organisation(municipality="292095", name="生駒市")
    user = make_trainee(name="仮の名前", email="t@example.jp")
    cert = complete(adult_course, user)
    cert.holder_name = name
    db.session.commit()
    return org, cert


@pytest.mark.parametrize("name", [f"山田 花子{EMOJI}", FULL_WIDTH * 60], ids=["emoji", "sixty"])
def test_a_certificate_that_cannot_be_rendered_gets_a_clear_page_not_a_500(app, adult_course, name):
    org, cert = _broken_certificate(app, adult_course, name)
    client = trainee_client(app, "t@example.jp")
    for url in (f"/my/certificates/{cert.id}.pdf", f"/my/certificates/{cert.id}/card.pdf"):
        response = client.get(url)
        assert response.status_code == 503, url
        page = text_of(response)
        assert "証書を作れませんでした" in page and "担当者が直すまでお待ちください" in page
        assert response.mimetype == "text/html"
    assert db.session.get(CertificateFile, cert.id) is None
    # The coordinator's download says the same instead of failing.
    coordinator = coordinator_client(app, org, "c@example.jp")
    response = coordinator.get(f"/coordinate/organisations/{org.id}/certificates/{cert.id}.pdf",
                               follow_redirects=True)
    assert response.status_code == 200 and "PDF を作れませんでした" in text_of(response)


def test_the_coordinator_sees_the_broken_certificate_and_repairs_it_keeping_code_and_dates(app, adult_course):
    org, cert = _broken_certificate(app, adult_course, f"{RLO}山田 花子{EMOJI}")
    serial, code, completed_on, issued_at = cert.serial, cert.code, cert.completed_on, cert.issued_at
    client = coordinator_client(app, org, "c@example.jp")
    base = f"/coordinate/organisations/{org.id}/certificates"
    listing = text_of(client.get(base))
    assert "PDF を作れません" in listing
    detail = text_of(client.get(f"{base}/{cert.id}"))
    assert "この証書は PDF を作れません" in detail and "フォントにない文字" in detail
    assert f"{base}/{cert.id}/repair" in detail
    # Still unprintable: refused by the form, nothing changes.
    response = post_form(client, f"{base}/{cert.id}/repair", {"holder_name": f"山田 花子{EMOJI}"},
                         token_from=f"{base}/{cert.id}", follow_redirects=True)
    assert "印刷できない" in text_of(response)
    db.session.expire_all()
    assert db.session.get(CertificateFile, cert.id) is None
    # Repaired with a printable name: stored, same serial, code and dates.
    response = post_form(client, f"{base}/{cert.id}/repair", {"holder_name": "山田 花子"},
                         token_from=f"{base}/{cert.id}")
    assert response.status_code == 302
    db.session.expire_all()
    cert = db.session.get(Certificate, cert.id)
    assert cert.holder_name == "山田 花子" and cert.pdf_sha256 is not None
    assert (cert.serial, cert.code, cert.completed_on, cert.issued_at) == (serial, code, completed_on, issued_at)
    assert cert.superseded_at is None and cert.current_for_enrolment_id is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.repair"))
    assert event is not None and event.target_id == str(cert.id)
    assert "PDF を作れません" not in text_of(client.get(base))
    # The trainee now gets exactly the stored PDF.
    response = trainee_client(app, "t@example.jp").get(f"/my/certificates/{cert.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert db.session.get(CertificateFile, cert.id).data == response.data
    # A printed certificate is not repaired (its paper exists): reissue is the way.
    response = post_form(client, f"{base}/{cert.id}/repair", {"holder_name": "山田 花"},
                         token_from=f"{base}/{cert.id}", follow_redirects=True)
    assert "直せません" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).holder_name == "山田 花子"


def test_certificates_issued_under_too_long_settings_are_repaired_from_the_fixed_settings(app, adult_course):
    org = make_organisation(municipality="292095", name="生駒市")
    # Settings saved before the form checked them (the form now refuses this).
    db.session.add(CertificateSettings(organisation_id=org.id, organiser_name=FULL_WIDTH * 60, serial_prefix="292095",
                                       title="修了証", signatory_title="", signatory_name=""))
    db.session.commit()
    cert = complete(adult_course, make_trainee(name="山田 花子", email="t@example.jp"))
    assert trainee_client(app, "t@example.jp").get(f"/my/certificates/{cert.id}.pdf").status_code == 503
    client = coordinator_client(app, org, "c@example.jp")
    response = post_form(client, f"/coordinate/organisations/{org.id}/certificate-settings",
                         {"title": "修了証", "organiser_name": "生駒市 福祉部 地域福祉課"})
    assert response.status_code == 302
    # Fixing the settings alone does not change an issued certificate ...
    assert trainee_client(app, "t@example.jp").get(f"/my/certificates/{cert.id}.pdf").status_code == 503
    base = f"/coordinate/organisations/{org.id}/certificates"
    assert "長すぎて" in text_of(client.get(f"{base}/{cert.id}"))
    # ... the repair does, from the current settings.
    response = post_form(client, f"{base}/{cert.id}/repair", {"holder_name": "山田 花子"}, token_from=f"{base}/{cert.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).organiser_name == "生駒市 福祉部 地域福祉課"
    assert trainee_client(app, "t@example.jp").get(f"/my/certificates/{cert.id}.pdf").status_code == 200


def test_repair_is_for_the_issuing_organisation_only(app, adult_course):
    org, cert = _broken_certificate(app, adult_course, f"山田{EMOJI}")
    other = make_organisation(municipality="142166", name="座間市")
    client = coordinator_client(app, other, "other@example.jp")
    response = post_form(client, f"/coordinate/organisations/{org.id}/certificates/{cert.id}/repair",
                         {"holder_name": "山田"}, token_from=f"/coordinate/organisations/{other.id}/certificate-settings")
    assert response.status_code == 404


def test_new_certificates_copy_names_cleaned(app, adult_course):
    """A display name stored before names were cleaned is printed without its override."""
    make_organisation(municipality="292095", name="生駒市")
    cert = complete(adult_course, make_trainee(name=f"{RLO}山田 太郎{ZWSP}"))
    assert cert.holder_name == "山田 太郎"


# --- item 7: logos bounded in pixels and stored at print size -----------------------------------

def test_a_huge_logo_is_refused_before_it_is_decoded(app):
    org = make_organisation(municipality="292095", name="生駒市")
    client = coordinator_client(app, org, "c@example.jp")
    url = f"/coordinate/organisations/{org.id}/certificate-settings"
    huge = png(12000, 12000, optimize=True)  # a few hundred KB on disk, 576 MB decoded
    assert len(huge) < 1024 * 1024
    started = time.perf_counter()
    response = post_form(client, url, {"title": "修了証", "organiser_name": "生駒市",
                                       "logo": (io.BytesIO(huge), "logo.png")}, content_type="multipart/form-data")
    assert time.perf_counter() - started < 5
    assert response.status_code == 200 and "大きすぎます" in text_of(response)
    wide = png(4500, 50)
    response = post_form(client, url, {"title": "修了証", "organiser_name": "生駒市",
                                       "logo": (io.BytesIO(wide), "logo.png")}, content_type="multipart/form-data")
    assert response.status_code == 200 and "大きすぎます" in text_of(response)
    assert db.session.get(CertificateSettings, org.id).logo is None


def test_a_logo_is_stored_scaled_to_print_size_as_png_without_metadata(app):
    org = make_organisation(municipality="292095", name="生駒市")
    client = coordinator_client(app, org, "c@example.jp")
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location 34.69N 135.70E")
    photo = io.BytesIO()
    Image.new("RGB", (3000, 1500), (200, 30, 30)).save(photo, format="JPEG", quality=70, exif=b"Exif\x00\x00MM")
    for upload, name in ((png(2400, 1200, pnginfo=info), "logo.png"), (photo.getvalue(), "logo.jpg")):
        response = post_form(client, f"/coordinate/organisations/{org.id}/certificate-settings",
                             {"title": "修了証", "organiser_name": "生駒市", "logo": (io.BytesIO(upload), name)},
                             content_type="multipart/form-data")
        assert response.status_code == 302, text_of(response)
        db.session.expire_all()
        settings = db.session.get(CertificateSettings, org.id)
        with Image.open(io.BytesIO(settings.logo)) as stored:
            assert stored.format == "PNG" and max(stored.size) == 800 and stored.size[0] == 2 * stored.size[1]
            assert "Comment" not in stored.info and "exif" not in stored.info
        assert settings.logo_mime == "image/png" and b"secret location" not in settings.logo


def test_a_big_logo_stored_before_the_limit_is_scaled_down_at_the_next_render(app, adult_course):
    org = make_organisation(municipality="292095", name="生駒市")
    settings = issuing.settings_for(db.session, org)
    settings.logo, settings.logo_mime = png(5000, 60), "image/png"
    db.session.commit()
    cert = complete(adult_course, make_trainee(email="t@example.jp"))
    response = trainee_client(app, "t@example.jp").get(f"/my/certificates/{cert.id}.pdf")
    assert response.status_code == 200
    db.session.expire_all()
    with Image.open(io.BytesIO(db.session.get(CertificateSettings, org.id).logo)) as stored:
        assert stored.size == (800, 10)


# --- PDFs other than certificates: older data prints instead of failing --------------------------

def test_a_poster_and_report_with_a_title_saved_before_the_check_print_instead_of_failing(app, tmp_path):
    from tests.cohort_helpers import default_course, make_cohort, pdf_fonts, pdf_text

    org = make_organisation(municipality="292095", name="生駒市")
    cohort = make_cohort(org, default_course(), instructor_name=f"{RLO}講師 花子")
    cohort.title = f"第1回{EMOJI}講座"
    db.session.commit()
    client = coordinator_client(app, org, "c@example.jp")
    for what in ("poster", "report"):
        response = client.get(f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}/{what}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf", what
        text = pdf_text(response.data)
        assert "第1回〓講座" in text.replace(" ", "") and RLO not in text and EMOJI not in text
        assert "DejaVu" not in pdf_fonts(response.data, tmp_path)


def test_the_preview_of_settings_saved_before_the_check_says_what_is_wrong(app):
    org = make_organisation(municipality="292095", name="生駒市")
    settings = issuing.settings_for(db.session, org)
    settings.organiser_name = FULL_WIDTH * 60
    db.session.commit()
    client = coordinator_client(app, org, "c@example.jp")
    response = client.get(f"/coordinate/organisations/{org.id}/certificate-settings/preview-adult.pdf",
                          follow_redirects=True)
    assert response.status_code == 200 and "見本を作れませんでした" in text_of(response)
    assert "長すぎて" in text_of(response)


def test_a_revocation_reason_shown_on_the_verify_page_is_cleaned(app, adult_course):
    org = make_organisation(municipality="292095", name="生駒市")
    cert = complete(adult_course, make_trainee())
    client = coordinator_client(app, org, "c@example.jp")
    base = f"/coordinate/organisations/{org.id}/certificates/{cert.id}"
    response = post_form(client, f"{base}/revoke", {"reason": f"{RLO}記載誤り{ZWSP}"}, token_from=base)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).revoked_reason == "記載誤り"
