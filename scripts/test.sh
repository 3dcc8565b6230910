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
log=$(mktemp)
status=0
cargo test --workspace >"$log" 2>&1 || status=$?
grep -E '^(test result|     Running|.*FAILED|.*panicked)' "$log" || true
if [ "$status" -ne 0 ]; then
  tail -80 "$log"
  echo "cargo test failed"; exit "$status"
fi
passed=$(grep -oE 'test result: ok\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s}')
echo "rust: $passed passed, 0 failed"
