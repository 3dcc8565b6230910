#!/usr/bin/env bash
# The order services under load (wrk, from Debian): release builds of the packages; the FastAPI
# service started as serve.sh starts it on a fresh SQLite file (WORKERS_SQLITE, default 1
# process) and on a throwaway PostgreSQL (WORKERS_POSTGRES, default 2); the Node service (one
# process) on its in-memory store and on the PostgreSQL. Each run DURATION seconds (default 10):
# checkouts of one hot sku by 1 and by 50 clients (200 shoppers), checkouts spread over 1,000
# skus by 50 clients, get-order and a 100-order page of the order list by 50 clients (on SQLite
# with the store written in Rust; "fastapi-sqlalchemy" runs the same on SQLAlchemy's). Prints a
# table of req/s, p50/p95/p99 (ms) and errors (non-2xx answers and socket errors; a real
# stock-out would be a 409, but every sku has a billion units). ONLY picks some of the runs
# (default: "fastapi-sqlite node-memory fastapi-postgres node-postgres routes"); ROUNDS repeats
# the hot-sku pair (1 client, then 50) that many times in a row (default 1), since a ratio read
# from one pair on a shared machine can swing.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
here=benches/http
work=target/http
mkdir -p "$work"
command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check "maturin>=1.9,<2" -r examples/fastapi-service/requirements.txt
VIRTUAL_ENV="$root/.venv" PATH="$root/.venv/bin:$PATH" .venv/bin/maturin develop -q --release -m bindings-python/Cargo.toml
(cd bindings-node && (npm ci --silent --ignore-scripts >/dev/null 2>&1 || npm install --silent >/dev/null) && npx napi build --platform --release >/dev/null)
(cd examples/node-service && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null)
python3 - "$work/shop.json" <<'PY'
import json, sys
products = [{"sku": "mug", "name": "Mug", "unit_price": "12.50", "weight": "0.4"}]
products += [{"sku": f"SKU-{i:04}", "name": f"Item {i}", "unit_price": "10.00", "weight": "0.2"} for i in range(1000)]
shop = {"engine": {"currency": "USD"}, "products": products,
        "tax_rules": [{"id": "us-ca", "name": "CA sales tax", "country": "US", "region": "CA", "percentage": "7.25"}]}
json.dump(shop, open(sys.argv[1], "w"))
PY
source scripts/postgres.sh
port=8011
server=
stop_server() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=; fi; }
trap 'stop_server; pg_stop' EXIT
duration=${DURATION:-10}

run() { # name, connections, the environment of load.lua…
  local name=$1 connections=$2; shift 2
  local line
  local threads=$(( connections < 2 ? 1 : 2 ))
  line=$(env "$@" wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 30s -s "$here/load.lua" "http://127.0.0.1:$port" | tail -1)
  python3 -c 'import json, sys; r = json.loads(sys.argv[4]); print("| %s | %s | %s | %.0f | %.1f | %.1f | %.1f | %d of %d |" % (sys.argv[1], sys.argv[2], sys.argv[3], r["rps"], r["p50"], r["p95"], r["p99"], r["errors"], r["requests"]))' \
    "$service" "$database" "$name" "$line"
}

start_fastapi() { # database url
  local workers=${WORKERS_SQLITE:-1}
  [ "$1" = sqlite ] || workers=${WORKERS_POSTGRES:-2}
  DATABASE_URL="$2" SHOP_FILE="$root/$work/shop.json" .venv/bin/python -m uvicorn orderservice.app:app \
    --app-dir examples/fastapi-service --host 127.0.0.1 --port "$port" --workers "$workers" --log-level warning &
  server=$!
}

start_node() { # database url ("" for the in-memory store)
  (cd examples/node-service && DATABASE_URL="$2" SHOP_FILE="$root/$work/shop.json" PORT="$port" exec node server.js) >/dev/null &
  server=$!
}

measure() { # service database url [label]
  service=$1 database=$2
  "start_$service" "$database" "$3"
  service=${4:-$service}
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  local env_file="$work/env" identity=bearer
  [ "$service" = node ] && identity=headers
  .venv/bin/python "$here/seed.py" "http://127.0.0.1:$port" "$work/shop.json" "$identity" >"$env_file"
  local token admin order spread shoppers
  token=$(grep '^TOKEN=' "$env_file" | cut -d= -f2-)
  admin=$(grep '^ADMIN_TOKEN=' "$env_file" | cut -d= -f2-)
  order=$(grep '^ORDER=' "$env_file" | cut -d= -f2-)
  spread=$(grep '^SPREAD=' "$env_file" | cut -d= -f2-)
  shoppers=$(grep '^SHOPPERS=' "$env_file" | cut -d= -f2-)
  local as=(IDENTITY="$identity" SHOPPERS="$shoppers")
  # Warm-up, not reported: the pool's connections, the engine's threads and the first thousands
  # of rows (a fresh database's first checkouts run faster than the following ones).
  env "${as[@]}" SKUS=mug wrk -t2 -c50 -d"${WARMUP:-5}s" --timeout 30s -s "$here/load.lua" "http://127.0.0.1:$port" >/dev/null 2>&1 \
    < /dev/null || true
  for _ in $(seq 1 "${ROUNDS:-1}"); do
    run "checkout, one hot sku, 1 client" 1 "${as[@]}" SKUS=mug
    run "checkout, one hot sku, 50 clients" 50 "${as[@]}" SKUS=mug
  done
  run "checkout over 1,000 skus, 50 clients" 50 "${as[@]}" SKUS="$spread"
  run "get order, 50 clients" 50 IDENTITY="$identity" TOKEN="$token" PATH_TO_GET="/api/orders/$order"
  run "list 100 of the orders, 50 clients" 50 IDENTITY="$identity" TOKEN="$admin" PATH_TO_GET="/api/orders?limit=100"
  stop_server
}

routes() { # mode: the FastAPI checkout route as `def` or `async def` (routes.py), two processes
  service="FastAPI $1 route" database=postgres
  fresh_schema
  MODE=$1 SHOP_FILE="$root/$work/shop.json" .venv/bin/python -m uvicorn routes:app --app-dir "$here" \
    --host 127.0.0.1 --port "$port" --workers 2 --log-level warning &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
  run "checkout, one hot sku, 1 client" 1 IDENTITY=headers SKUS=mug
  run "checkout, one hot sku, 50 clients" 50 IDENTITY=headers SKUS=mug
  stop_server
}

only=" ${ONLY:-fastapi-sqlite node-memory fastapi-postgres node-postgres routes} "
wanted() { [[ "$only" == *" $1 "* ]]; }
fresh_schema() { psql -q "$DATABASE_URL" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public' >/dev/null; }

echo "| service | database | run | req/s | p50 ms | p95 ms | p99 ms | errors |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
rm -f "$work/bench.db"*
if wanted fastapi-sqlite; then measure fastapi sqlite "sqlite:///$root/$work/bench.db"; fi
if wanted fastapi-sqlalchemy; then
  rm -f "$work/bench.db"*
  SQLITE_STORE=sqlalchemy measure fastapi sqlite "sqlite:///$root/$work/bench.db" "FastAPI, SqlStore"
fi
if wanted node-memory; then measure node memory ""; fi
if wanted fastapi-postgres || wanted node-postgres || wanted routes; then pg_start; fi
if wanted fastapi-postgres; then fresh_schema; measure fastapi postgres "$DATABASE_URL"; fi
if wanted node-postgres; then fresh_schema; measure node postgres "$DATABASE_URL"; fi
if wanted routes; then routes sync; routes async; fi
pg_stop
