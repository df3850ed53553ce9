//! Partitioned Parquet datasets: the simulator's day folders hold exactly the single file's calls, the
//! 13 analyses over the dataset scanned in place equal those over the same calls loaded in memory,
//! `--since/--until` read only the day folders they need, and bad rows are refused or skipped as the
//! loader does.
use std::path::{Path, PathBuf};

use finops_analytics::compare::differences;
use finops_analytics::scan::TimeWindow;
use finops_analytics::{Dataset, LoadOptions};
use finops_results::AnalysisId;
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};

const DAY_MS: i64 = 86_400_000;
/// 2026-09-01T00:00:00Z, the simulator's default start.
const START_MS: i64 = 1_788_220_800_000;

fn sim(threads: usize) -> Simulator {
    Simulator::new(SimConfig { seed: 11, customers: 120, threads, ..SimConfig::default() }).unwrap()
}

/// Three days of calls as one CSV file and as a dataset folder (same simulation).
fn both(dir: &Path) -> (PathBuf, PathBuf) {
    let csv = dir.join("calls.csv");
    let folder = dir.join("calls");
    sim(0).write_file(&csv, OutputFormat::Csv, Stop::Hours(72), &RunOptions::default()).unwrap();
    sim(0).write_file(&folder, OutputFormat::ParquetDataset, Stop::Hours(72), &RunOptions::default()).unwrap();
    (csv, folder)
}

fn parts(folder: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for day in std::fs::read_dir(folder).unwrap() {
        let day = day.unwrap().path();
        for f in std::fs::read_dir(&day).unwrap() {
            let f = f.unwrap().path();
            out.push(format!(
                "{}/{}",
                day.file_name().unwrap().to_string_lossy(),
                f.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    out.sort();
    out
}

fn results(ds: &Dataset) -> Vec<(AnalysisId, serde_json::Value)> {
    AnalysisId::ALL
        .iter()
        .map(|id| (*id, finops_analytics::analyses::run(*id, ds).unwrap().to_json().unwrap()))
        .collect()
}

/// Differences between the analyses of two datasets of the same calls (what was read, files and bytes,
/// aside).
fn compare(a: &Dataset, b: &Dataset) -> Vec<String> {
    let mut out = Vec::new();
    for ((id, x), (_, y)) in results(a).iter().zip(results(b).iter()) {
        for d in differences(x, y, 1e-9, &["/load"]) {
            out.push(format!("{}: {d}", id.as_str()));
        }
    }
    out
}

#[test]
fn the_dataset_holds_the_same_calls_by_day_and_the_analyses_agree() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, folder) = both(dir.path());
    assert_eq!(
        parts(&folder),
        ["date=2026-09-01/part-0.parquet", "date=2026-09-02/part-0.parquet", "date=2026-09-03/part-0.parquet"]
    );
    assert!(finops_sim::events_path(&folder).is_file(), "answer key beside the folder");
    let memory = Dataset::open(std::slice::from_ref(&csv), LoadOptions::default()).unwrap();
    let scanned = Dataset::open(std::slice::from_ref(&folder), LoadOptions::default()).unwrap();
    assert_eq!(scanned.load.files.len(), 3);
    assert_eq!(memory.rows(), scanned.rows());
    assert!(memory.rows() > 10_000);
    // Calls per day from the files' own folders equal the CSV's by timestamp.
    let by_day = |ds: &Dataset, day: &str| {
        ds.sql(&format!("SELECT {day} AS d, count(*) AS n FROM calls GROUP BY d ORDER BY d")).unwrap()
    };
    let a = by_day(&memory, "CAST(CAST(timestamp AS BIGINT) / 86400000 AS BIGINT)");
    let b = by_day(&scanned, "CAST(CAST(timestamp AS BIGINT) / 86400000 AS BIGINT)");
    assert_eq!(a.u64("n").unwrap(), b.u64("n").unwrap());
    let diffs = compare(&memory, &scanned);
    assert!(diffs.is_empty(), "{} differences, first: {:?}", diffs.len(), &diffs[..diffs.len().min(10)]);
}

#[test]
fn a_window_reads_only_its_day_folders() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, folder) = both(dir.path());
    // The third day's file is broken: a window on the first two days never opens it.
    std::fs::write(folder.join("date=2026-09-03/part-0.parquet"), b"not parquet").unwrap();
    let window = TimeWindow { since_ms: Some(START_MS + DAY_MS / 2), until_ms: Some(START_MS + 2 * DAY_MS) };
    let opts = LoadOptions { window, ..LoadOptions::default() };
    let scanned = Dataset::open(std::slice::from_ref(&folder), opts.clone()).unwrap();
    let memory = Dataset::open(std::slice::from_ref(&csv), opts).unwrap();
    assert_eq!(scanned.rows(), memory.rows());
    assert!(scanned.period.start_ms.unwrap() >= START_MS + DAY_MS / 2);
    assert!(scanned.period.end_ms.unwrap() < START_MS + 2 * DAY_MS);
    let diffs = compare(&memory, &scanned);
    assert!(diffs.is_empty(), "{} differences, first: {:?}", diffs.len(), &diffs[..diffs.len().min(10)]);
    // Without the window the broken file is read, and named.
    let err = Dataset::open(std::slice::from_ref(&folder), LoadOptions::default()).err().unwrap().to_string();
    assert!(err.contains("date=2026-09-03"), "{err}");
}

