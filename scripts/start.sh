#!/usr/bin/env bash
# The main job: the local sandbox (emulated JumpCloud + Assets + Forge), a first sync through
# the real Forge handlers, and the settings page on localhost. Arguments go to `tributary sandbox`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
node scripts/build-wasm.mjs
node scripts/build-settings.mjs
exec node src-js/cli/main.js sandbox "$@"
