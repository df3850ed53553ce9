//! Partitioned Parquet datasets (`date=YYYY-MM-DD/part-N.parquet`, as `finops simulate --format parquet
//! --out DIR/` writes them, or any Hive-style layout) read where they lie: a DataFusion listing table
//! that every query scans for the columns it needs, so memory does not grow with the data, and the
//! same plan runs on a Ballista cluster.
//!
//! The table the analyses see, `calls`, is a view over the files: the canonical columns (cast where a
//! file's types differ, defaults for the optional ones a file lacks), `list_cost_usd`, and the time
//! window of `--since` / `--until`, which also prunes whole day folders.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::prelude::SessionContext;
use finops_core::schema::{COLUMNS, ColumnType};
use finops_results::dataset_overview::{FileReport, LoadReport};

use crate::engine::{AnalyticsError, Result, sql_str};
use crate::load::{LoadError, LoadOptions, REQUIRED, default_for};

/// Memory the engine may hold while scanning a partitioned dataset before it spills: 40% of the
/// machine's memory (4 GiB where it cannot be read). Spilling costs a lot of time (an aggregation over
/// 10 million calls took 5x longer under a 1 GiB limit), so the default leaves room for the largest
/// groupings while still bounding the process; `--memory-limit` sets it.
pub fn default_memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
    });
    total.map_or(4 << 30, |t| t / 5 * 2)
}

/// A session for scanning files: `threads` partitions and a memory pool of `limit` bytes that sorts
/// and aggregations spill from (to the system's temporary folder).
///
/// The pool is greedy: an operator spills when the whole pool is taken, not when it exceeds an equal
/// share of it. Two analyses run at a time, each query with a partial and a final aggregation per
/// partition; a fair pool split 9.6 GB eight ways and the cache-window grouping of 10 million calls
/// spilled at its 1.2 GB share (3 s became 18 s) while the process held 2 GB.
pub fn session(threads: usize, limit: u64) -> Result<SessionContext> {
    use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    use datafusion::prelude::SessionConfig;
    // The five largest consumers are named when the pool runs out.
    let pool =
        TrackConsumersPool::new(GreedyMemoryPool::new(limit as usize), std::num::NonZeroUsize::MIN.saturating_add(4));
    let runtime = RuntimeEnvBuilder::new().with_memory_pool(Arc::new(pool)).build_arc()?;
    let config = SessionConfig::new().with_target_partitions(threads).with_information_schema(false);
    Ok(SessionContext::new_with_config_rt(config, runtime))
}

/// The listing table the `calls` view reads.
pub const FILES_TABLE: &str = "calls_files";

/// A Hive-style partitioned Parquet dataset: its folder, partition keys and files.
#[derive(Debug, Clone)]
pub struct PartitionedDataset {
    pub root: PathBuf,
    /// Partition keys in folder order (`["date"]` for ours).
    pub keys: Vec<String>,
    /// Every `.parquet` file with its size, sorted.
    pub files: Vec<(PathBuf, u64)>,
}

/// A time window on the calls (Unix ms): `since` inclusive, `until` exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

impl TimeWindow {
    /// The SQL predicate on `timestamp`, or `None` for all time.
    pub fn predicate(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(s) = self.since_ms {
            parts.push(format!("CAST(timestamp AS BIGINT) >= {s}"));
        }
        if let Some(u) = self.until_ms {
            parts.push(format!("CAST(timestamp AS BIGINT) < {u}"));
        }
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }

    /// The first and last UTC day the window touches (`None`: unbounded on that side). `until` is
    /// exclusive: a window ending at midnight does not touch that day.
    fn days(&self) -> (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) {
        let day_of = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).map(|t| t.date_naive());
        (self.since_ms.and_then(day_of), self.until_ms.and_then(|u| day_of(u - 1)))
    }

    /// Whether the file at `path` under `root` can hold calls of the window: a file in a `date=` folder
    /// outside it cannot.
    fn keeps(&self, root: &Path, path: &Path) -> bool {
        let date = path.strip_prefix(root).ok().and_then(|rel| {
            rel.components().find_map(|c| c.as_os_str().to_str()?.strip_prefix("date=").map(str::to_string))
        });
        let Some(day) = date.and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()) else {
            return true;
        };
        let (first, last) = self.days();
        first.is_none_or(|s| day >= s) && last.is_none_or(|u| day <= u)
    }

    /// The predicate on a `date` partition key (`YYYY-MM-DD` text) that keeps every day the window
    /// touches: the days outside are not read at all.
    fn date_predicate(&self) -> Option<String> {
        let text = |d: chrono::NaiveDate| sql_str(&d.format("%Y-%m-%d").to_string());
        let (first, last) = self.days();
        let parts: Vec<String> = first
            .map(|d| format!("date >= {}", text(d)))
            .into_iter()
            .chain(last.map(|d| format!("date <= {}", text(d))))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }
}

