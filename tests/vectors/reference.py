#!/usr/bin/env python3
"""Writes the generated pricing vectors, their expected values computed with Python's decimal.

An independent reference for the rules in docs/pricing.md, for the simple scenarios (one order-
or line-level percentage promotion, one tax rate per line, tax exclusive or inclusive):

- the discount is rounded once, then allocated over the lines by largest remainder in minor
  units, weighted by line subtotal, ties to the earlier line (skus here are in sorted order);
- tax per line on the discounted amount, rounded per line;
- inclusive prices: tax = gross * r / (1 + r), net = gross - tax.

    python3 tests/vectors/reference.py           # rewrite tests/vectors/pricing/generated_*.json
    python3 tests/vectors/reference.py --check   # fail if the committed files differ
"""
import json
import sys
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

MINOR = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}
MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}
OUT = Path(__file__).parent / "pricing"


def q(currency):
    return Decimal(1).scaleb(-MINOR[currency])


def rnd(x, currency, mode):
    return x.quantize(q(currency), rounding=MODES[mode])


def allocate(total, weights, currency):
    unit = q(currency)
    total_units = int(total / unit)
    w = [int(x / unit) for x in weights]
    s = sum(w)
    parts = [total_units * x // s for x in w]
    rema = [(-(total_units * x % s), i) for i, x in enumerate(w)]
    for _, i in sorted(rema)[: total_units - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) * unit for p in parts]


def price(scenario, mode):
    cur = scenario["cart"]["currency"]
    inclusive = scenario["cart"].get("prices_include_tax", False)
    rate = Decimal(scenario["tax_rules"][0]["percentage"]) if scenario["tax_rules"] else Decimal(0)
    lines = scenario["cart"]["lines"]
    bases = [Decimal(l["unit_price"]) * l["quantity"] for l in lines]
    pct = Decimal(scenario["promotions"][0]["effect"]["percentage"]) if scenario["promotions"] else Decimal(0)
    discount = rnd(sum(bases) * pct / 100, cur, mode)
    shares = allocate(discount, bases, cur) if discount else [Decimal(0)] * len(lines)
    out_lines, taxes = [], []
    for base, share in zip(bases, shares):
        remaining = base - share
        if inclusive:
            tax = rnd(remaining * rate / (100 + rate), cur, mode)
            net, total = remaining - tax, remaining
        else:
            tax = rnd(remaining * rate / 100, cur, mode)
            net, total = remaining, remaining + tax
        taxes.append(tax)
        out_lines.append({"base": fmt(base, cur), "discount": fmt(share, cur), "net": fmt(net, cur),
                          "tax": fmt(tax, cur), "total": fmt(total, cur)})
    return {
        "subtotal": fmt(sum(bases), cur),
        "discount_total": fmt(discount, cur),
        "tax_total": fmt(sum(taxes), cur),
        "grand_total": fmt(sum(Decimal(l["total"]) for l in out_lines), cur),
        "lines": out_lines,
    }


def fmt(x, cur):
    return str(x.quantize(q(cur)))


def rule(rid, country, pct):
    return {"id": rid, "name": rid, "country": country, "percentage": pct}


def order_pct(pid, pct):
    return {"id": pid, "name": f"{pct}% off", "effect": {"type": "percentage", "percentage": pct},
            "target": {"type": "order"}}


USD_20 = [("55.77", 1), ("185.73", 2), ("124.25", 2), ("49.45", 5), ("167.05", 1), ("80.13", 2),
          ("43.64", 5), ("1.20", 3), ("47.30", 4), ("177.83", 3), ("51.93", 5), ("152.85", 2),
          ("145.34", 1), ("77.48", 5), ("14.25", 5), ("64.78", 3), ("25.73", 4), ("135.32", 4),
          ("83.12", 1), ("59.23", 1)]

SCENARIOS = [
    {
        "name": "generated_usd_20_lines_order_discount",
        "description": "USD, 20 lines, 10% order discount rounded once and allocated by line "
                       "subtotal, 8.25% tax per line on the discounted amount.",
        "tax_rules": [rule("us-tx", "US", "8.25")],
        "promotions": [order_pct("ten-off", "10")],
        "cart": {"currency": "USD", "address": {"country": "US", "region": "TX"},
                 "lines": [{"sku": f"SKU-{i + 1:02}", "unit_price": p, "quantity": n}
                           for i, (p, n) in enumerate(USD_20)]},
    },
    {
        "name": "generated_jpy_zero_decimals",
        "description": "JPY (0 decimals), 15% off allocated 900/675, 10% tax; half-up and "
                       "half-even differ on the second line's 382.5.",
        "tax_rules": [rule("jp", "JP", "10")],
        "promotions": [order_pct("fifteen-off", "15")],
        "cart": {"currency": "JPY", "address": {"country": "JP"},
                 "lines": [{"sku": "A", "unit_price": "1999", "quantity": 3},
                           {"sku": "B", "unit_price": "4500", "quantity": 1}]},
    },
    {
        "name": "generated_kwd_three_decimals",
        "description": "KWD (3 decimals), 5% tax on 24.690: 1.2345 rounds to 1.235 half-up, "
                       "1.234 half-even.",
        "tax_rules": [rule("kw", "KW", "5")],
        "promotions": [],
        "cart": {"currency": "KWD", "address": {"country": "KW"},
                 "lines": [{"sku": "A", "unit_price": "12.345", "quantity": 2}]},
    },
    {
        "name": "generated_eur_tax_inclusive",
        "description": "EUR tax-inclusive, 19.99 x 3, 10% off, VAT 20% backed out of the "
                       "discounted gross: gross 53.97, tax 9.00, net 44.97.",
        "tax_rules": [rule("de-vat", "DE", "20")],
        "promotions": [order_pct("ten-off", "10")],
        "cart": {"currency": "EUR", "address": {"country": "DE"}, "prices_include_tax": True,
                 "lines": [{"sku": "A", "unit_price": "19.99", "quantity": 3}]},
    },
]


def build(scenario):
    doc = dict(scenario)
    doc["context"] = {"now": "2026-06-01T12:00:00Z"}
    doc["cases"] = [{"config": {"rounding": mode}, "expect": price(scenario, mode)}
                    for mode in ("half_up", "half_even")]
    return json.dumps(doc, indent=2) + "\n"


def main():
    check = "--check" in sys.argv
    stale = []
    for scenario in SCENARIOS:
        path = OUT / f"{scenario['name']}.json"
        text = build(scenario)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print("stale generated vectors (run python3 tests/vectors/reference.py):", *stale)
        sys.exit(1)
    print(f"{len(SCENARIOS)} generated vectors {'up to date' if check else 'written'}")


if __name__ == "__main__":
    main()
