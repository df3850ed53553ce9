//! OpenTelemetry GenAI spans recorded by real instrumentation packages (tools/otel-fixtures, versions in
//! the file names) read as calls: per model, calls and token sums equal an independent reader's, which
//! walks the JSON generically and applies each emitter's documented rules itself.
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use finops_analytics::datafusion::arrow::array::{Array, AsArray};
use finops_analytics::datafusion::arrow::datatypes::Int64Type;
use finops_analytics::{Dataset, LoadOptions};
use finops_core::mapping::Mapping;
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/otel").join(name)
}

/// Per (provider, model): calls, input, output, cached, cache-write, reasoning tokens; and errors.
type Sums = BTreeMap<(String, String), [u64; 7]>;

/// The catalog names of the dated models the recordings report (what the reader renames them to).
fn catalog_name(model: &str) -> &str {
    match model {
        "gpt-4o-mini-2024-07-18" => "gpt-4o-mini",
        "gpt-5-2025-08-07" => "gpt-5",
        "claude-haiku-4-5-20251001" => "claude-haiku-4-5",
        other => other,
    }
}

fn text(file: &Path) -> String {
    let mut raw = Vec::new();
    std::fs::File::open(file).unwrap().read_to_end(&mut raw).unwrap();
    if file.extension().is_some_and(|e| e == "gz") {
        let mut out = String::new();
        flate2::read::GzDecoder::new(&raw[..]).read_to_string(&mut out).unwrap();
        out
    } else {
        String::from_utf8(raw).unwrap()
    }
}

/// The independent reader: CLIENT spans with a gen_ai.operation.name, one per gen_ai.response.id, and one
/// per failure recorded by two scopes (same model and error status within a second).
fn independent(file: &Path) -> Sums {
    let mut sums = Sums::new();
    let mut seen = std::collections::HashSet::new();
    let mut failures: Vec<(String, String, i64, bool)> = Vec::new();
    for line in text(file).lines().filter(|l| !l.trim().is_empty()) {
        let doc: Value = serde_json::from_str(line).unwrap();
        for rs in doc["resourceSpans"].as_array().unwrap() {
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for span in ss["spans"].as_array().unwrap() {
                    let attrs: BTreeMap<&str, &Value> = span["attributes"]
                        .as_array()
                        .map(|a| a.iter().map(|kv| (kv["key"].as_str().unwrap(), &kv["value"])).collect())
                        .unwrap_or_default();
                    let s = |k: &str| attrs.get(k).and_then(|v| v["stringValue"].as_str());
                    let n = |k: &str| {
                        attrs.get(k).and_then(|v| v["intValue"].as_str()).map_or(0, |x| x.parse::<u64>().unwrap())
                    };
                    if span["kind"].as_i64() != Some(3) || s("gen_ai.operation.name").is_none() {
                        continue;
                    }
                    if let Some(id) = s("gen_ai.response.id")
                        && !seen.insert(id.to_string())
                    {
                        continue;
                    }
                    let provider = s("gen_ai.provider.name").or(s("gen_ai.system")).unwrap().to_string();
                    let model = s("gen_ai.response.model").or(s("gen_ai.request.model")).unwrap();
                    if span["status"]["code"].as_i64() == Some(2) {
                        let scope = ss["scope"]["name"].as_str().unwrap().to_string();
                        let ms = span["startTimeUnixNano"].as_str().unwrap().parse::<i64>().unwrap() / 1_000_000;
                        let limited = s("error.type").unwrap().to_lowercase().replace('_', "").contains("ratelimit");
                        if failures
                            .iter()
                            .any(|(sc, m, t, l)| *sc != scope && m == model && (t - ms).abs() <= 1000 && *l == limited)
                        {
                            continue;
                        }
                        failures.push((scope, model.to_string(), ms, limited));
                    }
                    let e = sums.entry((provider, catalog_name(model).to_string())).or_default();
                    e[0] += 1;
                    // Every recorded emitter counts cache reads and writes inside input_tokens.
                    e[1] += n("gen_ai.usage.input_tokens");
                    e[2] += n("gen_ai.usage.output_tokens");
                    e[3] += n("gen_ai.usage.cache_read.input_tokens");
                    e[4] += n("gen_ai.usage.cache_write.input_tokens") + n("gen_ai.usage.cache_creation.input_tokens");
                    e[5] += n("gen_ai.usage.reasoning.output_tokens");
                    e[6] += u64::from(span["status"]["code"].as_i64() == Some(2));
                }
            }
        }
    }
    sums
}

fn dataset(files: &[PathBuf], mapping: Option<Mapping>) -> Dataset {
    let opts = LoadOptions { mapping: mapping.map(std::sync::Arc::new), ..LoadOptions::default() };
    Dataset::open(files, opts).unwrap()
}

