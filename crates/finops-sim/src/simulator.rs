//! The simulator: configuration, the parallel hour-by-hour pipeline and the file writers.
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use finops_core::fsio::{create_parent, partial_path, write_atomic};
use finops_core::pricing::{Catalog, Mix};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::call::{Call, CallFactory};
use crate::csv_out::{CsvFormatter, DayCache};
use crate::drift::DemandDrift;
use crate::parquet_out::{DELTA_COLUMNS, ParquetEncoder, arrow_schema};
use crate::plan::{Plan, WindowRecord};
use crate::population::Population;
use crate::record::CallRecord;
use crate::scenario::Program;
use crate::timeline::{HOUR_MS, HourGenerator, Mixes, ModelMix, utc_date};

/// The default start of the timeline: fixed, so that runs reproduce.
pub const DEFAULT_START: &str = "2026-09-01T00:00:00Z";

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    /// Start of the timeline (UTC).
    pub start: DateTime<Utc>,
    pub customers: u32,
    pub organizations: u32,
    pub mix: Mix,
    pub catalog: Arc<Catalog>,
    /// Worker threads; 0 uses every core. Output does not depend on it.
    pub threads: usize,
    /// Which scenarios run when (default: the showcase, all 12).
    pub program: Program,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 42,
            start: DateTime::parse_from_rfc3339(DEFAULT_START).map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
            customers: 500,
            organizations: 50,
            mix: Mix::Current,
            catalog: Arc::new(Catalog::builtin()),
            threads: 0,
            program: Program::showcase(),
        }
    }
}

/// When to stop generating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Stop at the first row that brings the output to this many bytes (approximate for Parquet).
    Bytes(u64),
    /// Exactly this many calls.
    Calls(u64),
    /// Every call of this many hours of the timeline.
    Hours(u64),
}

impl Stop {
    /// Every call of `days` days (fractions round up to whole hours).
    pub fn days(days: f64) -> Stop {
        Stop::Hours((days.max(0.0) * 24.0).ceil() as u64)
    }
}

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    Csv,
    Parquet,
    /// A folder of Parquet files partitioned by UTC day (`date=YYYY-MM-DD/part-N.parquet`).
    ParquetDataset,
}

/// Progress of a run, reported after each batch of hours.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub calls: u64,
    pub bytes: u64,
    /// End of the last simulated hour (Unix ms).
    pub sim_time_ms: i64,
    pub elapsed: Duration,
    /// Title of the scenario whose window started last at `sim_time_ms`, if any.
    pub scenario: Option<&'static str>,
}

/// What a run produced.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub calls: u64,
    pub bytes: u64,
    pub first_ts_ms: Option<i64>,
    pub last_ts_ms: Option<i64>,
    pub hours: u64,
    pub elapsed_s: f64,
    /// Stopped early by the cancel flag (Ctrl-C); the output is still complete and valid.
    pub interrupted: bool,
}

/// Hooks for a run: a progress callback and a cancel flag checked between batches.
#[derive(Default, Clone, Copy)]
pub struct RunOptions<'a> {
    pub progress: Option<&'a dyn Fn(&Progress)>,
    pub cancel: Option<&'a AtomicBool>,
    /// CSV only: set to the number of bytes handed to the output after each write. Every write ends
    /// at a row end, so a reader of a growing file can take exactly this prefix as whole rows (the
    /// live viewer analyzes `<out>.partial` this way while the run goes on).
    pub written: Option<&'a AtomicU64>,
    /// Hours of the timeline generated per batch (default: 1 to 4 per worker thread, fewer the more calls
    /// an hour holds). Progress, cancel and `written` are handled between batches, so a paced run uses 1
    /// to grow smoothly.
    pub batch_hours: Option<u64>,
    /// CSV files only: continue `<path>.partial` left by an interrupted run with the same options
    /// ([`Simulator::write_file`]) instead of starting over.
    pub resume: bool,
}

