"""The shared engine scenarios (``tests/vectors/engine``, format in ``tests/vectors/README.md``)
replayed through the Python package: the same files the Rust, Node and C suites replay."""
import glob
import json
import os
from decimal import Decimal, InvalidOperation
from typing import Any, Dict

import pytest

import ordercore

SCENARIOS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "tests", "vectors", "engine", "*.json")))
ADMIN = {"type": "staff", "id": "ops", "role": "admin"}


def substitute(value: Any, saved: Dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$") and value[1:] in saved:
        return saved[value[1:]]
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    return value


def decimal(value: Any) -> Any:
    try:
        return Decimal(value) if isinstance(value, (str, Decimal)) else None
    except InvalidOperation:
        return None


def contains(expected: Any, actual: Any, path: str = "$") -> None:
    """``actual`` contains ``expected``: objects by their keys, arrays element by element,
    amounts by decimal value."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for key, value in expected.items():
            contains(value, actual.get(key), f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: expected {expected!r}, got {actual!r}"
        for i, (want, have) in enumerate(zip(expected, actual)):
            contains(want, have, f"{path}[{i}]")
    elif expected != actual:
        want, have = decimal(expected), decimal(actual)
        assert want is not None and want == have, f"{path}: expected {expected!r}, got {actual!r}"


def pointer(value: Any, path: str) -> Any:
    for part in path.split("/")[1:]:
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def run(engine: ordercore.Engine, step: Dict[str, Any], saved: Dict[str, Any]) -> None:
    if "clock" in step:
        engine.set_clock(step["clock"])
    actor = substitute(step.get("actor", ADMIN), saved)
    expect = step.get("expect")
    try:
        if "command" in step:
            value = engine.execute(actor, substitute(step["command"], saved), step.get("key"))["value"]
        elif "query" in step:
            value = engine.query(actor, substitute(step["query"], saved))["value"]
        elif "price" in step:
            price = substitute(step["price"], saved)
            value = engine.price(price["cart"], price.get("context"))
        elif "webhook" in step:
            hook = step["webhook"]
            value = engine.verify_webhook(hook["secret"], hook["payload"], hook["timestamp"], hook["signature"])
        elif step.get("tick"):
            value = engine.tick(actor)
        else:
            return
    except ordercore.OrderCoreError as error:
        assert expect and "error" in expect, f"unexpected {error.details}"
        assert type(error) is ordercore.ERROR_CLASSES[error.code], f"{error.code} raised as {type(error).__name__}"
        want = {**expect["error"].get("details", {}), "code": expect["error"]["code"]}
        if "field" in expect["error"]:
            want["field"] = expect["error"]["field"]
        contains(want, error.details, "error")
        return
    assert not (expect and "error" in expect), f"expected {expect['error']['code']}, got {value!r}"[:400]
    if expect:
        contains(substitute(expect["ok"], saved), value)
    for name, path in step.get("save", {}).items():
        saved[name] = pointer(value, path)


@pytest.mark.parametrize("path", SCENARIOS, ids=[os.path.basename(p)[:-5] for p in SCENARIOS])
def test_engine_scenario(path: str) -> None:
    scenario = json.load(open(path))
    if "build_error" in scenario:
        with pytest.raises(ordercore.OrderCoreError) as raised:
            ordercore.Engine(scenario["engine"])
        want = {**scenario["build_error"].get("details", {}), "code": scenario["build_error"]["code"]}
        if "field" in scenario["build_error"]:
            want["field"] = scenario["build_error"]["field"]
        contains(want, raised.value.details, "error")
        return
    engine = ordercore.Engine(scenario["engine"])
    saved: Dict[str, Any] = {}
    for i, step in enumerate(scenario["steps"]):
        try:
            run(engine, step, saved)
        except AssertionError as failure:
            raise AssertionError(f"step {i}: {failure}") from None


def test_the_scenarios_raise_every_error_code() -> None:
    """Each code of the core is expected somewhere in the corpus (and raised there, above)."""
    raised = set()
    for path in SCENARIOS:
        scenario = json.load(open(path))
        raised.update([scenario["build_error"]["code"]] if "build_error" in scenario else [])
        raised.update(step["expect"]["error"]["code"] for step in scenario.get("steps", [])
                      if "error" in step.get("expect", {}))
    assert raised == set(ordercore.ERROR_CLASSES)
