//! Shared helpers of the analyses (the seed's `analyzers/common.py`): grouped metrics over any
//! dimensions, percentiles, time buckets, robust anomaly detection and the forecast.
//!
//! Percentiles are exact and interpolated (numpy's default `linear` method): for a sorted sample
//! x(0..n-1), p-th percentile = x(k) + (x(k+1) - x(k)) * f with k + f = p * (n - 1). Queries return each
//! group's values with [`values_list`](crate::values_list) and [`percentiles_of`] finds the ranks by
//! selection. (DataFusion's `percentile_cont` sorts per percentile and was off by up to 1e-4 ms on some
//! hourly p95s.)
use crate::engine::{Dataset, Result};
pub use finops_results::common::{CustomerRow, DistinctCounts, Forecast, Group, GroupForecast, Metrics};

/// Calls that count for latency: successful standard-tier calls (see [`Metrics::avg_latency_ms`]).
pub const LATENCY_SAMPLE: &str = "status = 'success' AND service_tier = 'standard'";

/// SQL select list computing [`Metrics`] columns. The latencies of each group come back as one list
/// and the percentiles are taken in Rust: one selection per group instead of a sort per percentile.
pub const METRICS_SQL: &str = "count(*) AS calls, \
    coalesce(sum(cost_usd), 0) AS cost_usd, \
    coalesce(sum(input_tokens), 0) AS input_tokens, \
    coalesce(sum(output_tokens), 0) AS output_tokens, \
    coalesce(sum(total_tokens), 0) AS total_tokens, \
    coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens, \
    count(*) FILTER (WHERE status <> 'success') AS errors, \
    values_list(latency_ms) FILTER (WHERE status = 'success' AND service_tier = 'standard') AS latencies";

/// The dimension "provider/model" (model names are only unique within a provider). [`group_metrics`]
/// groups by the two columns and joins them afterwards, which is cheaper than concatenating per row.
pub const MODEL: &str = "provider || '/' || model";

/// The SELECT and GROUP BY lists for one key dimension `dim` under `alias`, read back by [`read_key`]:
/// `dim AS alias`, or for [`MODEL`] its two columns (`aliasa`, `aliasb`), which group faster than a
/// concatenation per row.
pub fn key_columns(dim: &str, alias: &str) -> (String, String) {
    if dim == MODEL {
        (format!("provider AS {alias}a, model AS {alias}b"), format!("{alias}a, {alias}b"))
    } else {
        (format!("{dim} AS {alias}"), alias.to_string())
    }
}

/// The key values of a query built with [`key_columns`] (the model as `provider/model`).
pub fn read_key(t: &crate::engine::Table, dim: &str, alias: &str) -> Result<Vec<String>> {
    if dim == MODEL {
        Ok(t.str(&format!("{alias}a"))?
            .into_iter()
            .zip(t.str(&format!("{alias}b"))?)
            .map(|(a, b)| format!("{a}/{b}"))
            .collect())
    } else {
        t.str(alias)
    }
}

/// Metrics per distinct combination of `dims` (column names or SQL expressions aliased with AS),
/// over rows matching `filter` (a SQL predicate, or "true"), sorted by cost descending. Computed once
/// per dataset for each (dims, filter): several analyses ask for the same breakdown.
///
/// Over all calls (`"true"`) or the latency sample ([`LATENCY_SAMPLE`]), with only the dimensions of
/// one of the [`CUBES`] (and [`MODEL`]), the groups are summed up from that shared cube instead of
/// scanning the calls again: two queries serve fourteen breakdowns.
pub fn group_metrics(ds: &Dataset, dims: &[&str], filter: &str) -> Result<Vec<Group>> {
    let key = format!("group_metrics {dims:?} WHERE {filter}");
    let groups = ds.memo(&key, || match (filter, cube_for(dims)) {
        ("true", Some(c)) => group_metrics_from_cube(ds, c, dims, false),
        (LATENCY_SAMPLE, Some(c)) => group_metrics_from_cube(ds, c, dims, true),
        _ => group_metrics_query(ds, dims, filter),
    })?;
    Ok(groups.as_ref().clone())
}

/// The dimensions of the shared cubes. Two narrow cubes rather than one over all of them: every
/// combination of organization, product, model, feature and region was 389,000 groups at 10 million
/// calls (4.6 s of hashing six strings per call), where no breakdown mixes an organization or product
/// with a model, feature or region.
const CUBES: [&[&str]; 2] =
    [&["provider", "model", "feature_id", "region", "service_tier"], &["organization_id", "product_id"]];
/// The widest cube.
const CUBE_WIDTH: usize = 5;

/// The first cube holding every dimension of `dims` ([`MODEL`] is its two columns).
fn cube_for(dims: &[&str]) -> Option<usize> {
    CUBES.iter().position(|c| {
        dims.iter().all(|d| if *d == MODEL { c.contains(&"provider") && c.contains(&"model") } else { c.contains(d) })
    })
}

/// Additive parts of [`Metrics`].
#[derive(Debug, Clone, Default)]
struct Sums {
    calls: u64,
    cost_usd: f64,
    input_tokens: u64,
    output_tokens: u64,
    total_tokens: u64,
    cached_input_tokens: u64,
    errors: u64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.calls += o.calls;
        self.cost_usd += o.cost_usd;
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
        self.total_tokens += o.total_tokens;
        self.cached_input_tokens += o.cached_input_tokens;
        self.errors += o.errors;
    }

    /// The metrics of these sums and the group's latencies (reordered in place).
    fn metrics(&self, latencies: &mut [i64]) -> Metrics {
        let sum: i64 = latencies.iter().sum();
        let p = percentiles_of(latencies, LATENCY_PERCENTILES);
        self.metrics_with(latencies.len(), sum, p)
    }

    /// The metrics of these sums and `n` latencies adding up to `sum`, with their p50, p95 and p99.
    fn metrics_with(&self, n: usize, sum: i64, [p50, p95, p99]: [f64; 3]) -> Metrics {
        let (calls, cost, tokens) = (self.calls as f64, self.cost_usd, self.total_tokens as f64);
        Metrics {
            calls: self.calls,
            cost_usd: cost,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            total_tokens: self.total_tokens,
            cached_input_tokens: self.cached_input_tokens,
            errors: self.errors,
            error_rate_pct: pct(self.errors as f64, calls),
            avg_cost_per_call: ratio(cost, calls),
            avg_tokens_per_call: ratio(tokens, calls),
            cost_per_1k_tokens: ratio(cost * 1000.0, tokens),
            avg_latency_ms: ratio(sum as f64, n as f64),
            p50_latency_ms: p50,
            p95_latency_ms: p95,
            p99_latency_ms: p99,
        }
    }
}

/// The latency percentiles of [`Metrics`].
const LATENCY_PERCENTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// The sums of each row of a query with [`METRICS_SQL`]'s columns, named with `prefix`.
fn sums_from(t: &crate::engine::Table, prefix: &str) -> Result<Vec<Sums>> {
    let col = |name: &str| format!("{prefix}{name}");
    let (calls, cost) = (t.u64(&col("calls"))?, t.f64(&col("cost_usd"))?);
    let (inp, out, tot, cached) = (
        t.u64(&col("input_tokens"))?,
        t.u64(&col("output_tokens"))?,
        t.u64(&col("total_tokens"))?,
        t.u64(&col("cached_input_tokens"))?,
    );
    let errors = t.u64(&col("errors"))?;
    Ok((0..t.len())
        .map(|i| Sums {
            calls: calls[i],
            cost_usd: cost[i],
            input_tokens: inp[i],
            output_tokens: out[i],
            total_tokens: tot[i],
            cached_input_tokens: cached[i],
            errors: errors[i],
        })
        .collect())
}

