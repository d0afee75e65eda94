#!/usr/bin/env python3
"""Starts a Jupyter kernel N times in a row and runs one Java cell in each; prints every start and the failure count.

Usage: python3 check-starts.py [KERNEL_NAME [N]]   (defaults: structnet-java 50)
A start fails when the kernel does not answer kernel_info within 60 s or the cell does not return "ok".
Exits with status 1 if any start failed.
"""
import subprocess
import sys
import time

import jupyter_client

CELL = "int answer = 40 + 2;\nanswer"


def one_start(kernel_name):
    manager = jupyter_client.KernelManager(kernel_name=kernel_name)
    manager.start_kernel(stderr=subprocess.DEVNULL)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(CELL, timeout=60, output_hook=lambda msg: None)
        return reply["content"]["status"] == "ok", ""
    except Exception as e:  # a kernel that never answers raises RuntimeError or TimeoutError
        return False, f"{type(e).__name__}: {e}"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main():
    kernel_name = sys.argv[1] if len(sys.argv) > 1 else "structnet-java"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    failures = 0
    for i in range(1, n + 1):
        start = time.time()
        ok, why = one_start(kernel_name)
        failures += 0 if ok else 1
        print(f"start {i}: {'ok' if ok else 'FAILED ' + why} ({time.time() - start:.1f} s)", flush=True)
    print(f"{kernel_name}: {n} starts, {failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
