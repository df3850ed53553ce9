#!/usr/bin/env python3
"""Threshold sweep of the incident detector: for each setting of `realtime` rules, `finops evaluate` on
every dataset and `finops analyze` on a baseline run.

Usage: FINOPS=target/release/finops SETS="show s7 ..." python3 bench/incident_sweep.py SETTING ...
  SETTING: comma-separated rule=value pairs of the [realtime] table, e.g.
           incident_min_spread_excess_calls=200,incident_runaway_share_pct=80
Run in a folder holding the datasets <name>.csv + <name>.events.json named in SETS, and base.csv from
`finops simulate --baseline`.
"""
import json
import os
import subprocess
import sys

B = os.environ.get("FINOPS", "finops")
SETS = os.environ.get("SETS", "show s7 s77 s11 v101 v202 v5big").split()


def run(*args):
    out = subprocess.run([B, "--rules", "r.toml", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


for setting in sys.argv[1:] or [""]:
    pairs = [p.split("=", 1) for p in setting.split(",") if p]
    with open("r.toml", "w") as f:
        f.write("[realtime]\n" + "".join(f"{k} = {v}\n" for k, v in pairs))
    events = found = incidents = matched = onset = root = 0
    per_set = []
    for s in SETS:
        j = run("evaluate", "--answer-key", f"{s}.events.json", "--json")
        for c in j["classes"]:
            events += c["events"]
            found += c["found"]
            onset += c["onset_within_hour"]
            root += c["root_cause_right"]
        incidents += j["incidents"]
        matched += j["matched_incidents"]
        per_set.append(f"{s}:{j['matched_incidents']}/{j['incidents']}")
    base = run("analyze", "-i", "base.csv", "--json", "realtime")["summary"]["incidents"]
    print(
        f"{setting or 'built-in rules'}: recall {found}/{events} onset<1h {onset} root cause {root} "
        f"precision {matched}/{incidents} baseline {base} | " + "; ".join(per_set),
        flush=True,
    )
