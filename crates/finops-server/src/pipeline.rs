//! The live pipeline: generate -> analyze -> render -> notify.
//!
//! A generation runs on its own thread and writes `<data>/<file>.partial`, paced to a number of calls
//! per second so that a person can watch the reports grow. Every `interval` it hands the analysis
//! worker a snapshot: the file's prefix up to the last whole row written. The worker runs all 13
//! analyses over it, writes JSON, pages, index and manifest (each through a rename), then announces
//! every refreshed page. Requests that arrive while the worker is busy are coalesced: only the newest
//! one runs. When the generation ends (target reached, stopped, or the viewer shutting down) the file
//! is renamed into place and analyzed once more, so the final reports match the final data.
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use finops_analytics::{Dataset, LoadOptions};
use finops_core::fsio::partial_path;
use finops_core::negotiated::NegotiatedRates;
use finops_core::rules::Rules;
use finops_results::AnalysisId;
use finops_sim::{OutputFormat, Progress, RunOptions, SimConfig, Simulator, Stop};
use thiserror::Error;
use tokio::sync::broadcast;

use crate::status::{
    AnalysisState, AnalysisStatus, DataFile, Event, GenState, GenerationStatus, ReportStatus, ReportUpdated, Status,
};
use finops_publish::{PublishOptions, publish};

/// How fast a generation writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// As fast as the machine allows (50 MB in well under a second).
    Max,
    /// About this many calls per second.
    PerSecond(f64),
}

impl Rate {
    /// The showcase's pace: the default 50 MB (about 274,000 calls) in about a minute.
    pub const SHOWCASE: Rate = Rate::PerSecond(4_500.0);

    /// Parses `max` or a positive number of calls per second.
    ///
    /// ```
    /// use finops_server::pipeline::Rate;
    /// assert_eq!(Rate::parse("max"), Ok(Rate::Max));
    /// assert_eq!(Rate::parse("2000"), Ok(Rate::PerSecond(2000.0)));
    /// assert!(Rate::parse("0").is_err() && Rate::parse("fast").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Rate, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("max") {
            return Ok(Rate::Max);
        }
        match s.replace('_', "").parse::<f64>() {
            Ok(r) if r.is_finite() && r > 0.0 => Ok(Rate::PerSecond(r)),
            _ => Err(format!("`{s}` is not a rate: give calls per second (e.g. 4500) or `max`")),
        }
    }

    fn per_second(self) -> Option<f64> {
        match self {
            Rate::Max => None,
            Rate::PerSecond(r) => Some(r),
        }
    }
}

/// What the pipeline works on.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Folder of call logs; the viewer offers the `.csv` and `.parquet` files in it by name.
    pub data_dir: PathBuf,
    /// The file generations write, and the one analyzed first (a name in `data_dir`).
    pub file: String,
    /// Report folder: `<out>/data/*.json`, `<out>/html/*.html`.
    pub out: PathBuf,
    /// The simulator's settings (seed, start, population, scenarios); its catalog also prices the
    /// analyses' what-ifs.
    pub sim: SimConfig,
    /// The organization's negotiated rates, applied on top of the catalog's list prices.
    pub rates: Arc<NegotiatedRates>,
    /// The thresholds behind the analyses' findings.
    pub rules: Arc<Rules>,
    /// Default generation target in bytes.
    pub target_bytes: u64,
    /// Default generation pace.
    pub rate: Rate,
    /// Time between live re-analyses while data grows.
    pub interval: Duration,
}

/// Why a request was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PipelineError {
    #[error("a generation is already running; stop it first")]
    Busy,
    #[error("no generation is running")]
    NotRunning,
    #[error("{0}")]
    BadRequest(String),
    #[error("the viewer is shutting down")]
    ShuttingDown,
}

enum Job {
    /// The first `len` bytes of a file being generated.
    Snapshot {
        partial: PathBuf,
        len: u64,
        name: String,
        target: u64,
    },
    /// A whole data file; `target` when it was just generated towards one.
    File {
        name: String,
        target: Option<u64>,
    },
    Quit,
}

struct State {
    generation: GenerationStatus,
    analysis: AnalysisStatus,
    data_file: String,
    cancel: Arc<AtomicBool>,
    /// Bytes of whole rows the running generation has written to its `.partial` file.
    written: Arc<AtomicU64>,
    generator: Option<JoinHandle<()>>,
    closing: bool,
}

