"""Benchmarks (c) cohort and prefecture dashboards and (d) national statistics."""
from __future__ import annotations

import statistics
import time
from contextlib import ExitStack

import httpx
from sqlalchemy import event

from bench import seed as seeding
from bench.run import CSRF_RE, Figure, NotAvailable, login, timed_gets

HOKKAIDO = "01"
SMALL_PREFECTURE = "31"  # 鳥取県: the fewest municipalities after the smallest prefectures


def _endpoint_exists(run, endpoint: str) -> bool:
    app = run.flask_app()
    return endpoint in app.view_functions


def count_queries(run, email: str, paths: list[str]) -> dict[str, int]:
    """Statements per request for each path, in process, as `email` (after one warm-up request)."""
    from app.extensions import db

    app = run.flask_app()
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    if client.post("/login", data={"csrf_token": token, "email": email,
                                   "password": seeding.BENCH_PASSWORD}).status_code != 302:
        raise RuntimeError(f"log-in of {email} failed")
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    counts = {}
    try:
        for path in paths:
            if client.get(path).status_code != 200:
                raise RuntimeError(f"GET {path} failed in process")
            seen.clear()
            client.get(path)
            counts[path] = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return counts


def _cohorts(run) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(org id, cohort id, participants) of the biggest cohort and of a small one."""
    marker = dict(part.split("=", 1) for part in (seeding.marker(run.url) or "").split()[1:] if "=" in part)
    with run.db() as conn:
        # The cohort the seed made with 5,000 participants (scaled down in smoke runs).
        big = conn.execute("""SELECT c.organisation_id, c.id, count(*) FROM enrolment e JOIN cohort c ON c.id = e.cohort_id
                              WHERE c.id = %s GROUP BY c.organisation_id, c.id""",
                           (int(marker.get("big_cohort", 1)),)).fetchone()
        small = conn.execute("""SELECT c.organisation_id, c.id, count(*) FROM enrolment e JOIN cohort c ON c.id = e.cohort_id
                                JOIN course k ON k.id = c.course_id AND k.slug = 'tsunagari-adult'
                                GROUP BY c.organisation_id, c.id HAVING count(*) BETWEEN 5 AND 40
                                ORDER BY c.id LIMIT 1""").fetchone()
    return big, small


def _coordinator(run, org_id: int) -> str:
    with run.db() as conn:
        return conn.execute("""SELECT u.email FROM membership m JOIN "user" u ON u.id = m.user_id
                               WHERE m.organisation_id = %s ORDER BY u.id LIMIT 1""", (org_id,)).fetchone()[0]


def _prefecture_org(run, code: str) -> tuple[int, int]:
    with run.db() as conn:
        org_id = conn.execute("SELECT id FROM organisation WHERE prefecture_code = %s ORDER BY id LIMIT 1",
                              (code,)).fetchone()[0]
        residents = conn.execute("""SELECT count(*) FROM "user" WHERE municipality_code BETWEEN %s AND %s""",
                                 (f"{code}0000", f"{code}9999")).fetchone()[0]
    return org_id, residents


def bench_dashboards(run, server, section) -> None:
    if not (_endpoint_exists(run, "coordinate.cohort_detail") and _endpoint_exists(run, "coordinate.area")):
        raise NotAvailable("the cohort and prefecture dashboards do not exist yet")
    requests = 3 if run.smoke else 30
    (big_org, big_id, big_n), (small_org, small_id, small_n) = _cohorts(run)
    big_path = f"/coordinate/organisations/{big_org}/cohorts/{big_id}"
    small_path = f"/coordinate/organisations/{small_org}/cohorts/{small_id}"
    pref_org, pref_n = _prefecture_org(run, HOKKAIDO)
    small_pref_org, small_pref_n = _prefecture_org(run, SMALL_PREFECTURE)
    pref_path = f"/coordinate/organisations/{pref_org}/area"
    small_pref_path = f"/coordinate/organisations/{small_pref_org}/area"

    timings = {}
    for label, org_id, path in (("cohort", big_org, big_path), ("prefecture", pref_org, pref_path)):
        with httpx.Client(base_url=server.base, timeout=60) as client:
            login(client, _coordinator(run, org_id))
            timed_gets(client, path, 2)  # warm-up
            timings[label] = timed_gets(client, path, requests)
    cold = prefecture_cold(run, HOKKAIDO, 2 if run.smoke else 5)
    q_big = count_queries(run, _coordinator(run, big_org), [big_path])[big_path]
    q_small = count_queries(run, _coordinator(run, small_org), [small_path])[small_path]
    q_pref = count_queries(run, _coordinator(run, pref_org), [pref_path])[pref_path]
    q_small_pref = count_queries(run, _coordinator(run, small_pref_org), [small_pref_path])[small_pref_path]
    section.figures += [
        Figure(f"cohort dashboard, {big_n:,} participants", "ms", timings["cohort"], "p50 ≤ 150 ms",
               statistics.median(timings["cohort"]) <= 150),
        Figure(f"北海道 prefecture dashboard, {pref_n:,} residents", "ms", timings["prefecture"], "p50 ≤ 150 ms",
               statistics.median(timings["prefecture"]) <= 150),
    ]
    section.figures.append(Figure("北海道 figures computed afresh (cache expired), in process", "ms", cold,
                                  note="what one request in AREA_CACHE_SECONDS pays"))
    same = q_big == q_small and q_pref == q_small_pref
    section.notes += [
        f"Queries per request (counted in process): cohort dashboard {q_big} with {big_n:,} participants and "
        f"{q_small} with {small_n:,}; prefecture dashboard {q_pref} for 北海道 ({pref_n:,} residents) and "
        f"{q_small_pref} for 鳥取県 ({small_pref_n:,}): "
        + ("**independent of size** (target met)." if same else "**depends on size** (target missed)."),
        f"GET {big_path} as a coordinator of the cohort's organisation and GET {pref_path} as a coordinator of "
        f"the 北海道 prefecture organisation, {requests} sequential requests each after 2 warm-up requests, "
        "over HTTP to the gunicorn server.",
    ]
    section.figures.append(Figure("queries per request, big / small (cohort, then prefecture)", "queries",
                                  [q_big, q_small, q_pref, q_small_pref], "independent of size", same,
                                  note=f"cohort {q_big}/{q_small}, prefecture {q_pref}/{q_small_pref}"))


def prefecture_cold(run, code: str, count: int) -> list[float]:
    """The prefecture dashboard's figures without the cache: the service function, timed in process."""
    from app.extensions import db
    from app.services.cohorts import cohort_reports

    app = run.flask_app()
    times = []
    with app.app_context():
        for _ in range(count):
            t = time.perf_counter()
            cohort_reports.prefecture_area(db.session, code, "北海道")
            times.append((time.perf_counter() - t) * 1000)
            db.session.rollback()
    return times


