"""A trainee's own certificates: PDF and wallet card downloads."""
from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask_login import current_user

from app.extensions import db
from app.learn import bp
from app.models import Certificate
from app.services.accounts import class_roster
from app.services.certificates import issuing
from app.web import pdf


def load_own_certificate(cert_id: int) -> Certificate:
    """The viewer's own certificate; anyone else's answers 404."""
    cert = db.session.get(Certificate, cert_id)
    if cert is None or cert.user_id != current_user.id:
        abort(404)
    return cert


def name_unset_page(cert: Certificate):
    """A pupil's certificate still carrying the class's default name (「5年1組 1番」) is not printed:
    the pupil is asked to tell their teacher, who sets the name on the class page."""
    if class_roster.prints_class_default(db.session, current_user, cert.holder_name):
        return render_template("learn/certificate_name_unset.html", cert=cert), 409
    return None


def broken_certificate_page(cert: Certificate, error: issuing.UnprintableError):
    """The certificate cannot be rendered from what it holds: say so, and who fixes it. Its
    organisation sees the same problem on its certificate page, with a way to repair it."""
    current_app.logger.warning("certificate %s cannot be rendered for its holder: %s", cert.id, error.code)
    return render_template("learn/certificate_broken.html", cert=cert), 503


@bp.route("/my/certificates/<int:cert_id>.pdf")
def certificate_pdf(cert_id: int):
    cert = load_own_certificate(cert_id)
    if cert.revoked_at is not None:
        return render_template("learn/certificate_revoked.html", cert=cert), 410
    if (unset := name_unset_page(cert)) is not None:
        return unset
    return pdf.certificate_pdf(cert, back_url=url_for("learn.my_page"),
                               unprintable=lambda error: broken_certificate_page(cert, error))


@bp.route("/my/certificates/<int:cert_id>/card.pdf")
def certificate_card(cert_id: int):
    cert = load_own_certificate(cert_id)
    if cert.revoked_at is not None or cert.superseded_at is not None:
        return render_template("learn/certificate_revoked.html", cert=cert), 410
    if (unset := name_unset_page(cert)) is not None:
        return unset
    return pdf.certificate_pdf(cert, back_url=url_for("learn.my_page"), card=True,
                               unprintable=lambda error: broken_certificate_page(cert, error))