struct Shared {
    cfg: PipelineConfig,
    /// Budget thresholds already announced, as (budget, pct, hour fired).
    budgets_announced: Mutex<std::collections::HashSet<(String, u64, String)>>,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
    jobs: Mutex<Sender<Job>>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

/// The running pipeline; clones share it.
///
/// ```no_run
/// use finops_server::pipeline::{Pipeline, PipelineConfig, Rate};
/// let p = Pipeline::new(PipelineConfig {
///     data_dir: "data".into(),
///     file: "simulated_calls.csv".into(),
///     out: "reports".into(),
///     sim: finops_sim::SimConfig::default(),
///     rates: Default::default(),
///     rules: Default::default(),
///     target_bytes: 5 << 20,
///     rate: Rate::Max,
///     interval: std::time::Duration::from_secs(3),
/// });
/// p.start_generation(None, None)?;
/// p.wait_generation();
/// p.shutdown(); // runs the final analysis first
/// assert_eq!(p.status().analysis.reports_done, 13);
/// # Ok::<(), finops_server::pipeline::PipelineError>(())
/// ```
#[derive(Clone)]
pub struct Pipeline {
    shared: Arc<Shared>,
}

/// Progress events at most this often (state changes always go out).
const PROGRESS_EVERY: Duration = Duration::from_millis(200);
/// The first live analysis comes sooner than `interval`, so a new viewer sees reports quickly.
const FIRST_SNAPSHOT: Duration = Duration::from_secs(1);

impl Pipeline {
    /// Starts the analysis worker. Nothing is generated or analyzed until asked.
    pub fn new(cfg: PipelineConfig) -> Pipeline {
        let (events, _) = broadcast::channel(1024);
        let (tx, rx) = channel();
        let state = State {
            generation: GenerationStatus {
                state: GenState::Idle,
                file: cfg.file.clone(),
                calls: 0,
                bytes: 0,
                target_bytes: cfg.target_bytes,
                progress_pct: 0.0,
                rate: cfg.rate.per_second(),
                sim_time: None,
                scenario: None,
                started_at: None,
                elapsed_s: 0.0,
                error: None,
            },
            analysis: AnalysisStatus {
                state: AnalysisState::Idle,
                run: 0,
                source: String::new(),
                calls: 0,
                bytes: 0,
                reports_done: 0,
                reports_total: AnalysisId::ALL.len(),
                seconds: 0.0,
                finished_at: None,
                error: None,
            },
            data_file: cfg.file.clone(),
            cancel: Arc::new(AtomicBool::new(false)),
            written: Arc::new(AtomicU64::new(0)),
            generator: None,
            closing: false,
        };
        let shared = Arc::new(Shared {
            cfg,
            budgets_announced: Mutex::default(),
            state: Mutex::new(state),
            events,
            jobs: Mutex::new(tx),
            worker: Mutex::new(None),
        });
        let source = shared.cfg.data_dir.join(&shared.cfg.file).display().to_string();
        if let Err(e) = finops_publish::write_placeholder_index(&shared.cfg.out, &source, Some(shared.cfg.target_bytes))
        {
            tracing::warn!(error = %e, "cannot write a placeholder index");
        }
        let for_worker = shared.clone();
        let handle = std::thread::Builder::new()
            .name("finops-analysis".into())
            .spawn(move || analysis_worker(&for_worker, rx))
            .ok();
        *lock(&shared.worker) = handle;
        Pipeline { shared }
    }

    pub fn config(&self) -> &PipelineConfig {
        &self.shared.cfg
    }

