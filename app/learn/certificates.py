"""A trainee's own certificates: PDF and wallet card downloads."""
from __future__ import annotations

from flask import abort, current_app, render_template
from flask_login import current_user

from app.extensions import db
from app.learn import bp
from app.models import Certificate
from app.services import issuing
from app.services.certificates.fonts import FontMissingError


def load_own_certificate(cert_id: int) -> Certificate:
    """The viewer's own certificate; anyone else's answers 404."""
    cert = db.session.get(Certificate, cert_id)
    if cert is None or cert.user_id != current_user.id:
        abort(404)
    return cert


def pdf_response(data: bytes, filename: str):
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def font_missing_page(error: FontMissingError):
    return render_template("errors/font_missing.html", error=error), 503


@bp.route("/my/certificates/<int:cert_id>.pdf")
def certificate_pdf(cert_id: int):
    cert = load_own_certificate(cert_id)
    if cert.revoked_at is not None:
        return render_template("learn/certificate_revoked.html", cert=cert), 410
    try:
        data = issuing.pdf_bytes(db.session, cert, base_url=current_app.config["BASE_URL"])
    except FontMissingError as error:
        db.session.rollback()
        return font_missing_page(error)
    db.session.commit()
    return pdf_response(data, f"{cert.serial}.pdf")


@bp.route("/my/certificates/<int:cert_id>/card.pdf")
def certificate_card(cert_id: int):
    cert = load_own_certificate(cert_id)
    if cert.revoked_at is not None or cert.superseded_at is not None:
        return render_template("learn/certificate_revoked.html", cert=cert), 410
    try:
        data = issuing.card_pdf(db.session, cert, base_url=current_app.config["BASE_URL"])
    except FontMissingError as error:
        return font_missing_page(error)
    return pdf_response(data, f"{cert.serial}-card.pdf")
