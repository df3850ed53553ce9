#!/usr/bin/env python3
"""Prints the realism tables of a simulated call log with DuckDB (an engine independent of finops).

Usage: python3 bench/realism.py [data/simulated_calls.csv]   (pip install duckdb)
"""
import sys

import duckdb

path = sys.argv[1] if len(sys.argv) > 1 else "data/simulated_calls.csv"
con = duckdb.connect()
con.execute(f"CREATE VIEW calls AS SELECT * FROM read_csv_auto('{path}')")


def show(title, sql):
    print(f"\n{title}\n")
    rel = con.sql(sql)
    cols = rel.columns
    rows = rel.fetchall()
    print("| " + " | ".join(cols) + " |")
    print("|" + "|".join("---" for _ in cols) + "|")
    for r in rows:
        print("| " + " | ".join(f"{v:,.2f}" if isinstance(v, float) else str(v) for v in r) + " |")


show("Calls per customer per day, by archetype (seed ranges: light 5-20, power 50-150, heavy 200-500 on weekdays)", """
WITH days AS (
  SELECT customer_id, customer_archetype, timestamp::DATE AS d, count(*) AS n,
         dayofweek(timestamp) IN (0, 6) AS weekend
  FROM calls GROUP BY ALL)
SELECT customer_archetype AS archetype, count(DISTINCT customer_id) AS customers,
       avg(n) FILTER (WHERE NOT weekend) AS weekday_mean, quantile_cont(n, 0.1) FILTER (WHERE NOT weekend) AS weekday_p10,
       quantile_cont(n, 0.9) FILTER (WHERE NOT weekend) AS weekday_p90, avg(n) FILTER (WHERE weekend) AS weekend_mean
FROM days GROUP BY 1 ORDER BY weekday_mean""")

show("Token percentiles by feature (successful calls)", """
SELECT feature_id AS feature, count(*) AS calls,
       quantile_cont(input_tokens, 0.5) AS input_p50, quantile_cont(input_tokens, 0.95) AS input_p95,
       quantile_cont(input_tokens, 0.99) AS input_p99,
       quantile_cont(output_tokens, 0.5) AS output_p50, quantile_cont(output_tokens, 0.95) AS output_p95,
       round(100.0 * sum(cached_input_tokens) / sum(input_tokens), 1) AS cached_pct
FROM calls WHERE status = 'success' GROUP BY 1 ORDER BY 1""")

show("Latency by model (successful standard-tier calls, top 12 models by calls)", """
SELECT provider, model, count(*) AS calls,
       quantile_cont(time_to_first_token_ms, 0.5) AS ttft_p50, quantile_cont(latency_ms, 0.5) AS latency_p50,
       quantile_cont(latency_ms, 0.95) AS latency_p95
FROM calls WHERE status = 'success' AND service_tier = 'standard'
GROUP BY 1, 2 ORDER BY calls DESC LIMIT 12""")

show("Outcomes", """
SELECT status, error_type, count(*) AS calls, round(100.0 * count(*) / sum(count(*)) OVER (), 3) AS pct,
       round(sum(cost_usd), 2) AS cost_usd
FROM calls GROUP BY 1, 2 ORDER BY calls DESC""")

show("Provider share of calls (target 40/25/15/10/7/2/1)", """
SELECT provider, round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct_calls,
       round(sum(cost_usd), 2) AS cost_usd FROM calls GROUP BY 1 ORDER BY pct_calls DESC""")
