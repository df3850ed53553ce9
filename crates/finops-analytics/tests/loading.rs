//! Loading: our CSV, the Python showcase's CSV, Parquet, folders, bad values and degenerate inputs.
use std::fs;
use std::path::PathBuf;

use finops_analytics::analyses::run;
use finops_analytics::results::{AnalysisId, AnalysisResult};
use finops_analytics::{Dataset, LoadOptions};
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};

const PY_HEADER: &str = "call_id,timestamp,customer_id,organization_id,product_id,feature_id,provider,model,input_tokens,output_tokens,total_tokens,cost_usd,latency_ms,status,environment,region,subscription_tier,tier_price_usd,customer_archetype";

fn py_row(i: u32, ts: &str, cost: &str) -> String {
    format!(
        "call_{i:08},{ts},cust_0001,org_001,product_a,chat,openai,gpt-4o-mini,120,80,200,{cost},812,success,production,us-east-1,starter,29,light"
    )
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_python_showcase_csv_loads_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        py_row(1, "2026-01-05T14:03:27.123456", "9.4e-05"),
        py_row(2, "2026-01-05T15:03:27.123456", "0.000102"),
        py_row(3, "2026-01-06T09:00:00.000001", "1.5e-04"),
    ];
    let text = format!("{PY_HEADER}\r\n{}\r\n", rows.join("\r\n"));
    let p = write(&dir, "python.csv", &text);
    let ds = Dataset::open(&[p], LoadOptions::default()).unwrap();
    assert_eq!(ds.rows(), 3);
    let t = ds.sql("SELECT sum(cost_usd) AS c, min(service_tier) AS st, max(cached_input_tokens) AS ci, min(error_type) AS e, max(reasoning_tokens) AS r FROM calls").unwrap();
    assert!((t.f64("c").unwrap()[0] - (9.4e-05 + 0.000102 + 1.5e-04)).abs() < 1e-15);
    assert_eq!(t.str("st").unwrap()[0], "standard");
    assert_eq!(t.i64("ci").unwrap()[0], 0);
    assert_eq!(t.str("e").unwrap()[0], "");
    assert_eq!(ds.load.files[0].defaulted_columns.len(), 6, "the 6 extension columns");
    // Naive timestamps are read as UTC, with the sub-millisecond part dropped.
    assert_eq!(
        ds.period.start_ms,
        Some(chrono::DateTime::parse_from_rfc3339("2026-01-05T14:03:27.123Z").unwrap().timestamp_millis())
    );
}

#[test]
fn a_bad_value_is_named_by_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{PY_HEADER}\n{}\n{}\n{}\n",
        py_row(1, "2026-01-05T14:03:27", "0.001"),
        py_row(2, "2026-01-05T14:04:27", "0.001").replace(",120,80,", ",lots,80,"),
        py_row(3, "2026-01-05T14:05:27", "0.001"),
    );
    let p = write(&dir, "bad.csv", &text);
    let err = Dataset::open(std::slice::from_ref(&p), LoadOptions::default()).err().expect("must fail").to_string();
    assert!(err.contains("bad.csv:3: column input_tokens") && err.contains("\"lots\""), "{err}");

    let ds = Dataset::open(&[p], LoadOptions { skip_bad_rows: true, ..LoadOptions::default() }).unwrap();
    assert_eq!(ds.rows(), 2);
    assert_eq!(ds.load.bad_rows, 1);
    assert_eq!(ds.load.bad_row_examples[0].line, 3);
    let overview = finops_analytics::analyses::dataset_overview::analyze(&ds).unwrap();
    assert_eq!(overview.quality.bad_rows_skipped, 1);
    assert!(overview.recommendations.iter().any(|r| r.rule == "bad_rows"));

    let p = write(&dir, "date.csv", &format!("{PY_HEADER}\n{}\n", py_row(1, "2026-02-30T00:00:00", "0.001")));
    let err = Dataset::open(&[p], LoadOptions::default()).err().unwrap().to_string();
    assert!(err.contains("date.csv:2: column timestamp"), "{err}");

    let p = write(&dir, "cols.csv", "timestamp,model,cost_usd\n2026-01-01T00:00:00Z,x,1\n");
    let err = Dataset::open(&[p], LoadOptions::default()).err().unwrap().to_string();
    assert!(err.contains("missing required column(s): provider, input_tokens, output_tokens"), "{err}");

    let p = write(&dir, "neg.csv", &format!("{PY_HEADER}\n{}\n", py_row(1, "2026-01-05T14:03:27", "-0.5")));
    let err = Dataset::open(&[p], LoadOptions::default()).err().unwrap().to_string();
    assert!(err.contains("neg.csv:2: column cost_usd") && err.contains("non-negative"), "{err}");
}