def _statistics_endpoint(run) -> str | None:
    app = run.flask_app()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and "statistic" in rule.endpoint and "GET" in rule.methods \
                and not rule.arguments and not rule.rule.endswith((".csv", ".xlsx", ".pdf", ".json")):
            return rule.rule
    return None


def bench_statistics(run, server, section) -> None:
    """The national statistics page (and its service) against the bare SQL it runs, replayed with
    psycopg alone, measured in the same round."""
    try:
        from app.services.statistics import statistics as stats
    except ImportError as error:
        raise NotAvailable("the national statistics service does not exist yet") from error
    if not hasattr(stats, "national_report"):
        raise NotAvailable("the national statistics service does not exist yet")
    from app.extensions import db

    app = run.flask_app()
    rounds = 2 if run.smoke else 9
    path = _statistics_endpoint(run)
    with run.db() as conn:
        email = conn.execute("""SELECT email FROM "user" WHERE role = 'admin' ORDER BY id LIMIT 1""").fetchone()[0]
    with app.app_context():
        engine = db.engine
        captured: list[tuple[str, object]] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            captured.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", listener)
        try:
            stats.national_report(db.session, stats.Filters())
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        db.session.rollback()
    statements = [(s, p) for s, p in captured if s.lstrip().upper().startswith("SELECT")]
    page_ms, service_ms, bare_ms, ratios = [], [], [], []
    with ExitStack() as stack:
        client = None
        if path is not None:
            client = stack.enter_context(httpx.Client(base_url=server.base, timeout=120))
            login(client, email)
        conn = stack.enter_context(run.db())
        stack.enter_context(app.app_context())
        for n in range(rounds + 1):
            if client is not None:
                page = timed_gets(client, path, 1)[0]
            t = time.perf_counter()
            stats.national_report(db.session, stats.Filters())
            service = (time.perf_counter() - t) * 1000
            db.session.rollback()
            t = time.perf_counter()
            for statement, parameters in statements:
                conn.execute(statement, parameters).fetchall()
            bare = (time.perf_counter() - t) * 1000
            if n == 0:
                continue  # warm-up
            service_ms.append(service)
            bare_ms.append(bare)
            if client is not None:
                page_ms.append(page)
            ratios.append((page if client is not None else service) / bare)
    measured = "page" if path is not None else "report"
    if path is not None:
        section.figures.append(Figure(f"admin statistics page, GET {path} (whole country, every year)", "ms",
                                      page_ms, "≤ 1 s", statistics.median(page_ms) <= 1000))
    section.figures += [
        Figure("national_report() alone, in process", "ms", service_ms,
               "" if path is not None else "≤ 1 s", None if path is not None else statistics.median(service_ms) <= 1000),
        Figure("bare SQL: the report's statements through psycopg alone", "ms", bare_ms),
        Figure(f"ratio {measured} / bare SQL (per round)", "×", ratios, "≤ 1.5", statistics.median(ratios) <= 1.5),
    ]
    section.notes.append(
        f"The {len(statements)} SELECT statements of `national_report(Filters())` (what the page shows by default) "
        "are captured once and replayed with psycopg, no ORM, no templates; each of the "
        f"{len(ratios)} rounds (after a warm-up) times the {measured}, the report in process and the bare SQL in turn."
        + ("" if path is not None else " The admin statistics page does not exist yet."))
