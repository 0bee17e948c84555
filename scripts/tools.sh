# Installs, when missing, what the build and the tests need on a fresh Debian machine.
# Sourced by scripts/test.sh and scripts/serve.sh; every step is skipped when already satisfied.

TOOLS_BIN="$HOME/.cargo/bin"
export PATH="$TOOLS_BIN:$PWD/node_modules/.bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The wasm-bindgen version pinned in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_target() {
    if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
        log "adding the wasm32-unknown-unknown target"
        rustup target add wasm32-unknown-unknown
    fi
}

ensure_wasm_bindgen() {
    local want
    want=$(wasm_bindgen_version)
    if [ -z "$want" ]; then
        cargo generate-lockfile
        want=$(wasm_bindgen_version)
    fi
    if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
        log "installing wasm-bindgen-cli $want (matches Cargo.lock)"
        # --locked fails for this crate here; a plain install resolves fine.
        cargo install wasm-bindgen-cli --version "$want" --force
    fi
}

ensure_wasm_pack() {
    if ! command -v wasm-pack >/dev/null; then
        log "installing wasm-pack"
        cargo install wasm-pack --locked || cargo install wasm-pack
    fi
}

ensure_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

ensure_chromium() {
    ensure_apt chromium chromium-driver
    # Debian's binaryen (wasm-opt 108) breaks our module; make sure it is not what tools pick up.
    if dpkg -s binaryen >/dev/null 2>&1; then
        log "removing Debian's binaryen (its wasm-opt breaks the module)"
        apt-get remove -y -qq binaryen >/dev/null
    fi
}

# npm packages pinned in package.json: binaryen's wasm-opt (132) and playwright-core.
ensure_node_modules() {
    if [ ! -x node_modules/.bin/wasm-opt ] || [ package.json -nt node_modules/.package-lock.json ]; then
        log "installing npm packages (binaryen, playwright-core)"
        npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
    fi
}

ensure_wasm_tools() {
    ensure_wasm_target
    ensure_wasm_bindgen
    ensure_wasm_pack
    ensure_node_modules
}
