"""The audit entry every coordinator download writes (shared by the cohort, area, platform and
evaluation pages of this blueprint)."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from app.extensions import db
from app.models import Cohort
from app.services.infra import audit


def record_export(kind: str, cohort: Cohort | None, fmt: str, rows: int, org_id: int) -> None:
    """Every file that leaves the system is in the audit log: who, what, how many rows."""
    audit.record(db.session, f"export.{kind}", actor_id=current_user.id, ip=request.remote_addr,
                 target_type="cohort" if cohort else "organisation", target_id=cohort.id if cohort else org_id,
                 organisation_id=org_id, format=fmt, rows=rows)
    db.session.commit()
