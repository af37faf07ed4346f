"""track colour: an optional light colour per track, for the editor and the public grid

Revision ID: 0016_track_colour
Revises: 0015_solves
Create Date: 2026-12-07 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_track_colour'
down_revision = '0015_solves'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.add_column(sa.Column('colour', sa.String(length=7), server_default='', nullable=False))
    # The existing tracks got "" (no colour); new rows get the model's default.
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.alter_column('colour', server_default=None)


def downgrade():
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.drop_column('colour')
