#!/usr/bin/env bash
# Brings a fresh machine to a working state; idempotent, and fast when nothing is missing.
# Run by `npm start` and `npm test` (and so by CI); safe to run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || fail "cargo not found: install Rust with rustup first (stable toolchain)."
command -v npm >/dev/null || fail "npm not found: install Node.js (any version ≥ 18; Node 22 itself comes from npm)."

# 1. The wasm32 target.
if command -v rustup >/dev/null; then
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
else
  say "rustup not found; assuming the wasm32-unknown-unknown target is installed"
fi

# 2. The wasm-bindgen CLI, exactly the version the crate is pinned to.
wanted=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$wanted" ] || fail "could not read the pinned wasm-bindgen version from Cargo.toml"
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wanted" ]; then
  say "installing wasm-bindgen-cli $wanted (found: ${have:-none}); this takes a few minutes"
  cargo install wasm-bindgen-cli --version "$wanted" --force
fi

# 3. npm dependencies, Node 22 among them. Install scripts stay off (some Forge tooling
#    would fetch binaries); only the `node` package's own installer is run.
stamp=node_modules/.tributary-setup
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -x node_modules/.bin/node ]; then
  say "installing npm dependencies"
  npm ci --ignore-scripts --no-audit --no-fund
  npm rebuild node --no-audit --no-fund
  touch "$stamp"
fi
node_modules/.bin/node --version | grep -q '^v22\.' || fail "node_modules/.bin/node is not Node 22"

# 4. Chromium for the settings-page browser tests (Debian package).
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing Debian's chromium for the browser tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || say "could not install chromium with apt-get; the browser tests will be skipped"
  else
    say "chromium is missing and cannot be installed here (needs apt-get as root);" \
        "the browser tests will be skipped"
  fi
fi