#[test]
fn parquet_folders_and_csv_agree() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::new(SimConfig { seed: 4, customers: 80, ..SimConfig::default() }).unwrap();
    let csv = dir.path().join("a.csv");
    let pq = dir.path().join("parts/a.parquet");
    sim.write_file(&csv, OutputFormat::Csv, Stop::Calls(20_000), &RunOptions::default()).unwrap();
    sim.write_file(&pq, OutputFormat::Parquet, Stop::Calls(20_000), &RunOptions::default()).unwrap();
    let q = "SELECT provider, count(*) AS n, sum(cost_usd) AS c, sum(total_tokens) AS t, max(timestamp) AS m FROM calls GROUP BY provider ORDER BY provider";
    let a = Dataset::open(std::slice::from_ref(&csv), LoadOptions::default()).unwrap().sql(q).unwrap();
    let b = Dataset::open(&[dir.path().join("parts")], LoadOptions::default()).unwrap().sql(q).unwrap();
    assert_eq!(a.str("provider").unwrap(), b.str("provider").unwrap());
    assert_eq!(a.u64("n").unwrap(), b.u64("n").unwrap());
    assert_eq!(a.u64("t").unwrap(), b.u64("t").unwrap());
    assert_eq!(a.i64("m").unwrap(), b.i64("m").unwrap());
    for (x, y) in a.f64("c").unwrap().iter().zip(b.f64("c").unwrap()) {
        assert!((x - y).abs() <= 1e-9 * x.abs(), "{x} vs {y}");
    }
    // Two files at once.
    let both = Dataset::open(&[csv, pq], LoadOptions::default()).unwrap();
    assert_eq!(both.rows(), 40_000);
}

fn has_negative_zero(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|x| x == 0.0 && x.is_sign_negative()),
        serde_json::Value::Array(items) => items.iter().any(has_negative_zero),
        serde_json::Value::Object(fields) => fields.values().any(has_negative_zero),
        _ => false,
    }
}

#[test]
fn every_analysis_handles_empty_tiny_and_one_day_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(&dir, "empty.csv", &format!("{PY_HEADER}\n"));
    let one = write(&dir, "one.csv", &format!("{PY_HEADER}\n{}\n", py_row(1, "2026-01-05T14:03:27", "0.001")));
    let day = dir.path().join("day.csv");
    Simulator::new(SimConfig { customers: 30, ..SimConfig::default() })
        .unwrap()
        .write_file(&day, OutputFormat::Csv, Stop::Hours(24), &RunOptions::default())
        .unwrap();
    for p in [empty, one, day] {
        let ds = Dataset::open(std::slice::from_ref(&p), LoadOptions::default()).unwrap();
        for a in AnalysisId::ALL {
            let r = run(a, &ds).unwrap_or_else(|e| panic!("{a} on {}: {e}", p.display()));
            assert!(!r.rules_applied().is_empty(), "{a} names no rule");
            let v = r.to_json().unwrap();
            assert!(v.get("recommendations").is_some(), "{a} has no recommendations section");
            // Sums of nothing are -0.0 in Rust; no report shows a negative zero.
            assert!(!has_negative_zero(&v), "{a} on {} has a negative zero: {v}", p.display());
            // The JSON reads back into the same typed result.
            assert_eq!(AnalysisResult::from_json(a, v).unwrap(), r, "{a} on {}", p.display());
        }
    }
}

