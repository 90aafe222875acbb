from flask import Blueprint

from app.guards import require_roles
from app.models import Role

bp = Blueprint("admin", __name__)
require_roles(bp, Role.ADMIN)

from app.admin import audit, certificates, content, evaluation, statistics, users, views  # noqa: E402,F401
