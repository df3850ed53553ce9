//! `finops demo` end to end: the event stream follows the data to its target, reports refresh several
//! times on the way, the final manifest matches the data, and Ctrl-C leaves data and reports valid.
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Events, Viewer, get, rows_and_cost};

/// No `.partial` file is left anywhere under `dir`.
fn assert_no_partial(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let p = e.path();
        if p.is_dir() {
            assert_no_partial(&p);
        } else {
            assert!(!p.to_string_lossy().ends_with(".partial"), "left behind: {}", p.display());
        }
    }
}

/// The manifest on disk describes exactly the data file: rows, bytes and total cost.
fn assert_manifest_matches(dir: &Path) -> u64 {
    let data = dir.join("data/simulated_calls.csv");
    let (rows, cost) = rows_and_cost(&data);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("reports/html/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["call_count"].as_u64(), Some(rows), "manifest call_count vs the data file");
    assert_eq!(m["data_size_bytes"].as_u64(), Some(std::fs::metadata(&data).unwrap().len()));
    let total = m["total_cost_usd"].as_f64().unwrap();
    assert!((total - cost).abs() <= 1e-9 * cost.abs().max(1.0), "total cost {total} vs {cost}");
    for r in m["reports"].as_array().unwrap() {
        assert!(r["generated_at"].is_string(), "report {} not generated", r["id"]);
    }
    rows
}

#[test]
fn demo_follows_the_data_to_its_target_refreshing_the_reports() {
    let dir = tempfile::tempdir().unwrap();
    let target = 6u64 << 20;
    let mut v = Viewer::start(
        dir.path(),
        &["demo", "--port", "0", "--target-size", "6MB", "--rate", "8000", "--interval", "0.6"],
    );
    // Even before the first analysis, the index answers (a placeholder with progress and controls).
    let index = get(&v.addr, "/");
    assert_eq!(index.status, 200, "{index:?}");
    assert!(index.body.contains("id=\"controls\""));
    let mut events = Events::open(&v.addr);
    let (first, status) = events.next_event().expect("a first event");
    assert_eq!(first, "status");
    assert_eq!(status["reports"].as_array().unwrap().len(), 13);
    // The file being written is offered by name, and can be analyzed as it stands.
    let files = get(&v.addr, "/api/files").json();
    assert_eq!(files["files"][0]["name"], "simulated_calls.csv", "{files}");
    assert_eq!(files["files"][0]["generating"], true, "{files}");
    let r = common::post(&v.addr, "/api/analyze", "{\"file\": \"simulated_calls.csv\"}");
    assert_eq!(r.status, 202, "{r:?}");

    let started = Instant::now();
    let mut pcts: Vec<f64> = Vec::new();
    let mut final_calls: Option<u64> = None;
    // The run that starts after the generation is done analyzes the final file.
    let mut final_run: Option<u64> = None;
    // run -> reports announced, and the calls each finished run analyzed.
    let mut announced: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    loop {
        assert!(started.elapsed() < Duration::from_secs(180), "no end in sight: {}", v.log());
        let Some((name, data)) = events.next_event() else { panic!("stream ended early: {}", v.log()) };
        match name.as_str() {
            "progress" => {
                pcts.push(data["progress_pct"].as_f64().unwrap());
                if data["state"] == "done" {
                    assert!(data["bytes"].as_u64().unwrap() >= target);
                    final_calls = data["calls"].as_u64();
                }
                assert_ne!(data["state"], "failed", "{data}");
            }
            "report" => {
                announced.entry(data["run"].as_u64().unwrap()).or_default().insert(data["id"].as_str().unwrap().into());
            }
            "analysis" if data["state"] == "running" && final_calls.is_some() => {
                final_run.get_or_insert(data["run"].as_u64().unwrap());
            }
            "analysis" if data["state"] == "done" => {
                let run = data["run"].as_u64().unwrap();
                let calls = data["calls"].as_u64().unwrap();
                assert_eq!(announced.get(&run).map_or(0, BTreeSet::len), 13, "run {run} announced every report first");
                runs.push((run, calls));
                if final_run == Some(run) {
                    assert_eq!(Some(calls), final_calls);
                    break;
                }
            }
            "analysis" => assert_ne!(data["state"], "failed", "{data}"),
            _ => {}
        }
    }
    // The bar only moves forward and ends full.
    assert!(pcts.windows(2).all(|w| w[1] >= w[0]), "progress went backwards: {pcts:?}");
    assert_eq!(pcts.last().copied(), Some(100.0));
    // Refreshed several times while the data grew, each time over more calls.
    let growing: Vec<u64> = runs.iter().map(|r| r.1).filter(|&c| Some(c) != final_calls).collect();
    assert!(runs.len() >= 3 && growing.len() >= 2, "refreshes: {runs:?}");
    assert!(runs.windows(2).all(|w| w[1].1 >= w[0].1), "{runs:?}");

    let rows = assert_manifest_matches(dir.path());
    assert_eq!(Some(rows), final_calls);
    // The served manifest and status agree with the files.
    let m = get(&v.addr, "/manifest.json").json();
    assert_eq!(m["call_count"].as_u64(), Some(rows));
    let s = get(&v.addr, "/api/status").json();
    assert_eq!(s["generation"]["state"], "done");
    assert_eq!(s["analysis"]["state"], "done");
    assert_eq!(s["analysis"]["calls"].as_u64(), Some(rows));
    assert!(s["reports"].as_array().unwrap().iter().all(|r| r["state"] == "ready"));
    let index = get(&v.addr, "/");
    assert_eq!(index.status, 200);
    assert!(index.body.contains("id=\"controls\"") && index.body.contains("new EventSource(\"/api/events\")"));
    assert!(index.headers.contains("content-type: text/html; charset=utf-8"));
    assert_eq!(get(&v.addr, "/understanding.html").status, 200);
    let reports = get(&v.addr, "/api/reports").json();
    assert_eq!(reports["reports"].as_array().unwrap().len(), 13);

    // Ctrl-C after the target: a clean exit, everything still valid.
    assert_eq!(v.interrupt(Duration::from_secs(30)), Some(0), "{}", v.log());
    assert_manifest_matches(dir.path());
    assert_no_partial(dir.path());
}

#[test]
fn ctrl_c_mid_generation_keeps_whole_rows_and_reports_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = Viewer::start(
        dir.path(),
        &["demo", "--port", "0", "--target-size", "500MB", "--rate", "20000", "--interval", "0.5"],
    );
    let mut events = Events::open(&v.addr);
    let started = Instant::now();
    // Wait for one live refresh, so the interruption lands mid-generation with reports on disk.
    loop {
        assert!(started.elapsed() < Duration::from_secs(120), "no refresh: {}", v.log());
        match events.next_event() {
            Some((name, data)) if name == "analysis" && data["state"] == "done" => break,
            Some(_) => {}
            None => panic!("stream ended: {}", v.log()),
        }
    }
    assert_eq!(v.interrupt(Duration::from_secs(60)), Some(0), "{}", v.log());
    let rows = assert_manifest_matches(dir.path());
    assert!(rows > 0);
    assert!(v.log().contains("Stopped; kept"), "{}", v.log());
    assert_no_partial(dir.path());
}

#[test]
fn no_serve_runs_the_pipeline_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_finops"))
        .args(["demo", "--no-serve", "--target-size", "3MB"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{log}");
    assert!(log.contains("at full speed") && log.contains("Reports refreshed"), "{log}");
    assert_manifest_matches(dir.path());
    assert_no_partial(dir.path());

    // A taken port is a clear error, not a panic.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_finops"))
        .args(["serve", "--port", &port])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && log.contains(&format!("port {port}")) && log.contains("already in use"), "{log}");
}
