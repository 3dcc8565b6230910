"""An outbox relay: drains the engine's events to handlers registered by event type.

    relay = Relay(engine)

    @relay.on("order_shipped")
    def email_tracking(event): ...

    relay.run_forever(stop)            # in a worker thread or process; or relay.run_once()

Delivery is **at least once**: an event is marked delivered only after every handler for it
succeeded, so a crash in between delivers it again — handlers must tolerate a repeat (the
event's ``id`` is unique). Within one relay a handler that succeeded is not called again for the
same event while another handler of it is retried. Events of one aggregate (``order/ord_1``) are
delivered **in order**: while one waits for a retry, the aggregate's later events wait too;
other aggregates go on. A failing handler is retried after the ``backoff`` delays (seconds;
the last one repeats) up to ``max_attempts`` times; then the event goes to ``dead_letters``
(with the last exception) and is marked delivered, so the outbox moves on. Run one relay per
outbox: two relays would deliver the same events twice.
"""
from __future__ import annotations

import json as _json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Set

from . import _dumps

__all__ = ["Relay", "RelayReport", "DeadLetter", "celery_handler"]

Event = Dict[str, Any]
Handler = Callable[[Event], Any]


class _Outbox(Protocol):
    def pending_events(self, limit: int = 100) -> Any: ...

    def mark_delivered(self, positions: Sequence[int]) -> None: ...


@dataclass
class DeadLetter:
    """An event a handler kept failing on, with its last exception."""

    position: int
    event: Event
    error: BaseException
    attempts: int


@dataclass
class RelayReport:
    """What one pass did."""

    delivered: int = 0
    """Events every handler took."""
    failed: int = 0
    """Events a handler failed on this pass (to be retried)."""
    dead_lettered: int = 0
    """Events given up on this pass."""
    waiting: int = 0
    """Events left for later: backing off, or behind an earlier event of their aggregate."""


class Relay:
    """Drains `engine`'s outbox to the handlers registered with :meth:`on` (see the module)."""

    def __init__(self, engine: _Outbox, *, max_attempts: int = 5,
                 backoff: Sequence[float] = (1.0, 5.0, 30.0, 120.0, 600.0), batch: int = 100,
                 clock: Callable[[], float] = time.monotonic):
        if max_attempts < 1 or not backoff or batch < 1:
            raise ValueError("max_attempts and batch must be at least 1, and backoff must not be empty")
        self._engine = engine
        self._max_attempts = max_attempts
        self._backoff = list(backoff)
        self._batch = batch
        self._clock = clock
        self._handlers: Dict[str, List[Handler]] = {}
        self._attempts: Dict[int, int] = {}
        self._retry_at: Dict[int, float] = {}
        self._succeeded: Dict[int, Set[int]] = {}
        self.dead_letters: List[DeadLetter] = []
        """Events given up on, oldest first."""

    def on(self, event_type: str, handler: Optional[Handler] = None) -> Any:
        """Registers `handler` for events of `event_type` (``"*"``: every event); usable as a
        decorator (``@relay.on("order_shipped")``)."""
        def register(function: Handler) -> Handler:
            self._handlers.setdefault(event_type, []).append(function)
            return function
        return register if handler is None else register(handler)

    def run_once(self) -> RelayReport:
        """Delivers what is due among the oldest undelivered events (at most `batch`)."""
        report = RelayReport()
        now = self._clock()
        blocked: Set[str] = set()
        done: List[int] = []
        for entry in self._engine.pending_events(self._batch):
            position, event = entry["position"], entry["event"]
            aggregate = event["aggregate"]
            if aggregate in blocked or self._retry_at.get(position, now) > now:
                blocked.add(aggregate)
                report.waiting += 1
                continue
            error = self._deliver(position, event)
            if error is None:
                self._forget(position)
                done.append(position)
                report.delivered += 1
            elif self._give_up(position, event, error, now):
                done.append(position)
                report.dead_lettered += 1
            else:
                blocked.add(aggregate)
                report.failed += 1
        if done:
            self._engine.mark_delivered(done)
        return report

    def run_forever(self, stop: threading.Event, idle: float = 1.0) -> None:
        """Runs passes until `stop` is set, resting `idle` seconds after a pass that delivered
        nothing."""
        while not stop.is_set():
            report = self.run_once()
            if report.delivered == 0 and report.dead_lettered == 0:
                stop.wait(idle)

    def _deliver(self, position: int, event: Event) -> Optional[BaseException]:
        handlers = self._handlers.get(event["type"], []) + self._handlers.get("*", [])
        succeeded = self._succeeded.setdefault(position, set())
        for handler in handlers:
            if id(handler) in succeeded:
                continue
            try:
                handler(event)
            except Exception as error:  # noqa: BLE001 — a handler's failure is retried, not raised
                return error
            succeeded.add(id(handler))
        return None

    def _give_up(self, position: int, event: Event, error: BaseException, now: float) -> bool:
        attempts = self._attempts[position] = self._attempts.get(position, 0) + 1
        if attempts < self._max_attempts:
            self._retry_at[position] = now + self._backoff[min(attempts, len(self._backoff)) - 1]
            return False
        self.dead_letters.append(DeadLetter(position, event, error, attempts))
        self._forget(position)
        return True

    def _forget(self, position: int) -> None:
        for table in (self._attempts, self._retry_at, self._succeeded):
            table.pop(position, None)


def celery_handler(task: Any) -> Handler:
    """A handler that hands each event to a Celery task (``task.delay(event)``), one task per
    event, with amounts as decimal text so that any Celery serializer takes it."""
    def enqueue(event: Event) -> None:
        task.delay(_json.loads(_dumps(event, "event")))
    return enqueue
