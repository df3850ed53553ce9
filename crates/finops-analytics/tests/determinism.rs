//! The same calls give the same findings in the same order however they are split into batches and
//! partitions: the engine sums a group's values in whichever order its partitions finish, so float
//! totals can differ in their last bits, and rows it returns come in no fixed order. Every list of
//! the 13 analyses must still come out in one order (ties broken by a key), and every number equal
//! to 1e-9.
use datafusion::arrow::compute::concat_batches;
use finops_analytics::{Dataset, LoadOptions, analyses};
use finops_results::AnalysisId;
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};
use serde_json::Value;

/// Where `a` and `b` differ: numbers beyond a relative 1e-9, anything else at all.
fn differences(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            if (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1e-12) {
                out.push(format!("{path}: {x} vs {y}"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => differences(&format!("{path}.{k}"), v, w, out),
                    None => out.push(format!("{path}.{k}: missing")),
                }
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: {a} vs {b}")),
    }
}

fn results(ds: &Dataset) -> Vec<(AnalysisId, Value)> {
    AnalysisId::ALL.iter().map(|&id| (id, analyses::run(id, ds).unwrap().to_json().unwrap())).collect()
}

#[test]
fn findings_do_not_depend_on_how_the_calls_are_split() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.csv");
    Simulator::new(SimConfig { seed: 31, customers: 160, ..SimConfig::default() })
        .unwrap()
        .write_file(&path, OutputFormat::Csv, Stop::Calls(40_000), &RunOptions::default())
        .unwrap();
    let (batches, report) = finops_analytics::load::load(&[path], LoadOptions::default()).unwrap();
    let all = concat_batches(&batches[0].schema(), &batches).unwrap();
    // The same calls backwards, in small uneven batches: other partitions, other summing orders.
    let mut sliced = Vec::new();
    let mut end = all.num_rows();
    let mut size = 613;
    while end > 0 {
        let len = size.min(end);
        sliced.push(all.slice(end - len, len));
        end -= len;
        size = 200 + (size * 7) % 1_111;
    }
    let one = Dataset::from_batches(batches, report.clone()).unwrap();
    let other = Dataset::from_batches(sliced, report).unwrap();
    let mut diffs = Vec::new();
    for ((id, a), (_, b)) in results(&one).into_iter().zip(results(&other)) {
        differences(id.as_str(), &a, &b, &mut diffs);
    }
    assert!(diffs.is_empty(), "{} differences, first: {:#?}", diffs.len(), &diffs[..diffs.len().min(15)]);
}
