#!/usr/bin/env python3
"""The PyTorch side of the neural-ODE spiral and of the neural-ODE benchmark rows: the same computation as
SpiralOde / NeuralOdeLayer written the fast way in PyTorch (Debian's python3-torch 1.13, CPU).

The solver is Dormand-Prince 5(4) with the same step control as StructNet's (RMS error norm, PI controller with safety
0.9, factors 0.2..10, Hairer's starting step, Hairer's dense output for the output times) or fixed-step RK4, and the
gradients are taken by autograd through the solver's steps (discretise-then-optimise, as an ODE library's non-adjoint
mode does). The step sizes are chosen from plain floats, outside autograd.

Each case runs in both sane thread set-ups (2 PyTorch + 1 OpenBLAS thread, 1 + 2), each in a child process with
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; the faster is reported with its set-up.

Usage:
  python3 spiral_torch.py train [--iterations N] [--seeds 1,2,3] [--dtype float32|float64]
      the spiral task: MAE of the whole trajectory every 250 iterations, training time
  python3 spiral_torch.py step [--reps N] [--dtype float32|float64]
      training-step time of the benchmark rows
"""
import argparse
import math
import os
import statistics
import subprocess
import sys
import time

import torch

SETUPS = ((2, 1), (1, 2))  # (PyTorch threads, OpenBLAS threads)

A = [[],
     [1 / 5],
     [3 / 40, 9 / 40],
     [44 / 45, -56 / 15, 32 / 9],
     [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
     [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
     [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1]
B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0]
E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40]
D = [-12715105075 / 11282082432, 0, 87487479700 / 32700410799, -10690763975 / 1880347072,
     701980252875 / 199316789632, -1453857185 / 822651844, 69997945 / 29380423]


def dense_weights(theta):
    u = 1 - theta
    w = []
    for i in range(7):
        first = 1.0 if i == 0 else 0.0
        last = 1.0 if i == 6 else 0.0
        w.append(theta * (B[i] + u * (first - B[i] + theta * (2 * B[i] - first - last + u * D[i]))))
    return w


def combine(y, h, weights, ks):
    out = y
    for w, k in zip(weights, ks):
        if w != 0:
            out = out + (h * w) * k
    return out


def rms(x):
    return math.sqrt(float((x * x).mean()))


def dopri5(f, y0, times, rtol, atol):
    """States at `times` (python floats, increasing, times[0] = start) as a list of tensors."""
    outputs = [y0]
    t, y, end = times[0], y0, times[-1]
    k1 = f(y)
    with torch.no_grad():
        scale = atol + rtol * y.abs()
        d0, d1 = rms(y / scale), rms(k1 / scale)
        h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
        h0 = min(h0, end - t)
        d2 = rms((f(y + h0 * k1) - k1) / scale) / h0
        h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** (1 / 6)
        h = min(100 * h0, h1, end - t)
    alpha, beta, previous, rejected = 1 / 5 - 0.75 * 0.04, 0.04, 1e-4, False
    j = 1
    while j < len(times):
        last = h >= end - t
        if last:
            h = end - t
        ks = [k1]
        for i in range(1, 7):
            ks.append(f(combine(y, h, A[i], ks)))
        y_new = combine(y, h, B, ks)
        with torch.no_grad():
            err = combine(torch.zeros_like(y), h, E, ks)
            error = rms(err / (atol + rtol * torch.maximum(y.abs(), y_new.abs())))
        if error > 1:
            h *= max(0.2, 0.9 * error ** (-1 / 5))
            rejected = True
            continue
        step_end = end if last else t + h
        while j < len(times) and times[j] <= step_end:
            if times[j] == step_end:
                outputs.append(y_new)
            else:
                outputs.append(combine(y, h, dense_weights((times[j] - t) / h), ks))
            j += 1
        factor = 10.0 if error == 0 else 0.9 * error ** -alpha * previous ** beta
        factor = min(10.0, max(0.2, factor))
        if rejected:
            factor = min(factor, 1.0)
        previous, rejected = max(error, 1e-4), False
        t, y, k1, h = step_end, y_new, ks[6], h * factor
    return outputs


def rk4(f, y0, times, steps):
    """Fixed-step RK4 with `steps` steps over [times[0], times[-1]], cut to land on every output time."""
    outputs, y = [y0], y0
    step = (times[-1] - times[0]) / steps
    for a, b in zip(times[:-1], times[1:]):
        pieces = max(1, math.ceil((b - a) / step - 1e-9))
        h = (b - a) / pieces
        for _ in range(pieces):
            k1 = f(y)
            k2 = f(y + (h / 2) * k1)
            k3 = f(y + (h / 2) * k2)
            k4 = f(y + h * k3)
            y = y + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
        outputs.append(y)
    return outputs


class Field(torch.nn.Module):
    """Linear(50 -> 2)(tanh(Linear(2 -> 50)(y^3))), weights N(0, 0.1), biases 0."""

    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 50), torch.nn.Tanh(), torch.nn.Linear(50, 2))
        for m in self.net:
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.normal_(m.weight, 0, 0.1)
                torch.nn.init.zeros_(m.bias)

    def forward(self, y):
        return self.net(y ** 3)


