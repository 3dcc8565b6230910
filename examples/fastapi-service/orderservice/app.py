"""The HTTP API: FastAPI routes that turn requests into ordercore commands and queries, and
ordercore errors into HTTP statuses. Every domain decision is the engine's.

Routes are ``async def`` and await an ``ordercore.aio.AsyncEngine``, which runs each engine call
on a worker thread (the engine releases the GIL while it computes): on PostgreSQL over the
asyncpg store, whose queries run on the event loop; on SQLite over the SQLAlchemy store, called
from the worker thread. Outbox events go to a notifier from a background task, at least once.

Run: ``uvicorn orderservice.app:app`` (settings from the environment, see ``Settings``).
"""
from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import secrets
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, AsyncIterator, Awaitable, Callable, Deque, Dict, List, Literal, Optional, Tuple, cast

import jwt
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field

import ordercore

from .auth import User, actor_of, demo_users, issue_token, verify_password
from ordercore.aio import AsyncEngine
from ordercore.relay import Relay
from ordercore.stores.sqlalchemy import SqlStore, connect
from ordercore.stores.sqlite import SqliteStore
from sqlalchemy.engine import make_url

log = logging.getLogger("orderservice")

#: ordercore error code → HTTP status.
HTTP_STATUS = {
    "invalid_input": 422, "unknown_currency": 422, "currency_mismatch": 422, "too_many_decimals": 422,
    "amount_overflow": 422, "limit_exceeded": 422, "coupon_rejected": 422,
    "not_found": 404, "forbidden": 403,
    "invalid_transition": 409, "insufficient_stock": 409, "version_conflict": 409, "idempotency_conflict": 409,
    "refund_exceeds_captured": 409, "capture_exceeds_authorized": 409,
    "payment_declined": 402, "gateway_unavailable": 503, "invalid_signature": 401, "provider_error": 502,
}

#: The demo shop: catalog, Californian sales tax, the classic flow.
SHOP: Dict[str, Any] = {
    "engine": {"currency": "USD"},
    "products": [
        {"sku": "mug", "name": "Mug", "unit_price": "12.50", "weight": "0.4"},
        {"sku": "tee", "name": "T-shirt", "unit_price": "20.00", "weight": "0.2"},
    ],
    "tax_rules": [{"id": "us-ca", "name": "CA sales tax", "country": "US", "region": "CA", "percentage": "7.25"}],
}


@dataclass
class Settings:
    """From the environment: ``DATABASE_URL`` (default: SQLite file ``orders.db``),
    ``JWT_SECRET``, ``WEBHOOK_SECRET``, ``SHOP_FILE`` (the engine's configuration document as a
    JSON file — catalog, tax rules, promotions; default: the demo shop), ``TICK_SECONDS`` (how
    often the scheduler runs: unpaid orders expire, scheduled flows advance; default 30, 0: never),
    ``THREADS`` (how many requests run the engine at once per process; default 4 on SQLite
    with the native store, 2 with the SQLAlchemy one, 8 on PostgreSQL — ``benches/README.md``
    measures them. Raise it when the engine waits on the network, as with a real payment
    gateway), ``SQLITE_STORE``
    (``native``, the default: the SQLite store written in Rust, whose calls never take the GIL
    back; ``sqlalchemy``: the package's ``SqlStore`` — the same tables)."""
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL", "sqlite:///orders.db"))
    jwt_secret: str = field(default_factory=lambda: os.environ.get("JWT_SECRET", "dev-only-secret-change-me-in-production-please"))
    webhook_secret: str = field(default_factory=lambda: os.environ.get("WEBHOOK_SECRET", "carrier-secret"))
    shop: Dict[str, Any] = field(default_factory=lambda: shop_from(os.environ.get("SHOP_FILE")))
    tick_seconds: float = field(default_factory=lambda: float(os.environ.get("TICK_SECONDS", "30")))
    threads: int = field(default_factory=lambda: int(os.environ.get("THREADS", "0")))
    sqlite_store: Literal["native", "sqlalchemy"] = field(
        default_factory=lambda: cast(Literal["native", "sqlalchemy"], os.environ.get("SQLITE_STORE", "native")))

    def __post_init__(self) -> None:
        if self.sqlite_store not in ("native", "sqlalchemy"):
            raise ValueError(f"SQLITE_STORE: 'native' or 'sqlalchemy', not {self.sqlite_store!r}")
        if self.threads <= 0:
            self.threads = 8  # PostgreSQL: its connections write side by side
            if self.database_url.startswith("sqlite"):
                # One writer at a time: a store in Python needs the GIL back for each statement,
                # and a thread holding the writer while it waits for the GIL stalls the others.
                self.threads = 4 if self.sqlite_store == "native" else 2