/// Why a simulation failed.
#[derive(Debug, Error)]
pub enum SimError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(transparent)]
    File(#[from] finops_core::fsio::WriteError),
    #[error("writing output: {0}")]
    Write(#[from] io::Error),
    #[error("parquet: {0}")]
    Parquet(String),
}

/// A configured simulator. Cheap to query; each `write_*` call generates the timeline from its start.
///
/// ```
/// use finops_sim::{Simulator, SimConfig, Stop, RunOptions};
///
/// let sim = Simulator::new(SimConfig { seed: 7, customers: 50, ..SimConfig::default() })?;
/// let mut csv = Vec::new();
/// let summary = sim.write_csv(&mut csv, Stop::Calls(100), &RunOptions::default())?;
/// assert_eq!(summary.calls, 100);
/// let text = String::from_utf8(csv).unwrap();
/// assert!(text.starts_with("call_id,timestamp,customer_id,"));
/// assert_eq!(text.lines().count(), 101);
///
/// // Or in memory: the calls of one hour, with their strings resolved.
/// for (i, call) in sim.hour_calls(10)?.iter().enumerate() {
///     let row = sim.record(i as u64 + 1, call);
///     assert!(row.cost_usd >= 0.0 && !row.model.is_empty());
/// }
/// # Ok::<(), finops_sim::SimError>(())
/// ```
pub struct Simulator {
    cfg: SimConfig,
    factory: CallFactory,
    mixes: Mixes,
    drift: DemandDrift,
    plan: RwLock<Plan>,
}

/// How many hours each worker generates per batch, at most.
const HOURS_PER_THREAD: u64 = 4;

/// About how many calls a batch of hours may hold. A batch's calls and their encoded rows are all in
/// memory at once, so at high rates (tens of thousands of customers) fewer hours go into a batch, down
/// to one per worker: memory then follows the calls of an hour, not of eight. (80,000 customers, about
/// 125,000 calls an hour: a CSV run peaked at 545-555 MB with eight-hour batches, 233-359 MB now.)
const BATCH_CALLS: u64 = 500_000;

/// Hours for the next batch: `max` unless that many hours as busy as the busiest so far (`busiest`
/// calls; 0 before the first batch, which then has `min` hours) would hold more than [`BATCH_CALLS`];
/// never fewer than `min`.
fn batch_hours(busiest: u64, min: u64, max: u64) -> u64 {
    if busiest == 0 {
        return min;
    }
    (BATCH_CALLS / busiest).clamp(min, max)
}

impl Simulator {
    /// Builds the population and the model mix of every stretch of days (only models priced and served
    /// on a day are picked then).
    pub fn new(cfg: SimConfig) -> Result<Simulator, SimError> {
        if cfg.customers == 0 {
            return Err(SimError::Config("at least one customer is needed".into()));
        }
        if cfg.organizations == 0 {
            return Err(SimError::Config("at least one organization is needed".into()));
        }
        if cfg.catalog.models.len() > usize::from(u16::MAX) {
            return Err(SimError::Config("the catalog has more than 65535 models".into()));
        }
        // Which models are on offer changes over time (listed, shut down): one mix per stretch.
        let start_date = cfg.start.date_naive();
        let epochs = cfg.catalog.mix_epochs(cfg.mix, start_date).map_err(SimError::Config)?;
        let day_ms = |d: chrono::NaiveDate| d.and_hms_opt(0, 0, 0).map_or(i64::MIN, |t| t.and_utc().timestamp_millis());
        let population = Population::generate(cfg.seed, cfg.customers, cfg.organizations);
        let factory = CallFactory::new(&cfg.catalog);
        let mixes = Mixes::new(epochs.iter().map(|(d, w)| (day_ms(*d), ModelMix::new(w))).collect());
        let plan =
            RwLock::new(Plan::new(population, &cfg.catalog, epochs.into_iter().map(|(d, w)| (day_ms(d), w)).collect()));
        let drift = DemandDrift::new(cfg.seed);
        let sim = Simulator { cfg, factory, mixes, drift, plan };
        // Planning the first cycle now surfaces scenario errors (a custom catalog lacking a model).
        sim.ensure_planned(0)?;
        Ok(sim)
    }

    pub(crate) fn read_plan(&self) -> RwLockReadGuard<'_, Plan> {
        self.plan.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Plans program cycles until hour `last_hour` of the timeline is covered.
    fn ensure_planned(&self, last_hour: u64) -> Result<(), SimError> {
        let cycle = self.cfg.program.cycle_hours.max(1);
        if self.read_plan().cycles * cycle > last_hour {
            return Ok(());
        }
        let mut plan = self.plan.write().unwrap_or_else(|e| e.into_inner());
        while plan.cycles * cycle <= last_hour {
            plan.plan_cycle(&self.cfg.program, self.cfg.seed, self.start_ms(), &self.cfg.catalog)
                .map_err(SimError::Config)?;
        }
        Ok(())
    }

    /// The answer key for a run that generated calls up to `until_ms`: every scenario window that
    /// started before it, with what was injected.
    pub fn ground_truth(&self, until_ms: i64) -> serde_json::Value {
        let plan = self.read_plan();
        let windows: Vec<&WindowRecord> = plan.records.iter().filter(|r| r.start_ms < until_ms).collect();
        let program: Vec<serde_json::Value> = self
            .cfg
            .program
            .slots
            .iter()
            .map(|s| serde_json::json!({ "scenario": s.scenario.id(), "title": s.scenario.title(), "offset_hours": s.offset_hours, "hours": s.hours }))
            .collect();
        let signed_up = plan
            .population
            .customers
            .iter()
            .filter(|c| c.active_from_ms < until_ms && c.active_from_ms > i64::MIN)
            .count();
        let churned = plan.population.customers.iter().filter(|c| c.active_until_ms < until_ms).count();
        serde_json::json!({
            "generator": concat!("finops ", env!("CARGO_PKG_VERSION")),
            "seed": self.cfg.seed,
            "start": crate::scenario::iso(self.start_ms()),
            "until": crate::scenario::iso(until_ms),
            "customers": { "initial": plan.initial_customers, "signed_up": signed_up, "churned": churned },
            "cycle_hours": self.cfg.program.cycle_hours,
            "program": program,
            "windows": windows,
        })
    }

    /// Title of the scenario that started last at hour `h` of the timeline.
    fn scenario_at(&self, h: u64) -> Option<&'static str> {
        let cycle = self.cfg.program.cycle_hours.max(1);
        self.cfg.program.current(h % cycle).map(|s| s.scenario.title())
    }

    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// The population as planned so far (with the sign-ups and churn of planned cycles).
    pub fn population(&self) -> Population {
        self.read_plan().population.clone()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.cfg.catalog
    }

    fn start_ms(&self) -> i64 {
        self.cfg.start.timestamp_millis()
    }

    fn generator<'a>(&'a self, plan: &'a Plan) -> HourGenerator<'a> {
        HourGenerator {
            seed: self.cfg.seed,
            start_ms: self.start_ms(),
            plan,
            factory: &self.factory,
            mixes: &self.mixes,
            drift: &self.drift,
            catalog_models: &self.cfg.catalog.models,
        }
    }

    /// The calls of hour `h` of the timeline (0 = the hour starting at `start`), in time order.
    pub fn hour_calls(&self, h: u64) -> Result<Vec<Call>, SimError> {
        self.ensure_planned(h)?;
        let plan = self.read_plan();
        Ok(self.generator(&plan).generate(h))
    }

    /// Resolves a call's strings; `id` is its sequence number in the file (from 1).
    pub fn record(&self, id: u64, c: &Call) -> CallRecord<'_> {
        let plan = self.read_plan();
        let population = &plan.population;
        let cust = &population.customers[c.customer as usize];
        let model = &self.cfg.catalog.models[c.model as usize];
        let mut call_id = Vec::new();
        crate::csv_out::write_call_id(&mut call_id, id);
        CallRecord {
            call_id: String::from_utf8_lossy(&call_id).into_owned(),
            timestamp_ms: c.ts_ms,
            customer_id: population.customer_id(cust.index),
            organization_id: population.org_id(cust.org),
            product_id: cust.product,
            feature_id: c.feature,
            provider: &model.provider,
            model: &model.name,
            input_tokens: c.input_tokens,
            output_tokens: c.output_tokens,
            total_tokens: c.total_tokens(),
            cost_usd: c.cost.usd(),
            latency_ms: c.latency_ms,
            status: c.status(),
            environment: c.environment,
            region: c.region,
            subscription_tier: cust.tier,
            tier_price_usd: cust.tier.monthly_price_usd(),
            customer_archetype: cust.archetype,
            cached_input_tokens: c.cached_input_tokens,
            reasoning_tokens: c.reasoning_tokens,
            time_to_first_token_ms: c.ttft_ms,
            error_type: c.error,
            service_tier: c.service_tier,
            cache_write_tokens: c.cache_write_tokens,
        }
    }

    pub(crate) fn pool(&self) -> Result<rayon::ThreadPool, SimError> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.cfg.threads)
            .thread_name(|i| format!("finops-sim-{i}"))
            .build()
            .map_err(|e| SimError::Config(format!("cannot start worker threads: {e}")))
    }

    /// Drives generation: hands batches of consecutive hours (generated in parallel) to `consume`,
    /// which returns `false` to stop. Returns whether the run was cancelled.
    pub(crate) fn drive(
        &self,
        pool: &rayon::ThreadPool,
        stop: Stop,
        opts: &RunOptions<'_>,
        mut consume: impl FnMut(u64, Vec<Vec<Call>>, &Plan) -> Result<bool, SimError>,
    ) -> Result<(bool, u64), SimError> {
        let workers = pool.current_num_threads().max(1) as u64;
        let (mut h, mut busiest) = (0u64, 0u64);
        loop {
            if opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                return Ok((true, h));
            }
            let per_batch =
                opts.batch_hours.unwrap_or_else(|| batch_hours(busiest, workers, workers * HOURS_PER_THREAD)).max(1);
            let n = match stop {
                Stop::Hours(limit) => per_batch.min(limit.saturating_sub(h)),
                _ => per_batch,
            };
            if n == 0 {
                return Ok((false, h));
            }
            self.ensure_planned(h + n - 1)?;
            let plan = self.read_plan();
            let generator = self.generator(&plan);
            let batch: Vec<Vec<Call>> =
                pool.install(|| (h..h + n).into_par_iter().map(|i| generator.generate(i)).collect());
            busiest = batch.iter().map(|hour| hour.len() as u64).fold(busiest, u64::max);
            let go_on = consume(h, batch, &plan)?;
            h += n;
            if !go_on {
                return Ok((false, h));
            }
        }
    }

    /// Writes CSV (header + rows) to `out` until `stop`. Formatting runs on the worker threads and
    /// writing on its own thread, so the three overlap.
    pub fn write_csv<W: Write + Send>(&self, out: W, stop: Stop, opts: &RunOptions<'_>) -> Result<Summary, SimError> {
        let started = Instant::now();
        let pool = self.pool()?;
        let header = CsvFormatter::header();
        let mut summary = empty_summary();
        summary.bytes = header.len() as u64;
        let (tx, rx) = sync_channel::<Vec<u8>>(4);
        // Written buffers come back for reuse: fresh large allocations would cost a page fault per 4 KB.
        let spare: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
        std::thread::scope(|scope| -> Result<Summary, SimError> {
            let spare_ref = &spare;
            let written = opts.written;
            let writer = scope.spawn(move || -> io::Result<()> {
                let mut out = out;
                let mut total = 0u64;
                for mut buf in rx {
                    out.write_all(&buf)?;
                    total += buf.len() as u64;
                    if let Some(w) = written {
                        // `out` is unbuffered for files (see `write_file`), so these bytes are in the file.
                        out.flush()?;
                        w.store(total, Ordering::Release);
                    }
                    buf.clear();
                    if let Ok(mut s) = spare_ref.lock()
                        && s.len() < 64
                    {
                        s.push(buf);
                    }
                }
                out.flush()
            });
            let mut sent_ok = tx.send(header).is_ok();
            let drove = self.drive(&pool, stop, opts, |h0, hours, plan| {
                let mut bases = Vec::with_capacity(hours.len());
                let mut next = summary.calls + 1;
                for v in &hours {
                    bases.push(next);
                    next += v.len() as u64;
                }
                let formatted: Vec<(Vec<u8>, Vec<u32>)> = pool.install(|| {
                    hours
                        .par_iter()
                        .zip(bases)
                        .map(|(calls, base)| {
                            let buf = spare.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
                            self.format_hour(&plan.formatter, buf, calls, base)
                        })
                        .collect()
                });
                for (i, (mut buf, ends)) in formatted.into_iter().enumerate() {
                    let calls = &hours[i];
                    let take = rows_to_take(stop, &summary, &ends);
                    let reached = take < calls.len() || target_reached(stop, &summary, take, buf.len());
                    let take_bytes = if take == 0 { 0 } else { ends[take - 1] as usize };
                    buf.truncate(take_bytes);
                    summary.note_calls(&calls[..take], take_bytes as u64);
                    summary.hours = h0 + i as u64 + 1;
                    if take_bytes > 0 && tx.send(buf).is_err() {
                        sent_ok = false;
                    }
                    if reached || !sent_ok {
                        return Ok(false);
                    }
                }
                self.report(opts, &summary, started);
                Ok(true)
            });
            drop(tx);
            let written = writer.join().map_err(|_| SimError::Config("writer thread panicked".into()))?;
            written?;
            let (interrupted, _) = drove?;
            summary.interrupted = interrupted;
            summary.elapsed_s = started.elapsed().as_secs_f64();
            self.report(opts, &summary, started);
            Ok(summary.clone())
        })
    }

    fn format_hour(
        &self,
        formatter: &CsvFormatter,
        mut buf: Vec<u8>,
        calls: &[Call],
        first_id: u64,
    ) -> (Vec<u8>, Vec<u32>) {
        buf.reserve(calls.len() * 224);
        let mut ends = Vec::with_capacity(calls.len());
        let mut cache = DayCache::default();
        for (i, c) in calls.iter().enumerate() {
            formatter.write_row(&mut buf, first_id + i as u64, c, &mut cache);
            ends.push(buf.len() as u32);
        }
        (buf, ends)
    }

    /// Writes zstd-compressed Parquet to `out` until `stop` (a byte target is met to within one batch
    /// of hours, since compressed size is known only after encoding).
    pub fn write_parquet<W: Write + Send>(
        &self,
        out: W,
        stop: Stop,
        opts: &RunOptions<'_>,
    ) -> Result<Summary, SimError> {
        let started = Instant::now();
        let pool = self.pool()?;
        let mut enc = ParquetEncoder::new(&self.read_plan().population);
        let pq = |e: parquet::errors::ParquetError| SimError::Parquet(e.to_string());
        let props = parquet_properties()?;
        let counter = CountingWriter { inner: out, count: 0 };
        let mut writer = ArrowWriter::try_new(counter, arrow_schema(), Some(props)).map_err(pq)?;
        let mut summary = empty_summary();
        let (interrupted, _) = self.drive(&pool, stop, opts, |h0, hours, plan| {
            let (batches, takes) = self.encode_hours(&pool, &mut enc, plan, &hours, stop, summary.calls)?;
            for (i, batch) in batches.into_iter().enumerate() {
                if batch.num_rows() > 0 {
                    writer.write(&batch).map_err(pq)?;
                }
                summary.note_calls(&hours[i][..takes[i]], 0);
                summary.hours = h0 + i as u64 + 1;
                summary.bytes = writer.bytes_written() as u64 + writer.in_progress_size() as u64;
                if summary.reached(stop) {
                    return Ok(false);
                }
            }
            self.report(opts, &summary, started);
            Ok(true)
        })?;
        let counter = writer.into_inner().map_err(pq)?;
        summary.bytes = counter.count;
        summary.interrupted = interrupted;
        summary.elapsed_s = started.elapsed().as_secs_f64();
        self.report(opts, &summary, started);
        Ok(summary)
    }

    /// The hours' calls as record batches (ids after `calls_before`), encoded on the worker threads and cut
    /// at `stop`'s call count; and how many calls of each hour were taken.
    pub(crate) fn encode_hours(
        &self,
        pool: &rayon::ThreadPool,
        enc: &mut ParquetEncoder,
        plan: &Plan,
        hours: &[Vec<Call>],
        stop: Stop,
        calls_before: u64,
    ) -> Result<(Vec<arrow_array::RecordBatch>, Vec<usize>), SimError> {
        if enc.customers() != plan.population.customers.len() {
            *enc = ParquetEncoder::new(&plan.population);
        }
        let mut bases = Vec::with_capacity(hours.len());
        let mut takes = Vec::with_capacity(hours.len());
        let mut next = calls_before + 1;
        for v in hours {
            let take = match stop {
                Stop::Calls(n) => (n.saturating_sub(next - 1) as usize).min(v.len()),
                _ => v.len(),
            };
            bases.push(next);
            takes.push(take);
            next += take as u64;
        }
        let enc = &*enc;
        let batches = pool.install(|| {
            hours
                .par_iter()
                .zip(bases)
                .zip(&takes)
                .map(|((calls, base), &take)| enc.batch(&plan.population, self.catalog(), &calls[..take], base))
                .collect::<Result<Vec<_>, _>>()
        });
        Ok((batches.map_err(|e| SimError::Parquet(e.to_string()))?, takes))
    }

    /// Writes `path` crash-safely: data goes to `<path>.partial`, which is renamed over `path` only
    /// when complete (also after a cancel). A killed run leaves `path` as it was, never half-written.
    /// A device or pipe (`/dev/null`) is written directly, without an answer key.
    pub fn write_file(
        &self,
        path: &Path,
        format: OutputFormat,
        stop: Stop,
        opts: &RunOptions<'_>,
    ) -> Result<Summary, SimError> {
        // A device or a pipe (`--out /dev/null`, a FIFO) is written as it is: renaming a finished file
        // over it would replace the device with a regular file. It gets no answer key beside it.
        let device = fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let target = if device {
            path.to_path_buf()
        } else {
            create_parent(path)?;
            partial_path(path)
        };
        if opts.resume && (device || format != OutputFormat::Csv) {
            return Err(SimError::Config("--resume continues a CSV file (not Parquet or a device)".into()));
        }
        if format == OutputFormat::ParquetDataset {
            return self.write_dataset_folder(path, stop, opts);
        }
        let result = if opts.resume {
            match ResumeWriter::open(&target) {
                Ok(w) => self.write_csv(w, stop, opts),
                Err(e) => Err(SimError::Io { path: target.clone(), source: e }),
            }
        } else {
            let file =
                if device { fs::OpenOptions::new().write(true).open(&target) } else { fs::File::create(&target) }
                    .map_err(io_err(&target))?;
            self.write_file_to(file, format, stop, opts)
        };
        match result {
            Ok(summary) if device => Ok(summary),
            Ok(summary) => {
                // The old answer key goes first: a kill between the steps leaves data without a key,
                // never data beside another run's key.
                let _ = fs::remove_file(events_path(path));
                fs::rename(&target, path).map_err(io_err(path))?;
                self.write_answer_key(path, &summary)?;
                Ok(summary)
            }
            Err(e) => {
                // A resumed run that fails keeps its partial file for the next attempt.
                if !device && !opts.resume {
                    let _ = fs::remove_file(&target);
                }
                Err(match e {
                    SimError::Write(source) => SimError::Io { path: target, source },
                    other => other,
                })
            }
        }
    }

    /// Writes the answer key of the data at `path` (see [`events_path`]) for the calls of `summary`.
    pub(crate) fn write_answer_key(&self, path: &Path, summary: &Summary) -> Result<(), SimError> {
        let until = summary.last_ts_ms.map_or(self.start_ms(), |t| t + 1);
        let json = serde_json::to_vec_pretty(&self.ground_truth(until)).unwrap_or_default();
        write_atomic(&events_path(path), &json)?;
        Ok(())
    }

    fn write_file_to(
        &self,
        file: fs::File,
        format: OutputFormat,
        stop: Stop,
        opts: &RunOptions<'_>,
    ) -> Result<Summary, SimError> {
        match format {
            OutputFormat::Csv => self.write_csv(file, stop, opts),
            OutputFormat::Parquet => self.write_parquet(BufWriter::with_capacity(1 << 20, file), stop, opts),
            OutputFormat::ParquetDataset => {
                Err(SimError::Config("a partitioned dataset is a folder, not a file".into()))
            }
        }
    }
}

