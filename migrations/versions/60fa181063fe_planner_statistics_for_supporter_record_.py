"""planner statistics for supporter_record areas

Revision ID: 60fa181063fe
Revises: 026b73ab6177
Create Date: 2026-11-27 17:05:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '60fa181063fe'
down_revision = '026b73ab6177'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # A municipality code determines its prefecture. Without being told, PostgreSQL multiplies
        # the two columns' distinct counts, expects ~100,000 groups instead of ~10,000 for the
        # per-municipality figures, and sorts a million rows on disk instead of hashing them
        # (1.6 s against 0.4 s for the open data at a million supporters).
        op.execute("CREATE STATISTICS IF NOT EXISTS supporter_record_area (ndistinct, dependencies) "
                   "ON prefecture_code, municipality_code FROM supporter_record")
        op.execute("ANALYZE supporter_record")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS supporter_record_area")
