"""spreadsheet_import: a spreadsheet of proposals or grant applications between upload,
column mapping and confirmation

Revision ID: 0023_spreadsheet_import
Revises: 0022_schedule_import
Create Date: 2026-12-08 02:55:00

"""
from alembic import op
import sqlalchemy as sa

import organizer.models.base


# revision identifiers, used by Alembic.
revision = '0023_spreadsheet_import'
down_revision = '0022_schedule_import'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spreadsheet_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('mapping_confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', organizer.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('skip_listed', sa.Boolean(), nullable=False),
    sa.Column('expected_count', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('queued_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('imported_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('imported_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind in ('proposals', 'grant_applications')", name=op.f('ck_spreadsheet_import_kind')),
    sa.CheckConstraint("state in ('open', 'queued', 'importing', 'done', 'failed')", name=op.f('ck_spreadsheet_import_state')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user.id'], name=op.f('fk_spreadsheet_import_confirmed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_spreadsheet_import_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_spreadsheet_import_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spreadsheet_import')),
    sa.UniqueConstraint('public_id', name=op.f('uq_spreadsheet_import_public_id'))
    )
    with op.batch_alter_table('spreadsheet_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spreadsheet_import_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('spreadsheet_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spreadsheet_import_event_id'))

    op.drop_table('spreadsheet_import')
