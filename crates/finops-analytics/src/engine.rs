//! The dataset: loaded batches registered in a DataFusion session as the table `calls`, with helpers
//! to run SQL and read results as typed columns.
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, PrimitiveArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType, Field, Float64Type, Int64Type, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use finops_core::negotiated::{NegotiatedRates, RateRule};
use finops_core::pricing::Catalog;
use finops_core::rules::Rules;
use serde::Serialize;
use thiserror::Error;

use crate::load::{COST_USD, LoadError, LoadOptions, LoadReport, canonical_schema, load};

/// Why an analysis could not run.
#[derive(Debug, Error)]
pub enum AnalyticsError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("query failed: {0}")]
    Query(String),
    #[error(transparent)]
    UnknownAnalysis(#[from] finops_results::UnknownAnalysis),
}

impl From<datafusion::error::DataFusionError> for AnalyticsError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        AnalyticsError::Query(e.to_string())
    }
}

impl From<datafusion::arrow::error::ArrowError> for AnalyticsError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        AnalyticsError::Query(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, AnalyticsError>;

/// The time span of the data.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Period {
    pub rows: u64,
    /// First and last call (Unix ms); `None` when there are no rows.
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// (last - first) in days; 0 for fewer than two distinct timestamps.
    pub days: f64,
}

impl Period {
    /// Days used to prorate monthly prices and to turn totals into daily rates: the span, but at least
    /// one hour, so a single call does not divide by zero.
    pub fn billing_days(&self) -> f64 {
        self.days.max(1.0 / 24.0)
    }
}

/// Average days per month, used to prorate monthly subscription prices.
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// A shared result, or why computing it failed.
type MemoCell = std::sync::OnceLock<std::result::Result<Arc<dyn std::any::Any + Send + Sync>, String>>;
/// Results shared between analyses, computed once per dataset.
type Memo = std::sync::Mutex<std::collections::HashMap<String, Arc<MemoCell>>>;

/// A loaded call log, ready for SQL.
pub struct Dataset {
    runtime: tokio::runtime::Runtime,
    ctx: SessionContext,
    memo: Memo,
    pub load: LoadReport,
    pub period: Period,
    /// Prices used by analyses that re-price usage (model switching, batch, caching).
    pub catalog: Arc<Catalog>,
    /// The thresholds behind every finding.
    pub rules: Arc<Rules>,
    /// What the organization's negotiated rates changed, per rule (empty without `--rates`).
    pub negotiated: Vec<NegotiatedUse>,
    /// The loaded batches by partition (shared with the registered table), to re-register it with
    /// effective costs; `None` for files scanned in place.
    partitions: Option<Vec<Vec<RecordBatch>>>,
    /// The calls analyzed (`--since` / `--until`).
    pub window: crate::scan::TimeWindow,
}

/// The calls one negotiated rate covered and what it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct NegotiatedUse {
    pub rule: RateRule,
    pub calls: u64,
    pub list_cost_usd: f64,
    pub effective_cost_usd: f64,
}

impl Dataset {
    /// Loads files or folders (CSV, Parquet, OpenTelemetry spans) into memory; a partitioned Parquet
    /// dataset (one folder of `key=value` folders) is scanned in place instead ([`Dataset::scan`]).
    pub fn open(paths: &[PathBuf], opts: LoadOptions) -> Result<Dataset> {
        if let [dir] = paths
            && let Some(dataset) = crate::scan::find_partitioned(dir)?
        {
            return Dataset::scan(&dataset, opts);
        }
        let window = opts.window;
        let (batches, report) = load(paths, opts)?;
        Dataset::from_batches_in(batches, report, window)
    }

