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
    # A plain ADD COLUMN, nullable: making it NOT NULL without a default would make SQLite
    # rebuild the table, and dropping `track` (which proposals and reviews point at) fails
    # with their foreign keys on. Every row gets "" (no colour); the app never writes NULL.
    op.add_column('track', sa.Column('colour', sa.String(length=7), nullable=True))
    op.execute("UPDATE track SET colour = ''")


def downgrade():
    op.drop_column('track', 'colour')
