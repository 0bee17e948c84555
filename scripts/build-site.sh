#!/usr/bin/env bash
# Builds the two wasm packages and assembles the static site in dist/:
#   pkg/      the JS API with every backend (WebGPU and CPU): the package for course authors, and
#             the module the page loads when the browser offers a GPU adapter
#   pkg-cpu/  the same API, CPU only (a fifth of the size): what every visitor loads first
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

log "building the wasm package with WebGPU (pkg/)"
# wasm-opt from npm's binaryen 132 is on PATH (node_modules/.bin); wasm-pack picks it up.
wasm-pack build --target web --release "${OPT[@]}" --out-dir pkg --out-name rnn_playground -- --no-default-features --features wgpu ${CARGO_EXTRA:-}
log "building the CPU-only wasm package (pkg-cpu/)"
wasm-pack build --target web --release "${OPT[@]}" --out-dir pkg-cpu --out-name rnn_playground -- --no-default-features ${CARGO_EXTRA:-}

log "vendoring uPlot into www/vendor"
mkdir -p www/vendor
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css www/vendor/

[ "$PKG_ONLY" = 1 ] && exit 0

rm -rf dist
mkdir -p dist
cp -r www/. dist/
cp -r pkg dist/pkg
cp -r pkg-cpu dist/pkg-cpu
rm -f dist/pkg/.gitignore dist/pkg-cpu/.gitignore
log "site ready in dist/ (wasm: $(du -sh dist/pkg-cpu/rnn_playground_bg.wasm | cut -f1) CPU-only, $(du -sh dist/pkg/rnn_playground_bg.wasm | cut -f1) with WebGPU)"
