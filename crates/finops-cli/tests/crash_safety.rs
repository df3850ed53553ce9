//! `kill -9` at random points of simulate, analyze and demo: data files hold whole rows only (a killed
//! run's partial file at most ends in one cut row, which --resume drops), every report file is a whole
//! file, the next run starts cleanly, and `simulate --resume` ends byte-identical to an uninterrupted run.
#![cfg(unix)]
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KILLS: usize = 20;

fn finops() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_finops"));
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// A deterministic sequence of delays (ms) in `lo..hi`.
fn delays(seed: u64, lo: u64, hi: u64) -> impl Iterator<Item = u64> {
    let mut x = seed;
    std::iter::from_fn(move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        Some(lo + x % (hi - lo))
    })
}

/// Kills `child` with SIGKILL after `ms`, unless it ended first; whether it was killed.
fn kill_after(mut child: Child, ms: u64) -> bool {
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let killed = child.try_wait().unwrap().is_none();
    let _ = child.kill(); // SIGKILL on unix
    let _ = child.wait();
    killed
}

/// Every line of a (partial) call log but the last has the header's field count; the last is either
/// whole or cut short by the kill.
fn whole_rows(path: &Path) -> usize {
    let bytes = fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.split('\n');
    let header = lines.next().unwrap_or("");
    let width = header.split(',').count();
    assert!(header.is_empty() || width == 25, "{}: header {header:?}", path.display());
    let rows: Vec<&str> = lines.collect();
    let (last, whole) = rows.split_last().map_or(("", &[][..]), |(l, w)| (*l, w));
    for (i, r) in whole.iter().enumerate() {
        assert_eq!(r.split(',').count(), width, "{}: line {} is not a whole row: {r:?}", path.display(), i + 2);
    }
    assert!(last.split(',').count() <= width, "{}: the cut row is too wide", path.display());
    whole.len()
}

/// Every file of a report folder is a whole file: JSON parses, HTML ends with its closing tag.
fn whole_reports(out: &Path) {
    for sub in ["data", "html"] {
        let Ok(dir) = fs::read_dir(out.join(sub)) else { continue };
        for e in dir {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".partial") {
                continue; // a killed writer's temporary file; never read, replaced by the next run
            }
            let text = fs::read_to_string(&p).unwrap();
            if name.ends_with(".json") {
                serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or_else(|e| panic!("{}: not whole JSON: {e}", p.display()));
            } else if name.ends_with(".html") {
                assert!(text.trim_end().ends_with("</html>"), "{}: not a whole page", p.display());
            }
        }
    }
}

fn partials(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(partials(&p));
        } else if p.to_string_lossy().ends_with(".partial") {
            out.push(p);
        }
    }
    out
}

#[test]
fn simulate_killed_twenty_times_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["simulate", "-q", "--calls", "300000", "--customers", "150", "--seed", "7"];
    let reference = dir.path().join("reference.csv");
    assert!(finops().args(args).args(["--out", reference.to_str().unwrap()]).status().unwrap().success());
    let out = dir.path().join("calls.csv");
    let partial = dir.path().join("calls.csv.partial");
    let (mut killed, mut finished) = (0, 0);
    for (k, ms) in delays(0x9e37, 5, 200).take(KILLS * 2).enumerate() {
        if killed == KILLS {
            break;
        }
        if out.exists() {
            // A run got through before its kill: check it, then start over for more kills.
            assert!(fs::read(&out).unwrap() == fs::read(&reference).unwrap(), "run {k} differs from the reference");
            fs::remove_file(&out).unwrap();
            finished += 1;
        }
        let mut c = finops();
        c.args(args).args(["--out", out.to_str().unwrap()]);
        if partial.exists() {
            c.arg("--resume");
        }
        if kill_after(c.spawn().unwrap(), ms) {
            if out.exists() {
                // The kill landed after the rename: a finished run (its answer key may be missing).
                assert!(fs::read(&out).unwrap() == fs::read(&reference).unwrap(), "kill {k}: a partial output");
                continue;
            }
            killed += 1;
            if partial.exists() {
                whole_rows(&partial);
            }
        }
    }
    println!("simulate: {killed} kills while running, {finished} runs finished first");
    assert_eq!(killed, KILLS, "{finished} runs finished before their kill");
    if !out.exists() {
        let mut c = finops();
        c.args(args).args(["--out", out.to_str().unwrap()]);
        if partial.exists() {
            c.arg("--resume");
        }
        assert!(c.status().unwrap().success());
    }
    assert!(fs::read(&out).unwrap() == fs::read(&reference).unwrap(), "resumed output differs from the reference");
    assert_eq!(
        fs::read(dir.path().join("calls.events.json")).unwrap(),
        fs::read(dir.path().join("reference.events.json")).unwrap()
    );
    assert!(!partial.exists());

    // A partial file from other options is refused, and left for its own run to resume.
    fs::write(&partial, &fs::read(&reference).unwrap()[..50_000]).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_finops"))
        .args(["simulate", "-q", "--calls", "300000", "--customers", "150", "--seed", "8", "--resume"])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("differs at byte"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(partial.exists() && fs::read(&out).unwrap() == fs::read(&reference).unwrap());
}

#[test]
fn analyze_killed_twenty_times_leaves_whole_reports() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls.csv");
    assert!(
        finops()
            .args(["simulate", "-q", "--calls", "60000", "--customers", "120", "--out", data.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    let out = dir.path().join("reports");
    let analyze = || {
        let mut c = finops();
        c.args(["analyze", "-q", "--input", data.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        c
    };
    let started = Instant::now();
    assert!(analyze().status().unwrap().success());
    // Kill within the time a whole run takes here, so that most kills land while it writes, on a fast
    // machine as on a slow one (a fixed 600 ms let half the runs finish once the analysis got faster).
    let whole_ms = (started.elapsed().as_millis() as u64).max(100);
    let mut killed = 0;
    for ms in delays(0x51f1, 20, whole_ms * 9 / 10).take(KILLS) {
        if kill_after(analyze().spawn().unwrap(), ms) {
            killed += 1;
        }
        whole_reports(&out);
    }
    println!("analyze: {killed} of {KILLS} kills while running");
    assert!(killed >= KILLS / 2, "only {killed} runs were killed before finishing");
    assert!(analyze().status().unwrap().success(), "the run after the kills");
    whole_reports(&out);
    assert!(partials(&out).is_empty(), "temporary files left after a whole run: {:?}", partials(&out));
}

#[test]
fn demo_killed_twenty_times_starts_cleanly_again() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("reports"));
    let demo = || {
        let mut c = finops();
        c.args(["demo", "--no-serve", "--rate", "20000", "--target-size", "8MB", "--customers", "100"]).args([
            "--data-dir",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        c
    };
    let mut killed = 0;
    for ms in delays(0xbeef, 30, 1500).take(KILLS) {
        if kill_after(demo().spawn().unwrap(), ms) {
            killed += 1;
        }
        whole_reports(&out);
        if let Ok(dir) = fs::read_dir(&data) {
            for e in dir {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|e| e == "csv" || e == "partial") {
                    whole_rows(&p);
                }
            }
        }
    }
    println!("demo: {killed} of {KILLS} kills while running");
    assert!(killed >= KILLS / 2, "only {killed} runs were killed before finishing");
    assert!(demo().status().unwrap().success(), "the run after the kills");
    whole_reports(&out);
    let csv = data.join("simulated_calls.csv");
    assert!(whole_rows(&csv) > 10_000);
    assert!(partials(&data).is_empty() && partials(&out).is_empty(), "{:?}", (partials(&data), partials(&out)));
}
