"""evaluation: self-assessment answers in anonymous pairs, follow-up consent and answers

Revision ID: a16b0e7a0003
Revises: a15b0d1e0002
Create Date: 2026-12-04 08:45:00.000000

Reserved by the lead so that three features built side by side keep one chain of revisions
(issue 16); filled in by that work.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import app.models.base  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'a16b0e7a0003'
down_revision = 'a15b0d1e0002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
