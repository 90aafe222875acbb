"""support directory entries (つなぐ先) and proposals

Revision ID: a15b0d1e0002
Revises: a15b0a7f0001
Create Date: 2026-12-04 08:45:00.000000

Reserved by the lead so that three features built side by side keep one chain of revisions
(issue 15 part 3); filled in by that work.
"""
from alembic import op
import sqlalchemy as sa
import app.models.base


# revision identifiers, used by Alembic.
revision = 'a15b0d1e0002'
down_revision = 'a15b0a7f0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('directory_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'published', 'rejected', 'retired', name='entrystatus', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('helps_with', sa.String(length=400), nullable=False),
    sa.Column('audiences', sa.String(length=60), nullable=False),
    sa.Column('children_wording', sa.String(length=400), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('hours', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('is_remote_only', sa.Boolean(), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=True),
    sa.Column('run_by', sa.String(length=100), nullable=True),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('proposed_by_org_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_directory_entry_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_directory_entry_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code'], name=op.f('fk_directory_entry_municipality_code_municipality')),
    sa.ForeignKeyConstraint(['proposed_by_org_id'], ['organisation.id'], name=op.f('fk_directory_entry_proposed_by_org_id_organisation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_entry'))
    )
    with op.batch_alter_table('directory_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_entry_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entry_proposed_by_org_id'), ['proposed_by_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entry_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('directory_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_entry_status'))
        batch_op.drop_index(batch_op.f('ix_directory_entry_proposed_by_org_id'))
        batch_op.drop_index(batch_op.f('ix_directory_entry_municipality_code'))

    op.drop_table('directory_entry')
