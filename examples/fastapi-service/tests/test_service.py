"""The order service over HTTP, on a SQLite file and — when DATABASE_URL names one — on
PostgreSQL: auth, the order lifecycle, returns and refunds, error statuses, webhooks, metrics,
the outbox notifier, and 8 server processes × 400 concurrent checkouts racing for 50 units."""
from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterator, List

import httpx
import pytest
from fastapi.testclient import TestClient

import ordercore
from orderservice.app import Settings, create_app
from orderservice.auth import User, hash_password, issue_token
from ordercore.stores.sqlalchemy import SqlStore, connect

SERVICE = Path(__file__).resolve().parents[1]
SECRET = "test-secret-of-at-least-32-bytes-for-hs256"
ADDRESS = {"name": "Ada", "line1": "1 Market St", "city": "San Francisco", "region": "CA",
           "postal_code": "94103", "country": "US"}


def databases() -> List[Any]:
    urls = [pytest.param("sqlite", id="sqlite")]
    urls.append(pytest.param("postgresql", id="postgresql",
                             marks=pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="needs DATABASE_URL")))
    return urls


@pytest.fixture(params=databases())
def database_url(request: Any, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'orders.db'}"
        return
    url = os.environ["DATABASE_URL"]
    SqlStore(connect(url)).drop_tables()  # every test starts from an empty database
    yield url


def token(customer_id: str = "", admin: bool = False) -> Dict[str, str]:
    user = User("admin", "", "admin") if admin else User(customer_id, "", "customer", customer_id)
    return {"Authorization": f"Bearer {issue_token(user, SECRET)}"}


ADMIN = token(admin=True)


def checkout(customer_id: str, quantity: int = 1, **extra: Any) -> Dict[str, Any]:
    return {"customer_id": customer_id, "lines": [{"sku": "mug", "quantity": quantity}], "shipping_address": ADDRESS,
            "shipping_option": "standard", "payment": {"method": "card"}, **extra}


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, jwt_secret=SECRET, webhook_secret="hook"))
    with TestClient(app) as client:
        assert client.put("/api/stock/mug", json={"on_hand": 20}, headers=ADMIN).status_code == 200
        yield client