/// Every combination of one of the [`CUBES`]' dimensions that occurs (a row each): its key as indices
/// into the dimensions' dictionaries, the sums of all its calls and of its latency-sample calls, and the
/// sample's latencies, stored flat (row `i`'s are `latencies[offsets[i]..offsets[i + 1]]`) and sorted
/// within each row, with their sum per row. A roll-up then takes its percentiles from the rows' sorted
/// runs ([`percentiles_of_sorted_runs`]) instead of copying and selecting millions of latencies for
/// each of the fourteen breakdowns.
struct Cube {
    dims: &'static [&'static str],
    dicts: Vec<Vec<String>>,
    keys: Vec<[u32; CUBE_WIDTH]>,
    all: Vec<Sums>,
    sample: Vec<Sums>,
    offsets: Vec<usize>,
    latencies: Vec<i64>,
    latency_sums: Vec<i64>,
    /// The provider/model/region cube's time-to-first-token cells (see [`ttft_cells`]).
    ttft: Option<std::sync::Arc<TtftCells>>,
}

impl Cube {
    /// Row `i`'s latencies, ascending.
    fn run(&self, i: usize) -> &[i64] {
        &self.latencies[self.offsets[i]..self.offsets[i + 1]]
    }
}

impl Cube {
    /// Where dimension `d` is in this cube's keys.
    fn column(&self, d: &str) -> Option<usize> {
        self.dims.iter().position(|c| *c == d)
    }
}

fn cube(ds: &Dataset, which: usize) -> Result<std::sync::Arc<Cube>> {
    let cube_dims = CUBES[which];
    ds.memo(&format!("metrics_cube {which}"), || {
        let dims = cube_dims.join(", ");
        let f = format!("FILTER (WHERE {LATENCY_SAMPLE})");
        // The sample is successful calls only: its error count is 0 by definition.
        let sample = format!(
            "count(*) {f} AS s_calls, coalesce(sum(cost_usd) {f}, 0) AS s_cost_usd, \
             coalesce(sum(input_tokens) {f}, 0) AS s_input_tokens, coalesce(sum(output_tokens) {f}, 0) AS s_output_tokens, \
             coalesce(sum(total_tokens) {f}, 0) AS s_total_tokens, \
             coalesce(sum(cached_input_tokens) {f}, 0) AS s_cached_input_tokens, 0 AS s_errors"
        );
        // The cube of providers, models and regions also collects the sample's times to first token
        // (Performance and Geographic Latency roll them up): no scan of their own.
        let ttft_sql = if cube_dims.contains(&"region") { ttft_sql() } else { String::new() };
        let t = ds.sql_lists(&format!("SELECT {dims}, {METRICS_SQL}, {sample}{ttft_sql} FROM calls GROUP BY {dims}"))?;
        let mut dicts = Vec::with_capacity(cube_dims.len());
        let mut codes = Vec::with_capacity(cube_dims.len());
        for d in cube_dims {
            let (dict, col) = t.dictionary(d)?;
            dicts.push(dict);
            codes.push(col);
        }
        let keys = (0..t.len())
            .map(|i| std::array::from_fn(|d| codes.get(d).map_or(u32::MAX, |c: &Vec<u32>| c[i])))
            .collect();
        let (offsets, mut latencies) = t.i64_lists_flat("latencies")?;
        let latency_sums = offsets
            .windows(2)
            .map(|w| {
                let run = &mut latencies[w[0]..w[1]];
                run.sort_unstable();
                run.iter().sum()
            })
            .collect();
        let sample = sums_from(&t, "s_")?;
        let ttft = if ttft_sql.is_empty() {
            None
        } else {
            let text = |d: &str, i: usize| {
                cube_dims.iter().position(|c| *c == d).map_or_else(String::new, |c| dicts[c][codes[c][i] as usize].clone())
            };
            let mut ttft = t.i64_lists("ttft")?;
            for run in &mut ttft {
                run.sort_unstable();
            }
            let (out_tokens, gen_ms) = (t.i64("ttft_out_tokens")?, t.i64("ttft_gen_ms")?);
            // Only rows with sample calls, as a grouping of the sample alone would have.
            let rows: Vec<usize> = (0..t.len()).filter(|&i| sample[i].calls > 0).collect();
            Some(std::sync::Arc::new(TtftCells {
                provider: rows.iter().map(|&i| text("provider", i)).collect(),
                model: rows.iter().map(|&i| text("model", i)).collect(),
                region: rows.iter().map(|&i| text("region", i)).collect(),
                ttft: rows.iter().map(|&i| std::mem::take(&mut ttft[i])).collect(),
                out_tokens: rows.iter().map(|&i| out_tokens[i]).collect(),
                gen_ms: rows.iter().map(|&i| gen_ms[i]).collect(),
            }))
        };
        Ok(Cube {
            dims: cube_dims,
            dicts,
            keys,
            all: sums_from(&t, "")?,
            sample,
            offsets,
            latencies,
            latency_sums,
            ttft,
        })
    })
}

/// How many calls of the latency sample ([`LATENCY_SAMPLE`]) took less than each of `bounds` ms,
/// counted in the shared cube's sorted latencies (no scan of its own). A latency compares as a float,
/// as SQL compares an integer column with a decimal literal.
pub fn sample_latencies_below<const N: usize>(ds: &Dataset, bounds: [f64; N]) -> Result<[u64; N]> {
    let cube = cube(ds, 0)?;
    let mut out = [0u64; N];
    for i in 0..cube.keys.len() {
        let run = cube.run(i);
        for (n, bound) in out.iter_mut().zip(bounds) {
            *n += run.partition_point(|x| (*x as f64) < bound) as u64;
        }
    }
    Ok(out)
}

/// Rolls cube `which` up to `dims`, over all calls or over the latency sample.
fn group_metrics_from_cube(ds: &Dataset, which: usize, dims: &[&str], sample_only: bool) -> Result<Vec<Group>> {
    let cube = cube(ds, which)?;
    // Only dimensions of the cube get here (see group_metrics).
    let pos = |d: &str| cube.column(d).unwrap_or(0);
    // MODEL is two cube columns; it takes two key slots.
    let slots: Vec<usize> = dims
        .iter()
        .flat_map(|d| if *d == MODEL { vec![pos("provider"), pos("model")] } else { vec![pos(d)] })
        .collect();
    // Each cube row's group, and the groups' keys, sums and cube rows.
    let mut index: foldhash::HashMap<[u32; CUBE_WIDTH], usize> = foldhash::HashMap::default();
    let (mut keys, mut sums, mut rows): (Vec<[u32; CUBE_WIDTH]>, Vec<Sums>, Vec<Vec<usize>>) = Default::default();
    for (i, row_key) in cube.keys.iter().enumerate() {
        let row_sums = if sample_only { &cube.sample[i] } else { &cube.all[i] };
        if sample_only && row_sums.calls == 0 {
            continue; // as a WHERE on the sample would: no group without sample calls
        }
        let mut k = [u32::MAX; CUBE_WIDTH];
        for (slot, &p) in slots.iter().enumerate() {
            k[slot] = row_key[p];
        }
        let g = *index.entry(k).or_insert_with(|| {
            keys.push(k);
            sums.push(Sums::default());
            rows.push(Vec::new());
            keys.len() - 1
        });
        sums[g].add(row_sums);
        rows[g].push(i);
    }
    // Like SQL, an aggregate without dimensions has one row even over no calls.
    if dims.is_empty() && keys.is_empty() {
        keys.push([u32::MAX; CUBE_WIDTH]);
        sums.push(Sums::default());
        rows.push(Vec::new());
    }
    let name = |slot: usize, k: &[u32; CUBE_WIDTH]| cube.dicts[slots[slot]][k[slot] as usize].as_str();
    let mut groups: Vec<Group> = keys
        .iter()
        .zip(&sums)
        .enumerate()
        .map(|(g, (k, s))| {
            let mut slot = 0;
            let key = dims
                .iter()
                .map(|d| {
                    let text = if *d == MODEL {
                        format!("{}/{}", name(slot, k), name(slot + 1, k))
                    } else {
                        name(slot, k).to_string()
                    };
                    slot += if *d == MODEL { 2 } else { 1 };
                    text
                })
                .collect();
            let runs: Vec<&[i64]> = rows[g].iter().map(|&i| cube.run(i)).collect();
            let n = runs.iter().map(|r| r.len()).sum();
            let sum = rows[g].iter().map(|&i| cube.latency_sums[i]).sum();
            Group { key, metrics: s.metrics_with(n, sum, percentiles_of_sorted_runs(&runs, LATENCY_PERCENTILES)) }
        })
        .collect();
    sort_groups(&mut groups);
    Ok(groups)
}

