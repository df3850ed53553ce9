#!/bin/bash
# The cluster check of issue #17, outside the default test run (the `cluster` feature compiles the query
# engine a second time, about 25 minutes on 2 cores): builds finops with the feature and runs
# crates/finops-cli/tests/cluster.rs, which starts a Ballista scheduler and two executors on 127.0.0.1
# (`finops cluster ...`), analyzes a 300,000-call partitioned dataset on the cluster and embedded, and
# compares the 13 JSON results field by field.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --locked --workspace --features finops-cli/cluster --test cluster -- --nocapture
