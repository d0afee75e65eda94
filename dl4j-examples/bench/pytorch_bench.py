#!/usr/bin/env python3
"""The PyTorch side of LayerBenchmark: the same blocks written the fast way, one Adam training step and one
inference pass, min / median over repeated runs. Needs Debian's python3-torch (1.13, CPU).

Debian's PyTorch calls OpenBLAS, which runs threads of its own next to PyTorch's: on 2 cores, 2 of each oversubscribe
the machine. So every case runs in both sane set-ups, 2 PyTorch threads with 1 OpenBLAS thread and 1 with 2, each in
a process of its own with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (this machine sets them to keep OpenBLAS off
AVX-512), and the faster by median training step is reported with the set-up it used.

Usage: python3 pytorch_bench.py [--quick] [--reps N] [--warmup SECONDS] [--seconds SECONDS]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

SETUPS = ((2, 1), (1, 2))  # (PyTorch threads, OpenBLAS threads)

import torch
import torch.nn.functional as F

import spiral_torch


class GradientFlowDense(torch.nn.Module):
    """x - tau W^T relu(W x + b), tau = 2 sigmoid(t) / sigma^2, sigma from one power-iteration step."""

    def __init__(self, width):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(width, width) / width ** 0.5)
        self.b = torch.nn.Parameter(torch.zeros(width))
        self.t = torch.nn.Parameter(torch.zeros(1))
        self.register_buffer("v", torch.randn(1, width))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                v = (self.v @ self.w.t()) @ self.w
                self.v.copy_(v / v.norm())
        sigma = (self.v @ self.w.t()).norm() / self.v.norm()
        tau = 2 * torch.sigmoid(self.t) / (sigma * sigma + 1e-12)
        return x - tau * (F.relu(x @ self.w.t() + self.b) @ self.w)


class GradientFlowConv2D(torch.nn.Module):
    """x - tau K^T relu(K x + b); K^T as the convolution with the flipped, channel-swapped kernel."""

    def __init__(self, channels, size):
        super().__init__()
        self.k = torch.nn.Parameter(torch.randn(channels, channels, 3, 3) / (9 * channels) ** 0.5)
        self.b = torch.nn.Parameter(torch.zeros(channels))
        self.t = torch.nn.Parameter(torch.zeros(1))
        self.register_buffer("v", torch.randn(1, channels, size, size))

    def adjoint(self, y, k):
        return F.conv2d(y, k.flip(2, 3).transpose(0, 1), padding=1)

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                v = self.adjoint(F.conv2d(self.v, self.k, padding=1), self.k)
                self.v.copy_(v / v.norm())
        sigma = F.conv2d(self.v, self.k, padding=1).norm() / self.v.norm()
        tau = 2 * torch.sigmoid(self.t) / (sigma * sigma + 1e-12)
        return x - self.adjoint(F.relu(F.conv2d(x, self.k, self.b, padding=1)), self.k * tau)


class SymplecticConv2D(torch.nn.Module):
    """Channel phase space x = (q, p); UP: q <- q + h K^T (a * tanh(K p + b)), K a 3x3 convolution C/2 -> C/2."""

    def __init__(self, channels):
        super().__init__()
        half = channels // 2
        self.k = torch.nn.Parameter(torch.randn(half, half, 3, 3) / (9 * half) ** 0.5)
        self.a = torch.nn.Parameter(torch.randn(1, half, 1, 1) / half ** 0.5)
        self.b = torch.nn.Parameter(torch.zeros(half))
        self.h = torch.nn.Parameter(torch.ones(1))

    def forward(self, x):
        q, p = x.chunk(2, dim=1)
        w = self.a * torch.tanh(F.conv2d(p, self.k, self.b, padding=1))
        update = F.conv2d(w, self.k.flip(2, 3).transpose(0, 1) * self.h, padding=1)
        return torch.cat((q + update, p), dim=1)


class GradientModule(torch.nn.Module):
    """SympNet gradient module on (q, p) of size n each, hidden width m: UP q <- q + h K^T (a * tanh(K p + b))."""

    def __init__(self, n, width, up):
        super().__init__()
        self.k = torch.nn.Parameter(torch.randn(width, n) / n ** 0.5)
        self.a = torch.nn.Parameter(torch.randn(width) / width ** 0.5)
        self.b = torch.nn.Parameter(torch.zeros(width))
        self.h = torch.nn.Parameter(torch.ones(1))
        self.up = up

    def forward(self, x):
        q, p = x.chunk(2, dim=1)
        source = p if self.up else q
        update = (self.a * torch.tanh(source @ self.k.t() + self.b)) @ self.k * self.h
        return torch.cat((q + update, p), dim=1) if self.up else torch.cat((q, p - update), dim=1)


def timed(fn, timing):
    # the same rules as LayerBenchmark: warm up for at least 3 calls and `warmup` seconds, then time at least `reps`
    # calls and as many more as fit in `seconds`
    reps, warmup, seconds = timing
    start = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - start < warmup:
        fn()
        calls += 1
    times = []
    begin = time.perf_counter()
    while len(times) < reps or time.perf_counter() - begin < seconds:
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return min(times), statistics.median(times)


ONLY = None


def bench(name, blocks, shape, timing, memory_format=torch.contiguous_format):
    if ONLY is not None and ONLY not in name:
        return
    net = torch.nn.Sequential(*blocks).to(memory_format=memory_format)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(*shape).to(memory_format=memory_format)
    y = torch.rand(*shape).to(memory_format=memory_format)

    def train():
        net.train()
        opt.zero_grad()
        F.mse_loss(net(x), y).backward()
        opt.step()

    def infer():
        net.eval()
        with torch.no_grad():
            net(x)

    tmin, tmed = timed(train, timing)
    imin, imed = timed(infer, timing)
    print(f"| PyTorch {name} | {tmin:.2f} / {tmed:.2f} | {imin:.2f} / {imed:.2f} |", flush=True)


def run_setup(torch_threads, argv):
    """Runs every case in a child process with the given PyTorch threads and OpenBLAS threads (from its environment)."""
    torch.set_num_threads(torch_threads)
    torch.manual_seed(1)
    args = parse(argv)
    global ONLY
    ONLY = args.only
    timing = (3, 0.0, 0.0) if args.quick else (args.reps, args.warmup, args.seconds)
    for width, batch in [(64, 256)] if args.quick else [(64, 256), (128, 32), (256, 256), (512, 128), (1024, 256)]:
        bench(f"GradientFlowDense x8, width {width}, batch {batch}",
              [GradientFlowDense(width) for _ in range(8)], (batch, width), timing)
    # NCHW (PyTorch's default layout and DL4J's) and channels_last (NHWC in memory, which oneDNN runs faster; compared
    # with StructNet's NHWC case of the same name)
    for channels, size in [(32, 28)] + ([] if args.quick else [(64, 32)]):
        for fmt, label in ((torch.contiguous_format, ""), (torch.channels_last, ", channels last (NHWC)")):
            bench(f"GradientFlowConv2D x4, {channels} ch, {size}x{size}, batch 64{label}",
                  [GradientFlowConv2D(channels, size) for _ in range(4)], (64, channels, size, size), timing, fmt)
    for channels, size, batch in [] if args.quick else [(16, 56, 32), (96, 16, 16)]:
        bench(f"GradientFlowConv2D x4, {channels} ch, {size}x{size}, batch {batch}",
              [GradientFlowConv2D(channels, size) for _ in range(4)], (batch, channels, size, size), timing)
    bench("SymplecticConv2D x4, 32 ch, 28x28, batch 64", [SymplecticConv2D(32) for _ in range(4)], (64, 32, 28, 28),
          timing)
    width = 64 if args.quick else 256
    bench(f"G-SympNet x8, width {width}, batch 256",
          [GradientModule(width // 2, width, i % 2 == 0) for i in range(8)], (256, width), timing)
    # the neural-ODE rows (float, as StructNet's benchmark network): spiral_torch.py holds the solver
    spiral_torch.DTYPE = torch.float32
    for name, tmin, tmed, imin, imed in spiral_torch.step_times(3 if args.quick else max(args.reps, 30), ONLY):
        print(f"| PyTorch {name} | {tmin:.2f} / {tmed:.2f} | {imin:.2f} / {imed:.2f} |", flush=True)


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=2.0, help="minimum warm-up seconds per case")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timed seconds per case")
    parser.add_argument("--only", default=None, help="run only the cases whose name contains this text")
    return parser.parse_args(argv)


def main(argv):
    parse(argv)  # reject bad arguments before starting children
    rows = {}
    for torch_threads, blas_threads in SETUPS:
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
        child = subprocess.run([sys.executable, __file__, "--setup", str(torch_threads)] + argv, env=env, check=True,
                               capture_output=True, text=True)
        for line in child.stdout.splitlines():
            if line.startswith("| PyTorch "):
                cells = [c.strip() for c in line.strip("|").split("|")]
                median = float(cells[1].split("/")[1])
                label = f"{torch_threads} PyTorch + {blas_threads} OpenBLAS threads"
                if cells[0] not in rows or median < rows[cells[0]][0]:
                    rows[cells[0]] = (median, cells[1], cells[2], label)
    print(f"PyTorch {torch.__version__}, mkldnn {torch.backends.mkldnn.is_available()}; per case the faster of "
          + " and ".join(f"{t} PyTorch + {b} OpenBLAS threads" for t, b in SETUPS)
          + " (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)")
    print("| configuration | train step min / median (ms) | inference min / median (ms) | set-up |\n|---|---|---|---|")
    for name, (_, train, infer, label) in rows.items():
        print(f"| {name} | {train} | {infer} | {label} |", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--setup":
        run_setup(int(sys.argv[2]), sys.argv[3:])
    else:
        main(sys.argv[1:])
