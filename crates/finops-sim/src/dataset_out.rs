//! Partitioned Parquet output: a Hive-style dataset folder with one folder per UTC day,
//! `date=YYYY-MM-DD/part-N.parquet`, which query engines (DataFusion's listing tables, DuckDB's
//! `read_parquet(..., hive_partitioning = true)`, Spark) read with partition pruning.
//!
//! The hours are generated and turned into Arrow batches on the worker threads as for a single file;
//! compressing and writing, the slow part of Parquet, runs on one writer thread per core, each owning
//! the part it writes. Parts go to the writers in turn, a writer finishes its previous part before it
//! starts the next, and the queues between them are short, so memory stays bounded by a few batches per
//! writer whatever the size of the run.
use std::collections::HashMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::time::Instant;

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use crate::call::Call;
use crate::parquet_out::{ParquetEncoder, arrow_schema};
use crate::simulator::{SimError, Simulator, Stop, Summary, empty_summary, io_err, parquet_properties};

/// Rows after which a day's part is closed and the next one (`part-1`, ...) started: parts of about
/// 25 MB let the writers (and later the readers) work on several at once.
pub const PART_ROWS: u64 = 1 << 20;

/// Bytes per row assumed for a byte target before any part is finished (measured: 24.6 bytes per call
/// for 10 million calls, zstd level 3).
const BYTES_PER_ROW_GUESS: f64 = 24.0;

/// The folder of a day's parts inside a dataset: `date=2026-09-01`.
pub fn day_folder(day: i64) -> String {
    let date = crate::timeline::utc_date(day * DAY_MS);
    format!("date={}", date.format("%Y-%m-%d"))
}

const DAY_MS: i64 = 86_400_000;

/// Whether `path` names a partitioned dataset (a folder) rather than a single Parquet file: it ends
/// with a path separator, is an existing folder, or has no extension.
pub fn is_dataset_path(path: &Path) -> bool {
    let text = path.as_os_str().to_string_lossy();
    text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || path.is_dir() || path.extension().is_none()
}

/// What a writer thread is asked to do.
enum Job {
    /// Start part `index` at `path`.
    Open {
        index: usize,
        path: PathBuf,
    },
    Rows(RecordBatch),
    /// Finish the open part and report its size.
    Close,
}

/// A finished part: its index and size in bytes.
type Finished = (usize, u64);

/// One writer thread's loop: parts one after another, each reported when closed.
fn part_writer(jobs: Receiver<Job>, done: Sender<Finished>, props: WriterProperties) -> Result<(), SimError> {
    let mut open: Option<(usize, PathBuf, ArrowWriter<BufWriter<fs::File>>)> = None;
    let pq = |e: parquet::errors::ParquetError| SimError::Parquet(e.to_string());
    for job in jobs {
        match job {
            Job::Open { index, path } => {
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir).map_err(io_err(dir))?;
                }
                let file = fs::File::create(&path).map_err(io_err(&path))?;
                let writer =
                    ArrowWriter::try_new(BufWriter::with_capacity(1 << 20, file), arrow_schema(), Some(props.clone()))
                        .map_err(pq)?;
                open = Some((index, path, writer));
            }
            Job::Rows(batch) => {
                if let Some((_, _, w)) = open.as_mut() {
                    w.write(&batch).map_err(pq)?;
                }
            }
            Job::Close => {
                if let Some((index, path, w)) = open.take() {
                    let mut out = w.into_inner().map_err(pq)?;
                    out.flush().map_err(io_err(&path))?;
                    let size = out.get_ref().metadata().map(|m| m.len()).unwrap_or(0);
                    // The receiver is gone only when the run is being torn down.
                    let _ = done.send((index, size));
                }
            }
        }
    }
    Ok(())
}

/// The main thread's view of the parts: which writer has which, rows per part, and the sizes of the
/// finished parts it has waited for (only those count towards a byte target, so a run's output does
/// not depend on how fast the writers were).
struct Parts {
    writers: Vec<SyncSender<Job>>,
    done: Receiver<Finished>,
    /// The open part: (index, day, rows so far).
    open: Option<(usize, i64, u64)>,
    /// Parts started per day, for the next part's number.
    per_day: HashMap<i64, usize>,
    rows: Vec<u64>,
    sizes: Vec<Option<u64>>,
    /// Parts `0..known` have been waited for.
    known: usize,
}

impl Parts {
    fn send(&self, index: usize, job: Job) -> Result<(), SimError> {
        self.writers[index % self.writers.len()]
            .send(job)
            .map_err(|_| SimError::Parquet("a part writer stopped".into()))
    }

