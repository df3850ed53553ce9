//! The written files: every row recomputed from the catalog, ids, determinism, stop rules, and CSV and
//! Parquet holding the same data.
use std::collections::{HashMap, HashSet};

use arrow_array::{Array, Float64Array, Int64Array, StringArray, TimestampMillisecondArray};
use chrono::{DateTime, Utc};
use finops_core::cost::{ServiceTier, Usage};
use finops_core::pricing::Catalog;
use finops_core::schema::{COLUMNS, csv_header};
use finops_sim::{RunOptions, SimConfig, Simulator, Stop};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Encoding;

fn sim(seed: u64, threads: usize) -> Simulator {
    Simulator::new(SimConfig { seed, threads, ..SimConfig::default() }).expect("valid config")
}

fn csv_bytes(s: &Simulator, stop: Stop) -> Vec<u8> {
    let mut out = Vec::new();
    s.write_csv(&mut out, stop, &RunOptions::default()).expect("write csv");
    out
}

fn rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_reader(bytes);
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>().join(","), csv_header());
    r.records().map(|x| x.expect("well-formed row")).collect()
}

#[test]
fn every_row_costs_exactly_the_catalog_formula() {
    let bytes = csv_bytes(&sim(3, 0), Stop::Calls(80_000));
    let catalog = Catalog::builtin();
    let mut ids = HashSet::new();
    let mut identity: HashMap<String, Vec<String>> = HashMap::new();
    let mut last_ts = i64::MIN;
    let rows = rows(&bytes);
    assert_eq!(rows.len(), 80_000);
    for row in &rows {
        assert_eq!(row.len(), COLUMNS.len());
        let f = |name: &str| &row[COLUMNS.iter().position(|c| c.name == name).unwrap()];
        let n = |name: &str| f(name).parse::<u64>().unwrap_or_else(|_| panic!("{name} = {:?}", f(name)));
        assert!(ids.insert(f("call_id").to_string()), "duplicate id {}", f("call_id"));
        let ts = DateTime::parse_from_rfc3339(f("timestamp")).expect("RFC 3339 UTC").with_timezone(&Utc);
        assert!(f("timestamp").ends_with('Z'));
        assert!(ts.timestamp_millis() >= last_ts, "rows out of time order");
        last_ts = ts.timestamp_millis();
        assert_eq!(n("total_tokens"), n("input_tokens") + n("output_tokens"));
        let cost = f("cost_usd");
        assert!(!cost.contains(['e', 'E']), "exponent in cost {cost}");
        let (_, price) = catalog.price_at(f("provider"), f("model"), ts.date_naive()).expect("priced");
        let usage = Usage {
            input: n("input_tokens"),
            cached_input: n("cached_input_tokens"),
            cache_write: n("cache_write_tokens"),
            cache_write_1h: 0,
            output: n("output_tokens"),
        };
        assert!(n("cached_input_tokens") + n("cache_write_tokens") <= n("input_tokens"));
        if n("cache_write_tokens") > 0 {
            assert!(price.cache_write.is_some(), "writes only where the model bills them");
        }
        let tier: ServiceTier = f("service_tier").parse().unwrap();
        assert_eq!(cost, price.cost(&usage, tier).unwrap().to_string(), "row {}", f("call_id"));
        assert_eq!(
            n("tier_price_usd"),
            match f("subscription_tier") {
                "starter" => 29,
                "pro" => 99,
                _ => 299,
            }
        );
        let attrs = vec![
            f("organization_id").to_string(),
            f("product_id").to_string(),
            f("subscription_tier").to_string(),
            f("customer_archetype").to_string(),
        ];
        let prev = identity.entry(f("customer_id").to_string()).or_insert_with(|| attrs.clone());
        assert_eq!(*prev, attrs, "customer {} changed identity", f("customer_id"));
    }
}

#[test]
fn same_options_same_bytes_whatever_the_thread_count() {
    let one = csv_bytes(&sim(9, 1), Stop::Calls(60_000));
    let three = csv_bytes(&sim(9, 3), Stop::Calls(60_000));
    assert!(one == three, "output differs between 1 and 3 threads");
    // Nor on the batch size (the live viewer generates an hour at a time).
    let mut hourly = Vec::new();
    let opts = RunOptions { batch_hours: Some(1), ..RunOptions::default() };
    sim(9, 3).write_csv(&mut hourly, Stop::Calls(60_000), &opts).unwrap();
    assert!(one == hourly, "output differs with one-hour batches");
    let other_seed = csv_bytes(&sim(10, 1), Stop::Calls(60_000));
    assert!(one != other_seed);
}

