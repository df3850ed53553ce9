#!/usr/bin/env python3
"""Side by side: `finops analyze` against DuckDB running the same SQL workload.

Usage: python3 bench/analyze.py [data/simulated_calls.csv]   (pip install duckdb; hyperfine not needed)

1. Runs `finops analyze` (release build) 5 times; reports the best and median wall time and peak RSS.
2. Captures every SQL query the 13 analyses send to DataFusion (`RUST_LOG=finops_analytics=trace`).
3. Loads the same CSV into a DuckDB table with the same column types and runs the same queries,
   translated only where the dialects differ, 5 times; reports load and query time.

The DuckDB side does only the SQL: no Rust post-processing, no JSON written. It answers the question
"how fast would the same analyses be on the best embedded engine", not "is DuckDB faster at CSV".
"""
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from duckdb_dialect import to_duckdb  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "data", "simulated_calls.csv")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release", "finops")
RUNS = 5


def run_finops():
    out = tempfile.mkdtemp(prefix="finops-bench-")
    walls = []
    rss = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([BIN, "analyze", "-q", "--input", DATA, "--out", out], check=True)
        walls.append(time.perf_counter() - start)
        rss = max(rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    env = dict(os.environ, RUST_LOG="finops_analytics=trace", NO_COLOR="1")
    log = subprocess.run(
        [BIN, "analyze", "-q", "--input", DATA, "--out", out], check=True, env=env, capture_output=True, text=True
    ).stderr
    queries = [m.group(1) for m in re.finditer(r"sql full ms=\S+ query=(.*)$", log, re.M)]
    return walls, rss, queries


def run_duckdb(queries):
    con = duckdb.connect()
    start = time.perf_counter()
    con.execute(
        f"""CREATE TABLE calls AS SELECT * REPLACE (CAST(timestamp AS TIMESTAMPTZ) AS timestamp), cost_usd AS list_cost_usd
            FROM read_csv('{DATA}', header = true, auto_detect = true)"""
    )
    load = time.perf_counter() - start
    translated = [to_duckdb(q) for q in queries]
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for q in translated:
            con.execute(q).fetchall()
        times.append(time.perf_counter() - start)
    return load, times


def main():
    walls, rss, queries = run_finops()
    load, times = run_duckdb(queries)
    print(f"data: {DATA} ({os.path.getsize(DATA) / 1e6:.1f} MB), {os.cpu_count()} cores, {RUNS} runs each")
    print(f"finops analyze (load + {len(queries)} queries + Rust post-processing + 13 JSON files + 14 HTML pages):")
    print(f"  wall best {min(walls):.3f} s, median {statistics.median(walls):.3f} s, peak RSS {rss / 1024:.0f} MB")
    print(f"DuckDB {duckdb.__version__}, the same {len(queries)} queries:")
    print(f"  CSV load into a table {load:.3f} s; queries best {min(times):.3f} s, median {statistics.median(times):.3f} s")
    print(f"  load + queries {load + min(times):.3f} s")


if __name__ == "__main__":
    main()
