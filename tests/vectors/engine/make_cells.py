"""Writes the engine scenarios that walk every cell of two state machines, with the expected
outcome of each cell taken from the tables written out below (those of `docs/engine.md`), not
from a run of the engine:

- `return_cells_<state>.json`: each of the nine return states × each of the eight actions. An
  allowed action moves the return to its next state; any other is `invalid_transition` naming
  the state, the action and what the state allows.
- `shipment_cells_<state>.json`: each of the four shipment states × each status a carrier can
  report. A report moves the shipment forward or sideways; a stale one (backwards, or about a
  delivered shipment) is accepted and changes nothing.

Run from anywhere: `python3 tests/vectors/engine/make_cells.py`. CI checks the files are what
this writes."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ACTIONS = ["approve", "reject", "schedule_pickup", "mark_in_transit", "receive", "process", "refund", "cancel"]
# (state, action) -> next state: the return table.
TABLE = {
    ("requested", "approve"): "approved",
    ("requested", "reject"): "rejected",
    ("requested", "cancel"): "cancelled",
    ("approved", "schedule_pickup"): "pickup_scheduled",
    ("approved", "mark_in_transit"): "in_transit",
    ("approved", "receive"): "received",
    ("approved", "cancel"): "cancelled",
    ("pickup_scheduled", "mark_in_transit"): "in_transit",
    ("pickup_scheduled", "receive"): "received",
    ("pickup_scheduled", "cancel"): "cancelled",
    ("in_transit", "receive"): "received",
    ("received", "process"): "processed",
    ("processed", "refund"): "refunded",
}
# How a new return reaches each state.
PATHS = {
    "requested": [],
    "approved": ["approve"],
    "pickup_scheduled": ["approve", "schedule_pickup"],
    "in_transit": ["approve", "mark_in_transit"],
    "received": ["approve", "receive"],
    "processed": ["approve", "receive", "process"],
    "refunded": ["approve", "receive", "process", "refund"],
    "rejected": ["reject"],
    "cancelled": ["cancel"],
}
ENGINE = {
    "clock": "2026-06-01T12:00:00Z",
    "products": [{"sku": "A", "name": "Alpha", "unit_price": "10.00"}],
    "tax_rules": [{"id": "us", "name": "US tax", "country": "US", "percentage": "10"}],
}
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "region": "CA", "postal_code": "94103", "country": "US"}
BUYER = {"type": "customer", "id": "c1"}


def update(action, ret):
    return {"command": "update_return", "order_id": "$order", "return_id": f"${ret}", "action": action}


def scenario(state):
    units = len(ACTIONS)
    steps = [
        {"command": {"command": "set_stock", "sku": "A", "on_hand": units}},
        {"actor": BUYER, "command": {"command": "place_order", "customer_id": "c1",
                                     "lines": [{"sku": "A", "quantity": units}], "shipping_address": ADDRESS,
                                     "payment": {"method": "card", "capture": True}},
         "save": {"order": "/id"}},
        {"command": {"command": "ship_order", "order_id": "$order"}},
        {"command": {"command": "deliver_order", "order_id": "$order"}},
    ]
    allowed = [a for a in ACTIONS if (state, a) in TABLE]
    for i, action in enumerate(ACTIONS):
        ret = f"return{i}"
        steps.append({"actor": BUYER, "command": {"command": "request_return", "order_id": "$order",
                                                  "lines": [{"line": 0, "quantity": 1, "reason": "no_longer_needed"}]},
                      "save": {ret: f"/returns/{i}/id"}})
        steps += [{"command": update(a, ret)} for a in PATHS[state]]
        returns = [{} for _ in range(i + 1)]
        if (state, action) in TABLE:
            returns[i] = {"id": f"${ret}", "state": TABLE[(state, action)]}
            expect = {"ok": {"returns": returns}}
        else:
            expect = {"error": {"code": "invalid_transition",
                                "details": {"entity": "return", "state": state, "action": action, "allowed": allowed}}}
        steps.append({"note": f"{state} × {action}", "command": update(action, ret), "expect": expect})
    return {
        "name": f"return_cells_{state}",
        "description": f"A return that is {state}, tried with each of the eight actions (one return per action, "
                       f"each a unit of an 8-unit delivered order): {', '.join(allowed) or 'none'} allowed, as the "
                       f"return table says; every other action is invalid_transition listing what is allowed.",
        "engine": ENGINE,
        "steps": steps,
    }


STATUSES = ["shipped", "in_transit", "exception", "delivered"]
RANK = {"shipped": 0, "in_transit": 1, "exception": 1, "delivered": 2}
SYSTEM = {"type": "system"}


def shipment_next(state, status):
    """The shipment table: forward or sideways, never back; nothing moves a delivered one."""
    return state if state == "delivered" or RANK[status] < RANK[state] else status


def track(order, status, event):
    return {"actor": SYSTEM, "command": {"command": "tracking_update", "event_id": event, "order_id": f"${order}",
                                         "tracking_number": f"${order}_tracking", "status": status}}


def shipment_scenario(state):
    steps = [{"command": {"command": "set_stock", "sku": "A", "on_hand": len(STATUSES)}}]
    path = {"shipped": [], "in_transit": ["in_transit"], "exception": ["exception"], "delivered": ["delivered"]}[state]
    for i, status in enumerate(STATUSES):
        order = f"order{i}"
        steps.append({"actor": BUYER, "command": {"command": "place_order", "customer_id": "c1",
                                                  "lines": [{"sku": "A", "quantity": 1}], "shipping_address": ADDRESS,
                                                  "payment": {"method": "card", "capture": True}},
                      "save": {order: "/id"}})
        steps.append({"command": {"command": "ship_order", "order_id": f"${order}"},
                      "save": {f"{order}_tracking": "/shipments/0/tracking_number"}})
        steps += [track(order, s, f"{order}-setup-{k}") for k, s in enumerate(path)]
        steps.append({"note": f"{state} × {status}", **track(order, status, f"{order}-cell"),
                      "expect": {"ok": {"shipments": [{"state": shipment_next(state, status)}]}}})
    moves = [s for s in STATUSES if shipment_next(state, s) == s and s != state]
    return {
        "name": f"shipment_cells_{state}",
        "description": f"A shipment that is {state}, sent each status a carrier can report (one order per "
                       f"status): it moves to {', '.join(moves) or 'nothing'}; any other report is stale and "
                       f"leaves it {state}, as the shipment table says.",
        "engine": ENGINE,
        "steps": steps,
    }


def write(document):
    with open(os.path.join(HERE, document["name"] + ".json"), "w") as f:
        json.dump(document, f, indent=1, ensure_ascii=False)
        f.write("\n")


for state in PATHS:
    write(scenario(state))
for state in STATUSES:
    write(shipment_scenario(state))
