"""release digest: a hash of each release's frozen sessions and change log, so that the feeds'
caches and ETags name a release by its content and time rather than by its id

Revision ID: 0014_release_digest
Revises: 0013_representation_privacy
Create Date: 2026-12-07 15:00:00.000000

"""
import hashlib
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_release_digest'
down_revision = '0013_representation_privacy'
branch_labels = None
depends_on = None


def _digest(sessions, changes):
    # The formula of organizer.services.scheduling.release_snapshot.digest, copied so that
    # this migration keeps working whatever the code becomes.
    raw = json.dumps({"sessions": sessions or [], "changes": changes or []}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


# The small columns first; the digest among them.
ORDER = (
    'id', 'event_id', 'number', 'comment', 'released_at', 'released_by_id', 'digest',
    'sessions', 'changes', 'vevents', 'rendered_key', 'frab_xml', 'frab_json',
)


def upgrade():
    # SQLite keeps a row's columns in order and walks the overflow pages of the large ones
    # (the snapshot, the renderings) to reach a column after them: at 1,000 sessions reading
    # the digest from the end of the row cost 0.7 ms a query. So on SQLite the table is copied
    # with the digest before the snapshot; PostgreSQL keeps large values out of the row anyway.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table(
        'schedule_release',
        schema=None,
        recreate='always' if sqlite else 'auto',
        partial_reordering=[ORDER] if sqlite else (),
    ) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=False, server_default=''))
    with op.batch_alter_table('schedule_release', schema=None) as batch_op:
        batch_op.alter_column('digest', server_default=None)
    bind = op.get_bind()
    release = sa.table(
        'schedule_release',
        sa.column('id', sa.Integer),
        sa.column('sessions', sa.JSON),
        sa.column('changes', sa.JSON),
        sa.column('digest', sa.String),
    )
    ids = [row.id for row in bind.execute(sa.select(release.c.id))]
    for release_id in ids:  # one at a time: a snapshot can be large
        row = bind.execute(
            sa.select(release.c.sessions, release.c.changes).where(release.c.id == release_id)
        ).one()
        bind.execute(
            release.update()
            .where(release.c.id == release_id)
            .values(digest=_digest(row.sessions, row.changes))
        )


def downgrade():
    with op.batch_alter_table('schedule_release', schema=None) as batch_op:
        batch_op.drop_column('digest')
