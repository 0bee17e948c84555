#!/usr/bin/env bash
# Builds the playground and serves it on http://127.0.0.1:8080 (Trunk watches and rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_wasm_tools
if ! trunk --version 2>/dev/null | grep -q '0.21.14'; then
    log "installing trunk 0.21.14 (about 6 minutes, once)"
    cargo install trunk --version 0.21.14 --locked
fi
log "building, then serving on http://127.0.0.1:8080 (Trunk rebuilds on changes)"
exec trunk serve "$@"
