"""`flask jobs worker`: runs the background jobs queued in Redis."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs (JOB_QUEUE=rq).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def jobs_worker(burst: bool) -> None:
    """Run the background jobs queued in Redis (bulk certificates); one or more per deployment."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = current_app.config["REDIS_URL"]
    if not url:
        raise click.ClickException("REDIS_URL is not set: the worker takes its jobs from Redis.")
    connection = Redis.from_url(url)
    # SimpleWorker runs each job in this process, inside this command's app context; the queue
    # name is the one app.jobs.dispatch_bulk puts jobs on.
    worker = SimpleWorker([Queue("certificates", connection=connection)], connection=connection)
    worker.work(burst=burst, with_scheduler=False)
