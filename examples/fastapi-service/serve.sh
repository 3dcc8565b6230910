#!/usr/bin/env bash
# Starts the order service on a SQLite file (or DATABASE_URL): builds the ordercore package into
# the repository's .venv, installs the service's requirements, runs uvicorn on PORT (8000).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ ! -x "$root/.venv/bin/python" ]; then python3 -m venv "$root/.venv"; fi
"$root/.venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.9,<2" -r "$here/requirements.txt"
VIRTUAL_ENV="$root/.venv" PATH="$root/.venv/bin:$PATH" "$root/.venv/bin/maturin" develop -q --release -m "$root/bindings-python/Cargo.toml"
cd "$here"
exec "$root/.venv/bin/python" -m uvicorn orderservice.app:app --host 127.0.0.1 --port "${PORT:-8000}"
