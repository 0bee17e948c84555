#!/usr/bin/env bash
# The GPU check, for a machine with a GPU (natively, through wgpu: Vulkan or Metal). Builds the CLI
# with wgpu and prints, for m7 at the book's size and at hidden 512 / batch 256, on wgpu and on the
# CPU side by side: seconds per epoch (first and steady), GPU dispatches per training batch, the
# first step's latency (from the command's start, device and kernel compilation included) and the
# accuracy after 2 epochs. Not part of CI (it needs a GPU); without one, wgpu falls back to a
# software Vulkan (lavapipe) if installed, and the script says which adapter it got.
#   bash bench/gpu.sh [--epochs 2]
# hidden 512 / batch 256 runs at bptt 8: at bptt 16 it is twice the activation limit every run
# keeps to (MAX_ACTIVATION_UNITS in src/config/mod.rs, sized for a browser tab).
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=2
[ "${1:-}" = "--epochs" ] && EPOCHS="$2"

echo "==> building the CLI with wgpu (cargo build --release)" >&2
cargo build --release --locked
CLI=target/release/rnn-playground

command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>/dev/null | grep -E "deviceName|driverName" | sort -u >&2 || true
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >&2 || true

run() { # label, backend, flags...
    local label=$1 backend=$2
    shift 2
    "$CLI" train --model m7 --epochs "$EPOCHS" --backend "$backend" --format jsonl "$@" |
        python3 bench/gpu_report.py "$label" "$backend" || true
}

printf "%-24s %-5s %8s %8s %11s %10s %9s\n" "m7" "on" "epoch 1" "steady" "dispatches" "1st step" "accuracy"
for backend in wgpu cpu; do
    run "book size (64, bs 64)" "$backend"
done
for backend in wgpu cpu; do
    run "hidden 512, bs 256" "$backend" --hidden 512 --bs 256 --bptt 8
done