def shop_from(path: Optional[str]) -> Dict[str, Any]:
    """The shop configured in the JSON file at ``path``, or the demo shop."""
    if not path:
        return dict(SHOP)
    with open(path) as file:
        return cast(Dict[str, Any], json.load(file))


class LogNotifier:
    """Delivers outbox events (a real shop sends emails, pushes to a queue…). Keeps the last
    thousand it sent (a service runs for months)."""

    def __init__(self) -> None:
        self.delivered: Deque[Dict[str, Any]] = collections.deque(maxlen=1000)

    def deliver(self, event: Dict[str, Any]) -> None:
        log.info("event %s %s", event.get("type"), event.get("aggregate_id", ""))
        self.delivered.append(event)


def json_text(text: str, status_code: int = 200) -> Response:
    """The engine's JSON text as the response, as it is (amounts already decimal strings)."""
    return Response(text, status_code=status_code, media_type="application/json")


def money_json(content: Any, status_code: int = 200) -> Response:
    """JSON with amounts as decimal strings (FastAPI's default encoder would turn Decimal into float)."""
    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        raise TypeError(f"not JSON: {type(value).__name__}")
    return Response(json.dumps(content, default=default), status_code=status_code, media_type="application/json")


# ---- request bodies (OpenAPI documents them; the engine validates the domain) ----

class Address(BaseModel):
    name: Optional[str] = None
    line1: Optional[str] = None
    line2: Optional[str] = None
    city: Optional[str] = None
    region: Optional[str] = None
    postal_code: Optional[str] = None
    country: str


class Line(BaseModel):
    sku: str
    quantity: int


class PaymentIn(BaseModel):
    method: Literal["card", "debit_card", "paypal", "apple_pay", "google_pay", "other"] = "card"
    capture: bool = True


class PlaceOrder(BaseModel):
    customer_id: str
    lines: List[Line]
    shipping_address: Address
    shipping_option: Optional[str] = None
    coupon_codes: List[str] = []
    payment: Optional[PaymentIn] = None
    customer_groups: List[str] = []


class PayIn(BaseModel):
    method: Literal["card", "debit_card", "paypal", "apple_pay", "google_pay", "other"] = "card"
    capture: bool = True


class RefundIn(BaseModel):
    amount: Optional[Decimal] = Field(None, description="all that is refundable if absent")
    reason: Optional[str] = None


class ShipIn(BaseModel):
    lines: Optional[List[Dict[str, int]]] = None


class ReturnLine(BaseModel):
    line: int
    quantity: int
    reason: Literal["defective", "wrong_item", "not_as_described", "no_longer_needed", "damaged_in_transit", "other"]


class ReturnIn(BaseModel):
    order_id: str
    lines: List[ReturnLine]


class ReturnActionIn(BaseModel):
    order_id: str
    received: List[Dict[str, Any]] = []


class StockIn(BaseModel):
    on_hand: int
    backorder: bool = False
    low_stock_threshold: Optional[int] = None


class Login(BaseModel):
    username: str
    password: str


