"""cohort.cancelled_at: a coordinator cancelled the cohort (中止)

Issue 18 §5. Other migrations written at the same time may need this down_revision changed.

Revision ID: c0b0ca5ce110
Revises: c20a11b0e011
"""
from alembic import op
import sqlalchemy as sa
import app.models.base


# revision identifiers, used by Alembic.
revision = 'c0b0ca5ce110'
down_revision = 'c20a11b0e011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', app.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
