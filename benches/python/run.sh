#!/usr/bin/env bash
# Builds the ordercore package (release) into the repository's .venv, installs `prices` and
# `py-moneyed`, and runs bench.py (one run, all libraries).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ ! -x "$root/.venv/bin/python" ]; then python3 -m venv "$root/.venv"; fi
"$root/.venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.9,<2" "prices>=1.1,<2" "py-moneyed>=3,<4"
VIRTUAL_ENV="$root/.venv" PATH="$root/.venv/bin:$PATH" "$root/.venv/bin/maturin" develop -q --release -m "$root/bindings-python/Cargo.toml"
"$root/.venv/bin/python" "$root/benches/python/bench.py"
