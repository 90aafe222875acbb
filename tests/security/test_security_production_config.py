"""Rate limits count across every worker in production: per-process storage (memory://) is refused
at start-up unless the operator says one process serves the site; REDIS_URL is used by default
(issue 13 item 11)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "s" * 40, "BASE_URL": "https://lms.example.jp"}


def _start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Import wsgi.py as gunicorn does, with only these settings in the environment."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("RATELIMIT_", "REDIS_URL", "APP_ENV", "SECRET_KEY", "BASE_URL", "TEST_"))}
    clean.update({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", **env})
    return subprocess.run([sys.executable, "-c", "import wsgi; print(wsgi.app.config['RATELIMIT_STORAGE_URI'])"],
                          cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def test_production_refuses_per_process_rate_limits(tmp_path):
    started = _start(tmp_path, **PRODUCTION)
    assert started.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in started.stderr and "RATELIMIT_SINGLE_PROCESS" in started.stderr


def test_production_starts_with_shared_storage_or_when_one_process_is_declared(tmp_path):
    shared = _start(tmp_path, **PRODUCTION, REDIS_URL="redis://127.0.0.1:6379/3")
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.strip() == "redis://127.0.0.1:6379/3"  # REDIS_URL is where the limits live
    single = _start(tmp_path, **PRODUCTION, RATELIMIT_SINGLE_PROCESS="1")
    assert single.returncode == 0, single.stderr
    assert single.stdout.strip() == "memory://"


def test_development_keeps_working_without_redis(tmp_path):
    started = _start(tmp_path)
    assert started.returncode == 0, started.stderr


def test_the_app_factory_refuses_it_too(app, make_app):
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        make_app(APP_ENV="production", SECRET_KEY="s" * 40, RATELIMIT_SINGLE_PROCESS=False)
    make_app(APP_ENV="production", SECRET_KEY="s" * 40, RATELIMIT_SINGLE_PROCESS=False,
             RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/3")  # no connection is made at start-up


@pytest.mark.parametrize("environ, expected", [
    ({}, "memory://"),
    ({"REDIS_URL": "redis://r:6379/1"}, "redis://r:6379/1"),
    ({"REDIS_URL": "redis://r:6379/1", "RATELIMIT_STORAGE_URI": "redis://other:6379/0"}, "redis://other:6379/0"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "memory://"),
])
def test_where_the_limits_live(environ, expected):
    from config import ratelimit_storage_uri

    assert ratelimit_storage_uri(environ) == expected
