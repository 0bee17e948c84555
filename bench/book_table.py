#!/usr/bin/env python3
"""Trains every preset with the book's recipe on each backend and prints the table for
BENCHMARKS.md: the book's final accuracy, ours, and seconds per epoch, runs interleaved.

    python3 bench/book_table.py [--backends flex,ndarray,wgpu] [--models m1,...,m7] [--repeats 1]

Uses target/release/rnn-playground (built by `cargo build --release`)."""
import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "target" / "release" / "rnn-playground"


def run(model, backend, extra):
    out = subprocess.run(
        [str(CLI), "train", "--model", model, "--backend", backend, "--format", "jsonl", *extra],
        capture_output=True, text=True, check=False,
    )
    lines = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not lines or not lines[-1].get("summary"):
        return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
    epochs = [l for l in lines if "epoch" in l and not l.get("summary")]
    # The first epoch carries warm-up (kernel compilation on wgpu); report the rest separately.
    later = [e["seconds"] for e in epochs[1:]] or [epochs[0]["seconds"]]
    return {**lines[-1], "first_epoch_s": epochs[0]["seconds"], "steady_epoch_s": sorted(later)[len(later) // 2]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backends", default="flex,ndarray")
    p.add_argument("--models", default="m1,m2,m3,m4,m5,m6,m7")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--seeds", default="", help="comma list: one run per seed (overrides --repeats)")
    p.add_argument("extra", nargs="*", help="extra CLI flags, after --")
    a = p.parse_args()
    if not CLI.exists():
        sys.exit(f"build first: cargo build --release ({CLI} missing)")
    backends, models = a.backends.split(","), a.models.split(",")
    seeds = [s for s in a.seeds.split(",") if s] or [None] * a.repeats
    results = {}
    for r, seed in enumerate(seeds):
        for m in models:
            for b in backends:  # interleaved: each model on every backend before the next model
                res = run(m, b, a.extra + (["--seed", seed] if seed else []))
                results.setdefault((m, b), []).append(res)
                print(f"[{r + 1}/{len(seeds)}] {m} {b}: {json.dumps({k: res.get(k) for k in ('accuracy', 'book_accuracy', 'steady_epoch_s', 'error')})}", file=sys.stderr)
    seed_text = f"seeds {', '.join(s for s in seeds if s)}" if seeds[0] else f"default seed, {len(seeds)} run(s)"
    print(f"Machine: {platform.machine()}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; {seed_text}; book recipe per model. Accuracy: median (min-max) over runs.\n")
    head = "| model | book accuracy | " + " | ".join(f"{b} accuracy | {b} s/epoch (first, steady)" for b in backends) + " |"
    print(head)
    print("|" + "---|" * (2 + 2 * len(backends)))
    for m in models:
        cells = []
        book = None
        for b in backends:
            rs = results[(m, b)]
            ok = [x for x in rs if "error" not in x]
            if not ok:
                cells += [f"error: {rs[0]['error']}", "–"]
                continue
            book = ok[0]["book_accuracy"]
            accs = sorted(x["accuracy"] for x in ok)
            steady = sorted(x["steady_epoch_s"] for x in ok)
            first = sorted(x["first_epoch_s"] for x in ok)
            acc = f"{accs[len(accs) // 2]:.3f}" + (f" ({accs[0]:.3f}-{accs[-1]:.3f})" if len(accs) > 1 else "")
            cells += [acc, f"{first[len(first) // 2]:.2f}, {steady[len(steady) // 2]:.3f}"]
        print(f"| {m} | {book if book is None else f'{book:.3f}'} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
