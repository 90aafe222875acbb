"""Builders for the platform tests: a municipality running a platform, members in each state."""
from __future__ import annotations

from app.extensions import db
from app.models import OrganisationKind
from app.services.platform import members
from tests.factories import make_organisation


def platform_world():
    """生駒市 runs a platform; an NPO is active, a council invited, a company has left, a school never asked."""
    city = make_organisation(municipality="292095", name="生駒市")
    npo = make_organisation(municipality="292095", kind=OrganisationKind.NPO, name="NPO法人いこま")
    council = make_organisation(municipality="292095", kind=OrganisationKind.WELFARE_COUNCIL, name="生駒市社会福祉協議会")
    company = make_organisation(municipality="292095", kind=OrganisationKind.COMPANY, name="生駒商事")
    school = make_organisation(municipality="292095", kind=OrganisationKind.SCHOOL, name="生駒小学校")
    platform = members.create_platform(db.session, city, "生駒市つながり連携プラットフォーム", actor=None)
    active = members.invite(db.session, platform, npo.id, actor=None)
    members.accept(db.session, active, actor=None)
    invited = members.invite(db.session, platform, council.id, actor=None)
    left = members.invite(db.session, platform, company.id, actor=None)
    members.accept(db.session, left, actor=None)
    members.leave(db.session, left, actor=None)
    db.session.commit()
    return {"city": city, "npo": npo, "council": council, "company": company, "school": school,
            "platform": platform, "active": active, "invited": invited, "left": left}