    /// A partitioned Parquet dataset read where it lies: each query scans the columns it needs through
    /// a listing table, in memory bounded by `opts.memory_limit` (see [`crate::scan`]).
    pub fn scan(dataset: &crate::scan::PartitionedDataset, opts: LoadOptions) -> Result<Dataset> {
        let (threads, runtime) = query_runtime()?;
        let ctx = crate::scan::session(threads, opts.memory_limit.unwrap_or_else(crate::scan::default_memory_limit))?;
        let load = runtime.block_on(crate::scan::register(&ctx, dataset, &opts))?;
        Dataset::with_context(runtime, ctx, load, None, opts.window)
    }

    /// Loads the first `len` bytes of a CSV file that is still growing (see [`crate::load::load_csv_prefix`]);
    /// `name` is how the file appears in results.
    pub fn open_csv_prefix(path: &std::path::Path, len: u64, name: &str, opts: LoadOptions) -> Result<Dataset> {
        let (batches, report) = crate::load::load_csv_prefix(path, len, name, opts)?;
        Dataset::from_batches(batches, report)
    }

    /// Wraps batches that already follow [`canonical_schema`].
    pub fn from_batches(batches: Vec<RecordBatch>, load: LoadReport) -> Result<Dataset> {
        Dataset::from_batches_in(batches, load, crate::scan::TimeWindow::default())
    }

