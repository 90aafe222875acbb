import pytest

from app import create_app
from config import DEFAULT_SECRET_KEY, Config, database_url


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(make_app):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_production_refuses_default_secret_key(tmp_path):
    config = type("Prod", (Config,), {"APP_ENV": "production", "SECRET_KEY": DEFAULT_SECRET_KEY,
                                      "INSTANCE_DIR": tmp_path})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_secure_cookies_and_hsts(make_app):
    app = make_app(APP_ENV="production", SECRET_KEY="x" * 32, SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_normalisation(tmp_path):
    assert database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url(None).startswith("sqlite:///")


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_error_pages_are_japanese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.get_data(as_text=True)
