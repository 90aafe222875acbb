"""Fingerprinted static files: a content hash in every static URL, cached by browsers for a year.

``url_for('static', filename='css/app.css')`` becomes ``/static/css/app.css?v=<hash>``; a response to
exactly that hash is sent with ``Cache-Control: public, max-age=31536000, immutable``. When the file
changes its hash changes, so the pages (which keep Flask's default, revalidated each time) point to a
new URL and no browser keeps the old file. A request without the hash, or with a stale one, keeps
Flask's ``no-cache`` (revalidated with its ETag). The slow-phone figures are in BENCHMARKS.md.
"""
from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, request
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
_hashes: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, hash)


def file_hash(static_folder: str, filename: str) -> str | None:
    """The first 12 hex digits of the file's SHA-256, or None for a path outside the folder or missing."""
    path = safe_join(static_folder, filename)
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    cached = _hashes.get(path)
    if cached and cached[0] == st.st_mtime_ns and cached[1] == st.st_size:
        return cached[2]
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            digest.update(chunk)
    value = digest.hexdigest()[:12]
    _hashes[path] = (st.st_mtime_ns, st.st_size, value)
    return value


def register(app: Flask) -> None:
    folder = app.static_folder
    if folder is None:
        return

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename"):
            value = file_hash(folder, values["filename"])
            if value:
                values["v"] = value

    @app.after_request
    def _cache(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        wanted = request.args.get("v")
        if wanted and wanted == file_hash(folder, filename):
            response.cache_control.no_cache = None
            response.headers["Cache-Control"] = IMMUTABLE
        return response
