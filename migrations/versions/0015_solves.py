"""solves: long solves (the automatic scheduler, grant allocations) run by the task queue,
with their progress

Revision ID: 0015_solves
Revises: 0014_release_digest
Create Date: 2026-12-07 15:15:06.514210

"""
from alembic import op
import sqlalchemy as sa

import organizer.models.base


# revision identifiers, used by Alembic.
revision = '0015_solves'
down_revision = '0014_release_digest'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('solve',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.Enum('schedule', 'grant_allocation', name='solve_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', 'cancelled', name='solve_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('time_limit', sa.Integer(), nullable=False),
    sa.Column('progress', sa.String(length=200), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=True),
    sa.Column('allocation_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', organizer.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['allocation_run_id'], ['allocation_run.id'], name=op.f('fk_solve_allocation_run_id_allocation_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_solve_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['grant_programme.id'], name=op.f('fk_solve_programme_id_grant_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_solve_requested_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['suggestion_id'], ['schedule_suggestion.id'], name=op.f('fk_solve_suggestion_id_schedule_suggestion'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_solve')),
    sa.UniqueConstraint('public_id', name=op.f('uq_solve_public_id'))
    )
    with op.batch_alter_table('solve', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_solve_event_id'), ['event_id'], unique=False)



def downgrade():
    with op.batch_alter_table('solve', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_solve_event_id'))

    op.drop_table('solve')
