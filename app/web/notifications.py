"""E-mails that must go out only once the change they announce is committed."""
from __future__ import annotations

import logging

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.models import Certificate, Enrolment, User
from app.services.evaluation import answers as evaluation
from app.services.infra import mail
from app.urls import external_url

log = logging.getLogger(__name__)
_registered = False


def _send_certificate_mails(session: Session) -> None:
    ids = session.info.pop("certificates_issued", [])
    if not ids:
        return
    for cert_id in ids:
        # A fresh session: the committing one must not be used inside its own commit hook.
        with Session(bind=session.get_bind()) as reader:
            cert = reader.get(Certificate, cert_id)
            user = reader.get(User, cert.user_id) if cert and cert.user_id else None
            if cert is None or user is None or not user.email:
                continue  # pupils have no e-mail: their teacher hands out the certificate
            enrolment = reader.get(Enrolment, cert.enrolment_id) if cert.enrolment_id else None
            # The optional after questionnaire, linked while it is still open (never required).
            after = (external_url("learn.evaluation", slug=enrolment.course.slug, phase="after")
                     if enrolment is not None and evaluation.due(reader, enrolment) is evaluation.Phase.AFTER
                     else None)
            try:
                mail.send(current_app.config, user.email, _("【つながりサポーター養成講座】修了証を発行しました"),
                          render_template("email/certificate_issued.txt", user=user, cert=cert,
                                          link=external_url("learn.certificate_pdf", cert_id=cert.id),
                                          verify=external_url("public.verify", code=cert.code_display),
                                          evaluation=after))
            except Exception:  # a mail failure must not undo a committed certificate
                log.exception("could not send the certificate e-mail for %s", cert.serial)


def register(app: Flask) -> None:
    global _registered
    if _registered:
        return
    _registered = True
    event.listen(Session, "after_commit", _send_certificate_mails)
    event.listen(Session, "after_rollback", lambda session: session.info.pop("certificates_issued", None))