    /// Wraps batches that already follow [`canonical_schema`], keeping the calls of `window`.
    pub fn from_batches_in(
        batches: Vec<RecordBatch>,
        load: LoadReport,
        window: crate::scan::TimeWindow,
    ) -> Result<Dataset> {
        let (threads, runtime) = query_runtime()?;
        let config = SessionConfig::new().with_target_partitions(threads).with_information_schema(false);
        let ctx = SessionContext::new_with_config(config);
        // Spread batches over partitions so scans run on every core. Each gets `list_cost_usd`, the
        // input's cost (the same array as `cost_usd` until negotiated rates replace the latter).
        let schema = table_schema();
        let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); threads];
        for (i, b) in batches.into_iter().enumerate() {
            let list = b.column(COST_USD).clone();
            partitions[i % threads].push(with_costs(&schema, &b, list.clone(), list)?);
        }
        register_memory(&ctx, &runtime, partitions.clone(), window)?;
        Dataset::with_context(runtime, ctx, load, Some(partitions), window)
    }

    /// The dataset over `ctx`, whose `calls` table is registered; measures its period.
    pub(crate) fn with_context(
        runtime: tokio::runtime::Runtime,
        ctx: SessionContext,
        load: LoadReport,
        partitions: Option<Vec<Vec<RecordBatch>>>,
        window: crate::scan::TimeWindow,
    ) -> Result<Dataset> {
        crate::register_functions(&ctx);
        let mut ds = Dataset {
            runtime,
            ctx,
            memo: Memo::default(),
            load,
            period: Period { rows: 0, start_ms: None, end_ms: None, days: 0.0 },
            catalog: Arc::new(Catalog::builtin()),
            rules: Arc::new(Rules::builtin()),
            negotiated: Vec::new(),
            partitions,
            window,
        };
        let t = ds.sql("SELECT count(*) AS n, min(timestamp) AS first, max(timestamp) AS last FROM calls")?;
        let rows = t.i64("n")?.first().copied().unwrap_or(0) as u64;
        let first = t.opt_i64("first")?.first().copied().flatten();
        let last = t.opt_i64("last")?.first().copied().flatten();
        let days = match (first, last) {
            (Some(a), Some(b)) => (b - a) as f64 / 86_400_000.0,
            _ => 0.0,
        };
        ds.period = Period { rows, start_ms: first, end_ms: last, days };
        Ok(ds)
    }

    /// Runs a query and collects its result.
    pub fn sql(&self, query: &str) -> Result<Table> {
        self.sql_in(&self.ctx, query)
    }

    /// Runs a grouping with about as many groups as rows (the (organization, customer, 10-minute bin)
    /// counts: one group per 2.3 calls). DataFusion aggregates each partition first and skips that step
    /// only above 0.8 groups per row; here it merely builds every group twice, so it is skipped from
    /// 0.3 (that query alone at 10 M calls: 2.9 -> 1.6 s CPU and 1.32 -> 0.96 GB peak, DataFusion's
    /// Python bindings on the same files). Not the default: for the many queries with few groups, the
    /// first rows can look that varied and the partial step is what makes them cheap.
    pub fn sql_many_groups(&self, query: &str) -> Result<Table> {
        self.sql_tuned(query, |o| o.execution.skip_partial_aggregation_probe_ratio_threshold = 0.3)
    }

    /// Runs a grouping with few groups that collects lists of values ([`crate::values_list`]): each
    /// partition's lists are merged in one final step instead of being repartitioned by group first,
    /// which copied every value once more (arrow's `take` of lists, growing its buffers by
    /// reallocation).
    pub fn sql_lists(&self, query: &str) -> Result<Table> {
        self.sql_tuned(query, |o| o.optimizer.repartition_aggregations = false)
    }

    /// Runs a grouping with about one group per row in one partition: split over partitions, each
    /// row is hashed and copied to the partition of its group before the grouping proper, which cost
    /// more than the parallelism gave back, as the analyses already keep the cores busy two at a time.
    pub fn sql_one_partition(&self, query: &str) -> Result<Table> {
        self.sql_tuned(query, |o| o.execution.target_partitions = 1)
    }

    /// Runs `query` with the session's options changed by `tune` for this query alone.
    fn sql_tuned(&self, query: &str, tune: impl FnOnce(&mut datafusion::config::ConfigOptions)) -> Result<Table> {
        let mut state = self.ctx.state();
        tune(state.config_mut().options_mut());
        self.sql_in(&SessionContext::new_with_state(state), query)
    }

    fn sql_in(&self, ctx: &SessionContext, query: &str) -> Result<Table> {
        let started = std::time::Instant::now();
        let batches = self.runtime.block_on(async {
            let df = ctx.sql(query).await?;
            df.collect().await
        })?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        tracing::debug!(ms, query = %one_line(query, 160), "sql");
        // The full text, for replaying the workload elsewhere (bench/analyze.py runs it in DuckDB).
        tracing::trace!(ms, query = %one_line(query, usize::MAX), "sql full");
        Table::new(batches)
    }

    /// Runs a read-only query (no DDL, no `COPY`, no `SET`: a query cannot write files or change the
    /// session) and returns its batches as they are, for printing.
    pub fn query(&self, query: &str) -> Result<Vec<RecordBatch>> {
        let options = datafusion::execution::context::SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        Ok(self.runtime.block_on(async {
            let df = self.ctx.sql_with_options(query, options).await?;
            df.collect().await
        })?)
    }

    /// The value stored under `key`, computed by `compute` on first use. Several analyses need the same
    /// aggregate (per-customer totals, for one); this runs its query once, and an analysis asking while
    /// another computes it waits for that result instead of computing it again.
    pub fn memo<T: Send + Sync + 'static>(&self, key: &str, compute: impl FnOnce() -> Result<T>) -> Result<Arc<T>> {
        let cell = {
            let mut map = self.memo.lock().map_err(|_| AnalyticsError::Query("memo lock poisoned".into()))?;
            map.entry(key.to_string()).or_default().clone()
        };
        let value = cell.get_or_init(|| {
            compute().map(|v| Arc::new(v) as Arc<dyn std::any::Any + Send + Sync>).map_err(|e| e.to_string())
        });
        match value {
            Ok(v) => {
                v.clone().downcast::<T>().map_err(|_| AnalyticsError::Query(format!("memo `{key}` holds another type")))
            }
            Err(e) => Err(AnalyticsError::Query(e.clone())),
        }
    }

    /// Uses `catalog` instead of the built-in prices.
    pub fn with_catalog(mut self, catalog: Arc<Catalog>) -> Dataset {
        self.catalog = catalog;
        self
    }

    /// Applies the organization's negotiated rates on top of the list prices of [`Dataset::catalog`]:
    /// `cost_usd` becomes what each call really costs (the input's cost stays in `list_cost_usd`) and
    /// the catalog the what-if analyses price with becomes the effective one, so savings are on the
    /// prices paid. A plain discount scales the input's cost; a rule with rates of its own re-prices
    /// the call's tokens (see [`finops_core::negotiated`]).
    pub fn with_negotiated(mut self, rates: &NegotiatedRates) -> Result<Dataset> {
        if rates.is_empty() {
            return Ok(self);
        }
        let Some(loaded) = &self.partitions else {
            return Err(AnalyticsError::Query(
                "negotiated rates (--rates) need the calls in memory; a partitioned dataset is scanned in place \
                 (reprice it first: `finops reprice`)"
                    .into(),
            ));
        };
        let effective = Arc::new(self.catalog.with_negotiated(rates));
        let mut uses: Vec<NegotiatedUse> = rates
            .rules
            .iter()
            .map(|r| NegotiatedUse { rule: r.clone(), calls: 0, list_cost_usd: 0.0, effective_cost_usd: 0.0 })
            .collect();
        let schema = table_schema();
        let mut partitions = Vec::with_capacity(loaded.len());
        for part in loaded {
            let mut out = Vec::with_capacity(part.len());
            for b in part {
                let list = b.column(LIST_COST_USD).clone();
                let cost = negotiated_costs(b, rates, &effective, &mut uses)?;
                out.push(with_costs(&schema, b, Arc::new(cost), list)?);
            }
            partitions.push(out);
        }
        register_memory(&self.ctx, &self.runtime, partitions.clone(), self.window)?;
        self.partitions = Some(partitions);
        self.memo = Memo::default();
        self.catalog = effective;
        self.negotiated = uses;
        Ok(self)
    }

    /// Uses `rules` instead of the built-in ones.
    pub fn with_rules(mut self, rules: Arc<Rules>) -> Dataset {
        self.rules = rules;
        self
    }

    pub fn rows(&self) -> u64 {
        self.period.rows
    }
}