#[test]
fn a_growing_file_is_read_up_to_its_last_whole_row() {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};
    let sim = Simulator::new(SimConfig { customers: 60, organizations: 6, ..SimConfig::default() }).unwrap();
    let written = AtomicU64::new(0);
    let seen = Mutex::new(Vec::new());
    let progress = |_: &finops_sim::Progress| seen.lock().unwrap().push(written.load(Ordering::Acquire));
    let mut out = Vec::new();
    let opts = RunOptions { progress: Some(&progress), written: Some(&written), ..RunOptions::default() };
    sim.write_csv(&mut out, Stop::Calls(30_000), &opts).unwrap();
    assert_eq!(written.load(Ordering::Acquire), out.len() as u64, "the hook ends at the file's length");
    let seen = seen.into_inner().unwrap();
    assert!(seen.len() > 3);
    for &w in &seen {
        assert!(w == 0 || out[w as usize - 1] == b'\n', "written={w} is not at a row end");
    }

    // A reader racing the writer may also see half a row past the reported length: it is ignored.
    let dir = tempfile::tempdir().unwrap();
    let torn = out.len() - 37;
    let path = dir.path().join("calls.csv.partial");
    fs::write(&path, &out[..torn]).unwrap();
    let lines = |n: usize| out[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    let ds = Dataset::open_csv_prefix(&path, torn as u64, "data/calls.csv", LoadOptions::default()).unwrap();
    assert_eq!(ds.rows(), lines(torn) - 1);
    assert_eq!(ds.load.files[0].path, "data/calls.csv");
    let mid = seen[seen.len() / 2];
    let ds = Dataset::open_csv_prefix(&path, mid, "data/calls.csv", LoadOptions::default()).unwrap();
    assert_eq!(ds.rows(), lines(mid as usize) - 1);
    assert_eq!(ds.load.bytes, mid);
}

/// Files without quotes are split directly; files with quotes go through the csv crate. Both must read
/// the same rows, line numbers and errors, whatever the line ends.
#[test]
fn the_direct_split_and_the_csv_reader_agree() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        py_row(1, "2026-01-05T14:03:27", "0.001"),
        py_row(2, "2026-01-05T14:04:27", "0.002"),
        py_row(3, "2026-01-05T14:05:27", "0.004"),
    ];
    // Blank lines in the middle and no line end after the last row.
    let plain = format!("{PY_HEADER}\r\n{}\r\n\r\n{}\r\n{}", rows[0], rows[1], rows[2]);
    let quoted = plain.replacen("cust_0001", "\"cust_0001\"", 1);
    let q = "SELECT call_id, customer_id, customer_archetype, cost_usd FROM calls ORDER BY call_id";
    let read = |name: &str, text: &str| {
        let ds = Dataset::open(&[write(&dir, name, text)], LoadOptions::default()).unwrap();
        let t = ds.sql(q).unwrap();
        (
            t.str("call_id").unwrap(),
            t.str("customer_id").unwrap(),
            t.str("customer_archetype").unwrap(),
            t.f64("cost_usd").unwrap(),
        )
    };
    let a = read("plain.csv", &plain);
    assert_eq!(a, read("quoted.csv", &quoted));
    assert_eq!(a.0, ["call_00000001", "call_00000002", "call_00000003"]);
    assert_eq!(a.1, ["cust_0001"; 3]);
    assert_eq!(a.2, ["light", "light", "light"]);
    assert_eq!(a.3, [0.001, 0.002, 0.004]);

    // A short row (the last field missing) on line 5: the same error from both paths.
    let short = plain.trim_end_matches(",light");
    for (name, text) in
        [("short_plain.csv", short.to_string()), ("short_quoted.csv", short.replacen("cust_0001", "\"cust_0001\"", 1))]
    {
        let err = Dataset::open(&[write(&dir, name, &text)], LoadOptions::default()).err().unwrap().to_string();
        assert!(err.contains(&format!("{name}:5: column customer_archetype: missing: the row has 18 fields")), "{err}");
    }

    // The same bad value on line 5 (after the blank line 3), named the same way by both paths.
    let bad = plain.replace(",0.004,", ",cheap,");
    for (name, text) in
        [("bad_plain.csv", bad.clone()), ("bad_quoted.csv", bad.replacen("cust_0001", "\"cust_0001\"", 1))]
    {
        let err = Dataset::open(&[write(&dir, name, &text)], LoadOptions::default()).err().unwrap().to_string();
        assert!(err.contains(&format!("{name}:5: column cost_usd")) && err.contains("\"cheap\""), "{err}");
    }

    // A quoted field spanning two lines: the next record starts on the physical line after it.
    let spanning = format!("{PY_HEADER}\n{}\n{}\n", rows[0].replacen("cust_0001", "\"cust\n0001\"", 1), rows[1])
        .replace(",0.002,", ",cheap,");
    let err =
        Dataset::open(&[write(&dir, "spanning.csv", &spanning)], LoadOptions::default()).err().unwrap().to_string();
    assert!(err.contains("spanning.csv:4: column cost_usd"), "{err}");

    // Bytes that are not UTF-8 are named by their column too.
    let mut bytes = format!("{PY_HEADER}\n{}\n", rows[0]).into_bytes();
    let at = bytes.windows(9).position(|w| w == b"product_a").unwrap();
    bytes[at + 8] = 0xff;
    let p = dir.path().join("latin1.csv");
    fs::write(&p, &bytes).unwrap();
    let err = Dataset::open(&[p], LoadOptions::default()).err().unwrap().to_string();
    assert!(err.contains("latin1.csv:2: column product_id: not valid UTF-8"), "{err}");

    // A lone carriage return ends a record for the csv crate; the direct split leaves such files to it.
    let cr = format!("{PY_HEADER}\r{}\r{}\r", rows[0], rows[1]);
    let ds = Dataset::open(&[write(&dir, "cr.csv", &cr)], LoadOptions::default()).unwrap();
    assert_eq!(ds.rows(), 2);
}