DTYPE = torch.float64


def spiral_data():
    true_a = torch.tensor([[-0.1, 2.0], [-2.0, -0.1]], dtype=torch.float64)
    times = [25 * i / 999 for i in range(1000)]
    with torch.no_grad():
        states = dopri5(lambda y: (y ** 3) @ true_a, torch.tensor([[2.0, 0.0]], dtype=torch.float64), times, 1e-10,
                        1e-12)
    return times, torch.cat(states).to(DTYPE)  # [1000, 2]


def train(iterations, seed, every=250):
    torch.manual_seed(seed)
    times, truth = spiral_data()
    field = Field().to(DTYPE)
    optimizer = torch.optim.RMSprop(field.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    window, batch = 10, 20
    seconds = 0.0
    errors = []
    for it in range(1, iterations + 1):
        starts = torch.randperm(1000 - window, generator=generator)[:batch]
        y0 = truth[starts]
        labels = torch.stack([truth[starts + i] for i in range(window)])
        begin = time.perf_counter()
        optimizer.zero_grad()
        predicted = torch.stack(dopri5(field, y0, times[:window], 1e-7, 1e-9))
        loss = (predicted - labels).abs().mean()
        loss.backward()
        optimizer.step()
        seconds += time.perf_counter() - begin
        if it % every == 0:
            with torch.no_grad():
                whole = torch.cat(dopri5(field, truth[:1], times, 1e-7, 1e-9))
                errors.append((it, float((whole - truth).abs().mean())))
    return errors, seconds


def step_times(reps, only=None):
    """Training-step and inference times of the benchmark rows: the spiral field, batch 20, 10 output times on
    [0, 0.225]; rows (name, train min, train median, inference min, inference median) in ms."""
    torch.manual_seed(1)
    field = Field().to(DTYPE)
    # a learning rate so small that the field (and so the number of solver steps) stays the initial one, as on the
    # StructNet side
    optimizer = torch.optim.RMSprop(field.parameters(), lr=1e-7)
    times = [0.225 * i / 9 for i in range(10)]
    y0 = torch.rand(20, 2, dtype=DTYPE)
    labels = torch.rand(10, 20, 2, dtype=DTYPE)
    rows = []
    for name, solve in (("NeuralOde Dormand-Prince 5(4), rtol 1e-7", lambda: dopri5(field, y0, times, 1e-7, 1e-9)),
                        ("NeuralOde RK4, 100 steps", lambda: rk4(field, y0, times, 100))):
        if only is not None and only not in name:
            continue

        def step():
            optimizer.zero_grad()
            (torch.stack(solve()) - labels).abs().mean().backward()
            optimizer.step()

        def infer():
            with torch.no_grad():
                solve()

        rows.append((name,) + measure(step, reps) + measure(infer, reps))
    return rows


def measure(fn, reps):
    for _ in range(5):
        fn()
    samples = []
    for _ in range(reps):
        begin = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - begin) * 1e3)
    return min(samples), statistics.median(samples)


def child(torch_threads, argv):
    torch.set_num_threads(torch_threads)
    args = parse(argv)
    global DTYPE
    DTYPE = torch.float32 if args.dtype == "float32" else torch.float64
    if args.mode == "train":
        for seed in [int(s) for s in args.seeds.split(",")]:
            errors, seconds = train(args.iterations, seed)
            print("| seed %d | %s | %.1f |" % (seed, " ".join("%d:%.4f" % e for e in errors), seconds), flush=True)
    else:
        for name, low, median, infer_low, infer_median in step_times(args.reps):
            print("| PyTorch %s | %.2f / %.2f | %.2f / %.2f |" % (name, low, median, infer_low, infer_median),
                  flush=True)


def parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("train", "step"))
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float64",
                        help="precision of the PyTorch run (StructNet solves in double)")
    return parser.parse_args(argv)


def main(argv):
    args = parse(argv)
    best = {}
    for torch_threads, blas_threads in SETUPS:
        env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
        out = subprocess.run([sys.executable, __file__, "--setup", str(torch_threads)] + argv, env=env, check=True,
                             capture_output=True, text=True).stdout
        label = "%d PyTorch + %d OpenBLAS threads" % (torch_threads, blas_threads)
        for line in out.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            seconds = float(cells[-1 if args.mode == "train" else 1].split("/")[-1])
            if cells[0] not in best or seconds < best[cells[0]][0]:
                best[cells[0]] = (seconds, line, label)
    print("PyTorch %s; per case the faster of %s (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)"
          % (torch.__version__, " and ".join("%d + %d threads" % s for s in SETUPS)))
    if args.mode == "train":
        print("| seed | iteration:MAE of the whole trajectory | training seconds | set-up |")
    else:
        print("| case | train step min / median (ms) | inference min / median (ms) | set-up |")
    for seconds, line, label in best.values():
        print("%s %s |" % (line, label))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--setup":
        child(int(sys.argv[2]), sys.argv[3:])
    else:
        main(sys.argv[1:])
