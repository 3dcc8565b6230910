#!/usr/bin/env bash
# The npm package as a user installs it: `npm pack`, install the tarball into a fresh project,
# run it from an ES module and from CommonJS, type-check it with `tsc --strict` under the
# `node16`, `bundler` and `node` module resolutions, then run every TypeScript/JavaScript example
# of README.md and docs/*.md against it. Needs the addon built (`napi build`) and the package's
# dev dependencies (its `tsc`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
project="$(mktemp -d)"
trap 'rm -rf "$project"' EXIT
tsc="$root/bindings-node/node_modules/.bin/tsc"

(cd "$root/bindings-node" && npm pack --silent --pack-destination "$project" >/dev/null)
cd "$project"
echo '{"name": "fresh-project", "version": "1.0.0", "private": true}' > package.json
npm install --silent --no-audit --no-fund ./ordercore-*.tgz
cp "$here"/app.mjs "$here"/app.cjs "$here"/use.mts "$here"/use.cts .
node app.mjs
node app.cjs
for resolution in node16 bundler node; do
  case "$resolution" in
    node16) options=(--module node16 --moduleResolution node16 use.mts use.cts) ;;
    bundler) options=(--module esnext --moduleResolution bundler use.mts) ;;
    node) options=(--module commonjs --moduleResolution node use.cts) ;;
  esac
  "$tsc" --strict --noEmit --target es2022 "${options[@]}"
  echo "tsc --strict, moduleResolution $resolution: ok"
done
python3 "$root/tests/docs/run_examples.py" --node "$project" --tsc "$tsc"
