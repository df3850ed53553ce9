//! `values_list(x)`: an aggregate function returning each group's non-null values of an integer or
//! float column as one list, in no particular order (`array_agg(x)` without the nulls). The analyses
//! take exact percentiles of latencies, times to first token and token ratios from these lists (see
//! [`crate::common::percentiles_of`]).
//!
//! Written here because DataFusion's `array_agg`, which did this job before, keeps a (group, row) pair
//! per value and every input batch alive until the end, then gathers the values with `interleave`
//! twice (for the partial aggregation's state and for the final result): 55% of the metric cube's time
//! at 10 million calls. This keeps each group's values in one growing vector and copies them once into
//! each result. No crate on crates.io provides such an aggregate for DataFusion.
//!
//! Registered in every session the analyses use ([`crate::register_functions`]), in the cluster's scheduler and executors
//! too (`finops cluster`), and so also available to `finops sql`:
//!
//! ```
//! use finops_analytics::datafusion::prelude::SessionContext;
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let ctx = SessionContext::new();
//! finops_analytics::register_functions(&ctx);
//! let batches = ctx
//!     .sql("SELECT k, values_list(v) AS s FROM (VALUES ('a', 2), ('b', NULL), ('a', 2), ('c', 5)) AS t(k, v) GROUP BY k ORDER BY k")
//!     .await?
//!     .collect()
//!     .await?;
//! let text = finops_analytics::datafusion::arrow::util::pretty::pretty_format_batches(&batches)?.to_string();
//! assert!(text.contains("| a | [2, 2] |"), "{text}");
//! assert!(text.contains("| b | []     |"), "{text}");
//! assert!(text.contains("| c | [5]    |"), "{text}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
use std::marker::PhantomData;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, ListArray, PrimitiveArray};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

/// The function's name in SQL.
pub const NAME: &str = "values_list";

/// The aggregate function, for registering it in a session or a function registry.
pub fn udaf() -> AggregateUDF {
    AggregateUDF::from(ValuesList {
        signature: Signature::uniform(1, vec![DataType::Int64, DataType::Float64], Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ValuesList {
    signature: Signature,
}

impl AggregateUDFImpl for ValuesList {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(list_type(&arg_types[0]))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        match args.expr_fields[0].data_type() {
            DataType::Int64 => Ok(Box::new(Values::<Int64Type>::default())),
            DataType::Float64 => Ok(Box::new(Values::<Float64Type>::default())),
            other => exec_err!("{NAME} takes integers or floats, not {other}"),
        }
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        match args.expr_fields[0].data_type() {
            DataType::Int64 => Ok(Box::new(GroupValues::<Int64Type>::default())),
            DataType::Float64 => Ok(Box::new(GroupValues::<Float64Type>::default())),
            other => exec_err!("{NAME} takes integers or floats, not {other}"),
        }
    }
}

/// The type of the lists `values_list` returns for values of type `item`.
pub(crate) fn list_type(item: &DataType) -> DataType {
    DataType::List(item_field(item))
}

/// The field of a list's items: nullable, as arrow's lists are by default.
fn item_field(item: &DataType) -> FieldRef {
    Arc::new(Field::new_list_field(item.clone(), true))
}

/// One list per run of values.
fn list_of<T: ArrowPrimitiveType>(runs: &[Vec<T::Native>]) -> Result<ListArray> {
    let total: usize = runs.iter().map(Vec::len).sum();
    if i32::try_from(total).is_err() {
        return exec_err!("{NAME}: {total} values exceed a list's 2^31 - 1");
    }
    let mut values = Vec::with_capacity(total);
    for run in runs {
        values.extend_from_slice(run);
    }
    let offsets = OffsetBuffer::from_lengths(runs.iter().map(Vec::len));
    let values = PrimitiveArray::<T>::new(values.into(), None);
    Ok(ListArray::new(item_field(&T::DATA_TYPE), offsets, Arc::new(values), None))
}

/// Calls `each` with the values of row `row`'s list, skipping a null list and null values.
fn for_each_list_value<T: ArrowPrimitiveType>(lists: &ListArray, mut each: impl FnMut(usize, &[T::Native])) {
    let items = lists.values().as_primitive::<T>();
    let offsets = lists.value_offsets();
    for row in 0..lists.len() {
        if lists.is_null(row) {
            continue;
        }
        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
        if items.null_count() == 0 {
            each(row, &items.values()[start..end]);
        } else {
            let valid: Vec<T::Native> = (start..end).filter(|&i| items.is_valid(i)).map(|i| items.value(i)).collect();
            each(row, &valid);
        }
    }
}

/// The values of every group, in one vector per group.
struct GroupValues<T: ArrowPrimitiveType> {
    groups: Vec<Vec<T::Native>>,
    /// Bytes held by the groups' vectors, kept up to date as they grow: `size` is asked after every
    /// batch and must not walk all groups.
    bytes: usize,
    _type: PhantomData<fn() -> T>,
}

impl<T: ArrowPrimitiveType> Default for GroupValues<T> {
    fn default() -> Self {
        GroupValues { groups: Vec::new(), bytes: 0, _type: PhantomData }
    }
}

impl<T: ArrowPrimitiveType> GroupValues<T> {
    fn grown(&mut self, group: usize, add: impl FnOnce(&mut Vec<T::Native>)) {
        let values = &mut self.groups[group];
        let before = values.capacity();
        add(values);
        self.bytes += (values.capacity() - before) * size_of::<T::Native>();
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<Vec<T::Native>> {
        let taken = emit_to.take_needed(&mut self.groups);
        self.bytes -= taken.iter().map(|v| v.capacity() * size_of::<T::Native>()).sum::<usize>();
        taken
    }
}

impl<T: ArrowPrimitiveType> GroupsAccumulator for GroupValues<T> {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize_with(total_num_groups, Vec::new);
        let input = values[0].as_primitive::<T>();
        let data = input.values();
        let nulls = input.nulls().filter(|n| n.null_count() > 0);
        for (row, &group) in group_indices.iter().enumerate() {
            let kept =
                opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row)) && nulls.is_none_or(|n| n.is_valid(row));
            if kept {
                self.grown(group, |v| v.push(data[row]));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        Ok(Arc::new(list_of::<T>(&self.take(emit_to))?))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.evaluate(emit_to)?])
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        self.groups.resize_with(total_num_groups, Vec::new);
        for_each_list_value::<T>(values[0].as_list::<i32>(), |row, run| {
            self.grown(group_indices[row], |v| v.extend_from_slice(run));
        });
        Ok(())
    }

    /// Each row as a list of its value, or a null list where the filter drops it (the partial
    /// aggregation is skipped when it would not reduce the rows).
    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> Result<Vec<ArrayRef>> {
        let input = Arc::clone(&values[0]);
        let dropped = opt_filter.map(|f| NullBuffer::union(Some(&NullBuffer::new(f.values().clone())), f.nulls()));
        let nulls = dropped.flatten();
        let offsets = OffsetBuffer::from_lengths(std::iter::repeat_n(1, input.len()));
        Ok(vec![Arc::new(ListArray::new(item_field(&T::DATA_TYPE), offsets, input, nulls))])
    }

    fn size(&self) -> usize {
        self.bytes + self.groups.capacity() * size_of::<Vec<T::Native>>()
    }
}

/// The values of a query without groups.
struct Values<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
}

