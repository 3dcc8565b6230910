"""Alembic's environment for the store's migrations: run on the connection :func:`migrate`
hands over (``config.attributes["connection"]``), never from a URL of its own."""
from alembic import context

from ordercore.stores.sqlalchemy import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