fn sort_groups(groups: &mut [Group]) {
    groups.sort_by(|a, b| {
        order_value(b.metrics.cost_usd)
            .total_cmp(&order_value(a.metrics.cost_usd))
            .then(b.metrics.calls.cmp(&a.metrics.calls))
            .then(a.key.cmp(&b.key))
    });
}

/// `v` rounded to 12 significant digits, to order findings by: the engine adds a group's values in
/// whichever order its partitions finish, so two sums of equal value can differ in their last bits
/// and would swap places from one run to the next; rounded, they tie and the next key decides.
///
/// ```
/// use finops_analytics::common::order_value;
/// assert_eq!(order_value(2.24816935), order_value(2.2481693499999995));
/// assert!(order_value(2.24816935) > order_value(2.24816934));
/// assert_eq!(order_value(0.0), 0.0);
/// ```
pub fn order_value(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(11 - v.abs().log10().floor() as i32);
    let rounded = (v * scale).round() / scale;
    if rounded.is_finite() { rounded } else { v }
}

fn group_metrics_query(ds: &Dataset, dims: &[&str], filter: &str) -> Result<Vec<Group>> {
    let aliases: Vec<String> = (0..dims.len()).map(|i| format!("k{i}")).collect();
    let (select, group): (Vec<String>, Vec<String>) = dims.iter().zip(&aliases).map(|(d, a)| key_columns(d, a)).unzip();
    let group_by = if group.is_empty() { String::new() } else { format!("GROUP BY {}", group.join(", ")) };
    let prefix = if select.is_empty() { String::new() } else { format!("{}, ", select.join(", ")) };
    let t = ds.sql(&format!("SELECT {prefix}{METRICS_SQL} FROM calls WHERE {filter} {group_by}"))?;
    let keys: Vec<Vec<String>> = dims.iter().zip(&aliases).map(|(d, a)| read_key(&t, d, a)).collect::<Result<_>>()?;
    let mut groups: Vec<Group> = sums_from(&t, "")?
        .into_iter()
        .zip(t.i64_lists("latencies")?)
        .enumerate()
        .map(|(i, (s, mut l))| Group { key: keys.iter().map(|k| k[i].clone()).collect(), metrics: s.metrics(&mut l) })
        .collect();
    sort_groups(&mut groups);
    Ok(groups)
}

/// Time to first token over the latency sample per cell (a row of the (provider, model, feature, region,
/// service tier) cube with sample calls): the values above zero (sorted within each cell) and the
/// generation sums of the calls that report one. Collected in the cube's scan: Performance rolls them up
/// by model and Geographic Latency by region.
pub struct TtftCells {
    pub provider: Vec<String>,
    pub model: Vec<String>,
    pub region: Vec<String>,
    /// Times to first token above zero, ms, ascending within each cell.
    pub ttft: Vec<Vec<i64>>,
    /// Output tokens and generation time (latency - time to first token) of the calls whose latency
    /// exceeds their time to first token.
    pub out_tokens: Vec<i64>,
    pub gen_ms: Vec<i64>,
}

/// One group of [`TtftCells`] rolled up by [`TtftCells::roll_up`]: its cells' sorted times to first
/// token side by side (percentiles by [`percentiles_of_sorted_runs`], no copy) and its sums.
#[derive(Debug, Default)]
pub struct TtftGroup<'a> {
    pub ttft: Vec<&'a [i64]>,
    pub out_tokens: i64,
    pub gen_ms: i64,
}

impl TtftGroup<'_> {
    /// How many times to first token the group holds.
    pub fn calls(&self) -> usize {
        self.ttft.iter().map(|r| r.len()).sum()
    }

    /// How many of them are at most `ms`.
    pub fn at_most(&self, ms: f64) -> usize {
        self.ttft.iter().map(|r| r.partition_point(|x| *x as f64 <= ms)).sum()
    }
}

impl TtftCells {
    /// The cells summed up by `key` (of the cell's index): values side by side, sums added.
    pub fn roll_up<K: Ord>(&self, key: impl Fn(usize) -> K) -> std::collections::BTreeMap<K, TtftGroup<'_>> {
        let mut groups: std::collections::BTreeMap<K, TtftGroup<'_>> = Default::default();
        for c in 0..self.ttft.len() {
            let g = groups.entry(key(c)).or_default();
            g.ttft.push(&self.ttft[c]);
            g.out_tokens += self.out_tokens[c];
            g.gen_ms += self.gen_ms[c];
        }
        groups
    }
}

/// The columns of the time-to-first-token cells, over the latency sample: the values above zero and
/// the output tokens and generation time of the calls whose latency exceeds their time to first token.
fn ttft_sql() -> String {
    let generating = format!("FILTER (WHERE {LATENCY_SAMPLE} AND latency_ms > time_to_first_token_ms)");
    format!(
        ", values_list(time_to_first_token_ms) FILTER (WHERE {LATENCY_SAMPLE} AND time_to_first_token_ms > 0) AS ttft, \
         sum(output_tokens) {generating} AS ttft_out_tokens, \
         sum(latency_ms - time_to_first_token_ms) {generating} AS ttft_gen_ms"
    )
}

/// The [`TtftCells`] of `ds`: the rows of the (provider, model, feature, region, service tier) cube
/// with sample calls, collected in the cube's scan.
pub fn ttft_cells(ds: &Dataset) -> Result<std::sync::Arc<TtftCells>> {
    let cube = cube(ds, 0)?;
    cube.ttft
        .clone()
        .ok_or_else(|| crate::engine::AnalyticsError::Query("the first cube holds no time to first token".into()))
}

/// Metrics over all rows matching `filter`.
pub fn total_metrics(ds: &Dataset, filter: &str) -> Result<Metrics> {
    Ok(group_metrics(ds, &[], filter)?.into_iter().next().map(|g| g.metrics).unwrap_or_default())
}

/// A join of the calls with the time `windows` of organizations ((organization, from, to), Unix ms, `to`
/// exclusive), as `{join} (VALUES ...) AS org_windows(org, lo, hi) ON ...`: with `JOIN`, the calls inside
/// a window; with `LEFT ANTI JOIN`, the others. The windows are merged per organization first, so a
/// call matches at most one and an inner join counts it once. `None` without windows.
///
/// A hash join on the organization then two comparisons per call, where a predicate of one
/// `organization_id = ... AND timestamp ...` term per window compared every call with every window
/// (seventy incident windows over 10 million calls: 1.25 s, as a join 0.4 s).
///
/// ```
/// use finops_analytics::common::org_windows_join;
/// assert_eq!(org_windows_join("JOIN", &[]), None);
/// let sql = org_windows_join("JOIN", &[("o1", 10, 20), ("o1", 15, 30), ("o2", 5, 6)]).unwrap();
/// assert!(sql.starts_with("JOIN (VALUES ('o1', 10, 30), ('o2', 5, 6)) AS org_windows(org, lo, hi) ON "));
/// ```
pub fn org_windows_join(join: &str, windows: &[(&str, i64, i64)]) -> Option<String> {
    let mut sorted: Vec<(&str, i64, i64)> = windows.iter().copied().filter(|w| w.1 < w.2).collect();
    sorted.sort_unstable();
    let mut merged: Vec<(&str, i64, i64)> = Vec::new();
    for (org, from, to) in sorted {
        match merged.last_mut() {
            Some(last) if last.0 == org && from <= last.2 => last.2 = last.2.max(to),
            _ => merged.push((org, from, to)),
        }
    }
    if merged.is_empty() {
        return None;
    }
    let rows: Vec<String> =
        merged.iter().map(|(org, from, to)| format!("({}, {from}, {to})", crate::engine::sql_str(org))).collect();
    let ts = "CAST(timestamp AS BIGINT)";
    Some(format!(
        "{join} (VALUES {}) AS org_windows(org, lo, hi) ON organization_id = org_windows.org \
         AND {ts} >= org_windows.lo AND {ts} < org_windows.hi",
        rows.join(", ")
    ))
}

