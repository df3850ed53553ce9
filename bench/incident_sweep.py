#!/usr/bin/env python3
"""Threshold sweep of the incident detector: for each (incident_z, incident_min_excess_calls,
incident_min_ratio), `finops evaluate` on every dataset and `finops analyze` on a baseline run.

Usage: python3 bench/incident_sweep.py [z,excess,ratio ...]   (in a folder holding the datasets
<name>.csv + <name>.events.json named in SETS, and base.csv from `finops simulate --baseline`)
"""
import json
import os
import subprocess
import sys

B = os.environ.get("FINOPS", "finops")
SETS = os.environ.get("SETS", "show s7 s77 s11").split()
sets = SETS
grid=[(z,e,r) for z in (5,7) for e in (30,60,100) for r in (3,4)]
if len(sys.argv)>1: grid=[tuple(float(x) for x in a.split(',')) for a in sys.argv[1:]]
for z,e,r in grid:
    open('r.toml','w').write(f"[realtime]\nincident_z = {z}\nincident_min_excess_calls = {int(e)}\nincident_min_ratio = {r}\n")
    tot_ev=tot_found=tot_inc=tot_match=onset_ok=rc=0; out=[]
    for s in sets:
        j=json.loads(subprocess.run([B,'--rules','r.toml','evaluate','--answer-key',f'{s}.events.json','--json'],capture_output=True,text=True).stdout)
        for c in j['classes']:
            tot_ev+=c['events']; tot_found+=c['found']; onset_ok+=c['onset_within_hour']; rc+=c['root_cause_right']
        tot_inc+=j['incidents']; tot_match+=j['matched_incidents']
        out.append(f"{s}:{j['matched_incidents']}/{j['incidents']} ev {sum(c['found'] for c in j['classes'])}/{sum(c['events'] for c in j['classes'])}")
    base=json.loads(subprocess.run([B,'--rules','r.toml','analyze','-i','base.csv','--json','realtime'],capture_output=True,text=True).stdout)['summary']['incidents']
    print(f"z={z} excess={e} ratio={r}: recall {tot_found}/{tot_ev} onset<1h {onset_ok} rc {rc} precision {tot_match}/{tot_inc} baseline {base} | "+"; ".join(out), flush=True)
