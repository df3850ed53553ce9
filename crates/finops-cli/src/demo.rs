//! `finops demo` (the default command) and `finops serve`.
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, FromArgMatches};
use finops_core::negotiated::NegotiatedRates;
use finops_core::pricing::{Catalog, Mix};
use finops_core::rules::Rules;
use finops_core::units::{format_size, parse_size, thousands};
use finops_server::pipeline::{Pipeline, PipelineConfig, Rate};
use finops_server::status::{AnalysisState, Event, GenState};
use finops_sim::{Program, SimConfig};
use tokio::sync::broadcast::error::TryRecvError;

use crate::progress::{Goal, Reporter};
use crate::simulate::{WorldArgs, parse_start};

/// Where the viewer listens and what it serves.
#[derive(Debug, Args)]
pub struct ViewerArgs {
    /// Port of the viewer (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address exposes the controls to your network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Report folder: pages are served from <out>/html.
    #[arg(long, short, default_value = "reports")]
    pub out: PathBuf,
    /// Folder of call logs; the index offers its .csv and .parquet files by name.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// The data file generations write and the reports are analyzed from (a name in --data-dir).
    #[arg(long, default_value = "simulated_calls.csv")]
    pub file: String,
}

/// What a generation makes and how fast.
#[derive(Debug, Args)]
pub struct GenerationArgs {
    /// Size to generate, e.g. 50MB (MB = 1024x1024 bytes).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "50MB")]
    pub target_size: u64,
    /// Calls per second, or `max` for full speed [default: 4500, which shows 50 MB growing for about a
    /// minute; with --no-serve: max].
    #[arg(long, value_parser = Rate::parse)]
    pub rate: Option<Rate>,
    /// Seconds between re-analyses while the data grows.
    #[arg(long, value_name = "SECS", default_value_t = 3.0)]
    pub interval: f64,
    #[command(flatten)]
    pub world: WorldArgs,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub viewer: ViewerArgs,
    #[command(flatten)]
    pub generation: GenerationArgs,
    /// Run the pipeline without the viewer and exit when the final reports are written (at full
    /// speed unless --rate is given).
    #[arg(long)]
    pub no_serve: bool,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub viewer: ViewerArgs,
    /// Defaults for generations started from the index.
    #[command(flatten)]
    pub generation: GenerationArgs,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

impl DemoArgs {
    /// The options of `finops` with no command.
    pub fn defaults() -> Result<DemoArgs> {
        let cmd = DemoArgs::augment_args(clap::Command::new("demo"));
        Ok(DemoArgs::from_arg_matches(&cmd.try_get_matches_from(["demo"])?)?)
    }
}

fn pipeline_config(
    viewer: &ViewerArgs,
    g: &GenerationArgs,
    rate: Rate,
    catalog: Arc<Catalog>,
    rates: Arc<NegotiatedRates>,
    rules: Arc<Rules>,
) -> Result<PipelineConfig> {
    finops_server::pipeline::check_name(&viewer.file).map_err(|e| anyhow::anyhow!("--file: {e}"))?;
    if !viewer.file.to_ascii_lowercase().ends_with(".csv") {
        bail!("--file: the live pipeline writes CSV; give a name ending in .csv");
    }
    if !(g.interval.is_finite() && g.interval > 0.0) {
        bail!("--interval must be a positive number of seconds, not {}", g.interval);
    }
    Ok(PipelineConfig {
        data_dir: viewer.data_dir.clone(),
        file: viewer.file.clone(),
        out: viewer.out.clone(),
        sim: SimConfig {
            seed: g.world.seed,
            start: parse_start(&g.world.start)?,
            customers: g.world.customers,
            organizations: g.world.orgs,
            mix: Mix::Current,
            catalog,
            threads: 0,
            program: Program::showcase(),
        },
        rates,
        rules,
        target_bytes: g.target_size,
        rate,
        interval: Duration::from_secs_f64(g.interval),
    })
}

pub fn run_demo(args: DemoArgs, catalog: Arc<Catalog>, rates: Arc<NegotiatedRates>, rules: Arc<Rules>) -> Result<()> {
    let rate = args.generation.rate.unwrap_or(if args.no_serve { Rate::Max } else { Rate::SHOWCASE });
    let cfg = pipeline_config(&args.viewer, &args.generation, rate, catalog, rates, rules)?;
    let path = args.viewer.data_dir.join(&args.viewer.file);
    let pipeline = Pipeline::new(cfg);
    if args.no_serve {
        if !args.quiet {
            eprintln!("{}", plan_line(&path, args.generation.target_size, rate, args.generation.interval));
        }
        let printer = Printer::start(&pipeline, args.generation.target_size, args.quiet);
        pipeline.start_generation(None, None)?;
        pipeline.wait_generation();
        pipeline.shutdown();
        printer.finish();
        return final_check(&pipeline);
    }
    let runtime = runtime()?;
    let (listener, addr) = runtime.block_on(finops_server::bind(args.viewer.bind, args.viewer.port))?;
    if !args.quiet {
        eprintln!("{}", plan_line(&path, args.generation.target_size, rate, args.generation.interval));
    }
    announce(addr, &args.viewer);
    let printer = Printer::start(&pipeline, args.generation.target_size, args.quiet);
    pipeline.start_generation(None, None)?;
    serve_until_ctrl_c(&runtime, listener, &pipeline, &args.viewer)?;
    pipeline.shutdown();
    printer.finish();
    final_check(&pipeline)
}

pub fn run_serve(args: ServeArgs, catalog: Arc<Catalog>, rates: Arc<NegotiatedRates>, rules: Arc<Rules>) -> Result<()> {
    let rate = args.generation.rate.unwrap_or(Rate::SHOWCASE);
    let cfg = pipeline_config(&args.viewer, &args.generation, rate, catalog, rates, rules)?;
    let pipeline = Pipeline::new(cfg);
    let runtime = runtime()?;
    let (listener, addr) = runtime.block_on(finops_server::bind(args.viewer.bind, args.viewer.port))?;
    announce(addr, &args.viewer);
    if !args.viewer.out.join("html").join("index.html").is_file() && !args.quiet {
        eprintln!(
            "No reports in {} yet: start a generation from the page, or run `finops analyze`.",
            args.viewer.out.join("html").display()
        );
    }
    let printer = Printer::start(&pipeline, args.generation.target_size, args.quiet);
    serve_until_ctrl_c(&runtime, listener, &pipeline, &args.viewer)?;
    pipeline.shutdown();
    printer.finish();
    Ok(())
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("finops-viewer")
        .enable_all()
        .build()
        .context("starting the viewer's runtime")
}

fn plan_line(path: &std::path::Path, target: u64, rate: Rate, interval: f64) -> String {
    let pace = match rate {
        Rate::Max => "at full speed".to_string(),
        // About 191 bytes per showcase call.
        Rate::PerSecond(r) => {
            format!("at {} calls/s (about {:.0} s)", thousands(r.round() as u64), target as f64 / 191.0 / r)
        }
    };
    format!(
        "Generating {} of simulated calls into {} {pace}, re-analyzing every {interval} s",
        format_size(target),
        path.display()
    )
}

fn announce(addr: std::net::SocketAddr, viewer: &ViewerArgs) {
    if !addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, not on loopback: anyone who can reach this machine can see the reports and start or stop generations",
            addr.ip()
        );
    }
    let shown = if addr.ip().is_unspecified() { format!("127.0.0.1:{}", addr.port()) } else { addr.to_string() };
    eprintln!("Viewer: http://{shown}/  (serving {}; Ctrl-C to stop)", viewer.out.join("html").display());
}

