#!/usr/bin/env bash
# Runs every test, installing what is missing first (a fresh Debian machine needs nothing else):
#   1. native: cargo test --release (data, models, training, CLI)
#   2. wasm:   wasm-pack test --headless --chrome --release (the JS API in Chromium, in a worker)
#   3. page:   the built site in Chromium through Playwright (e2e/)
# One target dir serves all builds, so burn is compiled once per target.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

# Chromium leaves temp profiles behind: keep them in one place and clean it.
export TMPDIR="$PWD/target/tmp"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"

log "native tests"
# No GPU here: the native tests build without the wgpu stack (the wasm build has it).
cargo test --release --locked --no-default-features

ensure_chromium
ensure_wasm_tools

log "wasm tests in headless Chromium (CPU and WebGPU)"
# Training tests take longer than wasm-bindgen-test's default 20 s; SwiftShader's WebGPU is slow.
export WASM_BINDGEN_TEST_TIMEOUT=600
wasm-pack test --headless --chrome --release -- --locked --no-default-features --features wgpu --test web -- --nocapture

log "page end-to-end test"
bash scripts/build-site.sh
node --test --test-concurrency=1 e2e/

rm -rf "$TMPDIR"
