#!/usr/bin/env bash
# Runs the main demo on the embedded defaults: prices a cart and prints the breakdown.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release -p ordercore-demo
