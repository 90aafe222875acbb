"""Cohorts: creating one in the browser, the QR poster, joining by link or code (capacity,
deadline, another cohort, rate limit), e-mails with a calendar file, reminders, instructor mode."""
from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Cohort, CohortMode, Enrolment, Membership, Role, SurveyResponse, User
from app.services.cohorts import calendar, cohorts, slides
from app.services.learning import enrolling, progress, surveys
from tests.cohort_helpers import (
    default_course,
    in_days,
    join_all,
    make_cohort,
    pdf_fonts,
    pdf_page_png,
    pdf_text,
)
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_coordinator, make_organisation, make_trainee


def coordinator_client(app, email="coord@example.jp"):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


# --- creating --------------------------------------------------------------------------------------------

def test_coordinator_creates_a_cohort_in_the_browser(app, ikoma, course):
    client = coordinator_client(app)
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/new"
    day = (dt.datetime.now(cohorts.JST) + dt.timedelta(days=10)).date()
    response = post_form(client, url, {
        "course_id": course.id, "title": "令和8年度 第1回", "mode": "in_person", "day": day.isoformat(),
        "start_time": "14:00", "end_time": "15:30", "venue": "生駒市役所 4階 大会議室", "capacity": "30",
        "instructor_name": "講師 花子", "deadline": (day - dt.timedelta(days=2)).isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)
    cohort = db.session.scalar(sa.select(Cohort))
    assert cohort.organisation_id == ikoma.id and cohort.capacity == 30
    # Typed in Japan time, stored in UTC.
    assert cohorts.jst(cohort.starts_at).hour == 14 and cohort.starts_at.hour == 5
    assert cohorts.jst(cohort.registration_deadline).time() == dt.time(23, 59, 59)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", cohort.join_code)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "令和8年度 第1回" in page and cohorts.format_join_code(cohort.join_code) in page
    assert f"/join/{cohorts.format_join_code(cohort.join_code)}" in page


def test_cohort_form_explains_what_is_missing(app, ikoma, course):
    client = coordinator_client(app)
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/new"
    response = post_form(client, url, {"course_id": course.id, "title": "第2回", "mode": "in_person",
                                       "start_time": "15:00", "end_time": "14:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and db.session.scalar(sa.select(sa.func.count(Cohort.id))) == 0
    for message in ("開催日を入力してください", "会場を入力してください", "終了時刻は開始時刻より後"):
        assert message in page
    response = post_form(client, url, {"course_id": course.id, "title": "第2回", "mode": "live_online",
                                       "day": "2026-12-01", "start_time": "10:00", "meeting_url": "javascript:alert(1)"})
    assert "https:// で始まるリンク" in response.get_data(as_text=True)


def test_capacity_cannot_go_below_the_participants(app, ikoma, course):
    cohort = make_cohort(ikoma, course, capacity=10)
    join_all(cohort, [make_trainee() for _ in range(3)])
    client = coordinator_client(app)
    url = f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/edit"
    form = {"course_id": course.id, "title": cohort.title, "mode": "in_person", "day": "2030-01-10",
            "start_time": "14:00", "venue": "会議室", "capacity": "2"}
    page = post_form(client, url, form).get_data(as_text=True)
    assert "参加者と招待中の方が、あわせて3人います" in page
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).capacity == 10


# --- poster ------------------------------------------------------------------------------------------------

def test_poster_pdf_has_the_details_japanese_fonts_and_a_qr_code_that_opens_the_join_page(app, ikoma, course,
                                                                                           tmp_path):
    cohort = make_cohort(ikoma, course, capacity=40, registration_deadline=in_days(5, 23, 59))
    client = coordinator_client(app)
    response = client.get(f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data).replace(" ", "").replace("\n", "")
    for expected in ("つながりサポーター養成講座", cohort.title.replace(" ", ""), "生駒市役所4階大会議室", "講師花子",
                     "40人", cohorts.format_join_code(cohort.join_code), "主催・お問い合わせ:生駒市"):
        assert expected in text, expected
    fonts = pdf_fonts(response.data, tmp_path)
    assert "IPAex" in fonts and "DejaVu" not in fonts
    png = pdf_page_png(response.data, tmp_path)
    qr = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, check=True).stdout.decode()
    join_url = f"{app.config['BASE_URL']}/join/{cohorts.format_join_code(cohort.join_code)}"
    assert qr.strip() == join_url
    assert app.test_client().get(join_url.removeprefix(app.config["BASE_URL"])).status_code == 200


def test_online_meeting_link_is_never_on_the_poster_or_the_public_page(app, ikoma, course):
    cohort = make_cohort(ikoma, course, mode=CohortMode.LIVE_ONLINE)
    client = coordinator_client(app)
    poster = pdf_text(client.get(f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/poster.pdf").data)
    landing = app.test_client().get(f"/join/{cohort.join_code}").get_data(as_text=True)
    assert "meet.example.jp" not in poster and "meet.example.jp" not in landing
    assert "メールでお知らせします" in landing


# --- joining -----------------------------------------------------------------------------------------------

def test_a_new_person_scans_the_poster_registers_and_comes_back_to_join(app, ikoma, course, outbox):
    cohort = make_cohort(ikoma, course)
    client = app.test_client()
    landing = f"/join/{cohorts.format_join_code(cohort.join_code)}"
    page = client.get(landing).get_data(as_text=True)
    assert cohort.title in page and "生駒市役所" in page
    register = re.search(r'href="(/register\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    response = post_form(client, register, {
        "display_name": "生駒 花子", "email": "hanako@example.jp", "password": "tsunagaru-2026",
        "password_confirm": "tsunagaru-2026", "prefecture": "29", "municipality_code": "292095"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/sent")
    # The link mailed to the address completes the registration and comes back to the landing page.
    mailed = next(m for m in outbox if m["To"] == "hanako@example.jp").get_content()
    confirm = next(line for line in mailed.splitlines() if "/register/confirm/" in line).strip()
    response = post_form(client, confirm.split("localhost", 1)[1], {})
    assert response.status_code == 302 and response.headers["Location"] == landing
    response = post_form(client, "/my/cohorts/join", {"code": cohort.join_code}, token_from=landing)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/courses/{course.slug}")
    user = db.session.scalar(sa.select(User).where(User.email == "hanako@example.jp"))
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id))
    assert enrolment.cohort_id == cohort.id
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cohort.join")) is not None
    # The e-mail tells date and place, with a calendar file.
    message = next(m for m in outbox if m["To"] == "hanako@example.jp" and m.is_multipart())
    body = message.get_body(("plain",)).get_content()
    assert cohort.title in body and "生駒市役所 4階 大会議室" in body and "講師 花子" in body
    ics = next(part for part in message.iter_attachments() if part.get_filename().endswith(".ics"))
    data = ics.get_content()
    data = data.decode() if isinstance(data, bytes) else data
    assert "BEGIN:VEVENT" in data and f"DTSTART:{cohort.starts_at:%Y%m%dT%H%M%SZ}" in data
    assert f"UID:cohort-{cohort.id}@" in data and "LOCATION:生駒市役所 4階 大会議室" in data
    # Joining again changes nothing.
    post_form(client, "/my/cohorts/join", {"code": cohort.join_code}, token_from=landing)
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1


def test_existing_account_logs_in_and_comes_back(app, ikoma, course):
    cohort = make_cohort(ikoma, course)
    make_trainee(email="taro@example.jp")
    db.session.commit()
    client = app.test_client()
    landing = f"/join/{cohorts.format_join_code(cohort.join_code)}"
    response = post_form(client, f"/login?next={landing}", {"email": "taro@example.jp", "password": PASSWORD})
    assert response.headers["Location"] == landing
    assert "この講座に参加する" in client.get(landing).get_data(as_text=True)


def test_typed_codes_are_forgiving_and_unknown_codes_are_explained(app, ikoma, course):
    cohort = make_cohort(ikoma, course)
    client = app.test_client()
    code = cohort.join_code
    typed = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())  # full-width lower case, as a phone may type
    response = client.get(f"/join?code={typed[:4]} {typed[4:]}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/join/{code[:4]}-{code[4:]}")
    response = client.get("/join/ZZZZ-ZZZZ")
    assert response.status_code == 404 and "参加コード「ZZZZ-ZZZZ」の開催回は見つかりません" in response.get_data(as_text=True)


def test_unknown_codes_are_rate_limited_but_a_class_joining_together_is_not(make_app, app, ikoma, course):
    cohort = make_cohort(ikoma, course)
    limited = make_app(JOIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    # Thirty people behind one school network open the right link: never limited.
    assert all(client.get(f"/join/{cohort.join_code}").status_code == 200 for _ in range(30))
    codes = [client.get(f"/join/WRONG{n:03d}").status_code for n in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_a_full_cohort_refuses_with_a_clear_message_and_stores_nothing(app, ikoma, course):
    cohort = make_cohort(ikoma, course, capacity=2)
    join_all(cohort, [make_trainee(), make_trainee()])
    late = make_trainee(email="late@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "late@example.jp", PASSWORD)
    landing = f"/join/{cohort.join_code}"
    assert "定員に達したため" in client.get(landing).get_data(as_text=True)
    response = post_form(client, "/my/cohorts/join", {"code": cohort.join_code}, token_from=landing)
    assert "定員に達したため" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert enrolling.enrolment_for(db.session, late, course) is None
    with pytest.raises(cohorts.CohortError) as error:
        cohorts.join(db.session, cohort, late)
    assert error.value.code == "full"


def test_after_the_deadline_joining_is_refused(app, ikoma, course):
    cohort = make_cohort(ikoma, course, registration_deadline=in_days(-1, 23, 59))
    user = make_trainee(email="late@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "late@example.jp", PASSWORD)
    response = post_form(client, "/my/cohorts/join", {"code": cohort.join_code}, token_from=f"/join/{cohort.join_code}")
    assert "締め切りを過ぎています" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert enrolling.enrolment_for(db.session, user, course) is None


def test_the_code_of_another_cohort_of_the_same_course_is_refused(app, ikoma, course):
    first = make_cohort(ikoma, course, title="第1回")
    second = make_cohort(ikoma, course, title="第2回")
    user = make_trainee(email="t@example.jp")
    join_all(first, [user])
    client = app.test_client()
    login(client, "t@example.jp", PASSWORD)
    landing = client.get(f"/join/{second.join_code}").get_data(as_text=True)
    assert "別の開催回（第1回）にすでに参加しています" in landing
    response = post_form(client, "/my/cohorts/join", {"code": second.join_code}, token_from=f"/join/{first.join_code}")
    assert "別の開催回（第1回）" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert enrolling.enrolment_for(db.session, user, course).cohort_id == first.id


def test_someone_enrolled_online_joins_a_cohort_later(app, ikoma, course):
    user = make_trainee()
    enrolling.enrol(db.session, user, course)
    cohort = make_cohort(ikoma, course)
    joined = cohorts.join(db.session, cohort, user)
    assert joined.is_new and joined.enrolment.cohort_id == cohort.id


def test_survey_answers_remember_the_cohort_but_not_the_person(app, ikoma, course):
    cohort = make_cohort(ikoma, course)
    user = make_trainee()
    (enrolment,) = join_all(cohort, [user])
    assert progress.record_attendance(db.session, enrolment)
    response = surveys.submit_survey(db.session, enrolment, enrolling.live_version(db.session, course),
                                      {"s1": "5", "s2": "4", "s3": "1", "s4": "よかった"})
    db.session.commit()
    assert response.cohort_id == cohort.id
    columns = set(SurveyResponse.__table__.columns.keys())
    assert not columns & {"user_id", "enrolment_id"}


# --- certificates follow the cohort ----------------------------------------------------------------------

def test_the_cohort_organisation_issues_certificates_even_for_residents_elsewhere(app, ikoma, course):
    make_organisation(municipality="142166", name="座間市")
    cohort = make_cohort(ikoma, course)
    (enrolment,) = join_all(cohort, [make_trainee(municipality="142166")])
    progress.record_attendance(db.session, enrolment)
    db.session.commit()
    from app.services.certificates import issuing

    cert = issuing.current_certificate(db.session, enrolment.id)
    assert cert.organisation_id == ikoma.id and cert.organiser_name == "生駒市"
    assert cert.municipality_name == "神奈川県座間市"  # where the holder lives is still printed


# --- reminders ---------------------------------------------------------------------------------------------

def test_reminders_go_out_once_the_day_before(app, ikoma, course, outbox):
    tomorrow = make_cohort(ikoma, course, days=1, title="明日の回")
    later = make_cohort(ikoma, course, days=3, title="あさって以降の回")
    join_all(tomorrow, [make_trainee(email="a@example.jp"), make_trainee(email="b@example.jp")])
    join_all(later, [make_trainee(email="c@example.jp")])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cohorts", "send-reminders"])
    assert result.exit_code == 0, result.output
    reminders = [m for m in outbox if "明日の講座" in m["Subject"]]
    assert sorted(m["To"] for m in reminders) == ["a@example.jp", "b@example.jp"]
    assert any(p.get_filename() == "tsunagari-session.ics" for p in reminders[0].iter_attachments())
    # A second run (cron retried, two servers) sends nothing more.
    result = runner.invoke(args=["cohorts", "send-reminders"])
    assert result.exit_code == 0 and len([m for m in outbox if "明日の講座" in m["Subject"]]) == 2
    db.session.expire_all()
    assert db.session.get(Cohort, tomorrow.id).reminder_sent_at is not None
    assert db.session.get(Cohort, later.id).reminder_sent_at is None


def test_ics_lines_are_folded_and_escaped():
    event = calendar.Event(uid="cohort-1@example.jp", title="講座; 第1回, 生駒", starts_at=dt.datetime(2026, 12, 5, 5,
                           tzinfo=dt.UTC), ends_at=None, location="会議室\n4階", url=None, description="あ" * 60)
    text = calendar.ics_bytes(event, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).decode()
    assert "SUMMARY:講座\\; 第1回\\, 生駒" in text and "LOCATION:会議室\\n4階" in text
    assert "DTEND:20261205T063000Z" in text  # 90 minutes when no end is given
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.endswith("END:VCALENDAR\r\n")


# --- instructor mode ---------------------------------------------------------------------------------------

def test_instructor_mode_shows_one_section_per_screen_with_links_and_no_inline_script(app, ikoma, course):
    cohort = make_cohort(ikoma, course)
    client = coordinator_client(app)
    base = f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/present"
    index = client.get(base).get_data(as_text=True)
    version = enrolling.live_version(db.session, course)
    first = version.lessons[0]
    assert first.title in index
    response = client.get(f"{base}/{first.key}/1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and first.title in page
    assert f'rel="next" href="{base}/{first.key}/2"' in page and 'rel="prev"' not in page
    assert "<script>" not in page and ' style="' not in page and "js/present.js" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    second = client.get(f"{base}/{first.key}/2").get_data(as_text=True)
    assert second.count("<h2") == 1  # exactly one section
    # The last screen of a lesson leads to the next lesson; one beyond the end is 404.
    count = slides.screen_count(first)
    assert count == first.html.count("<h2") + 1 and f"{base}/{first.key}/{count}" in index
    last = client.get(f"{base}/{first.key}/{count}").get_data(as_text=True)
    assert f'rel="next" href="{base}/{version.lessons[1].key}/1"' in last
    assert client.get(f"{base}/{first.key}/{count + 1}").status_code == 404
    # The reflection becomes a private note; the lesson page's form and placeholders are gone.
    work = next(lesson for lesson in version.lessons if lesson.reflection_prompt_html)
    joined = "".join(client.get(f"{base}/{work.key}/{n}").get_data(as_text=True)
                     for n in range(1, slides.screen_count(work) + 1))
    assert 'class="reflection-form"' not in joined and "個人ワーク" in joined and "紙やスマートフォンに書いて" in joined


def test_instructor_mode_keeps_furigana_for_the_childrens_course(app, course):
    school = make_organisation(municipality="292095", name="生駒市立小学校")
    make_coordinator(school, email="teacher@example.jp")
    children = default_course("tsunagari-children")
    cohort = make_cohort(school, children, title="6年1組")
    user = db.session.scalar(sa.select(User).where(User.email == "teacher@example.jp"))
    user.is_furigana_on = False  # the teacher's own reading preference must not hide it on the projector
    db.session.commit()
    client = coordinator_client(app, "teacher@example.jp")
    version = enrolling.live_version(db.session, children)
    page = client.get(f"/coordinate/organisations/{school.id}/cohorts/{cohort.id}/present/"
                      f"{version.lessons[0].key}/2").get_data(as_text=True)
    assert "<ruby>" in page and "<rt>" in page and "furigana-off" not in page and "presenter-children" in page


def test_handouts_pdf_has_every_lesson_and_a_box_to_write_in(app, ikoma, course, tmp_path):
    cohort = make_cohort(ikoma, course)
    client = coordinator_client(app)
    response = client.get(f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/handouts.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data).replace(" ", "").replace("\n", "")
    for lesson in enrolling.live_version(db.session, course).lessons:
        assert lesson.title.replace(" ", "") in text, lesson.title
    assert "あなただけのもの" in text and "奈良県生駒市" in text
    fonts = pdf_fonts(response.data, tmp_path)
    assert "IPAex" in fonts and "DejaVu" not in fonts


def test_missing_font_gives_the_clear_page(app, ikoma, course, monkeypatch):
    from app.services.certificates import documents
    from app.services.certificates.fonts import FontMissingError

    def no_fonts():
        raise FontMissingError(["/nowhere"])

    monkeypatch.setattr(documents, "find_japanese_fonts", no_fonts)
    cohort = make_cohort(ikoma, course)
    client = coordinator_client(app)
    response = client.get(f"/coordinate/organisations/{ikoma.id}/cohorts/{cohort.id}/poster.pdf")
    assert response.status_code == 503 and "日本語フォント" in response.get_data(as_text=True)


# --- organisation members --------------------------------------------------------------------------------

def test_coordinator_invites_a_colleague_into_their_own_organisation(app, ikoma, outbox):
    client = coordinator_client(app)
    response = post_form(client, f"/coordinate/organisations/{ikoma.id}/members/invite",
                         {"email": "new@example.jp", "display_name": "新人 担当"},
                         token_from=f"/coordinate/organisations/{ikoma.id}")
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new@example.jp"))
    # A member only once the invitation is accepted (tests/security/test_security_invitations.py).
    assert user.role is Role.COORDINATOR and db.session.get(Membership, (user.id, ikoma.id)) is None
    mailed = next(m for m in outbox if m["To"] == "new@example.jp").get_content()
    path = next(line for line in mailed.splitlines() if "/invite/" in line).strip().split("localhost", 1)[1]
    response = post_form(app.test_client(), path, {"password": "colleague-pass1", "password_confirm": "colleague-pass1"})
    assert response.status_code == 302
    assert db.session.get(Membership, (user.id, ikoma.id)) is not None
    other = make_organisation(municipality="142166", name="座間市")
    db.session.commit()
    response = client.post(f"/coordinate/organisations/{other.id}/members/invite",
                           data={"csrf_token": csrf_token(client, "/coordinate/"), "email": "x@example.jp",
                                 "display_name": "x"})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(User).where(User.email == "x@example.jp")) is None


def test_childrens_handouts_keep_the_readings(app, course):
    school = make_organisation(municipality="292095", name="生駒市立小学校")
    make_coordinator(school, email="teacher@example.jp")
    cohort = make_cohort(school, default_course("tsunagari-children"), title="6年1組")
    client = coordinator_client(app, "teacher@example.jp")
    response = client.get(f"/coordinate/organisations/{school.id}/cohorts/{cohort.id}/handouts.pdf")
    text = pdf_text(response.data)
    assert response.status_code == 200 and "孤独" in text and "こどく" in text
    assert "(こどく)" not in text.replace(" ", "")  # rendered as furigana, not as a bracketed fallback