/// SQL for a call's whole `ms`-long periods since 1970 over `ds`: its day number (`86_400_000`; whole
/// days since 1970-01-01, [`day_label`] formats it), hour number (`3_600_000`, [`hour_label`]), minute
/// number (`60_000`, [`minute_label`]) or time bin. Grouping by such a number is about ten times faster
/// than grouping by `date_trunc` text. Where `ds` starts in 1970 or later a truncating division is the
/// floor division, one integer division per call; otherwise the floor division takes three, so that
/// periods before 1970 are right too. Integer division is the costliest arithmetic of the time keys (the
/// per-customer scan's hour of day took 0.4 s of its 3.7 s with the floor form at 10 million calls).
pub fn periods_sql(ds: &Dataset, ms: i64) -> String {
    if starts_after_epoch(ds) {
        format!("(CAST(timestamp AS BIGINT) / {ms})")
    } else {
        format!("((CAST(timestamp AS BIGINT) - (CAST(timestamp AS BIGINT) % {ms} + {ms}) % {ms}) / {ms})")
    }
}

/// SQL for a call's UTC hour of day, 0 to 23, over `ds` (see [`periods_sql`]).
pub fn hour_of_day_sql(ds: &Dataset) -> String {
    if starts_after_epoch(ds) {
        "(CAST(timestamp AS BIGINT) / 3600000 % 24)".to_string()
    } else {
        "((CAST(timestamp AS BIGINT) % 86400000 + 86400000) % 86400000 / 3600000)".to_string()
    }
}

/// Whether no call of `ds` is before 1970 (its first call is known from opening it).
fn starts_after_epoch(ds: &Dataset) -> bool {
    ds.period.start_ms.is_some_and(|s| s >= 0)
}

/// The date of a day number (see [`periods_sql`]).
pub fn day_date(day: i64) -> Option<chrono::NaiveDate> {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(day.checked_mul(86_400_000)?).map(|t| t.date_naive())
}

/// `2026-09-01` for a day number (see [`periods_sql`]).
pub fn day_label(day: i64) -> String {
    day_date(day).map(|d| d.to_string()).unwrap_or_default()
}

/// `2026-09-01T05:00:00Z` for an hour number (see [`periods_sql`]).
pub fn hour_label(hour: i64) -> String {
    minute_label(hour * 60)
}

/// `2026-09-01T05:07:00Z` for a minute number (see [`periods_sql`]).
pub fn minute_label(minute: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(minute * 60_000)
        .map(|t| t.format("%Y-%m-%dT%H:%M:00Z").to_string())
        .unwrap_or_default()
}

/// RFC 3339 text of a Unix-millisecond instant.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).map(|t| t.to_rfc3339()).unwrap_or_default()
}

/// Dollars for messages, formatted as the report pages show them (`finops_core::units::format_usd`):
/// `$1,773`, `$12.35`, and more decimals below $1 so small amounts do not read `$0.00`.
#[derive(Debug, Clone, Copy)]
pub struct Usd(pub f64);

impl std::fmt::Display for Usd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&finops_core::units::format_usd(self.0))
    }
}

/// a / b, or 0 when b is 0.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// 100 a / b, or 0 when b is 0.
pub fn pct(a: f64, b: f64) -> f64 {
    ratio(100.0 * a, b)
}

/// Exact interpolated percentile of an unsorted sample (same method as the SQL queries).
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    percentiles_of_sorted(&v, [p])[0]
}

/// A value [`percentiles_of`] can order and interpolate: integer latencies or float ratios.
pub trait SampleValue: Copy {
    fn order(&self, other: &Self) -> std::cmp::Ordering;
    fn as_f64(self) -> f64;
}

impl SampleValue for i64 {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        self.cmp(other)
    }
    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl SampleValue for f64 {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        self.total_cmp(other)
    }
    fn as_f64(self) -> f64 {
        self
    }
}

/// Exact interpolated percentiles (same method as [`percentile`]) of an unsorted sample, by selection
/// instead of a full sort: O(n) per percentile. `ps` ascending. Reorders `values`.
pub fn percentiles_of<T: SampleValue, const N: usize>(values: &mut [T], ps: [f64; N]) -> [f64; N] {
    let mut out = [0.0; N];
    let n = values.len();
    if n == 0 {
        return out;
    }
    let lerp = |lo: T, hi: T, f: f64| lo.as_f64() + (hi.as_f64() - lo.as_f64()) * f;
    let pos = ps.map(|p| p.clamp(0.0, 1.0) * (n - 1) as f64);
    let ks = pos.map(|x| x.floor() as usize);
    // Selection needs each position strictly below the next one with room between; small or
    // crowded samples are simply sorted.
    if n < 64 || ks.windows(2).any(|w| w[0] + 1 >= w[1]) {
        values.sort_unstable_by(T::order);
        return percentiles_of_sorted(values, ps);
    }
    // From the highest percentile down: values[end..] already hold larger order statistics, the
    // smallest of them at values[end].
    let mut end = n;
    for i in (0..N).rev() {
        let k = ks[i];
        let (_, kth, right) = values[..end].select_nth_unstable_by(k, T::order);
        let kth = *kth;
        let next = match right.iter().min_by(|a, b| a.order(b)) {
            Some(m) => *m,
            None if end < n => values[end],
            None => kth,
        };
        out[i] = lerp(kth, next, pos[i] - k as f64);
        end = k;
    }
    out
}

/// Exact interpolated percentiles (same method as [`percentile`]) of an ascending sample, read at
/// their ranks.
///
/// ```
/// use finops_analytics::common::{percentile, percentiles_of_sorted};
/// let sorted = [1.0, 2.0, 2.0, 5.0, 9.0, 40.0];
/// assert_eq!(percentiles_of_sorted(&sorted, [0.5, 0.95]), [percentile(&sorted, 0.5), percentile(&sorted, 0.95)]);
/// assert_eq!(percentiles_of_sorted::<i64, 1>(&[], [0.5]), [0.0]);
/// ```
pub fn percentiles_of_sorted<T: SampleValue, const N: usize>(values: &[T], ps: [f64; N]) -> [f64; N] {
    let n = values.len();
    if n == 0 {
        return [0.0; N];
    }
    ps.map(|p| {
        let pos = p.clamp(0.0, 1.0) * (n - 1) as f64;
        let k = pos.floor() as usize;
        let (lo, hi) = (values[k].as_f64(), values[(k + 1).min(n - 1)].as_f64());
        lo + (hi - lo) * (pos - k as f64)
    })
}

/// Exact interpolated percentiles (same method as [`percentile`]) of the union of sorted runs, without
/// merging them: each order statistic is the smallest value with enough values at or below it, found by
/// bisecting the value range and counting with a binary search in each run. `ps` ascending.
///
/// ```
/// use finops_analytics::common::{percentile, percentiles_of_sorted_runs};
/// let runs: [&[i64]; 3] = [&[1, 5, 9], &[2, 2, 40], &[]];
/// let all = [1.0, 5.0, 9.0, 2.0, 2.0, 40.0];
/// let got = percentiles_of_sorted_runs(&runs, [0.5, 0.95]);
/// assert_eq!(got, [percentile(&all, 0.5), percentile(&all, 0.95)]);
/// ```
pub fn percentiles_of_sorted_runs<const N: usize>(runs: &[&[i64]], ps: [f64; N]) -> [f64; N] {
    let n: usize = runs.iter().map(|r| r.len()).sum();
    let (Some(lo), Some(hi)) =
        (runs.iter().filter_map(|r| r.first()).min(), runs.iter().filter_map(|r| r.last()).max())
    else {
        return [0.0; N];
    };
    let at_or_below = |v: i64| -> usize { runs.iter().map(|r| r.partition_point(|x| *x <= v)).sum() };
    // The k-th smallest value (from 0).
    let nth = |k: usize| -> i64 {
        let (mut a, mut b) = (i128::from(*lo), i128::from(*hi));
        while a < b {
            let mid = a + (b - a) / 2;
            // `mid` lies between two run values, both i64.
            if at_or_below(mid as i64) > k { b = mid } else { a = mid + 1 }
        }
        a as i64
    };
    ps.map(|p| {
        let pos = p.clamp(0.0, 1.0) * (n - 1) as f64;
        let k = pos.floor() as usize;
        let kth = nth(k);
        let next = if k + 1 >= n || at_or_below(kth) > k + 1 {
            kth
        } else {
            // The smallest value above the k-th.
            runs.iter().filter_map(|r| r.get(r.partition_point(|x| *x <= kth))).min().copied().unwrap_or(kth)
        };
        kth as f64 + (next as f64 - kth as f64) * (pos - k as f64)
    })
}

