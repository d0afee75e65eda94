#!/usr/bin/env python3
"""The PyTorch side of LayerBenchmark: the same blocks written the fast way, one Adam training step and one
inference pass, min / median over repeated runs, 2 threads. Needs Debian's python3-torch (1.13, CPU).

Usage: python3 pytorch_bench.py [--quick] [--reps N] [--warmup SECONDS] [--seconds SECONDS]
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


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


def bench(name, blocks, shape, timing, memory_format=torch.contiguous_format):
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
    print(f"| PyTorch {name} | {tmin:.1f} / {tmed:.1f} | {imin:.1f} / {imed:.1f} |", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=float, default=2.0, help="minimum warm-up seconds per case")
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum timed seconds per case")
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(1)
    timing = (3, 0.0, 0.0) if args.quick else (args.reps, args.warmup, args.seconds)
    print(f"PyTorch {torch.__version__}, threads {torch.get_num_threads()}, mkldnn {torch.backends.mkldnn.is_available()}")
    print("| configuration | train step min / median (ms) | inference min / median (ms) |\n|---|---|---|")
    for width in ([64] if args.quick else [64, 256, 1024]):
        bench(f"GradientFlowDense x8, width {width}, batch 256",
              [GradientFlowDense(width) for _ in range(8)], (256, width), timing)
    # NCHW (PyTorch's default layout and DL4J's) and channels_last (NHWC in memory, which oneDNN runs faster; compared
    # with StructNet's NHWC case of the same name)
    for channels, size in [(32, 28)] + ([] if args.quick else [(64, 32)]):
        for fmt, label in ((torch.contiguous_format, ""), (torch.channels_last, ", channels last (NHWC)")):
            bench(f"GradientFlowConv2D x4, {channels} ch, {size}x{size}, batch 64{label}",
                  [GradientFlowConv2D(channels, size) for _ in range(4)], (64, channels, size, size), timing, fmt)
    bench("SymplecticConv2D x4, 32 ch, 28x28, batch 64", [SymplecticConv2D(32) for _ in range(4)], (64, 32, 28, 28),
          timing)
    width = 64 if args.quick else 256
    bench(f"G-SympNet x8, width {width}, batch 256",
          [GradientModule(width // 2, width, i % 2 == 0) for i in range(8)], (256, width), timing)


if __name__ == "__main__":
    main()
