"""Writes the engine scenarios that walk every cell of two state machines, with the expected
outcome of each cell taken from the tables written out below (those of `docs/engine.md`), not
from a run of the engine:

- `return_cells_<state>.json`: each of the nine return states × each of the eight actions. An
  allowed action moves the return to its next state; any other is `invalid_transition` naming
  the state, the action and what the state allows.
- `shipment_cells_<state>.json`: each of the four shipment states × each status a carrier can
  report. A report moves the shipment forward or sideways; a stale one (backwards, or about a
  delivered shipment) is accepted and changes nothing.

- `order_cells_<flow>_<state>.json`: each reachable state of each built-in flow (classic, full,
  scheduled) × each of the eight order actions, by admin staff on an order of two units that
  is paid (unpaid while pending). An action the flow's table allows and the order's money
  permits succeeds (and moves the order as the flow says); one the table refuses is
  `invalid_transition` listing the actions available now; paying a paid order is refused as
  `paid`, processing or shipping an unpaid one as `unpaid`, and refunding an order that holds
  no money is `refund_exceeds_captured`.

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


ORDER_ACTIONS = ["pay", "process", "ship", "deliver", "cancel", "request_return", "refund", "cancel_unshipped"]
# Each flow's table: the actions its states allow (before money and permissions).
FLOW_TABLES = {
    "classic": {
        "pending": ["pay", "cancel"],
        "confirmed": ["pay", "ship", "cancel", "refund"],
        "partially_shipped": ["pay", "ship", "refund", "cancel_unshipped"],
        "shipped": ["pay", "deliver", "refund"],
        "delivered": ["pay", "request_return", "refund"],
        "partially_returned": ["pay", "request_return", "refund"],
        "returned": ["refund"],
        "cancelled": ["refund"],
    },
    "full": {
        "pending": ["pay", "cancel"],
        "confirmed": ["pay", "process", "cancel", "refund"],
        "processing": ["pay", "ship", "refund"],
        "partially_shipped": ["pay", "ship", "refund", "cancel_unshipped"],
        "shipped": ["pay", "deliver", "refund"],
        "delivered": ["pay", "request_return", "refund"],
        "partially_returned": ["pay", "request_return", "refund"],
        "returned": ["refund"],
        "cancelled": ["refund"],
    },
    "scheduled": {
        "pending": ["pay", "process", "cancel"],
        "processing": ["pay", "ship", "refund"],
        "partially_shipped": ["pay", "ship", "refund", "cancel_unshipped"],
        "shipped": ["pay", "deliver", "refund"],
        "delivered": ["pay", "request_return", "refund"],
        "partially_returned": ["pay", "request_return", "refund"],
        "returned": ["refund"],
        "cancelled": ["refund"],
    },
}


def order_command(action, order):
    body = {"order_id": f"${order}"}
    if action == "pay":
        return {"command": "pay_order", "method": "card", "capture": True, **body}
    if action == "request_return":
        return {"command": "request_return", "lines": [{"line": 0, "quantity": 1, "reason": "no_longer_needed"}], **body}
    if action == "refund":
        return {"command": "refund_payment", **body}
    name = {"process": "process_order", "ship": "ship_order", "deliver": "deliver_order",
            "cancel": "cancel_order", "cancel_unshipped": "cancel_unshipped"}[action]
    return {"command": name, **body}


def order_path(flow, state, order):
    """Steps taking a new order of two units to `state` in `flow`: placed with payment (without
    while pending), then moved on by admin staff."""
    def ship(lines=None):
        command = {"command": "ship_order", "order_id": f"${order}"}
        return {"command": {**command, "lines": lines} if lines else command}

    place = {"command": "place_order", "customer_id": "c1", "lines": [{"sku": "A", "quantity": 2}],
             "shipping_address": ADDRESS, "flow": flow}
    if state != "pending":
        place["payment"] = {"method": "card", "capture": True}
    steps = [{"actor": BUYER, "command": place, "save": {order: "/id"}}]
    if state in ("pending", "confirmed"):
        return steps
    if state == "cancelled":
        return steps + [{"command": order_command("cancel", order)}]
    if flow in ("full", "scheduled"):
        steps.append({"command": order_command("process", order)})
    if state == "processing":
        return steps
    if state == "partially_shipped":
        return steps + [ship([{"line": 0, "quantity": 1}])]
    steps += [ship(), {"command": order_command("deliver", order)}] if state != "shipped" else [ship()]
    if state in ("shipped", "delivered"):
        return steps
    quantity = 1 if state == "partially_returned" else 2
    steps.append({"command": {"command": "request_return", "order_id": f"${order}",
                              "lines": [{"line": 0, "quantity": quantity, "reason": "no_longer_needed"}]},
                  "save": {f"{order}_return": "/returns/0/id"}})
    for action in ("approve", "receive", "process"):
        steps.append({"command": {"command": "update_return", "order_id": f"${order}",
                                  "return_id": f"${order}_return", "action": action}})
    return steps


def order_cell(flow, state, action):
    """What `action` answers on an order that is `state` in `flow`: the reference of the rules."""
    table = FLOW_TABLES[flow][state]
    unpaid = state == "pending"
    holds_money = not unpaid and state != "cancelled"

    def available(a):
        if a == "pay":
            return unpaid
        if a == "refund":
            return holds_money
        if a in ("process", "ship", "deliver"):
            return not unpaid
        return True

    allowed = [a for a in table if available(a)]

    def refused(as_state):
        return {"error": {"code": "invalid_transition",
                          "details": {"entity": "order", "state": as_state, "action": action, "allowed": allowed}}}

    if action not in table:
        return refused(state)
    if action == "pay" and not unpaid:
        return refused("paid")
    if action in ("process", "ship") and unpaid:
        return refused("unpaid")
    if action == "refund" and not holds_money:
        return {"error": {"code": "refund_exceeds_captured", "details": {"refundable": "0"}}}
    confirms = flow != "scheduled"
    after = {"pay": "confirmed" if confirms else "pending", "process": "processing", "ship": "shipped",
             "deliver": "delivered", "cancel": "cancelled", "request_return": state, "refund": state,
             "cancel_unshipped": "shipped"}[action]
    return {"ok": {"state": after}}


def order_scenario(flow, state):
    steps = [{"command": {"command": "set_stock", "sku": "A", "on_hand": 2 * len(ORDER_ACTIONS)}}]
    for i, action in enumerate(ORDER_ACTIONS):
        order = f"order{i}"
        steps += order_path(flow, state, order)
        steps.append({"note": f"{flow}: {state} × {action}", "command": order_command(action, order),
                      "expect": order_cell(flow, state, action)})
    return {
        "name": f"order_cells_{flow}_{state}",
        "description": f"An order that is {state} in the {flow} flow (two units, paid unless pending), tried "
                       f"with each of the eight order actions by admin staff (one order per action): the "
                       f"flow's table allows {', '.join(FLOW_TABLES[flow][state])}; the expected answers "
                       f"follow the rules in this file's docstring.",
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
for flow, states in FLOW_TABLES.items():
    for state in states:
        write(order_scenario(flow, state))
