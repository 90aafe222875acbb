"""Where background work runs: RQ workers on Redis when JOB_QUEUE=rq (production), otherwise a
thread inside the app process (the embedded SQLite default, tests)."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.services.certificates import bulk

log = logging.getLogger(__name__)
_threads: list[threading.Thread] = []
_queues: dict[str, object] = {}


def _queue(app: Flask):  # noqa: ANN202 (rq.Queue, imported only with RQ)
    """The RQ queue `flask jobs worker` listens to, one per process and Redis address: its connection
    pool is reused, so a quiz submission that queues its certificate opens no new connection."""
    url = app.config["REDIS_URL"]
    if url not in _queues:
        from redis import Redis
        from rq import Queue

        _queues[url] = Queue("certificates", connection=Redis.from_url(url))
    return _queues[url]


def run_bulk_job(job_id: int) -> None:
    """Entry point for a worker (RQ or thread): needs an app context."""
    try:
        bulk.run(db.session, job_id, base_url=current_app.config["BASE_URL"])
    finally:
        db.session.remove()


def _in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run_bulk_job(job_id)
        except Exception:  # the job row records the failure; the log keeps the traceback
            log.exception("bulk job %s failed", job_id)


def dispatch_bulk(app: Flask, job_id: int) -> None:
    """Queue a bulk job after the request has committed it."""
    if app.config["JOB_QUEUE"] == "rq":
        _queue(app).enqueue(
            "app.jobs.run_bulk_job", job_id, job_timeout=3600)
        return
    thread = threading.Thread(target=_in_thread, args=(app, job_id), name=f"bulk-{job_id}", daemon=True)
    _threads.append(thread)
    thread.start()


def wait_for_threads(timeout: float = 60) -> None:
    """Tests and the CLI wait for in-process jobs to finish."""
    while _threads:
        _threads.pop().join(timeout)


# --- invitation e-mails of a participant import ---------------------------------------------------------

def run_invitation_mail(invitation_ids: list[int]) -> None:
    """Mail the invitations of a confirmed participant import (RQ or thread; needs an app context).

    The links are made here (participant_import.fresh_links) so no token waits in the queue; a mail
    that fails is logged by cohort_mail and the coordinator can send that invitation again."""
    from datetime import timedelta

    from app.models import Cohort
    from app.services.cohorts import participant_import
    from app.web import cohort_mail

    config = current_app.config
    days = config["INVITE_TOKEN_DAYS"]
    # url_for and the mail templates want a request; the links use the configured address.
    with current_app.test_request_context("/", base_url=config["BASE_URL"]):
        try:
            links = participant_import.fresh_links(db.session, invitation_ids, lifetime=timedelta(days=days))
            db.session.commit()
            for invitation, token in links:
                cohort_mail.send_invitation(config, invitation, db.session.get(Cohort, invitation.cohort_id),
                                            token, days)
        finally:
            db.session.remove()


def _invitations_in_thread(app: Flask, invitation_ids: list[int]) -> None:
    with app.app_context():
        try:
            run_invitation_mail(invitation_ids)
        except Exception:  # the invitations stay pending; the coordinator can send them again
            log.exception("invitation mail job failed for %s", invitation_ids)


def dispatch_invitations(app: Flask, invitation_ids: list[int]) -> None:
    """Queue the invitation e-mails after the request has committed the invitations; returns at once."""
    if not invitation_ids:
        return
    if app.config["JOB_QUEUE"] == "rq":
        # The queue `flask jobs worker` listens to.
        _queue(app).enqueue(
            "app.jobs.run_invitation_mail", list(invitation_ids), job_timeout=3600)
        return
    thread = threading.Thread(target=_invitations_in_thread, args=(app, list(invitation_ids)),
                              name="invitations", daemon=True)
    _threads.append(thread)
    thread.start()


# --- a cancelled cohort's participants are told -----------------------------------------------------------

def run_cancellation_mail(cohort_id: int, user_ids: list[int]) -> None:
    """Tell the participants of a cancelled cohort (RQ or thread; needs an app context)."""
    import sqlalchemy as sa
    from flask import render_template
    from flask_babel import gettext as _

    from app.models import Cohort, User
    from app.services.infra import mail
    from app.web import cohort_mail
    from app.web.cohort_text import place_text, when_text

    config = current_app.config
    with current_app.test_request_context("/", base_url=config["BASE_URL"]):
        try:
            cohort = db.session.get(Cohort, cohort_id)
            if cohort is None or cohort.cancelled_at is None:
                return
            for user in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)).order_by(User.id)):
                if not user.email:
                    continue
                body = render_template("email/cohort_cancelled.txt", user=user, cohort=cohort,
                                       org=cohort.organisation, when=when_text(cohort),
                                       place=place_text(cohort, for_participant=True))
                ics = cohort_mail.cancellation_ics(config, cohort, cohort.organisation, user.email)
                try:
                    mail.send(config, user.email,
                              _("【つながりサポーター養成講座】中止のお知らせ: %(title)s", title=cohort.title), body,
                              attachments=[("tsunagari-session-cancelled.ics", cohort_mail.CANCEL_ICS_TYPE, ics)]
                              if ics else None)
                except Exception:  # one bad address must not keep the others from being told
                    log.exception("could not send the cancellation of cohort %s to user %s", cohort_id, user.id)
        finally:
            db.session.remove()


def _cancellation_in_thread(app: Flask, cohort_id: int, user_ids: list[int]) -> None:
    with app.app_context():
        try:
            run_cancellation_mail(cohort_id, user_ids)
        except Exception:
            log.exception("cancellation mail job failed for cohort %s", cohort_id)


def dispatch_cancellation(app: Flask, cohort_id: int, user_ids: list[int]) -> None:
    """Queue the cancellation e-mails after the request has committed the cancellation."""
    if not user_ids:
        return
    if app.config["JOB_QUEUE"] == "rq":
        _queue(app).enqueue(
            "app.jobs.run_cancellation_mail", cohort_id, list(user_ids), job_timeout=3600)
        return
    thread = threading.Thread(target=_cancellation_in_thread, args=(app, cohort_id, list(user_ids)),
                              name=f"cancel-{cohort_id}", daemon=True)
    _threads.append(thread)
    thread.start()


# --- certificates rendered right after completion --------------------------------------------------------

def run_certificate_render(cert_ids: list[int]) -> None:
    """Render and store the PDFs of newly issued certificates (RQ or thread; needs an app context), so
    the holder's first download is a stored file. A certificate that fails here is only logged: the
    download renders it on demand, as before, and explains what stands in the way."""
    from app.models import Certificate
    from app.services.certificates import issuing

    base_url = current_app.config["BASE_URL"]
    try:
        for cert_id in cert_ids:
            cert = db.session.get(Certificate, cert_id)
            if cert is None or cert.revoked_at is not None or cert.pdf_sha256 is not None:
                continue
            try:
                issuing.pdf_bytes(db.session, cert, base_url=base_url)
                db.session.commit()
            except Exception:  # a font, a logo, the database: the on-demand path stays
                db.session.rollback()
                log.exception("certificate %s was not rendered ahead; it will be rendered at download", cert_id)
    finally:
        db.session.remove()


# One render at a time per process: a cohort completing together would otherwise start a render
# thread each, all holding WeasyPrint's tens of megabytes at once and taking the CPU from requests.
_render_lock = threading.Lock()


def _renders_in_thread(app: Flask, cert_ids: list[int]) -> None:
    from app.services.infra import memory

    with _render_lock, app.app_context():
        try:
            run_certificate_render(cert_ids)
        except Exception:
            log.exception("certificate render job failed for %s", cert_ids)
        finally:
            memory.collect_now()  # WeasyPrint's garbage back to the OS: the worker stays small


def run_certificate_followup(cert_ids: list[int], render: bool = True) -> None:
    """What follows a committed completion on an RQ worker: the PDFs rendered (when `render`), then the
    holders mailed, so the mail's download link finds a stored file and no SMTP round trip or
    template work is left in the web request (issue 17: quiz submissions at a peak)."""
    if render:
        run_certificate_render(cert_ids)
    from app.web import notifications

    with current_app.test_request_context("/", base_url=current_app.config["BASE_URL"]):
        try:
            notifications.send_certificate_mails(db.session, cert_ids)
        finally:
            db.session.remove()


def dispatch_certificate_render(app: Flask, cert_ids: list[int]) -> None:
    """Queue the render of certificates issued by a committed completion (thread queue only: with RQ
    the render travels with the mail, `dispatch_certificate_followup`)."""
    if not cert_ids:
        return
    thread = threading.Thread(target=_renders_in_thread, args=(app, list(cert_ids)), name="certificate-render",
                              daemon=True)
    _threads.append(thread)
    thread.start()


def followup_job_id(cert_id: int) -> str:
    return f"certificate-followup-{cert_id}"


def dispatch_certificate_followup(app: Flask, cert_ids: list[int], render: bool) -> None:
    """With RQ: a job per certificate of a committed completion renders it (when `render`) and mails
    its holder; named after the certificate, so a download can tell that its PDF is on the way."""
    queue = _queue(app)
    for cert_id in cert_ids:
        queue.enqueue("app.jobs.run_certificate_followup", [cert_id], render, job_id=followup_job_id(cert_id),
                      job_timeout=600)


PENDING_STATUSES = {"queued", "started", "deferred", "scheduled"}


def render_pending(app: Flask, cert_id: int) -> bool:
    """Whether an RQ worker is about to store this certificate's PDF: its follow-up job, with the
    render on, waits or runs. False whenever that cannot be told (no RQ, Redis down): the download
    then renders on demand as before."""
    if app.config["JOB_QUEUE"] != "rq" or not app.config.get("CERTIFICATE_PRERENDER"):
        return False
    try:
        from rq.job import Job

        job = Job.fetch(followup_job_id(cert_id), connection=_queue(app).connection)
        return job.get_status(refresh=False) in PENDING_STATUSES and bool(job.args and job.args[-1])
    except Exception:  # no such job (finished and expired, never queued), Redis unreachable
        return False


def _followup_after_commit(session) -> None:
    """After a commit that issued certificates on completion: with RQ, one job renders and mails them;
    with the thread queue the mail goes out here (small sites: no worker to hand it to) and the
    render, when CERTIFICATE_PRERENDER is on, runs in a thread."""
    from flask import has_app_context

    from app.services.certificates.issuing import ISSUED_KEY

    cert_ids = session.info.pop(ISSUED_KEY, [])
    if not cert_ids or not has_app_context():
        return
    app = current_app._get_current_object()
    # On unless configured off; tests turn it on where they check it, so other tests start no renders.
    render = bool(app.config.get("CERTIFICATE_PRERENDER"))
    if app.config["JOB_QUEUE"] == "rq":
        try:
            dispatch_certificate_followup(app, cert_ids, render)
            return
        except Exception:  # Redis down: the completion is committed; mail here, render on demand
            log.exception("could not queue the follow-up of certificates %s; mailing in the request", cert_ids)
            render = False
    from app.web import notifications

    with Session(bind=session.get_bind()) as reader:  # not the committing session, inside its own hook
        notifications.send_certificate_mails(reader, cert_ids)
    if render:
        try:
            dispatch_certificate_render(app, cert_ids)
        except Exception:
            log.exception("could not start the render of certificates %s", cert_ids)


_render_hook_registered = False


def register_certificate_renders(app: Flask) -> None:
    """After a commit that issued certificates on completion, render and mail them (see above)."""
    global _render_hook_registered
    if _render_hook_registered:
        return
    _render_hook_registered = True
    from sqlalchemy import event

    from app.services.certificates.issuing import ISSUED_KEY

    event.listen(Session, "after_commit", _followup_after_commit)
    event.listen(Session, "after_rollback", lambda session: session.info.pop(ISSUED_KEY, None))
