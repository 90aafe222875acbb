from flask import Blueprint

from app.guards import require_roles
from app.models import Role
from app.web import pagecache

bp = Blueprint("learn", __name__)
# The lesson-page cache looks first: a hit authenticates with its own query (see pagecache).
pagecache.register(bp)
require_roles(bp, Role.TRAINEE, Role.COORDINATOR, Role.ADMIN)

from app.learn import certificates, directory, evaluation, join, mine, views  # noqa: E402,F401