async def open_engine(settings: Settings) -> Tuple[AsyncEngine, Callable[[], Awaitable[None]]]:
    """The engine on the configured database, its tables migrated, and how to close it. On
    PostgreSQL the store is asyncpg's (its queries run on the event loop: 1.3-1.5x the checkouts of
    psycopg from worker threads, ``benches/README.md``); on SQLite the store written in Rust
    (``SQLITE_STORE=native``: an engine call never takes the GIL back) or the SQLAlchemy one."""
    # Each process draws its own id seed: processes sharing the database never mint the same id.
    config = {**settings.shop, "id_seed": secrets.randbits(48)}
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and settings.sqlite_store == "native":
        native = SqliteStore(url.database or "orders.db")
        await asyncio.to_thread(native.migrate)
        engine = AsyncEngine(config, store=native, threads=settings.threads)

        async def close_native() -> None:
            engine.close()
        return engine, close_native
    sql = SqlStore(connect(settings.database_url))
    await asyncio.to_thread(sql.create_tables)
    if sql.engine.dialect.name != "postgresql":
        engine = AsyncEngine(config, store=sql, threads=settings.threads)

        async def close_sqlite() -> None:
            engine.close()
            sql.engine.dispose()
        return engine, close_sqlite
    import asyncpg  # type: ignore[import-untyped]
    from ordercore.stores.asyncpg import AsyncpgStore

    sql.engine.dispose()
    url_text = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    pool = await asyncpg.create_pool(url_text, min_size=2, max_size=settings.threads + 2)
    engine = AsyncEngine(config, store=AsyncpgStore(pool), threads=settings.threads)

    async def close_postgres() -> None:
        engine.close()
        await pool.close()
    return engine, close_postgres


