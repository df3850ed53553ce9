//! `finops cluster scheduler|executor`: the roles of an Apache Ballista cluster that runs the analyses
//! (`finops analyze --cluster df://HOST:PORT`), built from the ballista crates of our DataFusion
//! release. Needs the `cluster` cargo feature.
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

pub const ABOUT: &str = "Run a role of an Apache Ballista cluster that runs the analyses.

One scheduler, any number of executors (each runs tasks on its cores and sends results on), and
`finops analyze --cluster df://HOST:PORT -i DATASET/` as the client. The executors read the dataset's
files by the path the client gives: on one machine that is given; across machines mount the folder at
the same path everywhere. Needs a build with the cluster feature:

  cargo build --release --features finops-cli/cluster

Example, on one machine:
  finops cluster scheduler --bind 127.0.0.1 --port 50050 &
  finops cluster executor --scheduler 127.0.0.1:50050 --port 50051 --grpc-port 50052 &
  finops cluster executor --scheduler 127.0.0.1:50050 --port 50061 --grpc-port 50062 &
  finops analyze --cluster df://127.0.0.1:50050 -i data/calls/";

#[derive(Debug, Subcommand)]
pub enum ClusterRole {
    /// Run the scheduler: it plans the queries of `finops analyze --cluster` and hands tasks to executors.
    Scheduler(SchedulerArgs),
    /// Run an executor: it registers with the scheduler and runs the tasks it is given.
    Executor(ExecutorArgs),
}

#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Address to listen on (0.0.0.0 for every interface).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Port of the scheduler (clients use df://HOST:PORT).
    #[arg(long, default_value_t = 50050)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// The scheduler, HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:50050")]
    pub scheduler: String,
    /// Address to listen on; also the address given to the scheduler and other executors.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Port of the Arrow Flight service that serves task results.
    #[arg(long, default_value_t = 50051)]
    pub port: u16,
    /// Port of the executor's gRPC service.
    #[arg(long, default_value_t = 50052)]
    pub grpc_port: u16,
    /// Tasks run at once (0 = one per core).
    #[arg(long, default_value_t = 0)]
    pub concurrent_tasks: usize,
    /// Folder for intermediate (shuffle) files [default: a temporary folder].
    #[arg(long)]
    pub work_dir: Option<PathBuf>,
    /// Memory the executor's tasks may use before they spill, e.g. 1GB [default: a share of the machine's].
    #[arg(long, value_name = "SIZE", value_parser = finops_core::units::parse_size)]
    pub memory_limit: Option<u64>,
}

#[cfg(not(feature = "cluster"))]
pub fn run(_role: &ClusterRole) -> Result<()> {
    anyhow::bail!(
        "this finops was built without the cluster feature; build it with `cargo build --release --features finops-cli/cluster`"
    )
}

#[cfg(feature = "cluster")]
pub fn run(role: &ClusterRole) -> Result<()> {
    use std::sync::Arc;

    use anyhow::Context;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match role {
        ClusterRole::Scheduler(a) => runtime.block_on(async {
            use ballista_scheduler::cluster::BallistaCluster;
            use ballista_scheduler::config::SchedulerConfig;
            // The analyses' own functions (`values_list`, `key_hash`, `bucket`) must be known where plans are made.
            let session_builder: ballista_scheduler::SessionBuilder = Arc::new(|config| {
                use finops_analytics::datafusion::execution::FunctionRegistry;
                let mut state = ballista_core::utils::default_session_builder(config)?;
                for f in finops_analytics::aggregate_functions() {
                    state.register_udaf(Arc::new(f))?;
                }
                for f in finops_analytics::scalar_functions() {
                    state.register_udf(Arc::new(f))?;
                }
                Ok(state)
            });
            let config = SchedulerConfig {
                bind_host: a.bind.clone(),
                external_host: a.bind.clone(),
                bind_port: a.port,
                override_session_builder: Some(session_builder),
                ..SchedulerConfig::default()
            };
            let addr = format!("{}:{}", a.bind, a.port).parse().with_context(|| format!("--bind {}", a.bind))?;
            let cluster = BallistaCluster::new_from_config(&config).await.context("starting the scheduler")?;
            eprintln!("finops cluster scheduler listening on {addr} (clients: --cluster df://{addr})");
            ballista_scheduler::scheduler_process::start_server(cluster, addr, Arc::new(config))
                .await
                .context("scheduler")
        }),
        ClusterRole::Executor(a) => runtime.block_on(async {
            use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
            let (host, port) = a
                .scheduler
                .rsplit_once(':')
                .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
                .with_context(|| format!("--scheduler `{}` is not HOST:PORT", a.scheduler))?;
            let mut functions = ballista_core::registry::BallistaFunctionRegistry::default();
            for f in finops_analytics::aggregate_functions() {
                functions.aggregate_functions.insert(f.name().to_string(), Arc::new(f));
            }
            for f in finops_analytics::scalar_functions() {
                functions.scalar_functions.insert(f.name().to_string(), Arc::new(f));
            }
            let config = ExecutorProcessConfig {
                bind_host: a.bind.clone(),
                external_host: Some(a.bind.clone()),
                port: a.port,
                grpc_port: a.grpc_port,
                scheduler_host: host,
                scheduler_port: port,
                vcores: a.concurrent_tasks,
                work_dir: a.work_dir.as_ref().map(|p| p.display().to_string()),
                memory_pool_size: a.memory_limit,
                // Result batches with the latency lists of millions of calls exceed gRPC's 16 MB default.
                grpc_max_decoding_message_size: finops_analytics::cluster::MAX_MESSAGE as u32,
                grpc_max_encoding_message_size: finops_analytics::cluster::MAX_MESSAGE as u32,
                // The analyses' own functions (`values_list`, `key_hash`, `bucket`), for the plans the executor runs.
                override_function_registry: Some(Arc::new(functions)),
                ..ExecutorProcessConfig::default()
            };
            eprintln!(
                "finops cluster executor on {}:{} (gRPC {}) for the scheduler at {}",
                a.bind, a.port, a.grpc_port, a.scheduler
            );
            start_executor_process(Arc::new(config)).await.context("executor")
        }),
    }
}
