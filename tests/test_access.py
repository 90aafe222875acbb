"""Access matrix: every route x every role, with objects inside and outside the viewer's scope.

A route added to the app without a row here fails `test_every_route_is_in_the_matrix`."""
from __future__ import annotations

import datetime as dt
from datetime import timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.jobs import wait_for_threads
from app.models import BulkJob, CohortMode, DirectoryEntry, JobStatus, ParticipantImport, Role, SchoolClass
from app.services.certificates import issuing
from app.services.cohorts import cohorts
from app.services.content import courses
from app.services.learning import enrolling, progress, quizzes
from app.services.platform import members as plat_members
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_admin, make_coordinator, make_organisation, make_trainee
from tests.security.helpers import fill_any_converters

# Blueprint -> roles that may use it. Anonymous users are sent to the login page.
PROTECTED = {
    "learn": {Role.TRAINEE, Role.COORDINATOR, Role.ADMIN},
    "coordinate": {Role.COORDINATOR, Role.ADMIN},
    "admin": {Role.ADMIN},
}
OPEN = {"public", "auth", "static"}
FIXTURE_BUNDLE = Path(__file__).parent / "content_fixtures" / "valid-adult"
# Parameters naming one person's own records: another person's answer 404 for every role.
PERSONAL_ARGS = {"attempt_id"}
# The same, only in one blueprint: /my/certificates/<cert_id> is personal, while coordinators'
# certificate pages are scoped by organisation.
PERSONAL_ARGS_IN = {"learn": {"cert_id", "token"}}


