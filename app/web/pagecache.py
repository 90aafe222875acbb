"""Lesson pages kept per app server and sent again while nothing they show has changed.

A lesson page is the page trainees open most, and rendering it (layout, forms, translated labels,
five queries through the ORM) costs its worker ~9 ms of CPU (BENCHMARKS.md (a)).
People reload it, come back to it with the browser's back button, open it again from the course
page; each time the same bytes come out. This module keeps the rendered page and answers the next
identical request with one small query and no rendering.

**A kept page is never stale**, because its key is read from the database on every request: one
statement (`_fingerprint`) returns, for the user of the session's login, every column of their `user` row but
the password hash (session version, active flag, role, name, language, text size, furigana,
municipality, class), the course's live version, every column of their enrolment (its
`updated_at` moves with each write: lesson done, last lesson opened, quiz, completion, survey), the
count and latest time of their done lessons, and the id and `updated_at` of their reflection for
this lesson. To that the key adds the path, the session's CSRF secret and chosen language and the
browser's Accept-Language. Any write that changes what the page shows changes the key, on every
server at once; nothing has to remember to invalidate anything. What is not in the key is
reference data that the page reads from `app.services.infra.cache` (content versions never change;
municipality names may lag `REFERENCE_TTL` after `flask municipalities load`, and kept pages
expire after PAGE_CACHE_SECONDS anyway).

A kept page is used only when the session is a plain logged-in one: the token of a login that
has not ended (found through `login_session`, as `accounts.load_user` does, in the same statement),
no flashed message waiting (a page that showed one is never kept), and a user who is
active, enrolled, in a role that the learn pages serve; everything else takes the normal path,
which handles log-in, enrolment and errors as before. A page is kept only after a request that
wrote nothing (see `learn.lesson`), under the key read before it rendered: if anything was written
meanwhile, by this request or another, the key no longer matches the database and the copy is
never served.

PAGE_CACHE_SECONDS (default 300; 0 turns it off) and PAGE_CACHE_ENTRIES (default 256 pages per
worker, least recently used dropped first) are the settings.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, current_app, g, request, session

from app.extensions import db
from app.guards import roles_of
from app.models import Course, Enrolment, LessonProgress, LoginSession, Reflection, User
from app.services.accounts.accounts import hash_login_token

ENDPOINT = "learn.lesson"


class PageCache:
    """A small LRU of rendered pages with an age limit; one per app, shared by its threads."""

    def __init__(self, seconds: float, entries: int):
        self.seconds = seconds
        self.entries = entries
        self._pages: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] > self.seconds:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: tuple, body: bytes) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic(), body)
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def init_app(app: Flask) -> None:
    app.extensions["pagecache"] = PageCache(float(app.config.get("PAGE_CACHE_SECONDS", 300)),
                                            int(app.config.get("PAGE_CACHE_ENTRIES", 256)))


def _cache() -> PageCache | None:
    cache = current_app.extensions.get("pagecache")
    return cache if cache is not None and cache.seconds > 0 else None


_CHECKED = ("session_version", "is_active_account", "role")  # read one by one: they decide access


def _as_text(column) -> sa.ColumnElement[str]:
    return sa.func.coalesce(sa.cast(column, sa.Text), sa.literal_column("'-'"))


def _statement() -> sa.Select:
    """The fingerprint: the columns that decide access, then everything else the page shows,
    joined into one text in SQL (a row of ~40 columns costs more to receive than the query)."""
    user, enrolment, login = User.__table__, Enrolment.__table__, LoginSession.__table__
    progress, reflection, course = LessonProgress.__table__, Reflection.__table__, Course.__table__
    done = sa.select(sa.func.count()).where(progress.c.enrolment_id == enrolment.c.id)
    shown = [
        *(c for c in user.columns if c.name not in (*_CHECKED, "password_hash")),
        *enrolment.columns,
        done.scalar_subquery(),
        done.with_only_columns(sa.func.max(progress.c.completed_at)).scalar_subquery(),
        reflection.c.id, reflection.c.updated_at,
    ]
    state = _as_text(shown[0])
    for column in shown[1:]:
        state = state.op("||")(sa.literal_column("'|'")).op("||")(_as_text(column))
    # The user is found through their login, as accounts.load_user finds them: an ended login, or
    # one from before the session version moved, finds no row and takes the normal path.
    return (
        sa.select(course.c.live_version_id, *(user.c[name] for name in _CHECKED), state)
        .select_from(login)
        .join(user, sa.and_(user.c.id == login.c.user_id, user.c.session_version == login.c.session_version))
        .join(course, course.c.slug == sa.bindparam("slug"))
        .join(enrolment, sa.and_(enrolment.c.user_id == user.c.id, enrolment.c.course_id == course.c.id))
        .outerjoin(reflection, sa.and_(reflection.c.enrolment_id == enrolment.c.id,
                                       reflection.c.lesson_key == sa.bindparam("key")))
        .where(login.c.token_hash == sa.bindparam("token_hash"), login.c.ended_at.is_(None)))


_STATEMENT = _statement()
_ACTIVE_AT, _ROLE_AT = 2, 3


_compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}


def _sql(dialect) -> tuple[str, tuple[str, ...] | None]:
    """The statement compiled once per dialect: SQLAlchemy would otherwise walk its ~150-node
    expression on every execution to find it in its statement cache."""
    found = _compiled.get(dialect.name)
    if found is None:
        compiled = _STATEMENT.compile(dialect=dialect)
        found = (str(compiled), tuple(compiled.positiontup) if compiled.positional else None)
        _compiled[dialect.name] = found
    return found


def _fingerprint(token_hash: str, slug: str, key: str) -> tuple | None:
    # One statement in autocommit: no BEGIN before it and no ROLLBACK when the connection goes
    # back to the pool (three round trips to PostgreSQL become one); the request's ORM session
    # is left untouched, so a hit never opens it.
    engine = db.engine
    sql, order = _sql(engine.dialect)
    params = {"token_hash": token_hash, "slug": slug, "key": key}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        row = conn.exec_driver_sql(sql, tuple(params[name] for name in order) if order else params).first()
    return tuple(row) if row is not None else None


def served_roles() -> set[str]:
    """The roles the lesson page's blueprint lets in, as its guard says (app.guards.require_roles)."""
    return {role.value for role in roles_of(ENDPOINT.split(".")[0])}