def test_login_issues_jwts_for_hashed_passwords(client: TestClient) -> None:
    assert client.post("/auth/login", json={"username": "alice", "password": "nope"}).status_code == 401
    answer = client.post("/auth/login", json={"username": "alice", "password": "alice-password"})
    assert answer.status_code == 200
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    placed = client.post("/api/orders", json=checkout("alice"), headers=headers)
    assert placed.status_code == 201, placed.text
    assert client.get("/api/orders", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.get("/api/orders").status_code == 401
    stored = hash_password("x")
    assert stored.startswith("scrypt$") and "x" not in stored.split("$")[2]


def test_checkout_lifecycle_returns_and_refunds(client: TestClient) -> None:
    alice = token("alice")
    placed = client.post("/api/orders", json=checkout("alice", 2), headers={**alice, "Idempotency-Key": "co-1"})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    # 25.00 + 5.00 shipping + 7.25% CA tax per line (1.81 + 0.36); amounts are decimal strings.
    assert order["pricing"]["grand_total"] == "32.17"
    assert order["pricing"]["lines"][0]["tax_lines"][0]["rate_id"] == "us-ca"
    again = client.post("/api/orders", json=checkout("alice", 2), headers={**alice, "Idempotency-Key": "co-1"})
    assert again.json()["id"] == order["id"]
    conflict = client.post("/api/orders", json=checkout("alice", 3), headers={**alice, "Idempotency-Key": "co-1"})
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "idempotency_conflict"

    assert client.get(f"/api/orders/{order['id']}", headers=alice).json()["state_label"] == "paid"
    page = client.get("/api/orders", params={"customer_id": "alice", "limit": 10}, headers=ADMIN).json()
    assert [o["id"] for o in page["orders"]] == [order["id"]]
    assert "ship" in client.get(f"/api/orders/{order['id']}/actions", headers=ADMIN).json()
    for step in ("ship", "deliver"):
        moved = client.post(f"/api/orders/{order['id']}/{step}", headers=ADMIN)
        assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "delivered"

    rma = client.post("/api/returns", json={"order_id": order["id"], "lines": [{"line": 0, "quantity": 1, "reason": "defective"}]},
                      headers=alice)
    assert rma.status_code == 201, rma.text
    for action in ("approve", "receive", "process", "refund"):
        step = client.post(f"/api/returns/{rma.json()['id']}/{action}", json={"order_id": order["id"]}, headers=ADMIN)
        assert step.status_code == 200, f"{action}: {step.text}"
    assert step.json()["state"] == "refunded"
    after = client.get(f"/api/orders/{order['id']}", headers=alice).json()
    assert after["state"] == "partially_returned"
    assert after["payments"][0]["refunded"] == rma.json()["refund_amount"]
    too_much = client.post(f"/api/orders/{order['id']}/refunds", json={"amount": "1000"}, headers=ADMIN)
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "refund_exceeds_captured"
    goodwill = client.post(f"/api/orders/{order['id']}/refunds", json={"amount": "1.00", "reason": "goodwill"}, headers=ADMIN)
    assert goodwill.status_code == 201


def test_pay_later_cancel_and_paging(client: TestClient) -> None:
    bob = token("bob")
    ids = []
    for _ in range(3):
        placed = client.post("/api/orders", json=checkout("bob", payment=None), headers=bob)
        assert placed.status_code == 201
        ids.append(placed.json()["id"])
    paid = client.post(f"/api/orders/{ids[0]}/pay", json={"method": "paypal"}, headers=bob)
    assert paid.status_code == 200 and paid.json()["payments"][0]["method"] == "paypal"
    reserved = client.get("/api/stock/mug", headers=ADMIN).json()[0]["reserved"]
    assert client.delete(f"/api/orders/{ids[1]}", headers=bob).status_code == 204
    assert client.get(f"/api/orders/{ids[1]}", headers=bob).json()["state"] == "cancelled"
    assert client.get("/api/stock/mug", headers=ADMIN).json()[0]["reserved"] == reserved - 1
    first = client.get("/api/orders", params={"limit": 2, "page": 1}, headers=bob).json()
    second = client.get("/api/orders", params={"limit": 2, "page": 2}, headers=bob).json()
    listed = [o["id"] for o in first["orders"] + second["orders"]]
    assert sorted(listed) == sorted(ids) and len(set(listed)) == 3
    by_cursor = client.get("/api/orders", params={"limit": 2, "cursor": first["next_cursor"]}, headers=bob).json()
    assert by_cursor["orders"] == second["orders"]
    cancelled = client.get("/api/orders", params={"status": "cancelled"}, headers=bob).json()
    assert [o["id"] for o in cancelled["orders"]] == [ids[1]]


def test_the_scheduler_expires_an_unpaid_order_once_its_reservation_lapses(tmp_path: Path) -> None:
    from orderservice.app import SHOP

    shop = {**SHOP, "clock": "2026-06-01T12:00:00Z"}
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'tick.db'}", jwt_secret=SECRET, shop=shop))
    with TestClient(app) as client:
        client.put("/api/stock/mug", json={"on_hand": 5}, headers=ADMIN)
        order = client.post("/api/orders", json=checkout("eve", payment=None), headers=token("eve")).json()
        assert client.post("/api/admin/tick", headers=token("eve")).status_code == 403, "staff only"
        assert client.post("/api/admin/tick", headers=ADMIN).json()["expired"] == [], "not yet"
        app.state.engine.set_clock("2026-06-01T12:31:00Z")  # the 30-minute reservation has lapsed
        assert client.post("/api/admin/tick", headers=ADMIN).json()["expired"] == [order["id"]]
        assert client.post("/api/admin/tick", headers=ADMIN).json()["expired"] == [], "a second tick changes nothing"
        assert client.get(f"/api/orders/{order['id']}", headers=token("eve")).json()["state"] == "cancelled"
        assert client.get("/api/stock/mug", headers=ADMIN).json()[0]["reserved"] == 0


def test_errors_map_to_http_statuses(client: TestClient) -> None:
    carol = token("carol")
    bad = client.post("/api/orders", json=checkout("carol", 0), headers=carol)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "lines[0].quantity"
    shape = client.post("/api/orders", json={"customer_id": "carol"}, headers=carol)
    assert shape.status_code == 422 and shape.json()["error"]["code"] == "invalid_input"
    assert client.post("/api/orders", json=checkout("dave"), headers=carol).status_code == 403
    stock = client.post("/api/orders", json=checkout("carol", 500), headers=carol)
    assert stock.status_code == 409 and stock.json()["error"]["available"] == 20
    order = client.post("/api/orders", json=checkout("carol"), headers=carol).json()
    assert client.get(f"/api/orders/{order['id']}", headers=token("mallory")).status_code == 404
    early = client.post(f"/api/orders/{order['id']}/deliver", headers=ADMIN)
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"
    coupon = client.post("/api/orders", json=checkout("carol", coupon_codes=["NOPE"]), headers=carol)
    assert coupon.status_code == 422 and coupon.json()["error"]["reason"] == "unknown_code"


