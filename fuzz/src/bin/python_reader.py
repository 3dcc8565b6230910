"""Builds the Python objects the `python_reader` fuzz target hands to the native reader.

An input is one flag byte and then JSON text (lone surrogates allowed). The JSON gives the
shape; the flags and a few string tokens turn it into what a careless or hostile caller passes:
subclasses, tuples, mappings that are not dicts, cycles, deep nesting, floats, Decimal
subclasses whose ``__str__`` raises or changes the dict being read, datetimes, bytes, objects.
"""
import collections.abc
import datetime
import json
from decimal import Decimal


class Hostile(Exception):
    """Raised by the hostile objects' own methods: passed on unchanged is the right answer."""


class StrSub(str):
    pass


class IntSub(int):
    pass


class DictSub(dict):
    def items(self):  # the reader must not call overridden methods of a dict
        raise Hostile("items")


class ListSub(list):
    pass


class Lookalike(collections.abc.Mapping):
    """A mapping that is not a dict: read through the package's hook (`dict(value)`)."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


class RaisingDecimal(Decimal):
    def __str__(self):
        raise Hostile("str")


class Mutator(Decimal):
    """Empties every dict it was put in when it is read (the reader holds their items)."""

    owners = []

    def __str__(self):
        for owner in Mutator.owners:
            owner.clear()
        return "1.00"


class Odd:
    pass


TOKENS = {
    "@dt": lambda: datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.timezone.utc),
    "@naive": lambda: datetime.datetime(2026, 6, 1, 12),
    "@obj": Odd,
    "@bytes": lambda: b"\xff\x00",
    "@nan": lambda: float("nan"),
    "@inf": lambda: Decimal("Infinity"),
    "@snan": lambda: Decimal("sNaN"),
    "@big": lambda: 2**200,
    "@neg": lambda: -(2**70),
    "@raise": lambda: RaisingDecimal("1"),
    "@mutate": lambda: Mutator("1"),
    "@true": lambda: True,
    "@set": lambda: {1, 2},
    "@none": lambda: None,
}


# Keys a JSON object cannot have.
KEYS = {"@intkey": 7, "@tuplekey": (1, 2), "@nonekey": None}


def default(value):
    """The package's JSON hook (`ordercore._json_default`)."""
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, collections.abc.Mapping):
        return dict(value)
    raise ValueError(value)


def convert(value, flags, state):
    if isinstance(value, dict):
        items = {KEYS.get(k, k): convert(v, flags, state) for k, v in value.items()}
        if isinstance(items.get("mutate"), Mutator):
            Mutator.owners.append(items)
        if flags & 4:
            return DictSub(items)
        if flags & 8:
            return Lookalike(items)
        if flags & 16 and not state["cycled"]:
            state["cycled"] = True
            items["self"] = items
        return items
    if isinstance(value, list):
        items = [convert(v, flags, state) for v in value]
        if flags & 2:
            return tuple(items)
        if flags & 4:
            return ListSub(items)
        if flags & 16 and not state["cycled"]:
            state["cycled"] = True
            items.append(items)
        return items
    if isinstance(value, str):
        if value in TOKENS:
            return TOKENS[value]()
        return StrSub(value) if flags & 4 else value
    if isinstance(value, int) and not isinstance(value, bool) and flags & 4:
        return IntSub(value)
    return value


def build(data):
    """(cart, context) from the fuzzer's bytes, or None for bytes that are not JSON."""
    flags = data[0] if data else 0
    try:
        text = data[1:].decode("utf-8", "surrogatepass")
        root = json.loads(text, parse_float=float if flags & 1 else Decimal)
    except (ValueError, RecursionError, ArithmeticError):
        return None  # not JSON, or a number Decimal cannot hold (the reader never sees it)
    Mutator.owners = []
    root = convert(root, flags, {"cycled": False})
    if flags & 32:
        for _ in range(5000):
            root = {"lines": [root]}
    if isinstance(root, dict) and "cart" in root:
        return root["cart"], root.get("context")
    return root, None
