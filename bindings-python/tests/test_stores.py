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
    assert (version, kept) == ("0001", 1)
    assert set(sqlalchemy.inspect(engine).get_table_names()) == {"documents", "outbox", "idempotency", "alembic_version"}


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
