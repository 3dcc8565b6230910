"""A SQLite file as the engine's store, kept by the store written in Rust (the crate
``ordercore-sqlite``), built into the package — nothing more to install.

    store = SqliteStore("orders.db")
    store.migrate()                  # at deploy: creates the tables a new file lacks
    shop = ordercore.Engine(config, store=store)

Why it exists beside :class:`~ordercore.stores.sqlalchemy.SqlStore`: the engine calls it without
leaving Rust, so an engine call runs start to end without the GIL. A store written in Python
takes the GIL back for each of a checkout's store calls, and a service's threads under load
spend their time handing it over (``benches/README.md``, session 18).

The tables are :class:`~ordercore.stores.sqlalchemy.SqlStore`'s, at the Alembic revision
:meth:`SqliteStore.migrate` records: either store may open a file the other made, and
:func:`ordercore.stores.sqlalchemy.migrate` upgrades it when a later version of the package adds
a revision (this store's ``migrate`` refuses a file at another revision than its own).

One writer at a time is SQLite's rule: the store's own threads queue their commits on one
connection, other processes on the same file wait for the lock (up to 60 s); reads run on pooled
connections beside the writer (WAL). Thread-safe; its methods are the engine's to call.
"""
from .._native import SqliteStore

__all__ = ["SqliteStore"]