/// Median of a sample.
pub fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

/// Which share of a typical day's cost each day of the data covers: 1 for every day but a first or
/// last day the data starts or ends within, weighted by the hour-of-day profile of the complete days
/// (a day that ends at 06:00 UTC covers far less than a quarter of the cost).
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// First and last day number with data (see [`periods_sql`]).
    pub first_day: i64,
    pub last_day: i64,
    /// Covered share of the first and last day (both the same day when there is one).
    pub first_share: f64,
    pub last_share: f64,
}

impl Coverage {
    /// The covered share of `day`.
    pub fn share(&self, day: i64) -> f64 {
        if day == self.first_day {
            self.first_share
        } else if day == self.last_day {
            self.last_share
        } else {
            1.0
        }
    }

    /// Daily costs from `first_day` to `last_day` (days without calls count as 0), a partial first or
    /// last day scaled to a full one, or left out when it covers under `min_share`.
    pub fn series(&self, costs: &[(i64, f64)], min_share: f64) -> DaySeries {
        let mut by_day = std::collections::HashMap::new();
        for (d, c) in costs {
            *by_day.entry(*d).or_insert(0.0) += c;
        }
        let mut out = DaySeries::default();
        for day in self.first_day..=self.last_day {
            let cost = by_day.get(&day).copied().unwrap_or(0.0);
            let share = self.share(day);
            // A day missing under 0.1% of its cost is complete.
            if share >= 0.999 {
                out.push(day, cost);
                continue;
            }
            let full = (share >= min_share && share > 0.0).then(|| cost / share);
            out.partial.push(finops_results::common::PartialDay {
                date: day_label(day),
                covered_share: share,
                cost_usd: cost,
                full_day_usd: full,
            });
            if let Some(f) = full {
                out.push(day, f);
            } else if out.values.is_empty() {
                continue;
            } else {
                // A short last day: the series ends before it.
                break;
            }
        }
        out
    }
}

/// A daily series ready to forecast: consecutive days from `first_day`.
#[derive(Debug, Clone, Default)]
pub struct DaySeries {
    pub first_day: i64,
    pub values: Vec<f64>,
    pub partial: Vec<finops_results::common::PartialDay>,
}

impl DaySeries {
    fn push(&mut self, day: i64, v: f64) {
        if self.values.is_empty() {
            self.first_day = day;
        }
        self.values.push(v);
    }

    /// Weekday of the first day, Monday = 0.
    pub fn first_weekday(&self) -> usize {
        use chrono::Datelike;
        day_date(self.first_day).map_or(0, |d| d.weekday().num_days_from_monday() as usize)
    }
}

