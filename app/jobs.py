"""Where background work runs: RQ workers on Redis when JOB_QUEUE=rq (production), otherwise a
thread inside the app process (the embedded SQLite default, tests)."""
from __future__ import annotations

import logging
import threading

from flask import Flask, current_app

from app.extensions import db
from app.services.certificates import bulk

log = logging.getLogger(__name__)
_threads: list[threading.Thread] = []


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
        from redis import Redis
        from rq import Queue

        Queue("certificates", connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(
            "app.jobs.run_bulk_job", job_id, job_timeout=3600)
        return
    thread = threading.Thread(target=_in_thread, args=(app, job_id), name=f"bulk-{job_id}", daemon=True)
    _threads.append(thread)
    thread.start()


def wait_for_threads(timeout: float = 60) -> None:
    """Tests and the CLI wait for in-process jobs to finish."""
    while _threads:
        _threads.pop().join(timeout)