/// Registers loaded batches as `calls` (replacing an earlier registration): the table itself, or with
/// a time window a view of its calls in the window over the table `calls_loaded`.
fn register_memory(
    ctx: &SessionContext,
    runtime: &tokio::runtime::Runtime,
    partitions: Vec<Vec<RecordBatch>>,
    window: crate::scan::TimeWindow,
) -> Result<()> {
    let table = Arc::new(MemTable::try_new(table_schema(), partitions)?);
    ctx.deregister_table("calls")?;
    match window.predicate() {
        None => {
            ctx.register_table("calls", table)?;
        }
        Some(p) => {
            ctx.deregister_table("calls_loaded")?;
            ctx.register_table("calls_loaded", table)?;
            runtime.block_on(async {
                ctx.sql(&format!("CREATE VIEW calls AS SELECT * FROM calls_loaded WHERE {p}")).await?.collect().await
            })?;
        }
    }
    Ok(())
}

/// Position of `list_cost_usd` (appended to the canonical columns) in the table's schema.
const LIST_COST_USD: usize = finops_core::schema::COLUMNS.len();

/// The `calls` table's schema: the canonical columns and `list_cost_usd`.
/// A multi-threaded runtime for DataFusion, one worker per core, and that number of cores.
pub(crate) fn query_runtime() -> Result<(usize, tokio::runtime::Runtime)> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| AnalyticsError::Query(format!("cannot start the query runtime: {e}")))?;
    Ok((threads, runtime))
}

pub fn table_schema() -> SchemaRef {
    let canonical = canonical_schema();
    let mut fields: Vec<Field> = canonical.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("list_cost_usd", DataType::Float64, false));
    Arc::new(datafusion::arrow::datatypes::Schema::new(fields))
}

