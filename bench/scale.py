#!/usr/bin/env python3
"""The scale table: `finops analyze` over 1 M, 10 M and 50 M calls, CSV and partitioned Parquet, embedded and on
a Ballista cluster, with DuckDB running the same queries on the same files in the same run.

Usage: python3 bench/scale.py [N ...]        (default: 1000000 10000000 50000000; pip install duckdb)

Environment:
  FINOPS_BIN      the release binary (default: $CARGO_TARGET_DIR/release/finops).
  WITH_CLUSTER=1  also the cluster rows (a binary built with `--features cluster`): the script starts a
                  scheduler and two executors on 127.0.0.1 (2 tasks each) and stops them at the end.
  SCALE_DIR       where the data goes (default: /tmp/finops-scale); each size's files are deleted after use.
  CSV_MAX         the largest size analyzed from CSV (default 10000000): the CSV path loads the calls into
                  memory (about 0.8 KB per call), so 50 M calls need more memory than this machine has.

Each cell is one run of the whole command under `/usr/bin/time -v` (wall time, peak RSS of the process; for
the cluster the client's, with the executors' peaks listed beside). `finops analyze` writes the 14 JSON
results and the 15 HTML pages. DuckDB (Python package, one process per cell) runs the SQL the analyses send,
captured from the same run with RUST_LOG=finops_analytics=trace, translated only where the dialects differ,
over the same files (a view of the Parquet dataset; the CSV loaded into a table first, as finops loads it):
no Rust post-processing, no files written.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.environ.get("FINOPS_BIN", os.path.join(TARGET, "release", "finops"))
DIR = os.environ.get("SCALE_DIR", "/tmp/finops-scale")
CSV_MAX = int(os.environ.get("CSV_MAX", "10000000"))
SIZES = [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000, 50_000_000]

DUCKDB_RUNNER = r"""
import sys, duckdb
sys.path.insert(0, sys.argv[3])
from duckdb_dialect import to_duckdb
source, queries = sys.argv[1], open(sys.argv[2]).read().split("\n;;\n")
con = duckdb.connect()
if source.endswith(".csv"):
    # Loaded once into a table, as finops loads a CSV (a view would parse the file again for every query).
    con.execute(f"CREATE TABLE calls AS SELECT * REPLACE (CAST(timestamp AS TIMESTAMPTZ) AS timestamp), cost_usd AS list_cost_usd FROM read_csv('{source}', header = true, auto_detect = true)")
else:
    con.execute(f"CREATE VIEW calls AS SELECT * EXCLUDE (date), cost_usd AS list_cost_usd FROM read_parquet('{source}/*/*.parquet', hive_partitioning = true)")
for q in queries:
    if q.strip():
        con.execute(to_duckdb(q)).fetchall()
"""


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (wall s, peak RSS MB, stderr)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd}: {p.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", p.stderr).group(1)
    secs = sum(float(x) * 60**i for i, x in enumerate(reversed(wall.split(":"))))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return secs, rss, p.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def start_cluster():
    if not os.environ.get("WITH_CLUSTER"):
        return None, []
    port = free_port()
    procs = [subprocess.Popen([BIN, "cluster", "scheduler", "--port", str(port)], stderr=subprocess.DEVNULL)]
    wait_port(port)
    for _ in range(2):
        flight, grpc = free_port(), free_port()
        procs.append(subprocess.Popen(
            [BIN, "cluster", "executor", "--scheduler", f"127.0.0.1:{port}", "--port", str(flight),
             "--grpc-port", str(grpc), "--concurrent-tasks", "2"], stderr=subprocess.DEVNULL))
        wait_port(flight)
    time.sleep(2)
    return f"df://127.0.0.1:{port}", procs


def peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024
    except OSError:
        return 0.0


def duckdb(source, queries_file):
    runner = os.path.join(DIR, "duckdb_runner.py")
    with open(runner, "w") as f:
        f.write(DUCKDB_RUNNER)
    return timed([sys.executable, runner, source, queries_file, os.path.join(ROOT, "bench")])


def main():
    os.makedirs(DIR, exist_ok=True)
    url, procs = start_cluster()
    rows = []
    try:
        for n in SIZES:
            folder = os.path.join(DIR, f"calls-{n}")
            csv = os.path.join(DIR, f"calls-{n}.csv")
            world = ["--calls", str(n), "--customers", "2000", "--orgs", "200", "-q"]
            gen, gen_rss, _ = timed([BIN, "simulate", *world, "--format", "parquet", "--out", folder + "/"])
            size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs)
            rows.append((n, "simulate", "partitioned Parquet", gen, gen_rss, f"{size / 2**20:.0f} MB written"))
            out = os.path.join(DIR, "reports")
            env = dict(os.environ, RUST_LOG="finops_analytics=trace", NO_COLOR="1")
            wall, rss, log = timed([BIN, "analyze", "-q", "-i", folder + "/", "--out", out], env=env)
            rows.append((n, "finops analyze, embedded", "partitioned Parquet", wall, rss, ""))
            queries = [m.group(1) for m in re.finditer(r"sql full ms=\S+ query=(.*)$", log, re.M)]
            qfile = os.path.join(DIR, "queries.sql")
            with open(qfile, "w") as f:
                f.write("\n;;\n".join(q for q in queries if not q.startswith("CREATE")))
            if url:
                before = [peak_rss_mb(p.pid) for p in procs[1:]]
                wall, rss, _ = timed([BIN, "analyze", "-q", "--cluster", url, "-i", folder + "/", "--out", out])
                execs = ", ".join(f"{peak_rss_mb(p.pid):.0f}" for p in procs[1:])
                rows.append((n, "finops analyze --cluster (scheduler + 2 executors)", "partitioned Parquet", wall, rss,
                             f"client RSS; executors' peaks {execs} MB (before: {', '.join(f'{b:.0f}' for b in before)})"))
            wall, rss, _ = duckdb(folder, qfile)
            rows.append((n, f"DuckDB, the same {len(queries)} queries", "partitioned Parquet", wall, rss, ""))
            if n <= CSV_MAX:
                timed([BIN, "simulate", *world, "--out", csv])
                wall, rss, _ = timed([BIN, "analyze", "-q", "-i", csv, "--out", out])
                rows.append((n, "finops analyze, embedded", "CSV", wall, rss, f"{os.path.getsize(csv) / 2**20:.0f} MB"))
                wall, rss, _ = duckdb(csv, qfile)
                rows.append((n, f"DuckDB, the same {len(queries)} queries", "CSV", wall, rss, ""))
                os.remove(csv)
            else:
                rows.append((n, "finops analyze, embedded", "CSV", None, None, "not run: CSV is loaded into memory (above CSV_MAX)"))
            shutil.rmtree(folder, ignore_errors=True)
            for r in rows[-6:]:
                print(r, flush=True)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    print("\n| calls | command | input | wall | peak RSS | note |\n|---|---|---|---|---|---|")
    for n, what, inp, wall, rss, note in rows:
        w = f"{wall:.1f} s" if wall is not None else "-"
        r = f"{rss:.0f} MB" if rss is not None else "-"
        print(f"| {n / 1e6:g} M | {what} | {inp} | {w} | {r} | {note} |")


if __name__ == "__main__":
    main()
