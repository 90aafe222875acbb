from flask import Blueprint

from app.guards import require_roles
from app.models import Role

bp = Blueprint("learn", __name__)
require_roles(bp, Role.TRAINEE, Role.COORDINATOR, Role.ADMIN)

from app.learn import certificates, join, views  # noqa: E402,F401
