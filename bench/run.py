"""Run every benchmark of issue 9 on the seeded data set and write BENCHMARKS.md.

    python -m bench.run                 # scale 1.0: seeds (or reuses) tsunagari_bench, writes BENCHMARKS.md
    python -m bench.run --smoke         # a few thousand rows, every benchmark once, quickly (CI)

Servers are started here (gunicorn, 2 sync workers, on 127.0.0.1 only) and always stopped at
the end; every load generator is bounded in requests and time. Benchmarks are not tests: nothing
here fails on a figure, only on a broken page.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from bench import seed as seeding
from quality.servers import children_of
from quality.trainees import percentile  # linear interpolation between closest ranks, as numpy's default

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SECRET_KEY = "bench-secret-key-not-for-production-0123456789"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')
ADULT = "tsunagari-adult"


class NotAvailable(Exception):
    """The feature a benchmark measures does not exist (yet): reported, not a failure."""


# --- figures -------------------------------------------------------------------------------------

@dataclass
class Figure:
    """One measured quantity over repeated runs."""

    name: str
    unit: str
    values: list[float]
    target: str = ""
    met: bool | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.values, 95)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    unavailable: str | None = None
    load: float = 0.0  # 1-minute load average when the section started


def fmt(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "–"
    if unit in ("ms", "s", "MB", "×"):
        return f"{value:,.2f}" if value < 10 else f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


# --- servers -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(proc: subprocess.Popen | None) -> None:
    """SIGTERM to the process group started with start_new_session, SIGKILL if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


