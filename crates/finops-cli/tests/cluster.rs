//! The analyses on a Ballista cluster equal the embedded engine's: a scheduler and two executors
//! (`finops cluster ...`) on 127.0.0.1, a partitioned dataset, `finops analyze --cluster` against
//! `finops analyze`, all 13 JSON results compared field by field.
//!
//! Needs the `cluster` feature (a second build of the query engine, about 20 minutes here), so it is
//! not part of the default test run: `bash bench/cluster_check.sh` builds and runs it.
#![cfg(feature = "cluster")]

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use finops_analytics::compare::differences;

const FINOPS: &str = env!("CARGO_BIN_EXE_finops");

/// Children killed when the test ends, however it ends.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn spawn(args: &[&str], log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(FINOPS).args(args).stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap()
}

fn run(args: &[&str]) {
    let out = Command::new(FINOPS).args(args).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "finops {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_cluster_computes_the_same_13_results() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("calls");
    let data_arg = format!("{}/", data.display());
    run(&["simulate", "--calls", "300000", "--customers", "300", "--format", "parquet", "--out", &data_arg, "-q"]);

    let scheduler = free_port();
    let mut procs = Processes(Vec::new());
    let s = scheduler.to_string();
    procs
        .0
        .push(spawn(&["cluster", "scheduler", "--bind", "127.0.0.1", "--port", &s], &dir.path().join("scheduler.log")));
    wait_for_port(scheduler, "the scheduler");
    for i in 0..2 {
        let (flight, grpc) = (free_port(), free_port());
        let args = [
            "cluster",
            "executor",
            "--scheduler",
            &format!("127.0.0.1:{scheduler}"),
            "--bind",
            "127.0.0.1",
            "--port",
            &flight.to_string(),
            "--grpc-port",
            &grpc.to_string(),
            "--concurrent-tasks",
            "2",
        ]
        .map(String::from);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        procs.0.push(spawn(&args, &dir.path().join(format!("executor{i}.log"))));
        wait_for_port(flight, "an executor");
    }

    let (embedded, cluster) = (dir.path().join("embedded"), dir.path().join("cluster"));
    run(&["analyze", "-i", &data_arg, "--out", &embedded.display().to_string(), "--no-html", "-q"]);
    let url = format!("df://127.0.0.1:{scheduler}");
    run(&["analyze", "--cluster", &url, "-i", &data_arg, "--out", &cluster.display().to_string(), "--no-html", "-q"]);

    let mut compared = 0;
    for entry in std::fs::read_dir(embedded.join("data")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let read = |p: &Path| -> serde_json::Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
        let (a, b) = (read(&path), read(&cluster.join("data").join(&name)));
        let diffs = differences(&a, &b, 1e-9, &[]);
        assert!(diffs.is_empty(), "{name:?}: {} differences, first: {:?}", diffs.len(), &diffs[..diffs.len().min(10)]);
        compared += 1;
    }
    // The 13 analyses (and, where written, the detection quality scored against the answer key).
    assert!(compared >= 13, "{compared} results compared");
}
