//! Helpers for the viewer tests: start `finops demo`/`serve`, speak HTTP/1.1 over a socket (so the
//! tests control every header, `Host` and raw paths included), and follow the event stream.
#![allow(dead_code)]
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running `finops` viewer; killed when dropped.
pub struct Viewer {
    pub child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    pub stderr: Arc<Mutex<String>>,
}

impl Viewer {
    /// Starts `finops <args>` in `dir` and waits for its "Viewer: http://..." line.
    pub fn start(dir: &Path, args: &[&str]) -> Viewer {
        let mut child = Command::new(env!("CARGO_BIN_EXE_finops"))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("finops starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        let log = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("Viewer: http://").nth(1) {
                    let _ = tx.send(rest.split('/').next().unwrap_or_default().to_string());
                }
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!("the viewer did not start: {}", stderr.lock().unwrap());
            }
        };
        Viewer { child, addr, stderr }
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit; returns the exit code.
    pub fn interrupt(&mut self, timeout: Duration) -> Option<i32> {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("finops did not exit within {timeout:?} of Ctrl-C: {}", self.log());
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status code, raw header block (lower-cased names) and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One request on a fresh connection. `path` is sent exactly as given (no normalisation), and
/// `headers` may replace Host.
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let headers = head.to_ascii_lowercase();
    let body = if headers.contains("transfer-encoding: chunked") { dechunk(rest.as_bytes()) } else { rest.to_string() };
    Reply { status, headers, body }
}

pub fn get(addr: &str, path: &str) -> Reply {
    request(addr, "GET", path, &[], "")
}

/// A same-origin JSON POST, as the index page sends it.
pub fn post(addr: &str, path: &str, body: &str) -> Reply {
    let origin = format!("http://{addr}");
    request(
        addr,
        "POST",
        path,
        &[("Origin", &origin), ("Sec-Fetch-Site", "same-origin"), ("Content-Type", "application/json")],
        body,
    )
}

fn dechunk(mut b: &[u8]) -> String {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&b[start..(start + n).min(b.len())]);
        b = &b[(start + n + 2).min(b.len())..];
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET /api/events`, decoded into `(event, data)` pairs.
pub struct Events {
    reader: BufReader<TcpStream>,
    pending: Vec<u8>,
}

impl Events {
    pub fn open(addr: &str) -> Events {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(s, "GET /api/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").unwrap();
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        loop {
            line.clear();
            reader.read_line(&mut line).expect("response head");
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Events { reader, pending: Vec::new() }
    }

    /// Reads one chunk of the chunked body into `pending`.
    fn fill(&mut self) -> bool {
        let mut size = String::new();
        if self.reader.read_line(&mut size).unwrap_or(0) == 0 {
            return false;
        }
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            return false;
        }
        let mut chunk = vec![0; n + 2];
        if self.reader.read_exact(&mut chunk).is_err() {
            return false;
        }
        self.pending.extend_from_slice(&chunk[..n]);
        true
    }

    /// The next event, or `None` when the stream ends.
    pub fn next_event(&mut self) -> Option<(String, serde_json::Value)> {
        loop {
            if let Some(end) = self.pending.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.pending.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&block);
                let mut name = String::from("message");
                let mut data = String::new();
                for line in text.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // keep-alive comment
                }
                return Some((name, serde_json::from_str(&data).expect("event data is JSON")));
            }
            if !self.fill() {
                return None;
            }
        }
    }
}

/// Data rows of a CSV file and the sum of its `cost_usd`, read independently of finops.
pub fn rows_and_cost(path: &Path) -> (u64, f64) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let col = r.headers().unwrap().iter().position(|h| h == "cost_usd").unwrap();
    let mut n = 0;
    let mut cost = 0.0;
    for rec in r.records() {
        let rec = rec.expect("whole rows only");
        n += 1;
        cost += rec[col].parse::<f64>().unwrap();
    }
    (n, cost)
}
