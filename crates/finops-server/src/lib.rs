//! The live viewer: serves the reports on localhost, runs generate -> analyze -> render while the data
//! grows, and pushes progress to the pages over Server-Sent Events.
//!
//! ```no_run
//! use finops_server::pipeline::{Pipeline, PipelineConfig, Rate};
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let pipeline = Pipeline::new(PipelineConfig {
//!     data_dir: "data".into(),
//!     file: "simulated_calls.csv".into(),
//!     out: "reports".into(),
//!     sim: finops_sim::SimConfig::default(),
//!     rates: Default::default(),
//!     rules: Default::default(),
//!     target_bytes: 50 << 20,
//!     rate: Rate::SHOWCASE,
//!     interval: std::time::Duration::from_secs(3),
//! });
//! pipeline.start_generation(None, None)?;
//! let (listener, addr) = finops_server::bind("127.0.0.1".parse()?, 8000).await?;
//! println!("http://{addr}/");
//! finops_server::serve(listener, pipeline, "reports/html".into(), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await?;
//! # Ok(()) }
//! ```
pub mod api;
pub mod pipeline;
pub mod static_files;
pub mod status;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use thiserror::Error;
use tokio::net::TcpListener;

use crate::api::{AppState, HostPolicy, router};
use crate::pipeline::Pipeline;

/// Why the viewer could not start.
#[derive(Debug, Error)]
pub enum ServerError {
    #[error(
        "port {port} on {ip} is already in use (is another viewer running? pick another with --port N, or --port 0 for any free port)"
    )]
    InUse { ip: IpAddr, port: u16 },
    #[error("cannot listen on {ip} port {port}: {source}")]
    Bind { ip: IpAddr, port: u16, source: std::io::Error },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the listening socket (port 0 picks a free port); returns it with the address it got.
pub async fn bind(ip: IpAddr, port: u16) -> Result<(TcpListener, SocketAddr), ServerError> {
    let listener = TcpListener::bind((ip, port)).await.map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => ServerError::InUse { ip, port },
        _ => ServerError::Bind { ip, port, source },
    })?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves `root` (the `reports/html` folder) and the API over `pipeline` until `shutdown` resolves;
/// open event streams end then, so the server stops at once.
pub async fn serve(
    listener: TcpListener,
    pipeline: Pipeline,
    root: PathBuf,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let state = Arc::new(AppState { pipeline, root, hosts: HostPolicy::for_addr(addr), shutdown: stop_rx });
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        })
        .await?;
    Ok(())
}
