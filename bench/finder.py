"""Benchmark (i): the public session finder and its feeds on the seeded data set (20,000 cohorts).

The seed dates every cohort before its reference day, so `prepare` makes about one cohort in ten
public and upcoming (over the next 120 days; on-demand ones open-ended) and a platform of one
municipality with twenty member organisations. It runs only while fewer than 100 public cohorts
are upcoming, so a reused data set is changed once (and again when its dates have passed).
Each page and feed is timed over HTTP against the gunicorn server, and its statements are
counted in process (a cold request: one warm-up first, as the dashboards do).
"""
from __future__ import annotations

import time

import httpx
from sqlalchemy import event

from bench.run import Figure, NotAvailable, timed_gets

PUBLIC_SHARE = "id % 10 = 3"
TARGET_MS = 100


def prepare(conn) -> tuple[int, str, str]:
    """(platform id, a municipality code with public sessions, its prefecture) after making them."""
    upcoming = conn.execute("SELECT count(*) FROM cohort WHERE is_public AND starts_at > now()").fetchone()[0]
    if upcoming < 100:
        conn.execute(f"""UPDATE cohort SET is_public = true, registration_deadline = NULL,
            starts_at = date_trunc('hour', now()) + ((id % 120) || ' days')::interval + ((id % 8) || ' hours')::interval,
            ends_at = CASE WHEN mode = 'on_demand' THEN NULL ELSE
                date_trunc('hour', now()) + ((id % 120) || ' days')::interval + ((id % 8) || ' hours')::interval
                + interval '90 minutes' END
            WHERE {PUBLIC_SHARE}""")
        conn.execute("ANALYZE cohort")
    code = conn.execute("""SELECT o.municipality_code FROM cohort c JOIN organisation o ON o.id = c.organisation_id
                           WHERE c.is_public AND o.municipality_code IS NOT NULL AND o.kind = 'municipality'
                           GROUP BY o.municipality_code ORDER BY count(*) DESC, o.municipality_code LIMIT 1""").fetchone()[0]
    runner = conn.execute("""SELECT id FROM organisation WHERE municipality_code = %s AND kind = 'municipality'
                             ORDER BY id LIMIT 1""", (code,)).fetchone()[0]
    platform = conn.execute("SELECT id FROM platform WHERE organisation_id = %s ORDER BY id LIMIT 1", (runner,)).fetchone()
    if platform is None:
        platform = conn.execute("""INSERT INTO platform (organisation_id, name, created_at)
                                   VALUES (%s, 'ベンチ連携プラットフォーム', now()) RETURNING id""", (runner,)).fetchone()
        conn.execute("""INSERT INTO platform_member (platform_id, organisation_id, state, invited_at, accepted_at)
                        SELECT %s, id, 'active', now(), now() FROM organisation
                        WHERE id <> %s AND municipality_code LIKE %s ORDER BY id LIMIT 20""",
                     (platform[0], runner, code[:2] + "%"))
    return platform[0], code, code[:2]


def _statements(run, paths: list[str]) -> dict[str, int]:
    from app.extensions import db

    app = run.flask_app()
    client = app.test_client()
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


def bench_finder(run, server, section) -> None:
    if "public.sessions_finder" not in run.flask_app().view_functions:
        raise NotAvailable("the session finder does not exist yet")
    with run.db() as conn:
        platform, town, pref = prepare(conn)
        cohorts, public = conn.execute("""SELECT count(*), count(*) FILTER (WHERE is_public AND starts_at > now())
                                          FROM cohort""").fetchone()
    pages = {
        "finder, all of Japan": "/sessions",
        "finder, one town": f"/sessions?municipality_code={town}",
        "finder, a prefecture, in person": f"/sessions?prefecture={pref}&mode=in_person",
        "iCalendar feed of the town": f"/sessions/municipality/{town}.ics",
        "JSON feed of the prefecture": f"/sessions/prefecture/{pref}.json",
        "HTML snippet of the platform": f"/sessions/platform/{platform}/embed.html",
        "iCalendar feed of the platform": f"/sessions/platform/{platform}.ics",
    }
    rounds = 3 if run.smoke else 30
    with httpx.Client(base_url=server.base, timeout=30) as client:
        for name, path in pages.items():
            timed_gets(client, path, 2)  # warm the worker
            values = timed_gets(client, path, rounds)
            figure = Figure(name, "ms", values, f"p50 ≤ {TARGET_MS} ms")
            figure.met = figure.median <= TARGET_MS
            section.figures.append(figure)
        started = time.perf_counter()
        csv = client.get("/opendata/sessions.csv")
        if csv.status_code != 200:
            raise RuntimeError(f"open data CSV: {csv.status_code}")
        csv_ms = (time.perf_counter() - started) * 1000
    counts = _statements(run, list(pages.values()))
    section.notes.append(f"{cohorts:,} cohorts, {public:,} of them public and upcoming; {rounds} sequential GETs "
                         f"per address after two warm-up ones, anonymous, against gunicorn (2 workers).")
    section.notes.append("Statements per request (in process, cold path): "
                         + "; ".join(f"`{path}` {n}" for path, n in counts.items()) + ".")
    rows = csv.content.count(b"\n") - 1
    section.notes.append(f"Open data CSV of every upcoming public session ({rows:,} rows, "
                         f"{len(csv.content):,} bytes): {csv_ms:.0f} ms, one request.")
