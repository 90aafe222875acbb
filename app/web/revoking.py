"""Revoking a certificate, the same way and in the same words for its organisation and for an admin."""
from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import RevokeForm
from app.models import Certificate
from app.services.certificates import issuing


def revoke(cert: Certificate, form: RevokeForm) -> None:
    """Revoke `cert` for the reason in the validated `form`, commit, and say what happened."""
    try:
        issuing.revoke(db.session, cert, reason=form.reason.data, actor=current_user)
    except issuing.CertificateError:
        db.session.rollback()
        flash(_("この証書はすでに取り消されています。"), "error")
    else:
        db.session.commit()
        flash(_("証書 %(serial)s を取り消しました。確認ページにも表示されます。", serial=cert.serial), "success")
