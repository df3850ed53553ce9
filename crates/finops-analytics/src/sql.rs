//! `finops sql`: one read-only query over call logs, reading only the columns it uses.
//!
//! The query is planned first against an empty `calls` table; the columns its scans project are then the
//! only ones parsed from the files (a query of four columns skips the other 21: no text to copy, no
//! timestamps to parse), and the query runs over those.
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::MemTable;
use datafusion::execution::context::{SQLOptions, SessionConfig, SessionContext};
use datafusion::logical_expr::LogicalPlan;
use finops_core::schema::COLUMNS;

use crate::engine::{Result, table_schema};
use crate::load::{COST_USD, LoadOptions, LoadReport, load};

fn read_only() -> SQLOptions {
    SQLOptions::new().with_allow_ddl(false).with_allow_dml(false).with_allow_statements(false)
}

/// The columns of [`table_schema`] that the scans of `calls` in `query` read (`None`: every column).
async fn columns_read(query: &str) -> Result<Vec<bool>> {
    let schema = table_schema();
    let ctx = SessionContext::new();
    crate::register_functions(&ctx);
    ctx.register_table("calls", Arc::new(MemTable::try_new(schema.clone(), vec![vec![]])?))?;
    let plan = ctx.sql_with_options(query, read_only()).await?.into_optimized_plan()?;
    let mut read = vec![false; schema.fields().len()];
    // Subqueries hold plans of their own inside expressions: visit those scans too.
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            match &scan.projection {
                Some(p) => p.iter().for_each(|&i| read[i] = true),
                None => read.iter_mut().for_each(|r| *r = true),
            }
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    Ok(read)
}

/// Runs `query` over the call logs at `paths`, loading only the columns it reads; returns its batches
/// and what was loaded. `list_cost_usd` is the input's cost (no negotiated rates on this path).
pub fn query_files(paths: &[PathBuf], opts: LoadOptions, query: &str) -> Result<(Vec<RecordBatch>, LoadReport)> {
    // A partitioned dataset is scanned in place: the engine reads only the columns the query needs.
    if let [dir] = paths
        && let Some(dataset) = crate::scan::find_partitioned(dir)?
    {
        let ds = crate::engine::Dataset::scan(&dataset, opts)?;
        let out = ds.query(query)?;
        return Ok((out, ds.load.clone()));
    }
    let (threads, runtime) = crate::engine::query_runtime()?;
    runtime.block_on(async {
        let read = columns_read(query).await?;
        let list_cost = read[COLUMNS.len()];
        let mut keep: Vec<bool> = read[..COLUMNS.len()].to_vec();
        keep[COST_USD] |= list_cost;
        if !keep.iter().any(|k| *k) {
            // count(*) alone: one cheap column gives the batches their row counts.
            keep[crate::load::INPUT_TOKENS] = true;
        }
        let opts = LoadOptions { columns: Some(Arc::new(keep.clone())), ..opts };
        let (batches, report) = load(paths, opts)?;
        let projected = crate::load::projected_schema(&keep);
        let (schema, batches) = if list_cost {
            let cost = projected.index_of("cost_usd")?;
            let mut fields: Vec<Field> = projected.fields().iter().map(|f| f.as_ref().clone()).collect();
            fields.push(Field::new("list_cost_usd", projected.field(cost).data_type().clone(), false));
            let schema: SchemaRef = Arc::new(Schema::new(fields));
            let batches = batches
                .into_iter()
                .map(|b| {
                    let mut cols = b.columns().to_vec();
                    cols.push(b.column(cost).clone());
                    RecordBatch::try_new(schema.clone(), cols)
                })
                .collect::<std::result::Result<Vec<_>, _>>()?;
            (schema, batches)
        } else {
            (projected, batches)
        };
        let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); threads];
        for (i, b) in batches.into_iter().enumerate() {
            partitions[i % threads].push(b);
        }
        let config = SessionConfig::new().with_target_partitions(threads).with_information_schema(false);
        let ctx = SessionContext::new_with_config(config);
        crate::register_functions(&ctx);
        ctx.register_table("calls", Arc::new(MemTable::try_new(schema, partitions)?))?;
        let out = ctx.sql_with_options(query, read_only()).await?.collect().await?;
        Ok((out, report))
    })
}
