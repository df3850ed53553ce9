#!/usr/bin/env python3
"""Per-second to 5-minute burstiness of simulated traffic against the Azure LLM inference traces.

Usage: python3 bench/burstiness.py [finops binary] [path/to/azure-llm-trace-2023]   (pip install duckdb)

1. The 2023 trace (one hour; `shared/data/azure-llm-trace-2023`): the CV of request counts per 1 s, 10 s,
   60 s and 300 s window, and what a Poisson stream at the same rate would give.
2. Rate-matched simulations: a baseline run (no scenarios) whose population is sized so that the busiest
   hours carry the trace's rate of `chat` calls (conversation, 328/min) or `code` calls (152/min); the same
   CVs averaged over its busy hours (within 10% of the busiest), each hour on its own like the trace's.
3. The 2024 week-long traces (DynamoLLM, HPCA 2025) are published only as a per-minute plot in the
   dataset's notebook: bench/azure2024_minutes.py digitizes it into the per-minute CV within 7-minute
   spans (slow drift excluded); the same statistic of a simulation at the 2024 rates is printed here.
"""
import os
import statistics as st
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import datetime

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else "finops"
TRACE = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared", "data", "azure-llm-trace-2023")
WINDOWS = [1, 10, 60, 300]
# Digitized with bench/azure2024_minutes.py: (rate band per minute, per-minute CV within 7-minute spans).
AZURE_2024 = {"chat": ("conversation", 2000, 3000, 0.068), "code": ("coding", 1000, 2000, 0.115)}


def cvs(seconds, start):
    """CV of counts per window over one hour of arrival times (seconds) from `start`."""
    out = []
    for w in WINDOWS:
        counts = [0] * (3600 // w)
        for t in seconds:
            counts[min(len(counts) - 1, int((t - start) // w))] += 1
        out.append(st.pstdev(counts) / st.mean(counts))
    return out


def trace(name):
    with open(os.path.join(TRACE, f"{name}.csv")) as f:
        next(f)
        ts = sorted(datetime.strptime(line.split(",")[0][:26], "%Y-%m-%d %H:%M:%S.%f").timestamp() for line in f)
    # The trace is 58 minutes long: stretch the last window to the hour so counts are not cut short.
    span = ts[-1] - ts[0]
    scaled = [(t - ts[0]) * 3600 / span for t in ts]
    return len(ts) / (span / 60), cvs(scaled, 0.0)


def simulate(customers, out, start="2026-09-01T00:00:00Z", days="1"):
    subprocess.run([BIN, "simulate", "-q", "--baseline", "--customers", str(customers), "--orgs", str(customers // 10),
                    "--start", start, "--days", days, "--format", "parquet", "--out", out], check=True, capture_output=True)


def busy_hours(path, feature):
    rows = duckdb.sql(f"SELECT epoch_ms(timestamp) / 1000.0 FROM read_parquet('{path}') WHERE feature_id = '{feature}'").fetchall()
    hours = defaultdict(list)
    for (t,) in rows:
        hours[int(t // 3600)].append(t)
    top = max(len(v) for v in hours.values())
    return {h: v for h, v in hours.items() if len(v) >= 0.9 * top}


def fmt(v):
    return " | ".join(f"{x:.3f}" for x in v)


print("| workload | requests/min | " + " | ".join(f"CV per {w} s" for w in WINDOWS) + " |")
print("|---|---|" + "---|" * len(WINDOWS))
with tempfile.TemporaryDirectory() as tmp:
    for feature, name, target, customers in [("chat", "conv", 328, 16_600), ("code", "code", 152, 13_900)]:
        rate, cv = trace(name)
        print(f"| 2023 trace, {name} | {rate:.0f} | {fmt(cv)} |")
        print(f"| Poisson at that rate | {rate:.0f} | " + fmt([(rate * w / 60) ** -0.5 for w in WINDOWS]) + " |")
        path = os.path.join(tmp, f"{feature}.parquet")
        simulate(customers, path)
        hours = busy_hours(path, feature)
        per_hour = [cvs(v, h * 3600) for h, v in hours.items()]
        sim_rate = st.mean(len(v) for v in hours.values()) / 60
        print(f"| simulated `{feature}`, {customers:,} customers, mean of {len(hours)} busy hours | {sim_rate:.0f} | "
              + fmt([st.mean(c[i] for c in per_hour) for i in range(len(WINDOWS))]) + " |")
        print(f"| ... range over those hours | | " + " | ".join(
            f"{min(c[i] for c in per_hour):.2f}-{max(c[i] for c in per_hour):.2f}" for i in range(len(WINDOWS))) + " |")

    print()
    print("| workload | requests/min | per-minute CV within 7-minute spans | Poisson |")
    print("|---|---|---|---|")
    for feature, customers in [("chat", 128_000), ("code", 137_000)]:
        label, lo, hi, cv = AZURE_2024[feature]
        print(f"| 2024 week, {label} (digitized) | {lo:,}-{hi:,} | {cv:.3f} | {((lo + hi) / 2) ** -0.5:.3f} |")
        path = os.path.join(tmp, f"{feature}-2024.parquet")
        simulate(customers, path, start="2026-09-01T15:00:00Z", days="0.125")
        counts = [c for _, c in duckdb.sql(f"SELECT epoch_ms(timestamp) // 60000 AS m, count(*) FROM read_parquet('{path}') "
                                           f"WHERE feature_id = '{feature}' GROUP BY 1 ORDER BY 1").fetchall()][1:-1]
        # As digitized: the range of 8 consecutive minutes (a plotted column and the line into the next)
        # over the expected range of 8 normal draws.
        spans = [counts[i:i + 8] for i in range(0, len(counts) - 8, 7)]
        est = st.median((max(s) - min(s)) / 2.85 / st.mean(s) for s in spans)
        rate = st.mean(counts)
        print(f"| simulated `{feature}`, {customers:,} customers | {rate:,.0f} | {est:.3f} | {rate ** -0.5:.3f} |")
