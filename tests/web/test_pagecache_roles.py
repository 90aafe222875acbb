"""The lesson-page cache serves exactly the roles the learn blueprint's guard lets in: one list, kept
by the guard, so a role added to or taken from the learn pages changes both at once."""
from __future__ import annotations

from app import guards
from app.guards import roles_of
from app.models import Role
from app.web import pagecache


def test_the_guard_keeps_the_roles_each_blueprint_serves(app):
    assert roles_of("learn") == {Role.TRAINEE, Role.COORDINATOR, Role.ADMIN}
    assert roles_of("admin") == {Role.ADMIN}
    assert roles_of("public") == frozenset()  # no guard: everyone


def test_the_page_cache_serves_the_roles_of_the_lesson_pages_guard(app, monkeypatch):
    assert pagecache.served_roles() == {role.value for role in roles_of("learn")}
    monkeypatch.setitem(guards._ROLES, "learn", frozenset({Role.ADMIN}))  # as if the guard changed
    assert pagecache.served_roles() == {Role.ADMIN.value}
