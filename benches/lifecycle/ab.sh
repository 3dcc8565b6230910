#!/usr/bin/env bash
# The lifecycle of this checkout against an earlier revision, the two builds in one process
# and timed in turn: `benches/lifecycle/ab.sh REV [ROUNDS]` (default 1000 rounds of one
# 200-lifecycle batch per build). Node runs `ab.mjs` with the package of each build (twice,
# each build loaded first once); Rust runs `ab.rs` linked against both crates. Prints each
# run's median ratio of now's time over REV's, and Node's two runs combined. On a shared
# machine whose speed swings by a third over seconds, separate processes timed in turn read a
# few percent apart for the same build; batches milliseconds apart do not (`ab.sh HEAD` on a
# clean tree is the method's A/A). Builds are kept under target/ab for reruns.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
rev="$(git rev-parse --short=12 "${1:?usage: ab.sh REV [ROUNDS]}")"
rounds="${2:-1000}"
work="$root/target/ab"
base="$work/$rev"
rust="$work/rust-$rev"
# Each build has its own target directory: cargo does not copy an artifact out again when it
# is fresh, so two builds of one crate in one directory would hand each other their addon.
unset CARGO_TARGET_DIR

# The revision's sources; two `ordercore 0.1.0` cannot share one lockfile, so its version is
# renamed (the code is untouched).
if [ ! -d "$base" ]; then
  mkdir -p "$base"
  git archive "$rev" | tar -x -C "$base"
  sed -i '0,/^version = ".*"/s//version = "0.0.0-base"/' "$base/Cargo.toml"
fi

node_package() { # $1: a checkout, $2: its target directory; builds its Node addon in place
  (cd "$1/bindings-node" && { [ -d node_modules ] || npm ci --silent --ignore-scripts >/dev/null 2>&1 ||
    npm install --silent >/dev/null; } && CARGO_TARGET_DIR="$2" npx napi build --platform --release >/dev/null)
}
node_package "$root" "$root/target"
node_package "$base" "$base/target"

mkdir -p "$rust/src"
cp benches/lifecycle/ab.rs "$rust/src/main.rs"
cp Cargo.lock "$rust/Cargo.lock" # the dependencies this checkout builds with, for both
cat >"$rust/Cargo.toml" <<EOF
[package]
name = "ab-lifecycle"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
now = { package = "ordercore-benches", path = "$root/benches" }
base = { package = "ordercore-benches", path = "$base/benches" }
ordercore_now = { package = "ordercore", path = "$root/core" }
ordercore_base = { package = "ordercore", path = "$base/core" }

[profile.release]
debug = false

[workspace]
EOF
cargo build -q --release --manifest-path "$rust/Cargo.toml" --target-dir "$rust/target"
cargo build -q --release -p ordercore-benches --example time_lifecycle
fixture="$work/fixture.json"
target/release/examples/time_lifecycle fixture >"$fixture"

# Each line: {"rounds", "a_us": REV's median, "b_us": now's, "ratio": median of now/REV, …}.
first=$(node benches/lifecycle/ab.mjs "$fixture" "$base/bindings-node" bindings-node "$rounds")
second=$(node benches/lifecycle/ab.mjs "$fixture" bindings-node "$base/bindings-node" "$rounds")
echo "node, $rev loaded first: $first"
echo "node, now loaded first (a is now): $second"
ratio() { sed -E 's/.*"ratio":([0-9.]+).*/\1/' <<<"$1"; }
awk -v a="$(ratio "$first")" -v b="$(ratio "$second")" \
  'BEGIN { printf "node, now / %s: %.4f (both runs)\n", "'"$rev"'", sqrt(a / b) }'
echo "rust: $("$rust/target/release/ab-lifecycle" "$rounds")"
