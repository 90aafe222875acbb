"""Privacy (APPI): the notice, the retention job (`flask privacy purge-inactive`), and reflections
that never leave their author, in any admin or coordinator page or file."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import (
    AuditEvent,
    Certificate,
    Enrolment,
    Membership,
    Organisation,
    OrganisationKind,
    Reflection,
    Role,
    SchoolClass,
    SupporterRecord,
    User,
)
from app.models.base import utcnow
from app.services.accounts import privacy
from app.services.certificates import issuing
from app.services.statistics import statistics
from tests import test_access
from tests.conftest import login
from tests.factories import PASSWORD, make_admin, make_coordinator, make_organisation, make_trainee
from tests.learn_helpers import FIXTURES, publish_bundle
from tests.stats_helpers import complete
from tests.test_access import _urls, routes

world = test_access.world  # the access matrix's objects, inside and outside each scope

SECRET = "ふりかえりの秘密-7Q2X"


def years_ago(years: float) -> dt.datetime:
    return utcnow() - dt.timedelta(days=round(365.25 * years))


def test_privacy_notice_is_plain_japanese_and_linked_from_every_page(app, make_app):
    page = app.test_client().get("/privacy").get_data(as_text=True)
    for words in ("個人情報の取り扱い", "集める情報", "使う目的", "だれが見られるか", "個人ワークのふりかえりは、担当者も管理者も見られません",
                  "自分の情報を見る・消す", "3年以上ログインのないアカウント", "1〜4人", "クッキー"):
        assert words in page, words
    assert 'href="/privacy"' in app.test_client().get("/").get_data(as_text=True)
    configured = make_app(RETENTION_YEARS=5, OPERATOR_NAME="奈良県 福祉政策課", PRIVACY_CONTACT="0742-00-0000")
    page = configured.test_client().get("/privacy").get_data(as_text=True)
    assert "5年以上" in page and "奈良県 福祉政策課" in page and "0742-00-0000" in page


def _old_world():
    version = publish_bundle(FIXTURES / "valid-adult")
    course = version.course
    gone = make_trainee(email="gone@example.jp", name="山田 去子", municipality="294471",
                        last_login_at=years_ago(4), created_at=years_ago(6))
    enrolment = complete(gone, course, dt.datetime(2023, 6, 1, 12, tzinfo=statistics.JST))
    db.session.add(Reflection(enrolment_id=enrolment.id, lesson_key="hajimeni", text=SECRET))
    never = make_trainee(email="never@example.jp", created_at=years_ago(5))
    recent = make_trainee(email="recent@example.jp", last_login_at=years_ago(1), created_at=years_ago(6))
    admin = make_admin(email="old-admin@example.jp", created_at=years_ago(9))
    org = make_organisation(kind=OrganisationKind.SCHOOL, name="野迫川村立小学校", municipality="294471")
    coordinator = make_coordinator(org, email="old-coord@example.jp", created_at=years_ago(4))
    school_class = SchoolClass(organisation_id=org.id, name="6年", code="OLDCLASS")
    db.session.add(school_class)
    db.session.flush()
    pupil = make_trainee(email=None, school_class_id=school_class.id, pupil_number=1, created_at=years_ago(3.5))
    db.session.commit()
    return {"gone": gone, "never": never, "recent": recent, "admin": admin, "coordinator": coordinator,
            "pupil": pupil, "org": org, "enrolment_id": enrolment.id}


def test_purge_inactive_reuses_account_deletion_and_keeps_certificates_and_statistics(app):
    people = _old_world()
    cert = issuing.current_certificate(db.session, people["enrolment_id"])
    before = statistics.national_report(db.session, statistics.Filters(2023, "29"))
    expected = sorted(people[k].id for k in ("gone", "never", "coordinator", "pupil"))
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["privacy", "purge-inactive", "--years", "3", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "4 account(s)" in dry.output and all(str(i) in dry.output for i in expected)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 6

    result = runner.invoke(args=["privacy", "purge-inactive", "--years", "3"])
    assert result.exit_code == 0, result.output
    assert "Deleted 4 account(s)" in result.output
    db.session.expire_all()
    remaining = set(db.session.scalars(sa.select(User.email)))
    assert remaining == {"recent@example.jp", "old-admin@example.jp"}
    for model in (Enrolment, Reflection, Membership):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    # The organisation stays; the certificate stays verifiable under the printed name.
    assert db.session.get(Organisation, people["org"].id) is not None
    kept = db.session.get(Certificate, cert.id)
    assert kept.holder_name == "山田 去子" and kept.user_id is None and kept.enrolment_id is None
    assert issuing.find_by_code(db.session, cert.code).id == cert.id
    # The supporter is still counted, anonymously.
    after = statistics.national_report(db.session, statistics.Filters(2023, "29"))
    assert after.cumulative == before.cumulative == 1
    assert db.session.scalar(sa.select(SupporterRecord.enrolment_id)) is None
    # Each deletion and the run are in the audit log, by the system.
    purged = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.purge_inactive")).all()
    assert sorted(int(e.target_id) for e in purged) == expected and {e.actor_id for e in purged} == {None}
    assert {e.detail["years"] for e in purged} == {3}
    run = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "privacy.purge_inactive"))
    assert run.detail == {"years": 3, "deleted": 4}
    # Running it again finds nobody.
    assert "Deleted 0 account(s)" in runner.invoke(args=["privacy", "purge-inactive", "--years", "3"]).output


def test_purge_years_default_and_bounds(app, make_app):
    _old_world()
    assert privacy.purge_inactive(db.session, 5, dry_run=True) == [
        db.session.scalar(sa.select(User.id).where(User.email == "never@example.jp"))]
    assert app.test_cli_runner().invoke(args=["privacy", "purge-inactive", "--years", "0"]).exit_code != 0
    default = app.test_cli_runner().invoke(args=["privacy", "purge-inactive", "--dry-run"])
    assert "inactive for 3 year(s)" in default.output
    assert privacy.years_before(dt.datetime(2028, 2, 29, tzinfo=dt.UTC), 1) == dt.datetime(2027, 2, 28, tzinfo=dt.UTC)


def _texts(response) -> list[str]:
    """Everything readable in a response: text, the XML inside XLSX and ZIP files, PDF text."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            out = []
            for name in archive.namelist():
                member = archive.read(name)
                if member[:4] == b"%PDF":
                    out.append("".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(member)).pages))
                else:
                    out.append(member.decode("utf-8", "replace"))
            return out
    if data[:4] == b"%PDF":
        return ["".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)]
    return [data.decode("utf-8", "replace")]


def test_reflections_never_appear_in_admin_or_coordinator_pages_or_files(app, world):
    # Reflections from a trainee, a cohort participant of the coordinator's organisation and a pupil.
    for enrolment in db.session.scalars(sa.select(Enrolment)):
        db.session.add(Reflection(enrolment_id=enrolment.id, lesson_key="hajimeni", text=f"{SECRET} #{enrolment.id}"))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reflection)) >= 5
    checked = 0
    for role in (Role.ADMIN, Role.COORDINATOR):
        client = app.test_client()
        login(client, world["users"][role].email, PASSWORD)
        extra = ["/admin/statistics/export.xlsx", "/admin/statistics/export.csv?table=areas", "/admin/audit.csv"]
        urls = [_urls(rule, world, True, role) for rule, blueprint in routes(app)
                if blueprint in ("admin", "coordinate") and "GET" in rule.methods]
        for url in urls + (extra if role is Role.ADMIN else []):
            response = client.get(url)
            for text in _texts(response):
                assert SECRET not in text, (role, url)
            checked += 1
    assert checked > 40
    # Nor in the audit log.
    for detail in db.session.scalars(sa.select(AuditEvent.detail)):
        assert SECRET not in str(detail)
