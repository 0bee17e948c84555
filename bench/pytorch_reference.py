#!/usr/bin/env python3
"""A plain PyTorch reference for BENCHMARKS.md: the chapter's seven language models (m1..m7) on
human numbers, with the same data, batches and recipe as rnn-playground, each epoch timed the way
our CLI times it (training and validation, wall clock).

    bench/.venv/bin/python bench/pytorch_reference.py --models m7 --epochs 3 --threads 2

Prints one JSON line per epoch: {"model", "epoch", "seconds", "train_loss", "valid_loss",
"accuracy"}. torch only: no fastai. Installed by bench/compare.py into bench/.venv."""
import argparse
import json
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

ONES = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell(n):
    words = []
    thousands, rest = divmod(n, 1000)
    hundreds, below = divmod(rest, 100)
    if thousands:
        words += [ONES[thousands], "thousand"]
    if hundreds:
        words += [ONES[hundreds], "hundred"]
    if below >= 20:
        words.append(TENS[below // 10])
        if below % 10:
            words.append(ONES[below % 10])
    elif below:
        words.append(ONES[below])
    return " ".join(words)


def corpus():
    """Token ids of 1..7999 and 8001..9999 spelled out and joined by " . ", vocabulary in order of
    first appearance (as src/data.rs builds it)."""
    text = " . ".join(spell(n) for n in [*range(1, 8000), *range(8001, 10000)])
    vocab, ids = {}, []
    for w in text.split(" "):
        ids.append(vocab.setdefault(w, len(vocab)))
    return torch.tensor(ids), len(vocab)


# The book's recipe per model (as src/config.rs presets).
BASE = dict(cell="simple", layers=1, bptt=3, every=False, stateful=False, dropout=0.0, ar=0.0,
            tar=0.0, tie=False, lr=1e-3, wd=0.01, epochs=4, mom=(0.95, 0.85))
SEQ = {**BASE, "bptt": 16, "every": True, "stateful": True, "epochs": 15, "lr": 3e-3}
RECIPES = {
    "m1": BASE, "m2": BASE,
    "m3": {**BASE, "stateful": True, "epochs": 10, "lr": 3e-3},
    "m4": SEQ,
    "m5": {**SEQ, "cell": "rnn", "layers": 2},
    "m6": {**SEQ, "cell": "lstm", "layers": 2, "lr": 1e-2},
    "m7": {**SEQ, "cell": "lstm", "layers": 2, "lr": 1e-2, "wd": 0.1, "dropout": 0.4, "ar": 2.0,
           "tar": 1.0, "tie": True, "mom": (0.8, 0.7)},
}


def group_chunks(xs, ys, bs):
    """Reorders sequences so that row j of batch i+1 continues row j of batch i."""
    m = len(xs) // bs
    order = torch.tensor([i + m * j for i in range(m) for j in range(bs)])
    return xs[order], ys[order]


def batches(ids, r, bs=64):
    L = r["bptt"]
    starts = torch.arange(0, len(ids) - L - 1, L)
    xs = torch.stack([ids[s:s + L] for s in starts])
    ys = torch.stack([ids[s + 1:s + L + 1] for s in starts]) if r["every"] else ids[starts + L]
    cut = int(len(xs) * 0.8)
    parts = []
    for x, y, train in ((xs[:cut], ys[:cut], True), (xs[cut:], ys[cut:], False)):
        if r["stateful"]:
            x, y = group_chunks(x, y, bs)
        n = len(x) // bs if (train or r["stateful"]) else -(-len(x) // bs)
        parts.append([(x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs]) for i in range(n)])
    return parts


class Model(nn.Module):
    """m1..m4: the hand-written simple cell (relu(h_h(h + i_h(x)))); m5: nn.RNN; m6/m7: nn.LSTM."""

    def __init__(self, r, vocab, nh=64):
        super().__init__()
        self.r = r
        self.i_h = nn.Embedding(vocab, nh)
        if r["cell"] == "simple":
            self.h_h = nn.Linear(nh, nh)
        elif r["cell"] == "rnn":
            self.rnn = nn.RNN(nh, nh, r["layers"], batch_first=True)
        else:
            self.rnn = nn.LSTM(nh, nh, r["layers"], batch_first=True)
        self.drop = nn.Dropout(r["dropout"])
        self.h_o = nn.Linear(nh, vocab)
        if r["tie"]:
            self.h_o.weight = self.i_h.weight
        self.reset()

    def reset(self):
        self.h = None

    def forward(self, x):
        r = self.r
        if r["cell"] == "simple":
            h = self.h if (r["stateful"] and self.h is not None) else 0
            outs = []
            for t in range(x.shape[1]):
                h = F.relu(self.h_h(h + self.i_h(x[:, t])))
                outs.append(h)
            raw = torch.stack(outs, 1)
            state = h
        else:
            raw, state = self.rnn(self.i_h(x), self.h if r["stateful"] else None)
        if r["stateful"]:
            self.h = state.detach() if torch.is_tensor(state) else tuple(s.detach() for s in state)
        dropped = self.drop(raw)
        out = self.h_o(dropped if r["every"] else dropped[:, -1])
        return out, raw, dropped


def train(name, epochs, threads, seed, device):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    r = RECIPES[name]
    ids, vocab = corpus()
    train_b, valid_b = batches(ids, r)
    # On a GPU the batches are moved once, before timing; per-step loss readbacks stay, as in
    # plain eager code (and in our page, which reads the loss of every step too).
    train_b = [(x.to(device), y.to(device)) for x, y in train_b]
    valid_b = [(x.to(device), y.to(device)) for x, y in valid_b]
    model = Model(r, vocab).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=r["lr"], betas=(r["mom"][0], 0.99), eps=1e-5,
                            weight_decay=r["wd"])
    epochs = epochs or r["epochs"]
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=r["lr"], total_steps=epochs * len(train_b), pct_start=0.25,
        base_momentum=r["mom"][1], max_momentum=r["mom"][0], div_factor=25.0, final_div_factor=1e5)
    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        model.reset()
        smooth = None
        for x, y in train_b:
            out, raw, dropped = model(x)
            loss = F.cross_entropy(out.reshape(-1, vocab), y.reshape(-1))
            total = loss
            if r["ar"]:
                total = total + r["ar"] * dropped.pow(2).mean()
            if r["tar"]:
                total = total + r["tar"] * (raw[:, 1:] - raw[:, :-1]).pow(2).mean()
            opt.zero_grad()
            total.backward()
            opt.step()
            sched.step()
            smooth = loss.item() if smooth is None else 0.98 * smooth + 0.02 * loss.item()
        model.eval()
        model.reset()
        loss_sum, correct, rows, preds = 0.0, 0, 0, 0
        with torch.no_grad():
            for x, y in valid_b:
                out, _, _ = model(x)
                out, y = out.reshape(-1, vocab), y.reshape(-1)
                loss_sum += F.cross_entropy(out, y).item() * len(x)
                correct += (out.argmax(1) == y).sum().item()
                rows += len(x)
                preds += len(y)
        seconds = time.perf_counter() - start
        print(json.dumps({"model": name, "epoch": epoch, "seconds": seconds, "train_loss": smooth,
                          "valid_loss": loss_sum / rows, "accuracy": correct / preds,
                          "train_batches": len(train_b), "valid_batches": len(valid_b)}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="m1,m2,m3,m4,m5,m6,m7")
    p.add_argument("--epochs", type=int, default=0, help="0: the book's epochs")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine")
    a = p.parse_args()
    if a.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("--device cuda: this torch sees no CUDA device")
    for m in a.models.split(","):
        if m not in RECIPES:
            sys.exit(f"unknown model {m!r}: one of {', '.join(RECIPES)}")
        train(m, a.epochs, a.threads, a.seed, torch.device(a.device))


if __name__ == "__main__":
    main()
