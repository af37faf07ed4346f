"""session materials: slides, recordings and other material of a talk, a link or a file

Revision ID: 0019_session_materials
Revises: 0018_speaker_photo
Create Date: 2026-12-07 20:50:00

"""
from alembic import op
import sqlalchemy as sa

import organizer.models.base


# revision identifiers, used by Alembic.
revision = '0019_session_materials'
down_revision = '0018_speaker_photo'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('slides', 'recording', 'other', name='material_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', organizer.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(upload_id is null and url <> '') or (upload_id is not null and url = '')", name=op.f('ck_session_material_link_or_file')),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_session_material_added_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_session_material_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_session_material_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['upload_id'], ['upload.id'], name=op.f('fk_session_material_upload_id_upload'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_material')),
    sa.UniqueConstraint('public_id', name=op.f('uq_session_material_public_id'))
    )
    with op.batch_alter_table('session_material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_material_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_material_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_material_upload_id'), ['upload_id'], unique=False)


def downgrade():
    with op.batch_alter_table('session_material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_material_upload_id'))
        batch_op.drop_index(batch_op.f('ix_session_material_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_session_material_event_id'))

    op.drop_table('session_material')
