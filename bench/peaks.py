"""The four peak scenarios of BENCHMARKS.md: a class logging in together, a live session ending
together, a campaign day (open-loop arrivals ramped until p95 passes 1 s), a phone on a slow network.

Run by bench/run.py (section p) against its own gunicorn with 4 sync workers on 127.0.0.1 and the
bench database; `--smoke` runs each one tiny. Figures, targets and met/not met go to BENCHMARKS.md
through run.py's writer; nothing here fails on a figure, only on a broken page.
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import time

import httpx

from bench import seed as seeding
from bench.run import (
    ADULT,
    Figure,
    Run,
    Section,
    Server,
    alogin,
    correct_answers,
    csrf_of,
    prepare_attempt,
)
from quality.trainees import percentile

TIMEOUT = 30.0


# --- 1. a class logs in together -----------------------------------------------------------------

def class_pupils(run: Run, count: int) -> tuple[list[tuple[str, int]], str]:
    """Pupils of the fullest class (topped up from the next classes if one holds fewer), and lesson 1 of their course."""
    with run.db() as conn:
        rows = conn.execute("""
            SELECT sc.code, u.pupil_number FROM "user" u JOIN school_class sc ON sc.id = u.school_class_id
            WHERE u.school_class_id IS NOT NULL AND u.is_active_account
            ORDER BY (SELECT count(*) FROM "user" x WHERE x.school_class_id = sc.id) DESC, sc.id, u.pupil_number
            LIMIT %s""", (count,)).fetchall()
        course = conn.execute("""
            SELECT c.slug, l.key FROM enrolment e JOIN "user" u ON u.id = e.user_id JOIN course c ON c.id = e.course_id
            JOIN lesson l ON l.version_id = c.live_version_id AND l.position = 1
            WHERE u.school_class_id IS NOT NULL LIMIT 1""").fetchone()
    if len(rows) < count or course is None:
        raise RuntimeError(f"only {len(rows)} pupils in classes; reseed")
    return [(r[0], r[1]) for r in rows], f"/courses/{course[0]}/lessons/{course[1]}"


async def pupil_arrives(client: httpx.AsyncClient, delay: float, code: str, number: int, lesson: str,
                        out: dict) -> None:
    await asyncio.sleep(delay)
    arrived = time.perf_counter()
    async with client:
        page = await client.get("/pupil-login")
        t = time.perf_counter()
        r = await client.post("/pupil-login", data={"csrf_token": csrf_of(page.text), "class_code": code,
                                                    "number": str(number), "password": seeding.BENCH_PASSWORD})
        out["login"].append(time.perf_counter() - t)
        if r.status_code != 302:
            raise RuntimeError(f"pupil log-in {code}/{number}: {r.status_code}")
        r = await client.get(lesson)
        if r.status_code != 200:
            raise RuntimeError(f"lesson 1 for a pupil: {r.status_code}")
        out["arrived"].append(arrived)
        out["reading"].append(time.perf_counter())


def class_arrives(server: Server, pupils: list[tuple[str, int]], lesson: str, delays: list[float]) -> dict:
    out: dict[str, list[float]] = {"login": [], "arrived": [], "reading": []}

    async def main() -> None:
        # Each pupil's client (its own cookies) is made before the clock: making one loads the TLS
        # certificate bundle, ~30 ms of this process's CPU that would otherwise stall the event loop
        # and count in the other pupils' log-in times.
        clients = [httpx.AsyncClient(base_url=server.base, timeout=TIMEOUT) for _ in pupils]
        await asyncio.gather(*(pupil_arrives(client, d, c, n, lesson, out)
                               for client, d, (c, n) in zip(clients, delays, pupils, strict=True)))

    asyncio.run(main())
    return out


def bench_class_login(run: Run, server: Server, section: Section) -> None:
    count, window = (8, 2.0) if run.smoke else (40, 5.0)
    pupils, lesson = class_pupils(run, count * 2)
    rng = random.Random(17)  # one generator: a new one per pupil would give every pupil the same moment
    out = class_arrives(server, pupils[:count], lesson, sorted(rng.uniform(0, window) for _ in range(count)))
    logins = [s * 1000 for s in out["login"]]
    last = max(out["reading"]) - min(out["arrived"])
    # The harsher case: the teacher says "now" and every pupil presses at the same moment.
    together = class_arrives(server, pupils[count:], lesson, [0.0] * count)
    at_once = [s * 1000 for s in together["login"]]
    last_at_once = max(together["reading"]) - min(together["arrived"])
    section.figures += [
        Figure(f"pupil log-in (POST), {count} pupils", "ms", logins, "p95 ≤ 1 s", percentile(logins, 95) <= 1000),
        Figure("first pupil arriving → last pupil reading lesson 1", "s", [last], "≤ 10 s", last <= 10),
        Figure(f"pupil log-in (POST), {count} other pupils all at the same moment", "ms", at_once),
        Figure("the same: first arriving → last reading lesson 1", "s", [last_at_once]),
    ]
    section.notes.append(f"{count} pupils of one class arrive at random within {window:.0f} s (each: log-in page, "
                         f"class code + number + password, then {lesson}); then {count} other pupils all at the "
                         "same moment (no target of its own; the harsher case); gunicorn 4 sync workers.")


# --- 2. a live session ends together --------------------------------------------------------------

def cohort_trainees(run: Run, count: int) -> list[str]:
    """Trainees of the one cohort with most trainees ready for the quiz."""
    with run.db() as conn:
        rows = conn.execute("""
            WITH ready AS (SELECT u.email, e.cohort_id FROM enrolment e JOIN "user" u ON u.id = e.user_id
                JOIN course c ON c.id = e.course_id
                WHERE c.slug = %s AND e.completed_at IS NULL AND e.lessons_done = e.lessons_required
                  AND u.email IS NOT NULL AND e.cohort_id IS NOT NULL),
            best AS (SELECT cohort_id FROM ready GROUP BY cohort_id ORDER BY count(*) DESC LIMIT 1)
            SELECT email FROM ready WHERE cohort_id = (SELECT cohort_id FROM best) LIMIT %s""",
                            (ADULT, count)).fetchall()
    return [r[0] for r in rows]


async def finish_and_download(client: httpx.AsyncClient, delay: float, path: str, data: dict, out: dict) -> None:
    await asyncio.sleep(delay)
    t = time.perf_counter()
    r = await client.post(path, data=data)
    out["requests"].append((time.perf_counter() - t, r.status_code, "submission"))
    out["submit"].append(time.perf_counter() - t)
    done = time.perf_counter()
    page = await client.get("/my")
    out["requests"].append((time.perf_counter() - done, page.status_code, "my page"))
    links = re.findall(r'href="(/my/certificates/\d+\.pdf)"', page.text)
    if not links:
        out["missing"] += 1
        return
    while time.perf_counter() - done < 60:
        s = time.perf_counter()
        pdf = await client.get(links[0])
        out["requests"].append((time.perf_counter() - s, pdf.status_code, "PDF" if pdf.content.startswith(b"%PDF") else "PDF not ready"))
        if pdf.status_code == 200 and pdf.content.startswith(b"%PDF"):
            out["ready"].append(time.perf_counter() - done)
            return
        await asyncio.sleep(1)
    out["missing"] += 1


def bench_session_end(run: Run, server: Server, section: Section) -> None:
    count, window = (10, 5.0) if run.smoke else (300, 60.0)
    emails = cohort_trainees(run, count)
    if len(emails) < count:
        section.notes.append(f"Only {len(emails)} trainees of one cohort were ready for the quiz in this data set.")
    answers = correct_answers(run)
    out: dict = {"submit": [], "ready": [], "requests": [], "missing": 0}

    async def main() -> None:
        sem = asyncio.Semaphore(8)

        async def prep(email):
            async with sem:
                return await prepare_attempt(server.base, email, answers)

        prepared = await asyncio.gather(*(prep(e) for e in emails))
        delays = [random.Random(i).uniform(0, window) for i in range(len(prepared))]
        await asyncio.gather(*(finish_and_download(c, d, p, data, out)
                               for d, (c, p, data) in zip(delays, prepared, strict=True)))
        for c, _p, _d in prepared:
            await c.aclose()

    asyncio.run(main())
    submit = [s * 1000 for s in out["submit"]]
    ready = out["ready"] or [float("nan")]
    errors = sum(1 for _s, code, _k in out["requests"] if code >= 500)
    slow = sum(1 for s, _c, _k in out["requests"] if s > 2)
    longest, _code, longest_kind = max(out["requests"], default=(0.0, 0, "none"))
    kinds = sorted({k for _s, _c, k in out["requests"]})
    p95_by_kind = ", ".join(f"{k} {percentile([s * 1000 for s, _c, kk in out['requests'] if kk == k], 95):,.0f} ms"
                            for k in kinds)
    section.figures += [
        Figure(f"quiz submission, {len(emails)} trainees of one cohort within {window:.0f} s", "ms", submit,
               "p95 ≤ 1 s", percentile(submit, 95) <= 1000),
        Figure("completion → certificate PDF downloaded", "s", ready, "p95 ≤ 10 s",
               percentile(ready, 95) <= 10 and not out["missing"]),
        Figure("longest single request (submission, my page, PDF)", "s", [longest], "none over 2 s, no 5xx",
               slow == 0 and errors == 0, note=f"{slow} over 2 s (the longest: {longest_kind}), {errors} 5xx, {out['missing']} certificates "
               f"never ready; p95 by request: {p95_by_kind}"),
    ]
    section.notes.append("Each trainee is logged in and has the quiz open before the clock starts; submissions arrive "
                         f"at random within {window:.0f} s; right after passing the trainee opens 我がページ (/my) and "
                         "downloads the certificate PDF, retrying each second until it is a PDF.")


# --- 3. a campaign day ----------------------------------------------------------------------------

READING_SECONDS = 120  # a trainee spends about two minutes on each page (reading a lesson takes minutes)
VISIT = ["login", "course"] + ["lesson"] * 6  # one learner's pages in a visit


def campaign_setup(run: Run, count: int) -> tuple[list[str], list[str]]:
    with run.db() as conn:
        emails = [r[0] for r in conn.execute("""
            SELECT u.email FROM enrolment e JOIN "user" u ON u.id = e.user_id JOIN course c ON c.id = e.course_id
            WHERE c.slug = %s AND e.completed_at IS NULL AND u.email IS NOT NULL ORDER BY md5(u.id::text) LIMIT %s""",
                                                  (ADULT, count)).fetchall()]
        keys = [r[0] for r in conn.execute("""SELECT l.key FROM course c JOIN lesson l ON l.version_id = c.live_version_id
            WHERE c.slug = %s ORDER BY l.position""", (ADULT,)).fetchall()]
    return emails, [f"/courses/{ADULT}/lessons/{k}" for k in keys]


async def one_page(kind: str, pool: list[httpx.AsyncClient], emails: list[str], lessons: list[str],
                   base: str, rng: random.Random) -> tuple[float, int]:
    t = time.perf_counter()
    try:
        if kind == "login":
            async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as fresh:
                await alogin(fresh, rng.choice(emails))
            return time.perf_counter() - t, 302
        path = f"/courses/{ADULT}" if kind == "course" else rng.choice(lessons)
        r = await rng.choice(pool).get(path)
        return time.perf_counter() - t, r.status_code
    except (httpx.HTTPError, RuntimeError):
        return max(time.perf_counter() - t, TIMEOUT), 599


async def open_loop(rate: float, seconds: float, pool, emails, lessons, base: str, seed: int) -> list[tuple[float, int]]:
    """Pages requested at Poisson times at `rate` per second, whatever the server's pace (open loop)."""
    rng = random.Random(seed)
    tasks, clock = [], 0.0
    started = time.perf_counter()
    while True:
        clock += rng.expovariate(rate)
        if clock > seconds:
            break
        await asyncio.sleep(max(0.0, started + clock - time.perf_counter()))
        tasks.append(asyncio.create_task(one_page(rng.choice(VISIT), pool, emails, lessons, base, rng)))
    return await asyncio.gather(*tasks)