@pytest.fixture()
def world(app):
    own = make_organisation(municipality="292095", name="生駒市")
    other = make_organisation(municipality="142166", name="座間市")
    users = {
        Role.TRAINEE: make_trainee(email="trainee@example.jp"),
        Role.COORDINATOR: make_coordinator(own, email="coord@example.jp"),
        Role.ADMIN: make_admin(email="admin@example.jp"),
    }
    other_coordinator = make_coordinator(other, email="zama@example.jp")
    colleague = make_coordinator(own, email="colleague@example.jp")
    version = courses.import_path(db.session, FIXTURE_BUNDLE, actor=None,
                                  asset_url_for=lambda v, p: f"/content/{v}/{p}").version
    # Learning: the course published, an open quiz attempt for everyone, and one for an outsider.
    courses.publish(db.session, version, actor=None)
    attempts = {role: quizzes.start_attempt(db.session, enrolling.enrol(db.session, user, version.course), version)
                for role, user in users.items()}
    outsider = make_trainee(email="outsider@example.jp")
    outsider_attempt = quizzes.start_attempt(db.session, enrolling.enrol(db.session, outsider, version.course),
                                              version)
    # Pupils: a class in each organisation, with one pupil each.
    classes = {}
    for side, org in (("own", own), ("other", other)):
        classes[side] = SchoolClass(organisation_id=org.id, name="6年1組", code=f"TEST{side[:2].upper()}")
        db.session.add(classes[side])
        db.session.flush()
    pupils = {side: make_trainee(email=None, school_class_id=c.id, pupil_number=1) for side, c in classes.items()}
    # Certificates: each role's own (issued by 生駒市), and one issued by 座間市 to a resident there.
    certificates = {}
    for role, user in users.items():
        enrolment = enrolling.enrol(db.session, user, version.course)
        progress.record_attendance(db.session, enrolment)
        certificates[role] = issuing.current_certificate(db.session, enrolment.id)
    zama = make_trainee(municipality="142166", email="zama-trainee@example.jp")
    zama_enrolment = enrolling.enrol(db.session, zama, version.course)
    progress.record_attendance(db.session, zama_enrolment)
    other_certificate = issuing.current_certificate(db.session, zama_enrolment.id)
    assert certificates[Role.TRAINEE].organisation_id == own.id and other_certificate.organisation_id == other.id
    jobs = {side: BulkJob(organisation_id=org.id, label="test", certificate_ids=[], status=JobStatus.DONE)
            for side, org in (("own", own), ("other", other))}
    db.session.add_all(jobs.values())
    # Cohorts of the course in each organisation, each with a participant and a CSV waiting to be confirmed.
    cohorts_by_side, imports, invitations = {}, {}, {}
    for side, org in (("own", own), ("other", other)):
        cohort = cohorts.create_cohort(db.session, org, cohorts.CohortFields(
            course_id=version.course_id, title=f"{org.name} 第1回", mode=CohortMode.IN_PERSON, venue="会議室"),
            actor=None)
        cohorts.join(db.session, cohort, make_trainee(municipality=org.municipality_code))
        imports[side] = ParticipantImport(cohort_id=cohort.id, filename="x.csv", rows=[
            {"line": 2, "name": "山田 花子", "email": f"hanako-{side}@example.jp", "municipality_code": "292095",
             "age_band": "", "sex": ""}])
        db.session.add(imports[side])
        # An invitation of an address nobody here logs in with: accepting it is refused (302).
        invitations[side] = cohorts.invite(db.session, cohort, email=f"invitee-{side}@example.jp", name="招待 さん",
                                           actor=colleague, lifetime=timedelta(days=7))
        cohorts_by_side[side] = cohort
    # Platforms: each side runs one and is invited to the other's (member_id: a row of the viewer's
    # platform; membership_id: the viewer's organisation's own row in the other platform).
    platforms = {side: plat_members.create_platform(db.session, org, f"{org.name}の連携", actor=None)
                 for side, org in (("own", own), ("other", other))}
    platform_rows = {"own": plat_members.invite(db.session, platforms["own"], other.id, actor=None),
                     "other": plat_members.invite(db.session, platforms["other"], own.id, actor=None)}
    # つなぐ先: one published entry in each town's directory.
    entries = {side: DirectoryEntry(municipality_code=org.municipality_code, name=f"{org.name} 相談室", helps_with="相談",
                                    audiences="anyone", is_remote_only=True, checked_on=dt.date(2026, 1, 1))
               for side, org in (("own", own), ("other", other))}
    db.session.add_all(entries.values())
    db.session.commit()
    return {"own": own, "other": other, "users": users, "entries": entries, "other_coordinator": other_coordinator,
            "colleague": colleague, "version": version, "attempts": attempts,
            "outsider_attempt": outsider_attempt, "classes": classes, "pupils": pupils,
            "certificates": certificates, "other_certificate": other_certificate, "jobs": jobs,
            "cohorts": cohorts_by_side, "imports": imports, "invitations": invitations, "platforms": platforms,
            "platform_rows": platform_rows}


def routes(app):
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0] if "." in rule.endpoint else rule.endpoint
        yield rule, blueprint


def test_every_route_is_in_the_matrix(app):
    unknown = [r.rule for r, bp in routes(app) if bp not in PROTECTED and bp not in OPEN]
    assert unknown == []


