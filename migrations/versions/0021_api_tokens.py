"""api tokens: hashed tokens for the read API (/api/v1/)

Revision ID: 0021_api_tokens
Revises: 0020_registration
Create Date: 2026-12-08 02:45:00

"""
from alembic import op
import sqlalchemy as sa

import organizer.models.base


# revision identifiers, used by Alembic.
revision = '0021_api_tokens'
down_revision = '0020_registration'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('read_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', organizer.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_api_token_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_api_token_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))
        batch_op.drop_index(batch_op.f('ix_api_token_event_id'))

    op.drop_table('api_token')
