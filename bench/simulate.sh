#!/usr/bin/env bash
# Times `finops simulate` end to end (process start to renamed file) with hyperfine.
# Usage: bash bench/simulate.sh            (apt-get install hyperfine)
# Optional: PY_SHOWCASE=/path/to/revenium-finops-showcase also times `python3 run_all_simulators.py 50`
# from its src/ folder, for a side-by-side run on the same machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/finops"
out="${TMPDIR:-/tmp}/finops-bench"
mkdir -p "$out"
cmds=(
  "$bin simulate -q --out $out/50mb.csv"
  "$bin simulate -q --target-size 1GB --out $out/1gb.csv"
  "$bin simulate -q --format parquet --calls 2000000 --out $out/2m.parquet"
)
if [ -n "${PY_SHOWCASE:-}" ]; then
  cmds+=("cd $PY_SHOWCASE/src && python3 run_all_simulators.py 50")
fi
hyperfine --warmup 2 --runs 10 "${cmds[@]}" 2>&1 | grep -v '^ *$'
nproc; lscpu | grep 'Model name' || true
