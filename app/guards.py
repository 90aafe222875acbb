"""Blueprint-wide access rules: a new route is protected the moment it is added."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from app.extensions import login_manager
from app.models import Role

# The roles each guarded blueprint serves, for what must agree with its guard (the lesson-page cache).
_ROLES: dict[str, frozenset[Role]] = {}


def roles_of(blueprint: str) -> frozenset[Role]:
    """The roles `blueprint`'s guard lets in; empty for a blueprint without one."""
    return _ROLES.get(blueprint, frozenset())


def require_roles(bp: Blueprint, *roles: Role) -> None:
    """Every route of `bp` needs a logged-in user with one of `roles`; others get 404."""
    _ROLES[bp.name] = frozenset(roles)

    @bp.before_request
    def _guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            # 404, not 403: people outside the role do not learn the page exists.
            abort(404)
        return None
