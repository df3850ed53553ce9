//! Properties the fuzz targets (`fuzz/`) and the bounded fuzz test check on arbitrary bytes.
use datafusion::arrow::compute::concat_batches;

use crate::load::{LoadOptions, canonical_schema, parse_csv_bytes};

/// The CSV fast path and the csv crate read `bytes` alike: the same rows and values, the same bad rows
/// skipped, or the same error; with and without `--skip-bad-rows`. Never panics on its own.
pub fn check_csv_paths_agree(bytes: &[u8]) -> Result<(), String> {
    for skip in [false, true] {
        let opts = LoadOptions { skip_bad_rows: skip, ..LoadOptions::default() };
        let fast = parse_csv_bytes("fuzz.csv", bytes, opts.clone(), false);
        let slow = parse_csv_bytes("fuzz.csv", bytes, opts, true);
        match (fast, slow) {
            (Ok((a, ra)), Ok((b, rb))) => {
                let schema = canonical_schema();
                let a = concat_batches(&schema, &a).map_err(|e| e.to_string())?;
                let b = concat_batches(&schema, &b).map_err(|e| e.to_string())?;
                if a != b {
                    let col =
                        (0..a.num_columns()).find(|&c| a.num_rows() == b.num_rows() && a.column(c) != b.column(c));
                    let show = |x: &datafusion::arrow::array::RecordBatch, c: usize| {
                        let v = datafusion::arrow::compute::cast(
                            x.column(c),
                            &datafusion::arrow::datatypes::DataType::Utf8,
                        );
                        v.map(|v| {
                            let v = v.as_any().downcast_ref::<datafusion::arrow::array::StringArray>().cloned();
                            v.map(|v| v.iter().map(|s| s.unwrap_or("").to_string()).collect::<Vec<_>>())
                        })
                    };
                    let diff = col.map(|c| {
                        let (x, y) = (show(&a, c), show(&b, c));
                        let row = match (&x, &y) {
                            (Ok(Some(x)), Ok(Some(y))) => x.iter().zip(y).position(|(p, q)| p != q),
                            _ => None,
                        };
                        let pick = |v: &Result<Option<Vec<String>>, _>| match (v, row) {
                            (Ok(Some(v)), Some(r)) => v[r].clone(),
                            _ => String::new(),
                        };
                        (schema.field(c).name().clone(), row, pick(&x), pick(&y))
                    });
                    return Err(format!(
                        "skip={skip}: the paths read different values ({} vs {} rows; column, row, fast, csv crate: {diff:?})",
                        a.num_rows(),
                        b.num_rows()
                    ));
                }
                if (ra.rows, ra.bad_rows, &ra.bad_row_examples) != (rb.rows, rb.bad_rows, &rb.bad_row_examples) {
                    let i = ra.bad_row_examples.iter().zip(&rb.bad_row_examples).position(|(x, y)| x != y);
                    let at = |r: &crate::load::LoadReport| i.and_then(|i| r.bad_row_examples.get(i).cloned());
                    return Err(format!(
                        "skip={skip}: different reports: {:?} vs {:?}",
                        (ra.rows, ra.bad_rows, ra.bad_row_examples.len(), at(&ra)),
                        (rb.rows, rb.bad_rows, rb.bad_row_examples.len(), at(&rb))
                    ));
                }
            }
            (Err(a), Err(b)) if a.to_string() == b.to_string() => {}
            (a, b) => {
                return Err(format!(
                    "skip={skip}: fast path {:?}, csv crate {:?}",
                    a.map(|r| r.1.rows).map_err(|e| e.to_string()),
                    b.map(|r| r.1.rows).map_err(|e| e.to_string())
                ));
            }
        }
    }
    Ok(())
}