    /// Starts generating `target_bytes` (default from the config) into the configured data file at
    /// `rate`, unless a generation is running. The data file becomes the one analyzed.
    pub fn start_generation(&self, target_bytes: Option<u64>, rate: Option<Rate>) -> Result<(), PipelineError> {
        let target = target_bytes.unwrap_or(self.shared.cfg.target_bytes);
        if target == 0 {
            return Err(PipelineError::BadRequest("the target size must be more than 0 bytes".into()));
        }
        let rate = rate.unwrap_or(self.shared.cfg.rate);
        let mut st = lock(&self.shared.state);
        if st.closing {
            return Err(PipelineError::ShuttingDown);
        }
        if st.generation.state.is_active() {
            return Err(PipelineError::Busy);
        }
        if let Some(old) = st.generator.take() {
            // Finished already (its state says so); joining only collects the thread.
            let _ = old.join();
        }
        let cancel = Arc::new(AtomicBool::new(false));
        st.cancel = cancel.clone();
        let written = Arc::new(AtomicU64::new(0));
        st.written = written.clone();
        st.data_file = self.shared.cfg.file.clone();
        st.generation = GenerationStatus {
            state: GenState::Running,
            file: self.shared.cfg.file.clone(),
            calls: 0,
            bytes: 0,
            target_bytes: target,
            progress_pct: 0.0,
            rate: rate.per_second(),
            sim_time: None,
            scenario: None,
            started_at: Some(Utc::now()),
            elapsed_s: 0.0,
            error: None,
        };
        let shared = self.shared.clone();
        let spawned = std::thread::Builder::new()
            .name("finops-generate".into())
            .spawn(move || generate(&shared, target, rate, &cancel, &written));
        match spawned {
            Ok(handle) => {
                st.generator = Some(handle);
                let ev = Event::Progress(st.generation.clone());
                drop(st);
                self.shared.emit(ev);
                Ok(())
            }
            Err(e) => {
                st.generation.state = GenState::Failed;
                st.generation.error = Some(format!("cannot start the generator thread: {e}"));
                Err(PipelineError::BadRequest("cannot start a generation now".into()))
            }
        }
    }

    /// Asks the running generation to stop after its current batch; what it wrote is kept and analyzed.
    pub fn stop_generation(&self) -> Result<(), PipelineError> {
        let mut st = lock(&self.shared.state);
        if st.generation.state != GenState::Running {
            return Err(PipelineError::NotRunning);
        }
        st.cancel.store(true, Ordering::SeqCst);
        st.generation.state = GenState::Stopping;
        let ev = Event::Progress(st.generation.clone());
        drop(st);
        self.shared.emit(ev);
        Ok(())
    }

    /// Queues an analysis of `file` (a name from [`Pipeline::data_files`]; default the current one),
    /// which becomes the file the reports show. A file that is being generated is read up to its last
    /// whole row.
    pub fn analyze(&self, file: Option<&str>) -> Result<(), PipelineError> {
        if let Some(f) = file {
            check_name(f)?;
            // Listed before taking the state lock: the listing reads the state too.
            if !self.data_files().iter().any(|d| d.name == f) {
                return Err(PipelineError::BadRequest(format!("no data file named `{f}` in the data folder")));
            }
        }
        let mut st = lock(&self.shared.state);
        if st.closing {
            return Err(PipelineError::ShuttingDown);
        }
        let name = file.map_or_else(|| st.data_file.clone(), str::to_string);
        st.data_file = name.clone();
        let generating = st.generation.state.is_active() && st.generation.file == name;
        let target = st.generation.target_bytes;
        let len = st.written.load(Ordering::Acquire);
        drop(st);
        let job = if generating {
            if len == 0 {
                // Nothing written yet; the live snapshots start within a second.
                return Ok(());
            }
            let partial = partial_path(&self.shared.cfg.data_dir.join(&name));
            Job::Snapshot { partial, len, name, target }
        } else {
            let exists = self.shared.cfg.data_dir.join(&name).is_file();
            if !exists {
                return Err(PipelineError::BadRequest(format!(
                    "no data file named `{name}` yet: start a generation first"
                )));
            }
            Job::File { name, target: None }
        };
        self.shared.send(job);
        Ok(())
    }

    /// The current (or last) generation.
    pub fn generation(&self) -> GenerationStatus {
        lock(&self.shared.state).generation.clone()
    }

    /// The viewer's state now.
    pub fn status(&self) -> Status {
        let st = lock(&self.shared.state);
        let (generation, analysis, data_file) = (st.generation.clone(), st.analysis.clone(), st.data_file.clone());
        drop(st);
        Status {
            version: env!("CARGO_PKG_VERSION"),
            generation,
            analysis,
            data_file,
            data_files: self.data_files(),
            reports: self.reports(),
        }
    }