/// The dataset's [`Coverage`], computed once.
pub fn coverage(ds: &Dataset) -> Result<std::sync::Arc<Coverage>> {
    ds.memo("coverage", || {
        let (Some(start), Some(end)) = (ds.period.start_ms, ds.period.end_ms) else {
            return Ok(Coverage::default());
        };
        const DAY_MS: i64 = 86_400_000;
        const HOUR_MS: i64 = 3_600_000;
        let (first_day, last_day) = (start.div_euclid(DAY_MS), end.div_euclid(DAY_MS));
        // Cost by hour of day over the complete days (from the shared bins); uniform without one.
        let t = customer_bins(ds, incident_bin_ms(ds))?;
        let mut profile = [0.0f64; 24];
        for (i, cost) in t.cost_usd.iter().enumerate() {
            let hour = t.hour(i);
            let day = hour.div_euclid(24);
            if day > first_day && day < last_day {
                profile[hour.rem_euclid(24) as usize] += cost;
            }
        }
        let total: f64 = profile.iter().sum();
        if total <= 0.0 {
            profile = [1.0; 24];
        }
        let total: f64 = profile.iter().sum();
        // The profile-weighted share of `day` inside [start, end + 1 ms).
        let share = |day: i64| -> f64 {
            let mut covered = 0.0;
            for (hod, w) in profile.iter().enumerate() {
                let lo = day * DAY_MS + hod as i64 * HOUR_MS;
                let hi = lo + HOUR_MS;
                let overlap = (hi.min(end + 1) - lo.max(start)).max(0) as f64 / HOUR_MS as f64;
                covered += w * overlap;
            }
            covered / total
        };
        Ok(Coverage { first_day, last_day, first_share: share(first_day), last_share: share(last_day) })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn dollars_keep_small_amounts_readable() {
        use super::Usd;
        assert_eq!(Usd(1772.849).to_string(), "$1,773");
        assert_eq!(Usd(0.0123).to_string(), "$0.0123");
        assert_eq!(Usd(0.000094).to_string(), "$0.000094");
        assert_eq!(Usd(0.0).to_string(), "$0.00");
        assert_eq!(Usd(-5.5).to_string(), "-$5.50");
    }

    #[test]
    fn selected_percentiles_match_sorting() {
        let mut state = 12345u64;
        for n in [1usize, 2, 3, 10, 63, 64, 65, 200, 1001, 20_000] {
            let mut v: Vec<i64> = (0..n)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    ((state >> 33) % 5000) as i64
                })
                .collect();
            let as_f: Vec<f64> = v.iter().map(|x| *x as f64).collect();
            let want = [0.5, 0.95, 0.99].map(|p| super::percentile(&as_f, p));
            let got = super::percentiles_of(&mut v, [0.5, 0.95, 0.99]);
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-9, "n={n}: {got:?} vs {want:?}");
            }
            // The same on floats (ratios), quartiles this time.
            let mut f: Vec<f64> = as_f.iter().map(|x| x / 7.0).collect();
            let want = [0.25, 0.5, 0.75].map(|p| super::percentile(&f, p));
            let got = super::percentiles_of(&mut f, [0.25, 0.5, 0.75]);
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "n={n}: {got:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn percentiles_of_sorted_runs_match_sorting_the_union() {
        let mut state = 987654321u64;
        let mut next = |m: u64| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) % m
        };
        for case in 0..200 {
            // Up to 12 runs of up to 300 values; narrow ranges make ties, wide ones gaps; negatives too.
            let range = [3, 50, 100_000][case % 3];
            let runs: Vec<Vec<i64>> = (0..1 + next(12))
                .map(|_| {
                    let mut r: Vec<i64> = (0..next(300)).map(|_| next(range) as i64 - range as i64 / 4).collect();
                    r.sort_unstable();
                    r
                })
                .collect();
            let all: Vec<f64> = runs.iter().flatten().map(|x| *x as f64).collect();
            let slices: Vec<&[i64]> = runs.iter().map(Vec::as_slice).collect();
            let ps = [0.0, 0.01, 0.5, 0.95, 0.99, 1.0];
            let got = super::percentiles_of_sorted_runs(&slices, ps);
            let want = ps.map(|p| super::percentile(&all, p));
            assert_eq!(got, want, "case {case}: {} values", all.len());
        }
        assert_eq!(super::percentiles_of_sorted_runs(&[], [0.5]), [0.0]);
        assert_eq!(super::percentiles_of_sorted_runs(&[&[], &[7]], [0.5, 0.99]), [7.0, 7.0]);
    }

    use super::*;

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), 2.5);
        assert!((percentile(&v, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn partial_days_count_by_what_they_cover() {
        let cov = Coverage { first_day: 10, last_day: 14, first_share: 0.8, last_share: 0.25 };
        // Day 12 had no calls; the last day covers too little to use.
        let s = cov.series(&[(10, 80.0), (11, 100.0), (13, 90.0), (14, 30.0)], 0.5);
        assert_eq!(s.first_day, 10);
        assert_eq!(s.values, vec![100.0, 100.0, 0.0, 90.0]);
        assert_eq!(s.partial.len(), 2);
        assert_eq!(s.partial[1].full_day_usd, None);
        // A short first day is left out and the series starts the day after.
        let cov = Coverage { first_day: 10, last_day: 12, first_share: 0.1, last_share: 1.0 };
        let s = cov.series(&[(10, 8.0), (11, 100.0), (12, 90.0)], 0.5);
        assert_eq!((s.first_day, s.values.clone()), (11, vec![100.0, 90.0]));
    }
}

/// The [`DistinctCounts`] of the dataset, read off the shared cubes' dictionaries and the (customer,
/// feature) pairs: no scan of its own.
pub fn distinct_counts(ds: &Dataset) -> Result<std::sync::Arc<DistinctCounts>> {
    ds.memo("distinct_counts", || {
        let cubes = [cube(ds, 0)?, cube(ds, 1)?];
        let column = |d: &str| cubes.iter().find_map(|c| c.column(d).map(|i| (std::sync::Arc::clone(c), i)));
        let distinct = |d: &str| column(d).map_or(0, |(c, i)| c.dicts[i].len() as u64);
        let models: std::collections::HashSet<(u32, u32)> = match (column("provider"), column("model")) {
            (Some((c, p)), Some((_, m))) => c.keys.iter().map(|k| (k[p], k[m])).collect(),
            _ => Default::default(),
        };
        Ok(DistinctCounts {
            customers: distinct_customers(&customer_features(ds)?),
            organizations: distinct("organization_id"),
            products: distinct("product_id"),
            features: distinct("feature_id"),
            providers: distinct("provider"),
            models: models.len() as u64,
        })
    })
}

/// Every (provider, model, feature) that occurs in the calls, from the shared cube's keys (no scan of
/// its own; a missing value reads as empty text). `None` if no cube holds the three.
pub fn model_features(ds: &Dataset) -> Result<Option<Vec<[String; 3]>>> {
    for which in 0..CUBES.len() {
        let c = cube(ds, which)?;
        if let (Some(p), Some(m), Some(f)) = (c.column("provider"), c.column("model"), c.column("feature_id")) {
            let mut keys: Vec<[u32; 3]> = c.keys.iter().map(|k| [k[p], k[m], k[f]]).collect();
            keys.sort_unstable();
            keys.dedup();
            return Ok(Some(
                keys.into_iter()
                    .map(|[a, b, e]| {
                        [c.dicts[p][a as usize].clone(), c.dicts[m][b as usize].clone(), c.dicts[f][e as usize].clone()]
                    })
                    .collect(),
            ));
        }
    }
    Ok(None)
}

/// Calls per organization, customer and time bin (`bin_ms` long, whole bins since 1970), with their
/// cost, rate-limited calls and failures: the incident detector's counts and the run's time-series base.
/// Summed up in Rust they give the customer-hours of Churn & Growth and Abuse Detection, the hourly
/// cost profile of [`coverage`], the [`daily`] series and Realtime's error spikes, each of which was a
/// scan of the calls of its own.
pub struct CustomerBins {
    pub bin_ms: i64,
    /// Each row's organization and customer as indices into `organizations` and `customers`: millions
    /// of rows at scale, so no string per row.
    pub organization: Vec<u32>,
    pub customer: Vec<u32>,
    pub organizations: Vec<String>,
    pub customers: Vec<String>,
    pub bin: Vec<i64>,
    pub calls: Vec<u64>,
    pub cost_usd: Vec<f64>,
    pub rate_limited: Vec<u64>,
    /// Calls that did not succeed.
    pub errors: Vec<u64>,
}

impl CustomerBins {
    /// The UTC hour (whole hours since 1970) of row `i`'s bin.
    pub fn hour(&self, i: usize) -> i64 {
        (self.bin[i] * self.bin_ms).div_euclid(3_600_000)
    }
}

/// The [`CustomerBins`] of `ds` for bins of `bin_ms` (a divisor of an hour), computed once.
pub fn customer_bins(ds: &Dataset, bin_ms: i64) -> Result<std::sync::Arc<CustomerBins>> {
    ds.memo(&format!("customer_bins_{bin_ms}"), || {
        let bin = periods_sql(ds, bin_ms);
        let t = ds.sql_many_groups(&format!(
            "SELECT organization_id AS o, customer_id AS k, {bin} AS b, count(*) AS n, sum(cost_usd) AS c, \
             count(*) FILTER (WHERE error_type = 'rate_limit_exceeded') AS l, count(*) FILTER (WHERE status <> 'success') AS e \
             FROM calls GROUP BY o, k, b"
        ))?;
        let (organizations, organization) = t.dictionary("o")?;
        let (customers, customer) = t.dictionary("k")?;
        Ok(CustomerBins {
            bin_ms,
            organization,
            customer,
            organizations,
            customers,
            bin: t.i64("b")?,
            calls: t.u64("n")?,
            cost_usd: t.f64("c")?,
            rate_limited: t.u64("l")?,
            errors: t.u64("e")?,
        })
    })
}

/// Per customer id, its calls per hour: (hour since 1970, calls), hours ascending.
pub type CustomerHours = std::collections::HashMap<String, Vec<(i64, u64)>>;

/// Calls per customer and hour: the incident detector's [`customer_bins`] summed by hour, computed once
/// for Churn & Growth and Abuse Detection.
pub fn customer_hours(ds: &Dataset) -> Result<std::sync::Arc<CustomerHours>> {
    ds.memo("customer_hours", || {
        let t = customer_bins(ds, incident_bin_ms(ds))?;
        // Each customer's bins as (hour, calls), sorted and summed per hour: millions of bins at scale,
        // where an ordered map per customer took a second of the run.
        let mut by_customer: Vec<Vec<(i64, u64)>> = vec![Vec::new(); t.customers.len()];
        for i in 0..t.bin.len() {
            by_customer[t.customer[i] as usize].push((t.hour(i), t.calls[i]));
        }
        Ok(t.customers
            .iter()
            .zip(by_customer)
            .map(|(c, mut bins)| {
                bins.sort_unstable_by_key(|b| b.0);
                let mut hours: Vec<(i64, u64)> = Vec::new();
                for (h, n) in bins {
                    match hours.last_mut() {
                        Some(last) if last.0 == h => last.1 += n,
                        _ => hours.push((h, n)),
                    }
                }
                (c.clone(), hours)
            })
            .collect())
    })
}

/// The bin length the incident detector uses under `ds`'s rules (10 minutes by default), so that other
/// analyses share its [`customer_bins`].
pub fn incident_bin_ms(ds: &Dataset) -> i64 {
    crate::analyses::incidents::Thresholds::of(&ds.rules.realtime).bin_ms()
}

pub fn customers(ds: &Dataset) -> Result<std::sync::Arc<Vec<CustomerRow>>> {
    Ok(std::sync::Arc::clone(&customer_scan(ds)?.rows))
}

/// What the customer-level detectors count per customer, in [`customers`]' order (by id), from the same
/// scan of the calls: one grouping by customer serves six detectors (each was a scan of its own).
#[derive(Debug, Default)]
pub struct CustomerActivity {
    /// Where most of the customer's calls go (ties to the first region by name).
    pub home_region: Vec<String>,
    /// Calls with status `rate_limited`.
    pub rate_limited: Vec<u64>,
    /// Mean latency of the customer's latency-sample calls ([`LATENCY_SAMPLE`]); `None` without any.
    pub avg_latency_ms: Vec<Option<f64>>,
    /// Calls between `abuse_detection.night_start_hour` and `night_end_hour`, local time of the serving
    /// region ([`local_hour`]).
    pub night_calls: Vec<u64>,
    /// Calls in the retention window: the last `churn_growth.retention_window_share` of the period.
    pub recent_calls: Vec<u64>,
    /// Calls before the middle of the period (the rest are after it).
    pub first_half_calls: Vec<u64>,
}

/// [`customers`] and their [`CustomerActivity`], computed once per dataset.
pub struct CustomerScan {
    pub rows: std::sync::Arc<Vec<CustomerRow>>,
    pub activity: CustomerActivity,
}

/// The dataset's [`CustomerScan`].
pub fn customer_scan(ds: &Dataset) -> Result<std::sync::Arc<CustomerScan>> {
    ds.memo("customer_scan", || scan_customers(ds))
}

/// The moments splitting the period for Churn & Growth: the start of the retention window (the last
/// `retention_window_share` of the period) and the middle.
pub fn churn_split_ms(ds: &Dataset) -> (i64, i64) {
    let (start, end) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
    let from = end - ((end - start).max(0) as f64 * ds.rules.churn_growth.retention_window_share) as i64;
    (from, start + (end - start) / 2)
}

/// SQL for a call's local hour of day by its serving region's UTC offset (the core crate's
/// [`finops_core::schema::Region::utc_offset_hours`]; unknown regions count as UTC).
pub fn local_hour(ds: &Dataset) -> String {
    use finops_core::schema::Region;
    let cases: Vec<String> = Region::ALL
        .iter()
        .map(|r| format!("WHEN {} THEN {}", crate::engine::sql_str(r.as_str()), r.utc_offset_hours().rem_euclid(24)))
        .collect();
    format!("({} + CASE region {} ELSE 0 END) % 24", hour_of_day_sql(ds), cases.join(" "))
}

/// The SQL predicate on a local hour `h` for the night of `abuse_detection` (which may wrap midnight).
pub fn night_predicate(r: &finops_core::rules::AbuseDetection) -> String {
    let (from, to) = (r.night_start_hour, r.night_end_hour);
    if from > to { format!("h >= {from} OR h < {to}") } else { format!("h >= {from} AND h < {to}") }
}

fn scan_customers(ds: &Dataset) -> Result<CustomerScan> {
    // The attributes are those of the customer's latest call. One scan groups the calls by customer,
    // attributes and region (a customer keeps its organization, product, tier and archetype, so there
    // are about as many groups as customers and regions they call) with each group's totals and latest
    // call; the customer's attributes are then those of its groups holding its latest call, and calls
    // tied at that millisecond resolve to the greatest value of each attribute, so the result is
    // deterministic. (Joining the totals back on (customer, latest timestamp) re-read and repartitioned
    // every call: 5x slower at 10 million calls.)
    let (from, mid) = churn_split_ms(ds);
    let ts = "CAST(timestamp AS BIGINT)";
    let g = ds.sql(&format!(
        "SELECT customer_id, organization_id AS org, product_id AS product, subscription_tier AS tier, \
         customer_archetype AS archetype, tier_price_usd AS price, region, count(*) AS calls, sum(cost_usd) AS cost, \
         sum(total_tokens) AS tokens, min(timestamp) AS first, max(timestamp) AS last, \
         count(*) FILTER (WHERE status = '{limited}') AS rl, \
         coalesce(sum(latency_ms) FILTER (WHERE {LATENCY_SAMPLE}), 0) AS ls, count(*) FILTER (WHERE {LATENCY_SAMPLE}) AS ln, \
         count(*) FILTER (WHERE {night}) AS night, count(*) FILTER (WHERE {ts} >= {from}) AS recent, \
         count(*) FILTER (WHERE {ts} < {mid}) AS early \
         FROM (SELECT *, {local} AS h FROM calls) \
         GROUP BY customer_id, org, product, tier, archetype, price, region",
        limited = finops_core::schema::Status::RateLimited,
        night = night_predicate(&ds.rules.abuse_detection),
        local = local_hour(ds),
    ))?;
    let (t, activity) = latest_attributes(&g)?;
    let end = ds.period.end_ms.unwrap_or(0);
    let CustomerTotals { id, org, product, tier, arch, price, calls, cost, tokens, first, last } = t;
    // Distinct features per customer, counted from the shared (customer, feature) pairs.
    let pairs = customer_features(ds)?;
    let features = pair_counts(&pairs, |p| &p.customer_id);
    let rows = (0..id.len())
        .map(|i| {
            let days = ((end - first[i]) as f64 / 86_400_000.0).max(1.0 / 24.0);
            CustomerRow {
                customer_id: id[i].clone(),
                organization_id: org[i].clone(),
                product_id: product[i].clone(),
                subscription_tier: tier[i].clone(),
                customer_archetype: arch[i].clone(),
                tier_price_usd: price[i],
                calls: calls[i],
                cost_usd: cost[i],
                total_tokens: tokens[i],
                features: features.get(id[i].as_str()).copied().unwrap_or(0),
                first_ms: first[i],
                last_ms: last[i],
                revenue_usd: price[i] * days / crate::engine::DAYS_PER_MONTH,
            }
        })
        .collect();
    Ok(CustomerScan { rows: std::sync::Arc::new(rows), activity })
}

/// Per customer (sorted by id): the attributes of its latest call and its totals.
#[derive(Default)]
struct CustomerTotals {
    id: Vec<String>,
    org: Vec<String>,
    product: Vec<String>,
    tier: Vec<String>,
    arch: Vec<String>,
    price: Vec<f64>,
    calls: Vec<u64>,
    cost: Vec<f64>,
    tokens: Vec<u64>,
    first: Vec<i64>,
    last: Vec<i64>,
}

/// Folds groups by (customer, attributes, region) into one row per customer: totals summed over its
/// groups, each attribute the greatest among the groups whose latest call is the customer's latest, and
/// the customer's activity.
fn latest_attributes(g: &crate::engine::Table) -> Result<(CustomerTotals, CustomerActivity)> {
    let (id, org, product, tier, arch, region) = (
        g.str("customer_id")?,
        g.str("org")?,
        g.str("product")?,
        g.str("tier")?,
        g.str("archetype")?,
        g.str("region")?,
    );
    let (price, calls, cost, tokens, first, last) =
        (g.f64("price")?, g.u64("calls")?, g.f64("cost")?, g.u64("tokens")?, g.i64("first")?, g.i64("last")?);
    let (rl, ls, ln, night, recent, early) =
        (g.u64("rl")?, g.i64("ls")?, g.u64("ln")?, g.u64("night")?, g.u64("recent")?, g.u64("early")?);
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_by(|&a, &b| id[a].cmp(&id[b]));
    let (mut out, mut act) = (CustomerTotals::default(), CustomerActivity::default());
    for rows in order.chunk_by(|&a, &b| id[a] == id[b]) {
        let latest = rows.iter().map(|&r| last[r]).max().unwrap_or(0);
        let at_latest = || rows.iter().copied().filter(|&r| last[r] == latest);
        let greatest = |col: &[String]| at_latest().map(|r| col[r].as_str()).max().unwrap_or_default().to_string();
        let sum = |col: &[u64]| rows.iter().map(|&r| col[r]).sum::<u64>();
        out.id.push(id[rows[0]].clone());
        out.org.push(greatest(&org));
        out.product.push(greatest(&product));
        out.tier.push(greatest(&tier));
        out.arch.push(greatest(&arch));
        out.price.push(at_latest().map(|r| price[r]).fold(f64::MIN, f64::max));
        out.calls.push(sum(&calls));
        out.cost.push(rows.iter().map(|&r| cost[r]).sum());
        out.tokens.push(sum(&tokens));
        out.first.push(rows.iter().map(|&r| first[r]).min().unwrap_or(0));
        out.last.push(latest);
        // Calls per region, then the busiest (the first by name among equals).
        let mut regions: Vec<(&str, u64)> = Vec::new();
        for &r in rows {
            match regions.iter_mut().find(|(name, _)| *name == region[r]) {
                Some(e) => e.1 += calls[r],
                None => regions.push((region[r].as_str(), calls[r])),
            }
        }
        let home = regions.iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0))).map_or("", |e| e.0);
        act.home_region.push(home.to_string());
        act.rate_limited.push(sum(&rl));
        let sample = sum(&ln);
        let latency_sum: i64 = rows.iter().map(|&r| ls[r]).sum();
        act.avg_latency_ms.push((sample > 0).then(|| latency_sum as f64 / sample as f64));
        act.night_calls.push(sum(&night));
        act.recent_calls.push(sum(&recent));
        act.first_half_calls.push(sum(&early));
    }
    Ok((out, act))
}

