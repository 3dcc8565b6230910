"""Indexes of the order lists: every order by creation (an admin's list, ordered by
``(created_at, id)``, read a page at a time instead of sorting every order), and orders with a
due time (the scheduler's scan). The same indexes, by the same names, as the PostgreSQL
migrations of the Node and Rust stores.

Revision ID: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ORDERS = sa.text("kind = 'order'")
_DUE = sa.text("kind = 'order' AND due_at IS NOT NULL")


def upgrade() -> None:
    op.create_index("documents_orders", "documents", ["created_at", "id"], sqlite_where=_ORDERS,
                    postgresql_where=_ORDERS, if_not_exists=True)
    op.create_index("documents_due", "documents", ["due_at"], sqlite_where=_DUE, postgresql_where=_DUE,
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_index("documents_due", "documents")
    op.drop_index("documents_orders", "documents")