def bench_campaign(run: Run, server: Server, section: Section) -> None:
    step_seconds, rate, growth, max_steps = (3.0, 2.0, 2.0, 2) if run.smoke else (20.0, 1.0, 1.25, 24)
    emails, lessons = campaign_setup(run, 400 if not run.smoke else 20)
    held_rate, steps = 0.0, []

    async def main() -> None:
        nonlocal held_rate, rate
        pool = [httpx.AsyncClient(base_url=server.base, timeout=TIMEOUT) for _ in range(min(50, len(emails)))]
        for client, email in zip(pool, emails[:len(pool)], strict=True):
            await alogin(client, email)
        for step in range(max_steps):
            results = await open_loop(rate, step_seconds, pool, emails, lessons, server.base, step)
            times = [s * 1000 for s, _c in results]
            errors = sum(1 for _s, c in results if c >= 500)
            p95 = percentile(times, 95) if times else float("nan")
            steps.append((rate, p95, errors, len(results)))
            print(f"   campaign: {rate:.1f} pages/s → p95 {p95:.0f} ms, {errors} errors", flush=True)
            if p95 > 1000 or errors:
                break
            held_rate = rate
            rate *= growth
        for client in pool:
            await client.aclose()

    asyncio.run(main())
    held = held_rate * READING_SECONDS
    cores = os.cpu_count() or 1
    section.figures += [
        Figure("pages per second held with p95 ≤ 1 s (open loop)", "req/s", [held_rate]),
        Figure(f"trainees learning at once (one page per {READING_SECONDS} s each)", "learners", [held],
               f"> 2,000 / 12 vCPU × {cores} cores = {2000 / 12 * cores:.0f}", held > 2000 / 12 * cores),
    ]
    section.notes.append(
        "Open loop: page requests arrive at random (Poisson) at a fixed rate for "
        f"{step_seconds:.0f} s per step, the rate multiplied by {growth} each step until p95 of any page passes 1 s "
        f"or a 5xx appears. The mix is one learner's visit: {VISIT.count('login')} log-in (argon2id), "
        f"{VISIT.count('course')} course page, {VISIT.count('lesson')} lesson pages. Learners held = pages/s held × "
        f"{READING_SECONDS} s of reading per page. Steps (pages/s → p95 ms, 5xx, pages): "
        + "; ".join(f"{r:.1f} → {p:.0f}, {e}, {n}" for r, p, e, n in steps) + ".")