class Server:
    """A gunicorn master with 2 sync workers on 127.0.0.1, stopped on exit whatever happens."""

    def __init__(self, name: str, app_spec: str, env: dict[str, str], logdir: Path, workers: int = 2) -> None:
        self.name, self.app_spec, self.env, self.workers = name, app_spec, env, workers
        self.port = free_port()
        self.log = logdir / f"gunicorn-{name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
                 "--worker-class", "sync", "--timeout", "120", "--graceful-timeout", "5", self.app_spec],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited; see {self.log}")
            try:
                if httpx.get(self.base + "/", timeout=2).status_code < 500 and len(self.worker_pids()) >= self.workers:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} server did not start; see {self.log}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        stop_group(self.proc)

    def worker_pids(self) -> list[int]:
        return sorted(children_of(self.proc.pid)) if self.proc is not None else []

    def cpu_seconds(self) -> float:
        """User + system CPU time of the workers so far (for CPU per request, robust to a busy machine)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / ticks

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            for row in Path(f"/proc/{pid}/status").read_text().splitlines():
                if row.startswith("VmRSS:"):
                    sizes.append(int(row.split()[1]) / 1024)
        return sizes


REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_reachable(url: str) -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:
        return False


class JobWorker:
    """One `flask jobs worker` (RQ) beside the gunicorn server, as the README's production set-up has
    it: what follows a completion (the certificate's render and mail) runs here, not in the web
    workers. Stopped on exit whatever happens; its queue is emptied before and after."""

    def __init__(self, env: dict[str, str], logdir: Path, name: str = "worker") -> None:
        self.env = {**env, "FLASK_APP": "wsgi.py"}
        self.url = env["REDIS_URL"]
        self.log = logdir / f"rq-{name}.log"
        self.proc: subprocess.Popen | None = None

    def queue(self):  # noqa: ANN201 (rq.Queue)
        from redis import Redis
        from rq import Queue

        return Queue("certificates", connection=Redis.from_url(self.url))

    def __enter__(self) -> JobWorker:
        self.queue().empty()
        self.log.write_text("")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(VENV_BIN / "flask"), "jobs", "worker"], cwd=ROOT, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the RQ worker exited; see {self.log}")
            if "Listening on" in self.log.read_text(errors="replace"):
                return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"the RQ worker did not start; see {self.log}")

    def __exit__(self, *exc) -> None:
        stop_group(self.proc)
        try:
            self.queue().empty()
        except Exception:
            pass

    def cpu_seconds(self) -> float:
        if self.proc is None:
            return 0.0
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def drain(self, timeout: float = 600) -> float:
        """Wait until no job waits or runs; returns the seconds waited."""
        from rq.registry import StartedJobRegistry

        queue, started = self.queue(), time.perf_counter()
        registry = StartedJobRegistry(queue=queue)
        while time.perf_counter() - started < timeout:
            if queue.count == 0 and registry.count == 0:
                return time.perf_counter() - started
            time.sleep(0.2)
        raise RuntimeError(f"the RQ queue did not drain in {timeout:.0f} s; see {self.log}")


def wrk(url: str, seconds: float, connections: int, headers: list[str]) -> dict:
    """One bounded wrk run against 127.0.0.1 (wrk stops by itself after `seconds`)."""
    assert url.startswith("http://127.0.0.1:")
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(int(seconds), 1)}s", "--timeout", "10s"]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rps, "non2xx": int(bad.group(1)) if bad else 0,
            "timeouts": int(errors.group(4)) if errors else 0, "raw": out}


# --- HTTP helpers --------------------------------------------------------------------------------

def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def login(client: httpx.Client, email: str) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"csrf_token": token, "email": email, "password": seeding.BENCH_PASSWORD})
    if r.status_code != 302:
        raise RuntimeError(f"login of {email} failed: {r.status_code}")


async def alogin(client: httpx.AsyncClient, email: str) -> None:
    token = csrf_of((await client.get("/login")).text)
    r = await client.post("/login", data={"csrf_token": token, "email": email, "password": seeding.BENCH_PASSWORD})
    if r.status_code != 302:
        raise RuntimeError(f"login of {email} failed: {r.status_code}")


def cookie_header(client: httpx.Client) -> str:
    return "Cookie: " + "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def timed_gets(client: httpx.Client, path: str, count: int, expect: int = 200) -> list[float]:
    times = []
    for _ in range(count):
        t = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        if r.status_code != expect:
            raise RuntimeError(f"GET {path}: {r.status_code}")
    return times


# --- the run -------------------------------------------------------------------------------------

@dataclass
class Run:
    args: argparse.Namespace
    url: str
    logdir: Path
    sections: list[Section] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    app: object = None

    @property
    def instance(self) -> Path:
        return ROOT / "bench" / ".logs" / "instance"

    @property
    def smoke(self) -> bool:
        return self.args.smoke

    def rounds(self, full: int, smoke: int = 1) -> int:
        return smoke if self.smoke else full

    def db(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True)

    def server_env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": self.url, "APP_ENV": "production", "SECRET_KEY": SECRET_KEY,
            "SESSION_COOKIE_SECURE": "0", "BASE_URL": "http://127.0.0.1",
            "LOGIN_RATE_LIMIT": "100000 per minute", "RATELIMIT_STORAGE_URI": "memory://",
            # Production refuses per-worker limits; here they are out of reach anyway, so counting
            # them per worker changes nothing and the bench needs no Redis.
            "RATELIMIT_SINGLE_PROCESS": "1",
            "JOB_QUEUE": "thread", "MAIL_SERVER": "", "PYTHONDONTWRITEBYTECODE": "1",
            # Its own instance folder: the development mail log is not cluttered with bench e-mails.
            "INSTANCE_PATH": str(self.instance),
        })
        env.pop("REDIS_URL", None)
        if self.queued:
            # As in production (README): jobs on Redis, run by `flask jobs worker` (JobWorker); a
            # completion's certificate is rendered ahead and mailed there. Rate limits stay in memory.
            env.update({"JOB_QUEUE": "rq", "REDIS_URL": REDIS_URL, "CERTIFICATE_PRERENDER": "1"})
        env.update(extra)
        return env

    @property
    def queued(self) -> bool:
        if "queued" not in self.context:
            self.context["queued"] = redis_reachable(REDIS_URL)
        return self.context["queued"]

    def job_worker(self, env: dict[str, str], name: str = "worker"):  # noqa: ANN201 (JobWorker | nullcontext)
        from contextlib import nullcontext

        return JobWorker(env, self.logdir, name) if self.queued else nullcontext()

    def flask_app(self):
        """The app in this process, on the bench database (for in-process benchmarks)."""
        if self.app is None:
            os.environ.update({"DATABASE_URL": self.url, "SECRET_KEY": SECRET_KEY, "JOB_QUEUE": "thread",
                               "INSTANCE_PATH": str(self.instance)})
            from app import create_app
            from config import Config, database_url

            config = type("BenchConfig", (Config,), {
                "SQLALCHEMY_DATABASE_URI": database_url(self.url), "SECRET_KEY": SECRET_KEY, "JOB_QUEUE": "thread",
                "BASE_URL": "http://127.0.0.1", "MAIL_SERVER": "", "RATELIMIT_STORAGE_URI": "memory://",
                # In process the caches are off, so queries are counted on the path a cold request takes.
                "AREA_CACHE_SECONDS": 0, "LOGIN_RATE_LIMIT": "100000 per minute", "INSTANCE_DIR": self.instance})
            self.app = create_app(config)
        return self.app

    def section(self, key: str, title: str, body: Callable[[Section], None]) -> None:
        section = Section(key, title)
        section.load = os.getloadavg()[0]
        self.sections.append(section)
        started = time.perf_counter()
        print(f"== {key}. {title}", flush=True)
        try:
            body(section)
        except NotAvailable as missing:
            section.unavailable = str(missing)
            print(f"   not available: {missing}", flush=True)
        except Exception as error:  # a broken benchmark is reported, and the others still run
            import traceback

            traceback.print_exc()
            section.error = f"{type(error).__name__}: {error}"
        for f in section.figures:
            print(f"   {f.name}: median {fmt(f.median, f.unit)} {f.unit}, p95 {fmt(f.p95, f.unit)} {f.unit}"
                  f"{'' if f.met is None else ' (target met)' if f.met else ' (target MISSED)'}", flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)


# --- (a) lesson page throughput ---------------------------------------------------------------

def lesson_trainee(run: Run) -> tuple[str, str]:
    with run.db() as conn:
        row = conn.execute("""
            SELECT u.email, l.key FROM enrolment e JOIN "user" u ON u.id = e.user_id
            JOIN course c ON c.id = e.course_id JOIN lesson l ON l.version_id = c.live_version_id AND l.position = 3
            WHERE c.slug = %s AND e.completed_at IS NULL AND e.lessons_done BETWEEN 1 AND 4
              AND u.email IS NOT NULL AND e.cohort_id IS NOT NULL
            ORDER BY e.id LIMIT 1""", (ADULT,)).fetchone()
    return row[0], f"/courses/{ADULT}/lessons/{row[1]}"


def bench_lesson(run: Run, app_server: Server, minimal: Server, section: Section) -> None:
    email, path = lesson_trainee(run)
    with httpx.Client(base_url=app_server.base) as client:
        login(client, email)
        page = client.get(path)
        if page.status_code != 200 or "csrf_token" not in page.text:
            raise RuntimeError(f"lesson page answered {page.status_code}")
        header = cookie_header(client)
    seconds = 2 if run.smoke else 10
    connections = 4
    wrk(app_server.base + path, 2, connections, [header])  # warm-up: templates, caches, connection pools
    wrk(minimal.base + "/", 2, connections, [])
    lesson_rps, minimal_rps, ratios, lesson_cpu, minimal_cpu = [], [], [], [], []
    for _ in range(run.rounds(5)):
        cpu = minimal.cpu_seconds()
        m = wrk(minimal.base + "/", seconds, connections, [])
        minimal_cpu.append((minimal.cpu_seconds() - cpu) * 1000 / max(m["rps"] * seconds, 1))
        cpu = app_server.cpu_seconds()
        lesson = wrk(app_server.base + path, seconds, connections, [header])
        lesson_cpu.append((app_server.cpu_seconds() - cpu) * 1000 / max(lesson["rps"] * seconds, 1))
        if lesson["non2xx"] or lesson["timeouts"]:
            raise RuntimeError(f"lesson page: {lesson['non2xx']} non-2xx, {lesson['timeouts']} timeouts")
        lesson_rps.append(lesson["rps"])
        minimal_rps.append(m["rps"])
        ratios.append(lesson["rps"] / m["rps"])
    section.figures += [
        Figure("lesson page, logged-in trainee", "req/s", lesson_rps),
        Figure("minimal Flask app (fixed string), same gunicorn settings", "req/s", minimal_rps),
        Figure("ratio lesson / minimal (per round)", "×", ratios, "≥ 0.5",
               statistics.median(ratios) >= 0.5),
        Figure("worker CPU per lesson page", "ms", lesson_cpu),
        Figure("worker CPU per minimal-app request", "ms", minimal_cpu),
    ]
    section.notes.append("Worker CPU per request (user + system time of the gunicorn workers during a round, divided "
                         "by the requests served) depends far less than wall-clock figures on what else runs on the machine; "
                         "the ratio of the two is what the throughput ratio would be if the workers had the cores to "
                         "themselves.")
    section.notes.append(f"`wrk -t1 -c{connections} -d{seconds}s` per round, {len(ratios)} rounds alternating the two "
                         f"servers; GET {path} with the trainee's session cookie; gunicorn `-w 2 --worker-class sync`.")


# --- (b) quiz submission latency --------------------------------------------------------------------

def quiz_trainees(run: Run, count: int) -> list[str]:
    with run.db() as conn:
        rows = conn.execute("""
            SELECT u.email FROM enrolment e JOIN "user" u ON u.id = e.user_id JOIN course c ON c.id = e.course_id
            WHERE c.slug = %s AND e.completed_at IS NULL AND e.lessons_done = e.lessons_required
              AND u.email IS NOT NULL
            ORDER BY md5(u.id::text) LIMIT %s""", (ADULT, count)).fetchall()
    if len(rows) < count:
        raise RuntimeError(f"only {len(rows)} trainees ready for the quiz; reseed")
    return [r[0] for r in rows]


def correct_answers(run: Run) -> dict[str, list[str]]:
    with run.db() as conn:
        quiz = conn.execute("SELECT v.quiz FROM course c JOIN content_version v ON v.id = c.live_version_id "
                            "WHERE c.slug = %s", (ADULT,)).fetchone()[0]
    return {q["id"]: q["answer"] for q in quiz["questions"]}


async def prepare_attempt(base: str, email: str, answers: dict[str, list[str]]) -> tuple[httpx.AsyncClient, str, dict]:
    client = httpx.AsyncClient(base_url=base, timeout=60)
    await alogin(client, email)
    page = await client.get(f"/courses/{ADULT}/quiz")
    r = await client.post(f"/courses/{ADULT}/quiz/start", data={"csrf_token": csrf_of(page.text)})
    location = r.headers.get("location", "")
    if r.status_code != 302 or "/quiz/" not in location:
        raise RuntimeError(f"quiz start for {email}: {r.status_code} {location}")
    attempt = await client.get(location)
    data = {"csrf_token": csrf_of(attempt.text), "token": TOKEN_RE.search(attempt.text).group(1)}
    for qid, choices in answers.items():
        data[f"q-{qid}"] = choices
    return client, httpx.URL(location).path, data


def bench_quiz(run: Run, server: Server, section: Section, worker: JobWorker | None = None) -> None:
    clients_n = 50
    per_client = run.rounds(8, 1)
    emails = quiz_trainees(run, clients_n * per_client)
    answers = correct_answers(run)

    async def main() -> tuple[list[float], float, int]:
        prepared = []
        sem = asyncio.Semaphore(8)  # log-ins (argon2id) and attempt starts, before the clock starts

        async def prep(email):
            async with sem:
                return await prepare_attempt(server.base, email, answers)

        prepared = await asyncio.gather(*(prep(e) for e in emails))
        latencies: list[float] = []
        failures = 0

        async def client_loop(items):
            nonlocal failures
            for client, path, data in items:
                t = time.perf_counter()
                r = await client.post(path, data=data)
                latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code != 302 or r.headers.get("location", "").rstrip("/") != path.rstrip("/"):
                    failures += 1

        started, cpu = time.perf_counter(), server.cpu_seconds()
        await asyncio.wait_for(asyncio.gather(*(client_loop(prepared[k::clients_n]) for k in range(clients_n))),
                               timeout=600)
        wall = time.perf_counter() - started
        cpu_ms.append((server.cpu_seconds() - cpu) * 1000 / max(len(latencies), 1))
        for client, _path, _data in prepared:
            await client.aclose()
        return latencies, wall, failures

    cpu_ms: list[float] = []
    background_cpu = worker.cpu_seconds() if worker else 0.0
    latencies, wall, failures = asyncio.run(main())
    if failures:
        raise RuntimeError(f"{failures} quiz submissions failed")
    section.figures += [
        Figure("quiz submission latency (50 concurrent clients)", "ms", latencies, "p50 and p95 reported"),
        Figure("quiz submissions completed per second", "req/s", [len(latencies) / wall]),
        Figure("worker CPU per quiz submission", "ms", cpu_ms, "≤ 5 ms", statistics.median(cpu_ms) <= 5),
    ]
    if worker:
        drained = worker.drain()
        per = (worker.cpu_seconds() - background_cpu) * 1000 / max(len(latencies), 1)
        section.figures.append(Figure("RQ worker CPU per completion (certificate rendered ahead, e-mail)", "ms", [per]))
        section.notes.append(
            f"JOB_QUEUE=rq with one `flask jobs worker`: each passing submission queues its certificate's render and "
            f"e-mail, which the worker finished {drained:.1f} s after the last submission; the web workers' CPU "
            "above leaves that work out, the RQ worker's figure is it.")
    else:
        section.notes.append("No Redis at BENCH_REDIS_URL: JOB_QUEUE=thread, so the certificate e-mail is sent "
                             "inside each submission's request (counted in the worker CPU above).")
    section.notes.append(
        f"{clients_n} concurrent clients (asyncio + httpx), each submitting {per_client} prepared attempt(s) back to "
        f"back ({len(latencies)} submissions: all answers correct, so each one grades, completes the enrolment and "
        "issues its certificate row in the same transaction). Log-in and attempt start happen before the clock "
        "starts. The figure's median/p95 are over all submissions.")


# --- (e) certificates ----------------------------------------------------------------------------

@contextmanager
def capture_weasyprint_html():
    """Record the HTML (and its base URL and fetcher) that the renderer hands to WeasyPrint."""
    import weasyprint

    captured: dict = {}
    original = weasyprint.HTML

    class Recording(original):
        def __init__(self, *a, **kw):
            captured.update(string=kw.get("string"), base_url=kw.get("base_url"), url_fetcher=kw.get("url_fetcher"))
            super().__init__(*a, **kw)

    weasyprint.HTML = Recording
    try:
        yield captured
    finally:
        weasyprint.HTML = original


def raw_weasyprint(captured: dict) -> bytes:
    """The same HTML through WeasyPrint alone, with the same fonts and fetcher: the baseline."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from app.services.certificates import render
    from app.services.certificates.fonts import find_japanese_fonts

    font_config = FontConfiguration()
    css = CSS(string=render.font_face_css(find_japanese_fonts()), font_config=font_config,
              url_fetcher=captured["url_fetcher"], base_url=captured["base_url"])
    return HTML(string=captured["string"], base_url=captured["base_url"], url_fetcher=captured["url_fetcher"]) \
        .write_pdf(font_config=font_config, stylesheets=[css], pdf_variant="pdf/ua-1")


def unrendered_certificates(run: Run, count: int, *, one_cohort: bool) -> tuple[list[int], str]:
    with run.db() as conn:
        if one_cohort:
            row = conn.execute("""
                SELECT e.cohort_id, array_agg(c.id ORDER BY c.id) FROM certificate c
                JOIN enrolment e ON e.id = c.enrolment_id
                WHERE e.cohort_id IS NOT NULL AND c.current_for_enrolment_id IS NOT NULL AND c.revoked_at IS NULL
                  AND c.template = 'adult' AND NOT EXISTS (SELECT 1 FROM certificate_file f WHERE f.certificate_id = c.id)
                GROUP BY e.cohort_id HAVING count(*) >= %s ORDER BY e.cohort_id DESC LIMIT 1""", (count,)).fetchone()
            if row:
                return row[1][:count], f"cohort {row[0]}"
        rows = conn.execute("""
            SELECT c.id FROM certificate c WHERE c.template = 'adult' AND c.current_for_enrolment_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM certificate_file f WHERE f.certificate_id = c.id)
            ORDER BY c.id DESC LIMIT %s""", (count,)).fetchall()
        return [r[0] for r in rows], "one organisation's certificates"


def forget_pdfs(run: Run, ids: list[int]) -> None:
    """Benchmark data only: drop the PDFs a run stored, so the next run renders them again."""
    with run.db() as conn:
        conn.execute("DELETE FROM certificate_file WHERE certificate_id = ANY(%s)", (ids,))
        conn.execute("UPDATE certificate SET pdf_sha256 = NULL WHERE id = ANY(%s)", (ids,))


class _HtmlOnly(Exception):
    """Raised by `html_only` once the renderer has handed its HTML over: no layout happens."""


@contextmanager
def html_only():
    """The HTML the renderer would give WeasyPrint, without letting WeasyPrint lay it out (so no
    font or shaping cache is warmed for this certificate's text)."""
    import weasyprint

    captured: dict = {}
    original = weasyprint.HTML

    class Stop(original):
        def __init__(self, *a, **kw):
            captured.update(string=kw.get("string"), base_url=kw.get("base_url"), url_fetcher=kw.get("url_fetcher"))
            raise _HtmlOnly

    weasyprint.HTML = Stop
    try:
        yield captured
    except _HtmlOnly:
        pass
    finally:
        weasyprint.HTML = original


def bench_certificate_render(run: Run, section: Section) -> None:
    from app.extensions import db
    from app.models import Certificate
    from app.services.certificates import issuing

    app = run.flask_app()
    rounds = run.rounds(24, 2)
    ids, _ = unrendered_certificates(run, rounds + 1, one_cohort=False)
    issue_ms, raw_ms, ratios, cpu_ratios = [], [], [], []

    def issue(cert_id: int, captured: dict | None = None) -> tuple[float, float]:
        cert = db.session.get(Certificate, cert_id)
        with capture_weasyprint_html() as seen:
            t, cpu = time.perf_counter(), time.process_time()
            issuing.pdf_bytes(db.session, cert, base_url=app.config["BASE_URL"])
            took = (time.perf_counter() - t) * 1000, time.process_time() - cpu
        db.session.rollback()  # leave nothing stored: the next round renders again
        if captured is not None:
            captured.update(seen)
        return took

    def raw(captured: dict) -> tuple[float, float]:
        t, cpu = time.perf_counter(), time.process_time()
        raw_weasyprint(captured)
        return (time.perf_counter() - t) * 1000, time.process_time() - cpu

    with app.app_context():
        for n, cert_id in enumerate(ids):
            gc.collect()  # neither render pays for the other's garbage
            if n % 2:
                # Raw first: its HTML is taken without rendering, then the issue follows.
                with html_only() as captured:
                    issuing.pdf_bytes(db.session, db.session.get(Certificate, cert_id), base_url=app.config["BASE_URL"])
                db.session.rollback()
                (r, r_cpu), (i, i_cpu) = raw(captured), issue(cert_id)
            else:
                captured = {}
                (i, i_cpu), (r, r_cpu) = issue(cert_id, captured), raw(captured)
            if n == 0:
                continue  # warm-up (imports, font discovery)
            issue_ms.append(i)
            raw_ms.append(r)
            ratios.append(i / r)
            cpu_ratios.append(i_cpu / r_cpu)
    section.figures += [
        Figure("one certificate issue (render, checks, store)", "ms", issue_ms),
        Figure("raw WeasyPrint, same HTML and fonts", "ms", raw_ms),
        Figure("ratio issue / raw WeasyPrint, wall clock (per round)", "×", ratios, "≤ 1.3",
               statistics.median(ratios) <= 1.3),
        Figure("ratio issue / raw WeasyPrint, CPU time of this process (per round)", "×", cpu_ratios, "≤ 1.3",
               statistics.median(cpu_ratios) <= 1.3),
    ]
    section.notes.append("Both renders run in this one thread, so the CPU-time ratio compares the work each does "
                         "whatever else the machine runs; it leaves out the database's side of storing the PDF "
                         "(one SELECT, one INSERT), which the wall-clock ratio includes.")
    section.notes.append(f"In process, {len(ratios)} rounds after one warm-up, each on a different certificate; the "
                         "issue's transaction is rolled back so nothing accumulates. The baseline renders exactly the "
                         "HTML the renderer produced, with the same @font-face rules, fetcher and PDF/UA variant. "
                         "Which of the two goes first alternates by round: the second render of a new name finds "
                         "Pango's shaping caches warm (measured: ~9 ms of a ~70 ms render), so a fixed order "
                         "would favour the baseline; a full garbage collection precedes each round.")


def bench_bulk(run: Run, section: Section) -> None:
    from app.extensions import db
    from app.jobs import dispatch_bulk, wait_for_threads
    from app.models import BulkJob, JobStatus, Organisation
    from app.services.certificates import bulk

    app = run.flask_app()
    size = 10 if run.smoke else 40
    walls = []
    where = ""
    for _ in range(run.rounds(3, 1)):
        ids, where = unrendered_certificates(run, size, one_cohort=True)
        with app.app_context():
            org_id = db.session.execute(db.text("SELECT organisation_id FROM certificate WHERE id = :i"),
                                        {"i": ids[0]}).scalar()
            job = bulk.start(db.session, db.session.get(Organisation, org_id), ids, requested_by=None,
                             label="bench")
            db.session.commit()
            job_id = job.id
            t = time.perf_counter()
            dispatch_bulk(app, job_id)
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                db.session.expire_all()
                status = db.session.get(BulkJob, job_id).status
                if status in (JobStatus.DONE, JobStatus.FAILED):
                    break
                time.sleep(0.05)
            walls.append(time.perf_counter() - t)
            wait_for_threads()
            if status is not JobStatus.DONE:
                raise RuntimeError(f"bulk job ended {status}")
        forget_pdfs(run, ids)
    section.figures.append(Figure(f"{size}-certificate cohort through the background job", "s", walls))
    section.notes.append(f"{size} certificates of {where}: `bulk.start` then `app.jobs.dispatch_bulk` as the "
                         "coordinator page does (JOB_QUEUE=thread), wall time until the job row says done, "
                         f"{len(walls)} run(s); the PDFs are deleted after each run.")


def bench_redownload(run: Run, server: Server, section: Section) -> None:
    with run.db() as conn:
        email, cert_id = conn.execute("""
            SELECT u.email, c.id FROM certificate c JOIN "user" u ON u.id = c.user_id
            WHERE c.current_for_enrolment_id IS NOT NULL AND c.revoked_at IS NULL AND c.template = 'adult'
              AND u.email IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM certificate_file f WHERE f.certificate_id = c.id)
            ORDER BY c.id LIMIT 1""").fetchone()
    path = f"/my/certificates/{cert_id}.pdf"
    with httpx.Client(base_url=server.base, timeout=60) as client:
        login(client, email)
        first = client.get(path)  # a worker renders and stores it (as on a trainee's first download)
        if first.status_code != 200 or not first.content.startswith(b"%PDF"):
            raise RuntimeError(f"certificate download: {first.status_code}")
        header = cookie_header(client)
    seconds = 2 if run.smoke else 8
    values = [wrk(server.base + path, seconds, 4, [header])["rps"] for _ in range(run.rounds(3))]
    section.figures.append(Figure("re-download of a stored certificate PDF", "req/s", values))
    section.notes.append(f"`wrk -t1 -c4 -d{seconds}s` on GET {path} ({len(first.content):,} bytes), "
                         f"{len(values)} run(s); the PDF is read from the database, never rendered again.")


# --- (f) content import ---------------------------------------------------------------------------

def bench_content(run: Run, section: Section) -> None:
    info = psycopg.conninfo.conninfo_to_dict(run.url)
    scratch = run.url.rsplit("/", 1)[0] + f"/{info['dbname']}_content"
    seeding.recreate_database(scratch)
    seeding.flask(scratch, "db", "upgrade")
    seeding.flask(scratch, "municipalities", "load")
    code = f"""
import json, sys, time
from app import create_app
from app.commands.content import asset_url_for
from app.extensions import db
from app.services.content import courses
from config import Config, database_url
cfg = type("C", (Config,), {{"SQLALCHEMY_DATABASE_URI": database_url({scratch!r}), "SECRET_KEY": "x"}})
app = create_app(cfg)
times = []
with app.app_context():
    for _ in range({run.rounds(7, 2)}):
        t = time.perf_counter()
        results = courses.import_defaults(db.session, asset_url_for=asset_url_for)
        db.session.flush()
        times.append((time.perf_counter() - t) * 1000)
        assert all(r.ok and r.created for r in results), [r.errors for r in results]
        db.session.rollback()
print(json.dumps(times))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=600, env=dict(os.environ, DATABASE_URL=scratch))
    times = json.loads(out.stdout.strip().splitlines()[-1])
    with psycopg.connect(psycopg.conninfo.make_conninfo(run.url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{info["dbname"]}_content"')
    section.figures += [
        Figure("first import in a fresh process (adult + children, furigana dictionary cold)", "ms", times[:1]),
        Figure("import of both default bundles, warm", "ms", times[1:]),
    ]
    section.notes.append("`courses.import_defaults` (check, Markdown, furigana for the children's course with "
                         "fugashi/UniDic, sanitising, storing lessons, quiz, survey and assets) into an empty, "
                         f"migrated database, rolled back after each of {len(times)} runs in one fresh process.")


# --- (g) memory --------------------------------------------------------------------------------------

def bench_memory(run: Run, server: Server, section: Section) -> None:
    sizes = server.worker_rss_mb()
    section.figures.append(Figure("RSS of a gunicorn worker after the benchmarks above", "MB", sizes, "≤ 150 MB",
                                  max(sizes) <= 150))
    section.notes.append(f"VmRSS of each of the {len(sizes)} workers ({', '.join(f'{s:.0f}' for s in sizes)} MB), read "
                         "from /proc after they served the lesson page, quiz submissions, dashboards, statistics, one "
                         "certificate rendered on its first download and its re-downloads; median and p95 are over "
                         "the workers, the target applies to each.")


# --- the report -----------------------------------------------------------------------------------

def machine() -> dict[str, str]:
    mem_kb = int(next(r for r in Path("/proc/meminfo").read_text().splitlines() if r.startswith("MemTotal")).split()[1])
    cpu = next((r.split(":", 1)[1].strip() for r in Path("/proc/cpuinfo").read_text().splitlines()
                if r.startswith("model name")), platform.processor())
    return {"cores": str(os.cpu_count()), "memory": f"{mem_kb / 1024 / 1024:.1f} GiB", "cpu": cpu,
            "python": platform.python_version(), "os": platform.platform()}


def write_report(run: Run, path: Path) -> None:
    m = machine()
    c = run.context
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py); do not edit by hand: the history of changes made to close",
        "gaps is kept in `bench/HISTORY.md` and copied in at the end.",
        "",
        f"- date: {c['date']}",
        f"- machine: {m['cores']} cores ({m['cpu']}), {m['memory']} memory, {m['os']}",
        f"- database: {c['postgres']} on 127.0.0.1, data set `{c['dbname']}`",
        f"- Python {m['python']}, gunicorn 2 sync workers, commit {c['commit']}",
        f"- data set: {c['dataset']}",
        f"- seeding time: {c['seed_time']}",
        f"- load average (1 min) at start / end: {c['load_start']:.2f} / {os.getloadavg()[0]:.2f} "
        "(other work on the machine shares its 2 cores with the benchmarks)",
        f"- mode: {'SMOKE (a few thousand rows, one round each: proves the tool works, figures mean nothing)' if run.smoke else 'full'}",
        "",
        "Each figure is the median and the 95th percentile over the repeated runs described under it; each",
        "ratio is computed per round against its baseline measured in the same round.",
        "",
        "## Summary",
        "",
        "| | figure | median | p95 | target | met |",
        "| --- | --- | ---: | ---: | --- | --- |",
    ]
    for s in run.sections:
        if s.error:
            lines.append(f"| {s.key} | {s.title}: **did not run** ({s.error}) | | | | |")
        if s.unavailable:
            lines.append(f"| {s.key} | {s.title}: not available yet ({s.unavailable}) | | | | |")
        for f in s.figures:
            met = "" if f.met is None else "yes" if f.met else "**no**"
            if f.unit == "queries":  # counts, not timings: the note says which is which
                lines.append(f"| {s.key} | {f.name} | {f.note} | | {f.target} | {met} |")
                continue
            lines.append(f"| {s.key} | {f.name} ({f.unit}) | {fmt(f.median, f.unit)} | {fmt(f.p95, f.unit)} | "
                         f"{f.target} | {met} |")
    lines.append("")
    for s in run.sections:
        lines += [f"## {s.key}. {s.title}", ""]
        if s.error:
            lines += [f"Did not run: `{s.error}`", ""]
        if s.unavailable:
            lines += [f"Not available yet: {s.unavailable}.", ""]
        for f in s.figures:
            if f.unit == "queries":
                lines.append(f"- {f.name}: {f.note}; target {f.target}")
                continue
            lines.append(f"- {f.name}: median **{fmt(f.median, f.unit)} {f.unit}**, p95 {fmt(f.p95, f.unit)} {f.unit}"
                         f" (n={len(f.values)}){f'; target {f.target}' if f.target else ''}"
                         f"{f'. {f.note}' if f.note else ''}")
        if s.figures:
            lines.append("")
        for note in s.notes:
            lines += [note, ""]
        lines += [f"Load average (1 min) when this started: {s.load:.2f}.", ""]
    history = ROOT / "bench" / "HISTORY.md"
    if history.exists():
        lines += [history.read_text().rstrip(), ""]
    path.write_text("\n".join(lines))


def dataset_description(url: str) -> tuple[str, str]:
    text = seeding.marker(url) or ""
    fields = dict(part.split("=", 1) for part in text.split()[1:] if "=" in part)
    with psycopg.connect(url) as conn:
        counts = conn.execute("""SELECT (SELECT count(*) FROM "user" WHERE role = 'trainee'),
            (SELECT count(*) FROM enrolment WHERE completed_at IS NOT NULL), (SELECT count(*) FROM certificate),
            (SELECT count(*) FROM cohort), (SELECT count(*) FROM organisation), (SELECT count(*) FROM lesson_progress),
            (SELECT count(*) FROM quiz_attempt)""").fetchone()
    described = (f"scale {fields.get('scale', '?')}: {counts[0]:,} trainees, {counts[1]:,} completed enrolments, "
                 f"{counts[2]:,} certificate rows, {counts[3]:,} cohorts, {counts[4]:,} organisations, "
                 f"{counts[5]:,} lessons done, {counts[6]:,} quiz attempts")
    seconds = fields.get("seconds")
    return described, (f"{int(seconds) // 60} min {int(seconds) % 60} s (bench/seed.py, COPY)" if seconds else "?")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data set, one quick round of everything")
    parser.add_argument("--scale", type=float, default=None, help="default 1.0, or 0.003 with --smoke")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reseed", action="store_true", help="seed again even if the database can be reused")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--only", default="", help="comma-separated section keys to run (a,b,c,d,e,f,g,h,i; p for the four peaks p1-p4)")
    parser.add_argument("--skip-upgrade", action="store_true",
                        help="leave the schema as it is (to measure an older commit on the same database)")
    args = parser.parse_args(argv)
    scale = args.scale if args.scale is not None else (0.003 if args.smoke else 1.0)
    default_url = "postgresql://postgres@127.0.0.1:5432/" + ("tsunagari_bench_smoke" if args.smoke else "tsunagari_bench")
    url = seeding.psycopg_url(args.database_url or os.environ.get("BENCH_DATABASE_URL") or default_url)
    output = args.output or (ROOT / "bench" / ".smoke" / "BENCHMARKS.md" if args.smoke else ROOT / "BENCHMARKS.md")
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk (make bench installs it when run as root)", file=sys.stderr)
        return 2
    logdir = ROOT / "bench" / ".logs"
    logdir.mkdir(parents=True, exist_ok=True)
    only = set(filter(None, args.only.split(",")))

    if args.skip_upgrade:
        print(f"reusing the seeded database as it is: {seeding.marker(url)}")
    elif args.reseed or not seeding.reusable(url, scale, 2026):
        seeding.seed(url, scale, 2026)
    else:
        seeding.flask(url, "db", "upgrade")
        added = seeding.backfill_statistics(url)  # tables added since the seed (idempotent)
        print(f"reusing the seeded database: {seeding.marker(url)}; statistics records added: {added}")
    run = Run(args, url, logdir)
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    dataset, seed_time = dataset_description(url)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    run.context.update(date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), postgres=f"PostgreSQL {version}",
                       dbname=url.rsplit("/", 1)[-1], dataset=dataset, seed_time=seed_time,
                       commit=commit.strip() or "?", load_start=os.getloadavg()[0])

    def want(key: str) -> bool:
        return not only or key in only

    # SIGTERM (CI timeout, Ctrl+C from make) still runs the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    with ExitStack() as stack:
        app_server = stack.enter_context(Server("app", "wsgi:app", run.server_env(), logdir))
        worker = stack.enter_context(run.job_worker(run.server_env()))
        minimal = stack.enter_context(Server("minimal", "bench.minimal_app:app", run.server_env(), logdir))
        if want("a"):
            run.section("a", "Lesson page throughput vs a minimal Flask app",
                        lambda s: bench_lesson(run, app_server, minimal, s))
        minimal.stop()
        if want("b"):
            run.section("b", "Quiz submission latency", lambda s: bench_quiz(run, app_server, s, worker))
        from bench import dashboards

        if want("c"):
            run.section("c", "Cohort and prefecture dashboards", lambda s: dashboards.bench_dashboards(run, app_server, s))
        if want("d"):
            run.section("d", "National statistics", lambda s: dashboards.bench_statistics(run, app_server, s))
        if want("e"):
            run.section("e", "Certificates: one issue vs raw WeasyPrint", lambda s: bench_certificate_render(run, s))
            run.section("e", "Certificates: bulk job of a cohort", lambda s: bench_bulk(run, s))
            run.section("e", "Certificates: re-download of a stored PDF", lambda s: bench_redownload(run, app_server, s))
        if want("h"):
            from bench import evaluation

            run.section("h", "Evaluation: national effect report",
                        lambda s: evaluation.bench_evaluation(run, app_server, s))
        if want("i"):
            from bench import finder

            run.section("i", "Public session finder and its feeds", lambda s: finder.bench_finder(run, app_server, s))
        if want("g"):
            run.section("g", "Memory of a gunicorn worker", lambda s: bench_memory(run, app_server, s))
    if any(want(k) for k in ("p", "p1", "p2", "p3", "p4")):
        from bench import peaks

        peaks.bench_peaks(run, lambda key: want(key) or want("p"))
    if want("f"):
        run.section("f", "Content import of the default bundles", lambda s: bench_content(run, s))
    run.sections.sort(key=lambda s: s.key)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_report(run, output)
    print(f"wrote {output}")
    broken = [s for s in run.sections if s.error]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
