"""Profile quiz submissions in process on the bench database: CPU per submission, statements per
submission (and which), and a pyinstrument tree. Each submission passes, so it also completes the
enrolment and issues its certificate row, as in benchmark (b).

    python -m bench.profile_submit --count 40            # 40 trainees ready for the quiz
    python -m bench.profile_submit --count 40 --sql      # list the statements of one submission
    python -m bench.profile_submit --count 40 --profile  # pyinstrument tree over the submissions

It uses up trainees of the bench data set (their enrolments complete), like benchmark (b).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time

from sqlalchemy import event

from bench import seed as seeding
from bench.run import ADULT, CSRF_RE, TOKEN_RE, Run, correct_answers, quiz_trainees


def prepare(client, email: str, answers: dict[str, list[str]]) -> tuple[str, dict]:
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    r = client.post("/login", data={"csrf_token": token, "email": email, "password": seeding.BENCH_PASSWORD})
    if r.status_code != 302:
        raise RuntimeError(f"log-in of {email}: {r.status_code}")
    page = client.get(f"/courses/{ADULT}/quiz").get_data(as_text=True)
    r = client.post(f"/courses/{ADULT}/quiz/start", data={"csrf_token": CSRF_RE.search(page).group(1)})
    path = r.headers["Location"]
    text = client.get(path).get_data(as_text=True)
    data: dict = {"csrf_token": CSRF_RE.search(text).group(1), "token": TOKEN_RE.search(text).group(1)}
    for qid, choices in answers.items():
        data[f"q-{qid}"] = choices
    return path, data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--sql", action="store_true", help="print the statements of the first submission")
    parser.add_argument("--profile", action="store_true", help="pyinstrument tree of the submissions")
    parser.add_argument("--rq", metavar="REDIS_URL", nargs="?", const="redis://127.0.0.1:6379/15",
                        help="JOB_QUEUE=rq as in production: the certificate's render and mail are queued "
                             "(to this Redis; its queue is emptied afterwards) instead of mailed in the request")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", seeding.DEFAULT_URL))
    args = parser.parse_args(argv)
    run = Run(argparse.Namespace(smoke=False), seeding.psycopg_url(args.database_url), None)
    app = run.flask_app()
    if args.rq:
        app.config.update(JOB_QUEUE="rq", REDIS_URL=args.rq, CERTIFICATE_PRERENDER=True)
    answers = correct_answers(run)
    prepared = []
    for email in quiz_trainees(run, args.count):
        client = app.test_client()
        prepared.append((client, *prepare(client, email, answers)))
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda c, cur, stmt, *a: statements.append(stmt))
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
    first: list[str] = []
    started, cpu = time.perf_counter(), time.process_time()
    for i, (client, path, data) in enumerate(prepared):
        r = client.post(path, data=data)
        if r.status_code != 302:
            raise RuntimeError(f"submission {path}: {r.status_code}")
        if i == 0:
            first = list(statements)
    wall = (time.perf_counter() - started) / len(prepared) * 1000
    cpu = (time.process_time() - cpu) / len(prepared) * 1000
    if profiler is not None:
        profiler.stop()
    if args.rq:
        from redis import Redis
        from rq import Queue

        Queue("certificates", connection=Redis.from_url(args.rq)).empty()
    print(f"{len(prepared)} submissions: {wall:.2f} ms wall, {cpu:.2f} ms CPU each (in process, test client), "
          f"{len(statements) / len(prepared):.1f} statements each"
          f"{' (JOB_QUEUE=rq)' if args.rq else ' (JOB_QUEUE=thread: the mail is sent in the request)'}")
    if args.sql:
        for stmt in first:
            print("  " + re.sub(r"\s+", " ", stmt)[:260])
    if profiler is not None:
        print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
