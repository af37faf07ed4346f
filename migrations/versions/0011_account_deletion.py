"""account deletion: a deleted account's date, and an event's accounting retention

Revision ID: 0011_account_deletion
Revises: 0010_team_applications
Create Date: 2026-12-07 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import organizer.models.base


# revision identifiers, used by Alembic.
revision = '0011_account_deletion'
down_revision = '0010_team_applications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accounting_retention_years', sa.Integer(), nullable=False, server_default='10'))
        batch_op.create_check_constraint(
            'accounting_retention_years',
            'accounting_retention_years between 1 and 30',
        )

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.alter_column('accounting_retention_years', server_default=None)


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_accounting_retention_years'), type_='check')
        batch_op.drop_column('accounting_retention_years')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
