import os

import pytest
import redis

from tests.conftest import csrf_token


def _hammer_login(app, times: int) -> list[int]:
    client = app.test_client()
    token = csrf_token(client, "/login")
    return [client.post("/login", data={"csrf_token": token, "email": "x@example.jp", "password": "nope"}).status_code
            for _ in range(times)]


def test_login_is_rate_limited_in_memory(make_app):
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    codes = _hammer_login(app, 5)
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_reset_is_rate_limited(make_app):
    app = make_app(RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    token = csrf_token(client, "/reset")
    codes = [client.post("/reset", data={"csrf_token": token, "email": "x@example.jp"}).status_code
             for _ in range(3)]
    assert codes == [302, 302, 429]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL not set (CI sets it)")
def test_login_rate_limit_is_shared_through_redis(make_app):
    url = os.environ["TEST_REDIS_URL"]
    redis.Redis.from_url(url).flushdb()
    # Two app instances stand for two gunicorn workers: the limit is counted across both.
    first, second = (make_app(LOGIN_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI=url) for _ in range(2))
    assert _hammer_login(first, 2) == [200, 200]
    assert _hammer_login(second, 2) == [200, 429]
    assert any(k.startswith(b"LIMITS") for k in redis.Redis.from_url(url).keys())
