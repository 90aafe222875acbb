"""Real processes for the quality gates: fresh databases, gunicorn, nginx, an RQ worker.

Everything listens on 127.0.0.1 only and is stopped by the context managers, whatever happens.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"
# Where the databases of these runs are created; CREATE DATABASE is issued through this one.
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
ARTIFACTS = ROOT / "tests" / "_artifacts"
SECRET_KEY = "quality-gates-" + "0" * 40  # the app servers of these runs only


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class Fatal(RuntimeError):
    """Raised inside a wait_until check: stop waiting at once (e.g. the process died)."""


def wait_until(check, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Fatal:
            raise
        except Exception as error:  # the thing waited for is not there yet
            last_error = error
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}" + (f": {last_error}" if last_error else ""))


# --- databases ----------------------------------------------------------------------------------

def pg_admin_url() -> str:
    """A PostgreSQL URL to issue CREATE/DROP DATABASE through: QUALITY_PG_URL, else the server of
    TEST_DATABASE_URL, else the local default."""
    return os.environ.get("QUALITY_PG_URL") or os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_ADMIN_URL


def _plain_pg(url: str) -> str:
    """psycopg wants postgresql://, without SQLAlchemy's +driver suffix."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(_plain_pg(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def pg_available(url: str | None = None) -> bool:
    import psycopg

    try:
        with psycopg.connect(_plain_pg(url or pg_admin_url()), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


@contextlib.contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for this run, dropped afterwards (even if clients remain)."""
    import psycopg

    admin = _plain_pg(pg_admin_url())
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin, name)
    finally:
        with contextlib.suppress(psycopg.Error):
            # The server may have been restarted by a fault test: connect again, patiently.
            wait_until(lambda: pg_available(admin), 60, 0.5, "PostgreSQL")
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare_database(url: str, instance: Path, *, demo: bool = True) -> None:
    """Schema by the migrations, municipalities, the default courses and the demo accounts, as
    `make run` does; in this process, which is quicker than four `flask` commands."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.services import demo as demo_service
    from app.services.content import courses
    from app.services.organisations.municipalities import load_reference_data
    from config import Config, database_url

    config = type("PrepareConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": database_url(url),
                                                "INSTANCE_DIR": instance, "APP_ENV": "development"})
    app = create_app(config)
    with app.app_context():
        upgrade()
        load_reference_data(db.session)
        results = courses.import_defaults(db.session, asset_url_for=lambda v, p: f"/content/{v}/{p}")
        assert all(r.ok for r in results), [r.errors for r in results]
        if demo:
            demo_service.ensure_demo(db.session)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def app_env(database_url: str, instance: Path, port: int, **extra: str) -> dict[str, str]:
    """The environment of an app server of these runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "FLASK_RUN"))}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "APP_ENV": "development",
        "BASE_URL": f"http://{LOOPBACK}:{port}",
        "INSTANCE_PATH": str(instance),
        # Never SMTP, whatever the caller's environment says: the servers of these runs append their
        # mails to <instance>/mail.log, where the simulated people read their links (and no mail
        # goes out to the made-up addresses).
        "MAIL_SERVER": "",
        "FLASK_APP": "wsgi.py",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


# --- processes ----------------------------------------------------------------------------------

def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, even by kill -9, so no server is
    left running when a run is cut short (Linux prctl PR_SET_PDEATHSIG)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class Process:
    """A child process in its own process group, logged to a file, stopped on exit."""

    name = "process"

    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc: subprocess.Popen | None = None

    def spawn(self, cmd: list[str], env: dict[str, str]) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=_die_with_parent)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGINT, wait: float = 15) -> None:
        """SIGINT: gunicorn, nginx and RQ all stop at once on it (SIGTERM makes them wait)."""
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        raise NotImplementedError


class Gunicorn(Process):
    """gunicorn wsgi:app with sync workers on 127.0.0.1:port; ready when /healthz answers 200."""

    def __init__(self, env: dict[str, str], port: int, log: Path, *, workers: int = 2, timeout: int = 60,
                 name: str = "app") -> None:
        super().__init__(log)
        self.env, self.port, self.workers, self.timeout, self.name = env, port, workers, timeout, name

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self.spawn([str(VENV_BIN / "gunicorn"), "-w", str(self.workers), "-b", f"{LOOPBACK}:{self.port}",
                    "--worker-class", "sync", "--timeout", str(self.timeout), "--graceful-timeout", "5",
                    "--access-logfile", "-", "--access-logformat", '%(h)s "%(r)s" %(s)s %(L)ss pid=%(p)s',
                    "wsgi:app"], self.env)
        try:
            self.wait_ready(60)
        except Exception:
            self.stop()
            raise

    def wait_ready(self, timeout: float) -> None:
        def ready() -> bool:
            if not self.alive():
                raise Fatal(f"{self.name} exited:\n{self.tail()}")
            return (httpx.get(self.base + "/healthz", timeout=3).status_code == 200
                    and len(self.worker_pids()) >= self.workers)

        wait_until(ready, timeout, 0.2, f"{self.name} on port {self.port}")

    def worker_pids(self) -> list[int]:
        return children_of(self.proc.pid) if self.alive() else []


class RQWorker(Process):
    """`flask jobs worker`: one RQ worker on the certificates queue."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        super().__init__(log)
        self.env = env

    def start(self) -> None:
        self.spawn([str(VENV_BIN / "flask"), "jobs", "worker"], self.env)

        def listening() -> bool:
            if not self.alive():
                raise Fatal(f"the RQ worker exited:\n{self.tail()}")
            return "Listening on" in self.log.read_text(errors="replace")

        wait_until(listening, 60, 0.2, "the RQ worker")


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    client_max_body_size 25m;
    upstream tsunagari {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://tsunagari;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream off;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


class Nginx(Process):
    """nginx in the foreground with a generated config: round-robin over the given upstreams."""

    def __init__(self, tmp: Path, port: int, upstreams: list[int]) -> None:
        super().__init__(tmp / "nginx.log")
        self.tmp, self.port, self.upstreams = tmp, port, upstreams

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self.tmp.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server {LOOPBACK}:{p};" for p in self.upstreams)
        conf = self.tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=self.tmp, port=self.port, servers=servers))
        # -p: the prefix for relative paths; -e: the error log before the config is read.
        self.spawn([binary, "-c", str(conf), "-p", str(self.tmp), "-e", str(self.tmp / "error.log")], dict(os.environ))
        wait_until(lambda: httpx.get(self.base + "/healthz", timeout=3).status_code == 200, 30, 0.2, "nginx")
