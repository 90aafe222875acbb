"""Two app servers behind nginx, sharing PostgreSQL and Redis: the shape of a national deployment.

    python -m quality.cluster

Starts, on 127.0.0.1 only: a fresh PostgreSQL database, two gunicorn instances (ports A and B),
nginx round-robin in front of them (a generated config in a temporary folder, in the
foreground), and two `flask jobs worker` RQ workers; Redis (QUALITY_REDIS_URL, default
redis://127.0.0.1:6379/14, emptied first) holds the rate limits and the job queue. Then checks:

1. nginx sends requests to both servers, and a trainee's login and progress carry across them;
2. a certificate issued through server A downloads through server B, byte for byte the same;
3. rate limits count across both servers (and a forged X-Forwarded-For does not reset them);
4. a background job (the coordinator's certificates ZIP) runs exactly once, on a worker.
Everything stops at the end, whatever happens.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg
import redis

from quality.load import quiz_answers
from quality.servers import (
    ARTIFACTS,
    Gunicorn,
    Nginx,
    RQWorker,
    app_env,
    free_port,
    fresh_postgres,
    nginx_binary,
    pg_available,
    prepare_database,
    wait_until,
)
from quality.trainees import ATTEMPT_RE, CERT_RE, CSRF_RE, TOKEN_RE, MailBox

OUT = ARTIFACTS / "quality"
REDIS_URL = os.environ.get("QUALITY_REDIS_URL", "redis://127.0.0.1:6379/14")
LOGIN_LIMIT = 5
PASSWORD = "cluster-test-pass-42"


class Browser:
    """A cookie jar that may talk through nginx or to one server directly."""

    def __init__(self, bases: dict[str, str]) -> None:
        self.bases = bases
        self.cookies = httpx.Cookies()
        self.upstreams: list[str] = []

    def request(self, via: str, method: str, path: str, **kwargs) -> httpx.Response:
        with httpx.Client(base_url=self.bases[via], cookies=self.cookies, timeout=60, follow_redirects=False) as c:
            response = c.request(method, path, **kwargs)
            # Cookies are set for 127.0.0.1 whichever port answered, as a browser keeps them per host.
            for name, value in c.cookies.items():
                self.cookies.set(name, value, domain="127.0.0.1", path="/")
        if "X-Upstream" in response.headers:
            self.upstreams.append(response.headers["X-Upstream"])
        return response

    def get(self, via: str, path: str) -> httpx.Response:
        return self.request(via, "GET", path)

    def post(self, via: str, path: str, form_page: str, data: dict, headers: dict | None = None) -> httpx.Response:
        token = CSRF_RE.search(self.get(via, form_page).text).group(1)
        return self.request(via, "POST", path, data={"csrf_token": token, **data}, headers=headers)


def check(condition: bool, message: str, results: list) -> None:
    results.append((bool(condition), message))
    print(f"  [{'ok' if condition else 'NG'}] {message}", flush=True)


def run_checks(nginx: Nginx, a: Gunicorn, b: Gunicorn, workers: list[RQWorker], database_url: str,
               mailbox: MailBox) -> list:
    results: list = []
    bases = {"nginx": nginx.base, "A": a.base, "B": b.base}
    ports = {f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"}

    # 1. Round-robin, and a trainee's login and progress on both servers.
    seen = {httpx.get(nginx.base + "/healthz").headers["X-Upstream"] for _ in range(6)}
    check(seen == ports, f"nginx spreads requests over both servers: {sorted(seen)}", results)
    trainee = Browser(bases)
    email = f"cluster-{secrets.token_hex(3)}@example.jp"
    response = trainee.post("nginx", "/register", "/register", {
        "display_name": "二台 太郎", "email": email, "password": PASSWORD, "password_confirm": PASSWORD,
        "municipality_code": "292095"})
    check(response.status_code == 302 and response.headers["Location"].endswith("/register/sent"),
          f"registration sent through nginx ({response.headers.get('X-Upstream')})", results)
    # Both servers write their mails to the shared instance folder: the link may come from either.
    link = mailbox.wait_sync(email)
    response = trainee.post("nginx", link, link, {})
    check(response.status_code == 302 and "/login" not in response.headers["Location"]
          and trainee.get("nginx", "/my").status_code == 200,
          f"confirmed from the mailed link through nginx ({response.headers.get('X-Upstream')}), logged in", results)
    course = "/courses/tsunagari-adult"
    trainee.post("nginx", f"{course}/enrol", course, {})
    keys = list(dict.fromkeys(re.findall(rf'href="{course}/lessons/([a-z0-9-]+)"', trainee.get("nginx", course).text)))
    served_by = set()
    for key in keys:
        url = f"{course}/lessons/{key}"
        page = trainee.get("nginx", url)
        served_by.add(page.headers["X-Upstream"])
        assert page.status_code == 200, (url, page.status_code)
        response = trainee.post("nginx", f"{url}/complete", url, {})
        assert response.status_code == 302 and "/login" not in response.headers["Location"], response.headers
    check(served_by == ports, "the lessons were served by both servers without logging the trainee out", results)
    for via in ("A", "B"):
        page = trainee.get(via, course).text
        check(page.count("done-mark") >= len(keys), f"server {via} shows all {len(keys)} lessons done", results)

    # 2. Pass the quiz on server A: the certificate is issued there; download it from server B.
    right, _ = quiz_answers(database_url)
    started = trainee.post("A", f"{course}/quiz/start", f"{course}/quiz", {})
    location = started.headers["Location"]
    token = TOKEN_RE.search(trainee.get("A", location).text).group(1)
    trainee.post("A", location, location, {"token": token, **{f"q-{q}": v for q, v in right.items()}})
    check("result-banner passed" in trainee.get("A", location).text,
          f"passed the quiz on server A (attempt {ATTEMPT_RE.search(location).group(1)})", results)
    link = CERT_RE.search(trainee.get("B", "/my").text)
    check(link is not None, "server B lists the certificate issued through server A", results)
    # With RQ the worker renders the new certificate right after the pass; until it is stored the
    # download answers 202 ("being prepared", reloading itself), never a second render.
    deadline, from_b = time.monotonic() + 60, trainee.get("B", link.group(1))
    while from_b.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.5)
        from_b = trainee.get("B", link.group(1))
    from_a = trainee.get("A", link.group(1))
    check(from_b.status_code == 200 and from_b.content.startswith(b"%PDF") and from_a.content == from_b.content,
          "the certificate downloads through server B, and server A serves the same bytes", results)

    # 4. A background job: the coordinator asks for the certificates ZIP through nginx.
    coordinator = Browser(bases)
    coordinator.post("nginx", "/login", "/login", {"email": "coordinator@demo.tsunagari.example",
                                                   "password": "demo-coord-pass"})
    home = coordinator.get("nginx", "/coordinate/").text
    org_id = int(re.search(r'href="/coordinate/organisations/(\d+)"', home).group(1))
    certs = f"/coordinate/organisations/{org_id}/certificates"
    response = coordinator.post("nginx", f"{certs}/bulk", certs, {})
    job_url = response.headers["Location"]
    job_id = int(re.search(r"/jobs/(\d+)$", job_url).group(1))
    wait_until(lambda: "ZIP をダウンロード" in coordinator.get("nginx", job_url).text, 90, 0.5, "the bulk job")
    archive = coordinator.get("nginx", job_url + ".zip")
    check(archive.status_code == 200 and archive.content[:2] == b"PK", "the ZIP downloads through nginx", results)
    connection = redis.Redis.from_url(REDIS_URL)
    from rq import Queue
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

    queue = Queue("certificates", connection=connection)
    # The queue also carries the certificate pre-render of the quiz passed above (on with RQ): count
    # the bulk job's runs, and require that nothing failed or was left behind.
    finished = [j for j in queue.job_class.fetch_many(FinishedJobRegistry(queue=queue).get_job_ids(), connection)
                if j is not None and j.func_name == "app.jobs.run_bulk_job"]
    runs = sum(w.log.read_text(errors="replace").count(f"certificates: app.jobs.run_bulk_job({job_id})")
               for w in workers)
    check(len(finished) == 1 and FailedJobRegistry(queue=queue).count == 0 and StartedJobRegistry(queue=queue).count == 0
          and queue.count == 0, f"RQ ran the bulk job once, no job failed or left (finished {[j.id for j in finished]})",
          results)
    check(runs == 1, f"of the two workers, exactly one picked the job up ({runs} start line)", results)
    with psycopg.connect(database_url) as conn:
        status, done, total = conn.execute("SELECT status, done, total FROM bulk_job WHERE id = %s", (job_id,)).fetchone()
        starts = conn.execute("SELECT count(*) FROM audit_event WHERE action = 'certificate.bulk_start'").fetchone()[0]
    check(str(status).lower() == "done" and done == total >= 1 and starts == 1,
          f"the job row is done once: {status} {done}/{total}, {starts} start in the audit log", results)

    # 3. Rate limits across both servers (last: it uses up this address's login allowance). The
    # logins above counted too: start from a clean count.
    for key in connection.scan_iter("LIMITS*"):
        connection.delete(key)
    codes = []
    for via in ("A", "B", "A", "B", "nginx"):
        codes.append(Browser(bases).post(via, "/login", "/login", {"email": email, "password": "wrong"}).status_code)
    over = [Browser(bases).post(via, "/login", "/login", {"email": email, "password": "wrong"}).status_code
            for via in ("A", "B", "nginx")]
    check(codes.count(429) == 0 and over == [429, 429, 429],
          f"login limit {LOGIN_LIMIT}/min counted across A and B: {codes} then {over}", results)
    forged = Browser(bases).post("nginx", "/login", "/login", {"email": email, "password": "wrong"},
                                 headers={"X-Forwarded-For": "203.0.113.9"})
    check(forged.status_code == 429, "a forged X-Forwarded-For through nginx does not get a fresh allowance", results)
    return results


def main() -> int:
    if nginx_binary() is None:
        raise SystemExit("nginx is not installed: apt-get install nginx (make clustertest does it as root)")
    if not pg_available():
        raise SystemExit("PostgreSQL is not reachable (QUALITY_PG_URL)")
    connection = redis.Redis.from_url(REDIS_URL)
    connection.ping()
    connection.flushdb()
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="tsunagari-nginx-") as tmp:
        url = stack.enter_context(fresh_postgres("tsunagari_cluster"))
        instance = OUT / "cluster-instance"
        prepare_database(url, instance)
        # Without MAIL_SERVER both servers append their mails to <instance>/mail.log.
        mailbox = MailBox(instance)
        mailbox.forget_earlier()
        port_a, port_b, port_n = free_port(), free_port(), free_port()
        env = {"JOB_QUEUE": "rq", "REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL,
               "PROXY_COUNT": "1", "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute"}
        public = f"http://127.0.0.1:{port_n}"  # the address printed in certificate QR codes

        def settings(port: int) -> dict:
            return {**app_env(url, instance, port, **env), "BASE_URL": public}

        a = stack.enter_context(Gunicorn(settings(port_a), port_a, OUT / "cluster-a.log", name="server A"))
        b = stack.enter_context(Gunicorn(settings(port_b), port_b, OUT / "cluster-b.log", name="server B"))
        workers = []
        for n in (1, 2):
            log = OUT / f"cluster-worker-{n}.log"
            log.unlink(missing_ok=True)
            workers.append(stack.enter_context(RQWorker(settings(port_a), log)))
        nginx = stack.enter_context(Nginx(Path(tmp), port_n, [port_a, port_b]))
        print(f"nginx {nginx.base} -> A {a.base}, B {b.base}; PostgreSQL and Redis shared; 2 RQ workers", flush=True)
        results = run_checks(nginx, a, b, workers, url, mailbox)
    connection.flushdb()
    failed = [m for ok, m in results if not ok]
    (OUT / "cluster.json").write_text(json.dumps({"seconds": round(time.monotonic() - started, 1),
                                                  "checks": [{"ok": ok, "check": m} for ok, m in results]},
                                                 ensure_ascii=False, indent=2))
    if failed:
        print("\nFAILED:\n  " + "\n  ".join(failed))
        return 1
    print(f"\nPASSED: {len(results)} checks on two app servers behind nginx ({time.monotonic() - started:.0f} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