/// `b`'s canonical columns with `cost_usd` replaced by `cost` and `list_cost_usd` set to `list`, as a
/// batch of `schema` ([`table_schema`]).
fn with_costs(schema: &SchemaRef, b: &RecordBatch, cost: ArrayRef, list: ArrayRef) -> Result<RecordBatch> {
    let mut columns: Vec<ArrayRef> = b.columns()[..LIST_COST_USD].to_vec();
    columns[COST_USD] = cost;
    columns.push(list);
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Each call's effective cost under `rates`, adding what each rule covered to `uses`.
fn negotiated_costs(
    b: &RecordBatch,
    rates: &NegotiatedRates,
    effective: &Catalog,
    uses: &mut [NegotiatedUse],
) -> Result<Float64Array> {
    use finops_core::cost::{ServiceTier, Usage};
    let col = |name: &str| b.column_by_name(name).ok_or_else(|| AnalyticsError::Query(format!("no column {name}")));
    let strings = |name: &str| -> Result<Vec<Option<&str>>> { Ok(text_values(col(name)?).collect()) };
    let ints = |name: &str| -> Result<&Int64Array> { Ok(col(name)?.as_primitive::<Int64Type>()) };
    let (provider, model, tier) = (strings("provider")?, strings("model")?, strings("service_tier")?);
    let time = col("timestamp")?.as_primitive::<datafusion::arrow::datatypes::TimestampMillisecondType>();
    let (input, cached, output) = (ints("input_tokens")?, ints("cached_input_tokens")?, ints("output_tokens")?);
    let written = ints("cache_write_tokens")?;
    let list = b.column(LIST_COST_USD).as_primitive::<Float64Type>();
    // Per (provider, model, day): the rule in force and, for a rule with rates of its own, the
    // effective price row (looked up once, not per call).
    type InForce<'c> = Option<(usize, Option<&'c finops_core::PriceRow>)>;
    let mut memo: std::collections::HashMap<(&str, &str, i64), InForce<'_>> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(b.num_rows());
    for r in 0..b.num_rows() {
        let cost = list.value(r);
        let (p, m) = (provider[r].unwrap_or(""), model[r].unwrap_or(""));
        let day = time.value(r).div_euclid(86_400_000);
        let in_force = *memo.entry((p, m, day)).or_insert_with(|| {
            let date = chrono::DateTime::from_timestamp_millis(day * 86_400_000)?.date_naive();
            let i = rates.index_for(p, m, date)?;
            let row = rates.rules[i].custom.any().then(|| effective.price_at(p, m, date).ok().map(|(_, row)| row));
            Some((i, row.flatten()))
        });
        let Some((i, row)) = in_force else {
            out.push(cost);
            continue;
        };
        let rule = &uses[i].rule;
        // A plain discount scales what the input says the call cost; rates of its own re-price the
        // tokens (a call the catalog cannot price keeps the discount).
        let repriced = row.map(|row| {
            let t: ServiceTier = tier[r].unwrap_or("").parse().ok()?;
            let u = |a: &Int64Array| u64::try_from(a.value(r)).unwrap_or(0);
            let usage = Usage {
                input: u(input),
                cached_input: u(cached),
                cache_write: u(written),
                cache_write_1h: 0,
                output: u(output),
            };
            row.cost_at(&usage, t, time.value(r)).ok().map(|c| c.usd())
        });
        let paid = repriced.flatten().unwrap_or(cost * rule.factor());
        let use_ = &mut uses[i];
        use_.calls += 1;
        use_.list_cost_usd += cost;
        use_.effective_cost_usd += paid;
        out.push(paid);
    }
    Ok(Float64Array::from(out))
}