impl<T: ArrowPrimitiveType> Default for Values<T> {
    fn default() -> Self {
        Values { values: Vec::new() }
    }
}

impl<T: ArrowPrimitiveType> std::fmt::Debug for Values<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{NAME}({} values)", self.values.len())
    }
}

impl<T: ArrowPrimitiveType> Accumulator for Values<T> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let input = values[0].as_primitive::<T>();
        if input.null_count() == 0 {
            self.values.extend_from_slice(input.values());
        } else {
            self.values.extend(input.iter().flatten());
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let values = std::mem::take(&mut self.values);
        Ok(ScalarValue::List(Arc::new(list_of::<T>(&[values])?)))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for_each_list_value::<T>(states[0].as_list::<i32>(), |_, run| self.values.extend_from_slice(run));
        Ok(())
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.values.capacity() * size_of::<T::Native>()
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::datasource::MemTable;
    use datafusion::prelude::{SessionConfig, SessionContext};

    use datafusion::arrow::datatypes::ArrowNativeTypeOp;

    use super::*;

    /// A table of `rows` rows over `partitions` partitions: group `g` = row % 7, `v` = a scrambled
    /// integer (null every 13th row), `f` = `v` / 4 as a float, `keep` = row % 3 != 0.
    fn context(rows: usize, partitions: usize, skip_partial: bool) -> SessionContext {
        let schema = Arc::new(Schema::new(vec![
            Field::new("g", DataType::Utf8, false),
            Field::new("v", DataType::Int64, true),
            Field::new("f", DataType::Float64, true),
            Field::new("keep", DataType::Boolean, false),
        ]));
        let value = |i: usize| (!i.is_multiple_of(13)).then(|| ((i * 7919) % 1000) as i64 - 300);
        let batches: Vec<Vec<RecordBatch>> = (0..partitions)
            .map(|p| {
                let ids: Vec<usize> = (0..rows).filter(|i| i % partitions == p).collect();
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(StringArray::from_iter_values(ids.iter().map(|i| format!("g{}", i % 7)))),
                    Arc::new(Int64Array::from_iter(ids.iter().map(|&i| value(i)))),
                    Arc::new(Float64Array::from_iter(ids.iter().map(|&i| value(i).map(|v| v as f64 / 4.0)))),
                    Arc::new(BooleanArray::from_iter(ids.iter().map(|i| Some(i % 3 != 0)))),
                ];
                // Small batches, so every partition updates its groups many times.
                let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
                (0..batch.num_rows()).step_by(100).map(|o| batch.slice(o, 100.min(batch.num_rows() - o))).collect()
            })
            .collect();
        let mut config = SessionConfig::new().with_target_partitions(partitions);
        if skip_partial {
            // Every aggregation converts rows to state instead of grouping them first.
            let options = config.options_mut();
            options.execution.skip_partial_aggregation_probe_rows_threshold = 1;
            options.execution.skip_partial_aggregation_probe_ratio_threshold = 0.0;
        }
        let ctx = SessionContext::new_with_config(config);
        ctx.register_table("t", Arc::new(MemTable::try_new(schema, batches).unwrap())).unwrap();
        crate::register_functions(&ctx);
        ctx
    }

    fn run(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async { ctx.sql(sql).await.unwrap().collect().await.unwrap() })
    }

    /// Each row's (key, list sorted) of a two-column result, by key.
    fn lists<T: ArrowPrimitiveType>(batches: &[RecordBatch]) -> Vec<(String, Vec<T::Native>)> {
        let mut out = Vec::new();
        for b in batches {
            let keys = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8).unwrap();
            let lists = b.column(1).as_list::<i32>();
            for row in 0..b.num_rows() {
                assert!(lists.is_valid(row), "a group without values is an empty list, not null");
                let items = lists.value(row);
                let items = items.as_primitive::<T>();
                assert_eq!(items.null_count(), 0);
                let mut values = items.values().to_vec();
                values.sort_unstable_by(|a, b| a.compare(*b));
                out.push((keys.as_string::<i32>().value(row).to_string(), values));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn groups_get_the_non_null_values_array_agg_would() {
        for (partitions, skip_partial) in [(1, false), (3, false), (3, true)] {
            let ctx = context(5_000, partitions, skip_partial);
            for (arg, filter) in [("v", ""), ("v", " FILTER (WHERE keep)"), ("f", " FILTER (WHERE keep AND v > 0)")] {
                let ours = run(&ctx, &format!("SELECT g, values_list({arg}){filter} FROM t GROUP BY g"));
                let theirs =
                    run(&ctx, &format!("SELECT g, array_agg({arg}){filter} FROM t WHERE {arg} IS NOT NULL GROUP BY g"));
                let context = format!("{partitions} partitions, skip {skip_partial}, {arg}{filter}");
                if arg == "v" {
                    let (ours, theirs) = (lists::<Int64Type>(&ours), lists::<Int64Type>(&theirs));
                    assert_eq!(ours.len(), 7, "{context}");
                    assert_eq!(ours, theirs, "{context}");
                    assert!(ours.iter().map(|(_, l)| l.len()).sum::<usize>() > 1_000, "{context}");
                } else {
                    assert_eq!(lists::<Float64Type>(&ours), lists::<Float64Type>(&theirs), "{context}");
                }
            }
        }
    }

    #[test]
    fn a_group_whose_values_are_all_filtered_out_gets_an_empty_list() {
        let ctx = context(700, 2, false);
        let got = lists::<Int64Type>(&run(&ctx, "SELECT g, values_list(v) FILTER (WHERE g = 'g3') FROM t GROUP BY g"));
        assert_eq!(got.len(), 7);
        for (g, l) in got {
            assert_eq!(l.is_empty(), g != "g3", "{g}");
        }
    }

    #[test]
    fn without_groups_the_whole_input_is_one_list() {
        let ctx = context(5_000, 3, false);
        let got = run(&ctx, "SELECT 'all', values_list(f) FILTER (WHERE keep) FROM t");
        let mut expected: Vec<f64> = (0..5_000usize)
            .filter(|i| i % 13 != 0 && i % 3 != 0)
            .map(|i| (((i * 7919) % 1000) as f64 - 300.0) / 4.0)
            .collect();
        expected.sort_by(f64::total_cmp);
        assert_eq!(lists::<Float64Type>(&got), vec![("all".to_string(), expected)]);
        let none = run(&ctx, "SELECT 'none', values_list(v) FROM t WHERE false");
        assert_eq!(lists::<Int64Type>(&none), vec![("none".to_string(), vec![])]);
    }

    #[test]
    fn text_is_refused_with_the_functions_name() {
        let ctx = context(10, 1, false);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let err = rt.block_on(async { ctx.sql("SELECT values_list(g) FROM t").await.map(|_| ()) }).unwrap_err();
        assert!(err.to_string().contains("values_list"), "{err}");
    }
}
