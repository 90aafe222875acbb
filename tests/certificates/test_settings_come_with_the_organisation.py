"""An organisation's certificate settings are made with it, so the settings page only reads them;
one made before that (or by a test's factory) still gets its default row on the page's first visit."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import CertificateSettings, Organisation
from tests.conftest import coordinator_client, post_form
from tests.factories import make_organisation


def test_an_organisation_made_by_an_admin_has_its_certificate_settings(admin_client):
    client = admin_client
    response = post_form(client, "/admin/organisations/new", {"name": "生駒市", "kind": "municipality",
                                                               "area_code": "292095"})
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "生駒市"))
    settings = db.session.get(CertificateSettings, org.id)
    assert settings is not None and settings.organiser_name == "生駒市" and settings.serial_prefix == "292095"


def test_an_older_organisation_gets_its_default_settings_on_the_first_visit(app):
    org = make_organisation(municipality="292095", name="生駒市")
    db.session.commit()
    client = coordinator_client(app, org, "c@example.jp")
    assert db.session.get(CertificateSettings, org.id) is None
    assert client.get(f"/coordinate/organisations/{org.id}/certificate-settings").status_code == 200
    db.session.expire_all()
    assert db.session.get(CertificateSettings, org.id).organiser_name == "生駒市"