/// Continues an interrupted CSV: the run is generated again from the start (the simulator is
/// deterministic), its first bytes are compared with what the partial file holds up to its last whole
/// row instead of written, and the rest is appended. A partial file from other options differs somewhere
/// and is refused, untouched beyond its cut last row.
struct ResumeWriter {
    existing: io::BufReader<fs::File>,
    /// Bytes of the partial file still to compare.
    left: u64,
    /// Position in the stream, for the error message.
    at: u64,
    out: fs::File,
    /// The partial file's bytes being compared (reused across writes).
    had: Vec<u8>,
}

impl ResumeWriter {
    fn open(partial: &Path) -> io::Result<ResumeWriter> {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = fs::OpenOptions::new().read(true).write(true).open(partial).map_err(|e| {
            io::Error::new(e.kind(), format!("nothing to resume ({e}); run without --resume to start over"))
        })?;
        // Whole rows only: a kill may have cut the last row short.
        let len = f.metadata()?.len();
        let mut keep = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        let mut pos = len;
        while pos > 0 {
            let n = (pos.min(buf.len() as u64)) as usize;
            pos -= n as u64;
            f.seek(SeekFrom::Start(pos))?;
            f.read_exact(&mut buf[..n])?;
            if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
                keep = pos + i as u64 + 1;
                break;
            }
        }
        f.set_len(keep)?;
        let out = fs::OpenOptions::new().append(true).open(partial)?;
        f.seek(SeekFrom::Start(0))?;
        Ok(ResumeWriter { existing: io::BufReader::with_capacity(1 << 20, f), left: keep, at: 0, out, had: Vec::new() })
    }
}

