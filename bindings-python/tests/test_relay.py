"""The outbox relay: handlers by event type, at least once, in order per aggregate, retries with
backoff, dead letters — under injected handler failures — and the Celery adapter."""
from decimal import Decimal

import pytest

import ordercore
from ordercore.relay import Relay, celery_handler

ADMIN = ordercore.staff("ops")
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}


def shop(orders: int = 3) -> ordercore.Engine:
    engine = ordercore.Engine({"clock": "2026-06-01T12:00:00Z", "products": [{"sku": "A", "unit_price": "10.00"}]})
    engine.execute(ADMIN, {"command": "set_stock", "sku": "A", "on_hand": 100})
    for i in range(orders):
        customer = ordercore.customer(f"c{i}")
        order = engine.place_order(customer, {"customer_id": f"c{i}", "lines": [{"sku": "A", "quantity": 1}],
                                              "shipping_address": ADDRESS, "payment": {"method": "card"}})
        engine.execute(ADMIN, {"command": "ship_order", "order_id": order["id"]})
    return engine


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def drain(relay: Relay, clock: Clock, passes: int = 200) -> None:
    for _ in range(passes):
        relay.run_once()
        clock.now += 1000


def test_handlers_get_their_events_once_and_the_outbox_is_emptied():
    engine = shop()
    relay = Relay(engine)
    shipped, everything = [], []
    relay.on("order_shipped", lambda event: shipped.append(event["order_id"]))
    relay.on("*")(lambda event: everything.append(event["id"]))
    report = relay.run_once()
    assert report.delivered == len(everything) > 0 and report.failed == 0
    assert sorted(shipped) == sorted({e for e in shipped}) and len(shipped) == 3
    assert engine.pending_events() == []
    assert relay.run_once().delivered == 0


def test_under_failing_handlers_every_event_is_taken_once_in_order_per_aggregate():
    engine, clock = shop(5), Clock()
    relay = Relay(engine, clock=clock, max_attempts=10, backoff=(1, 2, 4))
    calls, taken = {}, []

    def flaky(event):
        calls[event["id"]] = calls.get(event["id"], 0) + 1
        if calls[event["id"]] <= int(event["id"].split("_")[1]) % 3:  # each event fails 0, 1 or 2 times
            raise ConnectionError("broker down")
        taken.append(event)

    relay.on("*", flaky)
    first = relay.run_once()
    assert first.failed > 0 and first.waiting > 0, "a failed event holds back its aggregate's later ones"
    drain(relay, clock)
    ids = [e["id"] for e in taken]
    assert len(ids) == len(set(ids)) == len(calls), "each event taken exactly once"
    by_aggregate = {}
    for event in taken:
        by_aggregate.setdefault(event["aggregate"], []).append(event["sequence"])
    assert all(seq == sorted(seq) for seq in by_aggregate.values()), "in order per aggregate"
    assert engine.pending_events() == [] and relay.dead_letters == []


def test_a_handler_that_keeps_failing_sends_the_event_to_dead_letters_and_the_outbox_moves_on():
    engine, clock = shop(1), Clock()
    relay = Relay(engine, clock=clock, max_attempts=3, backoff=(5,))
    taken = []

    def refuse_payments(event):
        if event["type"] == "payment_captured":
            raise ValueError("no ledger for this currency")
        taken.append(event["type"])

    relay.on("*", refuse_payments)
    drain(relay, clock, passes=10)
    [dead] = relay.dead_letters
    assert (dead.event["type"], dead.attempts, str(dead.error)) == ("payment_captured", 3, "no ledger for this currency")
    assert "order_shipped" in taken, "the order's later events follow once the dead one is set aside"
    assert engine.pending_events() == []


def test_a_handler_that_succeeded_is_not_called_again_while_another_is_retried():
    engine, clock = shop(1), Clock()
    relay = Relay(engine, clock=clock, backoff=(1,))
    first, second = [], []
    relay.on("order_created", lambda event: first.append(event["id"]))

    def once_broken(event):
        second.append(event["id"])
        if len(second) == 1:
            raise TimeoutError

    relay.on("order_created", once_broken)
    drain(relay, clock, passes=3)
    assert len(first) == 1 and len(second) == 2


def test_the_celery_adapter_enqueues_one_task_per_event_with_text_amounts():
    class Task:
        def __init__(self) -> None:
            self.sent = []

        def delay(self, event):
            self.sent.append(event)

    task, engine = Task(), shop(1)
    relay = Relay(engine)
    relay.on("order_created", celery_handler(task))
    relay.run_once()
    [event] = task.sent
    assert event["type"] == "order_created" and event["grand_total"] == "10.00"
    assert not any(isinstance(v, Decimal) for v in event.values())


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        Relay(shop(0), max_attempts=0)
