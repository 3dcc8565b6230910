"""Generates the bindings' document types from the JSON Schema in docs/schema/ (written from the
Rust types by `cargo run -p ordercore-typegen -- docs/schema`):

- bindings-python/python/ordercore/types.py — TypedDicts and Literal aliases;
- bindings-node/types-header.d.ts — TypeScript interfaces and unions, after the hand-written
  declarations of bindings-node/types-manual.d.ts (host interfaces, errors).

Amounts are `Decimal` in Python answers (`AmountInput`, which also takes `int` and `str`, in what a
host sends) and decimal text in TypeScript (`AmountInput` adds exact numbers). Instants are text;
inputs also take `datetime` / `Date`. Keys a document always carries are required; keys an input
may leave out (the Rust field has a default) are not.

    python3 tools/typegen/make_types.py
"""
from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "docs" / "schema"
PYTHON_OUT = ROOT / "bindings-python" / "python" / "ordercore" / "types.py"
TS_MANUAL = ROOT / "bindings-node" / "types-manual.d.ts"
TS_OUT = ROOT / "bindings-node" / "types-header.d.ts"

# Rust names that would shadow a language's own (`Error` in TypeScript).
RENAMES = {"Error": "ErrorDocument"}

# Names kept for hosts that used them before the types were generated.
ALIASES = {"PlaceOrderInput": "PlaceOrder"}

Schema = Dict[str, Any]


def camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", text) if part)


class Model:
    """Every definition of every document, with the directions it travels in."""

    def __init__(self) -> None:
        index: Dict[str, str] = json.loads((SCHEMA / "index.json").read_text())
        self.defs: Dict[str, Schema] = {}
        self.inputs: set[str] = set()
        self.outputs: set[str] = set()
        for name, direction in index.items():
            text = (SCHEMA / f"{name}.json").read_text()
            for rust, written in RENAMES.items():
                text = text.replace(f'"#/$defs/{rust}"', f'"#/$defs/{written}"')
            schema = json.loads(text)
            name = RENAMES.get(name, name)
            for key, definition in schema.pop("$defs", {}).items():
                self.add(RENAMES.get(key, key), definition)
            for key in ("$schema", "title"):
                schema.pop(key, None)
            self.add(name, schema)
            # What a host writes (an input, a component's answer) may leave out defaulted keys and
            # give amounts as numbers; what the engine writes always has every key.
            written_by_host = direction in ("input", "host_answer")
            self.mark(name, self.inputs if written_by_host else self.outputs)

    def add(self, name: str, definition: Schema) -> None:
        known = self.defs.get(name)
        if known is not None and known != definition:
            sys.exit(f"two different Rust types are both named {name}: rename one")
        self.defs[name] = definition

    def mark(self, name: str, seen: set[str]) -> None:
        if name in seen:
            return
        seen.add(name)
        for target in re.findall(r'"#/\$defs/([^"]+)"', json.dumps(self.defs[name])):
            self.mark(target, seen)

    def input_only(self, name: str) -> bool:
        return name in self.inputs and name not in self.outputs


def tag_of(variant: Schema) -> Optional[Tuple[str, str]]:
    """The `(key, value)` a variant of an internally or adjacently tagged enum is told by."""
    for key, prop in variant.get("properties", {}).items():
        if "const" in prop and key in variant.get("required", []):
            return key, prop["const"]
    return None


def described_tag(variant: Schema, key: str, value: str, union: str) -> Schema:
    """The variant with its tag (and an adjacently tagged variant's content) described."""
    properties = dict(variant.get("properties", {}))
    properties[key] = {"description": f"Which {union} this is.", **properties[key]}
    if set(properties) == {key, "value"}:
        properties["value"] = {"description": f"What the `{value}` {union} carries.", **properties["value"]}
    return {**variant, "properties": properties}


def is_string_enum(schema: Schema) -> bool:
    if "enum" in schema:
        return all(isinstance(v, str) for v in schema["enum"])
    variants = schema.get("oneOf")
    return bool(variants) and all("const" in v and v.get("type") == "string" for v in variants)


def string_values(schema: Schema) -> List[str]:
    return list(schema["enum"]) if "enum" in schema else [v["const"] for v in schema["oneOf"]]


