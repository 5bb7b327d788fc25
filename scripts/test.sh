#!/usr/bin/env bash
# Runs every test: Rust core, the wasm binding under Node, and the JS hosts / emulators /
# bundle / browser tests on Node 22. The README's test command; CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

echo "== cargo test (core crates)"
cargo test --workspace --exclude tributary-wasm

echo "== wasm-bindgen tests (binding crate, under Node $(node --version))"
cargo test -p tributary-wasm --target wasm32-unknown-unknown

echo "== build the WebAssembly core and the settings page"
node scripts/build-wasm.mjs
node scripts/build-settings.mjs

echo "== JS tests (Node $(node --version))"
node --test --test-concurrency=2 'tests/**/*.test.js'