impl Write for ResumeWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use std::io::Read;
        if self.left == 0 {
            return self.out.write(buf);
        }
        let n = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        self.had.resize(n, 0);
        self.existing.read_exact(&mut self.had)?;
        if let Some(i) = self.had.iter().zip(&buf[..n]).position(|(a, b)| a != b) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the partial file differs at byte {} from what these options generate: resume with the options \
                     of the interrupted run (seed, start, customers, scenarios, size)",
                    self.at + i as u64
                ),
            ));
        }
        self.left -= n as u64;
        self.at += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Where `write_file` puts the answer key of a data file: `data/simulated_calls.csv` ->
/// `data/simulated_calls.events.json`.
pub fn events_path(path: &Path) -> PathBuf {
    finops_core::fsio::answer_key_path(path)
}

/// How call logs are written to Parquet: zstd level 3, [`DELTA_COLUMNS`] delta-encoded, row groups of
/// 256 Ki rows (each with min/max statistics, so readers skip the groups a time filter excludes).
pub(crate) fn parquet_properties() -> Result<WriterProperties, SimError> {
    let level = ZstdLevel::try_new(3).map_err(|e| SimError::Parquet(e.to_string()))?;
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(256 * 1024));
    for name in DELTA_COLUMNS {
        let column = ColumnPath::from(name);
        props = props
            .set_column_dictionary_enabled(column.clone(), false)
            .set_column_encoding(column, Encoding::DELTA_BINARY_PACKED);
    }
    Ok(props.build())
}

