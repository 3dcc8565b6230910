"""Prepares a running order service for the load runs: writes nothing itself but through the
API — every sku of the shop stocked (admin), one order placed (alice) — and prints the
environment the wrk runs need: TOKEN (alice), SHOPPERS (200 customers' tokens, minted with the
service's own `issue_token` and secret: a flash sale is many shoppers, not one), ADMIN_TOKEN,
ORDER (an order id), SPREAD (the 1,000 skus)."""
import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "fastapi-service"))
from orderservice.auth import User, issue_token  # noqa: E402
from orderservice.app import Settings  # noqa: E402

base, shop_file = sys.argv[1], sys.argv[2]
# "bearer": the FastAPI service's JWTs; "headers": the Node service's demo identity headers.
identity = sys.argv[3] if len(sys.argv) > 3 else "bearer"


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if identity == "headers":
        request.add_header(*(("x-staff-id", "bench") if token == "admin" else ("x-customer-id", "alice")))
    elif token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"null")


def login(user):
    return call("POST", "/auth/login", {"username": user, "password": f"{user}-password"})["access_token"]


admin, alice = (login("admin"), login("alice")) if identity == "bearer" else ("admin", "alice")
skus = [p["sku"] for p in json.load(open(shop_file))["products"]]
for sku in skus:
    call("PUT", f"/api/stock/{sku}", {"on_hand": 10**9}, admin)
address = {"name": "Ada", "line1": "1 Main St", "city": "SF", "region": "CA", "postal_code": "94103", "country": "US"}
order = call("POST", "/api/orders", {"customer_id": "alice", "lines": [{"sku": "mug", "quantity": 1}],
                                     "shipping_address": address, "payment": {"method": "card"}}, alice)
secret = Settings().jwt_secret
shoppers = [issue_token(User(f"shopper-{i}", "", "customer", f"shopper-{i}"), secret) for i in range(200)
            if identity == "bearer"]
print(f"TOKEN={alice}")
print("SHOPPERS=" + ",".join(shoppers))
print(f"ADMIN_TOKEN={admin}")
print(f"ORDER={order['id']}")
print("SPREAD=" + ",".join(s for s in skus if s.startswith("SKU-")))
