"""Fault test: the load test's trainees keep working while things break under them.

    python -m quality.faults            # 100 trainees for 60 s
    python -m quality.faults --short    # 100 trainees for 20 s (CI)

1. `kill -9` of one gunicorn worker mid-run: its requests are cut; the clients send them again.
2. PostgreSQL restarted mid-run (pg_ctlcluster ... restart; the shared local server, down for a
   few seconds only, and checked to be running at the end): while it is down the app answers
   the plain 503 page (no traceback), and it recovers by itself (pool_pre_ping).
3. The certificate storage refuses to write (a trigger on certificate_file): the trainee gets
   the clear page, no PDF is served that is not stored, and the next try after the repair works.

Pass: only clean 503s and cut connections while the faults last, no other 5xx, every path
finished, and the database holds exactly what the clients saw succeed, with no half-written row.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time

import httpx
import psycopg

from quality.load import (
    OUT,
    app_stack,
    check_database,
    figures,
    print_figures,
    quiz_answers,
    registering_split,
    seed_trainees,
)
from quality.servers import wait_until
from quality.trainees import CERT_RE, CSRF_RE, PASSWORD, Seen, Stats, Trainee, crowd


def pg_cluster() -> tuple[str, str]:
    """(version, name) of the local cluster on port 5432."""
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        version, name, port = line.split()[:3]
        if port == "5432":
            return version, name
    raise SystemExit("no PostgreSQL cluster on port 5432 (pg_lsclusters)")


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


def ensure_pg_running() -> None:
    if not pg_ready():
        version, name = pg_cluster()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], check=False)
        wait_until(pg_ready, 60, 0.5, "PostgreSQL to start again")


class Timeline:
    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.events: list[tuple[float, str]] = []

    def note(self, what: str) -> float:
        now = time.monotonic()
        self.events.append((round(now - self.t0, 2), what))
        print(f"  t={now - self.t0:5.1f}s {what}", flush=True)
        return now


async def inject_faults(stack, timeline: Timeline, seconds: float, result: dict) -> None:
    """kill -9 one worker at 25 % of the run, restart PostgreSQL at 50 %."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(seconds * 0.25)
    victim = random.choice(stack.server.worker_pids())
    os.kill(victim, signal.SIGKILL)
    timeline.note(f"kill -9 gunicorn worker {victim}")
    result["killed_worker"] = victim
    await asyncio.sleep(seconds * 0.25)
    version, name = pg_cluster()
    down = timeline.note(f"PostgreSQL {version}/{name} restart begins")
    restart = await loop.run_in_executor(None, lambda: subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"], capture_output=True, text=True))
    await loop.run_in_executor(None, lambda: wait_until(pg_ready, 60, 0.1, "PostgreSQL"))
    up = timeline.note(f"PostgreSQL accepts connections again (restart exit {restart.returncode})")
    result.update({"pg_restart_started": down, "pg_ready": up, "pg_down_seconds": round(up - down, 2)})


async def probe(base: str, cookie: str, timeline: Timeline, stop: asyncio.Event, log: list) -> None:
    """A logged-in trainee opening my page every 0.2 s: what a person sees during the faults."""
    async with httpx.AsyncClient(base_url=base, timeout=10, follow_redirects=False) as client:
        client.cookies.set("session", cookie, domain="127.0.0.1", path="/")
        while not stop.is_set():
            try:
                response = await client.get("/my")
                log.append((time.monotonic(), response.status_code, response.text))
            except httpx.TransportError as error:
                log.append((time.monotonic(), type(error).__name__, ""))
            await asyncio.sleep(0.2)


async def faulty_run(stack, users: int, seconds: float, run_id: str, seen: Seen) -> tuple:
    timeline = Timeline()
    result: dict = {}
    stop = asyncio.Event()
    probe_log: list = []
    cookie = next(iter(seen.sessions.values()))
    prober = asyncio.create_task(probe(stack.base, cookie, timeline, stop, probe_log))
    faults = asyncio.create_task(inject_faults(stack, timeline, seconds, result))
    stats, seen, failures = await crowd(stack.base, users, seconds, quiz_answers(stack.database_url),
                                        run_id=run_id, seen=seen, mailbox=stack.mailbox)
    await faults
    stop.set()
    await prober
    timeline.note("trainees stopped")
    return stats, seen, failures, timeline, result, probe_log


# --- the certificate storage refuses --------------------------------------------------------

REFUSE = ("CREATE FUNCTION refuse_pdf() RETURNS trigger LANGUAGE plpgsql AS "
          "$$ BEGIN RAISE EXCEPTION 'certificate storage unavailable'; END $$; "
          "CREATE TRIGGER refuse_pdf BEFORE INSERT ON certificate_file FOR EACH ROW EXECUTE FUNCTION refuse_pdf()")
REPAIR = "DROP TRIGGER refuse_pdf ON certificate_file; DROP FUNCTION refuse_pdf()"


async def storage_failure(stack, run_id: str, answers) -> list[str]:
    """A trainee completes, the storage refuses the PDF, then it is repaired and the PDF comes."""
    problems = []
    seen = Seen()
    trainee = Trainee(stack.base, f"load-{run_id}-storage@example.jp", answers, Stats(), seen,
                      time.monotonic() + 300, certificate=False, mailbox=stack.mailbox)
    await trainee.run()
    assert seen.completed, "the storage trainee did not complete"
    async with httpx.AsyncClient(base_url=stack.base, timeout=60, follow_redirects=False) as client:
        await _login(client, trainee.email)
        link = CERT_RE.search((await client.get("/my")).text)
        cert_id = int(link.group(2))
        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            conn.execute(REFUSE)
        try:
            refused = await client.get(link.group(1))
            body = refused.text
            if refused.status_code != 503 or "保存する場所に、いま書き込めませんでした" not in body:
                problems.append(f"refused storage answered {refused.status_code}: {body[:200]!r}")
            if refused.content.startswith(b"%PDF") or "Traceback" in body or "psycopg" in body:
                problems.append("a PDF or internals were served although the PDF could not be stored")
            with psycopg.connect(stack.database_url) as conn:
                row = conn.execute("SELECT c.pdf_sha256, f.certificate_id FROM certificate c LEFT JOIN "
                                   "certificate_file f ON f.certificate_id = c.id WHERE c.id = %s", (cert_id,)).fetchone()
            if row != (None, None):
                problems.append(f"half-written certificate after the refusal: {row}")
        finally:
            with psycopg.connect(stack.database_url, autocommit=True) as conn:
                conn.execute(REPAIR)
        retried = await client.get(link.group(1))
        if retried.status_code != 200 or not retried.content.startswith(b"%PDF"):
            problems.append(f"the try after the repair answered {retried.status_code}")
        else:
            with psycopg.connect(stack.database_url) as conn:
                stored = conn.execute("SELECT c.pdf_sha256, encode(sha256(f.data), 'hex') FROM certificate c JOIN "
                                      "certificate_file f ON f.certificate_id = c.id WHERE c.id = %s",
                                      (cert_id,)).fetchone()
            digest = hashlib.sha256(retried.content).hexdigest()
            if stored != (digest, digest):
                problems.append(f"stored PDF differs from the one served: {stored} vs {digest}")
    print(f"  storage refused: clear page and nothing stored; after the repair the PDF came "
          f"({'ok' if not problems else 'PROBLEMS'})", flush=True)
    return problems


async def _login(client: httpx.AsyncClient, email: str) -> None:
    token = CSRF_RE.search((await client.get("/login")).text).group(1)
    response = await client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


# --- the verdict ----------------------------------------------------------------------------

def judge(stats, failures, timeline, result, probe_log, problems) -> tuple[dict, list[str]]:
    verdict = list(problems)
    fivexx = {code: n for code, n in stats.statuses.items() if isinstance(code, int) and code >= 500}
    not_503 = {code: n for code, n in fivexx.items() if code != 503}
    if not_503:
        verdict.append(f"5xx other than 503: {not_503}; e.g. {stats.server_errors[:3]}")
    if stats.unclean_503:
        verdict.append(f"503 pages showing internals: {stats.unclean_503[:3]}")
    if failures:
        verdict.append(f"{len(failures)} paths failed, e.g. {failures[:3]}")
    down, up = result.get("pg_restart_started"), result.get("pg_ready")
    outage = [(t, s, body) for t, s, body in probe_log if down and t >= down - 0.5 and s != 200]
    bad_pages = [s for t, s, body in outage if s == 503 and ("Traceback" in body or "psycopg" in body)]
    if bad_pages:
        verdict.append("the probe saw a 503 page with internals")
    clean = [t for t, s, body in outage if s == 503 and "つながりにくくなっています" in body]
    recovered = next((t for t, s, _ in probe_log if up and t >= up and s == 200), None)
    if up and recovered is None:
        verdict.append("my page never answered 200 again after PostgreSQL came back")
    summary = {
        "killed_worker": result.get("killed_worker"), "pg_down_seconds": result.get("pg_down_seconds"),
        "probe_503_pages": len(clean), "probe_other_failures": sorted({str(s) for _, s, _ in outage if s != 503}),
        "recovered_seconds_after_pg_ready": round(recovered - up, 2) if recovered and up else None,
        "timeline": timeline.events,
    }
    return summary, verdict


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--short", action="store_true", help="20 s (CI)")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    seconds = 20 if args.short else args.seconds
    run_id = secrets.token_hex(3)
    pg_cluster()  # fail early without a local cluster to restart
    try:
        with app_stack("faults", args.workers) as stack:
            # As in the load test, a tenth start by registering (form, mailed link, confirmation).
            seen = seed_trainees(stack, run_id, registering_split(args.users, 0.1), login_share=0.1)
            print(f"{args.users} trainees for {seconds:.0f} s against {stack.base}, with faults:", flush=True)
            started = time.monotonic()
            stats, seen, failures, timeline, result, probe_log = asyncio.run(
                faulty_run(stack, args.users, seconds, run_id, seen))
            elapsed = time.monotonic() - started
            problems = check_database(stack.database_url, run_id, seen)
            problems += asyncio.run(storage_failure(stack, run_id, quiz_answers(stack.database_url)))
            workers_after = stack.server.worker_pids()
            if len(workers_after) != args.workers or result.get("killed_worker") in workers_after:
                problems.append(f"gunicorn did not replace the killed worker: {workers_after}")
    finally:
        ensure_pg_running()
    summary, verdict = judge(stats, failures, timeline, result, probe_log, problems)
    figures_ = figures(stats, seen, elapsed)
    figures_.update(summary)
    figures_["database_problems"] = problems
    print_figures("fault test", figures_)
    print(f"PostgreSQL down {summary['pg_down_seconds']} s; my page answered the 503 page "
          f"{summary['probe_503_pages']} times meanwhile (other failures: {summary['probe_other_failures'] or 'none'}); "
          f"it answered 200 again {summary['recovered_seconds_after_pg_ready']} s after PostgreSQL was ready")
    (OUT / "faults.json").write_text(json.dumps(figures_, ensure_ascii=False, indent=2, default=str))
    if verdict:
        print("\nFAILED:\n  " + "\n  ".join(verdict))
        return 1
    print("\nPASSED: clean 503s while PostgreSQL was down, recovery by itself, nothing lost, doubled or "
          "half-written; the refused PDF was never served and came after the repair.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