/// `finops sql` parses only the columns a query reads: every query gives what the full load gives, on
/// CSV (mapped when large, read when small) and Parquet, including `SELECT *`, `count(*)` alone, the
/// derived total, `list_cost_usd` and a subquery.
#[test]
fn projected_queries_equal_full_loads() {
    use finops_analytics::datafusion::arrow::util::pretty::pretty_format_batches;
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::new(SimConfig { seed: 9, customers: 60, ..SimConfig::default() }).unwrap();
    let csv = dir.path().join("a.csv");
    let pq = dir.path().join("a.parquet");
    sim.write_file(&csv, OutputFormat::Csv, Stop::Calls(8_000), &RunOptions::default()).unwrap();
    sim.write_file(&pq, OutputFormat::Parquet, Stop::Calls(8_000), &RunOptions::default()).unwrap();
    // The seed's 19 columns only: total_tokens present; and a copy without it (derived from input + output).
    let text = fs::read_to_string(&csv).unwrap();
    let no_total: String = text
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            [&f[..10], &f[11..]].concat().join(",") + "\n"
        })
        .collect();
    let derived = write(&dir, "derived.csv", &no_total);
    let queries = [
        "SELECT * FROM calls ORDER BY call_id LIMIT 5",
        "SELECT count(*) FROM calls",
        "SELECT provider, sum(total_tokens) AS t, sum(list_cost_usd) AS l FROM calls GROUP BY 1 ORDER BY 1",
        "SELECT date_trunc('day', timestamp) AS d, count(*) FROM calls WHERE status <> 'success' GROUP BY 1 ORDER BY 1",
        "SELECT model, count(*) FROM calls WHERE cost_usd > (SELECT avg(cost_usd) FROM calls) GROUP BY 1 ORDER BY 1",
    ];
    for file in [&csv, &pq, &derived] {
        let full = Dataset::open(std::slice::from_ref(file), LoadOptions::default()).unwrap();
        for q in queries {
            let want = pretty_format_batches(&full.query(q).unwrap()).unwrap().to_string();
            let (got, report) =
                finops_analytics::sql::query_files(std::slice::from_ref(file), LoadOptions::default(), q).unwrap();
            assert_eq!(pretty_format_batches(&got).unwrap().to_string(), want, "{} {q}", file.display());
            assert_eq!(report.rows, 8_000);
        }
    }
}
