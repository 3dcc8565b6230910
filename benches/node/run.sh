#!/usr/bin/env bash
# Builds the release addon and dinero.js, then runs bench.mjs (one run, both libraries).
set -euo pipefail
cd "$(dirname "$0")"
(cd ../../bindings-node && npm install --no-save --no-audit --no-fund --loglevel=error && npx napi build --platform --release >/dev/null)
npm install --no-save --no-audit --no-fund --loglevel=error
node bench.mjs
