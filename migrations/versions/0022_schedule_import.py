"""schedule import: an uploaded or fetched schedule file, its preview, state and error

Revision ID: 0022_schedule_import
Revises: 0020_registration
Create Date: 2026-12-08 03:00:00

"""
from alembic import op
import sqlalchemy as sa

import organizer.models.base


# revision identifiers, used by Alembic.
revision = '0022_schedule_import'
down_revision = "0021_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('schedule_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('preview', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_at', organizer.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', organizer.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state in ('fetching', 'ready', 'failed', 'applied')", name=op.f('ck_schedule_import_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_schedule_import_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_schedule_import_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_import')),
    sa.UniqueConstraint('public_id', name=op.f('uq_schedule_import_public_id'))
    )
    with op.batch_alter_table('schedule_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schedule_import_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('schedule_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schedule_import_event_id'))

    op.drop_table('schedule_import')
