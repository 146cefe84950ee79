"""Results kept as they happen: counts per journey, node, variant and day; holdouts and variants (SPEC 12).
An existing workspace's counts are built from its enrollments, steps and engagement events.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 02:15:00
"""
from collections import Counter

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_ENGAGED = {"email_delivered": "delivered", "email_opened": "opened", "email_clicked": "clicked",
            "email_unsubscribed": "unsubscribed", "email_bounced": "bounced", "sms_delivered": "delivered"}
_ENDED = {"completed": "completed", "exited": "exited", "converted": "converted", "error": "errors"}


def _day(value) -> str:
    return str(value)[:10]


def _build(conn) -> None:
    """The counts the steps so far would have kept (no holdouts nor variants existed before)."""
    counts: Counter = Counter()
    for journey, at, state, ended in conn.execute(sa.text("SELECT journey, entered_at, state, ended_at FROM enrollments")):
        counts[(journey, "", "", "enrolled", _day(at))] += 1
        if state in _ENDED and ended is not None:
            counts[(journey, "", "", _ENDED[state], _day(ended))] += 1
    for journey, node, what, detail, day, n in conn.execute(sa.text(
            "SELECT journey, node, what, CASE WHEN what = 'skipped' THEN detail ELSE '' END, substr(CAST(at AS TEXT), 1, 10), "
            "count(*) FROM steps WHERE journey IS NOT NULL AND node IS NOT NULL AND what IN ('entered', 'sent', 'skipped') "
            "GROUP BY 1, 2, 3, 4, 5")):
        what = f"skipped:{detail}"[:200] if what == "skipped" else what
        counts[(journey, node, "", what, day)] += n
    seen = set()
    rows = conn.execute(sa.text("SELECT contact_id, type, at, properties FROM events WHERE type IN :types ORDER BY at")
                        .bindparams(sa.bindparam("types", expanding=True)), {"types": list(_ENGAGED)})
    for cid, type_, at, props in rows:
        props = _json(props)
        journey, node = props.get("journey"), props.get("node")
        if not journey or not node or (cid, journey, node, type_) in seen:
            continue
        seen.add((cid, journey, node, type_))
        counts[(journey, node, "", _ENGAGED[type_], _day(at))] += 1
    table = sa.table("result_counts", sa.column("journey"), sa.column("node"), sa.column("variant"),
                     sa.column("what"), sa.column("day"), sa.column("value"))
    if counts:
        op.bulk_insert(table, [dict(journey=j, node=n, variant=v, what=w, day=d, value=c)
                               for (j, n, v, w, d), c in counts.items()])


def _json(value):
    import json
    return json.loads(value) if isinstance(value, (str, bytes)) else (value or {})


def upgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marks', sa.JSON(), nullable=True))
    op.create_table('result_counts',
                    sa.Column('journey', sa.String(length=128), nullable=False),
                    sa.Column('node', sa.String(length=128), nullable=False),
                    sa.Column('variant', sa.String(length=128), nullable=False),
                    sa.Column('what', sa.String(length=200), nullable=False),
                    sa.Column('day', sa.String(length=10), nullable=False),
                    sa.Column('value', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('journey', 'node', 'variant', 'what', 'day'))
    _build(op.get_bind())


def downgrade() -> None:
    op.drop_table('result_counts')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('marks')
