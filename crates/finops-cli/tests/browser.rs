//! Opens every generated page in headless Chromium (tests/browser/check_reports.py): no console
//! errors, no network requests, charts drawn, fits a 390 px phone, hostile names run no script.
//! Runs when FINOPS_BROWSER_TEST=1 (set by `.ci/run`, which installs chromium and playwright).
use std::process::Command;

#[test]
fn pages_load_cleanly_in_headless_chromium() {
    if std::env::var("FINOPS_BROWSER_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set FINOPS_BROWSER_TEST=1 (bash .ci/run does) to run the browser checks");
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/browser/check_reports.py");
    let shots = std::env::var("FINOPS_SCREENSHOTS")
        .unwrap_or_else(|_| std::env::temp_dir().join("finops-screenshots").to_string_lossy().to_string());
    let o =
        Command::new("python3").args([script, env!("CARGO_BIN_EXE_finops"), &shots]).output().expect("python3 runs");
    let report = String::from_utf8_lossy(&o.stdout);
    println!("{report}");
    assert!(o.status.success(), "browser checks failed:\n{report}\n{}", String::from_utf8_lossy(&o.stderr));
}