#[test]
fn stop_rules() {
    let s = sim(5, 0);
    let target = 3_000_000u64;
    let bytes = csv_bytes(&s, Stop::Bytes(target));
    assert!(bytes.len() as u64 >= target, "stopped short: {}", bytes.len());
    let without_last = bytes[..bytes.len() - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    assert!((without_last as u64) < target, "overshot by more than one row");
    assert!(bytes.ends_with(b"\n"));

    let hours = csv_bytes(&s, Stop::Hours(30));
    let start = s.config().start.timestamp_millis();
    for row in rows(&hours) {
        let t = DateTime::parse_from_rfc3339(&row[1]).unwrap().timestamp_millis();
        assert!(t >= start && t < start + 30 * 3_600_000);
    }
    assert_eq!(rows(&csv_bytes(&s, Stop::Calls(0))).len(), 0);
}

#[test]
fn csv_and_parquet_hold_the_same_data() {
    let s = sim(21, 0);
    let csv = rows(&csv_bytes(&s, Stop::Calls(30_000)));
    let mut pq = Vec::new();
    let summary = s.write_parquet(&mut pq, Stop::Calls(30_000), &RunOptions::default()).unwrap();
    assert_eq!(summary.calls, 30_000);
    assert_eq!(summary.bytes, pq.len() as u64);
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(pq)).unwrap();
    // The near-unique integer columns are delta-encoded without a dictionary; the others keep theirs.
    for group in builder.metadata().row_groups() {
        for column in group.columns() {
            let name = column.column_path().string();
            let delta = finops_sim::parquet_out::DELTA_COLUMNS.contains(&name.as_str());
            let encodings: Vec<Encoding> = column.encodings().collect();
            assert_eq!(encodings.contains(&Encoding::DELTA_BINARY_PACKED), delta, "{name}: {encodings:?}");
            assert_eq!(column.dictionary_page_offset().is_none(), delta, "{name}: {encodings:?}");
        }
    }
    let reader = builder.build().unwrap();
    let mut i = 0usize;
    for batch in reader {
        let batch = batch.unwrap();
        for (col, def) in COLUMNS.iter().enumerate() {
            let a = batch.column(col);
            for r in 0..batch.num_rows() {
                let expected = &csv[i + r][col];
                let got = if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
                    s.value(r).to_string()
                } else if let Some(v) = a.as_any().downcast_ref::<Int64Array>() {
                    v.value(r).to_string()
                } else if let Some(v) = a.as_any().downcast_ref::<Float64Array>() {
                    assert_eq!(v.value(r), expected.parse::<f64>().unwrap(), "{} row {}", def.name, i + r);
                    continue;
                } else if let Some(v) = a.as_any().downcast_ref::<TimestampMillisecondArray>() {
                    DateTime::from_timestamp_millis(v.value(r)).unwrap().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
                } else {
                    panic!("unexpected type {:?} for {}", a.data_type(), def.name)
                };
                assert_eq!(&got, expected, "{} row {}", def.name, i + r);
            }
        }
        i += batch.num_rows();
    }
    assert_eq!(i, csv.len());
}

/// Writing to a device writes into it: `/dev/null` stays a device (a finished file renamed over it would
/// replace it with a regular file when run as root) and gets no answer key beside it.
#[cfg(unix)]
#[test]
fn a_device_is_written_into_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let null = std::path::Path::new("/dev/null");
    if !std::fs::metadata(null).is_ok_and(|m| m.file_type().is_char_device()) {
        return;
    }
    let summary =
        sim(3, 0).write_file(null, finops_sim::OutputFormat::Csv, Stop::Calls(500), &RunOptions::default()).unwrap();
    assert_eq!(summary.calls, 500);
    assert!(std::fs::metadata(null).unwrap().file_type().is_char_device());
    assert!(!std::path::Path::new("/dev/null.events.json").exists());
    assert!(!std::path::Path::new("/dev/null.partial").exists());
}