/// Turns an I/O error on `p` into a [`SimError`] naming the path.
pub(crate) fn io_err(p: &Path) -> impl FnOnce(std::io::Error) -> SimError + use<> {
    let p = p.to_path_buf();
    move |source| SimError::Io { path: p, source }
}

pub(crate) fn empty_summary() -> Summary {
    Summary { calls: 0, bytes: 0, first_ts_ms: None, last_ts_ms: None, hours: 0, elapsed_s: 0.0, interrupted: false }
}

impl Summary {
    /// Whether the calls and bytes so far meet `stop` (an hour limit is met by the driver).
    pub(crate) fn reached(&self, stop: Stop) -> bool {
        match stop {
            Stop::Calls(n) => self.calls >= n,
            Stop::Bytes(b) => self.bytes >= b,
            Stop::Hours(_) => false,
        }
    }

    pub(crate) fn note_calls(&mut self, calls: &[Call], bytes: u64) {
        if let (Some(first), Some(last)) = (calls.first(), calls.last()) {
            self.first_ts_ms.get_or_insert(first.ts_ms);
            self.last_ts_ms = Some(last.ts_ms);
        }
        self.calls += calls.len() as u64;
        self.bytes += bytes;
    }
}

/// How many rows of an hour (with row end offsets `ends`) to keep under `stop`.
fn rows_to_take(stop: Stop, s: &Summary, ends: &[u32]) -> usize {
    match stop {
        Stop::Calls(n) => (n.saturating_sub(s.calls) as usize).min(ends.len()),
        Stop::Bytes(b) => {
            let need = b.saturating_sub(s.bytes);
            if need == 0 {
                0
            } else {
                // First row whose end reaches the target, inclusive.
                let k = ends.partition_point(|&e| u64::from(e) < need);
                (k + 1).min(ends.len())
            }
        }
        Stop::Hours(_) => ends.len(),
    }
}

