#!/usr/bin/env python3
"""Writes every case of the shared pricing vectors as one self-contained request file
(`{vector}-{case}.json`: config, tax_rules, promotions, context, cart, and its `expect` or
`expect_error`), for suites in languages without a JSON library at hand (the C suite).

    python3 tests/vectors/split_cases.py OUT_DIR
"""
import json
import sys
from pathlib import Path

VECTORS = Path(__file__).resolve().parent / "pricing"


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(VECTORS.glob("*.json")):
        vector = json.loads(path.read_text())
        for i, case in enumerate(vector["cases"]):
            request = {key: case.get(key, vector.get(key)) for key in ("tax_rules", "promotions", "context", "cart")}
            request["config"] = case.get("config", {})
            for key in ("expect", "expect_error"):
                if key in case:
                    request[key] = case[key]
            (out / f"{path.stem}-{i}.json").write_text(json.dumps(request))
            count += 1
    print(f"{count} vector cases written to {out}")


if __name__ == "__main__":
    main()
