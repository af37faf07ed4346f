"""mail batches: organizers' mails to a group of people, and who each one went to

Revision ID: 0017_mail_batches
Revises: 0016_track_colour
Create Date: 2026-12-07 21:00:00

"""
from alembic import op
import sqlalchemy as sa

import organizer.models.base


# revision identifiers, used by Alembic.
revision = '0017_mail_batches'
down_revision = '0016_track_colour'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('group', sa.String(length=40), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', organizer.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', organizer.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_mail_batch_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['user.id'], name=op.f('fk_mail_batch_sender_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['track_id'], ['track.id'], name=op.f('fk_mail_batch_track_id_track'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_batch')),
    sa.UniqueConstraint('public_id', name=op.f('uq_mail_batch_public_id'))
    )
    with op.batch_alter_table('mail_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_batch_event_id'), ['event_id'], unique=False)

    op.create_table('mail_batch_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['mail_batch.id'], name=op.f('fk_mail_batch_recipient_batch_id_mail_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_mail_batch_recipient_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_mail_batch_recipient_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_batch_recipient'))
    )
    with op.batch_alter_table('mail_batch_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_batch_recipient_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_batch_recipient_outbox_message_id'), ['outbox_message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_batch_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_batch_recipient_outbox_message_id'))
        batch_op.drop_index(batch_op.f('ix_mail_batch_recipient_batch_id'))

    op.drop_table('mail_batch_recipient')
    with op.batch_alter_table('mail_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_batch_event_id'))

    op.drop_table('mail_batch')