    /// Every report with whether its page exists and when its result was written.
    pub fn reports(&self) -> Vec<ReportStatus> {
        let out = &self.shared.cfg.out;
        AnalysisId::ALL
            .iter()
            .map(|a| {
                let file = a.file_name();
                let page = out.join("html").join(&file).is_file();
                let generated_at = std::fs::metadata(finops_publish::json_path(out, *a))
                    .and_then(|m| m.modified())
                    .ok()
                    .map(chrono::DateTime::<Utc>::from);
                ReportStatus {
                    id: *a,
                    title: a.title(),
                    category: a.category(),
                    file,
                    state: if page { "ready" } else { "missing" },
                    generated_at: generated_at.filter(|_| page),
                }
            })
            .collect()
    }

    /// The call logs in the data folder (`.csv` and `.parquet`, by name, sorted).
    pub fn data_files(&self) -> Vec<DataFile> {
        // A data folder that does not exist yet (before the first generation) holds no files.
        let mut files: Vec<DataFile> = std::fs::read_dir(&self.shared.cfg.data_dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                check_name(&name).ok()?;
                let meta = e.metadata().ok().filter(|m| m.is_file())?;
                Some(DataFile {
                    name,
                    bytes: meta.len(),
                    modified: meta.modified().ok().map(chrono::DateTime::<Utc>::from),
                    generating: false,
                })
            })
            .collect();
        // The file being generated is offered too, before its first complete version exists.
        let generating = self.generation();
        if generating.state.is_active() {
            let bytes = std::fs::metadata(partial_path(&self.shared.cfg.data_dir.join(&generating.file)))
                .map_or(generating.bytes, |m| m.len());
            match files.iter_mut().find(|f| f.name == generating.file) {
                Some(f) => {
                    f.generating = true;
                    f.bytes = bytes;
                }
                None => files.push(DataFile { name: generating.file, bytes, modified: None, generating: true }),
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        files
    }

    /// Live events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.events.subscribe()
    }

    /// Blocks until the current generation (if any) has ended and handed its final analysis over.
    pub fn wait_generation(&self) {
        let handle = lock(&self.shared.state).generator.take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }

    /// Stops any generation (keeping its rows), lets the worker finish the analyses queued so far
    /// (the final one included) and joins it. Later requests are refused.
    pub fn shutdown(&self) {
        {
            let mut st = lock(&self.shared.state);
            st.closing = true;
            if st.generation.state == GenState::Running {
                st.cancel.store(true, Ordering::SeqCst);
                st.generation.state = GenState::Stopping;
            }
        }
        self.wait_generation();
        self.shared.send(Job::Quit);
        let worker = lock(&self.shared.worker).take();
        if let Some(w) = worker {
            let _ = w.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A data file name as the API accepts it: a plain name of a `.csv` or `.parquet` file, never a path.
pub fn check_name(name: &str) -> Result<(), PipelineError> {
    let bad = |why: &str| Err(PipelineError::BadRequest(format!("`{name}` is not a data file name: {why}")));
    if name.is_empty() || name.len() > 255 {
        return bad("it must be 1 to 255 characters");
    }
    if name.starts_with('.') || name.contains(['/', '\\', '\0', ':']) {
        return bad("give a file name from the data folder, not a path");
    }
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".csv") || lower.ends_with(".parquet")) {
        return bad("only .csv and .parquet files are call logs");
    }
    Ok(())
}

impl Shared {
    fn emit(&self, ev: Event) {
        // No subscriber is not an error: the pipeline also runs without a viewer (`--no-serve`).
        let _ = self.events.send(ev);
    }

    fn send(&self, job: Job) {
        let _ = lock(&self.jobs).send(job);
    }

