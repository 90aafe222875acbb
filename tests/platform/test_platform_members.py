"""Platforms and members: invitations change nothing until accepted, leaving ends sharing, all audited."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, MemberState, OrganisationKind
from app.services.platform import members
from tests.factories import make_organisation
from tests.platform.helpers import platform_world


def test_states_and_who_is_active(app):
    w = platform_world()
    assert members.active_member_org_ids(db.session, w["platform"].id) == {w["npo"].id}
    assert members.visible_org_ids(db.session, w["platform"]) == {w["npo"].id, w["city"].id}
    assert [p.id for p in members.platforms_run_by(db.session, w["city"].id)] == [w["platform"].id]
    assert members.platforms_run_by(db.session, w["npo"].id) == []
    assert w["invited"].state is MemberState.INVITED and w["left"].state is MemberState.LEFT


def test_only_an_area_office_runs_a_platform(app):
    npo = make_organisation(kind=OrganisationKind.NPO)
    with pytest.raises(members.PlatformError) as error:
        members.create_platform(db.session, npo, "NPOの集まり", actor=None)
    assert error.value.code == "not_an_area_office"
    pref = make_organisation(prefecture="29", kind=OrganisationKind.PREFECTURE, name="奈良県")
    assert members.create_platform(db.session, pref, "奈良県プラットフォーム", actor=None).id


def test_an_organisation_belongs_to_several_platforms(app):
    w = platform_world()
    zama = make_organisation(municipality="142166", name="座間市")
    other = members.create_platform(db.session, zama, "座間市プラットフォーム", actor=None)
    members.accept(db.session, members.invite(db.session, other, w["npo"].id, actor=None), actor=None)
    assert w["npo"].id in members.active_member_org_ids(db.session, other.id)
    assert w["npo"].id in members.active_member_org_ids(db.session, w["platform"].id)
    assert len(members.memberships_of(db.session, w["npo"].id)) == 2


def test_refusals(app):
    w = platform_world()
    platform = w["platform"]
    for organisation_id, code in ((w["npo"].id, "already_member"), (w["council"].id, "already_invited"),
                                  (w["city"].id, "runs_platform"), (999999, "unknown_organisation")):
        with pytest.raises(members.PlatformError) as error:
            members.invite(db.session, platform, organisation_id, actor=None)
        assert error.value.code == code
    with pytest.raises(members.PlatformError):
        members.accept(db.session, w["active"], actor=None)
    with pytest.raises(members.PlatformError):
        members.leave(db.session, w["invited"], actor=None)
    with pytest.raises(members.PlatformError):
        members.withdraw(db.session, w["active"], actor=None)


def test_a_former_member_is_invited_again_on_its_row(app):
    w = platform_world()
    again = members.invite(db.session, w["platform"], w["company"].id, actor=None)
    assert again.id == w["left"].id and again.state is MemberState.INVITED
    assert again.accepted_at is None and again.left_at is None
    assert w["company"].id not in members.active_member_org_ids(db.session, w["platform"].id)


def test_every_step_is_audited(app):
    w = platform_world()
    members.decline(db.session, w["invited"], actor=None)
    db.session.commit()
    actions = list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("platform.%"))
                                      .order_by(AuditEvent.id)))
    assert actions == ["platform.create", "platform.invite", "platform.accept", "platform.invite", "platform.invite",
                       "platform.accept", "platform.leave", "platform.decline"]


def test_invitable_leaves_out_members_and_invitations(app):
    w = platform_world()
    names = {c.name for c in members.invitable(db.session, w["platform"], "生駒")}
    assert names == {"生駒商事", "生駒小学校"}  # not the city itself, the active NPO or the invited council
    assert members.invitable(db.session, w["platform"], "生") == []  # two characters at least
