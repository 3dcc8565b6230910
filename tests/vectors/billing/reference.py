#!/usr/bin/env python3
"""Writes the billing vectors, their expected values computed independently with Python's
`calendar`, `datetime` and `decimal` — the rules of docs/billing.md:

- anniversary periods: boundary k = the anchor plus k intervals, months added to the anchor's
  year and month, the day clamped to the month's length, the anchor's time of day kept;
- calendar periods: from the first calendar boundary at or after the start (midnight, Monday,
  the 1st, January 1st), with period 0 from the start to it when the start is not a boundary;
- proration by seconds: net = (new - old) * remaining / whole, rounded once; credit =
  -(old * remaining / whole), rounded; charge = net - credit.

    python3 tests/vectors/billing/reference.py           # rewrite tests/vectors/billing/*.json
    python3 tests/vectors/billing/reference.py --check   # fail if the committed files differ
"""
import calendar
import json
import sys
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

OUT = Path(__file__).parent
MINOR = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}
MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


def parse(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def show(at):
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def add_months(anchor, months):
    year, month = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    day = min(anchor.day, calendar.monthrange(year, month + 1)[1])
    return anchor.replace(year=year, month=month + 1, day=day)


def after(anchor, unit, count, k):
    if unit == "day":
        return anchor + timedelta(days=count * k)
    if unit == "week":
        return anchor + timedelta(weeks=count * k)
    return add_months(anchor, count * k * (12 if unit == "year" else 1))


def boundary(start, unit):
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    first = {
        "day": midnight,
        "week": midnight - timedelta(days=midnight.weekday()),
        "month": midnight.replace(day=1),
        "year": midnight.replace(month=1, day=1),
    }[unit]
    return start if first == start else after(first, unit, 1, 1)


def period(schedule, index):
    start, unit, count = parse(schedule["start"]), schedule["unit"], schedule["count"]
    anchor, shortened = start, False
    if schedule["mode"] == "calendar":
        anchor = boundary(start, unit)
        shortened = anchor != start
    if shortened and index == 0:
        whole_start = after(anchor, unit, count, -1)
        return start, anchor, int((anchor - whole_start).total_seconds())
    k = index - 1 if shortened else index
    begin, end = after(anchor, unit, count, k), after(anchor, unit, count, k + 1)
    return begin, end, int((end - begin).total_seconds())


SCHEDULES = [
    {"name": "monthly from Jan 31 (leap year)", "start": "2024-01-31T10:30:00Z", "unit": "month", "count": 1, "mode": "anniversary"},
    {"name": "monthly from Jan 31 (common year)", "start": "2023-01-31T00:00:00Z", "unit": "month", "count": 1, "mode": "anniversary"},
    {"name": "monthly from the 30th", "start": "2025-01-30T08:00:00Z", "unit": "month", "count": 1, "mode": "anniversary"},
    {"name": "monthly from the 29th", "start": "2023-12-29T23:59:59Z", "unit": "month", "count": 1, "mode": "anniversary"},
    {"name": "quarterly from Nov 30", "start": "2025-11-30T12:00:00Z", "unit": "month", "count": 3, "mode": "anniversary"},
    {"name": "yearly from Feb 29", "start": "2024-02-29T06:00:00Z", "unit": "year", "count": 1, "mode": "anniversary"},
    {"name": "every 2 weeks", "start": "2026-03-04T15:00:00Z", "unit": "week", "count": 2, "mode": "anniversary"},
    {"name": "daily", "start": "2026-12-31T23:00:00Z", "unit": "day", "count": 1, "mode": "anniversary"},
    {"name": "calendar monthly from mid-month", "start": "2026-02-14T09:00:00Z", "unit": "month", "count": 1, "mode": "calendar"},
    {"name": "calendar monthly from the 1st", "start": "2026-03-01T00:00:00Z", "unit": "month", "count": 1, "mode": "calendar"},
    {"name": "calendar yearly", "start": "2027-07-01T00:00:00Z", "unit": "year", "count": 1, "mode": "calendar"},
    {"name": "calendar weekly from a Thursday", "start": "2026-12-03T18:00:00Z", "unit": "week", "count": 1, "mode": "calendar"},
]

# (schedule, period index, instant as seconds into the period, old, new, currency, mode)
PRORATIONS = [
    ("monthly from Jan 31 (leap year)", 1, 86_400 * 10, "30.00", "90.00", "USD", "half_up"),
    ("monthly from Jan 31 (leap year)", 1, 86_400 * 10, "90.00", "30.00", "USD", "half_up"),
    ("monthly from Jan 31 (common year)", 1, 1, "10.00", "20.00", "USD", "half_up"),
    ("monthly from the 30th", 0, 7 * 86_400 + 3_600, "19.99", "49.99", "EUR", "half_even"),
    ("quarterly from Nov 30", 0, 40 * 86_400, "300.000", "150.000", "KWD", "half_up"),
    ("yearly from Feb 29", 0, 100 * 86_400, "1200", "1800", "JPY", "half_up"),
    ("every 2 weeks", 3, 5 * 86_400 + 1, "14.00", "0.00", "USD", "half_up"),
    ("calendar monthly from mid-month", 0, 3 * 86_400, "28.00", "56.00", "USD", "half_up"),
    ("calendar monthly from mid-month", 2, 15 * 86_400, "31.00", "62.00", "USD", "half_even"),
    ("daily", 4, 43_200, "1.00", "2.00", "USD", "half_even"),
]


def prorate(schedule, index, offset, old, new, currency, mode):
    start, end, whole = period(schedule, index)
    at = start + timedelta(seconds=offset)
    remaining = int((end - at).total_seconds())
    unit = Decimal(1).scaleb(-MINOR[currency])

    def share(amount):
        return (Decimal(amount) * remaining / whole).quantize(unit, rounding=MODES[mode])

    # Decimal divides to 28 significant digits before quantizing: a quotient exactly on a half
    # terminates well within them, so the one rounding that matters is the quantize.
    net = ((Decimal(new) - Decimal(old)) * remaining / whole).quantize(unit, rounding=MODES[mode])
    credit = -share(old)
    return show(at), {"credit": str(credit), "charge": str(net - credit), "net": str(net),
                      "remaining_seconds": remaining, "period_seconds": whole}


def build():
    by_name = {s["name"]: s for s in SCHEDULES}
    periods = []
    for schedule in SCHEDULES:
        rows = []
        for index in range(14):
            start, end, whole = period(schedule, index)
            rows.append({"index": index, "start": show(start), "end": show(end), "full_seconds": whole})
        periods.append({**schedule, "periods": rows})
    prorations = []
    for name, index, offset, old, new, currency, mode in PRORATIONS:
        at, expected = prorate(by_name[name], index, offset, old, new, currency, mode)
        schedule = {k: v for k, v in by_name[name].items() if k != "name"}
        prorations.append({"name": f"{name}: {old} → {new} {currency}, period {index}", "schedule": schedule,
                           "period": index, "at": at, "old": old, "new": new, "currency": currency,
                           "rounding": mode, "expected": expected})
    return {"periods.json": periods, "prorations.json": prorations}


def main():
    check = "--check" in sys.argv
    stale = []
    for name, content in build().items():
        text = json.dumps(content, indent=2, ensure_ascii=False) + "\n"
        path = OUT / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        sys.exit(f"tests/vectors/billing: {', '.join(stale)} differ from reference.py: run it and commit")


if __name__ == "__main__":
    main()
