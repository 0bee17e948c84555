#!/usr/bin/env python3
"""Side by side, interleaved, in one run on one machine: our native CLI on each CPU backend (and
wgpu, if built), the plain PyTorch reference (bench/pytorch_reference.py), and optionally the
browser (headless Chromium, wasm CPU and WebGPU). Prints seconds per epoch (min / median / max
over repeats), ours / PyTorch, and the work per epoch against the machine's peak.

    python3 bench/compare.py [--models m1,...,m7] [--backends flex] [--epochs 3] [--repeats 3]
                             [--threads 2] [--browser] [--pytorch-device cuda]

On a GPU machine (steady epochs; the cold start is the first epoch of
`time target/release/rnn-playground train --model m7 --backend wgpu --epochs 1`):
    cargo build --release && python3 bench/compare.py --models m7 --backends wgpu --pytorch-device cuda

Our CLI: target/release/rnn-playground (cargo build --release --no-default-features for flex
only; the default features add ndarray and wgpu). PyTorch: installed from PyPI into bench/.venv
on first use. --browser needs the built site (bash scripts/build-site.sh). Not part of CI."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_table import CLI, ROOT, run as run_cli  # noqa: E402  (our CLI, one epoch record a line)

VENV = ROOT / "bench" / ".venv"
PY = VENV / "bin" / "python"

# Shapes of each preset (src/config.rs): cell, layers, bptt, every token.
SHAPES = {
    "m1": ("simple", 1, 3, False), "m2": ("simple", 1, 3, False), "m3": ("simple", 1, 3, False),
    "m4": ("simple", 1, 16, True), "m5": ("rnn", 2, 16, True), "m6": ("lstm", 2, 16, True),
    "m7": ("lstm", 2, 16, True),
}
GATES = {"simple": 1, "rnn": 1, "lstm": 4, "gru": 3}


def ensure_torch():
    if PY.exists() and subprocess.run([str(PY), "-c", "import torch"], capture_output=True).returncode == 0:
        return
    print("installing torch into bench/.venv (from PyPI; a few GB with its CUDA libraries)", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "torch"], check=True)


def batch_counts(bptt, stateful, bs=64, tokens=63095):
    seqs = -(-(tokens - bptt - 1) // bptt)
    cut = int(seqs * 0.8)
    valid = seqs - cut
    return cut // bs, (valid // bs if stateful else -(-valid // bs))


def flops_per_epoch(model, hidden=64, vocab=30, bs=64):
    """Multiply-adds of the matrix products, x2 (FLOPs): forward for validation, forward and
    backward (about 3x forward) for training. Elementwise work (gates, losses) is left out: it is
    a few percent of this at hidden 64."""
    cell, layers, bptt, every = SHAPES[model]
    tokens = bs * bptt
    if cell == "simple":
        per_layer = tokens * hidden * hidden * 2
    else:
        per_layer = 2 * tokens * hidden * GATES[cell] * hidden * 2  # input and recurrent products
    out = (tokens if every else bs) * hidden * vocab * 2
    forward = layers * per_layer + out
    train, valid = batch_counts(bptt, model != "m1" and model != "m2")
    return 3 * forward * train + forward * valid


def clock_ghz():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) / 1000
    except OSError:
        pass
    return float("nan")


def ours(model, backend, epochs):
    """Steady seconds per epoch of our CLI (book_table.run: the epochs after the first)."""
    res = run_cli(model, backend, ["--epochs", str(epochs)])
    if "error" in res:
        raise RuntimeError(f"{model} on {backend}: {res['error']}")
    return res["steady_epoch_s"]


def pytorch(model, epochs, threads, device="cpu"):
    out = subprocess.run([str(PY), str(ROOT / "bench" / "pytorch_reference.py"), "--models", model,
                          "--epochs", str(epochs), "--threads", str(threads), "--device", device],
                         capture_output=True, text=True)
    secs = [json.loads(l)["seconds"] for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not secs:
        raise RuntimeError(f"pytorch {model}: {out.stderr.strip()[-300:]}")
    return secs


def browser():
    out = subprocess.run(["node", str(ROOT / "bench" / "browser_epoch.mjs"), "--epochs", "2", "--webgpu-batches", "3"],
                         capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]


def steady(secs):
    """The median epoch after the first (which carries warm-up), or the only one."""
    return statistics.median(secs[1:] or secs)


def spread(values):
    return f"{min(values):.3f} / {statistics.median(values):.3f} / {max(values):.3f}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="m1,m2,m3,m4,m5,m6,m7")
    p.add_argument("--backends", default="flex")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--browser", action="store_true")
    p.add_argument("--pytorch-device", default="cpu", help="cuda on a GPU machine (with --backends wgpu)")
    a = p.parse_args()
    if not CLI.exists():
        sys.exit(f"build first: cargo build --release --no-default-features ({CLI} missing)")
    ensure_torch()
    models, backends = a.models.split(","), a.backends.split(",")
    times = {}
    for r in range(a.repeats):
        for m in models:  # interleaved: every contender on a model before the next model
            for b in backends:
                times.setdefault((m, b), []).append(ours(m, b, a.epochs))
            times.setdefault((m, "pytorch"), []).append(steady(pytorch(m, a.epochs, a.threads, a.pytorch_device)))
            print(f"[{r + 1}/{a.repeats}] {m}: " + ", ".join(f"{k[1]} {v[-1]:.3f} s" for k, v in times.items() if k[0] == m), file=sys.stderr)
    ghz = clock_ghz()
    cores = os.cpu_count()
    # AVX2 + FMA: 8 f32 lanes, two FMA pipes, 2 FLOPs per FMA, per core.
    native_peak = cores * 2 * 8 * 2 * ghz
    print(f"Machine: {platform.machine()}, {cores} cores at {ghz:.2f} GHz; native peak {native_peak:.0f} GFLOP/s "
          f"(AVX2 FMA: 8 lanes x 2 pipes x 2 FLOPs x cores x clock). Steady seconds per epoch (book recipe, "
          f"epochs after the first of {a.epochs}), min / median / max over {a.repeats} interleaved repeats; "
          f"PyTorch {subprocess.run([str(PY), '-c', 'import torch; print(torch.__version__)'], capture_output=True, text=True).stdout.strip()} eager, {a.threads} threads.\n")
    head = "| model | GFLOP / epoch | PyTorch s/epoch | " + " | ".join(f"ours {b} s/epoch | {b} / PyTorch | {b} % of peak" for b in backends) + " | PyTorch % of peak |"
    print(head)
    print("|" + "---|" * (4 + 3 * len(backends)))
    for m in models:
        gflop = flops_per_epoch(m) / 1e9
        pt = times[(m, "pytorch")]
        cells = [m, f"{gflop:.2f}", spread(pt)]
        for b in backends:
            t = times[(m, b)]
            cells += [spread(t), f"{statistics.median(t) / statistics.median(pt):.2f}x",
                      f"{100 * gflop / statistics.median(t) / native_peak:.1f}%"]
        cells.append(f"{100 * gflop / statistics.median(pt) / native_peak:.1f}%")
        print("| " + " | ".join(cells) + " |")
    if a.browser:
        wasm_peak = 4 * 2 * 2 * ghz  # 128-bit SIMD: 4 lanes, a mul and an add pipe each, one thread
        pt7 = statistics.median(times.get(("m7", "pytorch"), [float("nan")]))
        print(f"\nBrowser (headless Chromium, m7; wasm peak {wasm_peak:.0f} GFLOP/s: 4 lanes x 2 pipes x 2 FLOPs x clock, one thread):\n")
        for row in browser():
            secs = row.get("epochSeconds") and steady(row["epochSeconds"]) or row.get("estimatedEpochSeconds")
            frac = 100 * flops_per_epoch("m7") / 1e9 / secs / (wasm_peak if "wasm" in row["backend"] else native_peak)
            print(f"- {row['backend']}: {secs:.2f} s per epoch ({secs / pt7:.1f}x PyTorch native; {frac:.1f}% of "
                  f"{'the wasm' if 'wasm' in row['backend'] else 'the native'} peak); first loss {row['firstLossSeconds']:.1f} s after Train")


if __name__ == "__main__":
    main()
