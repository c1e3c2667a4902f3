#!/usr/bin/env python3
"""Startup time: `cnbcargo --version` against the toolchain's `cargo -V`,
measured alternately in one run; prints medians and their ratio."""
import os, shutil, statistics, subprocess, sys, time

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 50
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cnbcargo = os.path.join(root, "target", "release", "cnbcargo")
cargo = subprocess.run(["rustup", "which", "cargo"], capture_output=True, text=True).stdout.strip() or shutil.which("cargo")
if not os.path.exists(cnbcargo):
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)

def once(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start

ours, theirs = [], []
for _ in range(runs):
    ours.append(once([cnbcargo, "--version"]))
    theirs.append(once([cargo, "-V"]))
a, b = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
print(f"cnbcargo --version  median {a:.2f} ms over {runs} runs")
print(f"cargo -V            median {b:.2f} ms over {runs} runs ({cargo})")
print(f"ratio               {a / b:.2f}x")
print(f"release binary      {os.path.getsize(cnbcargo)} bytes ({os.path.getsize(cnbcargo) / 2**20:.2f} MiB)")
