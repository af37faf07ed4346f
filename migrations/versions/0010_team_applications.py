"""team applications: whether the event's team may submit to a call or apply for a grant

Revision ID: 0010_team_applications
Revises: 0009_two_factor
Create Date: 2026-12-07 03:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_team_applications'
down_revision = '0009_two_factor'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cfp', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_may_apply', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('grant_programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_may_apply', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('grant_programme', schema=None) as batch_op:
        batch_op.drop_column('team_may_apply')

    with op.batch_alter_table('cfp', schema=None) as batch_op:
        batch_op.drop_column('team_may_apply')
