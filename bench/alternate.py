#!/usr/bin/env python3
"""Runs commands in turn N times (after 3 warm-up runs each) and reports each one's median, mean and
minimum wall time. Alternating keeps a drift of the machine's speed from favouring one command.

Usage: python3 bench/alternate.py N "command one" "command two" ...
"""
import statistics
import subprocess
import sys
import time

n = int(sys.argv[1])
cmds = sys.argv[2:]
for c in cmds:
    for _ in range(3):
        subprocess.run(c, shell=True, check=True)
times = {c: [] for c in cmds}
for i in range(n):
    for c in cmds if i % 2 == 0 else list(reversed(cmds)):
        t = time.perf_counter()
        subprocess.run(c, shell=True, check=True)
        times[c].append(time.perf_counter() - t)
for c in cmds:
    v = sorted(times[c])
    print(
        f"median {statistics.median(v) * 1000:7.1f} ms  mean {statistics.mean(v) * 1000:7.1f} "
        f"± {statistics.stdev(v) * 1000:5.1f}  min {v[0] * 1000:7.1f}  {c}"
    )
