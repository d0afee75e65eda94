#!/usr/bin/env python3
"""Combines alternating benchmark rounds (structnet-R.txt and pytorch-R.txt, R = 1..N) into one Markdown file.

For every configuration both sides ran: the median training step of each round on each side, the median of those
medians, and their ratio (StructNet / PyTorch; below 1, StructNet is faster), with the range of the per-round ratios. Rows that run the blocks as one stack layer are compared with PyTorch's row for
the same network.
The StructNet and PyTorch tables that follow keep the single-run format (minimum over rounds / median of the round
medians) that bench.BenchmarkChart reads.

Usage: python3 aggregate.py DIR ROUNDS
"""
import statistics
import sys

# StructNet's rows that run the blocks as one stack layer; PyTorch's counterpart is the same network, named without it
FUSED = ", one stack layer"


def reference(name):
    """The PyTorch row a StructNet row is compared with."""
    return name[:-len(FUSED)] if name.endswith(FUSED) else name


def rows(path, pytorch):
    table = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("| ") or line.startswith("| configuration"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            name = cells[0]
            if pytorch:
                if not name.startswith("PyTorch "):
                    continue
                name = name[len("PyTorch "):]
            try:
                train = [float(x) for x in cells[1].split("/")]
                infer = [float(x) for x in cells[2].split("/")]
            except (ValueError, IndexError):
                continue
            setup = cells[3] if pytorch and len(cells) > 3 else ""
            table[name] = (train, infer, setup, cells)
    return table


def main(directory, rounds):
    java = [rows(f"{directory}/structnet-{r}.txt", False) for r in range(1, rounds + 1)]
    torch = [rows(f"{directory}/pytorch-{r}.txt", True) for r in range(1, rounds + 1)]
    print(f"## StructNet / PyTorch, {rounds} alternating rounds (median training step, ms)\n")
    print("| configuration | StructNet per round | PyTorch per round (set-up of the last) | ratio of medians"
          " | per-round ratios |\n|---|---|---|---|---|")
    for name in java[0]:
        ref = reference(name)
        if not all(name in j for j in java) or not all(ref in t for t in torch):
            continue
        js = [j[name][0][1] for j in java]
        ts = [t[ref][0][1] for t in torch]
        ratios = [a / b for a, b in zip(js, ts)]
        print(f"| {name} | {' / '.join(f'{x:.1f}' for x in js)} | {' / '.join(f'{x:.1f}' for x in ts)}"
              f" ({torch[-1][ref][2]}) | **{statistics.median(js) / statistics.median(ts):.2f}×** |"
              f" {min(ratios):.2f}–{max(ratios):.2f} |")
    summary("StructNet", java, "")
    summary("PyTorch", torch, "PyTorch ")


def summary(side, rounds, prefix):
    """One side's table in the single-run format: minimum over rounds / median of the round medians."""
    pytorch = bool(prefix)
    print(f"\n## {side} (minimum over rounds / median of round medians)\n")
    print("| configuration | train step min / median (ms) | inference min / median (ms) |" + (" set-up |" if pytorch else "")
          + "\n|---|---|---|" + ("---|" if pytorch else ""))
    for name in rounds[0]:
        if all(name in r for r in rounds):
            train_min = min(r[name][0][0] for r in rounds)
            train_med = statistics.median(r[name][0][1] for r in rounds)
            infer_min = min(r[name][1][0] for r in rounds)
            infer_med = statistics.median(r[name][1][1] for r in rounds)
            setup = f" {rounds[-1][name][2]} |" if pytorch else ""
            print(f"| {prefix}{name} | {train_min:.1f} / {train_med:.1f} | {infer_min:.1f} / {infer_med:.1f} |{setup}")

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
