#!/usr/bin/env bash
# Runs every test suite of ordercore: what CI runs (.ci/run) and what the README tells newcomers.
# Installs what it needs by itself; prints each runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export PROPTEST_CASES="${PROPTEST_CASES:-10000}"

step() { printf '\n=== %s\n' "$*"; }

step "generated pricing vectors are up to date (Python decimal reference)"
python3 tests/vectors/reference.py --check

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo test --workspace (proptest cases per property: $PROPTEST_CASES)"
cargo test --workspace 2>&1 | tee /tmp/ordercore-cargo-test.log | grep -E '^(test result|     Running|running|.*FAILED|.*panicked)' || true
if grep -qE 'FAILED|error(\[|:)' /tmp/ordercore-cargo-test.log || ! grep -q 'test result: ok' /tmp/ordercore-cargo-test.log; then
  cat /tmp/ordercore-cargo-test.log | tail -80
  echo "cargo test failed"; exit 1
fi
passed=$(grep -oE 'test result: ok\. [0-9]+ passed' /tmp/ordercore-cargo-test.log | awk '{s+=$4} END {print s}')
echo "rust: $passed passed, 0 failed"
