#!/usr/bin/env python3
"""Compares the JSON results of two `finops analyze` runs, every field: numbers to a relative 1e-9,
everything else exactly. Exits non-zero when any field differs.

Usage: python3 bench/compare_results.py OUT_A/data OUT_B/data
(for example a run of the build before a change and one after, on the same input)
"""
import json
import os
import sys

REL = 1e-9
shown = 0
differing = 0


def report(kind, path, a, b):
    global differing, shown
    differing += 1
    if shown < 20:
        shown += 1
        print(f"{kind}: {path}: {str(a)[:80]} | {str(b)[:80]}")


def compare(a, b, path):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                report("missing", f"{path}.{k}", a.get(k), b.get(k))
            else:
                compare(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            report("length", path, len(a), len(b))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if abs(a - b) > REL * max(1.0, abs(a), abs(b)):
            report("value", path, a, b)
    elif a != b:
        report("differs", path, a, b)


def main():
    left, right = sys.argv[1:3]
    files = sorted(f for f in os.listdir(left) if f.endswith(".json") and f != "manifest.json")
    for f in files:
        if not os.path.exists(os.path.join(right, f)):
            report("missing file", f, "present", "absent")
            continue
        with open(os.path.join(left, f)) as a, open(os.path.join(right, f)) as b:
            compare(json.load(a), json.load(b), f)
    print(f"{len(files)} files, {differing} fields differing")
    sys.exit(1 if differing else 0)


main()
