//! The `finops` binary end to end: files, crash safety, Ctrl-C, and clear errors.
use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

fn finops() -> Command {
    Command::new(env!("CARGO_BIN_EXE_finops"))
}

fn run(args: &[&str]) -> Output {
    finops().args(args).output().expect("finops runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Waits until `path` holds at least `bytes`, or fails after 30 s.
fn wait_for_size(path: &Path, bytes: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while fs::metadata(path).map(|m| m.len()).unwrap_or(0) < bytes {
        assert!(Instant::now() < deadline, "{} never reached {bytes} bytes", path.display());
        sleep(Duration::from_millis(2));
    }
}

/// Kills a child still running when a test fails, so a failed test cannot leave a 20 GB writer behind.
struct Reaper(Option<std::process::Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn assert_whole_rows(path: &Path) -> usize {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.ends_with('\n'), "last row is cut");
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("call_id,timestamp,"));
    let mut n = 0;
    for line in lines {
        assert_eq!(line.split(',').count(), finops_core::schema::COLUMNS.len(), "torn row: {line}");
        n += 1;
    }
    n
}

#[test]
fn simulate_writes_a_complete_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/calls.csv");
    let o = run(&["simulate", "--calls", "2500", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("2,500 calls"), "{}", stderr(&o));
    assert_eq!(assert_whole_rows(&out), 2500);
    assert!(!dir.path().join("nested/calls.csv.partial").exists());

    let pq = dir.path().join("calls.parquet");
    let o = run(&["simulate", "--days", "1", "--customers", "40", "--out", pq.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&fs::read(&pq).unwrap()[..4], b"PAR1");
}

#[test]
fn stdout_output_is_the_same_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.csv");
    assert!(run(&["simulate", "--calls", "777", "--seed", "5", "--out", out.to_str().unwrap(), "-q"]).status.success());
    let o = run(&["simulate", "--calls", "777", "--seed", "5", "--out", "-", "-q"]);
    assert!(o.status.success());
    assert!(o.stdout == fs::read(&out).unwrap());
}

#[test]
fn kill_9_never_leaves_a_torn_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("calls.csv");
    // A complete earlier dataset must survive a killed run untouched.
    assert!(run(&["simulate", "--calls", "1000", "--out", out.to_str().unwrap(), "-q"]).status.success());
    let before = fs::read(&out).unwrap();
    for round in 0..3 {
        let mut child = Reaper(Some(
            finops()
                .args(["simulate", "--target-size", "20GB", "--out", out.to_str().unwrap(), "-q"])
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        ));
        wait_for_size(&finops_sim_partial(&out), 4_000_000 * (round + 1));
        let c = child.0.as_mut().unwrap();
        c.kill().unwrap(); // SIGKILL
        c.wait().unwrap();
        assert!(fs::read(&out).unwrap() == before, "round {round}: the published file changed");
    }
    // The next run replaces the leftover partial file and publishes whole rows only.
    assert!(run(&["simulate", "--calls", "300", "--out", out.to_str().unwrap(), "-q"]).status.success());
    assert_eq!(assert_whole_rows(&out), 300);
    assert!(!finops_sim_partial(&out).exists());
}

fn finops_sim_partial(out: &Path) -> std::path::PathBuf {
    out.with_file_name(format!("{}.partial", out.file_name().unwrap().to_string_lossy()))
}

#[test]
fn ctrl_c_keeps_whole_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("calls.csv");
    let mut child = Reaper(Some(
        finops()
            .args(["simulate", "--target-size", "20GB", "--out", out.to_str().unwrap()])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    wait_for_size(&finops_sim_partial(&out), 8_000_000);
    let pid = child.0.as_ref().unwrap().id();
    let status = Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap();
    assert!(status.success());
    let o = child.0.take().unwrap().wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("Interrupted; kept"), "{}", stderr(&o));
    assert!(assert_whole_rows(&out) > 10_000);
}

