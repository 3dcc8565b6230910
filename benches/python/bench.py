"""Prices the 20-line cart of tests/vectors/pricing/generated_usd_20_lines_order_discount.json
(10% order discount rounded once and allocated over the lines by largest remainder, 8.25% tax
per line, half-up) from Python with ordercore and with the pure-Python `prices` (Saleor's) and
`py-moneyed` packages, in one run; then the engine's full lifecycle from Python on the memory
store. Run through ./run.sh."""
from __future__ import annotations

import json
import statistics
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Callable, Dict, List

import moneyed
import prices

import ordercore

VECTOR = json.loads((Path(__file__).resolve().parents[2] / "tests/vectors/pricing/generated_usd_20_lines_order_discount.json").read_text())
EXPECTED = VECTOR["cases"][0]["expect"]
CART, CONTEXT = VECTOR["cart"], VECTOR["context"]
TEN_PERCENT, TAX_RATE, CENT = Decimal("0.10"), Decimal("0.0825"), Decimal("0.01")


def allocate(total_cents: int, weights: List[int]) -> List[int]:
    """Largest remainder, ties by position — written by hand: neither library allocates."""
    whole = sum(weights)
    shares = [total_cents * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total_cents * weights[i] % whole), i))
    for i in order[: total_cents - sum(shares)]:
        shares[i] += 1
    return shares


def with_prices() -> Dict[str, Any]:
    bases = [prices.Money(Decimal(l["unit_price"]), "USD") * l["quantity"] for l in CART["lines"]]
    subtotal = prices.sum(bases)
    discount = prices.Money((subtotal.amount * TEN_PERCENT).quantize(CENT, ROUND_HALF_UP), "USD")
    shares = allocate(int(discount.amount * 100), [int(b.amount * 100) for b in bases])
    lines, tax_total, grand_total = [], prices.Money(0, "USD"), prices.Money(0, "USD")
    for base, share in zip(bases, shares):
        net = base - prices.Money(Decimal(share) / 100, "USD")
        taxed = prices.flat_tax(prices.TaxedMoney(net, net), TAX_RATE).quantize(rounding=ROUND_HALF_UP)
        lines.append({"base": str(base.amount), "discount": str(Decimal(share) / 100), "net": str(net.amount),
                      "tax": str(taxed.tax.amount), "total": str(taxed.gross.amount)})
        tax_total, grand_total = tax_total + taxed.tax, grand_total + taxed.gross
    return {"subtotal": str(subtotal.amount), "discount_total": str(discount.amount), "tax_total": str(tax_total.amount),
            "grand_total": str(grand_total.amount), "lines": lines}


def with_moneyed() -> Dict[str, Any]:
    usd = moneyed.USD
    bases = [moneyed.Money(l["unit_price"], usd) * l["quantity"] for l in CART["lines"]]
    subtotal = sum(bases, moneyed.Money(0, usd))
    discount = moneyed.Money((subtotal.amount * TEN_PERCENT).quantize(CENT, ROUND_HALF_UP), usd)
    shares = allocate(int(discount.amount * 100), [int(b.amount * 100) for b in bases])
    lines, tax_total, grand_total = [], moneyed.Money(0, usd), moneyed.Money(0, usd)
    for base, share in zip(bases, shares):
        net = base - moneyed.Money(Decimal(share) / 100, usd)
        tax = moneyed.Money((net.amount * TAX_RATE).quantize(CENT, ROUND_HALF_UP), usd)
        lines.append({"base": str(base.amount), "discount": str(Decimal(share) / 100), "net": str(net.amount),
                      "tax": str(tax.amount), "total": str((net + tax).amount)})
        tax_total, grand_total = tax_total + tax, grand_total + net + tax
    return {"subtotal": str(subtotal.amount), "discount_total": str(discount.amount), "tax_total": str(tax_total.amount),
            "grand_total": str(grand_total.amount), "lines": lines}


PRICER = ordercore.Pricer({"config": VECTOR["cases"][0]["config"], "tax_rules": VECTOR["tax_rules"],
                           "promotions": VECTOR["promotions"]})


def with_ordercore() -> Dict[str, Any]:
    return PRICER.price(CART, CONTEXT)