# --- 4. a phone on a slow network ----------------------------------------------------------------

THROTTLE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}


def visit(page, cdp, url: str, text_selector: str) -> tuple[int, float]:
    """Bytes over the wire for one navigation, and seconds until the text is visible."""
    sizes: list[float] = []
    handler = lambda event: sizes.append(event.get("encodedDataLength", 0))  # noqa: E731
    cdp.on("Network.loadingFinished", handler)
    t = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(text_selector, state="visible", timeout=60_000)
    visible = time.perf_counter() - t
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    cdp.remove_listener("Network.loadingFinished", handler)
    return int(sum(sizes)), visible


def bench_phone(run: Run, server: Server, section: Section) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as missing:
        from bench.run import NotAvailable

        raise NotAvailable("Playwright is not installed (requirements-dev.txt)") from missing
    from bench.run import lesson_trainee, login

    email, lesson = lesson_trainee(run)
    with httpx.Client(base_url=server.base, timeout=TIMEOUT) as client:
        login(client, email)
        cookies = [{"name": k, "value": v, "url": server.base} for k, v in client.cookies.items()]
    results: dict[str, list[float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            for name, path in (("lesson", lesson), ("course", f"/courses/{ADULT}")):
                context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2,
                                              is_mobile=True, has_touch=True)
                context.add_cookies(cookies)
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", THROTTLE)
                first, first_visible = visit(page, cdp, server.base + path, "main h1")
                second, second_visible = visit(page, cdp, server.base + path, "main h1")
                results[name] = [first, second, first_visible, second_visible]
                context.close()
        finally:
            browser.close()
    for name, (first, second, first_visible, second_visible) in results.items():
        section.figures += [
            Figure(f"{name} page, first visit: bytes transferred", "KB", [first / 1024], "≤ 100 KB", first <= 100 * 1024),
            Figure(f"{name} page, next visit: bytes transferred", "KB", [second / 1024], "≤ 20 KB", second <= 20 * 1024),
            Figure(f"{name} page, first visit: text visible", "s", [first_visible], "≤ 2 s", first_visible <= 2),
            Figure(f"{name} page, next visit: text visible", "s", [second_visible]),
        ]
    section.notes.append(
        "Chromium (headless, Debian's) at 375 px, network throttled through the DevTools protocol to 1.6 Mbit/s down, "
        "750 kbit/s up, 150 ms latency; bytes are the encoded sizes of every response of the navigation; text visible "
        "is from the navigation's start until the page's h1 inside main is visible. gunicorn serves without "
        "compression here (the nginx example compresses), so these bytes are uncompressed.")


def bench_peaks(run: Run, want) -> None:
    """Section p1–p4, on their own gunicorn with 4 workers (as make loadtest) and, with Redis, one RQ
    worker for what follows a completion (the certificate's render and e-mail), as in production."""
    env = run.server_env()
    with Server("peaks", "wsgi:app", env, run.logdir, workers=4) as server, run.job_worker(env, "peaks"):
        if want("p1"):
            run.section("p1", "Peak: a class logs in together", lambda s: bench_class_login(run, server, s))
        if want("p2"):
            run.section("p2", "Peak: a live session ends together", lambda s: bench_session_end(run, server, s))
        if want("p3"):
            run.section("p3", "Peak: a campaign day (open loop)", lambda s: bench_campaign(run, server, s))
        if want("p4"):
            run.section("p4", "Peak: a phone on a slow network", lambda s: bench_phone(run, server, s))