    fn update_generation(&self, f: impl FnOnce(&mut GenerationStatus), always: bool, last: &Cell<Instant>) {
        let mut st = lock(&self.state);
        f(&mut st.generation);
        let g = &mut st.generation;
        g.progress_pct = (g.bytes as f64 / g.target_bytes.max(1) as f64 * 100.0).min(100.0);
        if always || last.get().elapsed() >= PROGRESS_EVERY {
            last.set(Instant::now());
            let ev = Event::Progress(st.generation.clone());
            drop(st);
            self.emit(ev);
        }
    }
}

/// The generation thread.
fn generate(shared: &Shared, target: u64, rate: Rate, cancel: &AtomicBool, written: &AtomicU64) {
    let cfg = &shared.cfg;
    let path = cfg.data_dir.join(&cfg.file);
    let partial = partial_path(&path);
    let started = Instant::now();
    let last_event = Cell::new(started);
    let next_snapshot = Cell::new(started + FIRST_SNAPSHOT);
    let progress = |p: &Progress| {
        shared.update_generation(
            |g| {
                g.calls = p.calls;
                g.bytes = p.bytes;
                g.sim_time = Some(finops_analytics::common::iso(p.sim_time_ms));
                g.scenario = p.scenario;
                g.elapsed_s = p.elapsed.as_secs_f64();
            },
            false,
            &last_event,
        );
        if Instant::now() >= next_snapshot.get() {
            next_snapshot.set(Instant::now() + cfg.interval);
            let len = written.load(Ordering::Acquire);
            if len > 0 {
                shared.send(Job::Snapshot { partial: partial.clone(), len, name: cfg.file.clone(), target });
            }
        }
        if let Some(r) = rate.per_second() {
            let due = started + Duration::from_secs_f64(p.calls as f64 / r);
            while !cancel.load(Ordering::Relaxed) {
                let now = Instant::now();
                if now >= due {
                    break;
                }
                std::thread::sleep((due - now).min(Duration::from_millis(50)));
            }
        }
    };
    let opts = RunOptions {
        progress: Some(&progress),
        cancel: Some(cancel),
        written: Some(written),
        // Paced output arrives an hour of the timeline at a time (a few thousand calls), not in bursts.
        batch_hours: rate.per_second().map(|_| 1),
        resume: false,
    };
    let result = Simulator::new(cfg.sim.clone())
        .and_then(|sim| sim.write_file(&path, OutputFormat::Csv, Stop::Bytes(target), &opts));
    match result {
        Ok(summary) => {
            shared.update_generation(
                |g| {
                    g.state = if summary.interrupted { GenState::Stopped } else { GenState::Done };
                    g.calls = summary.calls;
                    g.bytes = summary.bytes;
                    g.elapsed_s = summary.elapsed_s;
                },
                true,
                &last_event,
            );
            // Unless the user has picked another file meanwhile, the final reports are of the final data.
            if lock(&shared.state).data_file == cfg.file {
                shared.send(Job::File { name: cfg.file.clone(), target: Some(target) });
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "generation failed");
            shared.update_generation(
                |g| {
                    g.state = GenState::Failed;
                    g.error = Some(format!("generation failed: {e}"));
                },
                true,
                &last_event,
            );
        }
    }
}

/// The analysis worker: runs the newest queued job, until told to quit.
fn analysis_worker(shared: &Shared, jobs: Receiver<Job>) {
    while let Ok(mut job) = jobs.recv() {
        let mut quit = matches!(job, Job::Quit);
        while let Ok(next) = jobs.try_recv() {
            match next {
                Job::Quit => quit = true,
                newer if !quit => job = newer,
                _ => {}
            }
        }
        if !matches!(job, Job::Quit) {
            run_job(shared, job);
        }
        if quit {
            return;
        }
    }
}

fn run_job(shared: &Shared, job: Job) {
    let cfg = &shared.cfg;
    let (name, target) = match &job {
        Job::Snapshot { name, target, .. } => (name.clone(), Some(*target)),
        Job::File { name, target } => (name.clone(), *target),
        Job::Quit => return,
    };
    {
        // A snapshot of a file the user has since moved away from would overwrite their reports.
        let st = lock(&shared.state);
        if matches!(job, Job::Snapshot { .. }) && st.data_file != name {
            return;
        }
    }
    let started = Instant::now();
    let shown = cfg.data_dir.join(&name).display().to_string();
    let opened = match &job {
        Job::Snapshot { partial, len, .. } => {
            let ds = Dataset::open_csv_prefix(partial, *len, &shown, LoadOptions::default());
            // The generation finished and renamed the file meanwhile: its final analysis is queued.
            if ds.is_err() && !partial.exists() {
                return;
            }
            ds
        }
        _ => Dataset::open(&[cfg.data_dir.join(&name)], LoadOptions::default()),
    };
    let run = {
        let mut st = lock(&shared.state);
        st.analysis.run += 1;
        st.analysis.state = AnalysisState::Running;
        st.analysis.source = name.clone();
        st.analysis.reports_done = 0;
        st.analysis.error = None;
        let ev = Event::Analysis(st.analysis.clone());
        let run = st.analysis.run;
        drop(st);
        shared.emit(ev);
        run
    };
    // The simulator's catalog (the global `--pricing`) also prices the what-ifs.
    let opened = opened.and_then(|ds| ds.with_catalog(cfg.sim.catalog.clone()).with_negotiated(&cfg.rates));
    let opened = opened.map(|ds| ds.with_rules(cfg.rules.clone()));
    let outcome = opened.map_err(|e| e.to_string()).and_then(|ds| {
        let calls = ds.rows();
        let bytes = ds.load.bytes;
        {
            let mut st = lock(&shared.state);
            st.analysis.calls = calls;
            st.analysis.bytes = bytes;
        }
        // A complete file's answer key scores the findings; a snapshot's file is still being written
        // and any key beside its name belongs to an earlier run.
        let answer_key = match &job {
            Job::File { .. } => finops_publish::answer_key_of(&cfg.data_dir.join(&name)),
            _ => None,
        };
        let opts = PublishOptions { target_bytes: target, answer_key, ..PublishOptions::new(&cfg.out, shown.clone()) };
        let mut done = 0;
        publish(&ds, &AnalysisId::ALL, &opts, |_| {
            done += 1;
            lock(&shared.state).analysis.reports_done = done;
        })
        .map(|p| (p, calls))
        .map_err(|e| e.to_string())
    });
    let mut st = lock(&shared.state);
    st.analysis.seconds = started.elapsed().as_secs_f64();
    st.analysis.finished_at = Some(Utc::now());
    match outcome {
        Ok((published, calls)) => {
            st.analysis.state = AnalysisState::Done;
            let ev = Event::Analysis(st.analysis.clone());
            drop(st);
            // Pages are on disk now: announce each.
            for r in &published.reports {
                shared.emit(Event::Report(ReportUpdated {
                    id: r.id,
                    title: r.id.title(),
                    file: r.id.file_name(),
                    generated_at: r.generated_at,
                    run,
                    calls,
                }));
            }
            shared.emit(ev);
            if let Some(r) = published.reports.iter().find(|r| r.id == AnalysisId::Realtime) {
                announce_budgets(shared, &r.json);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, source = %name, "analysis failed");
            st.analysis.state = AnalysisState::Failed;
            st.analysis.error = Some(e);
            let ev = Event::Analysis(st.analysis.clone());
            drop(st);
            shared.emit(ev);
        }
    }
}

/// Announces each budget threshold the Real-Time result at `json` shows fired and no earlier run did.
fn announce_budgets(shared: &Shared, json: &std::path::Path) {
    let Ok(text) = std::fs::read_to_string(json) else { return };
    let Ok(realtime) = serde_json::from_str::<finops_results::realtime::Realtime>(&text) else { return };
    for b in &realtime.budgets {
        for t in &b.thresholds {
            let Some(at) = &t.fired_at else { continue };
            let key = (b.name.clone(), (t.pct * 1000.0) as u64, at.clone());
            if lock(&shared.budgets_announced).insert(key) {
                shared.emit(Event::Budget(crate::status::BudgetFired {
                    budget: b.name.clone(),
                    pct: t.pct,
                    fired_at: at.clone(),
                    spent_usd: b.spent_usd,
                    amount_usd: b.amount_usd,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_names_are_plain_names_of_call_logs() {
        for ok in ["simulated_calls.csv", "March 2026.CSV", "calls-1.parquet", "a.b.csv"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "../x.csv",
            "/etc/passwd",
            "a/b.csv",
            "a\\b.csv",
            ".hidden.csv",
            "x.csv.partial",
            "notes.txt",
            "c:x.csv",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_name(&format!("{}.csv", "a".repeat(300))).is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(Rate::parse(" MAX "), Ok(Rate::Max));
        assert_eq!(Rate::parse("4_500"), Ok(Rate::PerSecond(4500.0)));
        for bad in ["-1", "0", "inf", "NaN", ""] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }
}