/// Serves until Ctrl-C or SIGTERM; a second one exits at once.
fn serve_until_ctrl_c(
    runtime: &tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    pipeline: &Pipeline,
    viewer: &ViewerArgs,
) -> Result<()> {
    let root = viewer.out.join("html");
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    runtime.block_on(finops_server::serve(listener, pipeline.clone(), root, async {
        stop_signal().await;
        eprintln!(
            "\nStopping: a running generation keeps the rows written so far and the reports are brought up to date (Ctrl-C again to quit at once)"
        );
        tokio::spawn(async {
            stop_signal().await;
            std::process::exit(130);
        });
    }))?;
    Ok(())
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// After the pipeline has stopped: the outcome, or the error that ended it.
fn final_check(pipeline: &Pipeline) -> Result<()> {
    let s = pipeline.status();
    if s.generation.state == GenState::Failed {
        bail!("{}", s.generation.error.unwrap_or_else(|| "generation failed".into()));
    }
    if s.analysis.state == AnalysisState::Failed {
        bail!("analysis failed: {}", s.analysis.error.unwrap_or_default());
    }
    Ok(())
}

/// Shows the pipeline's events on the terminal: the generation's progress bar (plain lines when not
/// a terminal) and a line per analysis run.
struct Printer {
    quit: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Printer {
    fn start(pipeline: &Pipeline, target: u64, quiet: bool) -> Printer {
        let quit = Arc::new(AtomicBool::new(false));
        let mut rx = pipeline.subscribe();
        let stop = quit.clone();
        let thread = std::thread::spawn(move || {
            let mut reporter: Option<Reporter> = None;
            let mut last_run_line = 0;
            loop {
                let ev = match rx.try_recv() {
                    Ok(ev) => ev,
                    Err(TryRecvError::Lagged(_)) => continue,
                    Err(TryRecvError::Closed) => break,
                    Err(TryRecvError::Empty) => {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                };
                if quiet {
                    continue;
                }
                match ev {
                    Event::Progress(g) => {
                        let r = reporter
                            .get_or_insert_with(|| Reporter::new(Goal::Bytes(g.target_bytes.max(target)), false));
                        r.update(&finops_sim::Progress {
                            calls: g.calls,
                            bytes: g.bytes,
                            sim_time_ms: 0,
                            elapsed: Duration::from_secs_f64(g.elapsed_s),
                            scenario: g.scenario,
                        });
                        if !g.state.is_active() {
                            r.finish();
                            reporter = None;
                            let verb = match g.state {
                                GenState::Done => "Generated",
                                GenState::Stopped => "Stopped; kept",
                                _ => "Generation failed after",
                            };
                            eprintln!(
                                "{verb} {} ({} calls) in {:.1} s",
                                format_size(g.bytes),
                                thousands(g.calls),
                                g.elapsed_s
                            );
                        }
                    }
                    Event::Analysis(a) if a.state != AnalysisState::Running && a.run != last_run_line => {
                        last_run_line = a.run;
                        let line = match a.state {
                            AnalysisState::Failed => {
                                format!("analysis run {} failed: {}", a.run, a.error.unwrap_or_default())
                            }
                            _ => format!(
                                "Reports refreshed (run {}): {} calls, {} in {:.2} s",
                                a.run,
                                thousands(a.calls),
                                format_size(a.bytes),
                                a.seconds
                            ),
                        };
                        match &reporter {
                            Some(r) => r.println(&line),
                            None => eprintln!("{line}"),
                        }
                    }
                    _ => {}
                }
            }
            if let Some(r) = reporter {
                r.finish();
            }
        });
        Printer { quit, thread: Some(thread) }
    }

    /// Prints what is still queued, then stops.
    fn finish(mut self) {
        self.quit.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
