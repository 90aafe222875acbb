"""Security headers on every response: pages, error pages, downloads, JSON and static files."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD, make_admin
from tests.security.helpers import rules

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
# Rendered to PDF by WeasyPrint and never served to a browser, so the CSP does not apply.
PDF_ONLY = {"coordinate/class_cards.html"}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_secure_headers(response, where: str) -> None:
    headers = response.headers
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts, f"{where}: no script-src or default-src"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, f"{where}: {scripts}"
    assert not any(s in ("*", "http:", "https:", "data:") for s in scripts), f"{where}: scripts from anywhere"
    assert csp.get("default-src") == ["'self'"], where
    assert csp.get("object-src") == ["'none'"], where
    assert csp.get("frame-ancestors") == ["'none'"], where
    assert csp.get("base-uri") in (["'self'"], ["'none'"]), where
    assert csp.get("form-action") == ["'self'"], where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where
    assert headers.get("X-Frame-Options") == "DENY", where


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_every_get_route_answers_with_the_security_headers(app, role):
    """Whatever a GET answers (a page, a redirect to login, a 404, a PDF, JSON), the headers are on it."""
    client = app.test_client()
    if role == "admin":
        make_admin(email="admin@example.jp")
        db.session.commit()
        login(client, "admin@example.jp", PASSWORD)
    seen = 0
    for _rule, url in rules(app, "GET"):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        assert_secure_headers(response, f"{role} GET {url} ({response.status_code})")
        response.close()
        seen += 1
    assert seen > 40
    for url in ("/static/css/app.css", "/static/js/municipality.js", "/no-such-page", "/healthz"):
        response = client.get(url)
        assert_secure_headers(response, url)
        response.close()  # static files are streamed from an open file


def test_hsts_only_in_production(make_app):
    development = make_app().test_client().get("/")
    assert "Strict-Transport-Security" not in development.headers
    production = make_app(APP_ENV="production", SECRET_KEY="s" * 40, SESSION_COOKIE_SECURE=True).test_client()
    for url in ("/", "/login", "/healthz", "/no-such-page"):
        hsts = production.get(url).headers.get("Strict-Transport-Security", "")
        max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
        assert max_age >= 365 * 24 * 3600 and "includeSubDomains" in hsts, url


def test_production_session_cookie_is_secure_httponly_and_samesite(make_app):
    app = make_app(APP_ENV="production", SECRET_KEY="s" * 40, SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.get("/login")  # the CSRF token puts something in the session
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_templates_have_no_inline_script_handlers_or_styles():
    """The CSP would block them in the browser; better to find them here, by name."""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        if path.parent.name == "pdf" or name in PDF_ONLY:
            continue
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", line):
                problems.append(f"{name}:{number}: inline <script>")
            if re.search(r"\son[a-z]+\s*=", line):
                problems.append(f"{name}:{number}: inline event handler")
            if re.search(r"\sstyle\s*=", line) or "<style" in line:
                problems.append(f"{name}:{number}: inline style")
            if "javascript:" in line.lower():
                problems.append(f"{name}:{number}: javascript: URL")
    assert problems == []
