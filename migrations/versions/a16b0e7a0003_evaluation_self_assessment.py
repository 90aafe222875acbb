"""evaluation: self-assessment answers in anonymous pairs, follow-up consent and answers

Revision ID: a16b0e7a0003
Revises: a15b0d1e0002
Create Date: 2026-12-04 08:45:00.000000

Reserved by the lead so that three features built side by side keep one chain of revisions
(issue 16); filled in by that work.
"""
from alembic import op
import sqlalchemy as sa
import app.models.base  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'a16b0e7a0003'
down_revision = 'a15b0d1e0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_pair',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('adult', 'children', name='audience', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('mode', sa.Enum('in_person', 'live_online', 'on_demand', name='cohortmode', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('prefecture_code', sa.String(length=2), nullable=True),
    sa.Column('municipality_code', sa.String(length=6), nullable=True),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('before_on', sa.Date(), nullable=True),
    sa.Column('after_on', sa.Date(), nullable=True),
    sa.Column('before_skipped', sa.Boolean(), nullable=False),
    sa.Column('after_skipped', sa.Boolean(), nullable=False),
    sa.Column('b1', sa.SmallInteger(), nullable=True),
    sa.Column('b2', sa.SmallInteger(), nullable=True),
    sa.Column('b3', sa.SmallInteger(), nullable=True),
    sa.Column('b4', sa.SmallInteger(), nullable=True),
    sa.Column('b5', sa.SmallInteger(), nullable=True),
    sa.Column('b6', sa.SmallInteger(), nullable=True),
    sa.Column('a1', sa.SmallInteger(), nullable=True),
    sa.Column('a2', sa.SmallInteger(), nullable=True),
    sa.Column('a3', sa.SmallInteger(), nullable=True),
    sa.Column('a4', sa.SmallInteger(), nullable=True),
    sa.Column('a5', sa.SmallInteger(), nullable=True),
    sa.Column('a6', sa.SmallInteger(), nullable=True),
    sa.Column('followup_consent', sa.Boolean(), nullable=False),
    sa.Column('followup_sent_on', sa.Date(), nullable=True),
    sa.Column('followup_on', sa.Date(), nullable=True),
    sa.Column('noticed', sa.Boolean(), nullable=True),
    sa.Column('spoke', sa.Boolean(), nullable=True),
    sa.Column('connected', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_evaluation_pair_cohort_id_cohort'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_evaluation_pair_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_evaluation_pair_enrolment_id_enrolment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_evaluation_pair_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['content_version.id'], name=op.f('fk_evaluation_pair_version_id_content_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_evaluation_pair')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_evaluation_pair_enrolment_id'))
    )
    with op.batch_alter_table('evaluation_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_pair_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_pair_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_evaluation_pair_fiscal_year_prefecture', ['fiscal_year', 'prefecture_code'], unique=False)
        batch_op.create_index('ix_evaluation_pair_followup_due', ['followup_consent', 'followup_sent_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_pair_municipality_code'), ['municipality_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_pair_organisation_id'), ['organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evaluation_pair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_pair_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_pair_municipality_code'))
        batch_op.drop_index('ix_evaluation_pair_followup_due')
        batch_op.drop_index('ix_evaluation_pair_fiscal_year_prefecture')
        batch_op.drop_index(batch_op.f('ix_evaluation_pair_course_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_pair_cohort_id'))
    op.drop_table('evaluation_pair')
