"""Builds the Python package's API reference with pdoc (into target/api/python) and fails on a
public name without a docstring or a warning from pdoc — other than its note that a TypedDict's
inherited key has no single origin, which is how generated TypedDicts with optional keys are made.

    .venv/bin/python tests/docs/python_api.py
"""
from __future__ import annotations

import inspect
import sys
import warnings
from pathlib import Path

import pdoc

import ordercore
import ordercore.aio
import ordercore.carriers.easypost
import ordercore.gateways.paypal
import ordercore.gateways.stripe
import ordercore.relay
import ordercore.stores.asyncpg
import ordercore.stores.sqlalchemy
import ordercore.testing
import ordercore.types

OUT = Path(__file__).resolve().parents[2] / "target" / "api" / "python"


def undocumented() -> list[str]:
    missing = []
    for module in (ordercore, ordercore.aio, ordercore.relay, ordercore.testing, ordercore.stores.sqlalchemy,
                   ordercore.stores.asyncpg, ordercore.gateways.stripe, ordercore.gateways.paypal,
                   ordercore.carriers.easypost):
        for name in module.__all__:
            value = getattr(module, name)
            if not callable(value) or isinstance(value, type(ordercore)):
                continue
            if not inspect.getdoc(value):
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(value) and not issubclass(value, BaseException):
                for member, item in vars(value).items():
                    if not member.startswith("_") and callable(item) and not inspect.getdoc(item):
                        missing.append(f"{module.__name__}.{name}.{member}")
    return missing


def main() -> None:
    missing = undocumented()
    if missing:
        sys.exit("public names without a docstring: " + ", ".join(missing))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message="Cannot determine where .* is taken from")
        pdoc.pdoc("ordercore", "ordercore.aio", "ordercore.relay", "ordercore.testing", "ordercore.stores", "ordercore.gateways",
                  "ordercore.carriers",
                  output_directory=OUT)  # `types` comes along
    print(f"python API reference: {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")


if __name__ == "__main__":
    main()
