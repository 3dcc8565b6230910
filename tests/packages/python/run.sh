#!/usr/bin/env bash
# The Python package as a user installs it: build the wheel, install it into a fresh venv with its
# extras and nothing else, check it carries the license files and the store migrations, run every
# Python example of README.md and docs/*.md with it and type-check them with mypy --strict. Run
# from the repository root with the development venv (.venv: maturin, mypy) in place.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
VIRTUAL_ENV="$root/.venv" PATH="$root/.venv/bin:$PATH" .venv/bin/maturin build -q -m bindings-python/Cargo.toml -o "$work/wheels" 2>/dev/null
python3 -m venv "$work/venv"
wheel=$(ls "$work"/wheels/ordercore-*.whl)
# With its extras (from PyPI): the examples of the docs use the stores, gateways and carriers.
"$work/venv/bin/pip" install -q --disable-pip-version-check "$wheel[sqlalchemy,stripe,paypal,easypost]"
"$work/venv/bin/python" - <<'PY'
from importlib.metadata import distribution
paths = {str(f) for f in distribution("ordercore").files or []}
files = {path.rsplit("/", 1)[-1] for path in paths}
missing = {"LICENSE-MIT", "LICENSE-APACHE", "py.typed"} - files
assert not missing, f"the wheel lacks {missing}"
assert "ordercore/stores/migrations/versions/0001_initial.py" in paths, "the wheel lacks the store migrations"
print("wheel: installed into a fresh venv, with its license files, py.typed and the store migrations")
PY
.venv/bin/python tests/docs/run_examples.py --python "$work/venv/bin/python" --mypy
