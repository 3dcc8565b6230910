"""The 20-line lifecycle (place with capture, ship, deliver) from Python, on the fixture
`time_lifecycle fixture` prints (the engine and checkout the Rust benchmark runs): prints the
median µs per lifecycle over `rounds` batches. Run by `benches/lifecycle/run.sh`."""
import json
import statistics
import sys
import time

import ordercore

BATCH = 200


def main() -> None:
    fixture = json.load(open(sys.argv[1]))
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    engine = ordercore.Engine(fixture["config"])
    admin, customer = ordercore.staff("p"), ordercore.customer("c1")
    for sku in fixture["skus"]:
        engine.execute(admin, {"command": "set_stock", "sku": sku, "on_hand": 2**61})
    place = fixture["place"]

    def batch() -> float:
        start = time.perf_counter()
        for _ in range(BATCH):
            order = engine.place_order(customer, place)
            engine.ship_order(admin, order["id"])
            engine.deliver_order(admin, order["id"])
        return (time.perf_counter() - start) * 1e6 / BATCH

    batch()  # warm-up
    print(f"{statistics.median(batch() for _ in range(rounds)):.2f}")


main()
