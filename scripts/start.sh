#!/usr/bin/env bash
# The main job. With credentials in the environment (JUMPCLOUD_API_KEY and JIRA_API_TOKEN, see
# README) it syncs the mapping in $TRIBUTARY_MAPPING (default examples/users.map) for real;
# without them it starts the local sandbox: emulated JumpCloud + Assets, the local Forge runtime,
# a first sync through the real Forge handlers, and the settings page. Arguments are passed on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
node scripts/build-wasm.mjs
node scripts/build-settings.mjs
if [ -n "${JUMPCLOUD_API_KEY:-}" ] && [ -n "${JIRA_API_TOKEN:-}" ]; then
  exec node src-js/cli/main.js sync "${TRIBUTARY_MAPPING:-examples/users.map}" "$@"
fi
exec node src-js/cli/main.js sandbox "$@"
