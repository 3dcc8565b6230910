"""Stores for the engine's documents in the host's database, as optional parts of the package:

- :mod:`ordercore.stores.sqlalchemy` — :class:`~ordercore.stores.sqlalchemy.SqlStore` on
  SQLAlchemy 2 (SQLite, PostgreSQL through psycopg), with Alembic migrations:
  ``pip install "ordercore[sqlalchemy]"`` (and ``"ordercore[postgresql]"`` for psycopg);
- :mod:`ordercore.stores.asyncpg` — :class:`~ordercore.stores.asyncpg.AsyncpgStore` for
  :class:`ordercore.aio.AsyncEngine` on PostgreSQL: ``pip install "ordercore[asyncpg]"``.

Both keep the same tables (created by the migrations), pass the store contract
(:mod:`ordercore.testing`) and may serve one database together.
"""
