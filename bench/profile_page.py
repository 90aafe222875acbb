"""Profile one page in process on the bench database: time, queries per request, pyinstrument tree.

    python -m bench.profile_page /courses/tsunagari-adult/lessons/kizuku --as t1234@bench.example
    python -m bench.profile_page /coordinate/... --as coord12@bench.example --requests 20 --sql

Without --as, the trainee of benchmark (a) is used.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time

from sqlalchemy import event

from bench import seed as seeding
from bench.run import CSRF_RE, Run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?")
    parser.add_argument("--as", dest="email")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", seeding.DEFAULT_URL))
    args = parser.parse_args(argv)
    run = Run(argparse.Namespace(smoke=False), seeding.psycopg_url(args.database_url), None)
    app = run.flask_app()
    email, path = args.email, args.path
    if email is None or path is None:
        from bench.run import lesson_trainee

        default_email, default_path = lesson_trainee(run)
        email, path = email or default_email, path or default_path
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    if client.post("/login", data={"csrf_token": token, "email": email,
                                   "password": seeding.BENCH_PASSWORD}).status_code != 302:
        print("log-in failed", file=sys.stderr)
        return 1
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda c, cur, stmt, *a: statements.append(stmt))
    for _ in range(3):
        status = client.get(path).status_code
    statements.clear()
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        client.get(path)
    wall = (time.perf_counter() - started) / args.requests * 1000
    cpu = (time.process_time() - cpu) / args.requests * 1000
    print(f"GET {path} as {email}: {status}, {wall:.2f} ms wall, {cpu:.2f} ms CPU, "
          f"{len(statements) / args.requests:.1f} queries per request")
    if args.sql:
        statements.clear()
        client.get(path)
        for stmt in statements:
            print("  " + re.sub(r"\s+", " ", stmt)[:300])
    if not args.no_profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.requests):
            client.get(path)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