#[test]
fn bad_rows_are_refused_with_their_file_or_skipped() {
    use std::sync::Arc;

    use arrow_array::{Array, Float64Array, RecordBatch};
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("calls");
    sim(0).write_file(&folder, OutputFormat::ParquetDataset, Stop::Hours(48), &RunOptions::default()).unwrap();
    // One negative cost in the second day's file.
    let path = folder.join("date=2026-09-02/part-0.parquet");
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    let schema = batches[0].schema();
    let cost = schema.index_of("cost_usd").unwrap();
    let mut out =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema.clone(), None).unwrap();
    for (i, b) in batches.iter().enumerate() {
        let mut cols = b.columns().to_vec();
        if i == 0 {
            let c = cols[cost].as_any().downcast_ref::<Float64Array>().unwrap();
            let v: Float64Array = (0..c.len()).map(|r| Some(if r == 4 { -1.5 } else { c.value(r) })).collect();
            cols[cost] = Arc::new(v);
        }
        out.write(&RecordBatch::try_new(schema.clone(), cols).unwrap()).unwrap();
    }
    out.close().unwrap();
    let err = Dataset::open(std::slice::from_ref(&folder), LoadOptions::default()).err().unwrap().to_string();
    assert!(err.contains("date=2026-09-02/part-0.parquet:5: column cost_usd"), "{err}");
    let ds =
        Dataset::open(std::slice::from_ref(&folder), LoadOptions { skip_bad_rows: true, ..LoadOptions::default() })
            .unwrap();
    assert_eq!(ds.load.bad_rows, 1);
    let all = Dataset::open(
        &[folder.join("date=2026-09-01/part-0.parquet"), path.clone()],
        LoadOptions { skip_bad_rows: true, ..LoadOptions::default() },
    )
    .unwrap();
    assert_eq!(ds.rows(), all.rows());
}

#[test]
fn the_writer_threads_do_not_change_the_files_and_a_size_target_is_met() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let stop = Stop::Bytes(3 << 20);
    let a = sim(1).write_file(&one, OutputFormat::ParquetDataset, stop, &RunOptions::default()).unwrap();
    let b = sim(3).write_file(&two, OutputFormat::ParquetDataset, stop, &RunOptions::default()).unwrap();
    assert_eq!(a.calls, b.calls);
    assert_eq!(parts(&one), parts(&two));
    for p in parts(&one) {
        assert!(std::fs::read(one.join(&p)).unwrap() == std::fs::read(two.join(&p)).unwrap(), "{p} differs");
    }
    let size: u64 = parts(&one).iter().map(|p| std::fs::metadata(one.join(p)).unwrap().len()).sum();
    assert_eq!(a.bytes, size);
    // Within a part per writer of the target (parts are days here, about 1 MB each).
    assert!(size as f64 > 0.7 * (3 << 20) as f64 && (size as f64) < 1.5 * (3 << 20) as f64, "{size}");
    // A folder holding something else is not replaced.
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let err = sim(0).write_file(dir.path(), OutputFormat::ParquetDataset, stop, &RunOptions::default()).err().unwrap();
    assert!(err.to_string().contains("holds more than"), "{err}");
    assert!(dir.path().join("keep.txt").is_file());
    // Rewriting a dataset replaces it whole.
    sim(0).write_file(&one, OutputFormat::ParquetDataset, Stop::Hours(24), &RunOptions::default()).unwrap();
    assert_eq!(parts(&one), ["date=2026-09-01/part-0.parquet"]);
}