CART_JSON, CONTEXT_JSON = json.dumps(CART), json.dumps(CONTEXT)


def with_ordercore_json() -> str:
    return PRICER.price_json(CART_JSON, CONTEXT_JSON)


BREAKDOWN_JSON = with_ordercore_json()


def measure(fn: Callable[[], Any], batches: int = 7, per_batch: int = 300) -> float:
    for _ in range(per_batch // 3):
        fn()
    samples = []
    for _ in range(batches):
        start = time.perf_counter()
        for _ in range(per_batch):
            fn()
        samples.append((time.perf_counter() - start) / per_batch * 1e6)
    return statistics.median(samples)


def agrees(result: Dict[str, Any]) -> str:
    totals = sum(str(result[k]) == EXPECTED[k] for k in ("subtotal", "discount_total", "tax_total", "grand_total"))
    lines = sum(str(a[k]) == e[k] for a, e in zip(result["lines"], EXPECTED["lines"]) for k in ("discount", "tax", "total"))
    return f"{totals}/4 totals, {lines}/{3 * len(EXPECTED['lines'])} line figures"


def lifecycles_per_second(count: int = 300) -> float:
    engine = ordercore.Engine({"products": [{"sku": "A", "name": "A", "unit_price": "10.00"}]})
    admin = ordercore.staff("ops")
    engine.execute(admin, {"command": "set_stock", "sku": "A", "on_hand": 10 ** 9})
    address = {"name": "Ada", "line1": "1 Main St", "city": "SF", "postal_code": "94103", "country": "US"}
    start = time.perf_counter()
    for i in range(count):
        customer = f"c{i}"
        order = engine.place_order(ordercore.customer(customer), {
            "customer_id": customer, "lines": [{"sku": "A", "quantity": 2}], "shipping_address": address,
            "payment": {"method": "card"}})
        engine.execute(admin, {"command": "ship_order", "order_id": order["id"]})
        engine.execute(admin, {"command": "deliver_order", "order_id": order["id"]})
    return count / (time.perf_counter() - start)


def with_ordercore_quote() -> Decimal:
    return PRICER.quote(CART, CONTEXT).grand_total


def with_ordercore_quote_lines() -> List[Decimal]:
    quote = PRICER.quote(CART, CONTEXT)
    return [line["total"] for line in quote["lines"]] + [quote.grand_total]


def main() -> None:
    quote_row = "ordercore `Pricer.quote` (dict in, `Quote` out), reading `grand_total`"
    prices_row = "prices 1.1 (Saleor), the arithmetic by hand"
    rows = {quote_row: with_ordercore_quote,
            "ordercore `Pricer.quote`, reading every line's `total` too": with_ordercore_quote_lines,
            "ordercore `Pricer.price` (dict in, full breakdown dict out)": with_ordercore,
            "ordercore `Pricer.price_json` (JSON text in and out)": with_ordercore_json,
            prices_row: with_prices,
            "py-moneyed 3.0, the arithmetic by hand": with_moneyed,
            f"CPython alone: `json.dumps(cart)` ({len(CART_JSON)} bytes)": lambda: json.dumps(CART),
            f"CPython alone: `json.loads(breakdown)` ({len(BREAKDOWN_JSON)} bytes)": lambda: json.loads(BREAKDOWN_JSON)}
    print(f"Pricer.quote: {agrees(dict(PRICER.quote(CART, CONTEXT)))} match the vector")
    for name, fn in list(rows.items())[2:6]:
        result = fn()
        print(f"{name}: {agrees(json.loads(result) if isinstance(result, str) else result)} match the vector")
    results: Dict[str, List[float]] = {name: [] for name in rows}
    for _ in range(3):  # interleaved rounds: the machine's noise hits every row alike
        for name, fn in rows.items():
            results[name].append(measure(fn))
    theirs = statistics.median(results[prices_row])
    print("\n| 20-line cart from Python | µs per call | `prices` is this many times slower |")
    print("|---|---:|---:|")
    for name in rows:
        us = statistics.median(results[name])
        print(f"| {name} | {us:.1f} | {theirs / us:.1f}× |")
    print(f"\nfull lifecycle (place + pay, ship, deliver) on the memory store: {lifecycles_per_second():.0f} per second")


if __name__ == "__main__":
    main()
