#!/usr/bin/env bash
# Re-records the OpenTelemetry test files in crates/finops-analytics/tests/data/otel with the real
# instrumentation packages (pinned in the requirements files) against fake_llm_api.py. Needs Python 3.11
# and PyPI; not run by CI (the recorded files are committed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../crates/finops-analytics/tests/data/otel"
venvs=${VENVS:-/tmp/finops-otel-venvs}
mkdir -p "$out" "$venvs"
for set in current older; do
  [ -x "$venvs/$set/bin/python" ] || { python3 -m venv "$venvs/$set" && "$venvs/$set/bin/pip" install -q -r "$here/requirements-$set.txt"; }
done
cd "$here"
"$venvs/current/bin/python" record.py openai-v2 "$out/openai-v2-2.4b0.jsonl"
"$venvs/older/bin/python" record.py openai-v2 "$out/openai-v2-2.3b0.jsonl"
"$venvs/current/bin/python" record.py anthropic-sdk "$out/anthropic-sdk-2.14.0.jsonl"
"$venvs/current/bin/python" record.py openllmetry-anthropic "$out/openllmetry-anthropic-0.62.4.jsonl"
"$venvs/current/bin/python" record.py anthropic-both "$out/anthropic-sdk-and-openllmetry.jsonl"
gzip -f -n "$out/anthropic-sdk-and-openllmetry.jsonl"
ls -l "$out"
