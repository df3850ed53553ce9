//! The viewer under load and abuse on 127.0.0.1 while it generates and re-analyzes: 1,000 event-stream
//! clients (half never read), clients that never finish their request, oversized and malformed requests
//! and a request flood. It keeps answering, its memory stays bounded, nothing crashes and the generation
//! finishes.
#![cfg(target_os = "linux")]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Viewer, get, request};

const SSE_CLIENTS: usize = 1000;

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn raw(addr: &str, bytes: &[u8]) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    // A server may answer and close before reading everything we send (a refused header block).
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn the_viewer_holds_a_thousand_streams_and_abuse_while_it_generates() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = Viewer::start(
        dir.path(),
        &["demo", "--port", "0", "--target-size", "12MB", "--rate", "15000", "--interval", "1", "--customers", "100"],
    );
    let addr = v.addr.clone();
    let pid = v.child.id();
    let open_stream = || {
        let mut s = TcpStream::connect(&addr).unwrap();
        write!(s, "GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
        s
    };
    let streams: Vec<TcpStream> = (0..SSE_CLIENTS).map(|_| open_stream()).collect();
    // Clients that open a request and never finish it.
    let mut stalled: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).unwrap();
            s.write_all(b"GET /api/status HTTP/1.1\r\nHost: ").unwrap();
            s
        })
        .collect();

    // Oversized and malformed requests get an error status or a closed connection, never a crash.
    let huge_header = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}\r\n\r\n", "a".repeat(1 << 20));
    let r = raw(&addr, huge_header.as_bytes()).unwrap_or_default();
    assert!(r.is_empty() || r.starts_with("HTTP/1.1 431"), "{}", &r[..r.len().min(200)]);
    for garbage in [&b"GARBAGE\r\n\r\n"[..], b"\x00\x01\x02\xff\r\n\r\n", b"GET /\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"] {
        let r = raw(&addr, garbage).unwrap_or_default();
        assert!(r.is_empty() || r.starts_with("HTTP/1.1 4") || r.starts_with("HTTP/1.1 505"), "{r}");
    }
    let big_body = "x".repeat(3 << 20);
    let r = request(&addr, "POST", "/api/analyze", &[("Content-Type", "application/json")], &big_body);
    assert_eq!(r.status, 413, "{r:?}");

    // A flood of status requests from 4 threads while all that is open: every one answered.
    let mut latencies: Vec<f64> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    (0..250)
                        .map(|_| {
                            let t = Instant::now();
                            let r = get(&addr, "/api/status");
                            assert_eq!(r.status, 200);
                            t.elapsed().as_secs_f64() * 1e3
                        })
                        .collect::<Vec<f64>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    latencies.sort_by(f64::total_cmp);
    let p99 = latencies[latencies.len() * 99 / 100];

    // The generation and its analyses finish with every stream still open.
    let until = Instant::now() + Duration::from_secs(240);
    loop {
        let s = get(&addr, "/api/status").json();
        if s["generation"]["state"] == "done" && s["analysis"]["state"] == "done" {
            break;
        }
        assert!(Instant::now() < until, "the generation did not finish: {s}\n{}", v.log());
        assert!(v.child.try_wait().unwrap().is_none(), "the viewer exited: {}", v.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    // The reading half of the streams got events: the first status and the progress that followed.
    let mut served = 0;
    for mut s in streams.into_iter().step_by(2) {
        s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let mut buf = vec![0u8; 4096];
        if let Ok(n) = s.read(&mut buf)
            && String::from_utf8_lossy(&buf[..n]).contains("text/event-stream")
        {
            served += 1;
        }
    }
    stalled.iter_mut().for_each(|s| {
        let _ = s.write_all(b"x");
    });
    let rss = peak_rss_mb(pid);
    println!(
        "viewer load: {SSE_CLIENTS} streams held ({served} of {} read back), 100 stalled requests, \
         {} status requests p50 {:.1} ms p99 {p99:.1} ms, peak RSS {rss:.0} MB",
        SSE_CLIENTS / 2,
        latencies.len(),
        latencies[latencies.len() / 2]
    );
    assert_eq!(served, SSE_CLIENTS / 2, "every reading stream was served");
    assert!(p99 < 2000.0, "status p99 {p99:.0} ms under load");
    assert!(rss < 1024.0, "peak RSS {rss:.0} MB");
    assert!(get(&addr, "/api/status").status == 200 && v.child.try_wait().unwrap().is_none());
}
