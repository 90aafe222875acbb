"""Platform operators' pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.forms import InviteForm, OrganisationForm
from app.extensions import db
from app.models import Organisation, OrganisationKind, User
from app.services.certificates import issuing
from app.services.organisations import organisations
from app.web.invitations import send_invitation


def load_organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


@bp.route("/")
def index():
    counts = {
        "organisations": db.session.scalar(sa.select(sa.func.count(Organisation.id))),
        "users": db.session.scalar(sa.select(sa.func.count(User.id))),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/organisations")
def organisation_list():
    q = request.args.get("q", "").strip()
    orgs = organisations.search_organisations(db.session, q)
    return render_template("admin/organisations.html", organisations=orgs, q=q)


@bp.route("/organisations/new", methods=["GET", "POST"])
def organisation_new():
    form = OrganisationForm()
    if form.validate_on_submit():
        org = organisations.create_organisation(
            db.session, kind=OrganisationKind(form.kind.data), name=form.name.data,
            area_code=form.area_code.data, actor=current_user)
        issuing.settings_for(db.session, org)  # its certificate settings, with their serial prefix
        db.session.commit()
        flash(_("団体「%(name)s」を作成しました。", name=org.name), "success")
        return redirect(url_for("admin.organisation_detail", org_id=org.id))
    return render_template("admin/organisation_form.html", form=form, org=None)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
def organisation_detail(org_id: int):
    org = load_organisation(org_id)
    form = OrganisationForm(obj=None if request.method == "POST" else org)
    if request.method == "GET":
        form.kind.data = org.kind.value
        form.area_code.data = org.municipality_code or org.prefecture_code
    if form.validate_on_submit():
        organisations.update_organisation(db.session, org, kind=OrganisationKind(form.kind.data),
                                          name=form.name.data, area_code=form.area_code.data, actor=current_user)
        db.session.commit()
        flash(_("保存しました。"), "success")
        return redirect(url_for("admin.organisation_detail", org_id=org.id))
    return render_template("admin/organisation_form.html", form=form, org=org, invite_form=InviteForm())


@bp.route("/organisations/<int:org_id>/invite", methods=["POST"])
def organisation_invite(org_id: int):
    org = load_organisation(org_id)
    return send_invitation(org, InviteForm(), url_for("admin.organisation_detail", org_id=org.id))


@bp.route("/users")
def user_list():
    q = request.args.get("q", "").strip()
    stmt = sa.select(User).order_by(User.id.desc()).limit(100)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(User.email.like(like), User.display_name.like(f"%{q}%")))
    return render_template("admin/users.html", users=list(db.session.scalars(stmt)), q=q)