def _lookup() -> Response | None:
    """Before the learn blueprint's role guard: answer a lesson page from the cache, or note the
    key under which the normal path may keep what it renders."""
    if request.endpoint != ENDPOINT or request.method != "GET" or "_flashes" in session:
        return None
    cache = _cache()
    if cache is None:
        return None
    login_token = session.get("_user_id")
    if not isinstance(login_token, str) or not login_token:
        return None  # not logged in (or only by the remember-me cookie): the normal path decides
    args = request.view_args or {}
    fingerprint = _fingerprint(hash_login_token(login_token), args.get("slug", ""), args.get("key", ""))
    if (fingerprint is None or fingerprint[0] is None
            or not fingerprint[_ACTIVE_AT] or str(getattr(fingerprint[_ROLE_AT], "value", fingerprint[_ROLE_AT]))
            not in served_roles()):
        return None
    g.page_key = (request.full_path, fingerprint, session.get("lang"), request.headers.get("Accept-Language"))
    body = cache.get((*g.page_key, session.get("csrf_token")))
    if body is None:
        return None
    return Response(body, 200, mimetype="text/html")


def keep(html: str) -> None:
    """Keep the page the normal path just rendered, under the key read before it rendered."""
    key = g.pop("page_key", None)
    cache = _cache()
    if key is None or cache is None or "_flashes" in session:
        return
    # The CSRF secret as it is now: rendering the page may have created it.
    cache.put((*key, session.get("csrf_token")), html.encode())


def dont_keep() -> None:
    """The page being rendered shows what the key does not cover (a town's つなぐ先 directory,
    which its coordinators edit): it is not kept, so an edit shows at once."""
    g.pop("page_key", None)


def register(bp: Blueprint) -> None:
    """Must run before the blueprint's role guard is registered, so a hit skips loading the user."""
    bp.before_request(_lookup)
