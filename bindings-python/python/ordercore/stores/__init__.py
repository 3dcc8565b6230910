"""Stores for the engine's documents in the host's database, as optional parts of the package:

- :mod:`ordercore.stores.sqlalchemy` — :class:`~ordercore.stores.sqlalchemy.SqlStore` on
  SQLAlchemy 2 (SQLite, PostgreSQL through psycopg), with Alembic migrations:
  ``pip install "ordercore[sqlalchemy]"`` (and ``"ordercore[postgresql]"`` for psycopg);
- :mod:`ordercore.stores.sqlite` — :class:`~ordercore.stores.sqlite.SqliteStore`, a SQLite
  file kept by the store written in Rust: the engine's calls on it never take the GIL back
  (the fastest for a service on SQLite; no extra to install);
- :mod:`ordercore.stores.asyncpg` — :class:`~ordercore.stores.asyncpg.AsyncpgStore` for
  :class:`ordercore.aio.AsyncEngine` on PostgreSQL: ``pip install "ordercore[asyncpg]"``.

All keep the same tables (created by the migrations), pass the store contract
(:mod:`ordercore.testing`) and may serve one database together.
"""

# The kinds of documents listed with index columns (the engine asks `find` for no other).
_LISTED = ("order", "subscription")


def _listed(kind: str) -> str:
    """``kind`` checked against the listed kinds, to be written into SQL as a literal."""
    if kind not in _LISTED:
        raise ValueError(f"find: no list of {kind!r} documents")
    return kind
