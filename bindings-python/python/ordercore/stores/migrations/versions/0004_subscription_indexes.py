"""Indexes of the subscription lists: subscriptions carry the same index columns as orders,
listed by ``(created_at, id)`` a page at a time, and found by the scheduler when due. The same
indexes, by the same names, as the PostgreSQL migrations of the Node and Rust stores.

Revision ID: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SUBSCRIPTIONS = sa.text("kind = 'subscription'")
_DUE = sa.text("kind = 'subscription' AND due_at IS NOT NULL")


def upgrade() -> None:
    op.create_index("documents_subscriptions", "documents", ["created_at", "id"], sqlite_where=_SUBSCRIPTIONS,
                    postgresql_where=_SUBSCRIPTIONS, if_not_exists=True)
    op.create_index("documents_subscriptions_due", "documents", ["due_at"], sqlite_where=_DUE,
                    postgresql_where=_DUE, if_not_exists=True)


def downgrade() -> None:
    op.drop_index("documents_subscriptions_due", "documents")
    op.drop_index("documents_subscriptions", "documents")
