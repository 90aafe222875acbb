from flask import Blueprint

from app.guards import require_roles
from app.models import Role

bp = Blueprint("coordinate", __name__)
require_roles(bp, Role.COORDINATOR, Role.ADMIN)

from app.coordinate import (  # noqa: E402,F401
    area,
    certificates,
    classes,
    cohort_changes,
    cohorts,
    directory,
    evaluation,
    members,
    platforms,
    present,
    views,
)
