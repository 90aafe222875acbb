"""Static files carry a content hash in their URL and are cached for a year; pages are not."""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from flask import url_for

from app.web.static_files import IMMUTABLE


def test_pages_link_hashed_css_which_is_cached_for_a_year(client):
    page = client.get("/login")
    assert "immutable" not in page.headers.get("Cache-Control", "")
    href = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page.get_data(as_text=True))
    assert href, "app.css is linked without its hash"
    response = client.get(href.group(1))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE


def test_without_or_with_a_stale_hash_it_is_revalidated(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=000000000000", "/static/css/app.css?v=\u202e1"):
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", ""), url
        assert "no-cache" in response.headers.get("Cache-Control", ""), url
    assert client.get("/static/css/app.css?v=%00").status_code == 400  # the request guard refuses NUL bytes


def test_the_url_changes_when_the_file_changes(app, client):
    name = f"test-{uuid.uuid4().hex}.css"
    path = Path(app.static_folder) / name
    try:
        path.write_text("body { color: black }")
        with app.test_request_context():
            first = url_for("static", filename=name)
        path.write_text("body { color: navy }")
        os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)  # a new mtime, even on a coarse clock
        with app.test_request_context():
            second = url_for("static", filename=name)
        assert first != second and "?v=" in first and "?v=" in second
        assert client.get(first).headers["Cache-Control"] != IMMUTABLE  # the old hash is no longer promised
        assert client.get(second).headers["Cache-Control"] == IMMUTABLE
    finally:
        path.unlink(missing_ok=True)


def test_missing_files_and_paths_outside_the_folder_get_no_hash(app):
    with app.test_request_context():
        assert "?v=" not in url_for("static", filename="no/such/file.css")
        assert "?v=" not in url_for("static", filename="../config.py")
