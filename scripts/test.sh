#!/usr/bin/env bash
# Runs every test suite of ordercore: what CI runs (.ci/run) and what the README tells newcomers.
# Installs what it needs by itself; prints each runner's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
export PROPTEST_CASES="${PROPTEST_CASES:-10000}"

step() { printf '\n=== %s\n' "$*"; }

step "generated vectors are up to date (pricing and billing: the Python references; engine: the state tables)"
python3 tests/vectors/reference.py --check
python3 tests/vectors/billing/reference.py --check
python3 tests/vectors/engine/make_cells.py
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- tests/vectors/engine; then
  git diff --stat -- tests/vectors/engine; echo "tests/vectors/engine differs from make_cells.py: run it and commit"; exit 1
fi

step "generated types are up to date (docs/schema/ from the Rust types; the Python and TypeScript types from it)"
cargo run -q --manifest-path tools/typegen/Cargo.toml --target-dir target -- docs/schema
python3 tools/typegen/make_types.py
generated="docs/schema bindings-python/python/ordercore/types.py bindings-node/types-header.d.ts"
# shellcheck disable=SC2086
if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$(git status --porcelain -- $generated)" ]; then
  git status --short -- $generated | head -20
  echo "the generated types differ from the Rust types: run the two commands above and commit"; exit 1
fi

step "cargo fmt --check"
cargo fmt --all -- --check
cargo fmt --manifest-path tools/typegen/Cargo.toml -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy -p ordercore --features schema --quiet -- -D warnings
cargo clippy --manifest-path tools/typegen/Cargo.toml --target-dir target --quiet -- -D warnings

step "a throwaway PostgreSQL for every suite that needs one (Debian's server, installed if missing)"
source scripts/postgres.sh
trap pg_stop EXIT
pg_start
echo "PostgreSQL at $DATABASE_URL"
export ORDERCORE_REQUIRE_POSTGRES=1
# The Rust and Node PostgreSQL stores ship the same migrations.
diff -r stores/postgres/migrations bindings-node/migrations/pg ||
  { echo "the PostgreSQL migrations of the Rust crate and the Node package differ"; exit 1; }

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

step "C API: header up to date, C tests under valgrind (memcheck), C example"
cargo build -p ordercore-ffi --quiet
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- bindings-ffi/include/ordercore.h; then
  git diff -- bindings-ffi/include/ordercore.h | head -40
  echo "bindings-ffi/include/ordercore.h is out of date: commit the header cbindgen regenerated"; exit 1
fi
if ! command -v valgrind >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq valgrind) >/dev/null
fi
# cJSON (from Debian) reads JSON in the C tests: the store written in C, the scenario runner.
if [ ! -f /usr/include/cjson/cJSON.h ]; then
  (apt-get update -qq && apt-get install -y -qq libcjson-dev) >/dev/null
fi
python3 tests/vectors/split_cases.py target/vector-cases
gcc -std=c11 -Wall -Wextra -Werror -I bindings-ffi/include -DVECTORS_DIR="\"$PWD/target/vector-cases\"" \
  tests/c/test_ordercore.c -L target/debug -lordercore_c -lcjson -lpthread -ldl -lm -o target/c-tests
clog=$(mktemp)
LD_LIBRARY_PATH=target/debug valgrind --quiet --error-exitcode=1 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect target/c-tests | tee "$clog"
c_passed=$(grep -oE '^c: [0-9]+ passed' "$clog" | awk '{print $2}')
make -s -C examples/c run >/dev/null
echo "c example: ok"
python3 tests/docs/run_examples.py --c target/debug
echo "the shared engine scenarios through the C ABI, under valgrind"
gcc -std=c11 -Wall -Wextra -Werror -I bindings-ffi/include -DSCENARIOS_DIR="\"$PWD/tests/vectors/engine\"" \
  tests/c/test_engine_vectors.c -L target/debug -lordercore_c -lcjson -lpthread -ldl -lm -o target/c-engine-vectors
LD_LIBRARY_PATH=target/debug valgrind --quiet --error-exitcode=1 --leak-check=full \
  --errors-for-leak-kinds=definite,indirect target/c-engine-vectors | tee "$clog"