/// The partitioned dataset at `dir`, if it is one: a folder whose Parquet files lie in `key=value`
/// folders, the same keys in the same order for every file. A folder of plain Parquet files is not
/// (it is loaded like any other input).
pub fn find_partitioned(dir: &Path) -> std::result::Result<Option<PartitionedDataset>, LoadError> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut files = Vec::new();
    let mut keys: Option<Vec<String>> = None;
    let mut stack = vec![(dir.to_path_buf(), Vec::<String>::new())];
    while let Some((folder, path_keys)) = stack.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| LoadError::Io { path: folder.clone(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| LoadError::Io { path: folder.clone(), source })?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if let Some((key, _)) = name.split_once('=') {
                    let mut k = path_keys.clone();
                    k.push(key.to_string());
                    stack.push((path, k));
                }
            } else if name.ends_with(".parquet") && !path_keys.is_empty() {
                match &keys {
                    None => keys = Some(path_keys.clone()),
                    Some(k) if *k != path_keys => {
                        return Err(LoadError::Parquet {
                            path: path.clone(),
                            message: format!(
                                "partition folders differ: this file is under {}, others under {}",
                                path_keys.join("/"),
                                k.join("/")
                            ),
                        });
                    }
                    Some(_) => {}
                }
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                files.push((path, size));
            }
        }
    }
    files.sort();
    Ok(keys.map(|keys| PartitionedDataset { root: dir.to_path_buf(), keys, files }))
}

/// Registers the dataset's files as [`FILES_TABLE`] and the `calls` view over them in `ctx`; returns
/// the load report (files, bytes, rows, bad rows skipped). Rows with negative or non-finite numbers or
/// missing required values are refused (named by file, row and column, as the loader names them) or,
/// with `skip_bad_rows`, left out of the view and counted.
pub async fn register(ctx: &SessionContext, dataset: &PartitionedDataset, opts: &LoadOptions) -> Result<LoadReport> {
    let window = opts.window;
    if opts.mapping.is_some() {
        return Err(AnalyticsError::Query(format!(
            "{}: --map is not available for partitioned datasets yet (they are scanned in place); \
             convert the files to our columns first",
            dataset.root.display()
        )));
    }
    let root =
        std::path::absolute(&dataset.root).map_err(|source| LoadError::Io { path: dataset.root.clone(), source })?;
    let url = ListingTableUrl::parse(root.to_string_lossy())?;
    let partition_cols = dataset.keys.iter().map(|k| (k.clone(), DataType::Utf8)).collect();
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(partition_cols);
    // Only the files of the window's days are opened: their footers are checked here (a broken file is
    // named) and the first one gives the schema (text as Arrow views, as DataFusion reads it).
    let mut file_reports = Vec::new();
    let mut file_schema: Option<SchemaRef> = None;
    let mut proven: Option<Proven> = None;
    for (path, bytes) in dataset.files.iter().filter(|(p, _)| window.keeps(&dataset.root, p)) {
        let (rows, schema, file_proven) = footer(path)?;
        file_schema.get_or_insert(schema);
        file_reports.push((path, *bytes, rows));
        proven = Some(match proven {
            None => file_proven,
            Some(p) => p.and(&file_proven),
        });
    }
    let Some(file_schema) = file_schema else {
        return Err(LoadError::EmptyFolder { path: dataset.root.clone() }.into());
    };
    let config = ListingTableConfig::new(url).with_listing_options(options).with_schema(file_schema.clone());
    ctx.register_table(FILES_TABLE, Arc::new(ListingTable::try_new(config)?))?;

    let (select, defaulted) = view_columns(&dataset.root, &file_schema)?;
    // The day folders are pruned on the partition key (inside: the view's columns do not include it),
    // the calls by their timestamp.
    let days = match window.date_predicate() {
        Some(p) if dataset.keys.iter().any(|k| k == "date") => format!(" WHERE {p}"),
        _ => String::new(),
    };
    let mut filters: Vec<String> = window.predicate().into_iter().collect();
    let bad = bad_row_predicate(&file_schema, &proven.unwrap_or_default());
    let scope = if filters.is_empty() { "true".to_string() } else { filters.join(" AND ") };
    // With nothing left to check, the count is the files' row counts (read from their footers).
    let bad = if bad.is_empty() { "false".to_string() } else { bad };
    let counted = ctx
        .sql(&format!(
            "SELECT count(*) AS n, count(*) FILTER (WHERE {bad}) AS bad FROM ({select} FROM {FILES_TABLE}{days}) WHERE {scope}"
        ))
        .await?
        .collect()
        .await?;
    let count = |name: &str| -> u64 {
        use datafusion::arrow::array::AsArray;
        counted
            .first()
            .and_then(|b| b.column_by_name(name))
            .map(|c| c.as_primitive::<datafusion::arrow::datatypes::Int64Type>().value(0).max(0) as u64)
            .unwrap_or(0)
    };
    let (rows, bad_rows) = (count("n"), count("bad"));
    if bad_rows > 0 && !opts.skip_bad_rows {
        return Err(first_bad_row(dataset, opts));
    }
    if bad_rows > 0 {
        filters.push(format!("NOT ({bad})"));
    }
    let filter = if filters.is_empty() { String::new() } else { format!(" WHERE {}", filters.join(" AND ")) };
    ctx.sql(&format!(
        "CREATE VIEW calls AS SELECT * FROM ({select}, cost_usd AS list_cost_usd FROM {FILES_TABLE}{days}){filter}"
    ))
    .await?;

    let mut report = LoadReport::default();
    for (path, bytes, rows) in file_reports {
        report.add_file(
            FileReport {
                path: path.display().to_string(),
                format: "parquet".into(),
                bytes,
                rows,
                bad_rows: 0,
                defaulted_columns: defaulted.clone(),
                spans: None,
            },
            Vec::new(),
        );
    }
    report.rows = rows - bad_rows;
    report.bad_rows = bad_rows;
    Ok(report)
}