    /// Waits until part `index` has been written.
    fn wait_for(&mut self, index: usize) -> Result<(), SimError> {
        while self.sizes.get(index).is_some_and(Option::is_none) {
            let (i, size) = self.done.recv().map_err(|_| SimError::Parquet("a part writer stopped".into()))?;
            self.sizes[i] = Some(size);
        }
        Ok(())
    }

    fn close_open(&mut self) -> Result<(), SimError> {
        if let Some((index, _, _)) = self.open.take() {
            self.send(index, Job::Close)?;
        }
        Ok(())
    }

    /// Appends `batch` (rows of one day) to the open part, starting a new one for a new day or when the
    /// open one is full.
    fn append(&mut self, dir: &Path, day: i64, batch: RecordBatch) -> Result<(), SimError> {
        let rows = batch.num_rows() as u64;
        if rows == 0 {
            return Ok(());
        }
        let fits = self.open.is_some_and(|(_, d, n)| d == day && n + rows <= PART_ROWS.max(rows));
        if !fits {
            self.close_open()?;
            let index = self.rows.len();
            // The writer that gets this part must be done with its previous one: this bounds the work
            // in flight to one part per writer.
            if let Some(previous) = index.checked_sub(self.writers.len()) {
                while self.known <= previous {
                    self.wait_for(self.known)?;
                    self.known += 1;
                }
            }
            let n = self.per_day.entry(day).or_insert(0);
            let path = dir.join(day_folder(day)).join(format!("part-{n}.parquet"));
            *n += 1;
            self.rows.push(0);
            self.sizes.push(None);
            self.send(index, Job::Open { index, path })?;
            self.open = Some((index, day, 0));
        }
        if let Some((index, _, n)) = self.open.as_mut() {
            *n += rows;
            self.rows[*index] += rows;
            let index = *index;
            self.send(index, Job::Rows(batch))?;
        }
        Ok(())
    }

    /// Estimated bytes so far: the finished parts waited for, and the other rows at their bytes per row.
    fn bytes(&self) -> u64 {
        let (mut bytes, mut rows) = (0u64, 0u64);
        for i in 0..self.known {
            bytes += self.sizes[i].unwrap_or(0);
            rows += self.rows[i];
        }
        let per_row = if rows > 0 { bytes as f64 / rows as f64 } else { BYTES_PER_ROW_GUESS };
        let rest: u64 = self.rows[self.known..].iter().sum();
        bytes + (rest as f64 * per_row) as u64
    }
}

/// Splits an hour's calls into runs of one UTC day: (day, start, end).
fn day_runs(calls: &[Call]) -> Vec<(i64, usize, usize)> {
    let mut runs: Vec<(i64, usize, usize)> = Vec::new();
    for (i, c) in calls.iter().enumerate() {
        let day = c.ts_ms.div_euclid(DAY_MS);
        match runs.last_mut() {
            Some((d, _, end)) if *d == day => *end = i + 1,
            _ => runs.push((day, i, i + 1)),
        }
    }
    runs
}

/// Whether the folder at `path` may be replaced by a new dataset: it holds nothing but day folders
/// (`date=...`), so a run never deletes files a user keeps there.
fn replaceable(path: &Path) -> Result<bool, SimError> {
    let entries = fs::read_dir(path).map_err(io_err(path))?;
    for entry in entries {
        let entry = entry.map_err(io_err(path))?;
        let day = entry.file_name().to_string_lossy().starts_with("date=");
        if !(day && entry.path().is_dir()) {
            return Ok(false);
        }
    }
    Ok(true)
}

