"""Simulated trainees for the load and fault tests: each walks the adult path over HTTP (register
in 生駒市, enrol, six lessons, a failed and a passed quiz, the survey, the certificate PDF) and
writes down every outcome it saw succeed, so the database can be checked against it afterwards.

Registering is two requests and a mail, as for a person: POST /register answers a redirect to
/register/sent and the server mails a link (without MAIL_SERVER it appends the mail to
<instance>/mail.log, the instance folder these runs give the servers); the trainee reads its link
there, opens the confirmation page and presses its button (a CSRF form), and is then logged in.

When the run's time is up, each trainee stops before its next request; a request already sent
is seen through to a known outcome first, so nothing is left in doubt.

Every step may be sent again when its outcome is unknown (a 503 while PostgreSQL restarts, a
connection cut by a killed worker): the app's steps are idempotent (quiz tokens, one enrolment,
one certificate), so a retry must never double anything, and that is what the check proves.
Requests go to 127.0.0.1 only; every loop is bounded by a deadline and a retry budget.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')
ATTEMPT_RE = re.compile(r"/quiz/(\d+)$")
CERT_RE = re.compile(r'href="(/my/certificates/(\d+)\.pdf)"')
ADULT = "tsunagari-adult"
PASSWORD = "load-test-pass-42"
RETRY_STATUSES = {502, 503, 504}  # the app (or nginx) says: try again
# app/services/infra/mail.py writes each mail between these lines when no MAIL_SERVER is set.
# A block is taken from the last opening line before its closing line, so the torn start of a
# mail whose write was interleaved with another's cannot swallow the next one.
MAIL_BLOCK_RE = re.compile(rb"----- mail -----\n((?:(?!----- mail -----\n).)*?)\n----------------\n", re.S)
CONFIRM_LINK_RE = re.compile(r"https?://[^\s/]+(/register/confirm/[A-Za-z0-9_-]+(?:\?[^\s]*)?)")
MAIL_WAIT = 30.0  # seconds a trainee waits for its mail before giving up


class MailBox:
    """The confirmation links the app servers wrote to <instance>/mail.log, by address.

    Several gunicorn workers (and servers) append to the same file, so it is read as a sequence of
    complete blocks: a block still being written (no closing line yet) is read on the next look,
    and anything between blocks that does not parse as a mail is skipped rather than trusted. The
    file is read from where the last look stopped, so waiting for a mail costs little under load."""

    def __init__(self, instance: Path) -> None:
        self.path = Path(instance) / "mail.log"
        self.offset = 0
        self.links: dict[str, str] = {}  # address -> path (and query) of its newest confirmation link
        self.other: dict[str, int] = {}  # address -> mails without a confirmation link (already registered)

    def forget_earlier(self) -> None:
        """Ignore what earlier runs left in the file (the instance folder is kept between runs)."""
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def _read(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                chunk = f.read()
        except FileNotFoundError:
            return
        end = 0
        for match in MAIL_BLOCK_RE.finditer(chunk):
            end = match.end()
            try:
                message = email.message_from_string(match.group(1).decode("utf-8"), policy=email.policy.default)
                to = str(message["To"] or "").strip().lower()
                body = message.get_body(("plain",)).get_content()
            except Exception:  # a torn or foreign block: not a mail to trust
                continue
            link = CONFIRM_LINK_RE.search(body)
            if link is not None:
                self.links[to] = link.group(1)
            else:
                self.other[to] = self.other.get(to, 0) + 1
        # Only complete blocks move the offset (a block still being written is read next time).
        self.offset += end

    def take(self, address: str) -> str | None:
        """The newest confirmation link mailed to the address since the last take, if any."""
        self._read()
        return self.links.pop(address.lower(), None)

    async def wait(self, address: str, timeout: float = MAIL_WAIT) -> str:
        started = time.monotonic()
        while True:
            link = self.take(address)
            if link is not None:
                return link
            if time.monotonic() - started > timeout:
                raise GiveUp(f"no confirmation mail for {address} in {self.path} after {timeout:.0f} s")
            await asyncio.sleep(0.1)

    def wait_sync(self, address: str, timeout: float = MAIL_WAIT) -> str:
        return asyncio.run(self.wait(address, timeout))


class GiveUp(Exception):
    """A step kept failing past its retry budget."""


class TimeUp(Exception):
    """The run is over: no new request is sent."""


@dataclass
class Seen:
    """What the clients saw succeed (ids, so doubles show up too)."""

    seeded: set[str] = field(default_factory=set)  # accounts made before the run (with some progress)
    sessions: dict[str, str] = field(default_factory=dict)  # seeded accounts still logged in: cookie
    registered: set[str] = field(default_factory=set)
    attempts_started: set[int] = field(default_factory=set)
    attempts_submitted: set[int] = field(default_factory=set)
    completed: set[str] = field(default_factory=set)  # e-mail of each trainee who passed
    surveys: set[str] = field(default_factory=set)
    certificates: dict[int, str] = field(default_factory=dict)  # id -> sha256 of the PDF received
    lessons_done: Counter = field(default_factory=Counter)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)  # 5xx other than a clean 503
    unclean_503: list[str] = field(default_factory=list)  # a 503 that shows internals
    transport_errors: Counter = field(default_factory=Counter)
    retries: int = 0
    flows_finished: int = 0
    first_ok_after: dict[str, float] = field(default_factory=dict)
    # Seconds from the register answer until its mail was in mail.log (not a request: kept apart).
    mail_waits: list[float] = field(default_factory=list)

    def record(self, name: str, seconds: float, status: int) -> None:
        self.latencies.setdefault(name, []).append(seconds)
        self.statuses[status] += 1

    def all_latencies(self) -> list[float]:
        return [v for values in self.latencies.values() for v in values]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Trainee:
    def __init__(self, base: str, email: str, answers: tuple[dict, dict], stats: Stats, seen: Seen,
                 deadline: float, *, certificate: bool = True, timeout: float = 60.0,
                 mailbox: MailBox | None = None) -> None:
        assert urlsplit(base).hostname == "127.0.0.1", "load goes to this machine only"
        self.base, self.email, self.stats, self.seen, self.deadline = base, email, stats, seen, deadline
        self.right, self.wrong = answers
        self.want_certificate = certificate
        self.mailbox = mailbox
        self.client = httpx.AsyncClient(base_url=base, timeout=timeout, follow_redirects=False,
                                        headers={"Accept-Language": "ja"})

    async def close(self) -> None:
        await self.client.aclose()

    # --- one request, retried while its outcome is unknown ------------------------------------

    async def send(self, name: str, method: str, url: str, *, data: dict | None = None,
                   ok: tuple[int, ...] = (200, 302), budget: int = 40) -> httpx.Response:
        if time.monotonic() > self.deadline:
            raise TimeUp
        for _ in range(budget):
            started = time.monotonic()
            try:
                response = await self.client.request(method, url, data=data)
            except httpx.TransportError as error:  # cut connection, refused, timeout: unknown
                self.stats.transport_errors[type(error).__name__] += 1
                self.stats.retries += 1
                await asyncio.sleep(0.5 + random.random())
                continue
            elapsed = time.monotonic() - started
            self.stats.record(name, elapsed, response.status_code)
            if response.status_code in RETRY_STATUSES:
                body = response.text
                if response.status_code == 503 and ("Traceback" in body or "psycopg" in body or "sqlalchemy" in body):
                    self.stats.unclean_503.append(f"{method} {url}")
                self.stats.retries += 1
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")) * (0.2 + random.random() / 2))
                continue
            if response.status_code >= 500:
                self.stats.server_errors.append(f"{response.status_code} {method} {url}")
                raise GiveUp(f"{name}: {response.status_code}")
            if response.status_code not in ok:
                raise GiveUp(f"{name}: unexpected {response.status_code} {method} {url}")
            if name not in self.stats.first_ok_after:
                self.stats.first_ok_after[name] = time.monotonic()
            return response
        raise GiveUp(f"{name}: no answer after {budget} tries")

    async def page(self, name: str, url: str) -> str:
        return (await self.send(name, "GET", url, ok=(200,))).text

    async def post(self, name: str, url: str, form_page: str, data: dict, ok=(302,)) -> httpx.Response:
        """POST with the CSRF token of the page the form lives on; if a retry is refused because
        the page must be fetched again (400), fetch it and send again."""
        for _ in range(5):
            token = CSRF_RE.search(await self.page(name + " (form)", form_page)).group(1)
            response = await self.send(name, "POST", url, data={"csrf_token": token, **data}, ok=ok + (400,))
            if response.status_code != 400:
                return response
        raise GiveUp(f"{name}: 400 five times")

    # --- the adult path -------------------------------------------------------------------------

    async def register(self) -> None:
        """Register as a person does: the form (POST, answered by /register/sent), the link from the
        mail, the confirmation page and its button; then logged in. Two requests and a mail."""
        if self.mailbox is None:
            raise GiveUp("register: no mailbox (the servers' instance folder) given")
        data = {"display_name": "負荷 試験", "email": self.email, "password": PASSWORD,
                "password_confirm": PASSWORD, "municipality_code": "292095", "age_band": "", "sex": ""}
        for _ in range(5):
            token = CSRF_RE.search(await self.page("register (form)", "/register")).group(1)
            response = await self.send("register", "POST", "/register", data={"csrf_token": token, **data},
                                       ok=(200, 302, 400))
            if response.status_code == 302:
                if not response.headers["Location"].endswith("/register/sent"):
                    raise GiveUp(f"register: redirected to {response.headers['Location']}, not /register/sent")
                break
        else:
            raise GiveUp("register: refused five times")
        mailed = time.monotonic()
        link = await self.mailbox.wait(self.email)
        self.stats.mail_waits.append(time.monotonic() - mailed)
        confirmed = await self.post("register confirm", link, link, {}, ok=(302, 410))
        location = confirmed.headers.get("Location", "")
        if confirmed.status_code == 302 and "/login" not in location:
            self.seen.registered.add(self.email)  # the account exists, and this client is logged in
            return
        # 410 (the link was used) or a redirect to the login page (the address has an account): an
        # earlier try of this confirmation was stored but its answer was lost. Log in instead.
        self.seen.registered.add(self.email)
        await self.login()

    async def login(self) -> None:
        await self.post("login", "/login", "/login", {"email": self.email, "password": PASSWORD})

    async def lessons(self) -> None:
        """Enrol if needed, then complete the lessons not done yet (the course page marks them)."""
        course = f"/courses/{ADULT}"
        page = await self.page("course", course)
        if "受講をはじめる" in page:
            await self.post("enrol", f"{course}/enrol", course, {})
            page = await self.page("course", course)
        lessons = re.findall(rf'<li class="(is-done)?">\s*<a href="{course}/lessons/([a-z0-9-]+)"', page)
        if not lessons:
            raise GiveUp("no lessons on the course page")
        for done, key in lessons:
            if done:
                continue
            url = f"{course}/lessons/{key}"
            await self.post("lesson complete", f"{url}/complete", url, {})
            self.seen.lessons_done[self.email] += 1

    async def attempt(self, answers: dict[str, list[str]], *, passing: bool) -> None:
        """Start an attempt and submit it; what the server confirmed is written down at once,
        before the result page is even asked for (the run may end in between)."""
        course = f"/courses/{ADULT}"
        started = await self.post("quiz start", f"{course}/quiz/start", f"{course}/quiz", {})
        location = started.headers["Location"]
        attempt_id = int(ATTEMPT_RE.search(location).group(1))
        self.seen.attempts_started.add(attempt_id)
        page = await self.page("quiz attempt", location)
        token = TOKEN_RE.search(page)
        if token is not None:  # not yet submitted (a retry may find it submitted already)
            form = {f"q-{qid}": values for qid, values in answers.items()}
            await self.post("quiz submit", location, location, {"token": token.group(1), **form})
        self.seen.attempts_submitted.add(attempt_id)
        if passing:  # every lesson is done: passing completes the course, in the same transaction
            self.seen.completed.add(self.email)
        page = await self.page("quiz result", location)
        if ("result-banner passed" in page) != passing:
            raise GiveUp(f"attempt {attempt_id} graded {'failed' if passing else 'passed'}")

    async def quiz(self) -> None:
        await self.attempt(self.wrong, passing=False)
        await self.attempt(self.right, passing=True)

    async def survey(self) -> None:
        url = f"/courses/{ADULT}/survey"
        response = await self.post("survey", url, url, {"s-s1": "5", "s-s2": "4", "s-s3": "1", "s-s4": "負荷試験"})
        if response.status_code == 302:
            self.seen.surveys.add(self.email)

    async def certificate(self) -> None:
        match = CERT_RE.search(await self.page("my page", "/my"))
        if match is None:
            raise GiveUp("no certificate on my page after completing")
        response = await self.send("certificate pdf", "GET", match.group(1), ok=(200,))
        data = response.content
        if not data.startswith(b"%PDF") or not data.rstrip().endswith(b"%%EOF"):
            raise GiveUp("a half PDF was served")
        self.seen.certificates[int(match.group(2))] = hashlib.sha256(data).hexdigest()

    async def run(self) -> None:
        try:
            if self.email in self.seen.sessions:
                self.client.cookies.set("session", self.seen.sessions[self.email], domain="127.0.0.1", path="/")
            elif self.email in self.seen.seeded:
                await self.login()
            else:
                await self.register()
            await self.lessons()
            await self.quiz()
            await self.survey()
            if self.want_certificate:
                await self.certificate()
            self.stats.flows_finished += 1
        finally:
            await self.close()


async def crowd(base: str, users: int, seconds: float, answers, *, run_id: str, seen: Seen,
                mailbox: MailBox | None = None, certificate_every: int = 2,
                ramp_seconds: float = 5.0) -> tuple[Stats, Seen, list[str]]:
    """`users` virtual trainees until the deadline, then each stops before its next request. The
    first path of each is a seeded account (in `seen.seeded`, logging in where it left off) while
    there are enough of them, a new registration for the rest; the next ones register new accounts."""
    stats = Stats()
    deadline = time.monotonic() + seconds
    failures: list[str] = []
    counter = iter(range(10**9))
    seeded = sorted(seen.seeded)

    async def user(n: int) -> None:
        await asyncio.sleep(ramp_seconds * n / users)
        first = True
        while time.monotonic() < deadline:
            k = next(counter)
            email = seeded[n] if first and n < len(seeded) else f"load-{run_id}-r{k}@example.jp"
            first = False
            trainee = Trainee(base, email, answers, stats, seen, deadline, certificate=k % certificate_every == 0,
                              mailbox=mailbox)
            try:
                await trainee.run()
            except TimeUp:
                return
            except GiveUp as error:
                failures.append(f"{trainee.email}: {error}")
                await asyncio.sleep(1)

    await asyncio.gather(*(user(n) for n in range(users)))
    return stats, seen, failures