/// What a file's footer statistics prove of its columns, by column name: no missing value in any row
/// group (`null_count` 0 everywhere), and for integer columns no negative value (every row group's
/// minimum at least 0). A column without statistics proves nothing.
#[derive(Debug, Default, Clone)]
struct Proven {
    no_nulls: std::collections::HashSet<String>,
    non_negative: std::collections::HashSet<String>,
}

impl Proven {
    /// What both `self` and `other` prove (the files of one dataset).
    fn and(self, other: &Proven) -> Proven {
        Proven {
            no_nulls: self.no_nulls.intersection(&other.no_nulls).cloned().collect(),
            non_negative: self.non_negative.intersection(&other.non_negative).cloned().collect(),
        }
    }

    fn of(metadata: &parquet::file::metadata::ParquetMetaData) -> Proven {
        use parquet::file::statistics::Statistics;
        let mut proven = Proven::default();
        let columns = metadata.file_metadata().schema_descr().columns();
        for (i, column) in columns.iter().enumerate() {
            // Top-level columns only: a nested one's path is not a column name of ours.
            if column.path().parts().len() != 1 {
                continue;
            }
            let stats: Vec<Option<&Statistics>> =
                metadata.row_groups().iter().map(|rg| rg.columns().get(i).and_then(|c| c.statistics())).collect();
            let name = column.name().to_string();
            if stats.iter().all(|s| s.is_some_and(|s| s.null_count_opt() == Some(0))) {
                proven.no_nulls.insert(name.clone());
            }
            let non_negative = |s: &Statistics| match s {
                Statistics::Int32(v) => v.min_opt().is_some_and(|m| *m >= 0),
                Statistics::Int64(v) => v.min_opt().is_some_and(|m| *m >= 0),
                _ => false,
            };
            if stats.iter().all(|s| s.is_some_and(non_negative)) {
                proven.non_negative.insert(name);
            }
        }
        proven
    }
}

