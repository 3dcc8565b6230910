"""The package's SQLAlchemy store (`ordercore.stores.sqlalchemy`) on SQLite: it keeps the store
contract, its migrations create the tables once and adopt a database made before them, and the
engine runs a lifecycle on it. (PostgreSQL and asyncpg: the FastAPI service's tests.)"""
import sqlalchemy

import ordercore
from ordercore.stores.sqlalchemy import SqlStore, connect, metadata, migrate
from ordercore.testing import check_store


def test_the_sqlite_store_keeps_the_contract(tmp_path):
    store = SqlStore(connect(f"sqlite:///{tmp_path / 'orders.db'}"))
    store.create_tables()
    check_store(store)


def test_migrations_run_once_and_adopt_tables_made_before_them(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'old.db'}")
    metadata.create_all(engine)  # what the example did before migrations shipped
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO idempotency VALUES ('kept', '{}')")
    migrate(engine)
    migrate(engine)
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        kept = connection.exec_driver_sql("SELECT count(*) FROM idempotency").scalar_one()
    assert (version, kept) == ("0004", 1)
    assert set(sqlalchemy.inspect(engine).get_table_names()) == {
        "documents", "counters", "outbox", "idempotency", "alembic_version"}


# Documents as the engine wrote them before counters: the counts inside.
OLD_STOCK = ('{"kind":"stock","body":{"sku":"A","location":"main","on_hand":5,"reserved":2,"backorder":false,'
             '"low_stock_threshold":null,"event_sequence":3}}')
OLD_USAGE = '{"kind":"promotion_usage","body":{"promotion_id":"p/1","total":3,"by_customer":{"c1":2,"c/2":1}}}'


def test_the_counters_migration_moves_the_counts_out_of_the_documents(tmp_path):
    from alembic import command
    from alembic.config import Config
    from pathlib import Path

    engine = connect(f"sqlite:///{tmp_path / 'v1.db'}")
    config = Config()
    config.set_main_option("script_location", str(Path(ordercore.__file__).parent / "stores" / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(f"INSERT INTO documents (kind, id, version, body) VALUES "
                                   f"('stock', 'A@main', 4, '{OLD_STOCK}'), ('promotion_usage', 'p/1', 3, '{OLD_USAGE}')")
    migrate(engine)
    store = SqlStore(engine)
    names = ["available/A@main", "reserved/A@main", "promotion_uses/p%2F1", "promotion_customer_uses/p%2F1/c1",
             "promotion_customer_uses/p%2F1/c%2F2"]
    assert store.counters(names=names) == [3, 2, 3, 2, 1]
    assert store.load(kind="promotion_usage", id="p/1") is None
    shop = ordercore.Engine({"products": [{"sku": "A", "unit_price": "10.00"}]}, store)
    levels = shop.query(ordercore.staff("ops"), {"query": "stock_levels", "sku": "A"})["value"]
    assert [(s["on_hand"], s["reserved"], s["event_sequence"]) for s in levels] == [(5, 2, 3)]


def test_the_engine_runs_on_it(tmp_path):
    store = SqlStore(connect(f"sqlite:///{tmp_path / 'shop.db'}"))
    store.create_tables()
    engine = ordercore.Engine({"products": [{"sku": "A", "unit_price": "10.00"}]}, store)
    admin, customer = ordercore.staff("ops"), ordercore.customer("c1")
    engine.execute(admin, {"command": "set_stock", "sku": "A", "on_hand": 2})
    address = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
    order = engine.place_order(customer, {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}],
                                          "shipping_address": address, "payment": {"method": "card"}}, "k1")
    assert engine.place_order(customer, {"customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}],
                                         "shipping_address": address, "payment": {"method": "card"}}, "k1") == order
    assert engine.list_orders(customer)["orders"] == [order]


def test_processes_starting_together_migrate_one_at_a_time_on_postgresql() -> None:
    import os
    import threading

    url = os.environ.get("DATABASE_URL")
    if not url:
        assert not os.environ.get("ORDERCORE_REQUIRE_POSTGRES"), "DATABASE_URL is not set"
        return
    admin = connect(url)
    with admin.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS migrate_race CASCADE; CREATE SCHEMA migrate_race")
    admin.dispose()
    # A lock wait longer than 20 s fails (without the migration lock, the racers wait on each
    # other's tables for ever).
    options = "?options=-csearch_path%3Dmigrate_race%20-clock_timeout%3D20s"
    engines = [connect(url + options) for _ in range(4)]
    failures = []

    def start(engine: sqlalchemy.engine.Engine) -> None:
        try:
            migrate(engine)
        except Exception as error:  # noqa: BLE001 — the test reports what a starting process hit
            failures.append(error)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with engines[0].connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    assert version == "0004"
    for engine in engines:
        engine.dispose()