/// A query on one line, cut to about `max` bytes, for logs.
fn one_line(query: &str, max: usize) -> String {
    let mut s = query.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.len() > max {
        let cut = (0..=max).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// A query result with typed column access (nulls read as 0 / empty).
///
/// The batches are kept as the engine returned them: concatenating them first held a second copy of
/// every result (4.4 million rows for the incident counts at 10 million calls).
pub struct Table {
    batches: Vec<RecordBatch>,
}

impl Table {
    fn new(batches: Vec<RecordBatch>) -> Result<Table> {
        Ok(Table { batches: batches.into_iter().filter(|b| b.num_rows() > 0).collect() })
    }

    pub fn len(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Column `name` of each batch, cast to `ty` unless `keep` accepts its type as it is.
    fn column_as(&self, name: &str, ty: &DataType, keep: impl Fn(&DataType) -> bool) -> Result<Vec<ArrayRef>> {
        self.batches
            .iter()
            .map(|b| {
                let col = b
                    .column_by_name(name)
                    .ok_or_else(|| AnalyticsError::Query(format!("no column `{name}` in result")))?;
                if keep(col.data_type()) {
                    return Ok(col.clone());
                }
                let col = if let DataType::Timestamp(..) = col.data_type() {
                    cast(col, &DataType::Int64)?
                } else {
                    col.clone()
                };
                Ok(cast(&col, ty)?)
            })
            .collect()
    }

    fn column(&self, name: &str, ty: &DataType) -> Result<Vec<ArrayRef>> {
        self.column_as(name, ty, |t| t == ty)
    }

    /// Every value of a primitive column cast to `T`, nulls as `null`.
    fn values<T: ArrowPrimitiveType, V>(
        &self,
        name: &str,
        mut each: impl FnMut(Option<T::Native>) -> V,
    ) -> Result<Vec<V>> {
        let mut out = Vec::with_capacity(self.len());
        for a in self.column(name, &T::DATA_TYPE)? {
            let a = a.as_primitive::<T>();
            if a.null_count() == 0 {
                out.extend(a.values().iter().map(|v| each(Some(*v))));
            } else {
                out.extend(a.iter().map(&mut each));
            }
        }
        Ok(out)
    }

    pub fn f64(&self, name: &str) -> Result<Vec<f64>> {
        self.values::<Float64Type, _>(name, |v| v.unwrap_or(0.0))
    }

    pub fn opt_f64(&self, name: &str) -> Result<Vec<Option<f64>>> {
        self.values::<Float64Type, _>(name, |v| v)
    }

    pub fn i64(&self, name: &str) -> Result<Vec<i64>> {
        self.values::<Int64Type, _>(name, |v| v.unwrap_or(0))
    }

    pub fn opt_i64(&self, name: &str) -> Result<Vec<Option<i64>>> {
        self.values::<Int64Type, _>(name, |v| v)
    }

    pub fn u64(&self, name: &str) -> Result<Vec<u64>> {
        self.values::<Int64Type, _>(name, |v| v.unwrap_or(0).max(0) as u64)
    }

    /// List column `name` (from `values_list`) of each batch, cast to lists of `T`.
    fn list_columns<T: ArrowPrimitiveType>(&self, name: &str) -> Result<Vec<ArrayRef>> {
        self.column(name, &crate::values_list::list_type(&T::DATA_TYPE))
    }

    /// Calls `each` with every row's list of columns from [`Table::list_columns`]; a null list comes as
    /// an empty one.
    fn for_each_list<T: ArrowPrimitiveType>(columns: &[ArrayRef], mut each: impl FnMut(&PrimitiveArray<T>)) {
        let empty = PrimitiveArray::<T>::from_iter_values(std::iter::empty());
        for list in columns {
            let list = list.as_list::<i32>();
            for i in 0..list.len() {
                if list.is_null(i) {
                    each(&empty);
                } else {
                    each(list.value(i).as_primitive::<T>());
                }
            }
        }
    }

    /// A list column (from `values_list`) as one vector per row; a null list reads as empty and null
    /// values are skipped.
    fn lists<T: ArrowPrimitiveType>(&self, name: &str) -> Result<Vec<Vec<T::Native>>> {
        let mut out = Vec::with_capacity(self.len());
        Self::for_each_list::<T>(&self.list_columns::<T>(name)?, |v| {
            let mut values = Vec::with_capacity(v.len());
            extend_non_null(&mut values, v);
            out.push(values);
        });
        Ok(out)
    }

    /// A list column of integers as one `Vec<i64>` per row (see [`Table::lists`]).
    pub fn i64_lists(&self, name: &str) -> Result<Vec<Vec<i64>>> {
        self.lists::<Int64Type>(name)
    }

    /// A list column of floats as one `Vec<f64>` per row (see [`Table::lists`]).
    pub fn f64_lists(&self, name: &str) -> Result<Vec<Vec<f64>>> {
        self.lists::<Float64Type>(name)
    }

    /// A list column of integers flattened: row `i`'s values are `values[offsets[i]..offsets[i + 1]]`
    /// (a null list reads as empty). Cheaper than [`Table::i64_lists`] for many short lists.
    pub fn i64_lists_flat(&self, name: &str) -> Result<(Vec<usize>, Vec<i64>)> {
        // Sized once: the cube's latencies are millions of values, and growing the vector by doubling
        // copied them again and touched fresh pages at every step.
        let columns = self.list_columns::<Int64Type>(name)?;
        let total = columns.iter().map(|l| l.as_list::<i32>().values().len()).sum();
        let (mut offsets, mut values) = (Vec::with_capacity(self.len() + 1), Vec::with_capacity(total));
        offsets.push(0);
        Self::for_each_list::<Int64Type>(&columns, |v| {
            extend_non_null(&mut values, v);
            offsets.push(values.len());
        });
        Ok((offsets, values))
    }

    /// Calls `each` with every value of text columns from [`Table::text_columns`] (null as empty).
    fn for_each_str<'a>(columns: &'a [ArrayRef], mut each: impl FnMut(&'a str)) {
        for a in columns {
            text_values(a).for_each(|v| each(v.unwrap_or("")));
        }
    }

    /// Column `name` of each batch as string views or plain strings, read as they are (other types
    /// are cast to text).
    fn text_columns(&self, name: &str) -> Result<Vec<ArrayRef>> {
        self.column_as(name, &DataType::Utf8, |t| matches!(t, DataType::Utf8 | DataType::Utf8View))
    }

    /// A text column as its distinct values (in order of first appearance) and each row's index into
    /// them; null reads as empty. Interning borrows from the column instead of allocating a string
    /// per row.
    pub fn dictionary(&self, name: &str) -> Result<(Vec<String>, Vec<u32>)> {
        let columns = self.text_columns(name)?;
        let mut index: foldhash::HashMap<&str, u32> = foldhash::HashMap::default();
        let (mut dict, mut codes) = (Vec::new(), Vec::with_capacity(self.len()));
        Self::for_each_str(&columns, |v| {
            codes.push(*index.entry(v).or_insert_with(|| {
                dict.push(v.to_string());
                dict.len() as u32 - 1
            }))
        });
        Ok((dict, codes))
    }

    pub fn str(&self, name: &str) -> Result<Vec<String>> {
        let columns = self.text_columns(name)?;
        let mut out = Vec::with_capacity(self.len());
        Self::for_each_str(&columns, |v| out.push(v.to_string()));
        Ok(out)
    }
}

/// Appends the non-null values of `a` to `out`: a plain copy when it holds no null.
fn extend_non_null<T: ArrowPrimitiveType>(out: &mut Vec<T::Native>, a: &PrimitiveArray<T>) {
    if a.null_count() == 0 { out.extend_from_slice(a.values()) } else { out.extend(a.iter().flatten()) }
}

/// The values of a text column holding string views (what the engine returns) or plain strings.
fn text_values(a: &ArrayRef) -> Box<dyn Iterator<Item = Option<&str>> + '_> {
    match a.data_type() {
        DataType::Utf8View => Box::new(a.as_string_view().iter()),
        _ => Box::new(a.as_string::<i32>().iter()),
    }
}

/// Quotes a string literal for SQL.
pub fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
