//! The analyses on a Apache Ballista cluster (cargo feature `cluster`): the dataset's listing table and
//! the `calls` view are registered in a Ballista session, so every query the analyses send is planned
//! by the scheduler and run by the executors, and only the aggregated results come back; the Rust
//! post-processing (percentiles by selection, forecasts, detectors, rules) runs here on those results.
//!
//! The executors read the dataset's files by the same absolute path as this process: on one machine
//! that is given; across machines the folder must be mounted at the same path on every one.
use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::engine::{Dataset, Result, query_runtime};
use crate::load::LoadOptions;
use crate::scan::PartitionedDataset;

/// The largest gRPC / Flight message between client, scheduler and executors (1 GiB).
pub const MAX_MESSAGE: usize = 1 << 30;

impl Dataset {
    /// `dataset` analyzed on the Ballista cluster whose scheduler is at `url` (`df://HOST:PORT`).
    pub fn scan_on_cluster(url: &str, dataset: &PartitionedDataset, opts: LoadOptions) -> Result<Dataset> {
        let (_, runtime) = query_runtime()?;
        // Results come back in Arrow Flight messages, 16 MB at most by default; the latency lists of
        // 10 million calls need more (a cube batch was 36 MB).
        let config = SessionConfig::new_with_ballista().with_ballista_grpc_client_max_message_size(MAX_MESSAGE);
        let state = SessionStateBuilder::new().with_config(config).with_default_features().build();
        let ctx = runtime.block_on(SessionContext::remote_with_state(url, state))?;
        let load = runtime.block_on(crate::scan::register(&ctx, dataset, &opts))?;
        Dataset::with_context(runtime, ctx, load, None, opts.window)
    }
}
