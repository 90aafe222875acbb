"""Load test: simulated trainees doing the adult path against gunicorn (several sync workers) and a
fresh PostgreSQL database, all on 127.0.0.1.

    python -m quality.load                  # 200 trainees for 60 s
    python -m quality.load --short          # 200 trainees for 20 s (CI)

The trainees run in a closed loop without think time (harsher than 200 people reading), so a
saturated server finishes few paths within the run; after it, one trainee walks the whole path
alone (certificate included) to show the app still works end to end.

Pass: no 5xx at all, no path failed, the solo path completes, and the database holds exactly
what the clients saw succeed (registrations, quiz attempts started and submitted, completions with one certificate
each, survey answers, stored PDFs with the hash the client received): nothing lost, nothing
doubled, nothing half-written. The figures (p50/p95/p99 per step) are printed and written to
tests/_artifacts/quality/load.json.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from quality.servers import (
    ARTIFACTS,
    SECRET_KEY,
    Gunicorn,
    app_env,
    free_port,
    fresh_postgres,
    pg_admin_url,
    pg_available,
    prepare_database,
)
from quality.trainees import GiveUp, MailBox, Seen, Stats, Trainee, crowd, percentile

OUT = ARTIFACTS / "quality"


@dataclass
class Stack:
    base: str
    database_url: str
    server: Gunicorn
    instance: Path
    mailbox: MailBox  # the confirmation links the server mailed (to <instance>/mail.log)


@contextlib.contextmanager
def app_stack(name: str, workers: int, **env: str) -> Iterator[Stack]:
    """A fresh database with the default courses, and gunicorn on a free loopback port."""
    if not pg_available():
        raise SystemExit(f"PostgreSQL is not reachable at {pg_admin_url()} (set QUALITY_PG_URL)")
    OUT.mkdir(parents=True, exist_ok=True)
    instance = OUT / f"{name}-instance"
    with fresh_postgres(f"tsunagari_{name}") as url:
        prepare_database(url, instance, demo=False)
        port = free_port()
        settings = {"JOB_QUEUE": "thread", "RATELIMIT_STORAGE_URI": "memory://",
                    # Every simulated trainee comes from 127.0.0.1: limits per address would only
                    # measure the limiter. Rate limits have their own tests.
                    "LOGIN_RATE_LIMIT": "100000 per minute", "VERIFY_RATE_LIMIT": "100000 per minute",
                    "RESET_RATE_LIMIT": "100000 per minute", "JOIN_RATE_LIMIT": "100000 per minute",
                    "REGISTER_RATE_LIMIT": "100000 per minute", **env}
        log = OUT / f"{name}-gunicorn.log"
        log.unlink(missing_ok=True)
        # Without MAIL_SERVER (app_env empties it) the server appends its mails to <instance>/mail.log.
        mailbox = MailBox(instance)
        mailbox.forget_earlier()
        with Gunicorn(app_env(url, instance, port, **settings), port, log, workers=workers, timeout=120) as server:
            yield Stack(server.base, url, server, instance, mailbox)


def seed_trainees(stack: Stack, run_id: str, count: int, login_share: float) -> Seen:
    """`count` trainees in 生駒市 who registered earlier and got somewhere: 0 to 6 lessons done,
    as people arrive at any point of the course. Most are still logged in: a login record made by
    the app's own accounts.start_login, its token in a session cookie signed with the app's key,
    as Flask-Login keeps it in a browser; `login_share` of them log in with their password first.
    One password hash for all (hashing 200 would only measure scrypt before the run)."""
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.extensions import db
    from app.models import Course, Role, User
    from app.services.accounts import accounts
    from app.services.learning import enrolling, progress
    from config import Config, database_url
    from quality.trainees import PASSWORD

    config = type("SeedConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": database_url(stack.database_url),
                                             "INSTANCE_DIR": stack.instance, "SECRET_KEY": SECRET_KEY})
    app = create_app(config)
    seen = Seen()
    password_hash = generate_password_hash(PASSWORD)
    with app.app_context():
        import sqlalchemy as sa

        course = db.session.scalar(sa.select(Course).where(Course.slug == "tsunagari-adult"))
        version = course.live_version
        keys = [lesson.key for lesson in version.lessons]
        for n in range(count):
            user = User(email=f"load-{run_id}-s{n}@example.jp", display_name="負荷 試験", role=Role.TRAINEE,
                        municipality_code="292095", password_hash=password_hash, session_version=1)
            db.session.add(user)
            db.session.flush()
            seen.seeded.add(user.email)
            if n >= count * login_share:
                token = accounts.start_login(db.session, user, user_agent="quality.load seed")
                seen.sessions[user.email] = app.session_interface.get_signing_serializer(app).dumps(
                    {"_user_id": token, "_fresh": False})
            done = n % (len(keys) + 1)
            if done:
                enrolment = enrolling.enrol(db.session, user, course)
                for key in keys[:done]:
                    progress.complete_lesson(db.session, enrolment, version, key)
                seen.lessons_done[user.email] = done
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return seen


def registering_split(users: int, register_share: float) -> int:
    """How many of `users` start from a seeded account; the others start by registering."""
    return max(1, users - round(users * register_share))


def quiz_answers(database_url: str) -> tuple[dict, dict]:
    with psycopg.connect(database_url) as conn:
        quiz = conn.execute("SELECT v.quiz FROM course c JOIN content_version v ON v.id = c.live_version_id "
                            "WHERE c.slug = 'tsunagari-adult'").fetchone()[0]
    right, wrong = {}, {}
    for q in quiz["questions"]:
        right[q["id"]] = [str(a) for a in q["answer"]]
        others = [c["id"] for c in q["choices"] if c["id"] not in q["answer"]]
        wrong[q["id"]] = others[:1] if q["kind"] != "multiple" else others
    return right, wrong


# --- what the database holds ---------------------------------------------------------------------

def check_database(database_url: str, run_id: str, seen: Seen) -> list[str]:
    """Compare the database with what the clients saw; return the problems (empty: all good)."""
    like = f"load-{run_id}-%"
    problems: list[str] = []

    def same(what: str, db_side, client_side) -> None:
        if db_side != client_side:
            only_db, only_client = sorted(set(db_side) - set(client_side)), sorted(set(client_side) - set(db_side))
            problems.append(f"{what}: database {len(db_side)}, clients {len(client_side)}; only in the database "
                            f"{only_db[:5]}, only seen by clients {only_client[:5]}")

    with psycopg.connect(database_url) as conn:
        q = lambda sql: conn.execute(sql, {"like": like}).fetchall()  # noqa: E731
        users = set(r[0] for r in q('SELECT email FROM "user" WHERE email LIKE %(like)s'))
        same("registered trainees", sorted(users - seen.seeded), sorted(seen.registered))
        base = ('FROM quiz_attempt a JOIN enrolment e ON e.id = a.enrolment_id JOIN "user" u ON u.id = e.user_id '
                "WHERE u.email LIKE %(like)s")
        same("quiz attempts started", sorted(r[0] for r in q(f"SELECT a.id {base}")), sorted(seen.attempts_started))
        same("quiz attempts submitted", sorted(r[0] for r in q(f"SELECT a.id {base} AND a.submitted_at IS NOT NULL")),
             sorted(seen.attempts_submitted))
        half = q(f"SELECT a.id {base} AND ((a.submitted_at IS NULL) <> (a.score IS NULL) "
                 "OR (a.submitted_at IS NULL) <> (a.is_passed IS NULL))")
        if half:
            problems.append(f"half-written quiz attempts: {half[:5]}")
        enrolments = 'FROM enrolment e JOIN "user" u ON u.id = e.user_id WHERE u.email LIKE %(like)s'
        same("completions", sorted(r[0] for r in q(f"SELECT u.email {enrolments} AND e.completed_at IS NOT NULL")),
             sorted(seen.completed))
        doubled = q(f"SELECT u.email, count(*) {enrolments} GROUP BY u.email HAVING count(*) > 1")
        if doubled:
            problems.append(f"trainees enrolled twice: {doubled[:5]}")
        bad_progress = q(f"SELECT e.id, e.lessons_done, (SELECT count(*) FROM lesson_progress p WHERE "
                         f"p.enrolment_id = e.id) {enrolments} AND e.lessons_done <> (SELECT count(*) FROM "
                         "lesson_progress p WHERE p.enrolment_id = e.id)")
        if bad_progress:
            problems.append(f"enrolments whose lesson count disagrees with their lessons: {bad_progress[:5]}")
        lessons = q("SELECT count(*) FROM lesson_progress p JOIN enrolment e ON e.id = p.enrolment_id "
                    'JOIN "user" u ON u.id = e.user_id WHERE u.email LIKE %(like)s')[0][0]
        if lessons != sum(seen.lessons_done.values()):
            problems.append(f"lessons completed: database {lessons}, clients {sum(seen.lessons_done.values())}")
        incomplete = q(f"SELECT e.id {enrolments} AND e.completed_at IS NOT NULL AND (e.quiz_passed_at IS NULL "
                       "OR e.lessons_done < e.lessons_required)")
        if incomplete:
            problems.append(f"completed enrolments missing their lessons or quiz: {incomplete[:5]}")
        certs = q(f"SELECT e.id, (SELECT count(*) FROM certificate c WHERE c.current_for_enrolment_id = e.id) "
                  f"{enrolments} AND e.completed_at IS NOT NULL")
        wrong_certs = [r for r in certs if r[1] != 1]
        if wrong_certs:
            problems.append(f"completed enrolments without exactly one certificate: {wrong_certs[:5]}")
        stray = q("SELECT c.id FROM certificate c JOIN enrolment e ON e.id = c.enrolment_id "
                  'JOIN "user" u ON u.id = e.user_id WHERE u.email LIKE %(like)s AND e.completed_at IS NULL')
        if stray:
            problems.append(f"certificates of trainees who did not complete: {stray[:5]}")
        files = q("SELECT c.id, c.pdf_sha256, encode(sha256(f.data), 'hex'), substring(f.data from 1 for 4) "
                  'FROM certificate c JOIN "user" u ON u.id = c.user_id '
                  "LEFT JOIN certificate_file f ON f.certificate_id = c.id WHERE u.email LIKE %(like)s")
        stored = {r[0]: r for r in files if r[2] is not None}
        same("stored certificate PDFs", sorted(stored), sorted(seen.certificates))
        for cert_id, digest in seen.certificates.items():
            row = stored.get(cert_id)
            if row is not None and not (row[1] == row[2] == digest and bytes(row[3]) == b"%PDF"):
                problems.append(f"certificate {cert_id}: served {digest[:12]}, stored {row[2][:12]}, recorded "
                                f"{(row[1] or '')[:12]}")
        unhashed = [r[0] for r in files if (r[1] is None) != (r[2] is None)]
        if unhashed:
            problems.append(f"certificates whose stored PDF and recorded hash disagree: {unhashed[:5]}")
        surveys = q(f"SELECT u.email {enrolments} AND e.survey_done_at IS NOT NULL")
        same("survey answers (per trainee)", sorted(r[0] for r in surveys), sorted(seen.surveys))
        responses = conn.execute("SELECT count(*) FROM survey_response").fetchone()[0]
        if responses != len(seen.surveys):
            problems.append(f"anonymous survey responses: database {responses}, clients {len(seen.surveys)}")
    return problems


async def solo_path(base: str, run_id: str, seen: Seen, answers, mailbox: MailBox) -> str | None:
    """Register (confirming from the mail), every lesson, a failed and a passed quiz, the survey and
    the certificate, alone."""
    trainee = Trainee(base, f"load-{run_id}-solo@example.jp", answers, Stats(), seen, time.monotonic() + 300,
                      mailbox=mailbox)
    try:
        await trainee.run()
    except GiveUp as error:
        return str(error)
    if trainee.email not in seen.completed or not seen.certificates:
        return "the trainee did not complete or got no certificate"
    return None


# --- figures -------------------------------------------------------------------------------------

def figures(stats: Stats, seen: Seen, seconds: float) -> dict:
    every = stats.all_latencies()
    steps = {name: {"requests": len(v), "p50_ms": round(percentile(v, 50) * 1000),
                    "p95_ms": round(percentile(v, 95) * 1000), "max_ms": round(max(v) * 1000)}
             for name, v in sorted(stats.latencies.items())}
    return {
        "seconds": round(seconds, 1), "requests": len(every), "requests_per_second": round(len(every) / seconds, 1),
        "p50_ms": round(percentile(every, 50) * 1000), "p95_ms": round(percentile(every, 95) * 1000),
        "p99_ms": round(percentile(every, 99) * 1000), "statuses": dict(sorted(stats.statuses.items())),
        "transport_errors": dict(stats.transport_errors), "retries": stats.retries,
        "paths_finished": stats.flows_finished, "registered": len(seen.registered),
        "attempts_submitted": len(seen.attempts_submitted), "completions": len(seen.completed),
        "certificates_downloaded": len(seen.certificates), "surveys": len(seen.surveys), "steps": steps,
        # A registration is two requests (the form, then the button on the mailed link's page, each
        # after a GET of its form) and a mail read from mail.log in between.
        "mail_wait_p50_ms": round(percentile(stats.mail_waits, 50) * 1000) if stats.mail_waits else None,
        "mail_wait_max_ms": round(max(stats.mail_waits) * 1000) if stats.mail_waits else None,
    }


def print_figures(title: str, f: dict) -> None:
    print(f"\n== {title} ==")
    print(f"{f['requests']} requests in {f['seconds']} s ({f['requests_per_second']}/s); latency p50 {f['p50_ms']} ms, "
          f"p95 {f['p95_ms']} ms, p99 {f['p99_ms']} ms")
    print(f"statuses {f['statuses']}; transport errors {f['transport_errors']}; retries {f['retries']}")
    print(f"paths finished {f['paths_finished']}; registered {f['registered']}; attempts submitted "
          f"{f['attempts_submitted']}; completions {f['completions']}; certificates downloaded "
          f"{f['certificates_downloaded']}; surveys {f['surveys']}")
    mail = (f"the mail was in mail.log p50 {f['mail_wait_p50_ms']} ms, max {f['mail_wait_max_ms']} ms after the "
            "register answer" if f["mail_wait_p50_ms"] is not None else "no registration reached its mail in this run")
    print("a registration is two requests, 'register' (the form) and 'register confirm' (the button on the page "
          f"of the mailed link), each after a GET of its form, with the mail in between: {mail}")
    print(f"{'step':<24}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, s in f["steps"].items():
        print(f"{name:<24}{s['requests']:>9}{s['p50_ms']:>9}{s['p95_ms']:>9}{s['max_ms']:>9}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--short", action="store_true", help="20 s (CI)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--login-share", type=float, default=0.1,
                        help="share of the trainees who log in with their password (scrypt) at the start")
    parser.add_argument("--register-share", type=float, default=0.1,
                        help="share of the trainees who start by registering (form, mail, confirmation)")
    args = parser.parse_args(argv)
    seconds = 20 if args.short else args.seconds
    run_id = secrets.token_hex(3)
    with app_stack("load", args.workers) as stack:
        print(f"{args.users} simulated trainees for {seconds:.0f} s against {stack.base} "
              f"(gunicorn {args.workers} workers, PostgreSQL)", flush=True)
        # The first path of the last `register_share` of the trainees is a new registration (the
        # others start from a seeded account): registering is exercised under load, not only after it.
        seen = seed_trainees(stack, run_id, registering_split(args.users, args.register_share), args.login_share)
        started = time.monotonic()
        stats, seen, failures = asyncio.run(crowd(stack.base, args.users, seconds, quiz_answers(stack.database_url),
                                                  run_id=run_id, seen=seen, mailbox=stack.mailbox))
        elapsed = time.monotonic() - started
        # Then one trainee alone walks the whole path, certificate included: the app still works
        # end to end after the load (under a saturated server few paths finish within the run).
        solo_failure = asyncio.run(solo_path(stack.base, run_id, seen, quiz_answers(stack.database_url),
                                             stack.mailbox))
        problems = check_database(stack.database_url, run_id, seen)
    result = figures(stats, seen, elapsed)
    result.update({"users": args.users, "workers": args.workers, "failures": failures[:20],
                   "server_errors": stats.server_errors[:20], "database_problems": problems})
    print_figures("load test", result)
    (OUT / "load.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    fivexx = sum(n for code, n in stats.statuses.items() if code >= 500)
    verdict = []
    if fivexx:
        verdict.append(f"{fivexx} responses were 5xx")
    if failures:
        verdict.append(f"{len(failures)} paths failed, e.g. {failures[:3]}")
    if stats.transport_errors:
        verdict.append(f"transport errors: {dict(stats.transport_errors)}")
    if solo_failure:
        verdict.append(f"the whole path after the load failed: {solo_failure}")
    verdict += problems
    if verdict:
        print("\nFAILED:\n  " + "\n  ".join(verdict))
        return 1
    print("\nPASSED: no 5xx; the database holds exactly what the clients saw succeed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