impl Simulator {
    /// Writes the dataset folder `path` crash-safely: the parts go to `<path>.partial/`, which replaces
    /// `path` only when complete (a folder already there is replaced only if it holds nothing but day
    /// folders). A killed run leaves `path` as it was.
    pub(crate) fn write_dataset_folder(
        &self,
        path: &Path,
        stop: Stop,
        opts: &crate::RunOptions<'_>,
    ) -> Result<Summary, SimError> {
        // `data/calls/` and `data/calls` are the same folder; renames want the latter.
        let path: &Path = &path.components().collect::<PathBuf>();
        if path.exists() && !(path.is_dir() && replaceable(path)?) {
            return Err(SimError::Config(format!(
                "{} exists and holds more than a partitioned dataset's day folders; give a new or empty folder",
                path.display()
            )));
        }
        let partial = finops_core::fsio::partial_path(path);
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(io_err(&partial))?;
        }
        let summary = match self.write_dataset(&partial, stop, opts) {
            Ok(s) => s,
            Err(e) => {
                let _ = fs::remove_dir_all(&partial);
                return Err(e);
            }
        };
        let _ = fs::remove_file(crate::events_path(path));
        if path.exists() {
            let mut old = partial.clone().into_os_string();
            old.push(".old");
            let old = PathBuf::from(old);
            fs::rename(path, &old).map_err(io_err(path))?;
            fs::rename(&partial, path).map_err(io_err(path))?;
            fs::remove_dir_all(&old).map_err(io_err(&old))?;
        } else {
            fs::rename(&partial, path).map_err(io_err(path))?;
        }
        self.write_answer_key(path, &summary)?;
        Ok(summary)
    }

    /// Writes a partitioned Parquet dataset into the folder `dir` (which should be new or empty) until
    /// `stop`; a byte target is met to within about one part per writer thread, estimated from the
    /// finished parts' sizes.
    pub(crate) fn write_dataset(
        &self,
        dir: &Path,
        stop: Stop,
        opts: &crate::RunOptions<'_>,
    ) -> Result<Summary, SimError> {
        let started = Instant::now();
        let pool = self.pool()?;
        let props = parquet_properties()?;
        let threads = pool.current_num_threads().max(1);
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let (done_tx, done_rx) = channel::<Finished>();
        let mut senders = Vec::with_capacity(threads);
        let mut receivers = Vec::with_capacity(threads);
        for _ in 0..threads {
            // Two batches queued per writer: enough to keep it busy while the next hours are generated.
            let (tx, rx) = sync_channel::<Job>(2);
            senders.push(tx);
            receivers.push(rx);
        }
        let mut parts = Parts {
            writers: senders,
            done: done_rx,
            open: None,
            per_day: HashMap::new(),
            rows: Vec::new(),
            sizes: Vec::new(),
            known: 0,
        };
        let mut enc = ParquetEncoder::new(&self.read_plan().population);
        let mut summary = empty_summary();
        std::thread::scope(|scope| -> Result<Summary, SimError> {
            let handles: Vec<_> = receivers
                .into_iter()
                .enumerate()
                .map(|(i, rx)| {
                    let (done, props) = (done_tx.clone(), props.clone());
                    std::thread::Builder::new()
                        .name(format!("finops-part-{i}"))
                        .spawn_scoped(scope, move || part_writer(rx, done, props))
                        .map_err(|e| SimError::Config(format!("cannot start a writer thread: {e}")))
                })
                .collect::<Result<_, _>>()?;
            drop(done_tx);
            let drove = self.drive(&pool, stop, opts, |h0, hours, plan| {
                let (batches, takes) = self.encode_hours(&pool, &mut enc, plan, &hours, stop, summary.calls)?;
                for (i, batch) in batches.into_iter().enumerate() {
                    let calls = &hours[i][..takes[i]];
                    for (day, a, b) in day_runs(calls) {
                        parts.append(dir, day, batch.slice(a, b - a))?;
                    }
                    summary.note_calls(calls, 0);
                    summary.hours = h0 + i as u64 + 1;
                    summary.bytes = parts.bytes();
                    if summary.reached(stop) {
                        return Ok(false);
                    }
                }
                self.report(opts, &summary, started);
                Ok(true)
            });
            // Finish the last part and let the writers drain, whatever happened above.
            let closed = parts.close_open();
            let Parts { writers, done, sizes, .. } = parts;
            drop(writers);
            let mut failure = None;
            for h in handles {
                match h.join() {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => failure = failure.or(Some(e)),
                    Err(_) => failure = failure.or(Some(SimError::Config("a writer thread panicked".into()))),
                }
            }
            if let Some(e) = failure {
                return Err(e);
            }
            let (interrupted, _) = drove?;
            closed?;
            let mut sizes = sizes;
            for (i, size) in done.try_iter() {
                sizes[i] = Some(size);
            }
            summary.bytes = sizes.iter().map(|s| s.unwrap_or(0)).sum();
            summary.interrupted = interrupted;
            summary.elapsed_s = started.elapsed().as_secs_f64();
            self.report(opts, &summary, started);
            Ok(summary.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_folders_and_dataset_paths() {
        assert_eq!(day_folder(0), "date=1970-01-01");
        assert_eq!(day_folder(20_697), "date=2026-09-01");
        assert!(is_dataset_path(Path::new("data/calls/")));
        assert!(is_dataset_path(Path::new("data/calls")));
        assert!(!is_dataset_path(Path::new("data/calls.parquet")));
    }
}
