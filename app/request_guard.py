"""What every request must pass before a view sees it: the right Host (in production), no NUL
bytes, and integers that fit the database. One place, so a new route or field is covered the moment
it is added instead of each view remembering its own checks.

PostgreSQL refuses NUL in text and ids above 2**31 - 1 in integer columns, and SQLite integers
above 2**63 - 1: reaching the database, either was a 500 (or an export that broke off half-way)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

# The range of PostgreSQL's integer, which every id and number column uses.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def bounded_int(text: str) -> int:
    """int(text) for numbers the database can hold: ValueError for text that is no number (a
    MultiDict.get(type=int) then falls back to its default), 400 for a number out of range."""
    value = int(text)
    if not INT_MIN <= value <= INT_MAX:
        raise BadRequest("integer out of range")
    return value


class BoundedParameters(ImmutableMultiDict):
    """Query strings and forms: `get(..., type=int)` and `getlist(..., type=int)` stay in range."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's own argument name)
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, bounded_int if type is int else type)


class GuardedRequest(Request):
    parameter_storage_class = BoundedParameters

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except RequestEntityTooLarge:
            # The body is not read, so later readers (the CSRF check, every page's logout form)
            # find an empty form instead of the same exception again, and the 413 page renders.
            empty = self.parameter_storage_class()
            self.__dict__.update(form=empty, files=empty)
            raise


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in routes: an id the database cannot hold matches no route (404), never a 500."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, min, INT_MAX if max is None else max, signed)


def allowed_hosts(config) -> set[str]:
    """BASE_URL's host name and any in ALLOWED_HOSTS, lower-case, without ports."""
    names = {urlsplit(config["BASE_URL"]).hostname or ""} | set(config.get("ALLOWED_HOSTS") or ())
    return {name.strip().lower().rstrip(".") for name in names if name.strip()}


def _hostname(host: str) -> str:
    if host.startswith("["):  # an IPv6 literal, [::1]:8000
        return host[1:].split("]", 1)[0].lower()
    return host.rsplit(":", 1)[0].lower().rstrip(".") if host.count(":") == 1 else host.lower().rstrip(".")


def _has_nul(value) -> bool:
    return isinstance(value, str) and "\x00" in value


def _refuse_hostile_requests(hosts: set[str] | None):
    def guard():
        # The load balancer's health check asks by the server's own address; it builds no URL.
        if hosts is not None and request.path != "/healthz" and _hostname(request.host) not in hosts:
            abort(400)
        # Headers too: the User-Agent is stored with each login, X-Forwarded-For in the audit log.
        values = [*(request.view_args or {}).values(), *request.args.keys(), *request.args.values(),
                  *request.headers.values()]
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            values += [*request.form.keys(), *request.form.values(),
                       *(f.filename for f in request.files.values())]
        if any(_has_nul(value) for value in values):
            abort(400)
    return guard


def register(app: Flask) -> None:
    """Before the blueprints: routes take their converters from the map when they are added."""
    app.request_class = GuardedRequest
    app.url_map.converters["int"] = BoundedIntConverter
    hosts = allowed_hosts(app.config) if app.config["APP_ENV"] == "production" else None
    # First of all before-request functions, so nothing (the rate limiter, a blueprint guard)
    # runs for a request that is refused anyway.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_hostile_requests(hosts))
