#!/usr/bin/env bash
# The analyses' result types are the one contract between the analyses and the pages: a renamed or
# removed field must stop the report crate from building, never show up as an empty or zero figure.
# This copies the workspace, renames one field at a time in crates/finops-results and expects
# `cargo check -p finops-report` to fail, naming that field. Run by .ci/run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$root/Cargo.toml" "$root/Cargo.lock" "$root/crates" "$work/"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$work/target}"

# file under crates/finops-results/src, field, its new name
checks=(
  "performance.rs ttft_p50_ms ttft_median_ms"
  "realtime.rs expected_cost_usd baseline_cost_usd"
  "churn_growth.rs monthly_spend_usd spend_per_month_usd"
  "optimization.rs switching_savings_usd model_switch_savings_usd"
)
cd "$work"
cargo check -p finops-report --locked --quiet
for check in "${checks[@]}"; do
  read -r file field renamed <<<"$check"
  src="crates/finops-results/src/$file"
  cp "$src" "$src.orig"
  sed -i "0,/pub $field:/s//pub $renamed:/" "$src"
  if cargo check -p finops-report --locked --quiet 2>"$work/err"; then
    echo "FAIL: the report crate still builds with $file's \`$field\` renamed to \`$renamed\`" >&2
    exit 1
  fi
  grep -q "no field \`$field\`" "$work/err" || { cat "$work/err" >&2; echo "FAIL: the error does not name \`$field\`" >&2; exit 1; }
  echo "ok: renaming $file's \`$field\` breaks the report crate ($(grep -c '^error\[E0609\]' "$work/err") uses)"
  mv "$src.orig" "$src"
done
