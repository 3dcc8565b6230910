#!/usr/bin/env bash
# The 20-line lifecycle in Rust, from Python and from Node, in one run: release builds of all
# three, the same engine and checkout (`time_lifecycle fixture`), run alternately for `ROUNDS`
# (default 3) rounds; prints each median and the bindings' ratios to Rust.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cargo build -q --release -p ordercore-benches --example time_lifecycle
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check "maturin>=1.9,<2"
VIRTUAL_ENV="$root/.venv" PATH="$root/.venv/bin:$PATH" .venv/bin/maturin develop -q --release -m bindings-python/Cargo.toml
(cd bindings-node && npm ci --silent --ignore-scripts >/dev/null 2>&1 || npm install --silent >/dev/null; npx napi build --platform --release >/dev/null)
fixture=target/lifecycle-fixture.json
target/release/examples/time_lifecycle fixture >"$fixture"
printf '%-6s %10s %10s %10s %12s %12s\n' round rust_us python_us node_us python/rust node/rust
for round in $(seq 1 "${ROUNDS:-3}"); do
  rust=$(target/release/examples/time_lifecycle 15)
  python=$(.venv/bin/python benches/lifecycle/lifecycle.py "$fixture" 15)
  node=$(node benches/lifecycle/lifecycle.mjs "$fixture" 15)
  awk -v r="$round" -v a="$rust" -v p="$python" -v n="$node" \
    'BEGIN { printf "%-6s %10.1f %10.1f %10.1f %11.1fx %11.1fx\n", r, a, p, n, p / a, n / a }'
done
