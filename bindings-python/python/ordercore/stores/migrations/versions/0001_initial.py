"""The first tables: versioned documents with the order index columns, the outbox, the
idempotency records. Creates only what is missing, so a database made by an earlier example's
``create_all`` is adopted as it is.

Revision ID: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "documents" not in existing:
        op.create_table(
            "documents",
            sa.Column("kind", sa.String(32), primary_key=True),
            sa.Column("id", sa.String(200), primary_key=True),
            sa.Column("version", sa.BigInteger, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("customer_id", sa.String(200)),
            sa.Column("state", sa.String(32)),
            sa.Column("created_at", sa.String(40)),
            sa.Column("due_at", sa.String(40)),
        )
        op.create_index("ix_documents_customer_id", "documents", ["customer_id"])
    if "outbox" not in existing:
        op.create_table(
            "outbox",
            sa.Column("position", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                      autoincrement=True),
            sa.Column("event", sa.Text, nullable=False),
            sa.Column("delivered", sa.Boolean, nullable=False, server_default=sa.false()),
        )
    if "idempotency" not in existing:
        op.create_table(
            "idempotency",
            sa.Column("key", sa.String(300), primary_key=True),
            sa.Column("record", sa.Text, nullable=False),
        )


def downgrade() -> None:
    for table in ("idempotency", "outbox", "documents"):
        op.drop_table(table)