c_passed=$((c_passed + $(grep -oE '^c engine scenarios: [0-9]+ passed' "$clog" | awk '{print $4}')))

step "fuzz: the JSON façade and Python's native reader under AFL++ (cargo-afl, installed if missing), ${FUZZ_SECONDS:=30} s each from the seed corpora"
# cargo-afl builds AFL++ when it is installed; the instrumented build has a target dir of its own.
if ! cargo afl --version >/dev/null 2>&1; then
  cargo install -q --locked cargo-afl@0.18.2
fi
python3 fuzz/make_seeds.py >/dev/null
(cd fuzz && CARGO_TARGET_DIR=../target/fuzz cargo afl build -q --release)
fuzz_passed=0
for target in facade python_reader; do
  fuzz_out=target/fuzz-out/$target
  rm -rf "$fuzz_out" && mkdir -p target/fuzz-out
  dictionary=(); [ -f "fuzz/$target.dict" ] && dictionary=(-x "fuzz/$target.dict")
  AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
    cargo afl fuzz -i "fuzz/seeds/$target" "${dictionary[@]}" -o "$fuzz_out" \
    -V "$FUZZ_SECONDS" "target/fuzz/release/$target" >target/fuzz-out/$target.log 2>&1 \
    || { tail -20 "target/fuzz-out/$target.log"; echo "the fuzzer did not run"; exit 1; }
  echo "$target:"
  grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs)' "$fuzz_out/default/fuzzer_stats"
  crashes=$(find "$fuzz_out/default/crashes" -type f -name 'id:*' | wc -l)
  [ "$crashes" = "0" ] || { ls "$fuzz_out/default/crashes"; echo "the fuzzer found $crashes crashing inputs of $target"; exit 1; }
  fuzz_passed=$((fuzz_passed + 1))
done
echo "fuzz: $fuzz_passed passed, 0 failed"

step "Python package: built into .venv with maturin, pytest"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check "pytest>=8,<10" "maturin>=1.9,<2" "mypy>=1.10,<2" "pdoc>=15,<16" \
  "sqlalchemy>=2.0,<3" "alembic>=1.13,<2" "asyncpg>=0.29,<1" "psycopg[binary]>=3.2,<4" "stripe>=11,<15" "easypost>=9,<11" "responses>=0.25,<1" \
  "paypal-server-sdk>=2.4,<3" "cryptography>=42,<52" "opentelemetry-api>=1.20,<2" "opentelemetry-sdk>=1.20,<2"
VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH" .venv/bin/maturin develop -q -m bindings-python/Cargo.toml
echo "typing: stubs match the native module (stubtest), the package passes mypy --strict"
.venv/bin/python -m mypy.stubtest ordercore._native
.venv/bin/python -m mypy --strict --no-error-summary bindings-python/python/ordercore
pylog=$(mktemp)
.venv/bin/python -m pytest -q -p no:cacheprovider bindings-python/tests | tee "$pylog"
py_passed=$(grep -oE '^[0-9]+ passed' "$pylog" | awk '{print $1}')

step "FastAPI service (examples/fastapi-service): on a SQLite file and on PostgreSQL, 8 processes racing"
.venv/bin/pip install -q --disable-pip-version-check -r examples/fastapi-service/requirements.txt
svlog=$(mktemp)
(cd examples/fastapi-service && ../../.venv/bin/python -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning tests) \
  >"$svlog" 2>&1 || { tail -80 "$svlog"; echo "service tests failed"; exit 1; }
tail -1 "$svlog"
if grep -q skipped "$svlog"; then echo "service tests were skipped"; exit 1; fi
sv_passed=$(grep -oE '^[0-9]+ passed' "$svlog" | awk '{print $1}')
py_passed=$((py_passed + sv_passed))

step "uniffi: Python bindings generated from bindings-uniffi (the scaffolding Swift and Kotlin use), pytest"
cargo build -q -p ordercore-uniffi
cargo build -q --manifest-path bindings-uniffi/bindgen/Cargo.toml --target-dir target
uniffi_out=target/uniffi-python
rm -rf "$uniffi_out" && mkdir -p "$uniffi_out"
target/debug/uniffi-bindgen generate --library target/debug/libordercore_uniffi.so --language python \
  --out-dir "$uniffi_out" >/dev/null
