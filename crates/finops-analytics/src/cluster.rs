//! The analyses on a Apache Ballista cluster (cargo feature `cluster`): the dataset's listing table and
//! the `calls` view are registered in a Ballista session, so every query the analyses send is planned
//! by the scheduler and run by the executors, and only the aggregated results come back; the Rust
//! post-processing (percentiles by selection, forecasts, detectors, rules) runs here on those results.
//!
//! The executors read the dataset's files by the same absolute path as this process: on one machine
//! that is given; across machines the folder must be mounted at the same path on every one.
use ballista::prelude::SessionContextExt;
use datafusion::prelude::SessionContext;

use crate::engine::{Dataset, Result, query_runtime};
use crate::load::LoadOptions;
use crate::scan::PartitionedDataset;

impl Dataset {
    /// `dataset` analyzed on the Ballista cluster whose scheduler is at `url` (`df://HOST:PORT`).
    pub fn scan_on_cluster(url: &str, dataset: &PartitionedDataset, opts: LoadOptions) -> Result<Dataset> {
        let (_, runtime) = query_runtime()?;
        let ctx = runtime.block_on(SessionContext::remote(url))?;
        let load = runtime.block_on(crate::scan::register(&ctx, dataset, &opts, opts.window))?;
        Dataset::with_context(runtime, ctx, load, None, opts.window)
    }
}