#[test]
fn bad_input_gets_a_clear_error_and_a_nonzero_exit() {
    let o = run(&["simulate", "--target-size", "fifty", "--out", "-"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not a size"), "{}", stderr(&o));

    let o = run(&["simulate", "--start", "yesterday", "--out", "-"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--start `yesterday`"), "{}", stderr(&o));

    let o = run(&["simulate", "--calls", "5", "--days", "1"]);
    assert!(!o.status.success(), "--calls and --days together must be refused");

    // A start before every model of the mix was priced is refused; from 2025 the mix holds the models
    // priced then, but the showcase's migration target was not.
    let o = run(&["simulate", "--start", "2023-01-01", "--calls", "5", "--out", "-"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no model of the Current mix is priced and served on 2023-01-01"), "{}", stderr(&o));
    let o = run(&["simulate", "--start", "2025-01-01", "--calls", "5", "--out", "-"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("openai/gpt-4.1, which is not priced or served on 2025-01-02"), "{}", stderr(&o));
    // The seed's mix was priced then, but the showcase's migration target was not.
    let o = run(&["simulate", "--start", "2025-01-01", "--mix", "seed", "--calls", "5", "--out", "-", "-q"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("scenario model_migration switches calls to openai/gpt-4.1"), "{}", stderr(&o));
    let o =
        run(&["simulate", "--start", "2025-01-01", "--mix", "seed", "--baseline", "--calls", "5", "--out", "-", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).lines().count() == 6);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("prices.toml");
    fs::write(&bad, "[[providers]]\nname = \"a\"\nweight = 1.0\n\n[[models]]\nprovider = \"a\"\nmodel = \"m\"\ncontext_window = 10\nttft_ms = 1\ntokens_per_s = 1\nprices = [{ effective_from = \"2026-13-01\", input = 1, output = 1 }]\n").unwrap();
    let o = run(&["pricing", "--pricing", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("prices.toml:11:") && e.contains("2026-13-01"), "{e}");
    assert!(!e.contains("panicked"));
}

#[test]
fn pricing_prints_dated_rows() {
    let o = run(&["pricing"]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("openai") && l.contains("gpt-4o-mini") && l.contains("0.15") && l.contains("0.075"))
    );
    let o = run(&["pricing", "--at", "2025-06-01"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let o3: Vec<&str> = out.lines().filter(|l| l.split_whitespace().nth(1) == Some("o3")).collect();
    assert_eq!(o3.len(), 1);
    assert!(o3[0].contains("2025-04-16") && o3[0].contains(" 10 "), "{}", o3[0]);
    let o = run(&["pricing", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["models"].as_array().unwrap().len() >= 47);
    // The printed TOML is a valid catalog to start from.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("mine.toml");
    fs::write(&p, run(&["pricing", "--toml"]).stdout).unwrap();
    assert!(run(&["pricing", "--pricing", p.to_str().unwrap()]).status.success());
}

#[test]
fn showcase_writes_the_answer_key_and_scenarios_can_run_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("calls.csv");
    let o = run(&["simulate", "--target-size", "50MB", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let key: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("calls.events.json")).unwrap()).unwrap();
    let windows = key["windows"].as_array().unwrap();
    let ids: std::collections::HashSet<&str> = windows.iter().map(|w| w["scenario"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 12, "the default 50 MB holds every scenario: {ids:?}");
    // The data itself carries no scenario label.
    let header = fs::read_to_string(&out).unwrap().lines().next().unwrap().to_string();
    assert!(!header.contains("scenario"));

    let alone = dir.path().join("viral.csv");
    let o = run(&["simulate", "--scenario", "Viral Spike", "--days", "4", "--out", alone.to_str().unwrap(), "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let key: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("viral.events.json")).unwrap()).unwrap();
    assert_eq!(key["windows"][0]["scenario"], "viral_spike");
    assert_eq!(key["windows"].as_array().unwrap().len(), 1);

    let o = run(&["simulate", "--scenario", "alien_invasion", "--calls", "5", "--out", "-"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown scenario `alien_invasion`") && stderr(&o).contains("viral_spike"));

    let o = run(&["scenarios"]);
    let text = String::from_utf8_lossy(&o.stdout);
    for id in [
        "base_traffic",
        "seasonal_pattern",
        "burst_traffic",
        "multi_tenant",
        "model_migration",
        "weekend_effect",
        "timezone_pattern",
        "feature_launch",
        "cost_optimization",
        "gradual_decline",
        "steady_growth",
        "viral_spike",
    ] {
        assert!(text.contains(id), "{id} missing from `finops scenarios`");
    }
}

#[test]
fn pricing_check_lists_what_differs_from_the_database() {
    // The bundled database: every difference is explained by an override or a row of our own.
    let o = run(&["pricing", "check", "--at", "2026-11-01"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    assert!(out.contains("against genai-prices 0.2.1 (bundled)") && !out.contains("UNEXPLAINED"), "{out}");
    assert!(out.contains("openai/gpt-5.4") && out.contains("a rounding"), "the documented override is listed");

    // A newer database file where gpt-4o costs more: listed as unexplained, exit 1.
    let dir = tempfile::tempdir().unwrap();
    let db = include_str!("../../finops-core/catalog/genai-prices-0.2.1.json");
    // The OpenAI provider's gpt-4o entry (the file is one line of compact JSON).
    let openai = db.find(r#""id":"openai""#).expect("openai provider");
    let at = openai + db[openai..].find(r#""id":"gpt-4o","name":"gpt 4o""#).expect("gpt-4o entry");
    let old = r#""input_mtok":2.5"#;
    let input = at + db[at..].find(old).unwrap();
    let newer = format!("{}\"input_mtok\":3.0{}", &db[..input], &db[input + old.len()..]);
    let file = dir.path().join("prices.json");
    fs::write(&file, newer).unwrap();
    let o = run(&["pricing", "check", "--at", "2026-11-01", "--against", file.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success());
    let flagged: Vec<&str> = out.lines().filter(|l| l.contains("UNEXPLAINED")).collect();
    // Azure's gpt-4o is the OpenAI entry too (genai-prices' fallback).
    let gpt4o = |l: &&str| l.starts_with("openai/gpt-4o ") || l.starts_with("azure/gpt-4o ");
    assert!(!flagged.is_empty() && flagged.iter().all(gpt4o), "{out}");
    assert!(stderr(&o).contains("without an override saying why"), "{}", stderr(&o));

    // A LiteLLM map: per-token rates, standard tier only.
    let litellm = r#"{"gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
        "cache_read_input_token_cost": 1.25e-06, "litellm_provider": "openai"},
        "gpt-4.1": {"input_cost_per_token": 2.2e-06, "output_cost_per_token": 8e-06, "litellm_provider": "openai"}}"#;
    let file = dir.path().join("model_prices_and_context_window.json");
    fs::write(&file, litellm).unwrap();
    let o = run(&["pricing", "check", "--at", "2026-11-01", "--against", file.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!o.status.success(), "gpt-4.1 differs");
    assert!(out.lines().filter(|l| l.contains("UNEXPLAINED")).all(|l| l.starts_with("openai/gpt-4.1 ")), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("openai/gpt-4o ")), "gpt-4o agrees: {out}");

    // Not a price file: a clear error.
    fs::write(&file, "[1, 2").unwrap();
    let o = run(&["pricing", "check", "--against", file.to_str().unwrap()]);
    assert!(!o.status.success() && stderr(&o).contains("not JSON"), "{}", stderr(&o));
}