cp target/debug/libordercore_uniffi.so "$uniffi_out/"
ulog=$(mktemp)
UNIFFI_OUT="$uniffi_out" .venv/bin/python -m pytest -q -p no:cacheprovider bindings-uniffi/tests | tee "$ulog"
u_passed=$(grep -oE '^[0-9]+ passed' "$ulog" | awk '{print $1}')
py_passed=$((py_passed + u_passed))

step "Node package: addon built with napi-rs, typings up to date, node --test"
# `npm ci` trips over the optional platform packages of @napi-rs/cli in npm 11; install from the lock.
(cd bindings-node && npm install --no-save --no-audit --no-fund --loglevel=error)
blog=$(mktemp)
(cd bindings-node && npx napi build --platform) >"$blog" 2>&1 || { tail -60 "$blog"; echo "napi build failed"; exit 1; }
if git rev-parse --git-dir >/dev/null 2>&1 && ! git diff --quiet -- bindings-node/index.js bindings-node/index.d.ts; then
  git diff -- bindings-node/index.d.ts | head -40
  echo "bindings-node/index.js or index.d.ts is out of date: commit what napi build generated"; exit 1
fi
echo "typings: test/usage.ts type-checks against index.d.ts (tsc --strict), wrong use is refused"
(cd bindings-node && npx tsc -p test/tsconfig.json)
nlog=$(mktemp)
node --test bindings-node/test/ >"$nlog" 2>&1 || { grep -B2 -A30 '^not ok' "$nlog" | head -120; echo "node tests failed"; exit 1; }
tail -9 "$nlog"
node_failed=$(grep -oE '^# fail [0-9]+' "$nlog" | awk '{print $3}')
[ "${node_failed:-1}" = "0" ] || { echo "node tests failed"; exit 1; }
node_passed=$(grep -oE '^# pass [0-9]+' "$nlog" | awk '{print $3}')

step "Node order service (examples/node-service): HTTP tests, two processes on a throwaway PostgreSQL"
(cd examples/node-service && npm install --no-save --no-audit --no-fund --loglevel=error)
slog=$(mktemp)
(cd examples/node-service && node --test test/) >"$slog" 2>&1 || { grep -B2 -A30 '^not ok' "$slog" | head -120; echo "node service tests failed"; exit 1; }
tail -9 "$slog"
service_failed=$(grep -oE '^# fail [0-9]+' "$slog" | awk '{print $3}')
[ "${service_failed:-1}" = "0" ] || { echo "node service tests failed"; exit 1; }
grep -qE '^# skipped 0' "$slog" || { echo "node service tests were skipped"; exit 1; }
service_passed=$(grep -oE '^# pass [0-9]+' "$slog" | awk '{print $3}')
node_passed=$((node_passed + service_passed))

step "API references (into target/api, not committed): broken links, warnings and undocumented public items fail"
RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps -p ordercore -p ordercore-postgres -p ordercore-sqlite
echo "rust API references: target/doc/ordercore, target/doc/ordercore_postgres, target/doc/ordercore_sqlite"
.venv/bin/python tests/docs/python_api.py
(cd bindings-node && npx typedoc --entryPoints index.d.ts testing.d.ts pg.d.ts stripe.d.ts --out ../target/api/node --validation.notDocumented true \
  --treatWarningsAsErrors --disableSources --logLevel Warn)
echo "node API reference: target/api/node"

step "packages as users install them (npm tarball, wheel, fresh projects); README and docs examples run"
for package in core bindings-python bindings-node bindings-ffi bindings-uniffi stores/postgres stores/sqlite; do
  cmp -s LICENSE-MIT "$package/LICENSE-MIT" && cmp -s LICENSE-APACHE "$package/LICENSE-APACHE" ||
    { echo "$package: its license files differ from the root's"; exit 1; }
done
bash tests/packages/node/run.sh
bash tests/packages/python/run.sh

echo "total: $((passed + c_passed + fuzz_passed + py_passed + node_passed)) passed, 0 failed"
