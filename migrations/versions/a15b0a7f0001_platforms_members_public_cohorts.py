"""platforms, their members and invitations; public cohorts for the session finder

Revision ID: a15b0a7f0001
Revises: fce490bd16fe
Create Date: 2026-12-04 08:45:00.000000

Reserved by the lead so that three features built side by side keep one chain of revisions
(issue 15 parts 1-2); filled in by that work.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import app.models.base  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'a15b0a7f0001'
down_revision = 'fce490bd16fe'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