def create_app(settings: Optional[Settings] = None, notifier: Optional[LogNotifier] = None) -> FastAPI:
    settings = settings or Settings()
    notifier = notifier or LogNotifier()
    shop: Dict[str, AsyncEngine] = {}  # the engine, opened by the lifespan in the server's loop

    def engine() -> AsyncEngine:
        return shop["engine"]
    users: Dict[str, User] = demo_users()
    registry = CollectorRegistry()
    requests_seconds = Histogram("http_request_duration_seconds", "HTTP requests", ["method", "route", "status"],
                                 registry=registry)
    commands_total = Counter("ordercore_commands_total", "Engine commands", ["command", "outcome"], registry=registry)
    events_total = Counter("ordercore_events_delivered_total", "Outbox events delivered", registry=registry)
    ticks_total = Counter("ordercore_scheduled_total", "Orders the scheduler expired or advanced", ["outcome"],
                          registry=registry)

    # The package's relay: every event to the notifier, at least once, in order per order, a
    # failing delivery retried with backoff (and set aside after five tries).
    async def deliver_outbox(relay: Relay, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                report = await asyncio.to_thread(relay.run_once)
                events_total.inc(report.delivered)
                if report.delivered:
                    continue
            except Exception:  # the store is down: the next round tries again
                log.exception("outbox delivery failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=0.2)
            except asyncio.TimeoutError:
                pass

    async def run_scheduler(stop: asyncio.Event) -> None:
        """The engine's scheduler every ``tick_seconds``: each process may run it (a tick's
        changes are version-guarded, so two processes never expire an order twice)."""
        while settings.tick_seconds > 0 and not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=settings.tick_seconds)
                break
            except asyncio.TimeoutError:
                pass
            try:
                report = await engine().tick()
                ticks_total.labels("expired").inc(len(report["expired"]))
                ticks_total.labels("advanced").inc(len(report["advanced"]))
            except Exception:  # the store is down: the next tick tries again
                log.exception("scheduler tick failed")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        shop["engine"], close = await open_engine(settings)
        # The package's relay: every event to the notifier, at least once, in order per order, a
        # failing delivery retried with backoff (and set aside after five tries).
        relay = Relay(engine().engine)
        relay.on("*", notifier.deliver)
        app.state.engine = engine().engine  # the blocking engine, for tests and tools off the loop
        stop = asyncio.Event()
        tasks = [asyncio.create_task(deliver_outbox(relay, stop)), asyncio.create_task(run_scheduler(stop))]
        yield
        stop.set()
        await asyncio.gather(*tasks)
        await close()

    app = FastAPI(title="ordercore order service", version="0.1.0", lifespan=lifespan)
    app.state.notifier = notifier

    @app.middleware("http")
    async def timing(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        # The request's id (the caller's X-Request-Id, or a new one) goes into the engine's
        # records of this request and into the events its commands emit; it is answered back.
        request_id = request.headers.get("x-request-id") or secrets.token_hex(8)
        with ordercore.correlated(request_id):
            response: Response = await call_next(request)
        response.headers["X-Request-Id"] = request_id
        route = request.scope.get("route")
        requests_seconds.labels(request.method, getattr(route, "path", "unmatched"),
                                str(response.status_code)).observe(time.perf_counter() - started)
        return response

    @app.exception_handler(ordercore.OrderCoreError)
    async def ordercore_error(_request: Request, error: ordercore.OrderCoreError) -> Response:
        return money_json({"error": error.details}, HTTP_STATUS.get(error.code, 500))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:])
        return JSONResponse({"error": {"code": "invalid_input", "field": where, "message": first.get("msg", "invalid"),
                                       "errors": json.loads(json.dumps(error.errors(), default=str))}}, 422)

    bearer = HTTPBearer(auto_error=False)

    async def actor(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer)) -> Dict[str, Any]:
        if credentials is None:
            raise HTTPException(401, "log in at /auth/login and send the token as a Bearer token")
        try:
            return actor_of(credentials.credentials, settings.jwt_secret)
        except jwt.InvalidTokenError as error:
            raise HTTPException(401, f"invalid token: {error}") from None

    async def run(who: Dict[str, Any], command: Dict[str, Any], key: Optional[str] = None) -> str:
        """The command's answer as the engine's JSON text (amounts as strings), sent on as it is:
        no Python objects are built for an order the client reads. No retry loop here: stock
        and coupon uses are counters changed by guarded deltas, so racing checkouts do not
        conflict, and the engine itself decides again on the rare conflict over one order (a
        409 `version_conflict` means a retry could succeed)."""
        try:
            answer = await engine().execute_json(who, {k: v for k, v in command.items() if v is not None}, key)
        except ordercore.OrderCoreError as error:
            commands_total.labels(command["command"], error.code).inc()
            raise
        commands_total.labels(command["command"], "ok").inc()
        return answer

    async def ask(who: Dict[str, Any], query: Dict[str, Any]) -> str:
        return await engine().query_json(who, {k: v for k, v in query.items() if v is not None})

    @app.get("/health")
    async def health() -> Dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/auth/login")
    def login(body: Login) -> Dict[str, str]:
        user = users.get(body.username)
        if user is None or not verify_password(body.password, user.password_hash):
            raise HTTPException(401, "wrong username or password")
        return {"access_token": issue_token(user, settings.jwt_secret), "token_type": "bearer"}

    @app.post("/api/orders", status_code=201)
    async def place_order(body: PlaceOrder, who: Dict[str, Any] = Depends(actor),
                          idempotency_key: Optional[str] = Header(None)) -> Response:
        order = await run(who, {"command": "place_order", **body.model_dump(exclude_none=True)}, idempotency_key)
        return json_text(order, 201)

    @app.get("/api/orders/{order_id}")
    async def get_order(order_id: str, who: Dict[str, Any] = Depends(actor)) -> Response:
        return json_text(await ask(who, {"query": "get_order", "order_id": order_id}))

    @app.get("/api/orders")
    async def list_orders(who: Dict[str, Any] = Depends(actor), customer_id: Optional[str] = None,
                          status: Optional[str] = None, page: int = Query(1, ge=1), limit: int = Query(20, ge=1, le=100),
                          cursor: Optional[str] = None) -> Response:
        """Cursor pagination (``next_cursor``); ``page`` walks the cursors from the start."""
        query = {"query": "list_orders", "customer_id": customer_id, "state": status, "limit": limit, "after": cursor}
        result = json.loads(await ask(who, query))
        for _ in range(page - 1 if cursor is None else 0):
            if not result["next"]:
                result = {"orders": [], "next": None}
                break
            result = json.loads(await ask(who, {**query, "after": result["next"]}))
        return money_json({"orders": result["orders"], "next_cursor": result["next"], "page": page, "limit": limit})

    @app.post("/api/orders/{order_id}/pay")
    async def pay(order_id: str, body: Optional[PayIn] = None, who: Dict[str, Any] = Depends(actor),
                  idempotency_key: Optional[str] = Header(None)) -> Response:
        payment = (body or PayIn()).model_dump()
        return json_text(await run(who, {"command": "pay_order", "order_id": order_id, **payment}, idempotency_key))

    @app.post("/api/orders/{order_id}/ship")
    async def ship(order_id: str, body: Optional[ShipIn] = None, who: Dict[str, Any] = Depends(actor)) -> Response:
        lines = body.lines if body else None
        return json_text(await run(who, {"command": "ship_order", "order_id": order_id, "lines": lines}))

    @app.post("/api/orders/{order_id}/deliver")
    async def deliver(order_id: str, who: Dict[str, Any] = Depends(actor)) -> Response:
        return json_text(await run(who, {"command": "deliver_order", "order_id": order_id}))

    @app.delete("/api/orders/{order_id}", status_code=204)
    async def cancel(order_id: str, reason: Optional[str] = None, who: Dict[str, Any] = Depends(actor)) -> Response:
        await run(who, {"command": "cancel_order", "order_id": order_id, "reason": reason})
        return Response(status_code=204)

    @app.post("/api/orders/{order_id}/refunds", status_code=201)
    async def refund(order_id: str, body: RefundIn, who: Dict[str, Any] = Depends(actor),
                     idempotency_key: Optional[str] = Header(None)) -> Response:
        command = {"command": "refund_payment", "order_id": order_id, **body.model_dump(exclude_none=True)}
        return json_text(await run(who, command, idempotency_key), 201)

    @app.get("/api/orders/{order_id}/actions")
    async def actions(order_id: str, who: Dict[str, Any] = Depends(actor)) -> Response:
        return json_text(await ask(who, {"query": "available_actions", "order_id": order_id}))

    @app.post("/api/returns", status_code=201)
    async def request_return(body: ReturnIn, who: Dict[str, Any] = Depends(actor)) -> Response:
        order = json.loads(await run(who, {"command": "request_return", **body.model_dump()}))
        return money_json(order["returns"][-1], 201)

    @app.post("/api/returns/{return_id}/{action}")
    async def update_return(return_id: str, body: ReturnActionIn,
                            action: Literal["approve", "reject", "schedule_pickup", "mark_in_transit", "receive",
                                            "process", "refund", "cancel"],
                            who: Dict[str, Any] = Depends(actor)) -> Response:
        order = json.loads(await run(who, {"command": "update_return", "order_id": body.order_id, "return_id": return_id,
                                     "action": action, "received": body.received}))
        return money_json(next(r for r in order["returns"] if r["id"] == return_id))

    @app.put("/api/stock/{sku}")
    async def set_stock(sku: str, body: StockIn, who: Dict[str, Any] = Depends(actor)) -> Response:
        return json_text(await run(who, {"command": "set_stock", "sku": sku, **body.model_dump(exclude_none=True)}))

    @app.post("/api/admin/tick")
    async def tick(who: Dict[str, Any] = Depends(actor)) -> Response:
        """Runs the scheduler now (staff): what expired, what advanced, what failed."""
        return money_json(await engine().tick(who))

    @app.get("/api/stock/{sku}")
    async def stock(sku: str, who: Dict[str, Any] = Depends(actor)) -> Response:
        return json_text(await ask(who, {"query": "stock_levels", "sku": sku}))

    @app.get("/api/shipping/rates")
    async def shipping_rates(country: str, sku: List[str] = Query(...), quantity: List[int] = Query(...),
                             postal_code: Optional[str] = None, region: Optional[str] = None,
                             who: Dict[str, Any] = Depends(actor)) -> Response:
        if len(sku) != len(quantity):
            raise ordercore.ValidationError({"code": "invalid_input", "field": "quantity",
                                             "message": "give one quantity per sku"})
        address = {"country": country, "postal_code": postal_code, "region": region}
        lines = [{"sku": s, "quantity": q} for s, q in zip(sku, quantity)]
        return json_text(await ask(who, {"query": "shipping_rates", "address": address, "lines": lines}))

    @app.post("/webhooks/carrier", status_code=204)
    async def carrier_webhook(request: Request, x_timestamp: int = Header(...), x_signature: str = Header(...)) -> Response:
        """A carrier's tracking update, HMAC-signed over the raw body (the Stripe scheme)."""
        body = (await request.body()).decode("utf-8")
        engine().engine.verify_webhook(settings.webhook_secret, body, x_timestamp, x_signature)
        update = json.loads(body)
        await run(ordercore.SYSTEM, {**update, "command": "tracking_update"})
        return Response(status_code=204)

    return app


def __getattr__(name: str) -> Any:
    # `uvicorn orderservice.app:app` builds the app from the environment on first use.
    if name == "app":
        built = create_app()
        globals()["app"] = built
        return built
    raise AttributeError(name)
