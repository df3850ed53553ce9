//! Opens every generated page in headless Chromium (tests/browser/check_reports.py): no console
//! errors, no network requests, charts drawn, fits a 390 px phone, hostile names run no script.
//! Then watches the live viewer during a generation (tests/browser/check_live.py): progress bar,
//! toasts, a report refreshing in place.
//! Runs when FINOPS_BROWSER_TEST=1 (set by `.ci/run`, which installs chromium and playwright).
mod common;

use std::process::Command;
use std::time::Duration;

fn enabled() -> bool {
    let on = std::env::var("FINOPS_BROWSER_TEST").as_deref() == Ok("1");
    if !on {
        eprintln!("skipped: set FINOPS_BROWSER_TEST=1 (bash .ci/run does) to run the browser checks");
    }
    on
}

fn screenshots() -> String {
    std::env::var("FINOPS_SCREENSHOTS")
        .unwrap_or_else(|_| std::env::temp_dir().join("finops-screenshots").to_string_lossy().to_string())
}

#[test]
fn the_live_viewer_updates_in_headless_chromium() {
    if !enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut v = common::Viewer::start(
        dir.path(),
        &["demo", "--port", "0", "--target-size", "20MB", "--rate", "3000", "--interval", "1"],
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/browser/check_live.py");
    let o = Command::new("python3")
        .args([script, &format!("http://{}", v.addr), &screenshots()])
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&o.stdout);
    println!("{report}");
    assert!(
        o.status.success(),
        "live checks failed:\n{report}\n{}\nviewer log:\n{}",
        String::from_utf8_lossy(&o.stderr),
        v.log()
    );
    assert_eq!(v.interrupt(Duration::from_secs(60)), Some(0));
}

#[test]
fn pages_load_cleanly_in_headless_chromium() {
    if !enabled() {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/browser/check_reports.py");
    let shots = screenshots();
    let o =
        Command::new("python3").args([script, env!("CARGO_BIN_EXE_finops"), &shots]).output().expect("python3 runs");
    let report = String::from_utf8_lossy(&o.stdout);
    println!("{report}");
    assert!(o.status.success(), "browser checks failed:\n{report}\n{}", String::from_utf8_lossy(&o.stderr));
}
