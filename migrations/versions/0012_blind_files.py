"""blind files: redacted versions of answered files, dismissed redaction flags

Revision ID: 0012_blind_files
Revises: 0011_account_deletion
Create Date: 2026-12-07 03:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_blind_files'
down_revision = '0011_account_deletion'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_upload_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_answer_redacted_upload_id_upload'), 'upload', ['redacted_upload_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redaction_dismissed', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_column('redaction_dismissed')

    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_answer_redacted_upload_id_upload'), type_='foreignkey')
        batch_op.drop_column('redacted_upload_id')
