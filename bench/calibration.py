#!/usr/bin/env python3
"""Side by side: a simulated call log against the anchors its token shapes follow.

Usage: python3 bench/calibration.py data/simulated_calls.csv [path/to/azure-llm-trace-2023]
(pip install duckdb). The 2026 targets are read from crates/finops-sim/src/tokens.rs (the quantiles the
simulator draws from); the 2023 trace's own percentiles are computed from its CSV files when given.

For each feature: prompt percentiles over billed calls (a timeout bills its prompt) and visible-answer
percentiles (output minus reasoning) over successful calls, the share of answers longer than their
prompt, and Spearman's rank correlation of prompt and answer.
"""
import math
import os
import re
import sys

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "data", "simulated_calls.csv")
TRACE = sys.argv[2] if len(sys.argv) > 2 else None
PS = [0.1, 0.5, 0.9, 0.99]

src = open(os.path.join(ROOT, "crates", "finops-sim", "src", "tokens.rs")).read()
consts = {m.group(1): float(m.group(2)) for m in re.finditer(r"(?:pub )?const (\w+): f64 = ([0-9.]+);", src)}
knots = {}
for m in re.finditer(r"pub const (\w+): Knots =\s*&\[(.*?)\];", src, re.S):
    pairs = re.findall(r"\(([0-9.]+),\s*([^()]+?)\)", m.group(2))
    knots[m.group(1)] = [(float(p), eval(x, {}, consts)) for p, x in pairs]
shapes = {}
for m in re.finditer(r"Feature::(\w+) =>\s*\{?\s*TokenShape \{ prompt: (\w+), answer: (Answer::\w+(?:\(\w+\)| \{[^}]*\})) \}", src):
    feature = m.group(1).lower()
    answer = m.group(3)
    a = re.match(r"Answer::Quantiles\((\w+)\)", answer)
    shapes[feature] = (knots[m.group(2)], knots[a.group(1)] if a else answer)


def at(k, u):
    i = max(1, min(len(k) - 1, next((j for j, (p, _) in enumerate(k) if p > u), len(k) - 1)))
    (p0, x0), (p1, x1) = k[i - 1], k[i]
    return math.exp(math.log(x0) + (u - p0) / (p1 - p0) * (math.log(x1) - math.log(x0)))


con = duckdb.connect()
con.execute(f"CREATE VIEW calls AS SELECT * FROM read_csv_auto('{CSV}')")
qs = ", ".join(f"quantile_cont(input_tokens, {p}) AS i{i}" for i, p in enumerate(PS))
prompts = {r[0]: r[1:] for r in con.sql(f"SELECT feature_id, {qs} FROM calls WHERE input_tokens > 0 GROUP BY 1").fetchall()}
qs = ", ".join(f"quantile_cont(output_tokens - reasoning_tokens, {p}) AS o{i}" for i, p in enumerate(PS))
answers = {r[0]: r[1:] for r in con.sql(f"""
    SELECT feature_id, {qs},
           avg(CASE WHEN output_tokens - reasoning_tokens > input_tokens THEN 1.0 ELSE 0 END) AS longer,
           corr(ri, ro) AS spearman, count(*) AS n
    FROM (SELECT *, rank() OVER (PARTITION BY feature_id ORDER BY input_tokens) AS ri,
                 rank() OVER (PARTITION BY feature_id ORDER BY output_tokens - reasoning_tokens) AS ro
          FROM calls WHERE status = 'success')
    GROUP BY 1""").fetchall()}

trace = {}
if TRACE:
    for name, feature in (("conv", "chat"), ("code", "code")):
        t = duckdb.connect()
        t.execute(f"CREATE VIEW r AS SELECT * FROM read_csv_auto('{os.path.join(TRACE, name + '.csv')}')")
        row = t.sql(
            "SELECT " + ", ".join(f"quantile_cont(ContextTokens, {p})" for p in PS) + ", "
            + ", ".join(f"quantile_cont(GeneratedTokens, {p})" for p in PS)
            + ", avg(CASE WHEN GeneratedTokens > ContextTokens THEN 1.0 ELSE 0 END),"
            " corr(ri, ro) FROM (SELECT *, rank() OVER (ORDER BY ContextTokens) AS ri,"
            " rank() OVER (ORDER BY GeneratedTokens) AS ro FROM r)"
        ).fetchall()[0]
        trace[feature] = row

fmt = lambda x: f"{x:,.0f}" if x >= 10 else f"{x:.2f}"
print("| feature | calls | | p10 | p50 | p90 | p99 | answer > prompt | Spearman |")
print("|---|---|---|---|---|---|---|---|---|")
for feature in sorted(answers):
    prompt_k, answer_k = shapes[feature]
    a = answers[feature]
    if feature in trace:
        t = trace[feature]
        print(f"| {feature} | | prompt, 2023 trace | " + " | ".join(fmt(x) for x in t[0:4]) + f" | {100 * t[8]:.1f}% | {t[9]:.2f} |")
    print(f"| {feature} | | prompt, target | " + " | ".join(fmt(at(prompt_k, p)) for p in PS) + " | | |")
    print(f"| {feature} | {a[6]:,} | prompt, simulated | " + " | ".join(fmt(x) for x in prompts[feature]) + f" | {100 * a[4]:.1f}% | {a[5]:.2f} |")
    if feature in trace:
        print(f"| {feature} | | answer, 2023 trace | " + " | ".join(fmt(x) for x in trace[feature][4:8]) + " | | |")
    target = " | ".join(fmt(at(answer_k, p)) for p in PS) if isinstance(answer_k, list) else "prompt x 1.1 (log-normal ratio)"
    print(f"| {feature} | | answer, target | {target} | | |")
    print(f"| {feature} | | answer, simulated | " + " | ".join(fmt(x) for x in a[0:4]) + " | | |")
cost = con.sql("""SELECT count(*), sum(cost_usd), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens),
                  sum(reasoning_tokens) FROM calls""").fetchall()[0]
print(f"\ncalls {cost[0]:,}, cost ${cost[1]:,.2f}, ${1000 * cost[1] / cost[0]:.2f} per 1,000 calls; tokens: "
      f"input {cost[2]:,} (cached {100 * cost[3] / cost[2]:.1f}%), output {cost[4]:,} (reasoning {100 * cost[5] / cost[4]:.1f}%)")