fn target_reached(stop: Stop, s: &Summary, take: usize, hour_bytes: usize) -> bool {
    match stop {
        Stop::Calls(n) => s.calls + take as u64 >= n,
        Stop::Bytes(b) => s.bytes + hour_bytes as u64 >= b,
        Stop::Hours(_) => false,
    }
}

impl Simulator {
    pub(crate) fn report(&self, opts: &RunOptions<'_>, s: &Summary, started: Instant) {
        if let Some(p) = opts.progress {
            p(&Progress {
                calls: s.calls,
                bytes: s.bytes,
                sim_time_ms: self.start_ms() + s.hours as i64 * HOUR_MS,
                elapsed: started.elapsed(),
                scenario: self.scenario_at(s.hours.saturating_sub(1)),
            });
        }
    }
}

struct CountingWriter<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The UTC date of a timestamp, for summaries.
pub fn date_of(ts_ms: i64) -> chrono::NaiveDate {
    utc_date(ts_ms)
}

#[cfg(test)]
mod batch_tests {
    use super::{BATCH_CALLS, batch_hours};

    #[test]
    fn batches_hold_fewer_hours_the_busier_the_hours() {
        // Before any hour is known: one per worker.
        assert_eq!(batch_hours(0, 2, 8), 2);
        // Quiet hours: the most hours.
        assert_eq!(batch_hours(10_000, 2, 8), 8);
        // Busy ones: as many as fit, at least one per worker.
        assert_eq!(batch_hours(BATCH_CALLS / 5, 2, 8), 5);
        assert_eq!(batch_hours(BATCH_CALLS * 3, 2, 8), 2);
    }
}
