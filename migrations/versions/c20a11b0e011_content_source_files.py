"""content: the source text files of each content version (download the live bundle to edit)

Revision ID: c20a11b0e011
Revises: a16b0e7a0003
Create Date: 2026-12-04 16:05:00.000000

Issue 20 item 11. Other migrations written at the same time may need this down_revision changed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c20a11b0e011'
down_revision = 'a16b0e7a0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_source_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['content_version.id'], name=op.f('fk_content_source_file_version_id_content_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_source_file')),
    sa.UniqueConstraint('version_id', 'path', name=op.f('uq_content_source_file_version_id_path'))
    )
    with op.batch_alter_table('content_source_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_source_file_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('content_source_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_source_file_version_id'))
    op.drop_table('content_source_file')
