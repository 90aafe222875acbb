"""E-mails that must go out only once the change they announce is committed."""
from __future__ import annotations

import logging

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.models import Certificate, Enrolment, User
from app.services.evaluation import answers as evaluation
from app.services.infra import mail
from app.urls import external_url

log = logging.getLogger(__name__)


def send_certificate_mails(reader: Session, cert_ids: list[int]) -> None:
    """Mail the holders of newly issued certificates (app.jobs calls this once the completion is
    committed: on the RQ worker after the render, else in the request). Needs a request context
    (templates and links); `reader` is a session of its own, never the one committing."""
    for cert_id in cert_ids:
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