/// Rewrites the Parquet file at `path` with `change` applied to its first batch (every field made
/// nullable) and column statistics written or not.
fn rewrite(path: &Path, statistics: bool, change: impl Fn(&arrow_array::RecordBatch) -> Vec<arrow_array::ArrayRef>) {
    use std::sync::Arc;

    use arrow_array::RecordBatch;
    use datafusion::arrow::datatypes::{Field, Schema};
    use parquet::file::properties::{EnabledStatistics, WriterProperties};
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap())
            .unwrap()
            .build()
            .unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    let fields: Vec<Field> =
        batches[0].schema().fields().iter().map(|f| f.as_ref().clone().with_nullable(true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let stats = if statistics { EnabledStatistics::Chunk } else { EnabledStatistics::None };
    let props = WriterProperties::builder().set_statistics_enabled(stats).build();
    let mut out =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema.clone(), Some(props))
            .unwrap();
    for (i, b) in batches.iter().enumerate() {
        let cols = if i == 0 { change(b) } else { b.columns().to_vec() };
        out.write(&RecordBatch::try_new(schema.clone(), cols).unwrap()).unwrap();
    }
    out.close().unwrap();
}

/// Columns whose footer statistics prove them clean are not read for the bad-row check; a missing
/// text value or a negative count still is found, by the statistics or, in a file written without
/// them, by reading the column.
#[test]
fn bad_values_are_found_with_or_without_statistics() {
    use std::sync::Arc;

    use arrow_array::{Array, Int64Array, StringArray, StringViewArray};
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("calls");
    sim(0).write_file(&folder, OutputFormat::ParquetDataset, Stop::Hours(48), &RunOptions::default()).unwrap();
    let clean = Dataset::open(std::slice::from_ref(&folder), LoadOptions::default()).unwrap();
    assert_eq!(clean.load.bad_rows, 0);
    // Day one: a missing customer id, with statistics (its null count is 1).
    let day1 = folder.join("date=2026-09-01/part-0.parquet");
    rewrite(&day1, true, |b| {
        let mut cols = b.columns().to_vec();
        let i = b.schema().index_of("customer_id").unwrap();
        let texts: Vec<Option<String>> = (0..b.num_rows())
            .map(|r| {
                (r != 2).then(|| {
                    let c = &cols[i];
                    match c.as_any().downcast_ref::<StringArray>() {
                        Some(s) => s.value(r).to_string(),
                        None => c.as_any().downcast_ref::<StringViewArray>().unwrap().value(r).to_string(),
                    }
                })
            })
            .collect();
        cols[i] = match cols[i].as_any().downcast_ref::<StringArray>() {
            Some(_) => Arc::new(StringArray::from(texts)),
            None => Arc::new(StringViewArray::from(texts)),
        };
        cols
    });
    // Day two: a negative input token count, without statistics.
    let day2 = folder.join("date=2026-09-02/part-0.parquet");
    rewrite(&day2, false, |b| {
        let mut cols = b.columns().to_vec();
        let i = b.schema().index_of("input_tokens").unwrap();
        let c = cols[i].as_any().downcast_ref::<Int64Array>().unwrap();
        let v: Int64Array = (0..c.len()).map(|r| Some(if r == 6 { -3 } else { c.value(r) })).collect();
        cols[i] = Arc::new(v);
        cols
    });
    let err = Dataset::open(std::slice::from_ref(&folder), LoadOptions::default()).err().unwrap().to_string();
    assert!(err.contains("date=2026-09-01/part-0.parquet:3: column customer_id"), "{err}");
    let skip = LoadOptions { skip_bad_rows: true, ..LoadOptions::default() };
    let ds = Dataset::open(std::slice::from_ref(&folder), skip.clone()).unwrap();
    assert_eq!(ds.load.bad_rows, 2);
    assert_eq!(ds.rows(), clean.rows() - 2);
}
