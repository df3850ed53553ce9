//! Parquet output: the same 24 columns as the CSV, typed (timestamps in UTC milliseconds, integers as
//! Int64, cost as Float64 equal to the CSV's decimal), zstd-compressed.
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMillisecondArray};
use arrow_schema::{ArrowError, SchemaRef};
use finops_core::pricing::Catalog;

use crate::call::Call;
use crate::csv_out::write_call_id;
use crate::population::Population;

/// The integer columns written with delta encoding (the differences from value to value, bit-packed)
/// instead of a dictionary: almost every value is distinct (timestamps, token counts, latencies), so
/// the dictionary overflowed after the first pages and the rest fell back to plain values under zstd.
/// Readers decode them in about half the time: 10 M calls, DataFusion summing these six columns and
/// the cost, 0.995 -> 0.453 s a pass (BENCHMARKS.md, issue #17, seventh pass); the files are the same
/// size (timestamps in time order pack to about a byte a call). The sparse token columns (mostly 0)
/// and the cost (many repeated prices) keep their dictionaries, which are smaller.
pub const DELTA_COLUMNS: [&str; 6] =
    ["timestamp", "input_tokens", "output_tokens", "total_tokens", "latency_ms", "time_to_first_token_ms"];

/// The Arrow schema of the call log (defined once in `finops_core::schema`).
pub fn arrow_schema() -> SchemaRef {
    finops_core::schema::arrow_schema()
}

/// Turns calls into record batches; customer and organization ids are formatted once.
pub(crate) struct ParquetEncoder {
    pub schema: SchemaRef,
    cust_ids: Vec<String>,
    org_ids: Vec<String>,
}

impl ParquetEncoder {
    pub fn new(population: &Population) -> ParquetEncoder {
        ParquetEncoder {
            schema: arrow_schema(),
            cust_ids: population.customers.iter().map(|c| population.customer_id(c.index)).collect(),
            org_ids: population.organizations.iter().map(|o| population.org_id(o.index)).collect(),
        }
    }

    /// Number of customers whose ids are cached.
    pub fn customers(&self) -> usize {
        self.cust_ids.len()
    }

    /// Converts calls (with ids from `first_id`) into one record batch.
    pub fn batch(
        &self,
        population: &Population,
        catalog: &Catalog,
        calls: &[Call],
        first_id: u64,
    ) -> Result<RecordBatch, ArrowError> {
        to_batch(self, population, catalog, calls, first_id)
    }
}

fn to_batch(
    enc: &ParquetEncoder,
    population: &Population,
    catalog: &Catalog,
    calls: &[Call],
    first_id: u64,
) -> Result<RecordBatch, ArrowError> {
    let customers = &population.customers;
    let (cust_ids, org_ids) = (&enc.cust_ids, &enc.org_ids);
    let ints = |f: &dyn Fn(&Call) -> i64| -> ArrayRef { Arc::new(Int64Array::from_iter_values(calls.iter().map(f))) };
    fn strs<'s>(calls: &[Call], f: impl Fn(&Call) -> &'s str) -> ArrayRef {
        Arc::new(StringArray::from_iter_values(calls.iter().map(f)))
    }
    let mut id_buf = Vec::with_capacity(16);
    let ids = StringArray::from_iter_values((0..calls.len() as u64).map(|i| {
        id_buf.clear();
        write_call_id(&mut id_buf, first_id + i);
        String::from_utf8_lossy(&id_buf).into_owned()
    }));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(TimestampMillisecondArray::from_iter_values(calls.iter().map(|c| c.ts_ms)).with_timezone("UTC")),
        strs(calls, |c| &cust_ids[c.customer as usize]),
        strs(calls, |c| &org_ids[customers[c.customer as usize].org as usize]),
        strs(calls, |c| customers[c.customer as usize].product.as_str()),
        strs(calls, |c| c.feature.as_str()),
        strs(calls, |c| &catalog.models[c.model as usize].provider),
        strs(calls, |c| &catalog.models[c.model as usize].name),
        ints(&|c| i64::from(c.input_tokens)),
        ints(&|c| i64::from(c.output_tokens)),
        ints(&|c| c.total_tokens() as i64),
        Arc::new(Float64Array::from_iter_values(calls.iter().map(|c| c.cost.usd()))),
        ints(&|c| i64::from(c.latency_ms)),
        strs(calls, |c| c.status().as_str()),
        strs(calls, |c| c.environment.as_str()),
        strs(calls, |c| c.region.as_str()),
        strs(calls, |c| customers[c.customer as usize].tier.as_str()),
        ints(&|c| i64::from(customers[c.customer as usize].tier.monthly_price_usd())),
        strs(calls, |c| customers[c.customer as usize].archetype.as_str()),
        ints(&|c| i64::from(c.cached_input_tokens)),
        ints(&|c| i64::from(c.reasoning_tokens)),
        ints(&|c| i64::from(c.ttft_ms)),
        strs(calls, |c| c.error.as_str()),
        strs(calls, |c| c.service_tier.as_str()),
        ints(&|c| i64::from(c.cache_write_tokens)),
    ];
    RecordBatch::try_new(enc.schema.clone(), columns)
}
