"""representation privacy: a secret record key per survey response (the cell-key method)

Revision ID: 0013_representation_privacy
Revises: 0012_blind_files
Create Date: 2026-12-07 04:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_representation_privacy'
down_revision = '0012_blind_files'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_key', sa.BigInteger(), nullable=True))
    # Every existing response gets its own random key (never derived from anything else).
    bind = op.get_bind()
    response = sa.table('survey_response', sa.column('id', sa.Integer), sa.column('record_key', sa.BigInteger))
    ids = [row.id for row in bind.execute(sa.select(response.c.id))]
    for response_id in ids:
        bind.execute(
            response.update()
            .where(response.c.id == response_id)
            .values(record_key=secrets.randbits(63))
        )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.alter_column('record_key', existing_type=sa.BigInteger(), nullable=False)


def downgrade():
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_column('record_key')