def nullable(schema: Schema) -> Tuple[Schema, bool]:
    """The schema without its `null` alternative, and whether it had one."""
    kinds = schema.get("type")
    if isinstance(kinds, list) and "null" in kinds:
        rest = [k for k in kinds if k != "null"]
        return {**schema, "type": rest[0] if len(rest) == 1 else rest}, True
    options = schema.get("anyOf")
    if options and any(o.get("type") == "null" for o in options):
        rest = [o for o in options if o.get("type") != "null"]
        return (rest[0] if len(rest) == 1 else {"anyOf": rest}), True
    return schema, False


class Language:
    """What differs between Python and TypeScript: how each form is written."""

    def __init__(self, model: Model):
        self.model = model
        self.out: List[str] = []
        self.done: set[str] = set()

    # --- shared walk -------------------------------------------------------------------
    def type_of(self, schema: Any, owner: str, is_input: bool) -> str:
        if schema is True or schema == {}:
            return self.any()
        schema, null = nullable(schema)
        written = self.plain_type(schema, owner, is_input)
        return self.optional(written) if null else written

    def plain_type(self, schema: Schema, owner: str, is_input: bool) -> str:
        if "$ref" in schema and len(schema.get("properties", {})) == 0:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name == "Decimal":
                return "AmountInput" if is_input else "Amount"
            return name
        if "const" in schema:
            return self.literal([schema["const"]])
        if is_string_enum(schema):
            return self.literal(string_values(schema))
        if "anyOf" in schema or "oneOf" in schema:
            return self.union([self.type_of(s, owner, is_input) for s in schema.get("anyOf") or schema["oneOf"]])
        kind = schema.get("type")
        if kind == "string":
            if schema.get("format") == "date-time":
                return "InstantInput" if is_input else "Instant"
            return self.string()
        if kind == "integer":
            return self.integer()
        if kind == "number":
            return self.number()
        if kind == "boolean":
            return self.boolean()
        if kind == "array":
            if "prefixItems" in schema:
                return self.tuple([self.type_of(s, owner, is_input) for s in schema["prefixItems"]])
            return self.array(self.type_of(schema.get("items", {}), owner, is_input))
        if kind == "object":
            if schema.get("properties"):
                sys.exit(f"an inline object in {owner}: give it a named Rust type")
            extra = schema.get("additionalProperties", True)
            return self.mapping(self.type_of(extra, owner, is_input))
        if kind == "null":
            return self.null()
        sys.exit(f"no type for {json.dumps(schema)[:200]} in {owner}")

    def emit(self, name: str) -> None:
        if name in self.done or name == "Decimal":
            return
        self.done.add(name)
        schema = self.model.defs[name]
        is_input = self.model.input_only(name)
        # What the engine writes always has every key; an input may leave out defaulted keys.
        keep_required = name in self.model.inputs
        for target in re.findall(r'"#/\$defs/([^"]+)"', json.dumps(schema)):
            if self.needs_first(target):
                self.emit(target)
        variants = schema.get("oneOf")
        if schema.get("type") == "object" and "properties" in schema:
            self.record(name, schema, is_input, keep_required)
        elif variants and not is_string_enum(schema) and all(tag_of(v) for v in variants):
            names = []
            for variant in variants:
                key, value = tag_of(variant)  # type: ignore[misc]
                names.append(camel(value) + name)
                variant = described_tag(variant, key, value, name)
                self.record(names[-1], variant, is_input, keep_required, base=self.base_of(variant))
            self.alias(name, schema, self.union(names))
        else:
            self.alias(name, schema, self.type_of(schema, name, is_input))

    def base_of(self, variant: Schema) -> Optional[str]:
        ref = variant.get("$ref")
        return ref.rsplit("/", 1)[1] if ref else None

    def fields(self, schema: Schema, owner: str, is_input: bool, keep_required: bool) -> List[Tuple[str, str, bool, str]]:
        required = set(schema.get("required", [])) if keep_required else set(schema.get("properties", {}))
        return [(key, self.type_of(prop, owner, is_input), key in required, prop.get("description", ""))
                for key, prop in schema.get("properties", {}).items()]


