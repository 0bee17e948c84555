#!/usr/bin/env bash
# Builds the wasm package (pkg/) and assembles the static site in dist/.
#   --pkg-only   build pkg/ and www/vendor only (Trunk's pre-build hook; Trunk copies the rest)
#   --no-opt     skip wasm-opt (several minutes on 2 cores; the module is larger but as fast)
set -euo pipefail
PKG_ONLY=0
OPT=()
for arg in "$@"; do
    case "$arg" in
        --pkg-only) PKG_ONLY=1 ;;
        --no-opt) OPT=(--no-opt) ;;
        *) echo "unknown option $arg" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_wasm_tools

log "building the wasm package (pkg/)"
# wasm-opt from npm's binaryen 132 is on PATH (node_modules/.bin); wasm-pack picks it up.
wasm-pack build --target web --release "${OPT[@]}" --out-dir pkg --out-name rnn_playground -- --no-default-features --features wgpu ${CARGO_EXTRA:-}

log "vendoring uPlot into www/vendor"
mkdir -p www/vendor
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css www/vendor/

[ "$PKG_ONLY" = 1 ] && exit 0

rm -rf dist
mkdir -p dist
cp -r www/. dist/
cp -r pkg dist/pkg
rm -f dist/pkg/.gitignore
log "site ready in dist/ ($(du -sh dist/pkg/rnn_playground_bg.wasm | cut -f1) wasm)"
