"""`flask demo`: the demo town runs a platform with the demo school invited, once."""
from __future__ import annotations

from app.extensions import db
from app.models import MemberState
from app.services import demo
from app.services.platform import members


def test_demo_platform_with_the_school_invited(app):
    made = demo.ensure_demo(db.session)
    demo.ensure_demo(db.session)  # a second run changes nothing
    platforms = members.platforms_run_by(db.session, made.organisation.id)
    assert [p.name for p in platforms] == [demo.DEMO_PLATFORM_NAME]
    rows = members.members_of(db.session, platforms[0])
    assert [(r.organisation_id, r.state) for r in rows] == [(made.school.id, MemberState.INVITED)]
    assert members.active_member_org_ids(db.session, platforms[0].id) == set()