class Python(Language):
    def any(self) -> str: return "Any"
    def optional(self, t: str) -> str: return f"Optional[{t}]"
    def literal(self, values: List[Any]) -> str: return "Literal[" + ", ".join(json.dumps(v) for v in values) + "]"
    def union(self, ts: List[str]) -> str: return ts[0] if len(ts) == 1 else "Union[" + ", ".join(ts) + "]"
    def string(self) -> str: return "str"
    def integer(self) -> str: return "int"
    def number(self) -> str: return "float"
    def boolean(self) -> str: return "bool"
    def null(self) -> str: return "None"
    def tuple(self, ts: List[str]) -> str: return "Tuple[" + ", ".join(ts) + "]"
    def array(self, t: str) -> str: return f"List[{t}]"
    def mapping(self, t: str) -> str: return f"Dict[str, {t}]"

    def needs_first(self, target: str) -> bool:
        # Aliases are evaluated at import, and class bases must exist: both come first.
        return True

    def docstring(self, text: str, indent: str) -> List[str]:
        text = text.strip().replace("\\", "\\\\").replace('"""', "'''")
        if not text:
            return []
        lines = text.split("\n")
        if len(lines) == 1:
            return [f'{indent}"""{lines[0]}"""']
        return [f'{indent}"""{lines[0]}'] + [f"{indent}{line}" if line else "" for line in lines[1:]] + [f'{indent}"""']

    def record(self, name: str, schema: Schema, is_input: bool, keep_required: bool, base: Optional[str] = None) -> None:
        fields = self.fields(schema, name, is_input, keep_required)
        if base:
            # The variant's own keys (its tag) on top of the struct it wraps.
            fields = [f for f in fields if f[0] in schema.get("properties", {})]
        required = [f for f in fields if f[2]]
        optional = [f for f in fields if not f[2]]
        doc = schema.get("description", "")
        parent = base or "TypedDict"
        if required and optional:
            self.class_(f"_{name}Required", parent, required, "", total=True)
            self.class_(name, f"_{name}Required", optional, doc, total=False)
        else:
            self.class_(name, parent, fields, doc, total=bool(required) or not fields)

    def class_(self, name: str, parent: str, fields: List[Tuple[str, str, bool, str]], doc: str, total: bool) -> None:
        keys_are_names = all(k.isidentifier() and not keyword.iskeyword(k) for k, *_ in fields)
        if not keys_are_names:
            # A key that is a Python keyword (`from`) needs the functional form, its types quoted.
            if parent != "TypedDict":
                sys.exit(f"{name}: a keyword key in a derived TypedDict")
            self.out += [f"# {line}" for line in doc.strip().split("\n") if doc.strip()]
            body = ", ".join(f"{json.dumps(k)}: {json.dumps(t)}" for k, t, *_ in fields)
            self.out += [f'{name} = TypedDict("{name}", {{{body}}}{"" if total else ", total=False"})', "", ""]
            return
        self.out.append(f"class {name}({parent}{'' if total else ', total=False'}):")
        self.out += self.docstring(doc, "    ")
        for key, written, _, _ in fields:
            self.out.append(f"    {key}: {written}")
        if not fields and not doc.strip():
            self.out.append("    pass")
        self.out += ["", ""]

    def alias(self, name: str, schema: Schema, written: str) -> None:
        self.out += [f"# {line}".rstrip() for line in schema.get("description", "").strip().split("\n") if schema.get("description")]
        self.out += [f"{name} = {written}", "", ""]

    def reader(self, name: str) -> None:
        """`{name}Fields`: a read-only `Mapping` whose `[key]` has the type of `name`'s key — the
        typing of views that convert a document as it is read (`ordercore.OrderView`)."""
        fields = self.fields(self.model.defs[name], name, False, False)
        self.out += [f"class {name}Fields(Mapping[str, Any]):",
                     f'    """The keys of :class:`{name}` with their types, read from a view that converts on read."""',
                     "", "    if TYPE_CHECKING:"]
        for key, written, _, _ in fields:
            self.out += ["        @overload", f"        def __getitem__(self, key: Literal[{json.dumps(key)}]) -> {written}: ...", ""]
        self.out += ["        @overload", "        def __getitem__(self, key: str) -> Any: ...", "",
                     "        def __getitem__(self, key: str) -> Any: ...", "", ""]

    def render(self) -> str:
        for name in sorted(self.model.defs):
            self.emit(name)
        self.reader("Order")
        head = '''"""TypedDicts of ordercore's documents, generated from the Rust types (docs/schema/) by
tools/typegen/make_types.py: do not edit. What goes in (commands, carts, configuration), what
comes out (orders, breakdowns, events, errors), and what host components are asked and answer
(the store protocol, gateways). Keys are the core's own; amounts are ``Decimal`` in answers and
``AmountInput`` (``Decimal``, ``int`` or ``str``) in inputs; instants are RFC 3339 text.
"""
from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Mapping, Optional, Tuple, TypedDict, Union, overload

Amount = Decimal
AmountInput = Union[Decimal, int, str]
Instant = str
InstantInput = Union[str, datetime.datetime]


'''
        tail = "".join(f"{alias} = {target}\n" for alias, target in ALIASES.items())
        return head + "\n".join(self.out).rstrip() + "\n\n\n# Kept for hosts that used these names.\n" + tail


