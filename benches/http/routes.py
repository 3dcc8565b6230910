"""`def` against `async def` checkout routes on PostgreSQL, for benches/http/run.sh: one route,
`POST /api/orders` as the customer named by `x-customer-id`, answering the engine's JSON text.
MODE=sync serves it as a plain `def` on `ordercore.Engine` over the SQLAlchemy store (psycopg;
FastAPI's thread pool, 8 threads as the example service); MODE=async as an `async def` on
`ordercore.aio.AsyncEngine` over the asyncpg store (the event loop; the engine itself in a
worker thread). The same shop (SHOP_FILE) and database (DATABASE_URL) as the service runs."""
import json
import os
import secrets
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict

import anyio.to_thread
from fastapi import FastAPI, Header, Response

import ordercore
from ordercore.stores.sqlalchemy import SqlStore, connect

MODE, URL = os.environ["MODE"], os.environ["DATABASE_URL"]
SHOP = {**json.load(open(os.environ["SHOP_FILE"])), "id_seed": secrets.randbits(48)}
ADMIN = {"type": "staff", "id": "bench", "role": "admin"}
state: Dict[str, Any] = {}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    sql = SqlStore(connect(URL))
    sql.create_tables()
    if MODE == "sync":
        anyio.to_thread.current_default_thread_limiter().total_tokens = 8
        state["engine"] = ordercore.Engine(SHOP, sql)
        state["engine"].set_stock(ADMIN, "mug", 10**9)
    else:
        import asyncpg  # type: ignore[import-untyped]

        from ordercore.aio import AsyncEngine
        from ordercore.stores.asyncpg import AsyncpgStore

        pool = await asyncpg.create_pool(URL, min_size=4, max_size=20)
        state["engine"] = AsyncEngine(SHOP, store=AsyncpgStore(pool))
        await state["engine"].execute(ADMIN, {"command": "set_stock", "sku": "mug", "on_hand": 10**9})
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/health")
def health() -> Dict[str, str]:
    return {"status": "ok"}


if MODE == "sync":
    @app.post("/api/orders", status_code=201)
    def place(body: Dict[str, Any], x_customer_id: str = Header()) -> Response:
        customer = {"type": "customer", "id": x_customer_id}
        text = state["engine"].execute_json(customer, {**body, "command": "place_order"})
        return Response(text, 201, media_type="application/json")
else:
    @app.post("/api/orders", status_code=201)
    async def place(body: Dict[str, Any], x_customer_id: str = Header()) -> Response:
        customer = {"type": "customer", "id": x_customer_id}
        text = await state["engine"].execute_json(customer, {**body, "command": "place_order"})
        return Response(text, 201, media_type="application/json")