def test_a_declined_card_is_402(tmp_path: Path) -> None:
    shop = {**Settings().shop, "payment_script": [{"type": "decline", "reason": "card_declined"}]}
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", jwt_secret=SECRET, shop=shop))
    with TestClient(app) as client:
        client.put("/api/stock/mug", json={"on_hand": 5}, headers=ADMIN)
        declined = client.post("/api/orders", json=checkout("erin"), headers=token("erin"))
        assert declined.status_code == 402 and declined.json()["error"]["code"] == "payment_declined"
        assert client.post("/api/orders", json=checkout("erin"), headers=token("erin")).status_code == 201


def test_rates_webhooks_metrics_openapi_and_the_outbox(client: TestClient) -> None:
    rates = client.get("/api/shipping/rates", params={"country": "US", "postal_code": "94103", "sku": ["mug"], "quantity": [2]},
                       headers=token("frank"))
    assert rates.status_code == 200 and {r["option_id"] for r in rates.json()} >= {"standard", "express"}
    assert all(isinstance(r["amount"], str) for r in rates.json())
    order = client.post("/api/orders", json=checkout("frank"), headers=token("frank")).json()
    shipped = client.post(f"/api/orders/{order['id']}/ship", headers=ADMIN).json()
    body = json.dumps({"event_id": "trk-1", "tracking_number": shipped["shipments"][0]["tracking_number"],
                       "status": "delivered", "order_id": order["id"]})
    now = int(time.time())
    forged = client.post("/webhooks/carrier", content=body, headers={"x-timestamp": str(now), "x-signature": "00" * 32})
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "invalid_signature"
    signed = client.post("/webhooks/carrier", content=body,
                         headers={"x-timestamp": str(now), "x-signature": ordercore.sign_webhook("hook", body, now)})
    assert signed.status_code == 204, signed.text
    assert client.get(f"/api/orders/{order['id']}", headers=ADMIN).json()["state"] == "delivered"

    assert client.get("/health").json() == {"status": "ok"}
    metrics = client.get("/metrics").text
    assert 'ordercore_commands_total{command="place_order",outcome="ok"}' in metrics
    assert "http_request_duration_seconds_bucket" in metrics
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/orders", "/api/orders/{order_id}/refunds", "/auth/login", "/webhooks/carrier"} <= set(paths)

    # The background task hands every event to the notifier, then marks it delivered.
    notifier = client.app.state.notifier  # type: ignore[attr-defined]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    deadline = time.time() + 10
    while time.time() < deadline and (engine.pending_events(100) or "order_delivered" not in {e["type"] for e in notifier.delivered}):
        time.sleep(0.05)
    kinds = [e["type"] for e in notifier.delivered]
    assert "order_created" in kinds and "order_delivered" in kinds
    assert engine.pending_events(100) == []


def test_a_requests_id_reaches_the_engines_records_and_events(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ordercore")
    ordercore.logging_changed()
    try:
        placed = client.post("/api/orders", json=checkout("gina"), headers={**token("gina"), "X-Request-Id": "req-gina-1"})
        assert placed.status_code == 201 and placed.headers["X-Request-Id"] == "req-gina-1"
        answered = client.get(f"/api/orders/{placed.json()['id']}", headers=token("gina"))
        assert len(answered.headers["X-Request-Id"]) == 16  # none given: the service made one
    finally:
        caplog.set_level(logging.WARNING, logger="ordercore")
        ordercore.logging_changed()
    records = [r.getMessage() for r in caplog.records if r.name == "ordercore"]
    assert any(m.startswith("command place_order: ok") and 'correlation_id="req-gina-1"' in m for m in records)
    notifier = client.app.state.notifier  # type: ignore[attr-defined]
    deadline = time.time() + 10
    while time.time() < deadline and not any(e.get("order_id") == placed.json()["id"] for e in notifier.delivered):
        time.sleep(0.05)
    created = [e for e in notifier.delivered if e.get("order_id") == placed.json()["id"]]
    assert created and all(e["correlation_id"] == "req-gina-1" for e in created)


def start_servers(database_url: str, count: int) -> List[Any]:
    """`count` uvicorn processes on one database; each prints the port it bound. The rest of
    each server's log is drained by a thread, so a chatty server never blocks on a full pipe."""
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": SECRET, "PYTHONPATH": str(SERVICE)}
    servers = []
    for _ in range(count):
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "orderservice.app:app", "--host", "127.0.0.1", "--port", "0",
             "--log-level", "info", "--no-access-log"],
            cwd=SERVICE, env=env, stderr=subprocess.PIPE, text=True)
        servers.append(process)
    urls = []
    for process in servers:
        assert process.stderr is not None
        for line in process.stderr:
            match = re.search(r"Uvicorn running on (http://\S+)", line)
            if match:
                urls.append(match.group(1))
                break
        else:
            raise RuntimeError("a server did not start")
        threading.Thread(target=process.stderr.read, daemon=True).start()
    return list(zip(servers, urls))


