"""Benchmark (h): the national effect report (評価・検証) against the bare SQL it runs.

`seed_pairs` gives the seeded data set its self-assessment pairs: about a third of completed
enrolments answered both before and after (a usual share for an optional pre/post questionnaire),
with answers spread over the scale and a small average gain, and a fifth of those a follow-up.
One INSERT ... SELECT over the statistics records (so area, mode and fiscal year agree with them);
it runs only while evaluation_pair is empty, so a reused data set keeps its pairs.
"""
from __future__ import annotations

import statistics
import time
from contextlib import ExitStack

import httpx
from sqlalchemy import event

from bench.run import Figure, NotAvailable, login, timed_gets

PAIRS_PER_CENT = 35


def _value(seed: str, scale: str) -> str:
    """A deterministic answer 1..scale from the enrolment id (more often in the middle); bigint, since
    ids times the seeds pass the 32-bit range at the full scale."""
    return f"(1 + ((e.id::bigint * {seed}) % 97 * (e.id::bigint * {seed} + 11) % 89) % {scale})"


def _after(before: str, seed: str, scale: str) -> str:
    # Mostly the same or one point higher, sometimes two, now and then one lower.
    step = f"(CASE (e.id::bigint * {seed}) % 10 WHEN 0 THEN -1 WHEN 1 THEN 2 WHEN 2 THEN 1 WHEN 3 THEN 1 " \
           f"WHEN 4 THEN 1 ELSE 0 END)"
    return f"GREATEST(1, LEAST({scale}, {before} + {step}))"


def seed_pairs(conn) -> int:
    """Insert the pairs once; returns how many (0 when the table already has rows)."""
    if conn.execute("SELECT EXISTS (SELECT 1 FROM evaluation_pair)").fetchone()[0]:
        return 0
    scale = "(CASE s.audience WHEN 'children' THEN 4 ELSE 5 END)"
    seeds = ("31", "37", "41", "43", "47")
    befores = [_value(seed, scale) for seed in seeds]
    afters = [_after(b, str(int(seed) + 2), scale) for b, seed in zip(befores, seeds, strict=True)]
    children_null = "CASE s.audience WHEN 'children' THEN NULL ELSE {} END"
    b5, a5 = children_null.format(befores[4]), children_null.format(afters[4])
    followup = "(e.id::bigint * 13) % 5 = 0 AND s.audience = 'adult'"
    result = conn.execute(f"""
        INSERT INTO evaluation_pair (key, enrolment_id, course_id, version_id, audience, mode, cohort_id,
            organisation_id, prefecture_code, municipality_code, fiscal_year, before_on, after_on, before_skipped,
            after_skipped, b1, b2, b3, b4, b5, a1, a2, a3, a4, a5, followup_consent, followup_sent_on, followup_on,
            noticed, spoke, connected)
        SELECT md5('pair-' || e.id), e.id, e.course_id, e.completed_version_id, s.audience, s.mode, e.cohort_id,
            h.organisation_id, s.prefecture_code, s.municipality_code, s.fiscal_year,
            (e.created_at AT TIME ZONE 'Asia/Tokyo')::date, (e.completed_at AT TIME ZONE 'Asia/Tokyo')::date,
            false, false, {', '.join(befores[:4])}, {b5}, {', '.join(afters[:4])}, {a5},
            s.audience = 'adult', CASE WHEN {followup} THEN (e.completed_at + interval '90 days')::date END,
            CASE WHEN {followup} THEN (e.completed_at + interval '95 days')::date END,
            CASE WHEN {followup} THEN (e.id % 3) <> 0 END, CASE WHEN {followup} THEN (e.id % 4) = 0 END,
            CASE WHEN {followup} THEN (e.id % 9) = 0 END
        FROM enrolment e JOIN supporter_record s ON s.enrolment_id = e.id LEFT JOIN cohort h ON h.id = e.cohort_id
        WHERE e.completed_at IS NOT NULL AND (e.id::bigint * 7919 + 5) % 100 < {PAIRS_PER_CENT}""")
    conn.execute("ANALYZE evaluation_pair")
    return result.rowcount


def bench_evaluation(run, server, section) -> None:
    """The admin's national effect report (page and service) against its bare SQL, per round."""
    try:
        from app.services.evaluation import reports
    except ImportError as error:
        raise NotAvailable("the evaluation service does not exist yet") from error
    from app.extensions import db

    with run.db() as conn:
        added = seed_pairs(conn)
        pairs = conn.execute("SELECT count(*) FROM evaluation_pair").fetchone()[0]
        email = conn.execute("""SELECT email FROM "user" WHERE role = 'admin' ORDER BY id LIMIT 1""").fetchone()[0]
    app = run.flask_app()
    rounds = 2 if run.smoke else 9
    path = "/admin/evaluation?compare=1"
    scope, filters = reports.Scope(), reports.Filters()
    with app.app_context():
        captured: list[tuple[str, object]] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            captured.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            reports.report(db.session, scope, filters, compare=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        db.session.rollback()
    statements = [(s, p) for s, p in captured if s.lstrip().upper().startswith("SELECT")]
    page_ms, service_ms, bare_ms, ratios = [], [], [], []
    with ExitStack() as stack:
        client = stack.enter_context(httpx.Client(base_url=server.base, timeout=120))
        login(client, email)
        conn = stack.enter_context(run.db())
        stack.enter_context(app.app_context())
        for n in range(rounds + 1):
            page = timed_gets(client, path, 1)[0]
            t = time.perf_counter()
            reports.report(db.session, scope, filters, compare=True)
            service = (time.perf_counter() - t) * 1000
            db.session.rollback()
            t = time.perf_counter()
            for statement, parameters in statements:
                conn.execute(statement, parameters).fetchall()
            bare = (time.perf_counter() - t) * 1000
            if n == 0:
                continue  # warm-up
            page_ms.append(page)
            service_ms.append(service)
            bare_ms.append(bare)
            ratios.append(page / bare)
    section.figures += [
        Figure(f"national effect report page, GET {path} (whole country, every year, modes compared)", "ms",
               page_ms, "≤ 1 s", statistics.median(page_ms) <= 1000),
        Figure("reports.report() alone, in process", "ms", service_ms),
        Figure("bare SQL: the report's statements through psycopg alone", "ms", bare_ms),
        Figure("ratio page / bare SQL (per round)", "×", ratios, "≤ 1.5", statistics.median(ratios) <= 1.5),
    ]
    section.notes.append(
        f"{pairs:,} pairs in evaluation_pair ({added:,} seeded in this run; about {PAIRS_PER_CENT} % of completed "
        f"enrolments). The {len(statements)} SELECT statements of `reports.report(Scope(), Filters(), compare=True)` "
        "are captured once and replayed with psycopg; each round (after a warm-up) times the page, the report in "
        "process and the bare SQL in turn.")