/// A Parquet file's row count, schema (text columns as views) and what its statistics prove, from its
/// footer.
fn footer(path: &Path) -> Result<(u64, SchemaRef, Proven)> {
    use datafusion::arrow::datatypes::{Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let bad = |message: String| LoadError::Parquet { path: path.to_path_buf(), message };
    let file = std::fs::File::open(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad(e.to_string()))?;
    let rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
    let proven = Proven::of(builder.metadata());
    let fields: Vec<Field> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    Ok((rows, Arc::new(Schema::new(fields)), proven))
}

/// Whether a file column of type `stored` is read as the canonical type `ty` without a cast.
fn stored_as_is(ty: ColumnType, stored: &DataType) -> bool {
    match ty {
        ColumnType::Text => matches!(stored, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8),
        ColumnType::Integer => stored == &DataType::Int64,
        ColumnType::Decimal => stored == &DataType::Float64,
        ColumnType::Timestamp => matches!(stored, DataType::Timestamp(TimeUnit::Millisecond, _)),
    }
}

/// The view's select list: each canonical column from the files (cast to its type where needed) or
/// its default; and the names of the defaulted ones.
fn view_columns(root: &Path, schema: &SchemaRef) -> Result<(String, Vec<String>)> {
    let mut exprs = Vec::with_capacity(COLUMNS.len());
    let mut defaulted = Vec::new();
    let mut missing = Vec::new();
    for c in &COLUMNS {
        let target = match c.ty {
            ColumnType::Text => "VARCHAR",
            ColumnType::Integer => "BIGINT",
            ColumnType::Decimal => "DOUBLE",
            ColumnType::Timestamp => "TIMESTAMP(3)",
        };
        let name = c.name;
        match schema.field_with_name(name) {
            Ok(f) => {
                exprs.push(if stored_as_is(c.ty, f.data_type()) {
                    format!("\"{name}\"")
                } else {
                    format!("CAST(\"{name}\" AS {target}) AS \"{name}\"")
                });
            }
            Err(_) if REQUIRED.contains(&name) => missing.push(name),
            Err(_) => {
                defaulted.push(name.to_string());
                exprs.push(match name {
                    "total_tokens" => "input_tokens + output_tokens AS total_tokens".to_string(),
                    "call_id" => "'' AS call_id".to_string(),
                    _ if c.ty == ColumnType::Text => format!("{} AS \"{name}\"", sql_str(default_for(name))),
                    _ => format!("CAST({} AS {target}) AS \"{name}\"", default_for(name)),
                });
            }
        }
    }
    if !missing.is_empty() {
        let found: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        return Err(LoadError::MissingColumns {
            path: root.to_path_buf(),
            missing: missing.join(", "),
            found: found.join(", "),
        }
        .into());
    }
    Ok((format!("SELECT {}", exprs.join(", ")), defaulted))
}

/// A row the loader would refuse: a missing value in a column the files have, a negative count or cost,
/// NaN or infinity. (Arrow compares floats in total order: NaN is above infinity and -0.0 below 0.0,
/// hence the explicit NaN test and the comparison with -0.0.)
///
/// A column the files' statistics prove clean is left out ([`Proven`]): text and timestamps without a
/// missing value, integers without a missing or negative one, each read as it is stored (no cast).
/// Without them the check read every column of every call, the ids too: opening 10 M calls took 0.55 s
/// of CPU, now 0.17 s. Floats are always checked, as Parquet's minimum and maximum leave NaN out.
fn bad_row_predicate(files: &SchemaRef, proven: &Proven) -> String {
    let mut parts = Vec::new();
    for c in &COLUMNS {
        let name = c.name;
        let Ok(field) = files.field_with_name(name) else {
            continue;
        };
        let clean = proven.no_nulls.contains(name)
            && stored_as_is(c.ty, field.data_type())
            && match c.ty {
                ColumnType::Text | ColumnType::Timestamp => true,
                ColumnType::Integer => proven.non_negative.contains(name),
                ColumnType::Decimal => false,
            };
        if clean {
            continue;
        }
        parts.push(format!("\"{name}\" IS NULL"));
        match c.ty {
            ColumnType::Integer => parts.push(format!("\"{name}\" < 0")),
            ColumnType::Decimal => {
                parts.push(format!("isnan(\"{name}\") OR \"{name}\" < -0.0 OR \"{name}\" = 'Infinity'::DOUBLE"))
            }
            _ => {}
        }
    }
    parts.join(" OR ")
}

/// The loader's own error for the first bad row: each file is read until one fails.
fn first_bad_row(dataset: &PartitionedDataset, opts: &LoadOptions) -> AnalyticsError {
    for (path, _) in &dataset.files {
        if let Err(e) = crate::load::load(std::slice::from_ref(path), opts.clone()) {
            return e.into();
        }
    }
    AnalyticsError::Query(format!("{}: rows with invalid values", dataset.root.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{Field, Schema};

    #[test]
    fn proven_columns_are_left_out_of_the_bad_row_check() {
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("customer_id", DataType::Utf8View, true),
            Field::new("input_tokens", DataType::Int64, true),
            Field::new("output_tokens", DataType::Int32, true),
            Field::new("cost_usd", DataType::Float64, true),
        ]));
        let all = bad_row_predicate(&schema, &Proven::default());
        for column in ["customer_id", "input_tokens", "output_tokens", "cost_usd"] {
            assert!(all.contains(&format!("\"{column}\" IS NULL")), "{all}");
        }
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        let proven = Proven {
            no_nulls: names(&["customer_id", "input_tokens", "output_tokens", "cost_usd"]),
            non_negative: names(&["input_tokens", "output_tokens"]),
        };
        let left = bad_row_predicate(&schema, &proven);
        // Text and a stored Int64 proven; an Int32 column is cast, and a float may hold NaN.
        assert!(!left.contains("customer_id") && !left.contains("input_tokens"), "{left}");
        assert!(left.contains("\"output_tokens\" < 0") && left.contains("isnan(\"cost_usd\")"), "{left}");
        // No missing values proven, a non-negative minimum alone is not enough.
        let only_min = Proven { no_nulls: names(&[]), non_negative: names(&["input_tokens"]) };
        assert!(bad_row_predicate(&schema, &only_min).contains("\"input_tokens\" IS NULL"));
    }
}