fn ours(ds: &Dataset) -> Sums {
    let batches = ds
        .query(
            "SELECT provider, model, count(*), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), \
             sum(cache_write_tokens), sum(reasoning_tokens), count(*) FILTER (WHERE status <> 'success') \
             FROM calls GROUP BY provider, model",
        )
        .unwrap();
    let mut sums = Sums::new();
    for b in batches {
        for r in 0..b.num_rows() {
            let s = |c: usize| b.column(c).as_string_view().value(r).to_string();
            let mut v = [0u64; 7];
            for (k, x) in v.iter_mut().enumerate() {
                let col = b.column(k + 2);
                *x = if col.is_null(r) { 0 } else { col.as_primitive::<Int64Type>().value(r) as u64 };
            }
            sums.insert((s(0), s(1)), v);
        }
    }
    sums
}

fn rows(ds: &Dataset, sql: &str) -> Vec<Vec<String>> {
    let batches = ds.query(sql).unwrap();
    let mut out = Vec::new();
    for b in batches {
        let cols: Vec<_> = (0..b.num_columns())
            .map(|c| finops_analytics::datafusion::arrow::compute::cast(b.column(c), &arrow_utf8()).unwrap())
            .collect();
        for r in 0..b.num_rows() {
            out.push(cols.iter().map(|c| c.as_string::<i32>().value(r).to_string()).collect());
        }
    }
    out
}

fn arrow_utf8() -> finops_analytics::datafusion::arrow::datatypes::DataType {
    finops_analytics::datafusion::arrow::datatypes::DataType::Utf8
}

