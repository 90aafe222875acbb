"""learning: enrolments, progress, reflections, quiz attempts, survey, pupils

Revision ID: 21901fa1ebeb
Revises: ff101f39a8bb
Create Date: 2026-11-27 14:54:12.683145

"""
from alembic import op
import sqlalchemy as sa
import app.models.base


# revision identifiers, used by Alembic.
revision = '21901fa1ebeb'
down_revision = 'ff101f39a8bb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_class',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_school_class_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_school_class_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_class')),
    sa.UniqueConstraint('code', name=op.f('uq_school_class_code'))
    )
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_class_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('started_version_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('lessons_done', sa.Integer(), nullable=False),
    sa.Column('lessons_required', sa.Integer(), nullable=False),
    sa.Column('best_score', sa.Integer(), nullable=True),
    sa.Column('latest_score', sa.Integer(), nullable=True),
    sa.Column('quiz_passed_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_version_id', sa.Integer(), nullable=True),
    sa.Column('completed_via', sa.Enum('online', 'attendance', name='completedvia', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('last_lesson_key', sa.String(length=60), nullable=True),
    sa.Column('survey_done_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['completed_version_id'], ['content_version.id'], name=op.f('fk_enrolment_completed_version_id_content_version')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_enrolment_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_version_id'], ['content_version.id'], name=op.f('fk_enrolment_started_version_id_content_version')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_enrolment_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_enrolment_user_id_course_id'))
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_course_id'), ['course_id'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('adult', 'children', name='audience', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_survey_response_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['content_version.id'], name=op.f('fk_survey_response_version_id_content_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_response_course_id'), ['course_id'], unique=False)

    op.create_table('lesson_progress',
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('lesson_key', sa.String(length=60), nullable=False),
    sa.Column('completed_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_lesson_progress_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrolment_id', 'lesson_key', name=op.f('pk_lesson_progress'))
    )
    op.create_table('quiz_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('order', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('is_passed', sa.Boolean(), nullable=True),
    sa.Column('started_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_quiz_attempt_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['content_version.id'], name=op.f('fk_quiz_attempt_version_id_content_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt')),
    sa.UniqueConstraint('enrolment_id', 'number', name=op.f('uq_quiz_attempt_enrolment_id_number')),
    sa.UniqueConstraint('token', name=op.f('uq_quiz_attempt_token'))
    )
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempt_version_id'), ['version_id'], unique=False)

    op.create_table('reflection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('lesson_key', sa.String(length=60), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_reflection_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reflection')),
    sa.UniqueConstraint('enrolment_id', 'lesson_key', name=op.f('uq_reflection_enrolment_id_lesson_key'))
    )
    # Pupils and reading preferences; the user <-> school_class link is added last (a cycle).
    with op.batch_alter_table('user', schema=None) as batch_op:
        # The CHECK is created by name: batch mode would otherwise add it twice on SQLite.
        batch_op.add_column(sa.Column('text_size', sa.Enum('normal', 'large', 'xlarge', name='textsize', native_enum=False, create_constraint=False, length=20), server_default='normal', nullable=False))
        batch_op.create_check_constraint(op.f('ck_user_textsize'), "text_size IN ('normal', 'large', 'xlarge')")
        batch_op.add_column(sa.Column('is_furigana_on', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('school_class_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pupil_number', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_user_school_class_id_pupil_number'), ['school_class_id', 'pupil_number'])
        batch_op.create_foreign_key(batch_op.f('fk_user_school_class_id_school_class'), 'school_class', ['school_class_id'], ['id'], ondelete='SET NULL', use_alter=True)



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_school_class_id_school_class'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_user_school_class_id_pupil_number'), type_='unique')
        batch_op.drop_column('pupil_number')
        batch_op.drop_column('school_class_id')
        batch_op.drop_column('is_furigana_on')
        batch_op.drop_constraint(op.f('ck_user_textsize'), type_='check')
        batch_op.drop_column('text_size')

    op.drop_table('reflection')
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quiz_attempt_version_id'))

    op.drop_table('quiz_attempt')
    op.drop_table('lesson_progress')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_course_id'))

    op.drop_table('survey_response')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_course_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_completed_at'))
        batch_op.drop_index(batch_op.f('ix_enrolment_cohort_id'))

    op.drop_table('enrolment')
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_class_organisation_id'))

    op.drop_table('school_class')
