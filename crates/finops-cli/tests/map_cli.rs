//! Call logs in another layout (`--map`, `finops map --suggest`): a gateway-style export of a simulated
//! log (renamed columns, cost in cents, latency in seconds, day-first times, no environment column)
//! reads back to the same numbers as the original.
use std::fs;
use std::process::Command;

fn finops(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_finops")).args(args).output().expect("finops runs")
}

#[test]
fn a_foreign_layout_reads_back_to_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    assert!(
        finops(&["simulate", "--calls", "5000", "--customers", "50", "--out", &p("calls.csv"), "-q"]).status.success()
    );

    // The gateway's export of the same calls.
    let mut r = csv::Reader::from_path(p("calls.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let mut w = csv::Writer::from_path(p("gateway.csv")).unwrap();
    w.write_record([
        "created_at",
        "vendor",
        "model_name",
        "prompt_tokens",
        "completion_tokens",
        "cost_cents",
        "duration_s",
        "user",
        "team",
        "cached_tokens",
        "cache_creation_input_tokens",
        "tier",
    ])
    .unwrap();
    for x in r.records().map(|x| x.unwrap()) {
        let t = chrono::DateTime::parse_from_rfc3339(&x[col("timestamp")]).unwrap();
        let cents = x[col("cost_usd")].parse::<f64>().unwrap() * 100.0;
        let seconds = x[col("latency_ms")].parse::<f64>().unwrap() / 1000.0;
        w.write_record([
            t.format("%d/%m/%Y %H:%M:%S%.3f").to_string(),
            x[col("provider")].to_string(),
            x[col("model")].to_string(),
            x[col("input_tokens")].to_string(),
            x[col("output_tokens")].to_string(),
            format!("{cents}"),
            format!("{seconds:.3}"),
            x[col("customer_id")].to_string(),
            x[col("organization_id")].to_string(),
            x[col("cached_input_tokens")].to_string(),
            x[col("cache_write_tokens")].to_string(),
            x[col("service_tier")].to_string(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    drop(w);

    // The proposal finds every column, the units and that the time needs a format.
    let o = finops(&["map", "--suggest", &p("gateway.csv")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let suggestion = String::from_utf8(o.stdout).unwrap();
    for line in [
        "timestamp = \"created_at\"",
        "provider = \"vendor\"",
        "model = \"model_name\"",
        "input_tokens = \"prompt_tokens\"",
        "output_tokens = \"completion_tokens\"",
        "cost_usd = \"cost_cents\"",
        "latency_ms = \"duration_s\"",
        "customer_id = \"user\"",
        "organization_id = \"team\"",
        "cached_input_tokens = \"cached_tokens\"",
        "cache_write_tokens = \"cache_creation_input_tokens\"",
        "service_tier = \"tier\"",
        "cost_usd = \"cents\"",
        "latency_ms = \"seconds\"",
        "format = \"\"",
    ] {
        assert!(suggestion.contains(line), "{line} missing from:\n{suggestion}");
    }
    let mapping =
        suggestion.replace("format = \"\"", "format = \"%d/%m/%Y %H:%M:%S%.3f\"") + "environment = \"staging\"\n";
    fs::write(p("map.toml"), mapping).unwrap();

    let q = "SELECT count(*) AS n, sum(cost_usd) AS cost, sum(latency_ms) AS latency, min(timestamp) AS first, \
             max(timestamp) AS last, count(DISTINCT customer_id) AS customers, max(environment) AS env FROM calls";
    let ask = |extra: &[&str], file: &str| -> serde_json::Value {
        let mut args = extra.to_vec();
        args.extend(["sql", "--input", file, "--format", "json", q]);
        let o = finops(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()[0].clone()
    };
    let ours = ask(&[], &p("calls.csv"));
    let theirs = ask(&["--map", &p("map.toml")], &p("gateway.csv"));
    assert_eq!(ours["n"], theirs["n"]);
    assert_eq!(ours["latency"], theirs["latency"], "seconds back to milliseconds");
    assert_eq!((&ours["first"], &ours["last"]), (&theirs["first"], &theirs["last"]), "day-first times read");
    assert_eq!(ours["customers"], theirs["customers"]);
    assert_eq!(theirs["env"], "staging", "a constant for a missing column");
    let (a, b) = (ours["cost"].as_f64().unwrap(), theirs["cost"].as_f64().unwrap());
    assert!((a - b).abs() < 1e-9 * a, "cents back to dollars: {a} vs {b}");
    // reprice keeps the gateway's layout: cents in cost_cents (the log carries every token class and the
    // tier, so the catalog gives back the simulator's costs), day-first times untouched.
    let o = finops(&["--map", &p("map.toml"), "reprice", "--input", &p("gateway.csv"), "--out", &p("repriced.csv")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cents = |file: &str| -> Vec<f64> {
        let mut r = csv::Reader::from_path(file).unwrap();
        let c = r.headers().unwrap().iter().position(|h| h == "cost_cents").unwrap();
        r.records().map(|x| x.unwrap()[c].parse::<f64>().unwrap()).collect()
    };
    let (before, after) = (cents(&p("gateway.csv")), cents(&p("repriced.csv")));
    assert_eq!(before.len(), after.len());
    assert!(before.iter().zip(&after).all(|(a, b)| (a - b).abs() <= 1e-9 * a.max(1e-9)), "cents repriced as cents");
    // analyze reads it too.
    let o = finops(&["--map", &p("map.toml"), "analyze", "--input", &p("gateway.csv"), "--json", "understanding"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Without the mapping: the missing columns are named; a wrong time format names the line.
    let o = finops(&["sql", "--input", &p("gateway.csv"), q]);
    assert!(
        !o.status.success() && String::from_utf8_lossy(&o.stderr).contains("missing required column(s): timestamp")
    );
    fs::write(p("bad.toml"), suggestion.replace("format = \"\"", "format = \"%Y-%m-%d\"")).unwrap();
    let o = finops(&["--map", &p("bad.toml"), "sql", "--input", &p("gateway.csv"), q]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("gateway.csv:2: column timestamp (created_at): expected a time as"),
        "{err}"
    );
}

#[test]
fn a_foreign_parquet_layout_with_unix_seconds() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    // 2026-09-01T00:00:01.5Z and 00:00:03Z; 12.5 and 0.25 cents; 1.234 and 0.5 seconds.
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("created_at", Arc::new(Float64Array::from(vec![1_788_220_801.5, 1_788_220_803.0]))),
        ("vendor", Arc::new(StringArray::from(vec!["openai", "anthropic"]))),
        ("model_name", Arc::new(StringArray::from(vec!["gpt-4o", "claude-haiku-4-5"]))),
        ("prompt_tokens", Arc::new(Int64Array::from(vec![1000, 200]))),
        ("completion_tokens", Arc::new(Int64Array::from(vec![100, 20]))),
        ("cost_cents", Arc::new(Float64Array::from(vec![12.5, 0.25]))),
        ("duration_s", Arc::new(Float64Array::from(vec![1.234, 0.5]))),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(fs::File::create(p("g.parquet")).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let mapping = "[columns]\ntimestamp = \"created_at\"\nprovider = \"vendor\"\nmodel = \"model_name\"\n\
        input_tokens = \"prompt_tokens\"\noutput_tokens = \"completion_tokens\"\ncost_usd = \"cost_cents\"\n\
        latency_ms = \"duration_s\"\n[units]\ncost_usd = \"cents\"\nlatency_ms = \"seconds\"\n[time]\nformat = \"unix_s\"\n\
        [constants]\norganization_id = \"org_acme\"\n";
    fs::write(p("m.toml"), mapping).unwrap();
    let q = "SELECT CAST(timestamp AS VARCHAR) AS t, cost_usd, latency_ms, total_tokens, organization_id FROM calls ORDER BY t";
    let o = finops(&["--map", &p("m.toml"), "sql", "--input", &p("g.parquet"), "--format", "csv", q]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows[0].starts_with("2026-09-01T00:00:01.500") && rows[0].ends_with(",0.125,1234,1100,org_acme"), "{out}");
    assert!(rows[1].starts_with("2026-09-01T00:00:03") && rows[1].ends_with(",0.0025,500,220,org_acme"), "{out}");
}

/// OpenTelemetry spans: the suggestion finds the feature on the application's parent span (not a default
/// name), and with it `finops sql` attributes every call to its request's feature.
#[test]
fn spans_get_a_mapping_for_their_dimensions() {
    let spans = concat!(env!("CARGO_MANIFEST_DIR"), "/../finops-analytics/tests/data/otel/openai-v2-2.4b0.jsonl");
    let out = finops(&["map", "--suggest", spans]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let toml = String::from_utf8(out.stdout).unwrap();
    assert!(toml.contains("feature_id = \"app.feature\""), "{toml}");
    assert!(toml.contains("# customer_id: read by default from \"enduser.id\" (11 of 11 calls)"), "{toml}");
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.toml");
    fs::write(&map, &toml).unwrap();
    let q = "SELECT feature_id, count(*) AS calls, sum(input_tokens) AS input FROM calls GROUP BY 1 ORDER BY 1";
    let out = finops(&["--map", map.to_str().unwrap(), "sql", q, "--input", spans, "--format", "csv"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "feature_id,calls,input\nagent,1,3000\nchat,6,2240\ncode,2,2700\nsearch,2,59\n"
    );
}
