"""speaker photo and links: consent to show the photo publicly, its alt text, labelled links

Revision ID: 0018_speaker_photo
Revises: 0017_mail_batches
Create Date: 2026-12-07 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_speaker_photo'
down_revision = '0017_mail_batches'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs, nullable, as in 0016: NOT NULL without a default would make SQLite
    # rebuild `speaker_profile`. Existing photos stay private (no one consented yet); the app
    # never writes NULL.
    op.add_column('speaker_profile', sa.Column('photo_public', sa.Boolean(), nullable=True))
    op.add_column(
        'speaker_profile', sa.Column('photo_alt', sa.String(length=200), nullable=True)
    )
    op.add_column('speaker_profile', sa.Column('links', sa.JSON(), nullable=True))
    op.execute(
        "UPDATE speaker_profile SET photo_public = false, photo_alt = '', links = '[]'"
    )


def downgrade():
    op.drop_column('speaker_profile', 'links')
    op.drop_column('speaker_profile', 'photo_alt')
    op.drop_column('speaker_profile', 'photo_public')
