#!/usr/bin/env python3
"""Where a call log's money goes (uncached input, cached input, visible output, reasoning) and how often
each feature's prompts hit the cache.

Usage: python3 bench/cost_split.py data/simulated_calls.csv [finops binary]   (pip install duckdb)

Re-prices every call from the catalog (`finops pricing --format json`) with the same rules as the one
cost formula (the price row in force on the call's UTC date; long-context rates for the whole request
above the threshold; batch rates for batch calls; cached input at the cached rate, at the input rate
where none is listed) and checks that the parts add up to the log's own `cost_usd`.
"""
import bisect
import json
import os
import subprocess
import sys

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "data", "simulated_calls.csv")
BIN = sys.argv[2] if len(sys.argv) > 2 else "finops"

catalog = json.loads(subprocess.run([BIN, "pricing", "--format", "json"], check=True, capture_output=True).stdout)
rows = {}
for m in catalog["models"]:
    prices = sorted(m["prices"], key=lambda p: p["effective_from"])
    rows[(m["provider"], m["name"])] = ([p["effective_from"] for p in prices], prices)


def rates(provider, model, day, prompt, tier):
    dates, prices = rows[(provider, model)]
    p = prices[bisect.bisect_right(dates, day) - 1]
    inp, out, cached = p["input"], p["output"], p["cached_input"]
    lc = p["long_context"]
    if lc and prompt > lc["above_input_tokens"]:
        inp, out, cached = lc["input"], lc["output"], lc["cached_input"] or cached
    if tier == "batch":
        inp, out = p["batch_input"], p["batch_output"]
    return inp, (cached if cached is not None else inp), out


parts = {"uncached input": 0, "cached input": 0, "visible output": 0, "reasoning": 0}
total = 0
con = duckdb.connect()
q = f"""SELECT provider, model, CAST(CAST(timestamp AS DATE) AS VARCHAR) AS day, service_tier, input_tokens,
        cached_input_tokens, output_tokens, reasoning_tokens, count(*) AS n, sum(cost_usd) AS cost
        FROM read_csv_auto('{CSV}') WHERE input_tokens > 0 GROUP BY ALL"""
for provider, model, day, tier, i, ci, o, r, n, cost in con.sql(q).fetchall():
    inp, cached, out = rates(provider, model, day, i, tier)
    parts["uncached input"] += n * (i - ci) * inp
    parts["cached input"] += n * ci * cached
    parts["visible output"] += n * (o - r) * out
    parts["reasoning"] += n * r * out
    total += cost
s = sum(parts.values()) / 1e12
print(f"cost ${total:,.2f} (re-priced ${s:,.2f}, {100 * abs(s - total) / total:.3f}% apart)")
for k, v in parts.items():
    print(f"  {k:15} ${v / 1e12:>12,.2f}  {100 * v / 1e12 / s:5.1f}%")

# The prompt cache per feature: calls that read from it, and the cached share of their input tokens.
print()
print("| feature | calls | calls with a cache hit | cached share of input tokens |")
print("|---|---|---|---|")
for f, n, hits, share in con.sql(f"""SELECT feature_id, count(*), avg((cached_input_tokens > 0)::INT),
        sum(cached_input_tokens) / sum(input_tokens) FROM read_csv_auto('{CSV}') WHERE input_tokens > 0
        GROUP BY 1 ORDER BY 1""").fetchall():
    print(f"| {f} | {n:,} | {100 * hits:.1f}% | {100 * share:.1f}% |")
