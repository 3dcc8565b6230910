"""Counters: a stock item's available and reserved units and a promotion's uses are changed by
guarded deltas, so concurrent checkouts of one sku no longer conflict. The counts held until now
in the stock and promotion-usage documents move into them (the stock documents keep their
settings); and an index of undelivered outbox events for the relay's scan.

Revision ID: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _escaped(column: str) -> str:
    # A counter name's part, as `ordercore::store::counter_name` escapes it.
    return f"replace(replace({column}, '%', '%25'), '/', '%2F')"


# The counts of the documents written before counters, per dialect: (JSON value of a path in
# the body, the rows of an object's entries).
_MOVE_COUNTS = {
    "postgresql": f"""
        INSERT INTO counters (name, value)
        SELECT 'available/' || id, ((body::jsonb)->'body'->>'on_hand')::bigint - ((body::jsonb)->'body'->>'reserved')::bigint
          FROM documents WHERE kind = 'stock' AND (body::jsonb)->'body' ? 'on_hand'
        UNION ALL
        SELECT 'reserved/' || id, ((body::jsonb)->'body'->>'reserved')::bigint
          FROM documents WHERE kind = 'stock' AND (body::jsonb)->'body' ? 'reserved'
        UNION ALL
        SELECT 'promotion_uses/' || {_escaped('id')}, ((body::jsonb)->'body'->>'total')::bigint
          FROM documents WHERE kind = 'promotion_usage'
        UNION ALL
        SELECT 'promotion_customer_uses/' || {_escaped('d.id')} || '/' || {_escaped('c.customer')}, c.uses::bigint
          FROM documents d, jsonb_each_text((d.body::jsonb)->'body'->'by_customer') AS c(customer, uses)
         WHERE d.kind = 'promotion_usage'
        ON CONFLICT (name) DO NOTHING""",
    "sqlite": f"""
        INSERT INTO counters (name, value)
        SELECT 'available/' || id, json_extract(body, '$.body.on_hand') - json_extract(body, '$.body.reserved')
          FROM documents WHERE kind = 'stock' AND json_extract(body, '$.body.on_hand') IS NOT NULL
        UNION ALL
        SELECT 'reserved/' || id, json_extract(body, '$.body.reserved')
          FROM documents WHERE kind = 'stock' AND json_extract(body, '$.body.reserved') IS NOT NULL
        UNION ALL
        SELECT 'promotion_uses/' || {_escaped('id')}, json_extract(body, '$.body.total')
          FROM documents WHERE kind = 'promotion_usage'
        UNION ALL
        SELECT 'promotion_customer_uses/' || {_escaped('d.id')} || '/' || {_escaped('c.key')}, c.value
          FROM documents d, json_each(d.body, '$.body.by_customer') c
         WHERE d.kind = 'promotion_usage'
        ON CONFLICT (name) DO NOTHING""",
}


def upgrade() -> None:
    bind = op.get_bind()
    if "counters" not in set(sa.inspect(bind).get_table_names()):
        op.create_table(
            "counters",
            sa.Column("name", sa.String(300), primary_key=True),
            sa.Column("value", sa.BigInteger, nullable=False),
        )
    move = _MOVE_COUNTS.get(bind.dialect.name)
    if move is None:
        raise RuntimeError(f"ordercore's migration 0002 knows SQLite and PostgreSQL, not {bind.dialect.name}")
    op.execute(sa.text(move))
    op.execute(sa.text("DELETE FROM documents WHERE kind = 'promotion_usage'"))
    op.create_index("outbox_pending", "outbox", ["position"], sqlite_where=sa.text("NOT delivered"),
                    postgresql_where=sa.text("NOT delivered"), if_not_exists=True)


def downgrade() -> None:
    op.drop_index("outbox_pending", "outbox")
    op.drop_table("counters")
