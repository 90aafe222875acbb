"""A trainee's own certificates: PDF and wallet card downloads."""
from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app.extensions import db
from app.learn import bp
from app.models import Certificate
from app.services.certificates import issuing
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


def broken_certificate_page(cert: Certificate, error: issuing.UnprintableError):
    """The certificate cannot be rendered from what it holds: say so, and who fixes it. Its
    organisation sees the same problem on its certificate page, with a way to repair it."""
    current_app.logger.warning("certificate %s cannot be rendered for its holder: %s", cert.id, error.code)
    return render_template("learn/certificate_broken.html", cert=cert), 503


def database_unreachable(error: DBAPIError) -> bool:
    """The database itself is gone (app.errors answers 503), as opposed to refusing to store
    (a full disk, SQLSTATE class 53, a trigger, a missing privilege)."""
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return error.connection_invalidated or isinstance(error, InterfaceError) or (
        isinstance(error, OperationalError) and not sqlstate.startswith("53"))


def storage_failed_page(error: DBAPIError, back_url: str):
    """The PDF could not be stored: say so plainly, and serve nothing that is not stored (its
    hash is what verification checks, so an unstored PDF could never be proven genuine)."""
    current_app.logger.error("certificate PDF not stored: %s", str(error).splitlines()[0])
    return render_template("errors/certificate_storage.html", retry_url=request.full_path.rstrip("?"),
                           back_url=back_url), 503, {"Retry-After": "30"}


@bp.route("/my/certificates/<int:cert_id>.pdf")
def certificate_pdf(cert_id: int):
    cert = load_own_certificate(cert_id)
    if cert.revoked_at is not None:
        return render_template("learn/certificate_revoked.html", cert=cert), 410
    try:
        data = issuing.pdf_bytes(db.session, cert, base_url=current_app.config["BASE_URL"])
        db.session.commit()
    except FontMissingError as error:
        db.session.rollback()
        return font_missing_page(error)
    except issuing.UnprintableError as error:
        db.session.rollback()
        return broken_certificate_page(cert, error)
    except DBAPIError as error:
        if database_unreachable(error):
            raise
        db.session.rollback()
        return storage_failed_page(error, url_for("learn.my_page"))
    return pdf_response(data, f"{cert.serial}.pdf")


@bp.route("/my/certificates/<int:cert_id>/card.pdf")
def certificate_card(cert_id: int):
    cert = load_own_certificate(cert_id)
    if cert.revoked_at is not None or cert.superseded_at is not None:
        return render_template("learn/certificate_revoked.html", cert=cert), 410
    try:
        data = issuing.card_pdf(db.session, cert, base_url=current_app.config["BASE_URL"])
        db.session.commit()  # a logo stored before uploads were scaled down is stored scaled now
    except FontMissingError as error:
        db.session.rollback()
        return font_missing_page(error)
    except issuing.UnprintableError as error:
        db.session.rollback()
        return broken_certificate_page(cert, error)
    return pdf_response(data, f"{cert.serial}-card.pdf")