/// One organization's totals.
#[derive(Debug, Clone, Default)]
pub struct OrgTotals {
    pub organization_id: String,
    pub cost_usd: f64,
    pub calls: u64,
    pub customers: u64,
    pub products: u64,
    pub features: u64,
}

/// Per-organization totals, costliest first, computed once per dataset (the usage and the alignment
/// analyses both show them).
///
/// Summed up from what the run computes anyway, where a `count(DISTINCT …)` of three columns per
/// organization was a scan of its own (0.9 s of CPU at 10 million calls): cost, calls and products from
/// the (organization, product) cube, customers from the (organization, customer, bin) counts, features
/// from the (customer, feature, organization) first calls. A missing key reads as empty text, as in every
/// other breakdown, and counts as one value.
pub fn organizations(ds: &Dataset) -> Result<std::sync::Arc<Vec<OrgTotals>>> {
    ds.memo("organizations", || {
        let mut orgs: std::collections::HashMap<String, OrgTotals> = Default::default();
        let cube = cube(ds, 1)?;
        let o = cube.column("organization_id").unwrap_or(0);
        for (key, sums) in cube.keys.iter().zip(&cube.all) {
            let org = org_totals(&mut orgs, &cube.dicts[o][key[o] as usize]);
            org.cost_usd += sums.cost_usd;
            org.calls += sums.calls;
            // One cube row per (organization, product) that occurs.
            org.products += 1;
        }
        let bins = customer_bins(ds, incident_bin_ms(ds))?;
        let pairs: foldhash::HashSet<(u32, u32)> =
            bins.organization.iter().copied().zip(bins.customer.iter().copied()).collect();
        for (org, _) in pairs {
            org_totals(&mut orgs, &bins.organizations[org as usize]).customers += 1;
        }
        for (org, features) in organization_features(ds)?.iter() {
            org_totals(&mut orgs, org).features = *features;
        }
        let mut out: Vec<OrgTotals> = orgs.into_values().collect();
        out.sort_by(|a, b| b.cost_usd.total_cmp(&a.cost_usd).then_with(|| a.organization_id.cmp(&b.organization_id)));
        Ok(out)
    })
}