class TypeScript(Language):
    def any(self) -> str: return "unknown"
    def optional(self, t: str) -> str: return f"{t} | null"
    def literal(self, values: List[Any]) -> str: return " | ".join("'" + str(v) + "'" if isinstance(v, str) else json.dumps(v) for v in values)
    def union(self, ts: List[str]) -> str: return " | ".join(f"({t})" if "|" in t and "=>" not in t else t for t in ts)
    def string(self) -> str: return "string"
    def integer(self) -> str: return "number"
    def number(self) -> str: return "number"
    def boolean(self) -> str: return "boolean"
    def null(self) -> str: return "null"
    def tuple(self, ts: List[str]) -> str: return "[" + ", ".join(ts) + "]"
    def array(self, t: str) -> str: return f"Array<{t}>"
    def mapping(self, t: str) -> str: return f"Record<string, {t}>"

    def needs_first(self, target: str) -> bool:
        return False

    def comment(self, text: str, indent: str) -> List[str]:
        text = text.strip().replace("*/", "* /")
        if not text:
            return []
        lines = text.split("\n")
        if len(lines) == 1:
            return [f"{indent}/** {lines[0]} */"]
        return [f"{indent}/** {lines[0]}"] + [f"{indent} * {line}".rstrip() for line in lines[1:]] + [f"{indent} */"]

    def record(self, name: str, schema: Schema, is_input: bool, keep_required: bool, base: Optional[str] = None) -> None:
        fields = self.fields(schema, name, is_input, keep_required)
        if base:
            fields = [f for f in fields if f[0] in schema.get("properties", {})]
        self.out += self.comment(schema.get("description", ""), "")
        extends = f" extends {base}" if base else ""
        self.out.append(f"export interface {name}{extends} {{")
        for key, written, required, doc in fields:
            self.out += self.comment(doc, "  ")
            key_text = key if re.match(r"^[A-Za-z_$][\w$]*$", key) else json.dumps(key)
            self.out.append(f"  {key_text}{'' if required else '?'}: {written}")
        self.out += ["}", ""]

    def alias(self, name: str, schema: Schema, written: str) -> None:
        self.out += self.comment(schema.get("description", ""), "")
        self.out += [f"export type {name} = {written}", ""]

    def render(self) -> str:
        for name in sorted(self.model.defs):
            self.emit(name)
        for alias, target in ALIASES.items():
            self.out += [f"/** Kept for hosts that used this name. */", f"export type {alias} = {target}", ""]
        manual = TS_MANUAL.read_text()
        head = '''
/* The document types below are generated from the Rust types (docs/schema/) by
 * tools/typegen/make_types.py: do not edit them here. Amounts are decimal text (`Amount`); an
 * input also takes an exact number (`AmountInput`); instants are RFC 3339 text, and `Date` in
 * inputs. */

/** A decimal amount as text (`"19.99"`). */
export type Amount = string
/** An amount given as input: decimal text, or a number that converts exactly. */
export type AmountInput = string | number
/** An RFC 3339 instant (`"2026-06-01T12:00:00Z"`). */
export type Instant = string
/** An instant given as input. */
export type InstantInput = string | Date

'''
        return manual.rstrip() + "\n" + head + "\n".join(self.out).rstrip() + "\n"


def main() -> None:
    model = Model()
    PYTHON_OUT.write_text(Python(model).render())
    TS_OUT.write_text(TypeScript(model).render())
    print(f"{len(model.defs)} documents: {PYTHON_OUT.relative_to(ROOT)}, {TS_OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