def _urls(rule, world, in_scope: bool, role: Role | None = None):
    """The rule's URL with its parameters filled by objects inside or outside the scope."""
    org = world["own"] if in_scope else world["other"]
    side = "own" if in_scope else "other"
    values = {}
    for arg in rule.arguments:
        if arg == "org_id":
            values[arg] = org.id
        elif arg == "user_id":
            values[arg] = (world["colleague"] if in_scope else world["other_coordinator"]).id
        elif arg == "version_id":
            values[arg] = world["version"].id
        elif arg == "key":
            values[arg] = world["version"].lessons[0].key
        elif arg == "path":
            values[arg] = "images/none.png"
        elif arg == "slug":
            values[arg] = world["version"].course.slug
        elif arg == "attempt_id":
            # In scope: the viewer's own attempt; outside: someone else's.
            own = world["attempts"].get(role)
            values[arg] = (own if in_scope and own else world["outsider_attempt"]).id
        elif arg == "class_id":
            values[arg] = world["classes"][side].id
        elif arg == "pupil_id":
            values[arg] = world["pupils"][side].id
        elif arg == "cert_id" and rule.endpoint.startswith("learn."):
            # In scope: the viewer's own certificate; outside: someone else's.
            own = world["certificates"].get(role)
            values[arg] = (own if in_scope and own else world["other_certificate"]).id
        elif arg == "cert_id":
            values[arg] = (world["certificates"][Role.TRAINEE] if in_scope else world["other_certificate"]).id
        elif arg == "template":
            values[arg] = "adult"
        elif arg == "phase":  # the self-assessment: before | after
            values[arg] = "before"
        elif arg == "fmt" and "any(" in rule.rule:  # a file format in the path: csv | xlsx
            values[arg] = "csv"
        elif arg == "code":  # a municipality's つなぐ先 directory
            values[arg] = org.municipality_code
        elif arg == "entry_id":
            values[arg] = world["entries"][side].id
        elif arg == "job_id":
            values[arg] = world["jobs"][side].id
        elif arg == "cohort_id":
            values[arg] = world["cohorts"][side].id
        elif arg == "import_id":
            values[arg] = world["imports"][side].id
        elif arg == "invitation_id":
            values[arg] = world["invitations"][side][0].id
        elif arg == "platform_id":
            values[arg] = world["platforms"][side].id
        elif arg == "member_id":
            values[arg] = world["platform_rows"][side].id
        elif arg == "membership_id":
            values[arg] = world["platform_rows"]["other" if in_scope else "own"].id
        elif arg == "token":
            # In scope: a real invitation link; outside: a link that is no invitation.
            values[arg] = world["invitations"]["own"][1] if in_scope else "x" * 43
        else:
            values[arg] = 1
    return rule.build(fill_any_converters(rule, values))[1]


def _request(client, rule, url):
    method = "GET" if "GET" in rule.methods else "POST"
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client, "/")})


@pytest.mark.parametrize("role", [None, Role.TRAINEE, Role.COORDINATOR, Role.ADMIN])
def test_protected_routes_by_role(app, world, role):
    client = app.test_client()
    if role is not None:
        login(client, world["users"][role].email, PASSWORD)
    checked = 0
    for rule, blueprint in routes(app):
        if blueprint not in PROTECTED:
            continue
        for in_scope in (True, False):
            url = _urls(rule, world, in_scope, role)
            response = _request(client, rule, url)
            checked += 1
            if role is None:
                assert response.status_code == 302 and "/login" in response.headers["Location"], url
            elif role not in PROTECTED[blueprint]:
                assert response.status_code == 404, (role, url, response.status_code)
            elif not in_scope and (PERSONAL_ARGS | PERSONAL_ARGS_IN.get(blueprint, set())) & set(rule.arguments):
                assert response.status_code == 404, (role, url, response.status_code)
            elif not in_scope and role is Role.COORDINATOR and "org_id" in rule.arguments:
                assert response.status_code == 404, (role, url, response.status_code)
            else:
                assert response.status_code in (200, 302), (role, url, response.status_code)
    wait_for_threads()  # bulk certificate jobs started by the POSTs above
    assert checked > 10


def test_out_of_scope_organisation_is_invisible(app, world):
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    page = client.get("/coordinate/").get_data(as_text=True)
    assert "生駒市" in page and "座間市" not in page
    other = world["other"].id
    assert client.get(f"/coordinate/organisations/{other}").status_code == 404
    assert client.get("/coordinate/organisations/999999").status_code == 404
    # Removing someone from another municipality's organisation is refused the same way.
    response = client.post(f"/coordinate/organisations/{other}/members/{world['other_coordinator'].id}/remove",
                           data={"csrf_token": csrf_token(client, "/coordinate/")})
    assert response.status_code == 404
    assert len(world["other"].memberships) == 1


def test_open_pages_answer_everyone(app, world):
    client = app.test_client()
    for url in ("/", "/login", "/register", "/reset", "/healthz", "/api/municipalities?q=いこま",
                "/privacy", "/opendata", "/opendata/supporters.csv"):
        assert client.get(url).status_code == 200, url