def test_eight_processes_race_four_hundred_checkouts_for_fifty_units(database_url: str) -> None:
    store = SqlStore(connect(database_url))
    store.create_tables()
    servers = start_servers(database_url, 8)
    # One client per thread: each keeps its own connections, so no two threads ever share a socket.
    local = threading.local()
    clients: List[httpx.Client] = []
    clients_lock = threading.Lock()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=120)
            with clients_lock:
                clients.append(local.client)
        return local.client

    try:
        urls = [url for _, url in servers]
        assert client().put(f"{urls[0]}/api/stock/tee", json={"on_hand": 50}, headers=ADMIN).status_code == 200

        def attempt(i: int) -> httpx.Response:
            body = {**checkout(f"racer-{i}"), "lines": [{"sku": "tee", "quantity": 1}]}
            return client().post(f"{urls[i % len(urls)]}/api/orders", json=body, headers=token(f"racer-{i}"))

        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(attempt, range(400)))
        statuses = [r.status_code for r in results]
        refused = {r.json()["error"]["code"] for r in results if r.status_code != 201}
        assert statuses.count(201) == 50, (statuses.count(201), refused)
        assert refused == {"insufficient_stock"}
        stock = client().get(f"{urls[1]}/api/stock/tee", headers=ADMIN).json()[0]
        assert (stock["on_hand"], stock["reserved"]) == (50, 50)
        ids = {r.json()["id"] for r in results if r.status_code == 201}
        assert len(ids) == 50  # no two processes minted the same order id; no lost update
        # The database holds exactly the orders HTTP answered 201 for: a refused commit left nothing.
        page = store.find(kind="order", customer_id=None, state=None, due_before=None, after_created_at=None,
                           after_id=None, limit=1000)
        assert not page["more"] and {json.loads(body)["body"]["id"] for body in page["documents"]} == ids
    finally:
        for http in clients:
            http.close()
        for process, _ in servers:
            process.terminate()
            process.wait(timeout=10)


def on_asyncpg(work: Callable[[Any], Awaitable[None]]) -> None:
    """Runs `work(AsyncpgStore(pool))` on empty tables of the throwaway PostgreSQL."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        pytest.skip("needs DATABASE_URL")
    import asyncio

    import asyncpg

    from ordercore.stores.asyncpg import AsyncpgStore

    sql = SqlStore(connect(url))
    sql.drop_tables()
    sql.create_tables()

    async def main() -> None:
        pool = await asyncpg.create_pool(url, min_size=2, max_size=10)
        try:
            await work(AsyncpgStore(pool))
        finally:
            await pool.close()

    try:
        asyncio.run(main())
    finally:
        sql.engine.dispose()


def test_the_asyncpg_path_async_engine_on_postgresql() -> None:
    """What an ``async def`` FastAPI endpoint on asyncpg does: AsyncEngine over AsyncpgStore."""
    import asyncio

    from ordercore.aio import AsyncEngine

    async def race(store: Any) -> None:
        engine = AsyncEngine(Settings().shop, store=store)
        admin = {"type": "staff", "id": "ops", "role": "admin"}
        await engine.execute(admin, {"command": "set_stock", "sku": "tee", "on_hand": 10})
        attempts = [engine.place_order({"type": "customer", "id": f"a{i}"},
                                       {**checkout(f"a{i}"), "lines": [{"sku": "tee", "quantity": 1}]})
                    for i in range(25)]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        placed = [r for r in results if isinstance(r, ordercore.OrderView)]
        assert len(placed) == 10
        assert all(isinstance(r, ordercore.InsufficientStock) for r in results if not isinstance(r, ordercore.OrderView))
        shipped = await engine.execute(admin, {"command": "ship_order", "order_id": placed[0]["id"]})
        assert shipped["value"]["state"] == "shipped"
        stock = (await engine.query(admin, {"query": "stock_levels", "sku": "tee"}))["value"][0]
        assert (stock["on_hand"], stock["reserved"]) == (9, 9)
        assert len(await engine.pending_events(1000)) > 10

    on_asyncpg(race)


def test_the_sql_store_keeps_the_store_contract(database_url: str) -> None:
    """`ordercore.testing.check_store` on the SQLAlchemy store, on SQLite and PostgreSQL."""
    from ordercore.testing import check_store

    store = SqlStore(connect(database_url))
    store.create_tables()
    try:
        check_store(store)
    finally:
        store.engine.dispose()


def test_the_asyncpg_store_keeps_the_store_contract() -> None:
    from ordercore.testing import check_async_store

    on_asyncpg(check_async_store)
