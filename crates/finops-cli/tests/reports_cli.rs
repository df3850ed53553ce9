//! The HTML reports, index and manifest written by `finops analyze`, checked against the data.
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn finops(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_finops")).args(args).output().expect("finops runs")
}

fn simulate(path: &Path, calls: &str) {
    let o = finops(&["simulate", "-q", "--calls", calls, "--customers", "120", "--out", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn analyze(input: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["analyze", "-q", "--input", input.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = finops(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn pages(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), fs::read_to_string(&p).unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn every_analysis_gets_a_self_contained_page_and_the_manifest_matches_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    let out = dir.path().join("reports");
    simulate(&data, "15000");
    analyze(&data, &out, &["--target-size", "10MB"]);
    let html = out.join("html");
    let pages = pages(&html);
    let ids: Vec<String> = String::from_utf8_lossy(&finops(&["analyze", "--list"]).stdout)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(pages.len(), ids.len() + 1, "13 reports and the index");
    for (file, text) in &pages {
        // Self-contained: no URL but the SVG namespace, which names a vocabulary and is never fetched.
        let stripped = text.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(
            !stripped.contains("http://") && !stripped.contains("https://") && !stripped.contains("//cdn"),
            "{file}"
        );
        assert_eq!(text.matches("<svg").count(), text.matches("</svg>").count(), "{file}");
        for id in &ids {
            assert!(text.contains(&format!("href=\"{id}.html\"")), "{file} links to {id}");
        }
    }
    // Every field an analysis computes appears as a section of its page.
    for id in &ids {
        let v: Value = serde_json::from_slice(&fs::read(out.join("data").join(format!("{id}.json"))).unwrap()).unwrap();
        let page = &pages.iter().find(|(f, _)| *f == format!("{id}.html")).unwrap().1;
        assert!(page.contains("<svg class=\"chart"), "{id} has charts");
        for key in v.as_object().unwrap().keys().filter(|k| *k != "recommendations" && *k != "summary") {
            assert!(page.contains(&format!("id=\"{key}\"")), "{id}.html shows `{key}`");
        }
        for r in v["recommendations"].as_array().unwrap() {
            let msg = r["message"].as_str().unwrap().replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            // minijinja's HTML escaping also covers quotes and the slash.
            let msg = msg.replace('"', "&quot;").replace('\'', "&#x27;").replace('/', "&#x2f;");
            assert!(page.contains(&msg), "{id}: recommendation shown: {msg}");
        }
    }

    // The manifest against an independent reading of the CSV.
    let manifest: Value = serde_json::from_slice(&fs::read(html.join("manifest.json")).unwrap()).unwrap();
    let mut reader = csv::Reader::from_path(&data).unwrap();
    let cost_col = reader.headers().unwrap().iter().position(|h| h == "cost_usd").unwrap();
    let (mut rows, mut cost) = (0u64, 0.0f64);
    for r in reader.records() {
        rows += 1;
        cost += r.unwrap()[cost_col].parse::<f64>().unwrap();
    }
    assert_eq!(manifest["call_count"], rows);
    let m_cost = manifest["total_cost_usd"].as_f64().unwrap();
    assert!((m_cost - cost).abs() <= 1e-9 * cost, "{m_cost} vs {cost}");
    let bytes = fs::metadata(&data).unwrap().len();
    assert_eq!(manifest["data_size_bytes"], bytes);
    let expected_pct = (bytes as f64 / (10.0 * 1024.0 * 1024.0) * 100.0).min(100.0);
    assert!((manifest["progress_pct"].as_f64().unwrap() - expected_pct).abs() < 0.051);
    assert_eq!(manifest["target_size_mb"], 10.0);
    let reports = manifest["reports"].as_array().unwrap();
    assert_eq!(reports.len(), ids.len());
    assert!(reports.iter().all(|r| r["generated_at"].is_string() && html.join(r["file"].as_str().unwrap()).exists()));

    // The index shows the dataset card and a progress bar at the manifest's percentage.
    let index = &pages.iter().find(|(f, _)| f == "index.html").unwrap().1;
    assert!(index.contains(&format!("aria-valuenow=\"{:.0}\"", expected_pct)), "progress bar");
    assert!(index.contains("Executive summary") && index.matches("class=\"finding\"").count() >= 3);

    // --only re-renders that page; the index keeps the other reports from their stored results.
    analyze(&data, &out, &["--only", "pricing"]);
    let index = fs::read_to_string(html.join("index.html")).unwrap();
    assert_eq!(index.matches("not generated yet").count(), 0);
    // --no-html leaves the pages alone.
    fs::remove_file(html.join("features.html")).unwrap();
    analyze(&data, &out, &["--no-html"]);
    assert!(!html.join("features.html").exists());
}

#[test]
fn hostile_names_are_only_ever_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    simulate(&data, "6000");
    let hostile = [
        ("model", "<script>window.__xss=1</script>"),
        ("customer_id", "\"><img src=x onerror=\"window.__xss=2\">"),
        ("organization_id", "</svg><script>alert(3)</script>"),
        ("feature_id", "javascript:alert(4)"),
        ("provider", "'><svg onload=alert(5)>"),
    ];
    let mut reader = csv::Reader::from_path(&data).unwrap();
    let headers = reader.headers().unwrap().clone();
    let evil = dir.path().join("evil.csv");
    let mut writer = csv::Writer::from_path(&evil).unwrap();
    writer.write_record(&headers).unwrap();
    for (i, r) in reader.records().enumerate() {
        let mut row: Vec<String> = r.unwrap().iter().map(String::from).collect();
        for (j, (col, value)) in hostile.iter().enumerate() {
            if i % (3 + j) == 0 {
                row[headers.iter().position(|h| h == *col).unwrap()] = value.to_string();
            }
        }
        writer.write_record(&row).unwrap();
    }
    writer.flush().unwrap();
    let out = dir.path().join("reports");
    analyze(&evil, &out, &[]);
    let mut seen_escaped = 0;
    for (file, text) in pages(&out.join("html")) {
        // The one script is the page's own live-update script (allowed by its CSP hash), nothing else.
        assert_eq!(text.matches("<script").count(), 1, "{file}: a script tag besides the page's own");
        assert_eq!(text.matches("</script>").count(), 1, "{file}: a script tag besides the page's own");
        assert!(text.contains("<script>(function () {\n  \"use strict\";"), "{file}: not the live script");
        assert!(!text.contains("window.__xss=1</script>"), "{file}: raw hostile script");
        assert!(!text.contains("<img"), "{file}: raw img tag");
        assert!(!text.contains("<svg onload"), "{file}: raw svg tag");
        assert!(!text.contains("href=\"javascript:") && !text.contains("src=\"javascript:"), "{file}: js url");
        assert_eq!(text.matches("<svg").count(), text.matches("</svg>").count(), "{file}: svg closed early");
        assert!(!text.contains("onerror=\"window"), "{file}: attribute broken out of");
        seen_escaped += text.matches("&lt;script&gt;").count();
    }
    assert!(seen_escaped > 0, "the hostile names are shown, escaped");
}

/// Hostile values in OpenTelemetry spans (every dimension comes from attributes) are escaped in every
/// page, and `finops sql --format csv` neutralises the ones a spreadsheet would run as formulas.
#[test]
fn hostile_span_attributes_are_escaped_and_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../finops-analytics/tests/data/otel/openai-v2-2.4b0.jsonl");
    let json = |s: &str| serde_json::to_string(s).unwrap().trim_matches('"').to_string();
    let text = fs::read_to_string(fixture)
        .unwrap()
        .replace("support-assistant", &json("=cmd|' /C calc'!A0"))
        .replace("cust_0001", &json("<script>window.__xss=7</script>"))
        .replace("org_001", &json("\"><img src=x onerror=alert(8)>"))
        .replace("\"production\"", &format!("\"{}\"", json("@SUM(1+1)")))
        .replace("eu-west-1", &json("</svg><script>alert(9)</script>"));
    let spans = dir.path().join("evil.jsonl");
    fs::write(&spans, text).unwrap();
    let out = dir.path().join("reports");
    analyze(&spans, &out, &[]);
    let mut escaped = 0;
    for (file, page) in pages(&out.join("html")) {
        assert_eq!(page.matches("<script").count(), 1, "{file}: a script tag besides the page's own");
        assert!(!page.contains("<img"), "{file}: raw img tag");
        assert_eq!(page.matches("<svg").count(), page.matches("</svg>").count(), "{file}: svg closed early");
        escaped += page.matches("&lt;script&gt;window.__xss=7").count();
    }
    assert!(escaped > 0, "the hostile customer is shown, escaped");
    let q = "SELECT product_id, customer_id, organization_id, environment, count(*) AS calls FROM calls \
             GROUP BY 1, 2, 3, 4 ORDER BY calls DESC, 2";
    let o = finops(&["sql", q, "--input", spans.to_str().unwrap(), "--format", "csv"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv_text = String::from_utf8(o.stdout).unwrap();
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let mut rows = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        for cell in rec.iter().take(4) {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "a formula cell: {cell:?} in {csv_text}");
        }
        assert_eq!(&rec[0], "'=cmd|' /C calc'!A0");
        rows += 1;
    }
    assert!(rows >= 6 && csv_text.contains("'@SUM(1+1)"), "{csv_text}");
}

#[test]
fn empty_and_one_row_inputs_render_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    simulate(&data, "50");
    let text = fs::read_to_string(&data).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let first = lines.next().unwrap();
    for (name, body) in [("empty", format!("{header}\n")), ("one", format!("{header}\n{first}\n"))] {
        let input = dir.path().join(format!("{name}.csv"));
        fs::write(&input, body).unwrap();
        let out = dir.path().join(name);
        analyze(&input, &out, &[]);
        let pages = pages(&out.join("html"));
        assert_eq!(pages.len(), 14, "{name}");
        for (file, html) in &pages {
            assert!(!html.contains("NaN") && !html.contains("inf%") && !html.contains("$inf"), "{name}/{file}");
            assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count(), "{name}/{file}");
        }
        let index = &pages.iter().find(|(f, _)| f == "index.html").unwrap().1;
        if name == "empty" {
            assert!(index.contains("no calls yet"), "the index says there is no data");
        }
    }
}

/// Simulated data carries its answer key: the index scores the findings against it (and writes the
/// scores beside the results); the same data without its key shows no such panel.
#[test]
fn the_index_scores_simulated_data_against_its_answer_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sim.csv");
    let o = finops(&[
        "simulate",
        "-q",
        "--days",
        "4",
        "--customers",
        "300",
        "--seed",
        "77",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("reports");
    analyze(&data, &out, &[]);
    let index = fs::read_to_string(out.join("html").join("index.html")).unwrap();
    assert!(index.contains("id=\"detection-quality\"") && index.contains("burst"), "no detection panel");
    let scores: Value =
        serde_json::from_slice(&fs::read(out.join("data").join("detection_quality.json")).unwrap()).unwrap();
    let bursts = scores["classes"].as_array().unwrap().iter().find(|c| c["class"] == "burst").unwrap();
    // The detector's own accuracy is tested in finops-analytics; here, that the panel shows it.
    assert!(bursts["events"].as_u64().unwrap() >= 1 && bursts["found"].as_u64().unwrap() >= 1, "{bursts}");
    assert!(index.contains(&format!("{} of {}", bursts["found"], bursts["events"])));
    // `finops evaluate` reads the same results back and agrees.
    let o = finops(&[
        "evaluate",
        "--answer-key",
        dir.path().join("sim.events.json").to_str().unwrap(),
        "--results",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(again["classes"], scores["classes"]);

    fs::remove_file(dir.path().join("sim.events.json")).unwrap();
    let plain = dir.path().join("plain");
    analyze(&data, &plain, &[]);
    assert!(!fs::read_to_string(plain.join("html").join("index.html")).unwrap().contains("detection-quality"));
    assert!(!plain.join("data").join("detection_quality.json").exists());
}