#[test]
fn every_recorded_emitter_matches_an_independent_reader() {
    for name in [
        "openai-v2-2.4b0.jsonl",
        "openai-v2-2.3b0.jsonl",
        "anthropic-sdk-2.14.0.jsonl",
        "openllmetry-anthropic-0.62.4.jsonl",
        "anthropic-sdk-and-openllmetry.jsonl.gz",
    ] {
        let file = data(name);
        let expected = independent(&file);
        let got = ours(&dataset(std::slice::from_ref(&file), None));
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn openai_spans_of_both_convention_generations() {
    for name in ["openai-v2-2.4b0.jsonl", "openai-v2-2.3b0.jsonl"] {
        let ds = dataset(&[data(name)], None);
        let s = ours(&ds);
        // 11 calls in the recording: 9 chat (2 failed) and 2 embeddings.
        assert_eq!(s.values().map(|v| v[0]).sum::<u64>(), 11, "{name}");
        assert_eq!(s[&("openai".into(), "gpt-4o-mini".into())][..3], [5, 1200 + 640 + 300, 150 + 90 + 40], "{name}");
        assert_eq!(s[&("openai".into(), "text-embedding-3-small".into())][..2], [2, 59], "{name}");
        // Statuses, error types, the flex tier, and what priced each call.
        let r = rows(
            &ds,
            "SELECT status, error_type, count(*) FROM calls WHERE status <> 'success' GROUP BY 1, 2 ORDER BY 1",
        );
        assert_eq!(
            r,
            vec![vec!["rate_limited", "rate_limit_exceeded", "1"], vec!["server_error", "internal_server_error", "1"]]
        );
        let flex = rows(&ds, "SELECT model, cost_usd FROM calls WHERE service_tier = 'flex'");
        // gpt-5 flex: 3,000 input at $0.625/M and 900 output at $5/M.
        assert_eq!(flex.len(), 1, "{name}");
        assert_eq!(flex[0][0], "gpt-5");
        assert!((flex[0][1].parse::<f64>().unwrap() - (3000.0 * 0.625 + 900.0 * 5.0) / 1e6).abs() < 1e-12);
        // The May 2024 snapshot keeps its own name and price ($5/$15), the unknown fine-tune is unpriced.
        let old = rows(&ds, "SELECT cost_usd FROM calls WHERE model = 'gpt-4o-2024-05-13'");
        assert!((old[0][0].parse::<f64>().unwrap() - (500.0 * 5.0 + 250.0 * 15.0) / 1e6).abs() < 1e-12);
        let unknown = rows(&ds, "SELECT cost_usd FROM calls WHERE model = 'acme-finetune-7b'");
        assert_eq!(unknown, vec![vec!["0.0"]]);
        let readout = ds.load.files[0].spans.clone().unwrap();
        assert_eq!(readout.calls, 11);
        assert_eq!(readout.other_spans, 22, "two application spans per request");
        assert!(readout.pricing.iter().any(|p| p.reported_model == "acme-finetune-7b" && p.source == "unpriced"));
    }
}

#[test]
fn anthropic_cache_tokens_are_counted_once_and_priced() {
    let ds = dataset(&[data("anthropic-sdk-2.14.0.jsonl")], None);
    let s = ours(&ds);
    // claude-haiku-4-5: one call of 9,000 input (6,000 read, 2,048 written) plus two failed calls.
    assert_eq!(s[&("anthropic".into(), "claude-haiku-4-5".into())], [3, 9000, 700, 6000, 2048, 0, 2]);
    let cost = rows(&ds, "SELECT cost_usd FROM calls WHERE model = 'claude-haiku-4-5' AND status = 'success'");
    // $1/M uncached, $0.10/M read, $1.25/M written, $5/M output.
    let expected = (952.0 * 1.0 + 6000.0 * 0.1 + 2048.0 * 1.25 + 700.0 * 5.0) / 1e6;
    assert!((cost[0][0].parse::<f64>().unwrap() - expected).abs() < 1e-12, "{cost:?} vs {expected}");
    // The streamed call's time to first token comes from gen_ai.response.time_to_first_chunk.
    let ttft = rows(&ds, "SELECT time_to_first_token_ms, latency_ms FROM calls WHERE cached_input_tokens = 512");
    let (t, l): (i64, i64) = (ttft[0][0].parse().unwrap(), ttft[0][1].parse().unwrap());
    assert!(t > 0 && t < l, "{ttft:?}");
    let r = rows(&ds, "SELECT status, error_type FROM calls WHERE status <> 'success' ORDER BY 1");
    assert_eq!(r, vec![vec!["rate_limited", "rate_limit_exceeded"], vec!["server_error", "overloaded"]]);
}

#[test]
fn two_instrumentations_of_one_client_count_each_response_once() {
    let both = dataset(&[data("anthropic-sdk-and-openllmetry.jsonl.gz")], None);
    let readout = both.load.files[0].spans.clone().unwrap();
    assert_eq!(readout.duplicates, 8, "six responses and two failures recorded by both");
    // The Anthropic SDK's span is kept: OpenLLMetry counts a streamed output one token high.
    let sdk = ours(&dataset(&[data("anthropic-sdk-2.14.0.jsonl")], None));
    let got = ours(&both);
    for (key, v) in &sdk {
        assert_eq!(got[key][..6], v[..6], "{key:?}");
    }
}

#[test]
fn attribution_from_baggage_parents_resource_and_the_mapping() {
    // Defaults: enduser.id / organization.id (baggage on the span), service.name, the resource's environment.
    let ds = dataset(&[data("openllmetry-anthropic-0.62.4.jsonl")], None);
    let r = rows(
        &ds,
        "SELECT customer_id, organization_id, product_id, feature_id, environment, region, count(*) FROM calls \
         GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1",
    );
    assert_eq!(r[0], vec!["cust_0101", "org_010", "support-assistant", "unknown", "staging", "eu-west-1", "2"]);
    // Mapped: the feature from the application's parent span, a constant tier.
    let m = Mapping::from_toml_str(
        "[columns]\nfeature_id = \"app.feature\"\ncustomer_id = \"app.customer_id\"\n[constants]\nsubscription_tier = \"pro\"\n",
        "m.toml",
    )
    .unwrap();
    let ds = dataset(&[data("openai-v2-2.3b0.jsonl")], Some(m));
    let r = rows(
        &ds,
        "SELECT feature_id, customer_id, subscription_tier, count(*) FROM calls GROUP BY 1, 2, 3 ORDER BY 1, 2",
    );
    assert_eq!(
        r,
        vec![
            vec!["agent", "cust_0002", "pro", "1"],
            vec!["chat", "cust_0001", "pro", "2"],
            vec!["chat", "cust_0005", "pro", "2"],
            vec!["chat", "cust_0006", "pro", "2"],
            vec!["code", "cust_0003", "pro", "2"],
            vec!["search", "cust_0004", "pro", "2"],
        ]
    );
}

#[test]
fn broken_files_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("spans.jsonl");
    let good = std::fs::read_to_string(data("openai-v2-2.4b0.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    std::fs::write(&bad, format!("{first}\n{{\"resourceSpans\": [oops]}}\n")).unwrap();
    let e = Dataset::open(std::slice::from_ref(&bad), LoadOptions::default()).err().unwrap().to_string();
    assert!(e.contains("spans.jsonl:2:") && e.contains("OTLP/JSON"), "{e}");
    // A token count that is not a number names the attribute.
    let broken = first.replacen("\"intValue\":\"1200\"", "\"intValue\":\"-5\"", 1);
    assert_ne!(broken, first);
    std::fs::write(&bad, format!("{broken}\n")).unwrap();
    let e = Dataset::open(std::slice::from_ref(&bad), LoadOptions::default()).err().unwrap().to_string();
    assert!(e.contains("spans.jsonl:1:") && e.contains("gen_ai.usage.input_tokens"), "{e}");
    let skipped =
        Dataset::open(std::slice::from_ref(&bad), LoadOptions { skip_bad_rows: true, ..LoadOptions::default() })
            .unwrap();
    assert_eq!(skipped.load.bad_rows, 1);
    // Gzip that is not gzip.
    let fake = dir.path().join("spans.jsonl.gz");
    std::fs::write(&fake, first).unwrap();
    let e = Dataset::open(&[fake], LoadOptions::default()).err().unwrap().to_string();
    assert!(e.contains("spans.jsonl.gz") && e.contains("gzip"), "{e}");
}
