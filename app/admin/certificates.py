"""Admin: find any certificate by serial, code or name; revoke it with a reason."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for

from app.admin import bp
from app.extensions import db
from app.forms import RevokeForm
from app.models import Certificate
from app.services.certificates import issuing
from app.web import revoking


@bp.route("/certificates")
def certificate_search():
    q = request.args.get("q", "").strip()
    certs = []
    if q:
        found = issuing.find_by_code(db.session, q)
        stmt = sa.select(Certificate).where(sa.or_(Certificate.serial.contains(q), Certificate.holder_name.contains(q)))
        certs = ([found] if found else []) + [c for c in db.session.scalars(stmt.order_by(Certificate.serial).limit(100))
                                              if c is not found]
    return render_template("admin/certificates.html", q=q, certs=certs)


@bp.route("/certificates/<int:cert_id>", methods=["GET", "POST"])
def certificate_detail(cert_id: int):
    cert = db.session.get(Certificate, cert_id)
    if cert is None:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        revoking.revoke(cert, form)
        return redirect(url_for("admin.certificate_detail", cert_id=cert.id))
    return render_template("admin/certificate.html", cert=cert, result=issuing.verify(cert), revoke_form=form)
