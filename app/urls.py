"""Absolute addresses that leave the site (e-mails, QR codes, PDFs, calendar files), all from BASE_URL,
and the same-site paths a form may ask to go back to (`safe_next`).

Never from the request: its Host header is whatever the client sent, so a password-reset link built
from it could point at another site (`POST /reset` with `Host: evil.example`)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def base_url() -> str:
    """The configured public address, without a trailing slash."""
    return current_app.config["BASE_URL"].rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """The public address of `endpoint`: BASE_URL's scheme, host and path, then the route.

    Built from the URL map itself, so it works the same inside a request, in a CLI command and
    in a commit hook."""
    base = urlsplit(base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login: never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target
