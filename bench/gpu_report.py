#!/usr/bin/env python3
"""One row of bench/gpu.sh's table from the CLI's jsonl on stdin: first and steady epoch seconds,
GPU dispatches per training batch, the first step's latency and the final accuracy.
    rnn-playground train ... --format jsonl | python3 bench/gpu_report.py LABEL BACKEND"""
import json
import sys

label, backend = sys.argv[1], sys.argv[2]
lines = [json.loads(line) for line in sys.stdin if line.strip()]
if not lines:
    print(f"{label:<24} {backend:<5} did not run (its message is above)")
    sys.exit()
summary = lines[-1]
if "error" in summary:
    print(f"{label:<24} {backend:<5} error: {summary['error']}")
    sys.exit()
seconds = [e["seconds"] for e in lines if "epoch" in e]
steady = min(seconds[1:]) if len(seconds) > 1 else seconds[0]
dispatches = lines[-2].get("gpu_dispatches_per_batch")
shown = f"{dispatches:.0f}" if dispatches is not None else "-"
print(
    f"{label:<24} {summary['backend']:<5} {seconds[0]:>8.2f} {steady:>8.2f} {shown:>11} "
    f"{summary['first_step_seconds']:>10.2f} {summary['accuracy']:>9.4f}"
)
