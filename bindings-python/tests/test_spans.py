"""OpenTelemetry spans around engine calls when the host has OpenTelemetry: one span per command
or query, named after it, with the correlation id and the outcome (a refusal's code, and the
span's status an error)."""
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

import ordercore

CONFIG = {"clock": "2026-06-01T12:00:00Z", "products": [{"sku": "A", "unit_price": "10.00"}]}
ADDRESS = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
EXPORTER = InMemorySpanExporter()
#: Made as the tests are collected, before any test sets a tracer provider.
MADE_BEFORE_THE_PROVIDER = ordercore.Engine(CONFIG)


@pytest.fixture(scope="module", autouse=True)
def provider() -> None:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(tracer_provider)  # once per process, as OpenTelemetry allows


def test_each_engine_call_is_a_span_inside_the_hosts_own() -> None:
    engine = ordercore.Engine(CONFIG)
    EXPORTER.clear()
    tracer = trace.get_tracer("shop")
    with tracer.start_as_current_span("POST /orders"), ordercore.correlated("req-42"):
        engine.execute(ordercore.staff("ops"), {"command": "set_stock", "sku": "A", "on_hand": 5})
        order = engine.place_order(ordercore.customer("c1"), {"customer_id": "c1", "shipping_address": ADDRESS,
                                                               "lines": [{"sku": "A", "quantity": 1}]})
        with pytest.raises(ordercore.NotFound):
            engine.get_order(ordercore.customer("c2"), order["id"])
        engine.query_json(ordercore.staff("ops"), {"query": "get_order", "order_id": order["id"]})
    spans = {span.name: span for span in EXPORTER.get_finished_spans()}
    assert set(spans) == {"POST /orders", "ordercore.command set_stock", "ordercore.command place_order",
                          "ordercore.query get_order"}
    placing = spans["ordercore.command place_order"]
    assert placing.parent is not None and placing.parent.span_id == spans["POST /orders"].context.span_id
    assert dict(placing.attributes or {}) == {"ordercore.kind": "command", "ordercore.name": "place_order",
                                              "ordercore.correlation_id": "req-42", "ordercore.outcome": "ok"}
    refused = [s for s in EXPORTER.get_finished_spans() if s.name == "ordercore.query get_order"]
    outcomes = sorted((s.attributes or {})["ordercore.outcome"] for s in refused)
    assert outcomes == ["not_found", "ok"]
    assert {s.status.status_code for s in refused} == {StatusCode.ERROR, StatusCode.UNSET}


def test_an_engine_made_before_the_provider_was_set_makes_no_spans() -> None:
    engine = MADE_BEFORE_THE_PROVIDER
    EXPORTER.clear()
    engine.execute(ordercore.staff("ops"), {"command": "set_stock", "sku": "A", "on_hand": 5})
    engine.query(ordercore.staff("ops"), {"query": "stock_levels", "sku": "A"})
    assert EXPORTER.get_finished_spans() == ()
    assert "execute" not in vars(engine)  # its methods are the class's, nothing on their path