/// The totals of organization `id` in `orgs`, zero where it is new.
fn org_totals<'a>(orgs: &'a mut std::collections::HashMap<String, OrgTotals>, id: &str) -> &'a mut OrgTotals {
    orgs.entry(id.to_string()).or_insert_with(|| OrgTotals { organization_id: id.to_string(), ..Default::default() })
}

/// One UTC day of the data.
#[derive(Debug, Clone)]
pub struct Day {
    /// Days since 1970-01-01 (see [`periods_sql`]; [`day_label`] formats it).
    pub day: i64,
    pub calls: u64,
    pub cost_usd: f64,
    pub active_customers: u64,
}

/// Calls, cost and active customers per UTC day, in date order, computed once per dataset (four
/// analyses show a daily series), summed up from the shared [`customer_bins`].
pub fn daily(ds: &Dataset) -> Result<std::sync::Arc<Vec<Day>>> {
    ds.memo("daily", || {
        let t = customer_bins(ds, incident_bin_ms(ds))?;
        let mut days: std::collections::BTreeMap<i64, Day> = Default::default();
        for i in 0..t.bin.len() {
            let day = t.hour(i).div_euclid(24);
            let d = days.entry(day).or_insert(Day { day, calls: 0, cost_usd: 0.0, active_customers: 0 });
            d.calls += t.calls[i];
            d.cost_usd += t.cost_usd[i];
        }
        // A customer's hours are in order: count it once per day it has any.
        for hours in customer_hours(ds)?.values() {
            for run in hours.chunk_by(|a, b| a.0.div_euclid(24) == b.0.div_euclid(24)) {
                if let Some(d) = days.get_mut(&run[0].0.div_euclid(24)) {
                    d.active_customers += 1;
                }
            }
        }
        Ok(days.into_values().collect())
    })
}

/// Cost per (provider, model, organization, UTC day), computed once: Understanding forecasts each
/// provider, model and organization from it and Optimization sums it to each provider's days.
pub struct ModelOrgDays {
    pub provider: Vec<String>,
    pub model: Vec<String>,
    pub organization: Vec<String>,
    /// A day number (see [`periods_sql`]).
    pub day: Vec<i64>,
    pub cost_usd: Vec<f64>,
}

/// The dataset's [`ModelOrgDays`].
pub fn model_org_days(ds: &Dataset) -> Result<std::sync::Arc<ModelOrgDays>> {
    ds.memo("model_org_days", || {
        let t = ds.sql(&format!(
            "SELECT provider, model, organization_id AS o, {day} AS d, sum(cost_usd) AS c FROM calls \
             GROUP BY provider, model, o, d",
            day = periods_sql(ds, 86_400_000)
        ))?;
        Ok(ModelOrgDays {
            provider: t.str("provider")?,
            model: t.str("model")?,
            organization: t.str("o")?,
            day: t.i64("d")?,
            cost_usd: t.f64("c")?,
        })
    })
}

/// A (customer, feature) pair that occurs in the data, with the customer's first call to the feature.
#[derive(Debug, Clone)]
pub struct CustomerFeature {
    pub customer_id: String,
    pub feature_id: String,
    /// Unix ms.
    pub first_ms: i64,
}

/// Each (customer, feature, organization) that occurs with its first call (Unix ms): one scan for
/// [`customer_features`] and [`organization_features`].
struct FeatureFirsts {
    customer: Vec<String>,
    feature: Vec<String>,
    organization: Vec<String>,
    first_ms: Vec<i64>,
}

fn feature_firsts(ds: &Dataset) -> Result<std::sync::Arc<FeatureFirsts>> {
    ds.memo("feature_firsts", || {
        let t = ds.sql(
            "SELECT customer_id AS c, feature_id AS f, organization_id AS o, min(timestamp) AS first FROM calls \
             GROUP BY customer_id, feature_id, organization_id",
        )?;
        Ok(FeatureFirsts {
            customer: t.str("c")?,
            feature: t.str("f")?,
            organization: t.str("o")?,
            first_ms: t.i64("first")?,
        })
    })
}

/// Every (customer, feature) pair, sorted by customer then feature (byte order), computed once per
/// dataset: customers' feature counts, features' customer counts, bundles and launch adoption curves
/// all come from these few thousand rows instead of a `count(DISTINCT …)` or a self-join each.
pub fn customer_features(ds: &Dataset) -> Result<std::sync::Arc<Vec<CustomerFeature>>> {
    ds.memo("customer_features", || {
        let t = feature_firsts(ds)?;
        let mut pairs: Vec<CustomerFeature> = (0..t.customer.len())
            .map(|i| CustomerFeature {
                customer_id: t.customer[i].clone(),
                feature_id: t.feature[i].clone(),
                first_ms: t.first_ms[i],
            })
            .collect();
        pairs.sort_by(|a, b| {
            a.customer_id
                .cmp(&b.customer_id)
                .then_with(|| a.feature_id.cmp(&b.feature_id))
                .then(a.first_ms.cmp(&b.first_ms))
        });
        // A customer seen under several organizations: one pair, its earliest call.
        pairs.dedup_by(|b, a| a.customer_id == b.customer_id && a.feature_id == b.feature_id);
        Ok(pairs)
    })
}

/// How many distinct features each organization's calls use.
pub fn organization_features(ds: &Dataset) -> Result<std::sync::Arc<foldhash::HashMap<String, u64>>> {
    ds.memo("organization_features", || {
        let t = feature_firsts(ds)?;
        let pairs: foldhash::HashSet<(&str, &str)> =
            t.organization.iter().map(String::as_str).zip(t.feature.iter().map(String::as_str)).collect();
        let mut out: foldhash::HashMap<String, u64> = Default::default();
        for (org, _) in pairs {
            *out.entry(org.to_string()).or_default() += 1;
        }
        Ok(out)
    })
}

/// How many pairs of [`customer_features`] share each value of `key`: customers per feature with
/// `|p| &p.feature_id`, features per customer with `|p| &p.customer_id`.
pub fn pair_counts<'a>(
    pairs: &'a [CustomerFeature],
    key: impl Fn(&'a CustomerFeature) -> &'a str,
) -> foldhash::HashMap<&'a str, u64> {
    let mut out = foldhash::HashMap::default();
    for p in pairs {
        *out.entry(key(p)).or_default() += 1;
    }
    out
}

/// How many customers the pairs of [`customer_features`] hold (they are sorted by customer).
pub fn distinct_customers(pairs: &[CustomerFeature]) -> u64 {
    pairs.chunk_by(|a, b| a.customer_id == b.customer_id).count() as u64
}

/// Herfindahl-Hirschman index of shares given in percent (0-10,000).
pub fn hhi(shares_pct: &[f64]) -> f64 {
    shares_pct.iter().map(|s| s * s).sum()
}
