"""Writes the fuzzers' seed corpora. `facade`: every shared pricing vector's cart and request,
and one document of each command and query shape (naming the order the harness places first).
`python_reader`: each vector's cart and context behind a flag byte (see
`src/bin/python_reader.py`), plain and with each of the builder's transformations once."""
import glob
import json
import os

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "seeds", "facade")
os.makedirs(out, exist_ok=True)
seeds = []
for path in sorted(glob.glob(os.path.join(here, "..", "tests", "vectors", "pricing", "*.json"))):
    vector = json.load(open(path))
    seeds.append(vector["cart"])
    seeds.append({k: vector[k] for k in ("cart", "promotions", "tax_rules", "context") if k in vector})
address = {"name": "Ada", "line1": "1 Main St", "city": "SF", "region": "CA", "postal_code": "94103", "country": "US"}
order = "ord_000001"
seeds += [
    {"command": "place_order", "customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}],
     "shipping_address": address, "shipping_option": "express", "coupon_codes": ["TEN"],
     "payment": {"method": "card", "capture": False}},
    {"command": "pay_order", "order_id": order, "method": "card", "capture": True},
    {"command": "capture_payment", "order_id": order, "amount": "5.00"},
    {"command": "refund_payment", "order_id": order, "amount": "1.00", "reason": "goodwill"},
    {"command": "process_order", "order_id": order},
    {"command": "ship_order", "order_id": order, "lines": [{"line": 0, "quantity": 1}]},
    {"command": "deliver_order", "order_id": order},
    {"command": "cancel_order", "order_id": order, "reason": "changed mind"},
    {"command": "request_return", "order_id": order, "lines": [{"line": 0, "quantity": 1, "reason": "defective"}]},
    {"command": "update_return", "order_id": order, "return_id": "ret_000001", "action": "approve",
     "received": [{"line": 0, "condition": "opened"}]},
    {"command": "payment_webhook", "provider": "fake", "event_id": "e1", "reference": "fake_ch_000001",
     "outcome": "succeeded", "order_id": order},
    {"command": "tracking_update", "event_id": "t1", "tracking_number": "1Z", "status": "delivered"},
    {"command": "set_stock", "sku": "A", "on_hand": 5, "backorder": True, "low_stock_threshold": 2},
    {"command": "adjust_stock", "sku": "B", "location": "main", "delta": -2},
    {"query": "get_order", "order_id": order},
    {"query": "list_orders", "customer_id": "c1", "state": "confirmed", "limit": 2},
    {"query": "stock_levels", "sku": "A"},
    {"query": "available_actions", "order_id": order},
    {"query": "shipping_rates", "address": address, "lines": [{"sku": "A", "quantity": 1}]},
]
for i, seed in enumerate(seeds):
    with open(os.path.join(out, f"{i:03}.json"), "w") as f:
        json.dump(seed, f, separators=(",", ":"))
print(f"{len(seeds)} seeds in {out}")

reader = os.path.join(here, "seeds", "python_reader")
os.makedirs(reader, exist_ok=True)
count = 0
for path in sorted(glob.glob(os.path.join(here, "..", "tests", "vectors", "pricing", "*.json"))):
    vector = json.load(open(path))
    pair = {"cart": vector["cart"], "context": vector.get("context")}
    text = json.dumps(pair, separators=(",", ":")).encode()
    flags = [0] if count else [0, 1, 2, 4, 8, 16, 32]
    for flag in flags:
        with open(os.path.join(reader, f"{count:03}.bin"), "wb") as f:
            f.write(bytes([flag]) + text)
        count += 1
print(f"{count} seeds in {reader}")
