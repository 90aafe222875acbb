"""Issue 13 item 3: no coordinator can attach an existing account to a cohort without its owner's
consent. A participant list (CSV) only invites addresses: the preview and the cohort page look
the same whether an address has an account or not, nothing of an account is shown, exported,
attended or certified until its owner, logged in as that address, accepts from the mailed link;
the owner may decline; the coordinator can resend or withdraw an invitation."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Attendance,
    Certificate,
    CohortInvitation,
    CohortMode,
    Enrolment,
    InvitationStatus,
    User,
)
from app.services.cohorts import cohorts
from app.services.learning import enrolling
from tests.cohort_helpers import HEADER, csv_file, join_all, make_cohort
from tests.conftest import coordinator_client, login, post_form
from tests.factories import PASSWORD, make_organisation, make_trainee
from tests.security.helpers import text_of

LINK_RE = re.compile(r"https?://\S+/join/invitation/[A-Za-z0-9_-]+")


@pytest.fixture()
def coordinator(app, ikoma):
    client = app.test_client()
    login(client, "coord@example.jp", PASSWORD)
    return client


@pytest.fixture()
def victim(app, course):
    """A resident of 座間市 (another prefecture) who learns online and has a score."""
    user = make_trainee(email="victim@example.jp", name="座間 被害者", municipality="142166")
    enrolment = enrolling.enrol(db.session, user, course)
    enrolment.best_score = 87
    db.session.commit()
    return user


def cohort_url(org, cohort) -> str:
    return f"/coordinate/organisations/{org.id}/cohorts/{cohort.id}"


def import_file(client, org, cohort, lines: list[str], *, confirm: bool = True) -> tuple[str, str]:
    """Upload a participant CSV; (preview page, page after confirming or "")."""
    response = post_form(client, f"{cohort_url(org, cohort)}/import", {"file": csv_file([HEADER, *lines])},
                         content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)
    url = response.headers["Location"]
    preview = text_of(client.get(url))
    if not confirm:
        return preview, ""
    response = post_form(client, url, {"only_valid": "y"})
    return preview, text_of(client.get(response.headers["Location"]))


def enrolment_of(user, course):
    db.session.expire_all()
    return enrolling.enrolment_for(db.session, user, course)


def link_for(outbox, email: str) -> str:
    mails = [m for m in outbox if m["To"] == email]
    assert mails, f"no mail to {email}"
    return LINK_RE.search(mails[-1].get_body(("plain",)).get_content()).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


# --- the scenario ------------------------------------------------------------------------------

def test_importing_another_areas_resident_attaches_nothing_and_shows_nothing(app, ikoma, course, coordinator,
                                                                              victim, outbox):
    cohort = make_cohort(ikoma, course)
    preview, page = import_file(coordinator, ikoma, cohort, ["誰か,victim@example.jp,292095,,"])
    # Nothing of the account on the preview or the cohort page: no name, no municipality, no score.
    for text in (preview, page):
        # The score as a number of its own: random codes and tokens (CSRF, join code) may hold "87".
        assert "座間 被害者" not in text and "座間市" not in text
        assert re.search(r"(?<![A-Za-z0-9_-])87(?![A-Za-z0-9_-])", text) is None
        assert "登録済み" not in text
    assert "招待します" in preview and "招待中" in page
    # Not a participant: the account keeps its own enrolment, outside any cohort.
    assert enrolment_of(victim, course).cohort_id is None
    exported = text_of(coordinator.get(f"{cohort_url(ikoma, cohort)}/participants.csv"))
    assert "victim@example.jp" not in exported and "座間" not in exported
    # Attendance cannot be recorded for them, by "everyone" nor by their enrolment id.
    post_form(coordinator, f"{cohort_url(ikoma, cohort)}/attendance", {"everyone": "1"})
    post_form(coordinator, f"{cohort_url(ikoma, cohort)}/attendance",
              {"enrolment_id": [str(enrolment_of(victim, course).id)]})
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    assert enrolment_of(victim, course).completed_at is None
    # They can still join their own area's cohort.
    zama = make_organisation(municipality="142166", name="座間市")
    own = make_cohort(zama, course, title="座間市の回")
    (joined,) = join_all(own, [db.session.get(User, victim.id)])
    assert joined.cohort_id == own.id


def test_preview_and_result_are_the_same_for_known_and_unknown_addresses(app, ikoma, course, coordinator, outbox):
    make_trainee(email="known1@example.jp", name="登録 済子", municipality="142166")
    db.session.commit()
    first = make_cohort(ikoma, course, title="回A")
    second = make_cohort(ikoma, course, title="回B")
    known = import_file(coordinator, ikoma, first, ["山田 花子,known1@example.jp,292095,,"])
    unknown = import_file(coordinator, ikoma, second, ["山田 花子,nobody@example.jp,292095,,"])

    def neutral(text: str) -> str:
        text = text.replace("known1@example.jp", "ADDRESS").replace("nobody@example.jp", "ADDRESS")
        text = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", text)
        text = re.sub(r"/cohorts/\d+|/import/\d+|invitation_id=\d+|/invitations/\d+", "", text)
        return re.sub(r"回[AB]|[A-Z0-9]{4}-[A-Z0-9]{4}", "", text)  # the cohorts' titles and join codes

    assert neutral(known[0]) == neutral(unknown[0])
    assert neutral(known[1]) == neutral(unknown[1])
    # Both invited the same way: an invitation row, no account made, the same kind of mail.
    assert db.session.scalar(sa.select(User).where(User.email == "nobody@example.jp")) is None
    assert db.session.scalar(sa.select(sa.func.count(CohortInvitation.id))
                             .where(CohortInvitation.status == InvitationStatus.PENDING)) == 2
    subjects = {m["To"]: m["Subject"].replace("回A", "").replace("回B", "") for m in outbox}
    assert subjects["known1@example.jp"] == subjects["nobody@example.jp"]


def test_no_account_and_no_password_link_for_a_new_address(app, ikoma, course, coordinator, outbox):
    """The import used to make accounts and mail them a password reset link (cohorts.py ~271)."""
    cohort = make_cohort(ikoma, course)
    import_file(coordinator, ikoma, cohort, ["新しい 人,new@example.jp,292095,40代,女性"])
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == "new@example.jp")) == 0
    body = next(m for m in outbox if m["To"] == "new@example.jp").get_body(("plain",)).get_content()
    assert "/reset/" not in body and LINK_RE.search(body)
    assert body.startswith("新しい 人 様") and cohort.title in body


# --- the invited person's side ---------------------------------------------------------------------------

def test_only_the_owner_logged_in_as_the_address_accepts_and_then_appears(app, ikoma, course, coordinator,
                                                                           victim, outbox):
    cohort = make_cohort(ikoma, course)
    import_file(coordinator, ikoma, cohort, ["名簿の 名前,Victim@Example.jp,292095,,"])
    path = path_of(link_for(outbox, "victim@example.jp"))
    # Logged out: the page explains and offers log-in or registration that come back here.
    anonymous = app.test_client()
    page = text_of(anonymous.get(path))
    assert "victim@example.jp" in page and "/login?next=" in page and "/register?next=" in page
    # Someone else, logged in with the link, is refused.
    make_trainee(email="other@example.jp")
    db.session.commit()
    other = app.test_client()
    login(other, "other@example.jp", PASSWORD)
    assert "別のアカウントでログインしています" in text_of(other.get(path))
    response = post_form(other, f"{path.replace('/join/', '/my/cohorts/')}/accept", {}, token_from=path)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrolment)
                             .where(Enrolment.cohort_id == cohort.id)) == 0
    # The owner accepts.
    owner = app.test_client()
    login(owner, "victim@example.jp", PASSWORD)
    assert "この講座に参加する" in text_of(owner.get(path))
    response = post_form(owner, f"{path.replace('/join/', '/my/cohorts/')}/accept", {}, token_from=path)
    assert response.status_code == 302 and "/courses/" in response.headers["Location"]
    assert enrolment_of(victim, course).cohort_id == cohort.id
    invitation = db.session.scalar(sa.select(CohortInvitation))
    assert invitation.status is InvitationStatus.ACCEPTED and invitation.token_hash is None
    # Now, by consent, the coordinator sees them as a participant, and the link is spent.
    assert "victim@example.jp" in text_of(coordinator.get(f"{cohort_url(ikoma, cohort)}/participants.csv"))
    page = text_of(coordinator.get(cohort_url(ikoma, cohort)))
    assert "座間 被害者" in page and "参加 1人・招待中 0人・辞退 0人" in page
    assert owner.get(path).status_code == 404


def test_the_invited_person_declines_without_an_account(app, ikoma, course, coordinator, outbox):
    cohort = make_cohort(ikoma, course)
    import_file(coordinator, ikoma, cohort, ["辞退 する人,no@example.jp,292095,,"])
    path = path_of(link_for(outbox, "no@example.jp"))
    stranger = app.test_client()
    response = post_form(stranger, f"{path}/decline", {}, token_from=path, follow_redirects=True)
    assert response.status_code == 200 and "招待を辞退しました" in text_of(response)
    assert stranger.get(path).status_code == 404
    assert "辞退" in text_of(coordinator.get(cohort_url(ikoma, cohort)))
    # Importing the same address again does not pester them.
    preview, _page = import_file(coordinator, ikoma, cohort, ["辞退 する人,no@example.jp,292095,,"], confirm=False)
    assert "招待を辞退しています" in preview


def test_the_join_page_tells_an_invited_person_and_keeps_their_seat(app, ikoma, course, coordinator, outbox):
    cohort = make_cohort(ikoma, course, capacity=1)
    import_file(coordinator, ikoma, cohort, ["招待 さん,invited@example.jp,292095,,"])
    # The seat is kept: a walk-in with the code finds the cohort full.
    walk_in = make_trainee()
    with pytest.raises(cohorts.CohortError) as error:
        cohorts.join(db.session, cohort, walk_in)
    assert error.value.code == "full"
    db.session.rollback()
    # The invited person, registered meanwhile, opens the poster's page and joins.
    make_trainee(email="invited@example.jp")
    db.session.commit()
    client = app.test_client()
    login(client, "invited@example.jp", PASSWORD)
    landing = f"/join/{cohorts.format_join_code(cohort.join_code)}"
    assert "招待されています" in text_of(client.get(landing))
    post_form(client, "/my/cohorts/join", {"code": cohort.join_code}, token_from=landing)
    assert db.session.scalar(sa.select(CohortInvitation.status)) is InvitationStatus.ACCEPTED
    assert cohorts.participant_count(db.session, cohort) == 1


# --- the coordinator's side ----------------------------------------------------------------------------

def test_coordinator_resends_and_withdraws_invitations_and_nobody_else_can(app, ikoma, course, coordinator, outbox):
    cohort = make_cohort(ikoma, course)
    import_file(coordinator, ikoma, cohort, ["一 さん,one@example.jp,292095,,", "二 さん,two@example.jp,292095,,"])
    page = text_of(coordinator.get(cohort_url(ikoma, cohort)))
    assert page.count("招待中") >= 2 and "一 さん" in page and "two@example.jp" in page
    one, two = db.session.scalars(sa.select(CohortInvitation).order_by(CohortInvitation.email)).all()
    first_link = path_of(link_for(outbox, "one@example.jp"))
    # Another area's coordinator cannot touch them.
    zama = make_organisation(municipality="142166", name="座間市")
    intruder = coordinator_client(app, zama, "zama@example.jp")
    for action in ("resend", "remove"):
        url = f"{cohort_url(ikoma, cohort)}/invitations/{one.id}/{action}"
        token_page = f"/coordinate/organisations/{zama.id}"
        assert post_form(intruder, url, {}, token_from=token_page).status_code == 404
    # Resend: a new link, the old one stops working.
    post_form(coordinator, f"{cohort_url(ikoma, cohort)}/invitations/{one.id}/resend", {},
              token_from=cohort_url(ikoma, cohort))
    second_link = path_of(link_for(outbox, "one@example.jp"))
    assert second_link != first_link
    assert app.test_client().get(first_link).status_code == 404
    assert app.test_client().get(second_link).status_code == 200
    # Withdraw: the link is dead and the row gone.
    two_link = path_of(link_for(outbox, "two@example.jp"))
    post_form(coordinator, f"{cohort_url(ikoma, cohort)}/invitations/{two.id}/remove", {},
              token_from=cohort_url(ikoma, cohort))
    assert app.test_client().get(two_link).status_code == 404
    assert "取り消しました" in text_of(coordinator.get(cohort_url(ikoma, cohort)))  # the message, once
    assert "two@example.jp" not in text_of(coordinator.get(cohort_url(ikoma, cohort)))


def test_an_invitation_of_one_cohort_cannot_be_used_through_another(app, ikoma, course, coordinator, outbox):
    mine = make_cohort(ikoma, course)
    other = make_cohort(ikoma, course, title="別の回")
    import_file(coordinator, ikoma, mine, ["一 さん,one@example.jp,292095,,"])
    invitation = db.session.scalar(sa.select(CohortInvitation))
    url = f"{cohort_url(ikoma, other)}/invitations/{invitation.id}/remove"
    assert post_form(coordinator, url, {}, token_from=cohort_url(ikoma, other)).status_code == 404
    assert db.session.get(CohortInvitation, invitation.id) is not None


def test_live_meeting_link_is_not_mailed_before_acceptance(app, ikoma, course, coordinator, outbox):
    cohort = make_cohort(ikoma, course, mode=CohortMode.LIVE_ONLINE)
    import_file(coordinator, ikoma, cohort, ["一 さん,one@example.jp,292095,,"])
    mail = next(m for m in outbox if m["To"] == "one@example.jp")
    assert "meet.example.jp" not in mail.get_body(("plain",)).get_content()
    assert not list(mail.iter_attachments())


def test_an_expired_link_is_refused_and_a_resent_one_works(app, ikoma, course, coordinator, outbox):
    cohort = make_cohort(ikoma, course)
    import_file(coordinator, ikoma, cohort, ["一 さん,one@example.jp,292095,,"])
    old_link = path_of(link_for(outbox, "one@example.jp"))
    invitation = db.session.scalar(sa.select(CohortInvitation))
    invitation.expires_at = invitation.sent_at - dt.timedelta(minutes=1)
    db.session.commit()
    assert app.test_client().get(old_link).status_code == 404
    assert "期限切れ" in text_of(coordinator.get(cohort_url(ikoma, cohort)))
    post_form(coordinator, f"{cohort_url(ikoma, cohort)}/invitations/{invitation.id}/resend", {},
              token_from=cohort_url(ikoma, cohort))
    assert app.test_client().get(path_of(link_for(outbox, "one@example.jp"))).status_code == 200
